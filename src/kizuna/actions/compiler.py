"""Compile a condition tree (kizuna.actions.conditions) into one Django ``Q``.

The database evaluates the whole rule in one query: fields become column comparisons,
aggregates over orders and activities become correlated ``EXISTS`` / scalar subqueries, and
the purchase cycle becomes one window-function pass over the orders (``pk IN (…)``). Nothing is
evaluated row by row in Python.

Two rules keep SQLite and PostgreSQL in agreement with each other and with the reference
evaluator of the tests:

- Every leaf is two-valued: a comparison with a missing value is guarded so that it is FALSE,
  never NULL, and ``NOT`` therefore means "not". (SQL's three-valued logic would otherwise make
  ``not (x < 5)`` drop the rows where x is empty.)
- Days are whole calendar days in the site's time zone (Asia/Tokyo), counted as "day numbers"
  since 1970-01-01 with the zone's UTC offset; day boundaries become timestamps before they reach
  the database, so comparisons use the indexes on ``ordered_at``/``occurred_at`` and are exact.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection, models
from django.db.models import (
    BooleanField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Left, StrIndex
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone

from kizuna.actions.conditions import (
    AggregateTest,
    AllOf,
    AnyOf,
    FieldTest,
    Node,
    Not,
)
from kizuna.actions.entities import (
    DATE,
    DATETIME,
    MASTER,
    NUMBER,
    TEXT,
    EntitySpec,
    entity_spec,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_DATE = dt.date(1970, 1, 1)
DAY = dt.timedelta(days=1)


# --- time ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """"Now" for one evaluation, and calendar days in the site's time zone.

    ``offset`` is the zone's UTC offset at ``now`` in seconds (Asia/Tokyo: +9 h, no daylight
    saving); a day number is ``floor((unix seconds + offset) / 86400)``.
    """

    now: dt.datetime
    offset: int

    @classmethod
    def at(cls, now: dt.datetime | None = None) -> Clock:
        now = now or timezone.now()
        offset = timezone.localtime(now).utcoffset()
        return cls(now, int(offset.total_seconds()) if offset else 0)

    def day_of(self, moment: dt.datetime) -> int:
        return (moment - EPOCH + dt.timedelta(seconds=self.offset)) // DAY

    @property
    def today(self) -> int:
        return self.day_of(self.now)

    @property
    def today_date(self) -> dt.date:
        return date_of(self.today)

    def start_of(self, day: int) -> dt.datetime:
        """The first instant of day number ``day`` (as an aware UTC datetime)."""
        return EPOCH + dt.timedelta(days=day, seconds=-self.offset)


def day_of_date(value: dt.date) -> int:
    return (value - EPOCH_DATE).days


def date_of(day: int) -> dt.date:
    return EPOCH_DATE + dt.timedelta(days=day)


def day_range(test: FieldTest, clock: Clock) -> tuple[int | None, int | None]:
    """The day numbers ``lo <= day < hi`` a date test accepts (None: unbounded).

    With an offset k the test is on (date + k): shifting the bounds by -k instead keeps the
    column bare, so its index can be used.
    """
    today, n, k = clock.today, test.value, test.offset_days
    if test.op == "older_than_days":
        return None, today - n - k
    if test.op == "within_last_days":
        return today - n - k, today - k + 1
    if test.op == "within_next_days":
        return today - k, today + n - k + 1
    day = day_of_date(dt.date.fromisoformat(test.value))
    if test.op == "before":
        return None, day - k
    return day - k + 1, None  # after


# --- JSON custom fields ----------------------------------------------------------------------


class CustomValue(Func):
    """``custom -> key`` when it holds a value of the expected JSON type, else NULL.

    A number field with a text in it (or the reverse) is treated as empty rather than compared
    across types; so are an empty text, and a date that is not written YYYY-MM-DD (dates
    compare as ISO text, whose order is the date order). The key is a slug (CustomFieldDefinition),
    passed as a parameter all the same.
    """

    def __init__(self, key: str, kind: str) -> None:
        self.key, self.kind = key, kind
        output = FloatField() if kind == NUMBER else TextField()
        super().__init__(F("custom"), output_field=output)

    def as_sqlite(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        path = f'$."{self.key}"'
        value = f"json_extract({column}, %s)"
        if self.kind == NUMBER:
            sql = (f"(CASE WHEN json_type({column}, %s) IN ('integer', 'real') "
                   f"THEN {value} END)")
            return sql, [*params, path, *params, path]
        check = ("GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'" if self.kind == DATE
                 else "<> ''")
        sql = (f"(CASE WHEN json_type({column}, %s) = 'text' AND {value} {check} "
               f"THEN {value} END)")
        return sql, [*params, path, *params, path, *params, path]

    def as_postgresql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        if self.kind == NUMBER:
            sql = (f"(CASE WHEN jsonb_typeof({column} -> %s) = 'number' "
                   f"THEN ({column} ->> %s)::double precision END)")
            return sql, [*params, self.key, *params, self.key]
        check = ("~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'" if self.kind == DATE else "<> ''")
        sql = (f"(CASE WHEN jsonb_typeof({column} -> %s) = 'string' AND ({column} ->> %s) "
               f"{check} THEN ({column} ->> %s) END)")
        return sql, [*params, self.key, *params, self.key, *params, self.key]


class InSet(Func):
    """The record is one of the buyers a raw query selects (its column ``buyer``).

    SQLite: ``pk IN (…)``, computed once into a list. PostgreSQL: a correlated ``EXISTS``, which
    its planner turns into a hash semi-join (anti-join under ``not``); a large ``NOT IN`` there
    falls back to scanning the whole list for every record once the list outgrows work_mem.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, sql: str, params: list[Any]) -> None:
        self.sql, self.params = sql, params
        super().__init__(F("pk"))

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        pk, pk_params = compiler.compile(self.source_expressions[0])
        if conn.vendor == "postgresql":  # self.sql: see purchase_cycle (values are parameters)
            return (f"EXISTS (SELECT 1 FROM ({self.sql}) s WHERE s.buyer = {pk})",  # noqa: S608
                    [*self.params, *pk_params])
        return f"{pk} IN ({self.sql})", [*pk_params, *self.params]


