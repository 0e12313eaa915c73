from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.actions.models import AlertOutcome, Criterion, Entity
from kizuna.actions.services import assignable_users
from kizuna.core.forms import ListFilterForm, ServiceForm
from kizuna.core.models import User

EXAMPLE = '{"all": [\n  {"field": "prefecture", "op": "eq", "value": "東京都"},\n  ' \
    '{"aggregate": "order_count", "days": 90, "op": "eq", "value": 0}\n]}'


def parse_json(text: str) -> Any:
    """The condition text as JSON, or a message that says where it broke."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("This is not valid JSON (line %(line)d, column %(column)d: "
                                "%(reason)s).") % {"line": exc.lineno, "column": exc.colno,
                                                    "reason": exc.msg}) from None


class CriterionForm(ServiceForm):
    """A criterion with its condition as JSON text (a visual builder is planned; 0201)."""

    condition = forms.CharField(
        label=_("Condition (JSON)"), widget=forms.Textarea(attrs={
            "rows": 14, "class": "mono", "spellcheck": "false", "placeholder": EXAMPLE}),
        help_text=_("Fields, aggregates and operators are listed below the form."))

    class Meta:
        model = Criterion
        fields = ["name", "purpose", "entity", "condition", "title_template", "due_in_days",
                  "priority", "next_step", "assignee_rule", "assignee_user", "schedule",
                  "cooldown_days", "owner"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = User.objects.filter(is_active=True)
        self.fields["assignee_user"].queryset = users
        self.fields["owner"].queryset = users
        self.fields["owner"].required = False
        if self.instance.pk:
            del self.fields["entity"]  # fixed once created (services.update_criterion)
            if not self.is_bound:
                self.initial["condition"] = json.dumps(self.instance.condition,
                                                       ensure_ascii=False, indent=2)

    def clean_condition(self) -> Any:
        return parse_json(self.cleaned_data["condition"])

    def service_data(self) -> tuple[int | None, dict[str, Any]]:
        version, data = super().service_data()
        if not data.get("owner"):
            data.pop("owner", None)
        return version, data


class CriterionFilterForm(ListFilterForm):
    list_id = "criterion"
    sort_choices = [("", _("Name")), ("recent", _("Recently updated"))]

    entity = forms.ChoiceField(label=_("Record type"), required=False,
                               choices=[("", "—"), *Entity.choices])
    enabled = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", "—"), ("1", _("Enabled")), ("0", _("Disabled"))])


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DoneForm(VersionForm):
    outcome_code = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"),
                                                                  *AlertOutcome.choices])
    outcome_note = forms.CharField(label=_("Note"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class SnoozeForm(VersionForm):
    until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["until"].widget.attrs["min"] = (
            timezone.localdate() + dt.timedelta(days=1)).isoformat()


class ReassignForm(VersionForm):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(actor).order_by("username")
