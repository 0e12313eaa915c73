"""Scorecards (スコアリング): definitions and their revisions, reps' ratings, managers'
corrections (補正), the effective score, priority lists and the gap per rep
(docs/decisions/0202-scorecards-and-whitespace.md).

Writes own their transaction and feed the audit ledger (STYLE §2). A rating or a correction is
never changed: a newer rating supersedes an item's rating, a correction sits beside the rating
it corrects. ``Score`` holds the effective total that lists and conditions read; it is
recomputed here on every rating, correction and change of the scorecard.

The total is normalised to 0–100: 100 × Σ wᵢ (vᵢ − 1) / (4 Σ wᵢ) over the items of the current
revision that have a rating (a rating of 1 everywhere is 0, of 5 everywhere 100), rounded half
up in integers so that every database and Python agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kizuna.actions.models import (
    Band,
    Score,
    Scorecard,
    ScorecardVersion,
    ScoreCorrection,
    ScoredEntity,
    ScoreRating,
)
from kizuna.core.access import NotFound, ReadOnly, can_edit
from kizuna.core.ledger import diff, field_values, record_change, record_changes
from kizuna.core.models import Role, User
from kizuna.core.services import ConcurrentEdit, create_record, update_record
from kizuna.customers.models import Account

DEFINITION_FIELDS = ("name", "purpose", "items", "band_a", "band_b")
SETTING_FIELDS = ("active", "owner")
LEVELS = ("1", "2", "3", "4", "5")
MAX_ITEMS = 20


# --- records a scorecard rates ---------------------------------------------------------------
# One entry per ScoredEntity: the model, the read helper and the foreign key on Score and
# ScoreRating. Deals are added here (and as a choice and a foreign key) when they land.


def _accounts(user: User) -> QuerySet[Account]:
    from kizuna.customers.queries import visible_accounts

    return visible_accounts(user)


RECORDS: dict[str, tuple[type[models.Model], Any, str]] = {
    ScoredEntity.ACCOUNT: (Account, _accounts, "account"),
}


def visible_records(user: User, entity: str) -> QuerySet[Any]:
    return RECORDS[entity][1](user)


def access_record(user: User, scorecard: Scorecard, pk: object) -> Any:
    """The record ``user`` wants to look at on ``scorecard`` (NotFound when invisible)."""
    try:
        return visible_records(user, scorecard.entity).get(pk=pk)
    except (RECORDS[scorecard.entity][0].DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def _fk(entity: str) -> str:
    return RECORDS[entity][2]


# --- reading scorecards ----------------------------------------------------------------------


def can_manage_scorecards(user: User) -> bool:
    return user.is_active and user.role in (Role.ADMINISTRATOR, Role.MANAGER)


def visible_scorecards(user: User) -> QuerySet[Scorecard]:
    """Scorecards are company definitions: every active user reads them."""
    if not user.is_active:
        return Scorecard.objects.none()
    return Scorecard.objects.select_related("owner")


def access_scorecard(user: User, pk: object, *, write: bool = False) -> Scorecard:
    try:
        scorecard = visible_scorecards(user).get(pk=pk)
    except (Scorecard.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if write and not can_manage_scorecards(user):
        raise ReadOnly
    return scorecard


def current_version(scorecard: Scorecard) -> ScorecardVersion:
    return scorecard.versions.order_by("-number").first()  # type: ignore[return-value]


# --- the definition --------------------------------------------------------------------------


def check_items(items: Any) -> list[dict[str, Any]]:
    """Validate and normalise the items (every problem at once, each with its place)."""
    problems: list[str] = []
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise ValidationError({"items": [_("Give 1 to %(n)d items.") % {"n": MAX_ITEMS}]})
    cleaned, keys = [], set()
    for i, raw in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: " + _("Expected an object with key, label and weight."))
            continue
        unknown = sorted(set(raw) - {"key", "label", "weight", "levels"})
        if unknown:
            problems.append(f"{where}: " + _("Unknown key “%(key)s”.") % {"key": unknown[0]})
        label = raw.get("label")
        if not isinstance(label, str) or not 0 < len(label.strip()) <= 100:
            problems.append(f"{where}.label: " + _("Expected a text of 1 to 100 characters."))
            label = ""
        key = raw.get("key") or slugify(label, allow_unicode=False) or f"item{i + 1}"
        if not isinstance(key, str) or slugify(key) != key or len(key) > 50:
            problems.append(f"{where}.key: " + _("Use lower-case letters, digits, - and _."))
        elif key in keys:
            problems.append(f"{where}.key: " + _("Each item needs its own key."))
        keys.add(key)
        weight = raw.get("weight", 1)
        if not (isinstance(weight, int) and not isinstance(weight, bool) and 1 <= weight <= 100):
            problems.append(f"{where}.weight: " + _("Expected a whole number from 1 to 100."))
        levels = raw.get("levels") or {}
        if not isinstance(levels, dict) or set(levels) - set(LEVELS) or any(
                not isinstance(v, str) or len(v) > 200 for v in levels.values()):
            problems.append(f"{where}.levels: " + _(
                "Expected texts of at most 200 characters for the levels \"1\" to \"5\"."))
            levels = {}
        cleaned.append({"key": key, "label": label.strip(), "weight": weight,
                        "levels": {k: v.strip() for k, v in sorted(levels.items())
                                   if v.strip()}})
    if problems:
        raise ValidationError({"items": problems})
    return cleaned


def check_definition(fields: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = dict(fields)
    try:
        values["items"] = check_items(fields.get("items"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    band_a, band_b = fields.get("band_a"), fields.get("band_b")
    if not (isinstance(band_a, int) and isinstance(band_b, int) and 0 < band_b < band_a <= 100):
        errors["band_a"] = [_("Band A must start above band B, and both between 1 and 100.")]
    if errors:
        raise ValidationError(errors)
    return values


def _require_manager(actor: User | None) -> None:
    if actor is not None and not can_manage_scorecards(actor):
        raise PermissionDenied(_("Only managers and administrators may change scorecards."))


def _snapshot(actor: User | None, scorecard: Scorecard) -> ScorecardVersion:
    last = scorecard.versions.order_by("-number").values_list("number", flat=True).first()
    return ScorecardVersion.objects.create(
        scorecard=scorecard, number=(last or 0) + 1, created_by=actor,
        **{name: getattr(scorecard, name) for name in DEFINITION_FIELDS})


@transaction.atomic
def create_scorecard(*, actor: User | None, key: str, name: str, items: Any,
                     purpose: str = "", entity: str = ScoredEntity.ACCOUNT, band_a: int = 70,
                     band_b: int = 40, owner: User | None = None, active: bool = True
                     ) -> Scorecard:
    _require_manager(actor)
    owner = owner or actor
    if owner is None:
        raise ValidationError({"owner": _("Say who is responsible for the scorecard.")})
    if Scorecard.objects.filter(key=key).exists():
        raise ValidationError({"key": _("Another scorecard already uses this key.")})
    values = check_definition({"name": name, "purpose": purpose, "items": items,
                               "band_a": band_a, "band_b": band_b})
    scorecard = create_record(actor, Scorecard, key=key, entity=entity, owner=owner,
                              active=active, **values)
    _snapshot(actor, scorecard)
    return scorecard


@transaction.atomic
def update_scorecard(*, actor: User, scorecard: Scorecard, expected_version: int | None,
                     **fields: Any) -> Scorecard:
    """Change a scorecard; a change to its definition keeps the previous one as a revision
    and recomputes every score on it (weights, items and bands all change totals)."""
    _require_manager(actor)
    unknown = set(fields) - set(DEFINITION_FIELDS) - set(SETTING_FIELDS)
    if unknown:
        raise ValueError(f"update_scorecard cannot change {sorted(unknown)}")
    merged = {name: fields.get(name, getattr(scorecard, name)) for name in DEFINITION_FIELDS}
    fields.update({k: v for k, v in check_definition(merged).items() if k in fields})
    before = {name: getattr(scorecard, name) for name in DEFINITION_FIELDS}
    saved = update_record(actor, scorecard, expected_version=expected_version, **fields)
    if any(getattr(saved, name) != before[name] for name in DEFINITION_FIELDS):
        _snapshot(actor, saved)
        recompute_scores(saved)
    return saved


# --- the total -------------------------------------------------------------------------------


def total_of(items: list[dict[str, Any]], values: Mapping[str, int]) -> int | None:
    """100 × Σ w (v − 1) / (4 Σ w) over the rated items, rounded half up; None if none."""
    num = den = 0
    for item in items:
        value = values.get(item["key"])
        if value is not None:
            num += item["weight"] * (value - 1)
            den += item["weight"] * 4
    if not den:
        return None
    return (200 * num + den) // (2 * den)


def band_of(total: int | None, band_a: int, band_b: int) -> str:
    if total is None:
        return ""
    return Band.A if total >= band_a else Band.B if total >= band_b else Band.C


@dataclass
class ItemState:
    """One item of a record's scorecard: its latest rating, that rating's latest correction,
    and the value that counts."""

    item: dict[str, Any]
    rating: ScoreRating | None = None
    correction: ScoreCorrection | None = None
    history: list[ScoreRating] = field(default_factory=list)

    @property
    def levels(self) -> list[tuple[int, str]]:
        """(1–5, the level's text on the current revision)."""
        texts = self.item.get("levels") or {}
        return [(n, texts.get(str(n), "")) for n in range(1, 6)]

    @property
    def value(self) -> int | None:
        if self.correction is not None:
            return self.correction.value
        return self.rating.value if self.rating is not None else None


def _ratings(scorecard: Scorecard, record: Any) -> QuerySet[ScoreRating]:
    return ScoreRating.objects.filter(scorecard=scorecard, **{_fk(scorecard.entity): record})


def item_states(scorecard: Scorecard, record: Any) -> list[ItemState]:
    """The current items with what counts for each (a record's ratings are few: read all)."""
    ratings = list(_ratings(scorecard, record).select_related("rated_by", "scorecard_version")
                   .prefetch_related("corrections__corrected_by")
                   .order_by("-rated_at", "-pk"))
    by_item: dict[str, list[ScoreRating]] = defaultdict(list)
    for rating in ratings:
        by_item[rating.item].append(rating)
    states = []
    for item in scorecard.items:
        history = by_item.get(item["key"], [])
        latest = history[0] if history else None
        correction = None
        if latest is not None:
            corrections = sorted(latest.corrections.all(),
                                 key=lambda c: (c.corrected_at, c.pk), reverse=True)
            correction = corrections[0] if corrections else None
        states.append(ItemState(item, latest, correction, history))
    return states


def score_row(scorecard: Scorecard, record: Any) -> Score | None:
    """The record's own score row (the lock raters hold), if it was rated before."""
    return Score.objects.filter(scorecard=scorecard, record_id=record.pk).first()


def _refresh(actor: User | None, scorecard: Scorecard, record: Any, now: dt.datetime,
             *, expected_version: int | None) -> Score:
    """Recompute the record's own score row from its ratings and corrections (creating it on
    the first rating); refuse a stale ``expected_version`` (0: "not rated yet")."""
    values = {s.item["key"]: s.value for s in item_states(scorecard, record)
              if s.value is not None}
    total = total_of(scorecard.items, values)
    fields = {"total": total, "band": band_of(total, scorecard.band_a, scorecard.band_b),
              "rated_items": len(values), "rated_at": now}
    row = Score.objects.select_for_update().filter(scorecard=scorecard,
                                                   record_id=record.pk).first()
    if row is None:
        if expected_version not in (None, 0):
            raise ConcurrentEdit(record)
        return create_record(actor, Score, scorecard=scorecard, entity=scorecard.entity,
                             record_id=record.pk, **{_fk(scorecard.entity): record}, **fields)
    return update_record(actor, row, expected_version=expected_version, **fields)


def _lock(scorecard: Scorecard, record: Any, expected_version: int | None) -> None:
    """Serialise writers of one record's score (the record row is the lock, so that two first
    ratings cannot both create the score row) and refuse a stale form early."""
    type(record)._default_manager.select_for_update().filter(pk=record.pk).first()
    row = score_row(scorecard, record)
    current = row.version if row is not None else 0
    if expected_version is not None and current != expected_version:
        raise ConcurrentEdit(row or record)


# --- rating ----------------------------------------------------------------------------------


def can_rate(user: User, record: Any) -> bool:
    """Reps rate the records they may change (core.access)."""
    return user.is_active and user.can_write and can_edit(user, record)


@transaction.atomic
def rate(*, actor: User, scorecard: Scorecard, record: Any, expected_version: int | None,
         values: Mapping[str, int | None], notes: Mapping[str, str] | None = None,
         now: dt.datetime | None = None) -> Score:
    """Rate the items given in ``values`` (1–5; None leaves an item as it is). Only items whose
    value differs from what counts now make a new rating; the others stay as they are (with
    their corrections). ``expected_version`` is the score's version the rater saw (0: none)."""
    if not can_rate(actor, record):
        raise PermissionDenied(_("You may only rate records you can edit."))
    if not scorecard.active:
        raise ValidationError(_("This scorecard is no longer in use."))
    keys = {item["key"] for item in scorecard.items}
    errors = {}
    for key, value in values.items():
        if key not in keys:
            errors[key] = [_("There is no such item on this scorecard.")]
        elif value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                    or not 1 <= value <= 5):
            errors[key] = [_("Rate from 1 to 5.")]
    if errors:
        raise ValidationError(errors)
    _lock(scorecard, record, expected_version)
    now = now or timezone.now()
    version = current_version(scorecard)
    notes = notes or {}
    current = {s.item["key"]: s.value for s in item_states(scorecard, record)}
    new = [ScoreRating(scorecard=scorecard, scorecard_version=version, entity=scorecard.entity,
                       item=key, value=value, note=(notes.get(key) or "").strip()[:500],
                       rated_by=actor, rated_at=now, **{_fk(scorecard.entity): record})
           for key, value in values.items() if value is not None and value != current[key]]
    if not new:
        row = score_row(scorecard, record)
        if row is None:
            raise ValidationError(_("Rate at least one item."))
        return row
    for rating in new:
        rating.full_clean()
    created = ScoreRating.objects.bulk_create(new)
    record_changes(actor, "create", [
        (r, diff({}, field_values(r, ["scorecard", "scorecard_version", "entity", "account",
                                      "item", "value", "note", "rated_by"])))
        for r in created])
    return _refresh(actor, scorecard, record, now, expected_version=None)


