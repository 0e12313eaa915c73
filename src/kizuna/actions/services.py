"""Writes of the action engine: criteria and their versions, runs that raise alerts, and what
people do with an alert (done with an outcome, snooze, reassign).

Each function owns its transaction and feeds the audit ledger (STYLE §2). Criteria are company
rules: managers and administrators write them, everyone reads them. An alert belongs to its
assignee; their managers may act on it and reassign it (core.access with owner = assignee).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.actions import notifications
from kizuna.actions.compiler import Clock, compile_condition
from kizuna.actions.conditions import Node, parse_condition
from kizuna.actions.entities import NAME_FIELDS, entity_spec, record_name
from kizuna.actions.models import (
    Alert,
    AlertOutcome,
    AlertStatus,
    AssigneeRule,
    Criterion,
    CriterionVersion,
)
from kizuna.core.access import editable_q, visible
from kizuna.core.bulk import insert_rows
from kizuna.core.ledger import record_changes
from kizuna.core.models import Role, User
from kizuna.core.services import create_record, update_record

# Fields whose change makes a new revision: what the rule is and what it does.
RULE_FIELDS = ("name", "purpose", "entity", "condition", "title_template", "due_in_days",
               "priority", "next_step", "assignee_rule", "assignee_user")
SETTING_FIELDS = ("enabled", "schedule", "cooldown_days", "owner")
TITLE_PLACEHOLDERS = ("name", "criterion")
BATCH = 2000


def can_manage_criteria(user: User) -> bool:
    return user.is_active and user.role in (Role.ADMINISTRATOR, Role.MANAGER)


def _require_manager(actor: User | None) -> None:
    """``actor=None`` is the system (CLI, setup)."""
    if actor is not None and not can_manage_criteria(actor):
        raise PermissionDenied(_("Only managers and administrators may change judgment "
                                 "criteria."))


# --- criteria --------------------------------------------------------------------------------


def check_title_template(template: str) -> None:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        raise ValidationError({"title_template": _(
            "Braces must come in pairs: write {name}, or {{ and }} for a brace itself.")}) \
            from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in TITLE_PLACEHOLDERS or spec or conversion:
            raise ValidationError({"title_template": _(
                "Unknown placeholder {%(name)s}. Use {name} or {criterion}.") % {"name": name}})


def render_title(template: str, *, name: str, criterion: str) -> str:
    return template.format(name=name, criterion=criterion)[:255]


def check_rule(fields: dict[str, Any]) -> Node:
    """Validate the rule part of a criterion; every problem lands on its form field."""
    errors: dict[str, list[str]] = {}
    node = None
    try:
        node = parse_condition(fields["condition"], fields["entity"])
    except ValidationError as exc:
        errors["condition"] = exc.messages
    try:
        check_title_template(fields["title_template"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if fields.get("assignee_rule") == AssigneeRule.USER and fields.get("assignee_user") is None:
        errors["assignee_user"] = [_("Choose the person who gets the tasks.")]
    if errors:
        raise ValidationError(errors)
    assert node is not None
    return node


def _snapshot(actor: User | None, criterion: Criterion) -> CriterionVersion:
    last = criterion.versions.order_by("-number").values_list("number", flat=True).first()
    return CriterionVersion.objects.create(
        criterion=criterion, number=(last or 0) + 1, created_by=actor,
        **{name: getattr(criterion, name) for name in RULE_FIELDS})


@transaction.atomic
def create_criterion(*, actor: User | None, name: str, purpose: str, entity: str,
                     condition: Any, title_template: str, owner: User | None = None,
                     key: str = "", **fields: Any) -> Criterion:
    """A new criterion starts disabled unless told otherwise: preview it, then enable it."""
    _require_manager(actor)
    owner = owner or actor
    if owner is None:
        raise ValidationError({"owner": _("Say who is responsible for the criterion.")})
    values = {"name": name, "purpose": purpose, "entity": entity, "condition": condition,
              "title_template": title_template, **fields}
    check_rule(values)
    criterion = create_record(actor, Criterion, owner=owner, key=key, **values)
    _snapshot(actor, criterion)
    return criterion


@transaction.atomic
def update_criterion(*, actor: User, criterion: Criterion, expected_version: int | None,
                     **fields: Any) -> Criterion:
    """Change a criterion; a change to its rule keeps the previous rule as a revision."""
    _require_manager(actor)
    unknown = set(fields) - set(RULE_FIELDS) - set(SETTING_FIELDS)
    if unknown:
        raise ValueError(f"update_criterion cannot change {sorted(unknown)}")
    if "entity" in fields and fields["entity"] != criterion.entity:
        raise ValidationError({"entity": _("The record type of a criterion cannot change; "
                                           "create a new criterion instead.")})
    merged = {name: fields.get(name, getattr(criterion, name)) for name in RULE_FIELDS}
    check_rule(merged)
    before = {name: getattr(criterion, name) for name in RULE_FIELDS}
    saved = update_record(actor, criterion, expected_version=expected_version, **fields)
    if any(getattr(saved, name) != before[name] for name in RULE_FIELDS):
        _snapshot(actor, saved)
    return saved


@transaction.atomic
def set_criterion_enabled(*, actor: User, criterion: Criterion, expected_version: int | None,
                          enabled: bool) -> Criterion:
    _require_manager(actor)
    if enabled:  # a custom field it uses may have been removed since it was saved
        check_rule({name: getattr(criterion, name) for name in RULE_FIELDS})
    return update_record(actor, criterion, expected_version=expected_version, enabled=enabled)


def current_version(criterion: Criterion) -> CriterionVersion:
    return criterion.versions.order_by("-number").first()  # type: ignore[return-value]


# --- preview ---------------------------------------------------------------------------------


@dataclass
class Preview:
    """What a criterion would do now, without writing anything."""

    count: int  # records the condition selects, company-wide
    records: list[Any]  # the first ones the viewer may see
    new: int | None = None  # of those, how many would get a new alert (saved criteria)


def _blocked(criterion: Criterion, entity: str, clock: Clock) -> tuple[Exists, Exists | None]:
    """(an open alert of this criterion exists, the record is in its quiet period)."""
    mine = Alert.objects.filter(criterion=criterion, **{entity: OuterRef("pk")})
    open_alert = Exists(mine.filter(status=AlertStatus.OPEN))
    quiet = None
    if criterion.cooldown_days:
        since = clock.now - dt.timedelta(days=criterion.cooldown_days)
        quiet = Exists(mine.filter(fired_at__gte=since))
    return open_alert, quiet


def preview(*, user: User, entity: str, condition: Any, criterion: Criterion | None = None,
            limit: int = 20, now: Any = None) -> Preview:
    """Count and list the records a condition selects ("this rule would fire for these 37
    accounts"). The count is company-wide; the list only shows records ``user`` may see."""
    node = parse_condition(condition, entity)
    clock = Clock.at(now)
    spec = entity_spec(entity)
    found = spec.base_queryset().filter(compile_condition(node, entity, clock=clock))
    result = Preview(count=found.count(), records=list(
        visible(user, found).select_related("owner").order_by("pk")[:limit]))
    if criterion is not None and result.count:
        open_alert, quiet = _blocked(criterion, entity, clock)
        fresh = found.filter(~open_alert)
        if quiet is not None:
            fresh = fresh.filter(~quiet)
        result.new = fresh.count()
    elif criterion is not None:
        result.new = 0
    return result


# --- runs ------------------------------------------------------------------------------------


@dataclass
class RunResult:
    criterion_id: int
    name: str
    matched: int = 0
    created: int = 0
    already_open: int = 0
    quiet: int = 0
    dry_run: bool = False
    alert_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion_id, "name": self.name, "matched": self.matched,
                "created": self.created, "already_open": self.already_open,
                "quiet": self.quiet, "dry_run": self.dry_run}


