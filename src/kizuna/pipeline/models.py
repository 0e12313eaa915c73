"""Activities (every recorded touch with a customer, and what came of it) and THE MODEL's leads:
configurable stages, leads and every stage transition (docs/decisions/0301-the-model-stages.md).

Deals join this app in a later slice; a deal will point to the lead it came from, and an
activity to its deal.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import TimeStampedModel, VersionedModel
from kizuna.customers.models import Account, Contact, Customer, OwnedModel


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    WEB_MEETING = "web_meeting", _("Web meeting")
    NOTE = "note", _("Note")


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