# --- correcting ------------------------------------------------------------------------------


def can_correct(user: User, record: Any) -> bool:
    """Managers of the record's team (who may change it through their team) and
    administrators."""
    if not user.is_active:
        return False
    if user.is_administrator:
        return True
    return user.role == Role.MANAGER and can_edit(user, record)


@transaction.atomic
def correct(*, actor: User, rating: ScoreRating, value: int, reason: str,
            expected_version: int | None, now: dt.datetime | None = None) -> ScoreCorrection:
    """補正: a manager's value for a rep's rating, with the reason. The rating is kept as the
    rep gave it; the score uses the correction."""
    scorecard = rating.scorecard
    record = getattr(rating, _fk(rating.entity))
    if not can_correct(actor, record):
        raise PermissionDenied(_("Only managers of the record's team and administrators may "
                                 "correct a rating."))
    if rating.rated_by_id == actor.pk:
        raise ValidationError(_("This is your own rating: rate the item again instead."))
    errors = {}
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        errors["value"] = [_("Rate from 1 to 5.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the rating is corrected: it is how the rep learns.")]
    if errors:
        raise ValidationError(errors)
    _lock(scorecard, record, expected_version)
    latest = _ratings(scorecard, record).filter(item=rating.item).order_by(
        "-rated_at", "-pk").first()
    if latest is None or latest.pk != rating.pk:
        raise ValidationError(_("This rating was replaced by a newer one; correct that one."))
    now = now or timezone.now()
    correction = ScoreCorrection(rating=rating, value=value, reason=reason.strip(),
                                 corrected_by=actor, corrected_at=now)
    correction.full_clean()
    correction.save(force_insert=True)
    record_change(actor, "create", correction, diff({}, {
        "rating": rating.pk, "item": rating.item, "original": rating.value, "value": value,
        "reason": correction.reason}))
    _refresh(actor, scorecard, record, now, expected_version=None)
    return correction


