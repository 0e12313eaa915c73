from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.analytics.funnel import FREQS
from kizuna.commerce.models import Product
from kizuna.core.forms import ListFilterForm, ServiceForm
from kizuna.core.models import Team
from kizuna.customers.forms import owner_field
from kizuna.customers.models import BuyingRole, Contact
from kizuna.customers.queries import (
    visible_accounts,
    visible_contacts,
    visible_customers,
    visible_departments,
)
from kizuna.pipeline.models import (
    Activity,
    ActivityKind,
    Deal,
    DealPipeline,
    DealStage,
    DealStageKind,
    Division,
    FeedbackQuality,
    FeedbackReason,
    Lead,
    LeadSource,
    LeadStage,
    LostReason,
    OutcomeCode,
)
from kizuna.pipeline.queries import CLOSED_DAYS, deal_pipelines, lead_stages, pipeline_stages


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


class LeadFeedbackForm(forms.Form):
    """Hand-off feedback on a lead; the service checks the rules (a reason for a poor lead)."""

    from_division = forms.ChoiceField(label=_("From division"), choices=Division.choices,
                                      help_text=_("The division that received the lead"))
    to_division = forms.ChoiceField(label=_("To division"), choices=Division.choices,
                                    help_text=_("The division that handed it over"))
    quality = forms.ChoiceField(label=_("Quality"), choices=FeedbackQuality.choices,
                                widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), required=False,
                               choices=[("", "—"), *FeedbackReason.choices],
                               help_text=_("Required for a poor lead"))
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, lead: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Usually the division that owns the lead's stage now judges what it was handed.
        self.fields["from_division"].initial = lead.stage.division
        self.fields["to_division"].initial = (Division.INSIDE_SALES
                                              if lead.stage.division == Division.FIELD_SALES
                                              else Division.MARKETING)


class FeedbackFilterForm(forms.Form):
    to_division = forms.ChoiceField(label=_("Feedback to"), required=False,
                                    choices=[("", "—"), *Division.choices])
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items()
                if v not in (None, "")}


# A contact or customer select lists this many (in あいうえお order); a lead for someone else is
# started from their page (?contact= or ?customer=), where the person is fixed.
PERSON_CHOICES_LIMIT = 500


