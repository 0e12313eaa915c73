"""Identity resolution (名寄せ) on customer data: merge duplicates, undo a merge, remember
"not a duplicate". Finding candidates is the pure core's job (kizuna.identity); this module
feeds it from the database (``scan``) and writes the outcome.

A merge never deletes anything (ARCHITECTURE "Data rules"): every row that pointed to a
duplicate (orders, activities, contacts, identity links, … — found through the model's
relations, so relations added later are moved too) is re-pointed to the survivor and its id
recorded; the duplicates stay, marked ``merged_into`` the survivor and hidden by the queries;
the survivor takes the field values the user chose. ``undo_merge`` puts every moved row back
and restores the survivor's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core.access import can_edit
from kizuna.core.ledger import diff, field_values, record_change
from kizuna.core.models import User
from kizuna.customers.models import (
    Account,
    Contact,
    Customer,
    DuplicateGroup,
    Merge,
    NotDuplicate,
)
from kizuna.customers.search import keys_for

MERGEABLE: dict[str, type[models.Model]] = {
    "customers": Customer, "contacts": Contact, "accounts": Account}
# Fields the user may take from a duplicate; the rest (ids, keys, bookkeeping) stay.
NOT_CHOSEN = {"id", "created_at", "updated_at", "version", "search_key", "sort_key",
              "merged_into", "source", "external_id", "legal_form"}


class MergeError(ValidationError):
    pass


def kind_of(model: type[models.Model]) -> str:
    return next(k for k, m in MERGEABLE.items() if m is model)


def choosable_fields(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    return [f for f in model._meta.concrete_fields
            if f.name not in NOT_CHOSEN and not f.primary_key]


def _relations(model: type[models.Model]) -> list[models.ForeignKey]:  # type: ignore[type-arg]
    """Every foreign key pointing to ``model`` (except the merge pointer itself)."""
    return [rel.field for rel in model._meta.related_objects
            if rel.one_to_many or rel.one_to_one
            if not (rel.related_model is model and rel.field.name == "merged_into")]


def _m2m(model: type[models.Model]) -> list[Any]:
    return [rel for rel in model._meta.related_objects if rel.many_to_many]


def _label(field: models.Field) -> str:  # type: ignore[type-arg]
    return f"{field.model._meta.label}.{field.name}"


def _person_keys(record: Any) -> dict[str, str]:
    if isinstance(record, Account):
        return keys_for(names=[record.name], readings=[record.name_kana], company=True)
    return keys_for(names=[record.family_name, record.given_name],
                    readings=[record.family_name_kana, record.given_name_kana])


@transaction.atomic
def merge_records(*, actor: User, survivor: models.Model, duplicates: Sequence[models.Model],
                  values: dict[str, Any] | None = None, score: float | None = None) -> Merge:
    """Merge ``duplicates`` into ``survivor``. ``values`` are the field values the survivor
    keeps (chosen field by field in the review screen); fields not given keep the survivor's.
    """
    model = type(survivor)
    if model not in MERGEABLE.values():
        raise MergeError(_("These records cannot be merged."))
    duplicates = [d for d in duplicates if d.pk != survivor.pk]
    if not duplicates:
        raise MergeError(_("Choose at least one duplicate to merge."))
    ids = [survivor.pk, *(d.pk for d in duplicates)]
    rows = model._default_manager.select_for_update().in_bulk(ids)
    if len(rows) != len(ids) or any(r.merged_into_id for r in rows.values()):
        raise MergeError(_("One of the records was merged or deleted meanwhile; reload."))
    for record in rows.values():
        if not can_edit(actor, record):
            raise PermissionDenied(_("You may only merge records you can edit."))
    survivor = rows[survivor.pk]
    duplicate_ids = [d.pk for d in duplicates]

    before = field_values(survivor)
    allowed = {f.name: f for f in choosable_fields(model)}
    unknown = sorted(set(values or {}) - set(allowed))
    if unknown:
        raise MergeError(_("These fields cannot be chosen: %(fields)s.")
                         % {"fields": ", ".join(unknown)})
    for name, value in (values or {}).items():
        field = allowed[name]
        setattr(survivor, field.attname if field.is_relation else name,
                value.pk if isinstance(value, models.Model) else value)
    # A duplicate's external id is kept on the duplicate (re-imports find the survivor
    # through it, see customers.imports); the survivor keeps its own.
    for name, value in _person_keys(survivor).items():
        setattr(survivor, name, value)
    survivor.full_clean(validate_unique=False, validate_constraints=False)
    survivor.version += 1
    survivor.save()

    # relation -> {duplicate id: [moved row ids]}: undo puts each row back on its own record.
    moved: dict[str, dict[str, list[int]]] = {}
    for fk in _relations(model):
        manager = fk.model._default_manager
        rows_fk = manager.filter(**{f"{fk.name}__in": duplicate_ids}).values_list(
            "pk", fk.attname)
        by_duplicate: dict[str, list[int]] = {}
        for pk, duplicate_id in rows_fk:
            by_duplicate.setdefault(str(duplicate_id), []).append(pk)
        if by_duplicate:
            manager.filter(pk__in=[pk for pks in by_duplicate.values() for pk in pks]).update(
                **{fk.name: survivor.pk})
            moved[_label(fk)] = by_duplicate
    for rel in _m2m(model):  # e.g. activity participants: through rows point to the survivor
        through = rel.through
        column = rel.field.m2m_reverse_field_name()
        other = f"{rel.field.m2m_field_name()}_id"
        linked = set(through._default_manager.filter(**{column: survivor.pk})
                     .values_list(other, flat=True))
        by_duplicate = {}
        for pk, other_id, duplicate_id in through._default_manager.filter(
                **{f"{column}__in": duplicate_ids}).values_list("pk", other, f"{column}_id"):
            if other_id not in linked:  # already linked to the survivor: leave the row
                by_duplicate.setdefault(str(duplicate_id), []).append(pk)
                linked.add(other_id)
        if by_duplicate:
            through._default_manager.filter(
                pk__in=[pk for pks in by_duplicate.values() for pk in pks]).update(
                **{column: survivor.pk})
            moved[f"{through._meta.label}.{column}"] = by_duplicate
    model._default_manager.filter(pk__in=duplicate_ids).update(
        merged_into=survivor.pk, updated_at=timezone.now())

    after = field_values(survivor)
    merge = Merge.objects.create(
        kind=kind_of(model), survivor_id=survivor.pk, merged_ids=duplicate_ids,
        survivor_before=before, survivor_after=after, moved=moved, score=score,
        created_by=actor)
    record_change(actor, "merge", survivor, {
        **diff(before, after), "merged": [None, duplicate_ids], "merge": [None, merge.pk],
        "moved": [None, {k: sum(map(len, v.values())) for k, v in moved.items()}]})
    for duplicate in duplicates:
        record_change(actor, "merge", rows[duplicate.pk],
                      {"merged_into": [None, survivor.pk], "merge": [None, merge.pk]})
    return merge


@transaction.atomic
def undo_merge(*, actor: User, merge: Merge) -> Merge:
    """Put every moved row back on its duplicate, un-hide the duplicates and restore the
    survivor's values. Refused once the survivor was merged again (undo that first)."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeError(_("This merge was already undone."))
    model = MERGEABLE[merge.kind]
    survivor = model._default_manager.select_for_update().get(pk=merge.survivor_id)
    if survivor.merged_into_id:
        raise MergeError(_("The surviving record was merged again since; undo that merge "
                           "first."))
    if not can_edit(actor, survivor):
        raise PermissionDenied(_("You may only undo merges of records you can edit."))
    merged = list(model._default_manager.filter(pk__in=merge.merged_ids,
                                                merged_into=survivor.pk))
    if len(merged) != len(merge.merged_ids):
        raise MergeError(_("A merged record was changed or deleted since; it cannot be undone "
                           "automatically."))
    for label, by_duplicate in merge.moved.items():
        app_model, column = label.rsplit(".", 1)
        related_model = _model(app_model)
        for duplicate_id, ids in by_duplicate.items():
            related_model._default_manager.filter(pk__in=ids, **{column: survivor.pk}).update(
                **{column: int(duplicate_id)})
    model._default_manager.filter(pk__in=merge.merged_ids).update(
        merged_into=None, updated_at=timezone.now())
    before = field_values(survivor)
    for name, value in merge.survivor_before.items():
        field = survivor._meta.get_field(name)
        if field.name in NOT_CHOSEN - {"search_key", "sort_key"} or field.primary_key:
            continue
        setattr(survivor, field.attname if field.is_relation else name, value)
    for name, value in _person_keys(survivor).items():
        setattr(survivor, name, value)
    survivor.version += 1
    survivor.save()
    merge.undone_at, merge.undone_by = timezone.now(), actor
    merge.save(update_fields=["undone_at", "undone_by"])
    record_change(actor, "unmerge", survivor, {
        **diff(before, field_values(survivor)), "unmerged": [merge.merged_ids, None],
        "merge": [merge.pk, None]})
    return merge


