from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.core.forms import ListFilterForm, ServiceForm
from kizuna.customers.forms import owner_field
from kizuna.pipeline.models import Activity, ActivityKind, OutcomeCode


class ActivityForm(ServiceForm):
    class Meta:
        model = Activity
        fields = ["kind", "occurred_at", "subject", "body", "outcome_code", "outcome",
                  "next_step", "next_step_due"]
        widgets = {
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                               format="%Y-%m-%dT%H:%M"),
            "next_step_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "body": forms.Textarea(attrs={"rows": 5}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["occurred_at"].initial = timezone.localtime().replace(
                second=0, microsecond=0)


class ActivityFilterForm(ListFilterForm):
    list_id = "activity"
    sort_choices = [("", _("Newest first")), ("oldest", _("Oldest first"))]

    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", "—"), *ActivityKind.choices])
    outcome_code = forms.ChoiceField(label=_("Outcome"), required=False,
                                     choices=[("", "—"), *OutcomeCode.choices])
    owner = owner_field()