class LeadForm(ServiceForm):
    """Acquire a lead: a contact (B2B) or a customer (D2C), fixed when the form was opened from
    their page. The service checks the rules (one open lead per person, no future date)."""

    acquired_at = forms.DateTimeField(
        label=_("Acquired at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                           format="%Y-%m-%dT%H:%M"))

    class Meta:
        model = Lead
        fields = ["contact", "customer", "lead_source", "campaign", "interest", "acquired_at",
                  "acquisition_cost", "owner"]

    def __init__(self, *args: Any, fixed: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed = fixed or {}
        self.fields["acquired_at"].initial = timezone.localtime().replace(second=0,
                                                                          microsecond=0)
        self.fields["acquisition_cost"].required = False
        self.fields["acquisition_cost"].widget.attrs["min"] = 0
        sources = {"contact": visible_contacts, "customer": visible_customers}
        for name, source in sources.items():
            field = self.fields[name]
            if self.fixed:
                # Opened from a contact's or customer's page: that person, nobody else.
                del self.fields[name]
                continue
            field.queryset = source(self.actor)
            field.choices = [("", "—"), *(
                (p.pk, str(p)) for p in field.queryset.order_by("sort_key", "pk")
                [:PERSON_CHOICES_LIMIT])]
        if not self.fixed:
            self.fields["contact"].help_text = _("B2B: a person at an account")
            self.fields["customer"].help_text = _("D2C: a consumer")

    def clean_acquisition_cost(self) -> int:
        return self.cleaned_data.get("acquisition_cost") or 0

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.fixed:
            chosen = [name for name in ("contact", "customer") if data.get(name)]
            if len(chosen) != 1:
                raise forms.ValidationError(_("Choose a contact or a customer (one of them)."))
        return data

    def service_data(self) -> tuple[int | None, dict[str, Any]]:
        version, data = super().service_data()
        data.update(self.fixed)
        data["interest"] = data.get("interest") or ""
        return version, data


# --- deals ---------------------------------------------------------------------------------------

MONTH_CHOICES = [("", "—"), *((m, str(m)) for m in range(1, 13))]
# An account select lists this many (in あいうえお order); a deal for another account is
# started from the account's page (?account=), where the account is fixed.
ACCOUNT_CHOICES_LIMIT = 500


def stage_choices(pipelines: list[DealPipeline]) -> list[Any]:
    """Stages grouped by pipeline (optgroups) when there are several pipelines."""
    groups = [(p.label, [(s.pk, s.label) for s in pipeline_stages(p)]) for p in pipelines]
    if len(groups) == 1:
        return [("", "—"), *groups[0][1]]
    return [("", "—"), *groups]


class CompetitorsField(forms.CharField):
    """Competitors as one line, separated by commas or 、."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        parts = text.replace("、", ",").replace("\n", ",").split(",")
        return [p.strip() for p in parts if p.strip()]


class DealForm(ServiceForm):
    """Create or edit a deal. The stage is chosen when the deal is created; afterwards it
    moves with the move form (which writes the stage history)."""

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=DealStage.objects.none())
    competitors = CompetitorsField(label=_("Competitors"), required=False,
                                   help_text=_("Separate names with commas, e.g. A社、B社"))
    demand_month = forms.TypedChoiceField(label=_("Budget month"), required=False, coerce=int,
                                          empty_value=None, choices=MONTH_CHOICES,
                                          help_text=Deal._meta.get_field(
                                              "demand_month").help_text)

    class Meta:
        model = Deal
        fields = ["name", "account", "department", "customer", "expected_close_date", "amount",
                  "probability_override", "forecast_category_override", "competitors",
                  "demand_month", "demand_period", "source", "lost_reason", "lost_note",
                  "owner", "team"]
        widgets = {
            "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "lost_note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, fixed: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fixed = fixed or {}
        self.fixed = fixed
        deal = self.instance
        account = fixed.get("account") or (deal.account if deal.pk else None)
        if deal.pk:
            del self.fields["stage"]
        else:
            stages = DealStage.objects.filter(pipeline__active=True)
            self.fields["stage"].queryset = stages
            self.fields["stage"].choices = stage_choices(deal_pipelines())
            first = next((s for p in deal_pipelines() for s in pipeline_stages(p)), None)
            self.fields["stage"].initial = first.pk if first else None
        # The buyer: fixed from the page the form was opened on, or an account to choose.
        self.fields["customer"].widget = forms.HiddenInput()
        if fixed.get("customer") or deal.customer_id:
            del self.fields["account"], self.fields["department"]
        else:
            accounts = visible_accounts(self.actor)
            self.fields["account"].queryset = accounts
            self.fields["account"].required = True
            if fixed.get("account"):
                self.fields["account"].widget = forms.HiddenInput()
            else:
                self.fields["account"].choices = [("", "—"), *(
                    (a.pk, a.name) for a in accounts.order_by("sort_key", "pk")
                    [:ACCOUNT_CHOICES_LIMIT])]
            if account is not None:
                self.fields["department"].queryset = visible_departments(self.actor).filter(
                    account=account)
            else:
                del self.fields["department"]
        if not (fixed.get("customer") or deal.customer_id):
            del self.fields["customer"]
        else:
            self.fields["customer"].queryset = visible_customers(self.actor)
        for name, value in fixed.items():
            if name in self.fields:
                self.fields[name].initial = value.pk
        self.fields["lost_reason"].queryset = LostReason.objects.filter(active=True)
        if not (deal.pk and deal.stage.kind == DealStageKind.LOST):
            del self.fields["lost_reason"], self.fields["lost_note"]
        self.fields["amount"].required = False
        self.fields["amount"].help_text = _("With product lines below, their sum is used")
        self.fields["probability_override"].widget.attrs.update({"min": 0, "max": 100})

    def clean_amount(self) -> int:
        return self.cleaned_data.get("amount") or 0

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, value in self.fixed.items():
            data.setdefault(name, value)
            if name in self.fields and data.get(name) != value:
                data[name] = value  # the page's record, not a tampered id
        return data

    def service_data(self) -> tuple[int | None, dict[str, Any]]:
        version, data = super().service_data()
        if self.instance.pk:
            data.pop("stage", None)
        for name, value in self.fixed.items():
            data[name] = value
        return version, data


class DealLineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), required=False,
                                     queryset=Product.objects.filter(active=True))
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1,
                                  initial=1)
    unit_price = forms.IntegerField(label=_("Unit price (yen)"), required=False, min_value=0,
                                    help_text=_("Empty: the list price"))

    def line(self) -> tuple[Product, int, int] | None:
        data = getattr(self, "cleaned_data", {})
        product = data.get("product")
        if product is None:
            return None
        price = data.get("unit_price")
        return product, data.get("quantity") or 1, product.list_price if price is None else price


DealLineFormSet = forms.formset_factory(DealLineForm, extra=3, max_num=50, validate_max=True)


def line_formset(data: Any, deal: Deal | None) -> Any:
    initial = [{"product": line.product_id, "quantity": line.quantity,
                "unit_price": line.unit_price} for line in deal.lines.all()] if deal else []
    return DealLineFormSet(data, initial=initial, prefix="lines")


class DealMoveForm(forms.Form):
    """Move a deal to another stage of its pipeline; a lost stage needs a lost reason."""

    to_stage = forms.ModelChoiceField(label=_("Move to"), queryset=DealStage.objects.none())
    lost_reason = forms.ModelChoiceField(label=_("Lost reason"), required=False,
                                         queryset=LostReason.objects.filter(active=True),
                                         help_text=_("Required when the deal is lost"))
    lost_note = forms.CharField(label=_("Note on the loss"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stages = [s for s in pipeline_stages(deal.pipeline) if s.pk != deal.stage_id]
        field = self.fields["to_stage"]
        field.queryset = DealStage.objects.filter(pk__in=[s.pk for s in stages])
        field.choices = [("", "—"), *((s.pk, s.label) for s in stages)]
        self.fields["version"].initial = deal.version


class DealContactForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none())
    role = forms.ChoiceField(label=_("Role in this deal"), required=False,
                             choices=[("", _("Their usual buying role")), *BuyingRole.choices])

    def __init__(self, *args: Any, actor: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = visible_contacts(actor).filter(
            account=deal.account_id).exclude(deal_roles__deal=deal) if deal.account_id \
            else Contact.objects.none()


class DealFilterForm(ListFilterForm):
    list_id = "deal"
    sort_choices = [("", _("Closing soonest")), ("amount", _("Largest amount")),
                    ("recent", _("Recently updated"))]

    pipeline = forms.ModelChoiceField(label=_("Pipeline"), required=False,
                                      queryset=DealPipeline.objects.all())
    stage = forms.ModelChoiceField(label=_("Stage"), required=False,
                                   queryset=DealStage.objects.all())
    owner = owner_field()
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=Team.objects.all())
    close_month = forms.DateField(label=_("Close month"), required=False,
                                  input_formats=["%Y-%m"],
                                  widget=forms.DateInput(attrs={"type": "month"},
                                                         format="%Y-%m"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stage_choices(deal_pipelines(active_only=False))


class BoardForm(forms.Form):
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), required=False,
                                      queryset=DealPipeline.objects.filter(active=True),
                                      empty_label=None)
    owner = owner_field()
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=Team.objects.all())
    closed_days = forms.TypedChoiceField(
        label=_("Won and lost of the last (days)"), required=False, coerce=int,
        empty_value=CLOSED_DAYS, initial=CLOSED_DAYS,
        choices=[(n, str(n)) for n in (30, 90, 180, 365)])

    def values(self) -> dict[str, Any]:
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


class ForecastForm(forms.Form):
    start = forms.DateField(label=_("From month"), required=False, input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    months = forms.TypedChoiceField(label=_("Months"), required=False, coerce=int,
                                    empty_value=6, initial=6,
                                    choices=[(n, str(n)) for n in (3, 6, 12)])
    by = forms.ChoiceField(label=_("By"), required=False, initial="owner",
                           choices=[("owner", _("Owner")), ("team", _("Team"))])
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), required=False,
                                      queryset=DealPipeline.objects.all(),
                                      empty_label=_("All pipelines"))

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start = data.get("start")
        if start is None:
            # Two months back (what just closed: the win rates) to three ahead.
            today = timezone.localdate().replace(day=1)
            start = (today - dt.timedelta(days=40)).replace(day=1)
        return {"start": start, "months": data.get("months") or 6,
                "by": data.get("by") or "owner", "pipeline": data.get("pipeline")}
