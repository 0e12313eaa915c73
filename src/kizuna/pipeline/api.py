"""Activities, deals and leads API.

An activity is visible like any owned record (its owner, or shared with a team); logging one
goes through ``pipeline.services.log_activity``, which checks the linked records. Deals are
owned records too: list, search, create, change (optimistic locking: a stale version is a
409), move between stages (``POST /deals/{id}/move``), the buying centre; pipelines, lost
reasons and the forecast are read-only (docs/decisions/0302-deals-and-forecast.md). Leads:
list, get (with the transitions), acquire, move and revive through ``pipeline.services``, which
keep THE MODEL's rules (docs/decisions/0301-the-model-stages.md); lead stages are read-only.
"""


from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from kizuna.commerce.models import Campaign, Product
from kizuna.core.access import NotFound
from kizuna.core.api import (
    ERRORS,
    OWNED,
    DateTimeIn,
    DateTimeOut,
    OwnedIn,
    OwnedOut,
    Page,
    Source,
    VersionIn,
    active_users,
    changes,
    choice,
    deleted,
    everyone,
    resolve,
)
from kizuna.customers.models import BuyingRole
from kizuna.customers.queries import (
    visible_accounts,
    visible_contacts,
    visible_customers,
    visible_departments,
)
from kizuna.customers.search import search_condition
from kizuna.pipeline import services
from kizuna.pipeline.contract_api import router as contracts_router
from kizuna.pipeline.models import (
    Activity,
    ActivityKind,
    Deal,
    DealLine,
    DealPipeline,
    DealStage,
    ForecastCategory,
    Lead,
    LeadSource,
    LeadStage,
    LeadTransition,
    LostReason,
    OutcomeCode,
)
from kizuna.pipeline.queries import (
    access_activity,
    access_deal,
    access_lead,
    deal_forecast,
    deal_pipelines,
    deal_stage_changes,
    lead_stages,
    lead_transitions,
    pipeline_stages,
    visible_activities,
    visible_deals,
    visible_leads,
    win_rates,
)

router = Router()
activities = Router(tags=["activities"])


class ActivityFields(Schema):
    body: str = ""
    outcome_code: choice(OutcomeCode, blank=True) = ""  # type: ignore[valid-type]
    outcome: str = ""
    next_step: str = Field("", max_length=200)
    next_step_due: date | None = None


class ActivityIn(ActivityFields):
    kind: choice(ActivityKind)  # type: ignore[valid-type]
    occurred_at: DateTimeIn
    subject: str = Field(..., min_length=1, max_length=200)
    account_id: int | None = None
    contact_id: int | None = Field(None, description="The account follows from the contact")
    customer_id: int | None = None
    deal_id: int | None = Field(None, description="The buyer follows from the deal")
    participant_ids: list[int] = Field(default_factory=list)


class ActivityPatch(ActivityFields, VersionIn):
    kind: choice(ActivityKind) | None = None  # type: ignore[valid-type]
    occurred_at: DateTimeIn | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)


class ActivityOut(OwnedOut):
    kind: str
    occurred_at: DateTimeOut
    subject: str
    body: str
    outcome_code: str
    outcome: str
    next_step: str
    next_step_due: date | None
    account_id: int | None
    contact_id: int | None
    customer_id: int | None
    deal_id: int | None
    participant_ids: list[int]

    @staticmethod
    def resolve_participant_ids(activity: Activity) -> list[int]:
        return [user.pk for user in activity.participants.all()]


class ActivityFilters(FilterSchema):
    account_id: int | None = None
    contact_id: int | None = None
    customer_id: int | None = None
    deal_id: int | None = None
    kind: choice(ActivityKind) | None = None  # type: ignore[valid-type]
    date_from: Annotated[date | None, FilterLookup("occurred_at__date__gte")] = Field(
        None, description="First day, inclusive (site time zone)")
    date_to: Annotated[date | None, FilterLookup("occurred_at__date__lte")] = Field(
        None, description="Last day, inclusive (site time zone)")


ACTIVITY_LINKS: dict[str, Source] = {"account_id": visible_accounts,
                                     "contact_id": visible_contacts,
                                     "customer_id": visible_customers,
                                     "deal_id": visible_deals}


