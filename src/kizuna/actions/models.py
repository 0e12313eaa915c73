"""The action engine: judgment criteria (判断基準), their versions, and the alerts they raise.

A criterion is a company rule written as data: a condition over an entity (accounts, contacts or
customers, kizuna.actions.conditions) and an action (a task for someone, with a title, a due
date, a priority and a suggested next step). Every edit keeps a ``CriterionVersion``; an alert
points to the version that fired it, so that the result of an action can later be traced back
to the exact rule (docs/decisions/0201-judgment-criteria.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import Team, VersionedModel
from kizuna.customers.models import Account, Contact, Customer


class Entity(models.TextChoices):
    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")
    CUSTOMER = "customer", _("Customer")


class Schedule(models.TextChoices):
    DAILY = "daily", _("Daily")
    ON_DEMAND = "on_demand", _("On demand only")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class AssigneeRule(models.TextChoices):
    OWNER = "owner", _("The record's owner")
    TEAM_MANAGER = "team_manager", _("A manager of the record's team")
    USER = "user", _("A fixed person")


class ActionFields(models.Model):
    """What a criterion does when its condition holds; copied into every version."""

    title_template = models.CharField(
        _("task title"), max_length=200,
        help_text=_("Placeholders: {name} (the record), {criterion} (this criterion's name)"),
    )
    due_in_days = models.PositiveSmallIntegerField(_("due in (days)"), default=7)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    next_step = models.CharField(_("suggested next step"), max_length=200, blank=True)
    assignee_rule = models.CharField(_("assign to"), max_length=20, choices=AssigneeRule.choices,
                                     default=AssigneeRule.OWNER)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("person"),
        help_text=_("Only when tasks go to a fixed person"),
    )

    class Meta:
        abstract = True


class Criterion(VersionedModel, ActionFields):
    """判断基準: an explicit company rule that turns data into tasks."""

    key = models.SlugField(_("built-in key"), max_length=50, blank=True, editable=False,
                           help_text=_("Set on the shipped examples, so installing them twice "
                                       "does nothing"))
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), help_text=_("Why the rule exists: shown with "
                                                         "every task it creates"))
    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    condition = models.JSONField(_("condition"), default=dict)
    enabled = models.BooleanField(_("enabled"), default=False)
    schedule = models.CharField(_("schedule"), max_length=20, choices=Schedule.choices,
                                default=Schedule.DAILY)
    cooldown_days = models.PositiveSmallIntegerField(
        _("quiet period (days)"), default=0,
        help_text=_("After a task for a record, do not create another for it for this many "
                    "days, even when the first one is done"),
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("responsible"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)
    last_run_created = models.PositiveIntegerField(_("tasks created by the last run"),
                                                   null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("judgment criterion")
        verbose_name_plural = _("judgment criteria")
        constraints = [models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""),
                                               name="criterion_unique_key")]

    def __str__(self) -> str:
        return self.name


class CriterionVersion(ActionFields):
    """One saved state of a criterion's rule. Never changed once written."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="versions",
                                  verbose_name=_("judgment criterion"))
    number = models.PositiveIntegerField(_("revision"))
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    condition = models.JSONField(_("condition"), default=dict)
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("saved by"))

    class Meta:
        ordering = ["criterion", "-number"]
        verbose_name = _("criterion revision")
        verbose_name_plural = _("criterion revisions")
        constraints = [models.UniqueConstraint(fields=["criterion", "number"],
                                               name="criterion_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.name} r{self.number}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class AlertOutcome(models.TextChoices):
    """What came of a task. Codes shared with activities (pipeline.OutcomeCode) mean the same,
    so that effectiveness can count both."""

    PROPOSAL_MADE = "proposal_made", _("Proposal made")
    ORDER = "order", _("Order")
    NEED_FOUND = "need_found", _("Need found")
    NO_CONTACT = "no_contact", _("No answer")
    NOT_NEEDED = "not_needed", _("No need")
    DATA_UPDATED = "data_updated", _("Record updated")
    OTHER = "other", _("Other")


class Alert(VersionedModel):
    """アラート / やるべきこと: a task a criterion raised for one record.

    ``record_id`` is the id of the record when the alert fired and is what the one-open-alert
    rule is enforced on; the foreign keys follow the record through identity merges (they are
    moved to the survivor like every other relation), so a merge never collides with the
    constraint (docs/decisions/0201).
    """

    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="alerts",
                                  verbose_name=_("judgment criterion"))
    criterion_version = models.ForeignKey(CriterionVersion, on_delete=models.PROTECT,
                                          related_name="alerts", verbose_name=_("revision"))
    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    record_id = models.BigIntegerField(_("record"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="alerts", verbose_name=_("account"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="alerts", verbose_name=_("contact"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="alerts", verbose_name=_("customer"))
    title = models.CharField(_("title"), max_length=255)
    next_step = models.CharField(_("suggested next step"), max_length=200, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="alerts", verbose_name=_("assignee"))
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("shared with team"))
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices,
                              default=AlertStatus.OPEN)
    fired_at = models.DateTimeField(_("raised at"), db_index=True)
    due_on = models.DateField(_("due"))
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    snooze_reason = models.CharField(_("reason for snoozing"), max_length=200, blank=True)
    acted_at = models.DateTimeField(_("done at"), null=True, blank=True)
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("done by"))
    outcome_code = models.CharField(_("outcome"), max_length=20, choices=AlertOutcome.choices,
                                    blank=True)
    outcome_note = models.TextField(_("outcome details"), blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            # Never two open alerts of one criterion for one record (docs/decisions/0201).
            models.UniqueConstraint(fields=["criterion", "record_id"],
                                    condition=models.Q(status="open"),
                                    name="alert_one_open_per_record"),
            models.CheckConstraint(
                condition=(models.Q(entity="account", account__isnull=False)
                           | models.Q(entity="contact", contact__isnull=False)
                           | models.Q(entity="customer", customer__isnull=False)),
                name="alert_has_its_record",
            ),
        ]
        indexes = [models.Index(fields=["assignee", "status", "due_on"]),
                   models.Index(fields=["criterion", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def record(self) -> Account | Contact | Customer | None:
        return getattr(self, self.entity)

    @property
    def show_on(self):  # type: ignore[no-untyped-def]
        """The day the alert is for: its due date, or the day it was snoozed to."""
        return self.snoozed_until or self.due_on
