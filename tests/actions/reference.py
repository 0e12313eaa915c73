"""A straightforward Python evaluator of conditions: the meaning of the language, row by row.

Test-only (and the baseline of benchmarks/rules.py). It shares no code with the compiler: days
are Asia/Tokyo calendar dates from zoneinfo, medians come from ``statistics``, and every
operator is written out from its definition in kizuna.actions.conditions. The property tests
check that the compiled query selects exactly the records this selects.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kizuna.actions.conditions import AggregateTest, AllOf, AnyOf, FieldTest, Node, Not
from kizuna.actions.entities import DATE, DATETIME, MASTER, NUMBER, TEXT, entity_spec

TOKYO = ZoneInfo("Asia/Tokyo")


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TOKYO).date()


class Record:
    """One record with what a condition may look at."""

    def __init__(self, pk: int, values: dict[str, Any], custom: dict[str, Any]) -> None:
        self.pk, self.values, self.custom = pk, values, custom
        # orders: (ordered_at, kind, total, [(category, code, recurring)])
        self.orders: list[tuple[dt.datetime, str, int, list[tuple[str, str, bool]]]] = []
        self.activities: list[tuple[dt.datetime, str]] = []  # (occurred_at, kind)
        self.whitespace: _Whitespace | None = None  # accounts: open cells, read lazily


def load(entity: str, *, limit: int | None = None, orders: bool = True, lines: bool = True,
         activities: bool = True) -> list[Record]:
    """Every (unmerged) record of ``entity`` with its orders and activities, in bulk; or the
    first ``limit`` records (benchmarks). The benchmark leaves out the related rows a rule does
    not look at (``orders``, ``lines``, ``activities``)."""
    from kizuna.commerce.models import Order, OrderLine
    from kizuna.pipeline.models import Activity

    spec = entity_spec(entity)
    paths = {}
    for field in spec.fields.values():
        paths[field.name] = (f"{field.path.removesuffix('_id')}__code" if field.type == MASTER
                             else field.path)
    rows = spec.base_queryset().order_by("pk").values("pk", "custom", *paths.values())
    if limit is not None:
        rows = rows[:limit]
    records = {r["pk"]: Record(r["pk"], {name: r[path] for name, path in paths.items()},
                               r["custom"] or {}) for r in rows}
    if not records:
        return []
    if entity == "account":
        _scores(records)
        whitespace = _Whitespace(records)
        for record in records.values():
            record.whitespace = whitespace
    upto = max(records)
    if spec.order_fk and orders:
        by_order: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
        bought = Order.objects.filter(**{f"{spec.order_fk}_id__lte": upto})
        if lines:
            for order_id, category, code, recurring in OrderLine.objects.filter(
                    order__in=bought).values_list("order_id", "product__category",
                                                  "product__code", "product__recurring"):
                by_order[order_id].append((category, code, recurring))
        for pk, buyer, at, kind, total in bought.values_list(
                "pk", f"{spec.order_fk}_id", "ordered_at", "kind", "total").iterator(10000):
            if buyer in records:
                records[buyer].orders.append((at, kind, total, by_order[pk]))
    if not activities:
        return list(records.values())
    for buyer, at, kind in Activity.objects.filter(
            **{f"{spec.activity_fk}_id__lte": upto}).values_list(
            f"{spec.activity_fk}_id", "occurred_at", "kind").iterator(10000):
        if buyer in records:
            records[buyer].activities.append((at, kind))
    return list(records.values())


def _scores(records: dict[int, Record]) -> None:
    """score.<key> / score_band.<key>: the most recently rated score row pointing to the
    account (a survivor of a merge may hold its duplicate's too); None while not rated."""
    from kizuna.actions.models import Score, Scorecard

    for pk, key in Scorecard.objects.filter(entity="account").values_list("pk", "key"):
        latest: dict[int, tuple[Any, int, int, str]] = {}
        for row in Score.objects.filter(scorecard_id=pk, total__isnull=False).values_list(
                "account_id", "rated_at", "pk", "total", "band"):
            account, at, row_pk, total, band = row
            if account not in latest or (at, row_pk) > latest[account][:2]:
                latest[account] = (at, row_pk, total, band)
        for record in records.values():
            found = latest.get(record.pk)
            record.values[f"score.{key}"] = found[2] if found else None
            record.values[f"score_band.{key}"] = found[3] if found else None


class _Whitespace:
    """Cells = (departments, or the account as a whole when it has none) × categories of the
    active products; open = neither won by a sale line of that department and category nor
    set (latest setting per cell) to anything but "not approached". Read on first use only,
    so that rules without the aggregate do not pay for it (benchmarks/rules.py)."""

    def __init__(self, records: dict[int, Record]) -> None:
        self.records = records
        self.open: dict[int, int] | None = None

    def open_cells(self, pk: int) -> int:
        if self.open is None:
            self.open = self._count()
        return self.open[pk]

    def _count(self) -> dict[int, int]:
        from kizuna.actions.models import WhitespaceCell
        from kizuna.commerce.models import OrderLine, Product
        from kizuna.customers.models import Department

        columns = {c for c in Product.objects.filter(active=True)
                   .values_list("category", flat=True) if c}
        rows: dict[int, set[int]] = defaultdict(set)
        for account, pk in Department.objects.values_list("account_id", "pk"):
            rows[account].add(pk)
        done: dict[int, set[tuple[int, str]]] = defaultdict(set)
        latest: dict[tuple[int, int, str], tuple[Any, int, str]] = {}
        for account, department, category, status, at, pk in \
                WhitespaceCell.objects.values_list("account_id", "department_id", "category",
                                                   "status", "set_at", "pk"):
            key = (account, department or 0, category)
            if key not in latest or (at, pk) > latest[key][:2]:
                latest[key] = (at, pk, status)
        for (account, row, category), (_at, _pk, status) in latest.items():
            if status != "not_approached":
                done[account].add((row, category))
        for account, department, category in OrderLine.objects.filter(
                order__kind="sale", order__account__isnull=False).values_list(
                "order__account_id", "order__department_id", "product__category").distinct():
            done[account].add((department or 0, category))
        counts = {}
        for pk in self.records:
            current = rows.get(pk) or {0}
            counts[pk] = len(current) * len(columns) - sum(
                1 for row, category in done[pk] if row in current and category in columns)
        return counts


def select(records: list[Record], node: Node, now: dt.datetime) -> set[int]:
    return {r.pk for r in records if evaluate(node, r, now)}


def evaluate(node: Node, record: Record, now: dt.datetime) -> bool:
    if isinstance(node, AllOf):
        return all(evaluate(c, record, now) for c in node.children)
    if isinstance(node, AnyOf):
        return any(evaluate(c, record, now) for c in node.children)
    if isinstance(node, Not):
        return not evaluate(node.child, record, now)
    if isinstance(node, FieldTest):
        return _field(node, record, now)
    return _aggregate(node, record, now)


def _custom_value(test: FieldTest, custom: dict[str, Any]) -> Any:
    value = custom.get(test.field.custom_key)
    if test.field.type == NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif test.field.type == DATE:
        ok = isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
    else:
        ok = isinstance(value, str) and value != ""
    return value if ok else None


def _compare(value: Any, op: str, target: Any) -> bool:
    if value is None:
        return False
    return {"eq": value == target, "lt": value < target, "lte": value <= target,
            "gt": value > target, "gte": value >= target}[op]


def _field(test: FieldTest, record: Record, now: dt.datetime) -> bool:
    op, target = test.op, test.value
    if op in ("ne", "not_in", "is_not_empty"):
        base = {"ne": "eq", "not_in": "in", "is_not_empty": "is_empty"}[op]
        return not _field(FieldTest(test.field, base, target, test.offset_days), record, now)
    if test.field.custom_key:
        value = _custom_value(test, record.custom)
    else:
        value = record.values[test.field.name]
    if op == "is_empty":
        return value is None or (test.field.type == TEXT and value == "")
    if value is None:
        return False
    if op == "in":
        return value in target
    if op == "contains":
        return target in value
    if op == "starts_with":
        return value.startswith(target)
    if op == "month_in_next":
        month = local_date(now).month
        return any(value == (month + k - 1) % 12 + 1 for k in range(1, target + 1))
    if test.field.type in (DATE, DATETIME):
        if isinstance(value, str):
            day = dt.date.fromisoformat(value)
        elif isinstance(value, dt.datetime):
            day = local_date(value)
        else:
            day = value
        shifted = day + dt.timedelta(days=test.offset_days)
        today = local_date(now)
        age = (today - shifted).days
        if op == "older_than_days":
            return age > target
        if op == "within_last_days":
            return 0 <= age <= target
        if op == "within_next_days":
            return 0 <= -age <= target
        other = dt.date.fromisoformat(target)
        return shifted < other if op == "before" else shifted > other
    return _compare(value, op, target)


def _aggregate(test: AggregateTest, record: Record, now: dt.datetime) -> bool:
    today = local_date(now)
    name, op, target = test.aggregate.name, test.op, test.value
    if op == "ne":
        return not _aggregate(_with_op(test, "eq"), record, now)

    def recent(moment: dt.datetime) -> bool:
        return test.days is None or (today - local_date(moment)).days <= test.days

    if name == "whitespace_open_cells":
        assert record.whitespace is not None
        return _compare(record.whitespace.open_cells(record.pk), op, target)
    if name == "purchase_cycle_ratio":
        days = sorted({local_date(at) for at, kind, _t, _l in record.orders if kind == "sale"})
        if len(days) < test.min_orders:
            return False
        gaps = [(b - a).days for a, b in itertools.pairwise(days)]
        twice_median = int(2 * statistics.median(gaps))
        since = (today - days[-1]).days
        k10 = int(Decimal(str(target)) * 10)
        return _compare(20 * since, op, k10 * twice_median)
    if name in ("activity_count", "days_since_last_activity"):
        moments = [at for at, kind in record.activities if not test.kind or kind == test.kind]
        if name == "activity_count":
            return _compare(sum(1 for at in moments if recent(at)), op, target)
        return _days_since(moments, today, op, target)
    sales = [(at, total, lines) for at, kind, total, lines in record.orders if kind == "sale"]
    if name == "order_count":
        return _compare(sum(1 for at, _t, _l in sales if recent(at)), op, target)
    if name == "revenue":
        return _compare(sum(t for at, _k, t, _l in record.orders if recent(at)), op, target)
    if name == "days_since_last_order":
        return _days_since([at for at, _t, _l in sales], today, op, target)

    def matches(line: tuple[str, str, bool]) -> bool:
        category, code, recurring = line
        return ((not test.category or category == test.category)
                and (not test.product or code == test.product)
                and (test.recurring is None or recurring == test.recurring))

    count = sum(1 for at, _t, lines in sales if recent(at) and any(map(matches, lines)))
    return _compare(count, op, target)


def _days_since(moments: list[dt.datetime], today: dt.date, op: str, target: Any) -> bool:
    if op == "is_empty":
        return not moments
    if op == "is_not_empty":
        return bool(moments)
    if not moments:
        return False
    return _compare((today - max(local_date(m) for m in moments)).days, op, target)


def _with_op(test: AggregateTest, op: str) -> AggregateTest:
    from dataclasses import replace

    return replace(test, op=op)