@activities.get("", response=list[ActivityOut], summary="List activities you may see")
@paginate(Page)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    return filters.filter(visible_activities(request.auth)).prefetch_related("participants")


@activities.post("", response={201: ActivityOut, **ERRORS}, summary="Log an activity")
def log_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    data = resolve(request.auth, payload.dict(), ACTIVITY_LINKS)
    ids = set(data.pop("participant_ids"))
    participants = list(active_users(request.auth).filter(pk__in=ids))
    if len(participants) != len(ids):
        raise NotFound
    return Status(201, services.log_activity(actor=request.auth, participants=participants,
                                             **data))


@activities.get("/{activity_id}", response={200: ActivityOut, **ERRORS}, summary="One activity")
def get_activity(request: HttpRequest, activity_id: int) -> Activity:
    return access_activity(request.auth, activity_id)


@activities.patch("/{activity_id}", response={200: ActivityOut, **ERRORS},
                  summary="Change an activity (not what it is linked to)")
def update_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Activity:
    activity = access_activity(request.auth, activity_id, write=True)
    version, data = changes(payload)
    return services.update_activity(actor=request.auth, activity=activity,
                                    expected_version=version, **data)


@activities.delete("/{activity_id}", response={204: None, **ERRORS},
                   summary="Delete an activity")
def delete_activity(request: HttpRequest, activity_id: int, version: int) -> Any:
    activity = access_activity(request.auth, activity_id, write=True)
    return deleted(lambda: services.delete_activity(actor=request.auth, activity=activity,
                                                    expected_version=version))


router.add_router("/activities", activities)


# --- deals (docs/decisions/0302-deals-and-forecast.md) -------------------------------------------

pipelines = Router(tags=["deals"])
deals = Router(tags=["deals"])


class DealStageOut(Schema):
    id: int
    code: str
    name_ja: str
    name_en: str
    kind: str
    position: int
    probability: int


class PipelineOut(Schema):
    id: int
    code: str
    name_ja: str
    name_en: str
    active: bool
    stages: list[DealStageOut]

    @staticmethod
    def resolve_stages(pipeline: DealPipeline) -> list[DealStage]:
        return pipeline_stages(pipeline)


class LostReasonOut(Schema):
    id: int
    code: str
    name_ja: str
    name_en: str
    active: bool


@pipelines.get("/pipelines", response=list[PipelineOut], summary="Deal pipelines and stages")
def list_pipelines(request: HttpRequest) -> Any:
    return deal_pipelines(active_only=False)


@pipelines.get("/lost-reasons", response=list[LostReasonOut], summary="Lost reasons")
def list_lost_reasons(request: HttpRequest) -> Any:
    return LostReason.objects.all()


class LineIn(Schema):
    product_id: int
    quantity: int = Field(1, ge=1)
    unit_price: int | None = Field(None, ge=0, description="Defaults to the list price")


class LineOut(Schema):
    id: int
    product_id: int
    quantity: int
    unit_price: int
    amount: int


class DealContactOut(Schema):
    id: int
    contact_id: int
    role: str = Field(..., description="The role in this deal; empty: the contact's own")
    effective_role: str


class DealFields(OwnedIn):
    department_id: int | None = None
    amount: int = Field(0, ge=0, description="Yen; ignored when lines are given (their sum)")
    probability_override: int | None = Field(None, ge=0, le=100)
    forecast_category_override: Literal["", "commit", "best_case", "pipeline",  # type: ignore[valid-type]
                                        "omitted"] = ""
    competitors: list[str] = Field(default_factory=list)
    demand_month: int | None = Field(None, ge=1, le=12)
    demand_period: str = Field("", max_length=100)
    source: choice(LeadSource, blank=True) = ""  # type: ignore[valid-type]
    lead_id: int | None = None
    lost_reason_id: int | None = None
    lost_note: str = ""


class DealIn(DealFields):
    name: str = Field(..., min_length=1, max_length=200)
    account_id: int | None = None
    customer_id: int | None = None
    stage_id: int | None = Field(None, description="Default: the first stage of the first "
                                                   "pipeline")
    expected_close_date: date
    lines: list[LineIn] = Field(default_factory=list)