# --- compiling -------------------------------------------------------------------------------


def compile_condition(node: Node, entity: str, *, clock: Clock | None = None,
                      vendor: str | None = None) -> Q:
    """The ``Q`` on the entity's model that holds exactly for the records ``node`` selects."""
    return _Compiler(entity_spec(entity), clock or Clock.at(),
                     vendor or connection.vendor).node(node)


def matching(node: Node, entity: str, *, clock: Clock | None = None) -> QuerySet[Any]:
    """The records of ``entity`` the condition selects (merged records never match)."""
    spec = entity_spec(entity)
    return spec.base_queryset().filter(compile_condition(node, entity, clock=clock)) \
        .order_by("pk")


def _compare(lhs: Any, op: str, value: Any) -> Q:
    lookup = {"eq": Exact, "lt": LessThan, "lte": LessThanOrEqual, "gt": GreaterThan,
              "gte": GreaterThanOrEqual, "in": In}[op]
    rhs = list(value) if op == "in" else value
    return Q(lookup(lhs, rhs))


def _count(rows: QuerySet[Any]) -> Subquery:
    """COUNT(*) of ``rows`` as a scalar subquery (0, never NULL, when there are none).

    A plain ``Func`` is not seen as an aggregate by the ORM, so no GROUP BY is added and the
    subquery always returns exactly one row."""
    return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT"))
                    .values("n")[:1], output_field=models.BigIntegerField())


ZERO_OR_MORE = {("eq", 0), ("lte", 0), ("lt", 1), ("gt", 0), ("gte", 1), ("ne", 0)}


def _cost(node: Node) -> int:
    """A rough rank of what a test costs per record: 0 a column, 1 a set computed once
    (``pk IN …``), 2 an EXISTS probe, 3 a counting or summing subquery."""
    if isinstance(node, AllOf | AnyOf):
        return max(_cost(c) for c in node.children)
    if isinstance(node, Not):
        return _cost(node.child)
    if isinstance(node, FieldTest):
        return 0
    name = node.aggregate.name
    if name == "purchase_cycle_ratio" or (
            name == "product_order_count" and (node.category or node.product
                                               or node.recurring is not None)
            and (node.op, node.value) in ZERO_OR_MORE):
        return 1
    if node.aggregate.kind == "days" or (node.op, node.value) in ZERO_OR_MORE:
        return 2
    return 3