class _Assigner:
    """Who gets each alert: the record's owner, a manager of its team, or a fixed person;
    an inactive person's tasks go to the criterion's responsible manager instead."""

    def __init__(self, criterion: Criterion) -> None:
        self.criterion = criterion
        self.active = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
        self.managers: dict[int, int] = {}
        if criterion.assignee_rule == AssigneeRule.TEAM_MANAGER:
            for team_id, user_id in (User.objects.filter(role=Role.MANAGER, is_active=True,
                                                         teams__isnull=False)
                                     .order_by("-pk").values_list("teams", "pk")):
                self.managers[team_id] = user_id  # the lowest pk wins

    def __call__(self, owner_id: int, team_id: int | None) -> int:
        rule = self.criterion.assignee_rule
        chosen: int | None = owner_id
        if rule == AssigneeRule.USER:
            chosen = self.criterion.assignee_user_id
        elif rule == AssigneeRule.TEAM_MANAGER and team_id in self.managers:
            chosen = self.managers[team_id]
        return chosen if chosen in self.active else self.criterion.owner_id


def run_criterion(*, criterion: Criterion, actor: User | None = None, now: Any = None,
                  dry_run: bool = False) -> RunResult:
    """Raise one alert per record the criterion selects now, except records that already
    have an open alert of this criterion (or had one within its quiet period).

    The criterion row is locked for the run, so two runs of one criterion never interleave; the
    partial unique index ``alert_one_open_per_record`` is the last line of defence.
    """
    with transaction.atomic():
        criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
        version = current_version(criterion)
        entity = version.entity
        node = parse_condition(version.condition, entity)
        clock = Clock.at(now)
        spec = entity_spec(entity)
        open_alert, quiet = _blocked(criterion, entity, clock)
        found: QuerySet[Any] = spec.base_queryset().filter(
            compile_condition(node, entity, clock=clock)).annotate(has_open=open_alert)
        if quiet is not None:
            found = found.annotate(quiet=quiet)
        columns = ["pk", "owner_id", "team_id", "has_open", *NAME_FIELDS[entity]]
        if quiet is not None:
            columns.append("quiet")
        # Read every match before writing: on SQLite, inserting while a chunked read of the same
        # connection is open made each further chunk cost as much as the whole query.
        matches = list(found.order_by("pk").values(*columns))
        result = RunResult(criterion.pk, criterion.name, dry_run=dry_run,
                           matched=len(matches))
        assign = _Assigner(criterion)
        due_on = clock.today_date + dt.timedelta(days=version.due_in_days)
        rows = []
        for row in matches:
            if row["has_open"]:
                result.already_open += 1
            elif row.get("quiet"):
                result.quiet += 1
            else:
                owner = assign(row["owner_id"], row["team_id"])
                links = {name: row["pk"] if name == entity else None
                         for name in ("account", "contact", "customer")}
                title = render_title(version.title_template, name=record_name(entity, row),
                                     criterion=version.name)
                rows.append((criterion.pk, version.pk, entity, row["pk"], links["account"],
                             links["contact"], links["customer"], title, version.next_step,
                             version.priority, owner, row["team_id"], "open",
                             clock.now, due_on, "", "", ""))
        result.created = len(rows)
        if dry_run or not rows:
            return result
        result.alert_ids = _insert(actor, criterion, rows)
        notifications.alerts_created(result.alert_ids)  # mailed once committed
        Criterion.objects.filter(pk=criterion.pk).update(last_run_at=clock.now,
                                                         last_run_created=result.created)
    return result


