"""API for scorecards and whitespace under /api/v1/actions/ (docs/decisions/0202): scorecards
(everyone reads, managers and administrators write), priority lists, one record's score with
its ratings and corrections, rating, correcting, the gap per rep; an account's whitespace
matrix, setting a cell, and the KPI summary.

Same access layer and services as the pages; a stale ``version`` answers 409.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.actions import scorecards as sc
from kizuna.actions import whitespace as ws
from kizuna.actions.models import Band, CellStatus, Score, Scorecard, ScoredEntity, ScoreRating
from kizuna.core.access import NotFound
from kizuna.core.api import (
    ERRORS,
    DateTimeOut,
    Page,
    RecordOut,
    VersionIn,
    active_users,
    changes,
    choice,
    resolve,
)
from kizuna.customers.models import Department
from kizuna.customers.queries import access_account, visible_accounts

scorecards = Router(tags=["scorecards"])
whitespace = Router(tags=["whitespace"])

LINKS = {"owner_id": active_users}


class Item(Schema):
    key: str = Field("", max_length=50, description="Slug; made from the label when empty")
    label: str = Field(..., max_length=100)
    weight: int = Field(1, ge=1, le=100)
    levels: dict[str, str] = Field(default_factory=dict,
                                   description="Optional text per level \"1\" … \"5\"")


class ScorecardIn(Schema):
    key: str = Field(..., max_length=50, description="Named in conditions as score.<key>")
    name: str = Field(..., min_length=1, max_length=200)
    purpose: str = ""
    entity: choice(ScoredEntity) = ScoredEntity.ACCOUNT  # type: ignore[valid-type]
    items: list[Item]
    band_a: int = Field(70, ge=1, le=100)
    band_b: int = Field(40, ge=1, le=100)
    owner_id: int | None = None


class ScorecardPatch(VersionIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    purpose: str | None = None
    items: list[Item] | None = None
    band_a: int | None = Field(None, ge=1, le=100)
    band_b: int | None = Field(None, ge=1, le=100)
    active: bool | None = None
    owner_id: int | None = None


class ScorecardOut(RecordOut):
    key: str
    name: str
    purpose: str
    entity: str
    items: list[dict[str, Any]]
    band_a: int
    band_b: int
    active: bool
    owner_id: int
    revision: int

    @staticmethod
    def resolve_revision(scorecard: Scorecard) -> int:
        return sc.current_version(scorecard).number


def _items(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("items") is not None:
        data["items"] = [{k: v for k, v in item.items() if k != "key" or v}
                         for item in data["items"]]
    return data


@scorecards.get("", response=list[ScorecardOut], summary="List scorecards")
@paginate(Page)
def list_scorecards(request: HttpRequest) -> Any:
    return sc.visible_scorecards(request.auth).order_by("name", "pk")


@scorecards.post("", response={201: ScorecardOut, **ERRORS},
                 summary="Create a scorecard (managers and administrators)")
def create_scorecard(request: HttpRequest, payload: ScorecardIn) -> Any:
    data = _items(resolve(request.auth, payload.dict(), LINKS))
    created = sc.create_scorecard(actor=request.auth, **data)
    return Status(201, sc.access_scorecard(request.auth, created.pk))


@scorecards.get("/gaps", response=list[dict[str, Any]],
                summary="Gap per rep between their ratings and managers' corrections")
def gaps(request: HttpRequest, scorecard_id: int | None = None) -> Any:
    scorecard = sc.access_scorecard(request.auth, scorecard_id) if scorecard_id else None
    return [{"rater_id": g.rater.pk, "rater": str(g.rater), "ratings": g.ratings,
             "corrections": g.corrections, "mean_abs": g.mean_abs,
             "mean_signed": g.mean_signed}
            for g in sc.gap_report(request.auth, scorecard=scorecard)]


@scorecards.get("/{scorecard_id}", response={200: ScorecardOut, **ERRORS},
                summary="One scorecard")
def get_scorecard(request: HttpRequest, scorecard_id: int) -> Scorecard:
    return sc.access_scorecard(request.auth, scorecard_id)


@scorecards.patch("/{scorecard_id}", response={200: ScorecardOut, **ERRORS},
                  summary="Change a scorecard; a change to its definition makes a revision "
                          "and recomputes its scores")
def update_scorecard(request: HttpRequest, scorecard_id: int, payload: ScorecardPatch) -> Any:
    scorecard = sc.access_scorecard(request.auth, scorecard_id, write=True)
    version, data = changes(payload)
    data = _items(resolve(request.auth, data, LINKS))
    sc.update_scorecard(actor=request.auth, scorecard=scorecard, expected_version=version,
                        **data)
    return sc.access_scorecard(request.auth, scorecard_id)


class ScoreOut(Schema):
    record_id: int = Field(..., description="The account")
    name: str
    owner_id: int
    team_id: int | None
    total: int | None = Field(..., description="0–100, corrections applied")
    band: str
    rated_items: int
    rated_at: DateTimeOut | None
    version: int = Field(..., description="Send it back when rating or correcting")

    @staticmethod
    def resolve_record_id(score: Score) -> int:
        return score.account_id  # type: ignore[return-value]

    @staticmethod
    def resolve_name(score: Score) -> str:
        return str(score.account)

    @staticmethod
    def resolve_owner_id(score: Score) -> int:
        return score.account.owner_id  # type: ignore[union-attr]

    @staticmethod
    def resolve_team_id(score: Score) -> int | None:
        return score.account.team_id  # type: ignore[union-attr]


@scorecards.get("/{scorecard_id}/scores", response=list[ScoreOut],
                summary="Priority list: the records you may see, highest score first")
@paginate(Page)
def priority_list(request: HttpRequest, scorecard_id: int, owner_id: int | None = None,
                  team_id: int | None = None,
                  band: choice(Band) | None = None) -> Any:  # type: ignore[valid-type]
    scorecard = sc.access_scorecard(request.auth, scorecard_id)
    return sc.priority_list(request.auth, scorecard, owner=owner_id, team=team_id,
                            band=band or "")


def _record_out(scorecard: Scorecard, record: Any) -> dict[str, Any]:
    row = sc.score_row(scorecard, record)
    return {
        "record_id": record.pk, "version": row.version if row else 0,
        "total": row.total if row else None, "band": row.band if row else "",
        "items": [{
            "key": s.item["key"], "label": s.item["label"], "weight": s.item["weight"],
            "value": s.value,
            "ratings": [{
                "id": r.pk, "value": r.value, "note": r.note, "rated_by_id": r.rated_by_id,
                "rated_at": r.rated_at.isoformat(), "revision": r.scorecard_version.number,
                "corrections": [{"value": c.value, "reason": c.reason,
                                 "corrected_by_id": c.corrected_by_id,
                                 "corrected_at": c.corrected_at.isoformat()}
                                for c in r.corrections.all()]}
                for r in s.history]} for s in sc.item_states(scorecard, record)]}


@scorecards.get("/{scorecard_id}/records/{record_id}", response={200: dict[str, Any], **ERRORS},
                summary="One record's score: what counts per item, every rating and correction")
def record_score(request: HttpRequest, scorecard_id: int, record_id: int) -> Any:
    scorecard = sc.access_scorecard(request.auth, scorecard_id)
    return _record_out(scorecard, sc.access_record(request.auth, scorecard, record_id))


class RateIn(Schema):
    version: int = Field(..., description="The score's version you read (0: not rated yet)")
    values: dict[str, int] = Field(..., description="item key → 1–5")
    notes: dict[str, str] = Field(default_factory=dict)


@scorecards.post("/{scorecard_id}/records/{record_id}/ratings",
                 response={200: dict[str, Any], **ERRORS},
                 summary="Rate items of a record you may edit")
def rate(request: HttpRequest, scorecard_id: int, record_id: int, payload: RateIn) -> Any:
    scorecard = sc.access_scorecard(request.auth, scorecard_id)
    record = sc.access_record(request.auth, scorecard, record_id)
    sc.rate(actor=request.auth, scorecard=scorecard, record=record,
            expected_version=payload.version, values=payload.values, notes=payload.notes)
    return _record_out(scorecard, record)


class CorrectIn(VersionIn):
    value: int = Field(..., ge=1, le=5)
    reason: str = Field(..., min_length=1, max_length=2000)


@scorecards.post("/ratings/{rating_id}/corrections", response={201: dict[str, Any], **ERRORS},
                 summary="Correct a rep's rating with a reason (managers of the record's team, "
                         "administrators); the rating is kept")
def correct(request: HttpRequest, rating_id: int, payload: CorrectIn) -> Any:
    rating = ScoreRating.objects.select_related("scorecard").filter(pk=rating_id).first()
    if rating is None:
        raise NotFound
    record = sc.access_record(request.auth, rating.scorecard, rating.account_id)
    sc.correct(actor=request.auth, rating=rating, value=payload.value, reason=payload.reason,
               expected_version=payload.version)
    return Status(201, _record_out(rating.scorecard, record))


# --- whitespace ----------------------------------------------------------------------------------


def _kpi(kpi: ws.Kpi) -> dict[str, Any]:
    return {"cells": kpi.cells, "counts": kpi.counts, "coverage": kpi.coverage,
            "conversion": kpi.conversion}


@whitespace.get("/accounts/{account_id}", response={200: dict[str, Any], **ERRORS},
                summary="An account's matrix: departments × product categories")
def matrix(request: HttpRequest, account_id: int) -> Any:
    m = ws.matrix(access_account(request.auth, account_id))
    return {"account_id": account_id, "categories": m.categories,
            "rows": [{"department_id": pk or None, "label": label} for pk, label in m.rows],
            "cells": [{"department_id": c.row or None, "category": c.category,
                       "status": c.status, "version": c.version,
                       "set_at": c.stored.set_at.isoformat() if c.stored else None,
                       "set_by_id": c.stored.set_by_id if c.stored else None}
                      for c in m.cells.values()],
            "kpi": _kpi(m.kpi)}


class CellIn(Schema):
    department_id: int | None = Field(None, description="Empty: the account as a whole "
                                                        "(accounts without departments)")
    category: str
    status: choice(CellStatus)  # type: ignore[valid-type]
    note: str = Field("", max_length=500)
    version: int = Field(..., description="The cell's version you read (0: never set)")


@whitespace.post("/accounts/{account_id}/cells", response={200: dict[str, Any], **ERRORS},
                 summary="Set one cell's status (\"won\" comes from the orders)")
def set_cell(request: HttpRequest, account_id: int, payload: CellIn) -> Any:
    account = access_account(request.auth, account_id)
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(pk=payload.department_id,
                                               account=account).first()
        if department is None:
            raise NotFound
    cell = ws.set_cell(actor=request.auth, account=account, department=department,
                       category=payload.category, status=payload.status, note=payload.note,
                       expected_version=payload.version)
    return {"department_id": payload.department_id, "category": cell.category,
            "status": cell.status, "version": cell.version}


@whitespace.get("/summary", response=dict[str, Any],
                summary="Coverage and conversion per team, owner and account")
def summary(request: HttpRequest, owner_id: int | None = None,
            team_id: int | None = None) -> Any:
    accounts = visible_accounts(request.auth)
    if owner_id:
        accounts = accounts.filter(owner_id=owner_id)
    if team_id:
        accounts = accounts.filter(team_id=team_id)
    result = ws.summary(accounts)
    return {"total": _kpi(result.total),
            "teams": [{"team_id": t.pk if t else None, **_kpi(k)} for t, k in result.teams],
            "owners": [{"owner_id": o.pk, **_kpi(k)} for o, k in result.owners],
            "accounts": [{"account_id": a.pk, **_kpi(k)} for a, k in result.accounts]}