class _Compiler:
    def __init__(self, spec: EntitySpec, clock: Clock, vendor: str) -> None:
        self.spec, self.clock, self.vendor = spec, clock, vendor
        self._products: dict[AggregateTest, list[int]] = {}

    def node(self, node: Node) -> Q:
        if isinstance(node, AllOf | AnyOf):
            # Cheap tests first: SQLite evaluates the terms of a WHERE in the order given, so a
            # column test or a set computed once can spare a subquery per row.
            children = sorted(node.children, key=_cost)
            result = self.node(children[0])
            for child in children[1:]:
                result = result & self.node(child) if isinstance(node, AllOf) \
                    else result | self.node(child)
            return result
        if isinstance(node, Not):
            return ~self.node(node.child)
        if isinstance(node, FieldTest):
            return self.field(node)
        return self.aggregate(node)

    # --- fields ---------------------------------------------------------------------------

    def field(self, test: FieldTest) -> Q:
        negated = {"ne": "eq", "not_in": "in", "is_not_empty": "is_empty"}
        if test.op in negated:
            return ~self.field(replace(test, op=negated[test.op]))
        if test.field.custom_key:
            return self.custom(test)
        if test.field.scorecard_id:
            return self.score(test)
        field, op, value = test.field, test.op, test.value
        path = field.path
        present = Q(**{f"{path}__isnull": False}) if field.nullable else Q()
        if op == "is_empty":
            if field.type == TEXT:
                return Q(**{path: ""})
            return Q(**{f"{path}__isnull": True})
        if field.type == MASTER:
            assert field.master is not None
            codes = [value] if op == "eq" else list(value)
            ids = list(field.master._default_manager.filter(code__in=codes)
                       .values_list("pk", flat=True))
            return present & Q(**{f"{path}__in": ids})
        if op == "contains":
            return Q(GreaterThan(StrIndex(F(path), Value(value)), 0))
        if op == "starts_with":
            return Q(Exact(Left(F(path), len(value)), Value(value)))
        if op == "month_in_next":
            return present & Q(**{f"{path}__in": self.months(value)})
        if field.type in (DATE, DATETIME):
            return present & self.dates(test, path, field.type)
        lookup = {"eq": "exact", "in": "in", "lt": "lt", "lte": "lte", "gt": "gt",
                  "gte": "gte"}[op]
        return present & Q(**{f"{path}__{lookup}": list(value) if op == "in" else value})

    def months(self, ahead: int) -> list[int]:
        """The month numbers (1–12) of the next ``ahead`` months after this one."""
        month = self.clock.today_date.month
        return [(month + k - 1) % 12 + 1 for k in range(1, ahead + 1)]

    def dates(self, test: FieldTest, path: str, kind: str) -> Q:
        lo, hi = day_range(test, self.clock)
        bound: dict[str, Any] = {}
        convert = self.clock.start_of if kind == DATETIME else date_of
        if lo is not None:
            bound[f"{path}__gte"] = convert(lo)
        if hi is not None:
            bound[f"{path}__lt"] = convert(hi)
        return Q(**bound)

    def custom(self, test: FieldTest) -> Q:
        field, op, value = test.field, test.op, test.value
        expr = CustomValue(field.custom_key, field.type if field.type in (NUMBER, DATE) else TEXT)
        if op == "is_empty":
            return Q(IsNull(expr, True))
        present = Q(IsNull(expr, False))
        if op == "contains":
            return present & Q(GreaterThan(StrIndex(expr, Value(value)), 0))
        if op == "starts_with":
            return present & Q(Exact(Left(expr, len(value)), Value(value)))
        if op == "month_in_next":
            return present & _compare(expr, "in", self.months(value))
        if field.type == DATE:  # ISO text: the string order is the date order
            lo, hi = day_range(test, self.clock)
            result = present
            if lo is not None:
                result &= Q(GreaterThanOrEqual(expr, Value(date_of(lo).isoformat())))
            if hi is not None:
                result &= Q(LessThan(expr, Value(date_of(hi).isoformat())))
            return result
        return present & _compare(expr, op, value)

    def score(self, test: FieldTest) -> Q:
        """score.<key> / score_band.<key>: the record's most recently rated score row of the
        scorecard (docs/decisions/0202); empty while the record is not rated."""
        from kizuna.actions.models import Score

        field, op, value = test.field, test.op, test.value
        rows = Score.objects.filter(scorecard_id=field.scorecard_id, total__isnull=False,
                                    **{self.spec.key: OuterRef("pk")})
        output = models.IntegerField() if field.score_part == "total" else models.CharField()
        expr = Subquery(rows.order_by("-rated_at", "-pk").values(field.score_part)[:1],
                        output_field=output)
        if op == "is_empty":
            return Q(IsNull(expr, True))
        present = Q(IsNull(expr, False))
        if op == "month_in_next":
            return present & _compare(expr, "in", self.months(value))
        return present & _compare(expr, op, value)

    # --- aggregates -----------------------------------------------------------------------

    def aggregate(self, test: AggregateTest) -> Q:
        from kizuna.commerce.models import Order, OrderKind, OrderLine
        from kizuna.pipeline.models import Activity

        name = test.aggregate.name
        if name == "purchase_cycle_ratio":
            return self.purchase_cycle(test)
        if name == "whitespace_open_cells":
            from kizuna.actions.whitespace import OpenCells, categories

            return self.number(OpenCells(categories()), test.op, test.value)
        since = (self.clock.start_of(self.clock.today - test.days)
                 if test.days is not None else None)
        if name in ("activity_count", "days_since_last_activity"):
            rows = Activity.objects.filter(**{self.spec.activity_fk: OuterRef("pk")})
            if test.kind:
                rows = rows.filter(kind=test.kind)
            column = "occurred_at"
        else:
            assert self.spec.order_fk is not None
            rows = Order.objects.filter(**{self.spec.order_fk: OuterRef("pk")})
            if name != "revenue":  # revenue is net: returns are orders with negative totals
                rows = rows.filter(kind=OrderKind.SALE)
            column = "ordered_at"
        if name == "product_order_count":
            lines = OrderLine.objects.filter(order=OuterRef("pk"))
            if self.products(test) is not None:
                lines = lines.filter(product__in=self.products(test))
            rows = rows.filter(Exists(lines))
        if test.aggregate.kind == "days":
            return self.days_since(rows, column, test.op, test.value)
        if since is not None:
            rows = rows.filter(**{f"{column}__gte": since})
        if name == "product_order_count" and (test.category or test.product
                                              or test.recurring is not None):
            buyers = self.product_buyers(test, since)
            if (test.op, test.value) in ZERO_OR_MORE:
                return buyers if (test.op, test.value) in {("gt", 0), ("gte", 1), ("ne", 0)} \
                    else ~buyers
        if name == "revenue":
            total = Coalesce(Subquery(rows.order_by().annotate(
                s=Func(F("total"), function="SUM")).values("s")[:1],
                output_field=models.BigIntegerField()), Value(0))
            return self.number(total, test.op, test.value)
        return self.counted(rows, test.op, test.value)

    def number(self, expr: Any, op: str, value: Any) -> Q:
        if op == "ne":
            return ~_compare(expr, "eq", value)
        return _compare(expr, op, value)

    def products(self, test: AggregateTest) -> list[int] | None:
        """The ids of the products a test names (None: any product). Looked up while compiling
        (a master table of a few hundred rows), so that the query starts from the order lines
        of those products through their index rather than from every line."""
        from kizuna.commerce.models import Product

        if not (test.category or test.product or test.recurring is not None):
            return None
        if test not in self._products:
            found = Product.objects.all()
            if test.category:
                found = found.filter(category=test.category)
            if test.product:
                found = found.filter(code=test.product)
            if test.recurring is not None:
                found = found.filter(recurring=test.recurring)
            self._products[test] = list(found.values_list("pk", flat=True))
        return self._products[test]

    def product_buyers(self, test: AggregateTest, since: dt.datetime | None) -> Q:
        """"Bought such a product (in the window)": the lines of the wanted products are found
        once through their index, instead of probing every record's orders and lines."""
        from kizuna.commerce.models import OrderKind, OrderLine

        fk = self.spec.order_fk
        lines = OrderLine.objects.filter(order__kind=OrderKind.SALE,
                                         product__in=self.products(test))
        if since is not None:
            lines = lines.filter(order__ordered_at__gte=since)
        if self.vendor == "postgresql":  # a hash semi-join (see InSet)
            return Q(Exists(lines.filter(**{f"order__{fk}": OuterRef("pk")})))
        return Q(pk__in=lines.filter(**{f"order__{fk}__isnull": False})
                 .values(f"order__{fk}"))

    def counted(self, rows: QuerySet[Any], op: str, value: int) -> Q:
        # "none" and "at least one" are the common cases: EXISTS stops at the first row.
        if (op, value) in {("eq", 0), ("lte", 0), ("lt", 1)}:
            return ~Q(Exists(rows))
        if (op, value) in {("gt", 0), ("gte", 1), ("ne", 0)}:
            return Q(Exists(rows))
        return self.number(_count(rows), op, value)

    def days_since(self, rows: QuerySet[Any], column: str, op: str, value: int | None) -> Q:
        """today − day(latest row) ``op`` value, as EXISTS tests on day boundaries: the latest
        row is before a boundary exactly when a row exists and none is at or after it."""
        if op == "is_empty":
            return ~Q(Exists(rows))
        if op == "is_not_empty":
            return Q(Exists(rows))
        if op == "ne":
            return ~self.days_since(rows, column, "eq", value)
        assert value is not None
        today = self.clock.today

        def from_day(day: int) -> QuerySet[Any]:
            return rows.filter(**{f"{column}__gte": self.clock.start_of(day)})

        def latest_before(day: int) -> Q:
            return Q(Exists(rows)) & ~Q(Exists(from_day(day)))

        if op == "gt":  # day(latest) < today − value
            return latest_before(today - value)
        if op == "gte":
            return latest_before(today - value + 1)
        if op == "lt":  # day(latest) > today − value
            return Q(Exists(from_day(today - value + 1)))
        if op == "lte":
            return Q(Exists(from_day(today - value)))
        return Q(Exists(from_day(today - value))) & ~Q(Exists(from_day(today - value + 1)))

    def purchase_cycle(self, test: AggregateTest) -> Q:
        """(today − last purchase day) ``op`` k × (median days between purchase days).

        Purchase days are the distinct calendar days with a sale, so an order split in two on
        one day is one purchase. Buyers with fewer than ``min_orders`` purchase days have no
        cycle yet and never match. Window functions over the orders compute every buyer's gaps
        (orders in the order of the (buyer, ordered_at) index, so no sort; a zero gap is a
        second order on the same day and is dropped), their median (the middle gap, or the
        mean of the two middle ones) and the last day; integers throughout (20·days vs
        10k·2·median), so that SQLite, PostgreSQL and Python agree to the day.
        """
        from kizuna.commerce.models import Order

        assert self.spec.order_fk is not None
        table = connection.ops.quote_name(Order._meta.db_table)
        buyer = connection.ops.quote_name(Order._meta.get_field(self.spec.order_fk).column)
        when = connection.ops.quote_name(Order._meta.get_field("ordered_at").column)
        kind = connection.ops.quote_name(Order._meta.get_field("kind").column)
        # The day number in integer arithmetic: PostgreSQL's EXTRACT(EPOCH) is a numeric and
        # made the first pass three times slower; SQLite's unixepoch() parses faster than
        # strftime('%s') (3.38+).
        if self.vendor == "postgresql":
            day = (f"(((o.{when} AT TIME ZONE 'UTC') + %s * INTERVAL '1 second')::date"
                   " - DATE '1970-01-01')")
        elif connection.Database.sqlite_version_info >= (3, 38):
            day = f"((unixepoch(o.{when}) + %s) / 86400)"
        else:
            day = f"((CAST(strftime('%%s', o.{when}) AS INTEGER) + %s) / 86400)"
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[test.op]
        k10 = int(decimal.Decimal(str(test.value)) * 10)
        # Only quoted names from the model's metadata and a whitelisted operator are formatted
        # in; every value is a parameter.
        sql = f"""
            SELECT r.buyer FROM (
              SELECT g.buyer, g.gap, ROW_NUMBER() OVER w AS rn, COUNT(*) OVER w AS n,
                     MAX(g.day) OVER w AS last_day
              FROM (
                SELECT d.buyer, d.day,
                       d.day - LAG(d.day) OVER (PARTITION BY d.buyer ORDER BY d.at) AS gap
                FROM (SELECT o.{buyer} AS buyer, o.{when} AS at, {day} AS day
                      FROM {table} o WHERE o.{kind} = %s AND o.{buyer} IS NOT NULL) d
              ) g
              WHERE g.gap > 0
              WINDOW w AS (PARTITION BY g.buyer ORDER BY g.gap
                           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
            ) r
            WHERE r.n >= %s AND r.rn IN ((r.n + 1) / 2, (r.n + 2) / 2)
            GROUP BY r.buyer
            HAVING 20 * (%s - MAX(r.last_day)) {symbol} %s * (SUM(r.gap) * 2 / COUNT(*))
        """  # noqa: S608
        params = [self.clock.offset, "sale", test.min_orders - 1, self.clock.today, k10]
        return Q(InSet(sql, params))
