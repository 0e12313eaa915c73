"""Activities: every recorded touch with a customer, and what came of it.

Leads, stages and deals join this app in the Pipeline issue; an activity will then link to a deal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