ALERT_COLUMNS = ("criterion", "criterion_version", "entity", "record_id", "account", "contact",
                 "customer", "title", "next_step", "priority", "assignee", "team", "status",
                 "fired_at", "due_on", "snooze_reason", "outcome_code", "outcome_note")
LEDGER_COLUMNS = ("criterion_version", "entity", "record_id", "title", "priority", "assignee",
                  "due_on")


class _AlertRef:
    """What the ledger needs of a new alert (its label, id and title), without building a
    model instance for each of tens of thousands of them."""

    _meta = Alert._meta

    def __init__(self, pk: int, title: str) -> None:
        self.pk, self.title = pk, title

    def __str__(self) -> str:
        return self.title


def _insert(actor: User | None, criterion: Criterion, rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert the new alerts (core.bulk: a run can raise tens of thousands, and bulk_create
    spent most of a run preparing values) and give each its ledger entry."""
    before = Alert.objects.filter(criterion=criterion).aggregate(m=Max("pk"))["m"] or 0
    insert_rows(Alert, ALERT_COLUMNS, rows, batch_size=BATCH)
    # Under the criterion's lock, its alerts above ``before`` are exactly this run's.
    created = list(Alert.objects.filter(criterion=criterion, pk__gt=before).order_by("pk")
                   .values_list("pk", "title", *(f"{c}_id" if c in ("criterion_version",
                                                                     "assignee") else c
                                                 for c in LEDGER_COLUMNS)))
    record_changes(actor, "create", [
        (_AlertRef(pk, title), {name: [None, value.isoformat() if isinstance(
            value, dt.date) else value] for name, value in zip(LEDGER_COLUMNS, values,
                                                              strict=True)})
        for pk, title, *values in created])
    return [pk for pk, *_rest in created]


def runnable_criteria(*, criterion_ids: Iterable[int] | None = None) -> QuerySet[Criterion]:
    """The criteria a scheduled run covers: enabled and daily; or the ones named (enabled)."""
    found = Criterion.objects.filter(enabled=True)
    if criterion_ids is None:
        return found.filter(schedule="daily").order_by("pk")
    return found.filter(pk__in=list(criterion_ids)).order_by("pk")


def run_criteria(*, actor: User | None = None, criterion_ids: Iterable[int] | None = None,
                 dry_run: bool = False, now: Any = None,
                 progress: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Run every scheduled criterion (or the ones named), each in its own transaction, so one
    that fails (e.g. a custom field was removed) does not undo the others; its error is
    reported in its result's place by the caller's ``progress``."""
    results = []
    with notifications.digest():  # one mail per person for the whole run
        for criterion in runnable_criteria(criterion_ids=criterion_ids):
            result = run_criterion(criterion=criterion, actor=actor, now=now, dry_run=dry_run)
            results.append(result)
            if progress:
                progress(result)
    return results


# --- alerts ----------------------------------------------------------------------------------


def can_act(user: User, alert: Alert) -> bool:
    """The assignee, their managers and administrators may act on an alert."""
    if user.is_administrator:
        return True
    return Alert.objects.filter(editable_q(user, owner="assignee"), pk=alert.pk).exists()


def _require_open(actor: User, alert: Alert) -> None:
    if not can_act(actor, alert):
        raise PermissionDenied
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(_("This task is already done."))


@transaction.atomic
def complete_alert(*, actor: User, alert: Alert, expected_version: int | None,
                   outcome_code: str, outcome_note: str = "") -> Alert:
    """Done, with what came of it: the outcome is what effectiveness is measured on."""
    _require_open(actor, alert)
    if outcome_code not in AlertOutcome.values:
        raise ValidationError({"outcome_code": _("Choose what came of it.")})
    return update_record(actor, alert, expected_version=expected_version,
                         status=AlertStatus.DONE, acted_at=timezone.now(), acted_by=actor,
                         outcome_code=outcome_code, outcome_note=(outcome_note or "").strip())


@transaction.atomic
def snooze_alert(*, actor: User, alert: Alert, expected_version: int | None, until: Any,
                 reason: str) -> Alert:
    _require_open(actor, alert)
    errors = {}
    if until is None or until <= timezone.localdate():
        errors["until"] = [_("Choose a day after today.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the task can wait.")]
    if errors:
        raise ValidationError(errors)
    return update_record(actor, alert, expected_version=expected_version, snoozed_until=until,
                         snooze_reason=reason.strip())


def assignable_users(actor: User) -> QuerySet[User]:
    """Who ``actor`` may hand an alert to: anyone active (administrators), or the members of
    their teams and themselves (managers)."""
    users = User.objects.filter(is_active=True).exclude(role=Role.VIEWER)
    if actor.is_administrator:
        return users
    if actor.role == Role.MANAGER:
        teams = list(actor.teams.values_list("pk", flat=True))
        return users.filter(pk__in=User.objects.filter(teams__in=teams).values("pk")) | \
            users.filter(pk=actor.pk)
    return users.none()


@transaction.atomic
def reassign_alert(*, actor: User, alert: Alert, expected_version: int | None,
                   assignee: User) -> Alert:
    if not (actor.is_administrator or actor.role == Role.MANAGER):
        raise PermissionDenied(_("Only managers and administrators may reassign tasks."))
    _require_open(actor, alert)
    if not assignable_users(actor).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("You can only hand tasks to active members of "
                                             "your teams.")})
    alert = update_record(actor, alert, expected_version=expected_version, assignee=assignee)
    notifications.alert_reassigned(alert, by=actor)  # mailed once committed
    return alert
