"""The audit ledger: every change done through services, hash-chained.

Only digests are chained (MISSION §9): the entry keeps who/when/what and the old → new values,
the records themselves stay in their tables. ``verify_chain`` recomputes every digest in order and
names the first entry that does not match.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kizuna.core.models import LedgerEntry, LedgerHead, User

GENESIS = "0" * 64

# Values never written to the ledger in clear text: the ledger is read by auditors, and a
# password hash or token hash there would be a leak with a long life.
REDACTED = "***"
SECRET_FIELDS = frozenset({"password", "key_hash"})
# Bookkeeping and keys derived from other fields: recording them would only repeat the change.
UNRECORDED_FIELDS = frozenset({"created_at", "updated_at", "search_key", "sort_key"})


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot record {type(value).__name__} in the ledger")


def canonical_json(value: Any) -> str:
    """One byte-exact text per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default)


def entry_digest(prev_digest: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_digest + canonical_json(payload)).encode()).hexdigest()


def _payload(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "model": entry.model,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
    }


def field_values(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The recordable values of a model instance (foreign keys by id, many-to-many skipped)."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in UNRECORDED_FIELDS:
            continue
        value = getattr(instance, field.attname)
        if field.name in SECRET_FIELDS and value:
            value = REDACTED
        values[field.name] = json.loads(canonical_json(value))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def record_change(
    actor: User | None,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]],
    *,
    object_repr: str | None = None,
) -> LedgerEntry:
    """Append one entry. Must run inside the caller's transaction (services own it)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_change must be called inside the service's transaction")
    # Lock the head row so that concurrent writers append one after another (PostgreSQL); on
    # SQLite the IMMEDIATE transaction already serialises writers.
    head, _created = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    entry = LedgerEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=(object_repr if object_repr is not None else str(instance))[:200],
        changes=json.loads(canonical_json(changes)),
        prev_digest=head.digest,
    )
    entry.digest = entry_digest(head.digest, _payload(entry))
    entry.save(force_insert=True)
    head.seq, head.digest = entry.seq, entry.digest
    head.save(update_fields=["seq", "digest"])
    return entry


def record_changes(
    actor: User | None,
    action: str,
    items: list[tuple[models.Model, dict[str, list[Any]]]],
) -> int:
    """Append one entry per (instance, changes) under a single head lock: for bulk writes
    (imports, merges) where thousands of record_change calls would each lock and update the
    head. The chain is the same as if each had been recorded alone."""
    if not items:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_changes must be called inside the service's transaction")
    head, _created = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    now = timezone.now()
    actor_name = actor.get_username() if actor else ""
    entries = []
    seq, digest = head.seq, head.digest
    for instance, changes in items:
        seq += 1
        entry = LedgerEntry(
            seq=seq, at=now, actor=actor, actor_name=actor_name, action=action,
            model=instance._meta.label_lower, object_id=str(instance.pk),
            object_repr=str(instance)[:200], changes=json.loads(canonical_json(changes)),
            prev_digest=digest,
        )
        entry.digest = digest = entry_digest(digest, _payload(entry))
        entries.append(entry)
    LedgerEntry.objects.bulk_create(entries, batch_size=1000)
    head.seq, head.digest = seq, digest
    head.save(update_fields=["seq", "digest"])
    return len(entries)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_chain(
    *, batch_size: int = 2000, progress: Callable[[int, int], None] | None = None
) -> VerifyResult:
    """Walk the chain from the start; stop at the first entry whose digest or link is wrong."""
    total = LedgerEntry.objects.count()
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in _iter_entries(batch_size):
        if entry.seq != expected_seq:
            return VerifyResult(checked, ChainBreak(expected_seq, "missing"))
        if entry.prev_digest != prev:
            return VerifyResult(checked, ChainBreak(entry.seq, "link"))
        if entry_digest(prev, _payload(entry)) != entry.digest:
            return VerifyResult(checked, ChainBreak(entry.seq, "digest"))
        prev = entry.digest
        expected_seq += 1
        checked += 1
        if progress and checked % batch_size == 0:
            progress(checked, total)
    head = LedgerHead.objects.filter(pk=1).first()
    if head is not None and head.seq != checked:
        # The newest entries were removed: the head still remembers how far the chain went.
        return VerifyResult(checked, ChainBreak(checked + 1, "missing"))
    if progress:
        progress(checked, total)
    return VerifyResult(checked, None)


def _iter_entries(batch_size: int) -> Iterator[LedgerEntry]:
    last = 0
    while True:
        batch = list(LedgerEntry.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def history(instance: models.Model) -> models.QuerySet[LedgerEntry]:
    """Ledger entries of one record, newest first."""
    return LedgerEntry.objects.filter(
        model=instance._meta.label_lower, object_id=str(instance.pk)
    ).select_related("actor").order_by("-seq")
