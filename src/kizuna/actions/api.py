"""Action-engine API under /api/v1/actions/: judgment criteria (everyone reads, managers and
administrators write), previews, and alerts (list; done, snooze, reassign).

Same access layer and services as the pages; condition errors answer 422 with every problem
under ``fields.condition`` ("all[1].value: Expected a number.").
"""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.actions import scorecard_api, services
from kizuna.actions.effectiveness import DEFAULT_WINDOW, WINDOWS, measure
from kizuna.actions.models import (
    Alert,
    AlertOutcome,
    AlertStatus,
    AssigneeRule,
    Criterion,
    Entity,
    Priority,
    Schedule,
)
from kizuna.actions.queries import access_alert, access_criterion, visible_alerts, visible_criteria
from kizuna.actions.tasks import RUN_JOB
from kizuna.core.api import (
    ERRORS,
    DateTimeOut,
    Page,
    RecordOut,
    Source,
    VersionIn,
    active_users,
    changes,
    choice,
    resolve,
)
from kizuna.core.jobs import start_job

router = Router()
criteria = Router(tags=["judgment criteria"])
alerts = Router(tags=["alerts"])

CRITERION_LINKS: dict[str, Source] = {"owner_id": active_users, "assignee_user_id": active_users}


class CriterionFields(Schema):
    purpose: str = Field("", description="Why the rule exists; shown with every task")
    title_template: str = Field("", max_length=200,
                                description="Task title; placeholders {name}, {criterion}")
    due_in_days: int = Field(7, ge=0, le=365)
    priority: choice(Priority) = Priority.NORMAL  # type: ignore[valid-type]
    next_step: str = Field("", max_length=200, description="Suggested next step")
    assignee_rule: choice(AssigneeRule) = AssigneeRule.OWNER  # type: ignore[valid-type]
    assignee_user_id: int | None = Field(None, description="For assignee_rule=user")
    schedule: choice(Schedule) = Schedule.DAILY  # type: ignore[valid-type]
    cooldown_days: int = Field(0, ge=0, le=3650,
                               description="Quiet period after a task for a record")
    owner_id: int | None = Field(None, description="Responsible; defaults to you")


class CriterionIn(CriterionFields):
    name: str = Field(..., min_length=1, max_length=200)
    entity: choice(Entity)  # type: ignore[valid-type]
    condition: dict[str, Any] = Field(..., description="The condition in the JSON language "
                                                       "(docs/decisions/0201)")
    title_template: str = Field(..., min_length=1, max_length=200)
    enabled: bool = False