class DealPatch(DealFields, VersionIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    account_id: int | None = None
    customer_id: int | None = None
    amount: int | None = Field(None, ge=0)
    expected_close_date: date | None = None
    lines: list[LineIn] | None = Field(None, description="Replaces the lines; [] removes them")


class DealOut(OwnedOut):
    name: str
    account_id: int | None
    department_id: int | None
    customer_id: int | None
    pipeline_id: int
    stage_id: int
    stage_entered_at: DateTimeOut
    amount: int
    expected_close_date: date
    probability_override: int | None
    probability: int
    weighted_amount: int
    forecast_category_override: str
    forecast_category: str
    competitors: list[str]
    demand_month: int | None
    demand_period: str
    source: str
    lead_id: int | None
    lost_reason_id: int | None
    lost_note: str
    closed_at: DateTimeOut | None
    expansion_of_id: int | None = Field(None, description="The contract this deal expands (set "
                                                          "with POST /contracts/{id}/expansions)")
    originating_division: str = ""
    lines: list[LineOut]
    contacts: list[DealContactOut]

    @staticmethod
    def resolve_lines(deal: Deal) -> list[DealLine]:
        return list(deal.lines.all())

    @staticmethod
    def resolve_contacts(deal: Deal) -> list[dict[str, Any]]:
        return [{"id": link.pk, "contact_id": link.contact_id, "role": link.role,
                 "effective_role": link.effective_role}
                for link in deal.deal_contacts.all()]


class DealFilters(FilterSchema):
    pipeline_id: int | None = None
    stage_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None
    account_id: int | None = None
    customer_id: int | None = None
    forecast_category: choice(ForecastCategory) | None = None  # type: ignore[valid-type]
    closes_from: Annotated[date | None, FilterLookup("expected_close_date__gte")] = Field(
        None, description="Expected close date from, inclusive")
    closes_to: Annotated[date | None, FilterLookup("expected_close_date__lte")] = Field(
        None, description="Expected close date until, inclusive")


DEAL_LINKS: dict[str, Source] = {**OWNED, "account_id": visible_accounts,
                                 "department_id": visible_departments,
                                 "customer_id": visible_customers, "lead_id": visible_leads,
                                 "lost_reason_id": everyone(LostReason)}


def _lines(actor: Any, lines: list[dict[str, Any]] | None) -> list[Any] | None:
    if lines is None:
        return None
    products = {p.pk: p for p in Product.objects.filter(
        pk__in=[line["product_id"] for line in lines])}
    out = []
    for line in lines:
        product = products.get(line["product_id"])
        if product is None:
            raise NotFound
        price = line["unit_price"]
        out.append((product, line["quantity"], product.list_price if price is None else price))
    return out


@deals.get("", response=list[DealOut], summary="List and search deals you may see")
@paginate(Page)
def list_deals(request: HttpRequest, filters: Query[DealFilters],
               q: str = Query("", description="Deal, account or customer name, any kana or "
                                              "width")) -> Any:
    found = filters.filter(visible_deals(request.auth))
    if q.strip():
        found = found.filter(search_condition(q, "search_key", "account__search_key",
                                              "customer__search_key"))
    return found.order_by("expected_close_date", "pk").prefetch_related(
        "lines", "deal_contacts__contact")


@deals.post("", response={201: DealOut, **ERRORS}, summary="Open a deal")
def create_deal(request: HttpRequest, payload: DealIn) -> Any:
    data = payload.dict()
    lines = _lines(request.auth, data.pop("lines"))
    stage_id = data.pop("stage_id")
    data = resolve(request.auth, data, DEAL_LINKS)
    stage = None
    if stage_id is not None:
        stage = DealStage.objects.filter(pk=stage_id, pipeline__active=True).first()
        if stage is None:
            raise NotFound
    return Status(201, services.create_deal(actor=request.auth, stage=stage, lines=lines,
                                            **data))


@deals.get("/{deal_id}", response={200: DealOut, **ERRORS}, summary="One deal")
def get_deal(request: HttpRequest, deal_id: int) -> Deal:
    return access_deal(request.auth, deal_id)


@deals.patch("/{deal_id}", response={200: DealOut, **ERRORS},
             summary="Change a deal (its stage moves with POST …/move)")
def update_deal(request: HttpRequest, deal_id: int, payload: DealPatch) -> Deal:
    deal = access_deal(request.auth, deal_id, write=True)
    version, data = changes(payload)
    lines = _lines(request.auth, data.pop("lines", None))
    return services.update_deal(actor=request.auth, deal=deal, expected_version=version,
                                lines=lines, **resolve(request.auth, data, DEAL_LINKS))


@deals.delete("/{deal_id}", response={204: None, **ERRORS}, summary="Delete a deal")
def delete_deal(request: HttpRequest, deal_id: int, version: int) -> Any:
    deal = access_deal(request.auth, deal_id, write=True)
    return deleted(lambda: services.delete_deal(actor=request.auth, deal=deal,
                                                expected_version=version))


class MoveIn(VersionIn):
    to_stage_id: int
    lost_reason_id: int | None = Field(None, description="Required for a lost stage")
    lost_note: str = ""
    at: DateTimeIn | None = Field(None, description="Default: now")


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    to_stage_id: int
    at: DateTimeOut
    by_id: int | None
    amount: int
    lost_reason_id: int | None
    note: str


@deals.post("/{deal_id}/move", response={200: DealOut, **ERRORS},
            summary="Move a deal to another stage of its pipeline")
def move_deal(request: HttpRequest, deal_id: int, payload: MoveIn) -> Any:
    deal = access_deal(request.auth, deal_id, write=True)
    stage = DealStage.objects.filter(pk=payload.to_stage_id).first()
    if stage is None:
        raise NotFound
    reason = None
    if payload.lost_reason_id is not None:
        reason = LostReason.objects.filter(pk=payload.lost_reason_id).first()
        if reason is None:
            raise NotFound
    services.move_deal(actor=request.auth, deal=deal, to_stage=stage,
                       expected_version=payload.version, lost_reason=reason,
                       lost_note=payload.lost_note, at=payload.at)
    return access_deal(request.auth, deal_id)


@deals.get("/{deal_id}/stage-changes", response={200: list[StageChangeOut], **ERRORS},
           summary="A deal's stage history, oldest first")
def deal_history(request: HttpRequest, deal_id: int) -> Any:
    return list(deal_stage_changes(access_deal(request.auth, deal_id)))


class DealContactIn(Schema):
    contact_id: int
    role: choice(BuyingRole, blank=True) = ""  # type: ignore[valid-type]


@deals.post("/{deal_id}/contacts", response={201: DealContactOut, **ERRORS},
            summary="Add a contact of the deal's account to its buying centre")
def add_deal_contact(request: HttpRequest, deal_id: int, payload: DealContactIn) -> Any:
    deal = access_deal(request.auth, deal_id, write=True)
    contact = visible_contacts(request.auth).filter(pk=payload.contact_id).first()
    if contact is None:
        raise NotFound
    link = services.add_deal_contact(actor=request.auth, deal=deal, contact=contact,
                                     role=payload.role)
    return Status(201, {"id": link.pk, "contact_id": contact.pk, "role": link.role,
                        "effective_role": link.effective_role})


@deals.delete("/{deal_id}/contacts/{link_id}", response={204: None, **ERRORS},
              summary="Remove a contact from the buying centre")
def remove_deal_contact(request: HttpRequest, deal_id: int, link_id: int) -> Any:
    deal = access_deal(request.auth, deal_id, write=True)
    link = deal.deal_contacts.filter(pk=link_id).first()
    if link is None:
        raise NotFound
    services.remove_deal_contact(actor=request.auth, deal_contact=link)
    return Status(204, None)


class ForecastCellOut(Schema):
    open_deals: int
    open_amount: int
    weighted: int
    commit: int
    best_case: int
    pipeline: int
    omitted: int
    won_deals: int
    won: int


class ForecastRowOut(ForecastCellOut):
    month: str = Field(..., description="YYYY-MM")
    group_id: int | None = Field(..., description="Owner or team id (null: no team)")
    group: str


class WinRateOut(Schema):
    key: str = Field(..., description="Owner id, or the lead source code (empty: not "
                                      "recorded)")
    label: str
    won: int
    lost: int
    won_amount: int
    lost_amount: int
    by_count: float | None
    by_amount: float | None


class ForecastOut(Schema):
    by: str
    months: list[str]
    rows: list[ForecastRowOut]
    month_totals: dict[str, ForecastCellOut]
    total: ForecastCellOut
    win_rates_by_owner: list[WinRateOut]
    win_rates_by_source: list[WinRateOut]
    win_rate_total: WinRateOut


def _cell(cell: Any) -> dict[str, Any]:
    return {name: getattr(cell, name) for name in ForecastCellOut.model_fields}


def _rate(rate: Any) -> dict[str, Any]:
    return {"key": "" if rate.key is None else str(rate.key), "label": rate.label,
            **{name: getattr(rate, name) for name in
                                  ("won", "lost", "won_amount", "lost_amount", "by_count",
                                   "by_amount")}}


@pipelines.get("/forecast", response={200: ForecastOut, **ERRORS},
               summary="Forecast by close month × owner or team, and win rates")
def forecast(request: HttpRequest, start: date, months: int = 6,
             by: Literal["owner", "team"] = "owner", pipeline_id: int | None = None) -> Any:
    """``start``: any day of the first month; ``months``: 1–24."""
    if not 1 <= months <= 24:
        raise HttpError(422, _("Months must be between 1 and 24."))
    pipeline = None
    if pipeline_id is not None:
        pipeline = DealPipeline.objects.filter(pk=pipeline_id).first()
        if pipeline is None:
            raise NotFound
    result = deal_forecast(request.auth, start=start, months=months, by=by, pipeline=pipeline)
    labels = dict(result.groups)
    rows = [{"month": f"{month:%Y-%m}", "group_id": key, "group": labels[key], **_cell(cell)}
            for (key, month), cell in sorted(result.cells.items(),
                                             key=lambda item: (item[0][1], labels[item[0][0]]))]
    by_owner, total = win_rates(request.auth, start=start, months=months, by="owner",
                                pipeline=pipeline)
    by_source, _total = win_rates(request.auth, start=start, months=months, by="source",
                                  pipeline=pipeline)
    return {"by": result.by, "months": [f"{m:%Y-%m}" for m in result.months], "rows": rows,
            "month_totals": {f"{m:%Y-%m}": _cell(c) for m, c in result.month_totals.items()},
            "total": _cell(result.total),
            "win_rates_by_owner": [_rate(r) for r in by_owner],
            "win_rates_by_source": [_rate(r) for r in by_source],
            "win_rate_total": _rate(total)}


# --- leads (THE MODEL, docs/decisions/0301-the-model-stages.md) ---------------------------------

leads = Router(tags=["leads"])


class LeadStageOut(Schema):
    id: int
    code: str
    name_ja: str
    name_en: str
    kind: str = Field(..., description="main, recycle or dead_end")
    position: int
    division: str = Field(..., description="The division that owns the stage")


class LeadTransitionOut(Schema):
    id: int
    from_stage_id: int | None = Field(..., description="Empty for the acquisition")
    to_stage_id: int
    at: DateTimeOut
    by_id: int | None
    criterion: str = Field(..., description="The entry criterion, when no person moved it")
    reason: str
    is_fast_pass: bool


class LeadOut(OwnedOut):
    contact_id: int | None
    account_id: int | None
    customer_id: int | None
    interest: str
    lead_source: str
    campaign_id: int | None
    acquired_at: DateTimeOut
    acquisition_cost: int
    stage_id: int
    stage_code: str
    stage_entered_at: DateTimeOut

    @staticmethod
    def resolve_stage_code(lead: Lead) -> str:
        return lead.stage.code


class LeadDetailOut(LeadOut):
    transitions: list[LeadTransitionOut]

    @staticmethod
    def resolve_transitions(lead: Lead) -> list[LeadTransition]:
        return list(lead_transitions(lead))


class LeadIn(Schema):
    contact_id: int | None = Field(None, description="B2B: the account follows from the "
                                                     "contact")
    customer_id: int | None = Field(None, description="D2C")
    lead_source: choice(LeadSource)  # type: ignore[valid-type]
    campaign_id: int | None = None
    interest: str = Field("", max_length=200)
    acquired_at: DateTimeIn | None = Field(None, description="Default: now")
    acquisition_cost: int = Field(0, ge=0, description="Yen, counted once")
    owner_id: int | None = Field(None, description="Defaults to you; only managers and "
                                                   "administrators assign someone else")


class LeadMoveIn(VersionIn):
    to_stage_id: int
    reason: str = Field("", description="Required for recycle and dead end, for going back "
                                        "and for leaving the dead end")
    at: DateTimeIn | None = Field(None, description="Default: now")


class LeadReviveIn(VersionIn):
    reason: str = ""
    at: DateTimeIn | None = Field(None, description="Default: now")


class LeadFilters(FilterSchema):
    stage: Annotated[str | None, FilterLookup("stage__code")] = Field(
        None, description="The current stage's code, e.g. nurturing")
    lead_source: choice(LeadSource) | None = None  # type: ignore[valid-type]
    owner_id: int | None = None
    contact_id: int | None = None
    customer_id: int | None = None
    entered_after: Annotated[date | None, FilterLookup("stage_entered_at__date__gte")] = Field(
        None, description="In the current stage since this day or later, inclusive (site "
                          "time zone)")


LEAD_LINKS: dict[str, Source] = {"owner_id": active_users, "contact_id": visible_contacts,
                                 "customer_id": visible_customers,
                                 "campaign_id": everyone(Campaign)}


@leads.get("/lead-stages", response=list[LeadStageOut],
           summary="Lead stages: the main path in order, then recycle and dead end")
def list_lead_stages(request: HttpRequest) -> Any:
    return lead_stages()


@leads.get("/leads", response=list[LeadOut], summary="List leads you may see, newest stage "
                                                     "entry first")
@paginate(Page)
def list_leads(request: HttpRequest, filters: Query[LeadFilters]) -> Any:
    return filters.filter(visible_leads(request.auth)).order_by("-stage_entered_at", "-pk")


@leads.post("/leads", response={201: LeadDetailOut, **ERRORS},
            summary="Acquire a lead (one open lead per contact or customer)")
def create_lead(request: HttpRequest, payload: LeadIn) -> Any:
    data = resolve(request.auth, payload.dict(), LEAD_LINKS)
    lead = services.create_lead(actor=request.auth, **data)
    return Status(201, access_lead(request.auth, lead.pk))


@leads.get("/leads/{lead_id}", response={200: LeadDetailOut, **ERRORS},
           summary="One lead with its transitions, oldest first")
def get_lead(request: HttpRequest, lead_id: int) -> Lead:
    return access_lead(request.auth, lead_id)


@leads.post("/leads/{lead_id}/move", response={200: LeadDetailOut, **ERRORS},
            summary="Move a lead to a stage (fast pass, recycle and dead end are recorded)")
def move_lead(request: HttpRequest, lead_id: int, payload: LeadMoveIn) -> Any:
    lead = access_lead(request.auth, lead_id, write=True)
    stage = LeadStage.objects.filter(pk=payload.to_stage_id).first()
    if stage is None:
        raise NotFound
    services.move_lead(actor=request.auth, lead=lead, to_stage=stage,
                       expected_version=payload.version, reason=payload.reason, at=payload.at)
    return access_lead(request.auth, lead_id)


@leads.post("/leads/{lead_id}/revive", response={200: LeadDetailOut, **ERRORS},
            summary="A recycled lead came back: to the revival stage, no new acquisition")
def revive_lead(request: HttpRequest, lead_id: int, payload: LeadReviveIn) -> Any:
    lead = access_lead(request.auth, lead_id, write=True)
    services.revive_lead(actor=request.auth, lead=lead, expected_version=payload.version,
                         reason=payload.reason, at=payload.at)
    return access_lead(request.auth, lead_id)


router.add_router("/deals", deals)
router.add_router("/", pipelines)
router.add_router("/", leads)
router.add_router("/", contracts_router)  # customer success (0304)
