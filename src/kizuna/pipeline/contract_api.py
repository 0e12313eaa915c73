"""Contracts API (docs/decisions/0304-customer-success.md): list (filters, pages), get (with the
stage history), create, move between success stages, renew and churn through
``pipeline.contracts``; a stale ``version`` is a 409. Success stages are read-only."""

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.commerce.models import Product
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
    choice,
    resolve,
)
from kizuna.customers.queries import visible_accounts, visible_customers, visible_departments
from kizuna.pipeline import contracts
from kizuna.pipeline.models import Contract, ContractStatus, Division, SuccessStage
from kizuna.pipeline.queries import access_deal, visible_deals

router = Router(tags=["contracts"])


class SuccessStageOut(Schema):
    id: int
    code: str
    name_ja: str
    name_en: str
    kind: str
    position: int


class ContractStageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    to_stage_id: int
    at: DateTimeOut
    by_id: int | None
    note: str


class ContractOut(OwnedOut):
    name: str
    account_id: int | None
    department_id: int | None
    customer_id: int | None
    product_ids: list[int]
    start_date: date
    renewal_date: date
    amount: int
    term_months: int
    status: str
    stage_id: int
    stage_entered_at: DateTimeOut
    deal_id: int | None
    previous_id: int | None
    ended_at: DateTimeOut | None
    churn_reason: str

    @staticmethod
    def resolve_product_ids(contract: Contract) -> list[int]:
        return [p.pk for p in contract.products.all()]


class ContractDetailOut(ContractOut):
    stage_changes: list[ContractStageChangeOut]

    @staticmethod
    def resolve_stage_changes(contract: Contract) -> list[Any]:
        return list(contract.stage_changes.all())


class ContractIn(OwnedIn):
    name: str = Field(..., min_length=1, max_length=200)
    account_id: int | None = None
    department_id: int | None = None
    customer_id: int | None = None
    product_ids: list[int] = Field(default_factory=list)
    start_date: date
    renewal_date: date | None = Field(None, description="Default: start date + term")
    amount: int = Field(..., ge=0, description="Yen per term")
    term_months: int = Field(12, ge=1, le=120)
    stage_id: int | None = Field(None, description="Default: the first success stage")
    deal_id: int | None = None


class ContractFilters(FilterSchema):
    stage_id: int | None = None
    status: choice(ContractStatus) | None = None  # type: ignore[valid-type]
    owner_id: int | None = None
    account_id: int | None = None
    customer_id: int | None = None
    renews_from: Annotated[date | None, FilterLookup("renewal_date__gte")] = Field(
        None, description="Renewal date from, inclusive")
    renews_to: Annotated[date | None, FilterLookup("renewal_date__lte")] = Field(
        None, description="Renewal date until, inclusive")


class ContractMoveIn(VersionIn):
    to_stage_id: int
    note: str = ""
    at: DateTimeIn | None = Field(None, description="Default: now")


class RenewIn(VersionIn):
    amount: int | None = Field(None, ge=0, description="Default: the same amount")
    term_months: int | None = Field(None, ge=1, le=120, description="Default: the same term")


class ChurnIn(VersionIn):
    reason: str = Field(..., min_length=1)
    at: DateTimeIn | None = Field(None, description="Default: now")


LINKS: dict[str, Source] = {**OWNED, "account_id": visible_accounts,
                            "department_id": visible_departments,
                            "customer_id": visible_customers, "deal_id": visible_deals}


def _stage(pk: int) -> SuccessStage:
    stage = SuccessStage.objects.filter(pk=pk).first()
    if stage is None:
        raise NotFound
    return stage


@router.get("/success-stages", response=list[SuccessStageOut], summary="Success stages")
def list_success_stages(request: HttpRequest) -> Any:
    return contracts.success_stages()