def _model(label: str) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(label)


@transaction.atomic
def mark_not_duplicate(*, actor: User, first: models.Model, second: models.Model) -> NotDuplicate:
    if not (can_edit(actor, first) and can_edit(actor, second)):
        raise PermissionDenied(_("You may only judge records you can edit."))
    a, b = sorted((first.pk, second.pk))
    kind = kind_of(type(first))
    pair, _created = NotDuplicate.objects.get_or_create(
        kind=kind, first_id=a, second_id=b, defaults={"created_by": actor})
    record_change(actor, "not_duplicate", first, {"not_duplicate_of": [None, second.pk]})
    return pair


def not_duplicate_pairs(kind: str) -> set[tuple[int, int]]:
    return set(NotDuplicate.objects.filter(kind=kind).values_list("first_id", "second_id"))


# --- finding candidates --------------------------------------------------------------------------

PERSON_COLUMNS = ("id", "family_name", "given_name", "family_name_kana", "given_name_kana",
                  "email", "phone", "postal_code", "prefecture")
COLUMNS = {
    "customers": (*PERSON_COLUMNS, "birth_year"),
    "contacts": PERSON_COLUMNS,
    "accounts": ("id", "name", "name_kana", "corporate_number", "phone", "website",
                 "postal_code", "prefecture", "city", "address_line1"),
}
SCAN_JOB = "customers.identity_scan"


