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
from kizuna.customers.models import Account, Contact, Customer, Department


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


# --- scorecards (スコアリング), docs/decisions/0202 ---------------------------------------------


class ScoredEntity(models.TextChoices):
    """What a scorecard rates. Deals join as one more choice and one more foreign key on
    ``Score``/``ScoreRating`` (the pipeline app's deals); nothing else assumes accounts."""

    ACCOUNT = "account", _("Account")


class Band(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class ScorecardFields(models.Model):
    """The definition of a scorecard; copied into every revision."""

    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    # [{"key": "budget", "label": "予算", "weight": 3, "levels": {"1": "…", …, "5": "…"}}]
    items = models.JSONField(_("items"), default=list)
    band_a = models.PositiveSmallIntegerField(_("band A from"), default=70)
    band_b = models.PositiveSmallIntegerField(_("band B from"), default=40)

    class Meta:
        abstract = True


class Scorecard(VersionedModel, ScorecardFields):
    """スコアリング: items a rep rates 1–5 for a record; their weighted total (0–100) sets a
    priority and a band (A/B/C)."""

    key = models.SlugField(_("key"), max_length=50, unique=True,
                           help_text=_("Used in judgment criteria: score.<key>"))
    entity = models.CharField(_("record type"), max_length=20, choices=ScoredEntity.choices,
                              default=ScoredEntity.ACCOUNT)
    active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("responsible"))

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(ScorecardFields):
    """One saved state of a scorecard; ratings point to the one they were made under, so an
    old rating keeps the label and level texts its rater saw. Never changed once written."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions",
                                  verbose_name=_("scorecard"))
    number = models.PositiveIntegerField(_("revision"))
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("saved by"))

    class Meta:
        ordering = ["scorecard", "-number"]
        verbose_name = _("scorecard revision")
        verbose_name_plural = _("scorecard revisions")
        constraints = [models.UniqueConstraint(fields=["scorecard", "number"],
                                               name="scorecard_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.name} r{self.number}"


class Score(VersionedModel):
    """A record's current effective score on one scorecard (corrections applied), kept up to
    date by the services; what priority lists and conditions (``score.<key>``) read.

    ``version`` is the lock raters and correctors hold. ``record_id`` is the record's id when it
    was first rated (unique per scorecard); the foreign key follows identity merges, so a
    survivor may carry its duplicate's row too: the most recently rated one counts."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name=_("scorecard"))
    entity = models.CharField(_("record type"), max_length=20, choices=ScoredEntity.choices)
    record_id = models.BigIntegerField(_("record"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="scores", verbose_name=_("account"))
    total = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    band = models.CharField(_("band"), max_length=1, choices=Band.choices, blank=True)
    rated_items = models.PositiveSmallIntegerField(_("items rated"), default=0)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        ordering = ["-total", "pk"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "record_id"],
                                    name="score_one_per_record"),
            models.CheckConstraint(condition=models.Q(entity="account", account__isnull=False),
                                   name="score_has_its_record"),
        ]
        indexes = [models.Index(fields=["scorecard", "account", "rated_at"]),
                   models.Index(fields=["scorecard", "total"])]

    def __str__(self) -> str:
        return f"{self.scorecard}: {self.total}"


class ScoreRating(models.Model):
    """One rep's rating of one item for one record. Never changed: a new rating supersedes it,
    a manager's ``ScoreCorrection`` corrects it, and both stay."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings",
                                  verbose_name=_("scorecard"))
    scorecard_version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT,
                                          related_name="ratings", verbose_name=_("revision"))
    entity = models.CharField(_("record type"), max_length=20, choices=ScoredEntity.choices)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="score_ratings", verbose_name=_("account"))
    item = models.SlugField(_("item"), max_length=50)
    value = models.PositiveSmallIntegerField(_("rating"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("rated by"))
    rated_at = models.DateTimeField(_("rated at"), db_index=True)

    class Meta:
        ordering = ["-rated_at", "-pk"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=5),
                                   name="score_rating_1_to_5"),
            models.CheckConstraint(condition=models.Q(entity="account", account__isnull=False),
                                   name="score_rating_has_its_record"),
        ]
        indexes = [models.Index(fields=["scorecard", "account", "item", "rated_at"])]

    def __str__(self) -> str:
        return f"{self.item}={self.value}"


class ScoreCorrection(models.Model):
    """補正: a manager's value for one rating, with the reason. The rating itself stays as the
    rep gave it; the latest correction of the latest rating is what the score uses."""

    rating = models.ForeignKey(ScoreRating, on_delete=models.CASCADE, related_name="corrections",
                               verbose_name=_("rating"))
    value = models.PositiveSmallIntegerField(_("corrected rating"))
    reason = models.TextField(_("reason"))
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("corrected by"))
    corrected_at = models.DateTimeField(_("corrected at"))

    class Meta:
        ordering = ["-corrected_at", "-pk"]
        verbose_name = _("score correction")
        verbose_name_plural = _("score corrections")
        constraints = [models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=5),
                                              name="score_correction_1_to_5")]

    def __str__(self) -> str:
        return f"{self.rating.item}: {self.rating.value}→{self.value}"


# --- whitespace (ホワイトスペース), docs/decisions/0202 -----------------------------------------


class CellStatus(models.TextChoices):
    NOT_APPROACHED = "not_approached", _("Not approached")
    APPROACHED = "approached", _("Approached")
    NEED = "need", _("Need")
    NO_NEED = "no_need", _("No need")
    WON = "won", _("Won")


class WhitespaceCell(VersionedModel):
    """The status a person set for one cell of an account's whitespace matrix: a department
    (or the account as a whole: ``department`` empty) × a product category.

    "Won" is never set by hand: it is derived from order lines. Every change also writes a
    ``WhitespaceCellChange`` (the cell's history). ``account_key``/``department_key`` are the
    ids at creation (0: the account as a whole) and carry the uniqueness, because identity
    merges move the foreign key to the survivor (as for alerts, docs/decisions/0201)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE,
                                related_name="whitespace_cells", verbose_name=_("account"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="whitespace_cells",
                                   verbose_name=_("department"))
    account_key = models.BigIntegerField(editable=False)
    department_key = models.BigIntegerField(default=0, editable=False)
    category = models.CharField(_("product category"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=CellStatus.choices,
                              default=CellStatus.NOT_APPROACHED)
    note = models.CharField(_("note"), max_length=500, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("set by"))
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        ordering = ["account", "department_key", "category"]
        verbose_name = _("whitespace cell")
        verbose_name_plural = _("whitespace cells")
        constraints = [
            models.UniqueConstraint(fields=["account_key", "department_key", "category"],
                                    name="whitespace_cell_unique"),
            models.CheckConstraint(condition=~models.Q(status="won"),
                                   name="whitespace_cell_won_is_derived"),
        ]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.department_key}/{self.category}: {self.status}"


class WhitespaceCellChange(models.Model):
    """One change of a cell's status (append-only): the cell's history, with who and when."""

    cell = models.ForeignKey(WhitespaceCell, on_delete=models.CASCADE, related_name="changes",
                             verbose_name=_("whitespace cell"))
    status = models.CharField(_("status"), max_length=20, choices=CellStatus.choices)
    previous = models.CharField(_("previous status"), max_length=20, choices=CellStatus.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("set by"))
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        ordering = ["-set_at", "-pk"]
        verbose_name = _("whitespace cell change")
        verbose_name_plural = _("whitespace cell changes")

    def __str__(self) -> str:
        return f"{self.previous}→{self.status}"