@router.get("/contracts", response=list[ContractOut], summary="List contracts you may see")
@paginate(Page)
def list_contracts(request: HttpRequest, filters: Query[ContractFilters]) -> Any:
    return filters.filter(contracts.visible_contracts(request.auth)).order_by(
        "renewal_date", "pk").prefetch_related("products")


@router.post("/contracts", response={201: ContractDetailOut, **ERRORS},
             summary="Record a contract")
def create_contract(request: HttpRequest, payload: ContractIn) -> Any:
    data = payload.dict()
    product_ids = data.pop("product_ids")
    products = list(Product.objects.filter(pk__in=product_ids))
    if len(products) != len(set(product_ids)):
        raise NotFound
    stage_id = data.pop("stage_id")
    data = resolve(request.auth, data, LINKS)
    created = contracts.create_contract(
        actor=request.auth, products=products,
        stage=_stage(stage_id) if stage_id is not None else None, **data)
    return Status(201, contracts.access_contract(request.auth, created.pk))


@router.get("/contracts/{contract_id}", response={200: ContractDetailOut, **ERRORS},
            summary="One contract with its stage history")
def get_contract(request: HttpRequest, contract_id: int) -> Contract:
    return contracts.access_contract(request.auth, contract_id)


@router.post("/contracts/{contract_id}/move", response={200: ContractDetailOut, **ERRORS},
             summary="Move a contract to another success stage")
def move_contract(request: HttpRequest, contract_id: int, payload: ContractMoveIn) -> Any:
    contract = contracts.access_contract(request.auth, contract_id, write=True)
    contracts.move_contract(actor=request.auth, contract=contract,
                            to_stage=_stage(payload.to_stage_id),
                            expected_version=payload.version, note=payload.note, at=payload.at)
    return contracts.access_contract(request.auth, contract_id)


@router.post("/contracts/{contract_id}/renew", response={201: ContractDetailOut, **ERRORS},
             summary="Renew: this term becomes renewed, the next term is answered")
def renew_contract(request: HttpRequest, contract_id: int, payload: RenewIn) -> Any:
    contract = contracts.access_contract(request.auth, contract_id, write=True)
    following = contracts.renew_contract(actor=request.auth, contract=contract,
                                         expected_version=payload.version,
                                         amount=payload.amount, term_months=payload.term_months)
    return Status(201, contracts.access_contract(request.auth, following.pk))


@router.post("/contracts/{contract_id}/churn", response={200: ContractDetailOut, **ERRORS},
             summary="The customer left: churn with a reason")
def churn_contract(request: HttpRequest, contract_id: int, payload: ChurnIn) -> Any:
    contract = contracts.access_contract(request.auth, contract_id, write=True)
    contracts.churn_contract(actor=request.auth, contract=contract,
                             expected_version=payload.version, reason=payload.reason,
                             at=payload.at)
    return contracts.access_contract(request.auth, contract_id)


class ExpansionIn(VersionIn):
    deal_id: int = Field(..., description="The upsell / cross-sell deal; version is the deal's")
    originating_division: choice(Division)  # type: ignore[valid-type]


class ExpansionOut(Schema):
    deal_id: int
    deal_version: int
    expansion_of_id: int | None
    originating_division: str


@router.post("/contracts/{contract_id}/expansions", response={200: ExpansionOut, **ERRORS},
             summary="Mark a deal as an upsell / cross-sell of this contract, credited to the "
                     "division that created it")
def add_expansion(request: HttpRequest, contract_id: int, payload: ExpansionIn) -> Any:
    contract = contracts.access_contract(request.auth, contract_id)
    deal = access_deal(request.auth, payload.deal_id, write=True)
    deal = contracts.attribute_expansion(
        actor=request.auth, deal=deal, contract=contract,
        originating_division=payload.originating_division, expected_version=payload.version)
    return {"deal_id": deal.pk, "deal_version": deal.version,
            "expansion_of_id": deal.expansion_of_id,
            "originating_division": deal.originating_division}
