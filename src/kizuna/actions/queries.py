"""Read helpers: criteria (company rules, readable by every active user) and alerts (visible like
an owned record whose owner is the assignee: theirs, their team's for managers, all for
administrators; core.access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from kizuna.actions.models import Alert, AlertStatus, Criterion
from kizuna.core.access import NotFound, ReadOnly, visible_q
from kizuna.core.models import Role, User

ALERT_RELATED = ("criterion", "criterion_version", "account", "contact", "contact__account",
                 "customer", "assignee")


def visible_criteria(user: User) -> QuerySet[Criterion]:
    if not user.is_active:
        return Criterion.objects.none()
    return Criterion.objects.select_related("owner")


def access_criterion(user: User, pk: object, *, write: bool = False) -> Criterion:
    try:
        criterion = visible_criteria(user).get(pk=pk)
    except (Criterion.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if write and user.role not in (Role.ADMINISTRATOR, Role.MANAGER):
        raise ReadOnly
    return criterion


def with_open_counts(criteria: QuerySet[Criterion]) -> QuerySet[Criterion]:
    return criteria.annotate(open_alerts=Count("alerts", filter=Q(alerts__status="open")))


def visible_alerts(user: User) -> QuerySet[Alert]:
    return Alert.objects.filter(visible_q(user, owner="assignee")).select_related(*ALERT_RELATED)


def access_alert(user: User, pk: object) -> Alert:
    try:
        return visible_alerts(user).get(pk=pk)
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def inbox_people(user: User) -> QuerySet[User]:
    """Whose inbox ``user`` may open: their own; a manager also their teams' members; an
    administrator anyone's."""
    people = User.objects.filter(is_active=True)
    if user.is_administrator:
        return people
    if user.role == Role.MANAGER:
        teams = list(user.teams.values_list("pk", flat=True))
        return people.filter(Q(pk=user.pk) | Q(pk__in=User.objects.filter(teams__in=teams)
                                                  .values("pk")))
    return people.filter(pk=user.pk)


@dataclass
class Section:
    key: str
    alerts: list[Alert]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.alerts)


SECTION_SIZE = 100


def inbox(viewer: User, person: User, *, today: dt.date | None = None,
          size: int = SECTION_SIZE) -> list[Section]:
    """``person``'s open alerts as seen by ``viewer``: overdue, today, upcoming (by the day
    they are for: the due date or the day they were snoozed to), most urgent first.

    Each section shows at most ``size`` alerts and counts the rest only when it is full, so a
    rep with thousands of alerts still gets a page in a handful of queries."""
    today = today or timezone.localdate()
    open_alerts = visible_alerts(viewer).filter(assignee=person, status=AlertStatus.OPEN) \
        .annotate(show_date=Coalesce("snoozed_until", "due_on"), priority_rank=Case(
            When(priority="high", then=Value(0)), When(priority="normal", then=Value(1)),
            default=Value(2), output_field=IntegerField()))
    ordering: tuple[Any, ...] = ("show_date", "priority_rank", "pk")
    sections = []
    for key, condition in (("overdue", Q(show_date__lt=today)),
                           ("today", Q(show_date=today)),
                           ("upcoming", Q(show_date__gt=today))):
        found = open_alerts.filter(condition).order_by(*ordering)
        rows = list(found[:size])
        count = found.count() if len(rows) == size else len(rows)
        sections.append(Section(key, rows, count))
    return sections