@transaction.atomic
def recompute_scores(scorecard: Scorecard) -> int:
    """Recompute every score row of a scorecard after its definition changed (a system write:
    the change of the scorecard itself is in the ledger)."""
    fk = _fk(scorecard.entity)
    count = 0
    for row in Score.objects.filter(scorecard=scorecard).select_related(fk):
        record = getattr(row, fk)
        values = {s.item["key"]: s.value for s in item_states(scorecard, record)
                  if s.value is not None}
        total = total_of(scorecard.items, values)
        band = band_of(total, scorecard.band_a, scorecard.band_b)
        if (row.total, row.band, row.rated_items) != (total, band, len(values)):
            Score.objects.filter(pk=row.pk).update(total=total, band=band,
                                                   rated_items=len(values),
                                                   version=models.F("version") + 1,
                                                   updated_at=timezone.now())
            count += 1
    return count


# --- reading scores --------------------------------------------------------------------------


def latest_scores(scorecard: Scorecard) -> QuerySet[Score]:
    """One score per record: after an identity merge a survivor may hold its duplicate's row
    too; the most recently rated one counts (the same rule as ``score.<key>`` in conditions).
    """
    fk = _fk(scorecard.entity)
    newer = Score.objects.filter(scorecard=scorecard, **{fk: OuterRef(fk)}).filter(
        Q(rated_at__gt=OuterRef("rated_at")) | Q(rated_at=OuterRef("rated_at"),
                                                 pk__gt=OuterRef("pk")))
    return Score.objects.filter(scorecard=scorecard, rated_at__isnull=False).filter(
        ~Exists(newer))


