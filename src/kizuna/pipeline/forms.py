from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.analytics.funnel import FREQS
from kizuna.core.forms import ListFilterForm, ServiceForm
from kizuna.customers.forms import owner_field
from kizuna.pipeline.models import Activity, ActivityKind, LeadSource, LeadStage, OutcomeCode
from kizuna.pipeline.queries import lead_stages


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


# --- leads ---------------------------------------------------------------------------------------

FREQ_LABELS = {"week": _("Week"), "month": _("Month"), "quarter": _("Quarter")}


class FunnelForm(forms.Form):
    """Which periods the funnel page shows: ``periods`` of ``period`` ending with ``until``'s."""

    period = forms.ChoiceField(label=_("Period"), required=False, initial="month",
                               choices=[(f, FREQ_LABELS[f]) for f in FREQS])
    until = forms.DateField(label=_("Period holding"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    periods = forms.TypedChoiceField(label=_("Trend over"), required=False, coerce=int,
                                     empty_value=12, initial=12,
                                     choices=[(n, str(n)) for n in (4, 6, 12, 24)])

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"freq": data.get("period") or "month", "until": data.get("until") or None,
                "periods": data.get("periods") or 12}


def _stage_choices(stages: list[LeadStage]) -> list[tuple[str, str]]:
    return [("", "—"), *((s.code, s.label) for s in stages)]


class LeadFilterForm(ListFilterForm):
    list_id = "lead"
    sort_choices = [("", _("Newest in stage")), ("waiting", _("Longest in stage")),
                    ("acquired", _("Recently acquired"))]

    stage = forms.ChoiceField(label=_("Current stage"), required=False)
    entered = forms.ChoiceField(label=_("Entered stage"), required=False)
    entered_from = forms.DateField(label=_("Entered from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    entered_to = forms.DateField(label=_("Entered until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    lead_source = forms.ChoiceField(label=_("Lead source"), required=False,
                                    choices=[("", "—"), *LeadSource.choices])
    owner = owner_field()

    def __init__(self, *args: Any, stages: list[LeadStage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = self.fields["entered"].choices = _stage_choices(stages)


class LeadMoveForm(forms.Form):
    """Move a lead to another stage; the service checks the rules (reason, order, dates)."""

    to_stage = forms.ModelChoiceField(label=_("Move to"), queryset=LeadStage.objects.none())
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}), help_text=_("Required for recycle and dead end, for going back, "
                                        "and for leaving the dead end."))
    at = forms.DateTimeField(label=_("When"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                        format="%Y-%m-%dT%H:%M"),
                             help_text=_("Leave empty for now."))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, lead: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stages = [s for s in lead_stages() if s.pk != lead.stage_id]
        field = self.fields["to_stage"]
        field.queryset = LeadStage.objects.filter(pk__in=[s.pk for s in stages])
        field.choices = [("", "—"), *((s.pk, s.label) for s in stages)]
        self.fields["version"].initial = lead.version