def _spec(kind: str) -> Any:
    from kizuna.identity import JAPANESE_COMPANY, JAPANESE_PERSON

    return JAPANESE_COMPANY if kind == "accounts" else JAPANESE_PERSON


def scan_records(actor: User, kind: str) -> models.QuerySet[Any]:
    """What a scan looks at: the records the actor can edit (so can merge), not merged."""
    from kizuna.core.access import editable_q

    model = MERGEABLE[kind]
    records = model._default_manager.filter(merged_into=None)
    return records if actor.is_administrator else records.filter(editable_q(actor))


@transaction.atomic
def scan_duplicates(*, actor: User, kind: str, progress: Any = None) -> list[DuplicateGroup]:
    """Score the records with the identity model and store the groups to review, replacing
    the open groups of an earlier scan by this kind. Pairs judged "not a duplicate" are never
    proposed again."""
    from kizuna.identity import IdentityModel
    from kizuna.identity.prepare import records_from_rows

    if kind not in MERGEABLE:
        raise MergeError(_("These records cannot be merged."))
    rows = scan_records(actor, kind).values(*COLUMNS[kind]).iterator(chunk_size=5000)
    records = records_from_rows(rows, COLUMNS[kind])
    DuplicateGroup.objects.filter(kind=kind, status=DuplicateGroup.Status.OPEN).update(
        status=DuplicateGroup.Status.STALE)
    if len(records["id"]) < 2:
        return []
    if progress:
        progress(1, 3)
    model = IdentityModel(_spec(kind))
    matches = model.fit_predict(records)
    if progress:
        progress(2, 3)
    dismissed = not_duplicate_pairs(kind)
    if dismissed and len(matches):
        lo = [min(a, b) for a, b in zip(matches.left_ids.tolist(), matches.right_ids.tolist(),
                                        strict=True)]
        hi = [max(a, b) for a, b in zip(matches.left_ids.tolist(), matches.right_ids.tolist(),
                                        strict=True)]
        for k, pair in enumerate(zip(lo, hi, strict=True)):
            if pair in dismissed:
                matches.probability[k] = 0.0  # below every threshold: never grouped
    groups = []
    for group in matches.groups():
        pairs = [matches.explain(int(k)).to_dict() for k in group.pairs]
        groups.append(DuplicateGroup(
            kind=kind, record_ids=[int(i) for i in group.ids], score=group.score,
            decision=group.decision, pairs=_jsonable(pairs)))
    created = DuplicateGroup.objects.bulk_create(groups, batch_size=1000)
    if progress:
        progress(3, 3)
    return created


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item")
                                 else str(v)))


@transaction.atomic
def merge_group(*, actor: User, group: DuplicateGroup, survivor_id: int,
                values: dict[str, Any] | None = None) -> Merge:
    group = DuplicateGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != DuplicateGroup.Status.OPEN:
        raise MergeError(_("This group was already handled."))
    model = MERGEABLE[group.kind]
    if survivor_id not in group.record_ids:
        raise MergeError(_("Choose the surviving record among the group's records."))
    records = model._default_manager.in_bulk(group.record_ids)
    merge = merge_records(actor=actor, survivor=records[survivor_id],
                          duplicates=[r for pk, r in records.items() if pk != survivor_id],
                          values=values, score=group.score)
    group.status, group.merge = DuplicateGroup.Status.MERGED, merge
    group.save(update_fields=["status", "merge"])
    return merge


@transaction.atomic
def dismiss_group(*, actor: User, group: DuplicateGroup) -> DuplicateGroup:
    """"Not duplicates": remember every pair of the group so no scan proposes them again."""
    group = DuplicateGroup.objects.select_for_update().get(pk=group.pk)
    if group.status != DuplicateGroup.Status.OPEN:
        raise MergeError(_("This group was already handled."))
    records = list(MERGEABLE[group.kind]._default_manager.filter(pk__in=group.record_ids))
    for i, first in enumerate(records):
        for second in records[i + 1:]:
            mark_not_duplicate(actor=actor, first=first, second=second)
    group.status = DuplicateGroup.Status.DISMISSED
    group.save(update_fields=["status"])
    return group


def auto_merge(*, actor: User, kind: str) -> list[Merge]:
    """Merge every open group the model is almost certain of (probability ≥ its auto-merge
    threshold) into its oldest record, keeping that record's values. Each is an ordinary,
    undoable merge; a group that cannot be merged (changed meanwhile) is left for review."""
    merges = []
    model = MERGEABLE[kind]
    for group in DuplicateGroup.objects.filter(kind=kind, status=DuplicateGroup.Status.OPEN,
                                               decision="merge"):
        oldest = model._default_manager.filter(pk__in=group.record_ids).order_by(
            "created_at", "pk").values_list("pk", flat=True).first()
        try:
            merges.append(merge_group(actor=actor, group=group, survivor_id=oldest))
        except (MergeError, PermissionDenied):
            continue
    return merges
