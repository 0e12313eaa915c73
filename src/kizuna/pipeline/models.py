"""Activities (every recorded touch with a customer, and what came of it) and THE MODEL's leads:
configurable stages, leads and every stage transition (docs/decisions/0301-the-model-stages.md).

Deals (docs/decisions/0302-deals-and-forecast.md): pipelines with stages and win probabilities,
deals with product lines, buying-centre contacts and their stage history; an activity may
belong to a deal.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import TimeStampedModel, VersionedModel
from kizuna.customers.models import (
    Account,
    BuyingRole,
    Contact,
    Customer,
    Department,
    OwnedModel,
    SearchableModel,
)


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    WEB_MEETING = "web_meeting", _("Web meeting")
    NOTE = "note", _("Note")
    # The customer's own actions, recorded by marketing tools or by hand: the facts lead-stage
    # entry criteria and intent signals are written over.
    EMAIL_CLICK = "email_click", _("Clicked a mail")
    FORM = "form", _("Sent a form")
    MATERIAL_REQUEST = "material_request", _("Requested material")
    EVENT = "event", _("Attended an event")
    WEB_VISIT = "web_visit", _("Visited the website")


class OutcomeCode(models.TextChoices):
    """What happened, coarse enough to count ("which actions led to orders?")."""

    NO_CONTACT = "no_contact", _("Could not reach")
    INFO_GIVEN = "info_given", _("Information given")
    NEED_FOUND = "need_found", _("Need found")
    PROPOSAL_MADE = "proposal_made", _("Proposal made")
    NOT_NEEDED = "not_needed", _("No need")
    ORDER = "order", _("Order")
    LOST = "lost", _("Lost")
    OTHER = "other", _("Other")


class Activity(OwnedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(_("date and time"), db_index=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("notes"), blank=True)
    outcome_code = models.CharField(_("outcome"), max_length=20, choices=OutcomeCode.choices,
                                    blank=True)
    outcome = models.TextField(_("outcome details"), blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="activities", verbose_name=_("account"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="activities", verbose_name=_("contact"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="activities", verbose_name=_("customer"))
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                          related_name="+", verbose_name=_("participants"))
    deal = models.ForeignKey("pipeline.Deal", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="activities", verbose_name=_("deal"))
    product = models.ForeignKey("commerce.Product", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("product of interest"),
                                help_text=_("The product the activity was about, e.g. the "
                                            "material requested"))

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["account", "occurred_at"]),
                   models.Index(fields=["customer", "occurred_at"])]

    def __str__(self) -> str:
        return self.subject


# --- THE MODEL: lead stages, leads, transitions ---------------------------------------------------


class StageKind(models.TextChoices):
    MAIN = "main", _("Main path")
    RECYCLE = "recycle", _("Recycle")
    DEAD_END = "dead_end", _("Dead end")


class Division(models.TextChoices):
    """Who owns a stage in the division of labour (not a customer's department)."""

    MARKETING = "marketing", _("Marketing")
    INSIDE_SALES = "inside_sales", _("Inside sales")
    FIELD_SALES = "field_sales", _("Field sales")
    CUSTOMER_SUCCESS = "customer_success", _("Customer success")


class LeadStage(VersionedModel):
    """One stage of the lead funnel. The main path is the ``main`` stages by ``position``; the
    side boxes recycle and dead end exist once each. Names are data in both languages (like
    custom field labels): each company names its own stages."""

    code = models.SlugField(_("code"), max_length=30, unique=True,
                            help_text=_("Used in exports and the analytics CLI, e.g. nurturing"))
    name_ja = models.CharField(_("name (Japanese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind.choices,
                            default=StageKind.MAIN)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    division = models.CharField(_("owned by"), max_length=20, choices=Division.choices)
    entry_criterion = models.TextField(
        _("entry criterion"), blank=True,
        help_text=_("The measurable fact that puts a lead in this stage, e.g. "
                    "“requested material or asked a question”"))

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("lead stage")
        verbose_name_plural = _("lead stages")
        constraints = [models.UniqueConstraint(
            fields=["kind"], condition=~models.Q(kind="main"), name="lead_stage_one_side_box")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_ja

    @property
    def is_main(self) -> bool:
        return self.kind == StageKind.MAIN


class LeadSource(models.TextChoices):
    """How the lead was acquired (the origin counted per source in hand-off feedback)."""

    WEB_FORM = "web_form", _("Web form")
    INQUIRY = "inquiry", _("Inquiry")
    DOWNLOAD = "download", _("Material download")
    SEMINAR = "seminar", _("Seminar / webinar")
    EXHIBITION = "exhibition", _("Exhibition")
    REFERRAL = "referral", _("Referral")
    OUTBOUND = "outbound", _("Outbound call or mail")
    EXISTING = "existing", _("Existing customer")
    OTHER = "other", _("Other")


class Lead(OwnedModel):
    """見込み客: a contact, customer or account moving through the stages.

    One lead per opportunity to win: a recycled lead that comes back is the same lead (same
    acquisition, same cost), a new need at a customer we already won is a new lead.
    """

    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="leads", verbose_name=_("contact"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="leads", verbose_name=_("account"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="leads", verbose_name=_("customer"))
    interest = models.CharField(_("interest"), max_length=200, blank=True,
                                help_text=_("What the lead wants, e.g. “tea server for the new "
                                            "office”"))
    lead_source = models.CharField(_("lead source"), max_length=20, choices=LeadSource.choices)
    campaign = models.ForeignKey("commerce.Campaign", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="leads",
                                 verbose_name=_("campaign"))
    acquired_at = models.DateTimeField(_("acquired at"), db_index=True)
    acquisition_cost = models.BigIntegerField(
        _("acquisition cost (yen)"), default=0, validators=[MinValueValidator(0)],
        help_text=_("Counted once, when the lead is acquired; not again when it comes back "
                    "from recycle"))
    stage = models.ForeignKey(LeadStage, on_delete=models.PROTECT, related_name="leads",
                              verbose_name=_("stage"))
    stage_entered_at = models.DateTimeField(_("in stage since"))

    class Meta:
        ordering = ["-stage_entered_at", "-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [models.CheckConstraint(
            condition=models.Q(contact__isnull=False) | models.Q(account__isnull=False)
            | models.Q(customer__isnull=False), name="lead_is_about_someone")]
        indexes = [models.Index(fields=["stage", "stage_entered_at"])]

    def __str__(self) -> str:
        who = self.contact or self.customer or self.account
        return f"{who} — {self.interest}" if self.interest else str(who)


class LeadTransition(TimeStampedModel):
    """One stage entry of a lead: the log flow, balance and conversion are computed from.
    Never changed once written; the first one (``from_stage`` empty) is the acquisition."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions",
                             verbose_name=_("lead"))
    from_stage = models.ForeignKey(LeadStage, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("from stage"))
    to_stage = models.ForeignKey(LeadStage, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("to stage"))
    at = models.DateTimeField(_("at"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    criterion = models.CharField(_("criterion"), max_length=200, blank=True,
                                 help_text=_("The entry criterion that moved the lead, when no "
                                             "person did"))
    reason = models.TextField(_("reason"), blank=True)
    is_fast_pass = models.BooleanField(_("fast pass"), default=False)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("lead transition")
        verbose_name_plural = _("lead transitions")
        indexes = [models.Index(fields=["lead", "at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"


class FeedbackQuality(models.TextChoices):
    GOOD = "good", _("Good lead")
    POOR = "poor", _("Poor lead")


class FeedbackReason(models.TextChoices):
    """Why a handed-over lead was poor: a short fixed list so that it can be counted per source
    and campaign; the note says the rest."""

    NO_BUDGET = "no_budget", _("No budget")
    NO_AUTHORITY = "no_authority", _("No authority to decide")
    NO_NEED = "no_need", _("No need")
    WRONG_TIMING = "wrong_timing", _("Wrong timing")
    BAD_CONTACT_DATA = "bad_contact_data", _("Wrong or missing contact data")
    STUDENT_OR_COMPETITOR = "student_or_competitor", _("Student or competitor")
    OTHER = "other", _("Other")


class LeadFeedback(TimeStampedModel):
    """Hand-off feedback: the division that received a lead (field sales, inside sales) tells
    the one that handed it over (inside sales, marketing) what it was worth. Counted per lead
    source and campaign; written once, never changed."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="feedback",
                             verbose_name=_("lead"))
    from_division = models.CharField(_("from division"), max_length=20,
                                     choices=Division.choices)
    to_division = models.CharField(_("to division"), max_length=20, choices=Division.choices)
    quality = models.CharField(_("quality"), max_length=10, choices=FeedbackQuality.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=FeedbackReason.choices,
                              blank=True, help_text=_("Required for a poor lead"))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("lead feedback")
        verbose_name_plural = _("lead feedback")
        indexes = [models.Index(fields=["lead", "at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(from_division=models.F("to_division")),
                                   name="lead_feedback_between_divisions"),
            models.CheckConstraint(condition=models.Q(quality="good")
                                   | ~models.Q(reason=""), name="lead_feedback_poor_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_from_division_display()} → {self.get_to_division_display()}: " \
               f"{self.get_quality_display()}"


# --- deals: pipelines, stages, deals and their history (docs/decisions/0302) ---------------------


class DealStageKind(models.TextChoices):
    OPEN = "open", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    """Where a deal's amount counts in the forecast. Open deals are commit, best case or
    pipeline (from the probability unless the owner says otherwise) or left out (omitted);
    won deals are closed, lost ones omitted."""

    CLOSED = "closed", _("Closed (won)")
    COMMIT = "commit", _("Commit")
    BEST_CASE = "best_case", _("Best case")
    PIPELINE = "pipeline", _("Pipeline")
    OMITTED = "omitted", _("Omitted")


def _label(record: models.Model) -> str:
    return record.name_en if (get_language() or "").startswith("en") else record.name_ja  # type: ignore[attr-defined]


class CodedEntry(VersionedModel):
    """An entry of a short list a company keeps (code, names in both languages, order, active):
    the base of deal pipelines and lost reasons."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _label(self)


class DealPipeline(CodedEntry):
    """商談パイプライン: one sales process with its own stages (new business, maintenance
    renewals, …). Several per company; names are data in both languages, like lead stages."""

    class Meta(CodedEntry.Meta):
        verbose_name = _("deal pipeline")
        verbose_name_plural = _("deal pipelines")


class DealStage(VersionedModel):
    """One stage of a deal pipeline, with the win probability a deal in it gets by default."""

    pipeline = models.ForeignKey(DealPipeline, on_delete=models.CASCADE, related_name="stages",
                                 verbose_name=_("pipeline"))
    code = models.SlugField(_("code"), max_length=30)
    name_ja = models.CharField(_("name (Japanese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=DealStageKind.choices,
                            default=DealStageKind.OPEN)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), validators=[MaxValueValidator(100)],
        help_text=_("The default for deals in this stage; a deal may set its own"))

    class Meta:
        ordering = ["pipeline", "position", "pk"]
        verbose_name = _("deal stage")
        verbose_name_plural = _("deal stages")
        constraints = [models.UniqueConstraint(fields=["pipeline", "code"],
                                               name="deal_stage_unique_code")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _label(self)

    @property
    def is_open(self) -> bool:
        return self.kind == DealStageKind.OPEN


class LostReason(CodedEntry):
    """失注理由: a short list each company keeps, counted on the forecast page; the deal's note
    says the rest."""

    class Meta(CodedEntry.Meta):
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")


class Deal(OwnedModel, SearchableModel):
    """商談: an opportunity with an account (optionally one of its departments) or a D2C
    customer, moving through the stages of one pipeline.

    ``probability`` and ``forecast_category`` are what the forecast reads: the deal's own
    values when set (``*_override``), else the stage's probability and the category it implies
    (kept by ``services``, never edited directly).
    """

    name = models.CharField(_("deal name"), max_length=200)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="deals", verbose_name=_("account"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="deals", verbose_name=_("department"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="deals", verbose_name=_("customer"))
    pipeline = models.ForeignKey(DealPipeline, on_delete=models.PROTECT, related_name="deals",
                                 verbose_name=_("pipeline"))
    stage = models.ForeignKey(DealStage, on_delete=models.PROTECT, related_name="deals",
                              verbose_name=_("stage"))
    stage_entered_at = models.DateTimeField(_("in stage since"))
    amount = models.BigIntegerField(
        _("amount (yen)"), default=0, validators=[MinValueValidator(0)],
        help_text=_("With product lines, the sum of the lines"))
    expected_close_date = models.DateField(_("expected close date"), db_index=True)
    probability_override = models.PositiveSmallIntegerField(
        _("win probability (%)"), null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text=_("Leave empty to use the stage's probability"))
    probability = models.PositiveSmallIntegerField(_("probability used (%)"), default=0,
                                                   editable=False)
    forecast_category_override = models.CharField(
        _("forecast category"), max_length=10, blank=True,
        choices=[(c.value, c.label) for c in (ForecastCategory.COMMIT,
                                              ForecastCategory.BEST_CASE,
                                              ForecastCategory.PIPELINE,
                                              ForecastCategory.OMITTED)],
        help_text=_("Leave empty to follow the probability"))
    forecast_category = models.CharField(_("forecast category used"), max_length=10,
                                         choices=ForecastCategory.choices,
                                         default=ForecastCategory.PIPELINE, editable=False)
    competitors = models.JSONField(_("competitors"), default=list, blank=True)
    demand_month = models.PositiveSmallIntegerField(
        _("budget month"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("The month the customer decides its budget (1–12), e.g. the month before "
                    "its fiscal year starts"))
    demand_period = models.CharField(
        _("demand period"), max_length=100, blank=True,
        help_text=_("When the customer buys, in their words, e.g. “2026年度上期予算”"))
    source = models.CharField(_("lead source"), max_length=20, choices=LeadSource.choices,
                              blank=True, help_text=_("Taken from the lead when there is one"))
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="deals", verbose_name=_("lead"))
    lost_reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="deals", verbose_name=_("lost reason"))
    lost_note = models.TextField(_("note on the loss"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    contacts = models.ManyToManyField(Contact, through="DealContact", related_name="deals",
                                      blank=True, verbose_name=_("buying centre"))
    # Upsell / cross-sell: the contract this deal expands, credited to the division that
    # created it (docs/decisions/0304-customer-success.md).
    expansion_of = models.ForeignKey("pipeline.Contract", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="expansions",
                                     verbose_name=_("expands contract"))
    originating_division = models.CharField(_("originating division"), max_length=20,
                                            choices=Division.choices, blank=True)

    class Meta:
        ordering = ["expected_close_date", "pk"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(customer__isnull=False),
                name="deal_has_a_buyer"),
            models.CheckConstraint(condition=models.Q(probability__lte=100),
                                   name="deal_probability_at_most_100"),
        ]
        indexes = [models.Index(fields=["pipeline", "stage"]),
                   models.Index(fields=["owner", "expected_close_date"])]

    def __str__(self) -> str:
        return self.name

    @property
    def buyer(self) -> Account | Customer | None:
        return self.account or self.customer

    @property
    def weighted_amount(self) -> int:
        """amount × probability, rounded half up to the yen."""
        return (self.amount * self.probability + 50) // 100


class DealLine(TimeStampedModel):
    """A product on a deal: quantity × unit price. With lines, the deal's amount is their sum."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines",
                             verbose_name=_("deal"))
    product = models.ForeignKey("commerce.Product", on_delete=models.PROTECT,
                                related_name="deal_lines", verbose_name=_("product"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1,
                                           validators=[MinValueValidator(1)])
    unit_price = models.BigIntegerField(_("unit price (yen)"), validators=[MinValueValidator(0)])
    amount = models.BigIntegerField(_("amount (yen)"), default=0, editable=False)

    class Meta:
        ordering = ["deal", "pk"]
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class DealContact(VersionedModel):
    """A contact in the deal's buying centre. ``role`` is their role in this deal when it
    differs from the contact's usual buying role."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="deal_contacts",
                             verbose_name=_("deal"))
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="deal_roles",
                                verbose_name=_("contact"))
    role = models.CharField(_("role in this deal"), max_length=20, choices=BuyingRole.choices,
                            blank=True, help_text=_("Leave empty for the contact's buying role"))

    class Meta:
        ordering = ["deal", "pk"]
        verbose_name = _("buying-centre contact")
        verbose_name_plural = _("buying-centre contacts")
        constraints = [models.UniqueConstraint(fields=["deal", "contact"],
                                               name="deal_contact_once")]

    def __str__(self) -> str:
        return str(self.contact)

    @property
    def effective_role(self) -> str:
        return self.role or self.contact.buying_role

    def get_effective_role_display(self) -> str:
        return str(dict(BuyingRole.choices).get(self.effective_role, ""))


class DealStageChange(TimeStampedModel):
    """One stage entry of a deal (the first, from empty, is its creation): win rates and time
    in stage are read from this log. Written once, never changed."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes",
                             verbose_name=_("deal"))
    from_stage = models.ForeignKey(DealStage, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("from stage"))
    to_stage = models.ForeignKey(DealStage, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("to stage"))
    at = models.DateTimeField(_("at"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    amount = models.BigIntegerField(_("amount (yen)"), default=0,
                                    help_text=_("The deal's amount when it moved"))
    lost_reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("lost reason"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("deal stage change")
        verbose_name_plural = _("deal stage changes")
        indexes = [models.Index(fields=["deal", "at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"


# --- customer success after the contract (docs/decisions/0304-customer-success.md) ---------------


class SuccessStageKind(models.TextChoices):
    PATH = "path", _("Success path")
    CHURNED = "churned", _("Churned")
    ADVOCACY = "advocacy", _("Advocacy")


class SuccessStage(VersionedModel):
    """カスタマーサクセスの段階: onboarding → adoption support → utilisation → renewal by
    ``position``, the terminal churned stage and advocacy, the loop back to marketing (a
    customer who recommends us). Names are data in both languages, like lead stages."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=SuccessStageKind.choices,
                            default=SuccessStageKind.PATH)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("success stage")
        verbose_name_plural = _("success stages")
        constraints = [models.UniqueConstraint(
            fields=["kind"], condition=models.Q(kind="churned"),
            name="success_stage_one_churned")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _label(self)


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RENEWED = "renewed", _("Renewed")
    CHURNED = "churned", _("Churned")


class Contract(OwnedModel):
    """契約: one term of a subscription with an account (optionally a department) or a D2C
    customer. Renewing closes this term (status renewed) and opens the next one (``previous``
    points back); churning ends it with a reason. Written through ``pipeline.contracts``."""

    name = models.CharField(_("contract name"), max_length=200)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="contracts", verbose_name=_("account"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="contracts", verbose_name=_("department"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="contracts", verbose_name=_("customer"))
    products = models.ManyToManyField("commerce.Product", blank=True, related_name="contracts",
                                      verbose_name=_("products"))
    start_date = models.DateField(_("start date"))
    renewal_date = models.DateField(_("renewal date"), db_index=True)
    amount = models.BigIntegerField(_("amount per term (yen)"), default=0,
                                    validators=[MinValueValidator(0)])
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), default=12, validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=10, choices=ContractStatus.choices,
                              default=ContractStatus.ACTIVE)
    stage = models.ForeignKey(SuccessStage, on_delete=models.PROTECT, related_name="contracts",
                              verbose_name=_("success stage"))
    stage_entered_at = models.DateTimeField(_("in stage since"))
    deal = models.ForeignKey(Deal, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="contracts", verbose_name=_("deal"))
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="next_term", verbose_name=_("previous term"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    churn_reason = models.TextField(_("churn reason"), blank=True)

    class Meta:
        ordering = ["renewal_date", "pk"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(customer__isnull=False),
                name="contract_has_a_buyer"),
            models.CheckConstraint(condition=models.Q(renewal_date__gt=models.F("start_date")),
                                   name="contract_renews_after_start"),
        ]
        indexes = [models.Index(fields=["owner", "renewal_date"]),
                   models.Index(fields=["status", "renewal_date"])]

    def __str__(self) -> str:
        return self.name

    @property
    def buyer(self) -> Account | Customer | None:
        return self.account or self.customer


class ContractStageChange(TimeStampedModel):
    """One success-stage entry of a contract (the first, from empty, is its creation). Written
    once, never changed."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="stage_changes",
                                 verbose_name=_("contract"))
    from_stage = models.ForeignKey(SuccessStage, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("from stage"))
    to_stage = models.ForeignKey(SuccessStage, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("to stage"))
    at = models.DateTimeField(_("at"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("contract stage change")
        verbose_name_plural = _("contract stage changes")
        indexes = [models.Index(fields=["contract", "at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"