def priority_list(user: User, scorecard: Scorecard, *, owner: int | None = None,
                  team: int | None = None, band: str = "") -> QuerySet[Score]:
    """The records ``user`` may see with their score, highest first."""
    fk = _fk(scorecard.entity)
    records = visible_records(user, scorecard.entity)
    if owner:
        records = records.filter(owner_id=owner)
    if team:
        records = records.filter(team_id=team)
    found = latest_scores(scorecard).filter(**{f"{fk}__in": records.values("pk")})
    if band:
        found = found.filter(band=band)
    return found.select_related(f"{fk}__owner", f"{fk}__team").order_by(
        models.F("total").desc(nulls_last=True), "pk")


@dataclass
class Gap:
    """How one rep's ratings compare with their managers' corrections."""

    rater: User
    corrections: int  # corrected ratings (each counted once, with its latest correction)
    ratings: int  # all their ratings in scope
    mean_abs: float  # mean |original − corrected|
    mean_signed: float  # mean (original − corrected): > 0 the rep rates higher than managers


def gap_report(user: User, *, scorecard: Scorecard | None = None) -> list[Gap]:
    """The gap per rep between their ratings and the corrections of them, over the records
    ``user`` may see (managers: their teams; administrators: everyone; a rep: their own
    ratings only)."""
    ratings = ScoreRating.objects.all()
    if scorecard is not None:
        ratings = ratings.filter(scorecard=scorecard)
    scope = Q()
    for entity, (_model, visible_, fk) in RECORDS.items():
        scope |= Q(entity=entity, **{f"{fk}__in": visible_(user).values("pk")})
    ratings = ratings.filter(scope)
    if not can_manage_scorecards(user):  # a rep sees how their own judgment compares
        ratings = ratings.filter(rated_by=user)
    totals: dict[int, int] = defaultdict(int)
    for rater_id in ratings.values_list("rated_by_id", flat=True):
        totals[rater_id] += 1
    latest = ScoreCorrection.objects.filter(rating=OuterRef("rating")).filter(
        Q(corrected_at__gt=OuterRef("corrected_at"))
        | Q(corrected_at=OuterRef("corrected_at"), pk__gt=OuterRef("pk")))
    pairs: dict[int, list[int]] = defaultdict(list)
    for rater_id, original, corrected in ScoreCorrection.objects.filter(
            rating__in=ratings.values("pk")).filter(~Exists(latest)).values_list(
            "rating__rated_by_id", "rating__value", "value"):
        pairs[rater_id].append(original - corrected)
    raters = User.objects.in_bulk(list(totals))
    report = [Gap(raters[rater_id], len(pairs[rater_id]), totals[rater_id],
                  sum(abs(d) for d in pairs[rater_id]) / len(pairs[rater_id])
                  if pairs[rater_id] else 0.0,
                  sum(pairs[rater_id]) / len(pairs[rater_id]) if pairs[rater_id] else 0.0)
              for rater_id in totals]
    return sorted(report, key=lambda g: (-g.mean_abs, -g.corrections, g.rater.username))