class CriterionPatch(VersionIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    purpose: str | None = None
    condition: dict[str, Any] | None = None
    title_template: str | None = Field(None, min_length=1, max_length=200)
    due_in_days: int | None = Field(None, ge=0, le=365)
    priority: choice(Priority) | None = None  # type: ignore[valid-type]
    next_step: str | None = Field(None, max_length=200)
    assignee_rule: choice(AssigneeRule) | None = None  # type: ignore[valid-type]
    assignee_user_id: int | None = None
    schedule: choice(Schedule) | None = None  # type: ignore[valid-type]
    cooldown_days: int | None = Field(None, ge=0, le=3650)
    enabled: bool | None = None
    owner_id: int | None = None


class CriterionOut(RecordOut):
    key: str = Field(..., description="Set on the shipped examples")
    name: str
    purpose: str
    entity: str
    condition: dict[str, Any]
    revision: int = Field(..., description="The current revision; alerts name the one that "
                                           "fired them")
    title_template: str
    due_in_days: int
    priority: str
    next_step: str
    assignee_rule: str
    assignee_user_id: int | None
    enabled: bool
    schedule: str
    cooldown_days: int
    owner_id: int
    last_run_at: DateTimeOut | None
    last_run_created: int | None


def _with_revision(found: QuerySet[Criterion]) -> QuerySet[Criterion]:
    return found.annotate(revision=Max("versions__number"))


def _criterion(user: Any, pk: int, *, write: bool = False) -> Criterion:
    access_criterion(user, pk, write=write)
    return _with_revision(visible_criteria(user)).get(pk=pk)


@criteria.get("", response=list[CriterionOut], summary="List judgment criteria")
@paginate(Page)
def list_criteria(request: HttpRequest, entity: choice(Entity) | None = None,  # type: ignore[valid-type]
                  enabled: bool | None = None) -> Any:
    found = _with_revision(visible_criteria(request.auth)).order_by("name", "pk")
    if entity:
        found = found.filter(entity=entity)
    if enabled is not None:
        found = found.filter(enabled=enabled)
    return found


@criteria.post("", response={201: CriterionOut, **ERRORS},
               summary="Create a criterion (managers and administrators)")
def create_criterion(request: HttpRequest, payload: CriterionIn) -> Any:
    data = resolve(request.auth, payload.dict(), CRITERION_LINKS)
    created = services.create_criterion(actor=request.auth, **data)
    return Status(201, _criterion(request.auth, created.pk))


@criteria.get("/{criterion_id}", response={200: CriterionOut, **ERRORS},
              summary="One criterion")
def get_criterion(request: HttpRequest, criterion_id: int) -> Criterion:
    return _criterion(request.auth, criterion_id)


@criteria.patch("/{criterion_id}", response={200: CriterionOut, **ERRORS},
                summary="Change a criterion; a change to its rule makes a new revision")
def update_criterion(request: HttpRequest, criterion_id: int, payload: CriterionPatch) -> Any:
    criterion = access_criterion(request.auth, criterion_id, write=True)
    version, data = changes(payload)
    data = resolve(request.auth, data, CRITERION_LINKS)
    enabled = data.pop("enabled", None)
    if data:
        criterion = services.update_criterion(actor=request.auth, criterion=criterion,
                                              expected_version=version, **data)
        version = criterion.version
    if enabled is not None and enabled != criterion.enabled:
        services.set_criterion_enabled(actor=request.auth, criterion=criterion,
                                       expected_version=version, enabled=enabled)
    return _criterion(request.auth, criterion_id)


class PreviewRecord(Schema):
    id: int
    name: str
    owner_id: int


class PreviewOut(Schema):
    count: int = Field(..., description="Records the condition selects now, company-wide")
    new: int | None = Field(None, description="Of those, how many would get a new alert "
                                              "(saved criteria only)")
    records: list[PreviewRecord] = Field(..., description="The first ones you may see")


def _preview_out(result: services.Preview) -> dict[str, Any]:
    return {"count": result.count, "new": result.new, "records": [
        {"id": r.pk, "name": str(r), "owner_id": r.owner_id} for r in result.records]}


@criteria.get("/{criterion_id}/preview", response={200: PreviewOut, **ERRORS},
              summary="What the criterion would fire for now, without writing anything")
def preview_criterion(request: HttpRequest, criterion_id: int,
                      limit: int = Query(20, ge=1, le=200)) -> Any:
    criterion = access_criterion(request.auth, criterion_id, write=True)
    return _preview_out(services.preview(user=request.auth, entity=criterion.entity,
                                         condition=criterion.condition, criterion=criterion,
                                         limit=limit))


class JobRef(Schema):
    job_id: str


@criteria.post("/{criterion_id}/run", response={202: JobRef, **ERRORS},
               summary="Run an enabled criterion now (a job; follow it at /jobs/{job_id})")
def run_criterion(request: HttpRequest, criterion_id: int) -> Any:
    criterion = access_criterion(request.auth, criterion_id, write=True)
    if not criterion.enabled:
        raise ValidationError({"enabled": [_("Enable the criterion before running it.")]})
    job = start_job(actor=request.auth, kind=RUN_JOB, title=criterion.name,
                    params={"criteria": [criterion.pk]})
    return Status(202, {"job_id": str(job.pk)})


class PreviewIn(Schema):
    entity: choice(Entity)  # type: ignore[valid-type]
    condition: dict[str, Any]
    limit: int = Field(20, ge=1, le=200)


@router.post("/actions/preview", response={200: PreviewOut, **ERRORS},
             summary="Preview an unsaved condition (managers and administrators)",
             tags=["judgment criteria"])
def preview_condition(request: HttpRequest, payload: PreviewIn) -> Any:
    if not services.can_manage_criteria(request.auth):
        raise PermissionDenied
    return _preview_out(services.preview(user=request.auth, entity=payload.entity,
                                         condition=payload.condition, limit=payload.limit))


# --- alerts ------------------------------------------------------------------------------------


class AlertOut(RecordOut):
    criterion_id: int
    revision: int = Field(..., description="The criterion revision that fired it")
    purpose: str = Field(..., description="Why the criterion exists")
    entity: str
    record_id: int = Field(..., description="The account, contact or customer (follows "
                                            "merges)")
    title: str
    next_step: str
    priority: str
    assignee_id: int
    team_id: int | None
    status: str
    fired_at: DateTimeOut
    due_on: date
    snoozed_until: date | None
    snooze_reason: str
    acted_at: DateTimeOut | None
    acted_by_id: int | None
    outcome_code: str
    outcome_note: str

    @staticmethod
    def resolve_revision(alert: Alert) -> int:
        return alert.criterion_version.number

    @staticmethod
    def resolve_purpose(alert: Alert) -> str:
        return alert.criterion_version.purpose

    @staticmethod
    def resolve_record_id(alert: Alert) -> int:
        return getattr(alert, f"{alert.entity}_id")


@alerts.get("", response=list[AlertOut], summary="List alerts you may see")
@paginate(Page)
def list_alerts(request: HttpRequest, status: choice(AlertStatus) | None = None,  # type: ignore[valid-type]
                assignee_id: int | None = None, criterion_id: int | None = None) -> Any:
    found = visible_alerts(request.auth).order_by("due_on", "pk")
    for name, value in (("status", status), ("assignee_id", assignee_id),
                        ("criterion_id", criterion_id)):
        if value is not None:
            found = found.filter(**{name: value})
    return found


@alerts.get("/{alert_id}", response={200: AlertOut, **ERRORS}, summary="One alert")
def get_alert(request: HttpRequest, alert_id: int) -> Alert:
    return access_alert(request.auth, alert_id)


class DoneIn(VersionIn):
    outcome_code: choice(AlertOutcome)  # type: ignore[valid-type]
    outcome_note: str = ""


class SnoozeIn(VersionIn):
    until: date = Field(..., description="A day after today")
    reason: str = Field(..., min_length=1, max_length=200)


class ReassignIn(VersionIn):
    assignee_id: int


@alerts.post("/{alert_id}/done", response={200: AlertOut, **ERRORS},
             summary="Mark done with an outcome")
def done(request: HttpRequest, alert_id: int, payload: DoneIn) -> Alert:
    alert = access_alert(request.auth, alert_id)
    services.complete_alert(actor=request.auth, alert=alert, expected_version=payload.version,
                            outcome_code=payload.outcome_code, outcome_note=payload.outcome_note)
    return access_alert(request.auth, alert_id)


@alerts.post("/{alert_id}/snooze", response={200: AlertOut, **ERRORS},
             summary="Snooze until a day, with a reason")
def snooze(request: HttpRequest, alert_id: int, payload: SnoozeIn) -> Alert:
    alert = access_alert(request.auth, alert_id)
    services.snooze_alert(actor=request.auth, alert=alert, expected_version=payload.version,
                          until=payload.until, reason=payload.reason)
    return access_alert(request.auth, alert_id)


@alerts.post("/{alert_id}/reassign", response={200: AlertOut, **ERRORS},
             summary="Hand to someone else (managers and administrators)")
def reassign(request: HttpRequest, alert_id: int, payload: ReassignIn) -> Alert:
    alert = access_alert(request.auth, alert_id)
    data = resolve(request.auth, {"assignee_id": payload.assignee_id},
                   {"assignee_id": active_users})
    services.reassign_alert(actor=request.auth, alert=alert, expected_version=payload.version,
                            assignee=data["assignee"])
    return access_alert(request.auth, alert_id)


# --- effectiveness (docs/decisions/0203) -----------------------------------------------------


class ResultOut(Schema):
    records: int = Field(..., description="Alerts with a complete window (did_not_fire: "
                                          "record-windows)")
    with_order: int | None = Field(None, description="Of them, how many bought (not "
                                                     "measured for did_not_fire)")
    orders: int
    revenue: int = Field(..., description="Net of returns, yen")
    share_with_order: float | None
    orders_per_record: float | None
    revenue_per_record: int | None
    population: int | None = Field(None, description="did_not_fire: records that never fired")


class EffectOut(Schema):
    criterion_id: int
    name: str
    revision: int | None = Field(None, description="Per-revision figures only")
    enabled: bool
    window_days: int
    fired: int
    acted: int = Field(..., description="Done, any outcome")
    open: int
    acted_share: float | None
    median_days_to_act: float | None
    outcomes: dict[str, int]
    complete: int = Field(..., description="Alerts whose window is over")
    acted_on: ResultOut = Field(..., description="Done within the window")
    not_acted_on: ResultOut
    did_not_fire: ResultOut | None
    lift_per_record: int | None = Field(None, description="Revenue per record, acted on − not")
    lift_over_baseline: int | None


class EffectivenessOut(Schema):
    window_days: int
    criteria: list[EffectOut]


class CriterionEffectivenessOut(Schema):
    window_days: int
    criterion: EffectOut
    revisions: list[EffectOut]


def _window(request: HttpRequest, window: int) -> int:
    if not services.can_manage_criteria(request.auth):
        raise PermissionDenied
    if window not in WINDOWS:
        raise ValidationError({"window": [_("Choose 30, 60 or 90 days.")]})
    return window


@router.get("/actions/effectiveness", response={200: EffectivenessOut, **ERRORS},
            summary="Effectiveness of every criterion (managers and administrators)",
            tags=["judgment criteria"])
def effectiveness(request: HttpRequest, window: int = DEFAULT_WINDOW) -> Any:
    window = _window(request, window)
    found = list(visible_criteria(request.auth).order_by("name", "pk"))
    return {"window_days": window,
            "criteria": [e.as_dict() for e in measure(found, window=window)]}


@criteria.get("/{criterion_id}/effectiveness",
              response={200: CriterionEffectivenessOut, **ERRORS},
              summary="Effectiveness of one criterion, also per revision")
def criterion_effectiveness(request: HttpRequest, criterion_id: int,
                            window: int = DEFAULT_WINDOW) -> Any:
    window = _window(request, window)
    criterion = access_criterion(request.auth, criterion_id)
    [total] = measure([criterion], window=window)
    return {"window_days": window, "criterion": total.as_dict(),
            "revisions": [e.as_dict() for e in measure([criterion], window=window,
                                                       by_version=True)]}


router.add_router("/actions/criteria", criteria)
router.add_router("/actions/alerts", alerts)
router.add_router("/actions/scorecards", scorecard_api.scorecards)  # docs/decisions/0202
router.add_router("/actions/whitespace", scorecard_api.whitespace)
