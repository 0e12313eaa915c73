"""The condition language of judgment criteria: structured JSON, validated into a small tree.

A condition is data, never code (no ``eval``)::

    {"all": [
        {"field": "prefecture", "op": "eq", "value": "東京都"},
        {"aggregate": "order_count", "days": 90, "op": "eq", "value": 0},
        {"field": "updated_at", "op": "older_than_days", "value": 180},
        {"any": [...]}, {"not": {...}}
    ]}

``parse_condition`` checks every part against the entity's whitelist (kizuna.actions.entities)
and reports *all* problems at once, each with its place in the JSON (``all[1].value``) and a
message in the user's language. The tree it returns is what ``kizuna.actions.compiler`` turns
into one database query. The meaning of every operator is written down next to it here; the
compiler and the test-only reference evaluator (tests/actions/reference.py) both follow it.

Semantics, once: a predicate on a missing value (an empty number, a custom field the record does
not have, an aggregate with no rows) is false, except ``is_empty``; ``ne`` and ``not_in`` are
exactly "not eq" and "not in"; ``not`` is plain boolean negation.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kizuna.actions.entities import (
    AGGREGATES,
    BOOLEAN,
    CHOICE,
    DATE,
    DATETIME,
    INTEGER,
    MASTER,
    NUMBER,
    TEXT,
    AggregateSpec,
    EntitySpec,
    FieldSpec,
    custom_fields,
    entity_spec,
)

MAX_DEPTH = 8
MAX_NODES = 100
MAX_LIST = 100
MAX_DAYS = 36500  # a hundred years
MAX_NUMBER = 10**15  # beyond this, float and database numbers stop agreeing

# Operators per field type. Dates: *_days count whole calendar days in the site's time zone
# ("older_than_days": 180 = last changed more than 180 days before today).
TEXT_OPS = ("eq", "ne", "in", "not_in", "contains", "starts_with", "is_empty", "is_not_empty")
CHOICE_OPS = ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty")
NUMBER_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "is_empty",
              "is_not_empty", "month_in_next")
BOOLEAN_OPS = ("eq", "ne")
DATE_OPS = ("older_than_days", "within_last_days", "within_next_days", "before", "after",
            "is_empty", "is_not_empty")
OPS_BY_TYPE = {TEXT: TEXT_OPS, CHOICE: CHOICE_OPS, MASTER: CHOICE_OPS, NUMBER: NUMBER_OPS,
               INTEGER: NUMBER_OPS, BOOLEAN: BOOLEAN_OPS, DATE: DATE_OPS, DATETIME: DATE_OPS}
COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte")
OPS_BY_AGGREGATE_KIND = {"count": COMPARISONS, "yen": COMPARISONS,
                         "days": (*COMPARISONS, "is_empty", "is_not_empty"),
                         "ratio": ("lt", "lte", "gt", "gte")}
NO_VALUE_OPS = ("is_empty", "is_not_empty")
LIST_OPS = ("in", "not_in")
DAY_COUNT_OPS = ("older_than_days", "within_last_days", "within_next_days")
ABSOLUTE_DATE_OPS = ("before", "after")


# --- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class FieldTest:
    field: FieldSpec
    op: str
    value: Any = None
    offset_days: int = 0  # dates: compare (field + offset_days), e.g. install date + 5 years


@dataclass(frozen=True)
class AggregateTest:
    aggregate: AggregateSpec
    op: str
    value: Any = None
    days: int | None = None  # only rows of the last N days (0 = today only)
    kind: str = ""  # activities of this kind
    category: str = ""  # products of this category
    product: str = ""  # the product with this code
    recurring: bool | None = None  # recurring (subscription) products or not
    min_orders: int = 3  # purchase cycle: fewer purchase days than this → no cycle yet


Node = AllOf | AnyOf | Not | FieldTest | AggregateTest


class ConditionError(ValidationError):
    """Every problem found, each as "<place>: <message>"."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__([f"{path}: {message}" if path else message
                          for path, message in problems])


# --- parsing ---------------------------------------------------------------------------------


def parse_condition(raw: Any, entity: str, *,
                    custom: dict[str, FieldSpec] | None = None) -> Node:
    """Validate ``raw`` (already JSON-decoded) for ``entity`` and return its tree."""
    spec = entity_spec(entity)
    if custom is None:
        custom = custom_fields(spec)
    parser = _Parser(spec, custom)
    node = parser.node(raw, "", 1)
    if parser.problems:
        raise ConditionError(parser.problems)
    assert node is not None
    return node


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and abs(value) <= MAX_NUMBER)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_NUMBER


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _one_decimal(value: float) -> bool:
    exponent = decimal.Decimal(str(value)).normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -1


class _Parser:
    def __init__(self, spec: EntitySpec, custom: dict[str, FieldSpec]) -> None:
        self.spec = spec
        self.custom = custom
        self.problems: list[tuple[str, str]] = []
        self.count = 0

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def node(self, raw: Any, path: str, depth: int) -> Node | None:
        self.count += 1
        if self.count == MAX_NODES + 1:
            self.fail(path, _("A condition may have at most %(n)d parts.") % {"n": MAX_NODES})
        if self.count > MAX_NODES:
            return None
        if not isinstance(raw, dict):
            self.fail(path, _("Expected an object such as {\"field\": …, \"op\": …, "
                              "\"value\": …} or {\"all\": […]}."))
            return None
        groups = [k for k in ("all", "any", "not") if k in raw]
        if groups:
            return self._group(raw, groups, path, depth)
        if "field" in raw:
            return self._field(raw, path)
        if "aggregate" in raw:
            return self._aggregate(raw, path)
        self.fail(path, _("Each part needs one of “all”, “any”, “not”, “field” or "
                          "“aggregate”."))
        return None

    def _at(self, path: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{path}[{key}]"
        return f"{path}.{key}" if path else key

    def _unknown_keys(self, raw: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(raw) - allowed):
            self.fail(self._at(path, key), _("Unknown key “%(key)s”.") % {"key": key})

    # groups

    def _group(self, raw: dict[str, Any], groups: list[str], path: str, depth: int) -> Node | None:
        if len(groups) > 1 or len(raw) > 1:
            self.fail(path, _("A group has exactly one key: “all”, “any” or “not”."))
            return None
        key = groups[0]
        where = self._at(path, key)
        if depth >= MAX_DEPTH:
            self.fail(where, _("Groups may be nested at most %(n)d deep.") % {"n": MAX_DEPTH})
            return None
        if key == "not":
            child = self.node(raw["not"], where, depth + 1)
            return Not(child) if child is not None else None
        items = raw[key]
        if not isinstance(items, list) or not items:
            self.fail(where, _("Expected a non-empty list of conditions."))
            return None
        children = [self.node(item, self._at(where, i), depth + 1)
                    for i, item in enumerate(items)]
        if any(c is None for c in children):
            return None
        kept = tuple(c for c in children if c is not None)
        return AllOf(kept) if key == "all" else AnyOf(kept)

    # fields

    def _field(self, raw: dict[str, Any], path: str) -> Node | None:
        self._unknown_keys(raw, {"field", "op", "value", "offset_days"}, path)
        name = raw["field"]
        field = None
        if isinstance(name, str):
            # custom.<key>, score.<key>, score_band.<key>: defined in the database
            field = self.spec.fields.get(name) or self.custom.get(name)
        if field is None:
            if isinstance(name, str) and name.startswith("custom."):
                message = _("There is no custom field “%(key)s” for %(entity)s.") % {
                    "key": name.removeprefix("custom."), "entity": self.spec.label}
            else:
                message = _("Unknown field “%(field)s” for %(entity)s. Fields: %(fields)s.") % {
                    "field": name, "entity": self.spec.label,
                    "fields": ", ".join([*self.spec.fields, *self.custom])}
            self.fail(self._at(path, "field"), message)
            return None
        op = raw.get("op")
        allowed = OPS_BY_TYPE[field.type]
        if op not in allowed:
            self.fail(self._at(path, "op"), _("“%(op)s” is not an operator for %(field)s. "
                                              "Use one of: %(ops)s.") % {
                "op": op, "field": name, "ops": ", ".join(allowed)})
            return None
        offset = raw.get("offset_days", 0)
        if "offset_days" in raw and (op not in DAY_COUNT_OPS + ABSOLUTE_DATE_OPS
                                     or not _is_int(offset) or abs(offset) > MAX_DAYS):
            self.fail(self._at(path, "offset_days"), _(
                "“offset_days” is a whole number of days (at most %(n)d either way), for date "
                "comparisons only.") % {"n": MAX_DAYS})
            return None
        value = self._field_value(field, op, raw, self._at(path, "value"))
        if value is _INVALID:
            return None
        return FieldTest(field, op, value, offset)

    def _field_value(self, field: FieldSpec, op: str, raw: dict[str, Any], path: str) -> Any:
        value = raw.get("value")
        if op in NO_VALUE_OPS:
            if value is not None:
                self.fail(path, _("“%(op)s” takes no value.") % {"op": op})
                return _INVALID
            return None
        if "value" not in raw or value is None:
            self.fail(path, _("A value is required."))
            return _INVALID
        if op in DAY_COUNT_OPS:
            return self._check(path, value, _is_int(value) and 0 <= value <= MAX_DAYS,
                               _("Expected a number of days from 0 to %(n)d.") % {"n": MAX_DAYS})
        if op in ABSOLUTE_DATE_OPS:
            return self._check(path, value, _is_iso_date(value),
                               _("Expected a date such as 2026-04-01."))
        if op == "month_in_next":
            return self._check(path, value, _is_int(value) and 1 <= value <= 11,
                               _("Expected a number of months from 1 to 11."))
        if op in LIST_OPS:
            if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                self.fail(path, _("Expected a list of 1 to %(n)d values.") % {"n": MAX_LIST})
                return _INVALID
            items = [self._scalar(field, op, v, f"{path}[{i}]") for i, v in enumerate(value)]
            return _INVALID if _INVALID in items else tuple(items)
        return self._scalar(field, op, value, path)

    def _check(self, path: str, value: Any, ok: bool, message: str) -> Any:
        if not ok:
            self.fail(path, message)
            return _INVALID
        return value

    def _scalar(self, field: FieldSpec, op: str, value: Any, path: str) -> Any:
        if field.type == TEXT:
            return self._check(path, value, isinstance(value, str) and 0 < len(value) <= 200,
                               _("Expected a text of 1 to 200 characters."))
        if field.type == CHOICE:
            ok = isinstance(value, str) and value in field.choices
            return self._check(path, value, ok, _("“%(value)s” is not one of: %(choices)s.") % {
                "value": value, "choices": ", ".join(field.choices)})
        if field.type == MASTER:
            assert field.master is not None
            ok = isinstance(value, str) and field.master._default_manager.filter(
                code=value).exists()
            return self._check(path, value, ok, _("There is no %(master)s with the code "
                                                  "“%(value)s”.") % {
                "master": field.master._meta.verbose_name, "value": value})
        if field.type == INTEGER:
            return self._check(path, value, _is_int(value), _("Expected a whole number."))
        if field.type == NUMBER:
            return self._check(path, value, _is_number(value), _("Expected a number."))
        if field.type == BOOLEAN:
            return self._check(path, value, isinstance(value, bool),
                               _("Expected true or false."))
        self.fail(path, _("This field cannot be compared with a value this way."))
        return _INVALID

    # aggregates

    def _aggregate(self, raw: dict[str, Any], path: str) -> Node | None:
        name = raw["aggregate"]
        spec = AGGREGATES.get(name) if isinstance(name, str) else None
        if spec is None or spec.name not in self.spec.aggregates:
            self.fail(self._at(path, "aggregate"), _(
                "Unknown aggregate “%(name)s” for %(entity)s. Aggregates: %(names)s.") % {
                "name": name, "entity": self.spec.label,
                "names": ", ".join(sorted(self.spec.aggregates))})
            return None
        self._unknown_keys(raw, {"aggregate", "op", "value", *spec.params}, path)
        params = self._params(spec, raw, path)
        op = raw.get("op")
        allowed = OPS_BY_AGGREGATE_KIND[spec.kind]
        if op not in allowed:
            self.fail(self._at(path, "op"), _("“%(op)s” is not an operator for %(field)s. "
                                              "Use one of: %(ops)s.") % {
                "op": op, "field": name, "ops": ", ".join(allowed)})
            return None
        value = raw.get("value")
        where = self._at(path, "value")
        if op in NO_VALUE_OPS:
            if value is not None:
                self.fail(where, _("“%(op)s” takes no value.") % {"op": op})
                return None
        elif spec.kind in ("count", "days"):
            if not (_is_int(value) and value >= 0):
                self.fail(where, _("Expected a whole number, 0 or more."))
                return None
        elif spec.kind == "yen":
            if not _is_int(value):
                self.fail(where, _("Expected a whole number of yen."))
                return None
        elif not (_is_number(value) and 0 < value <= 1000 and _one_decimal(value)):
            self.fail(where, _("Expected a number above 0 with at most one decimal, e.g. 1.5."))
            return None
        if params is None:
            return None
        return AggregateTest(spec, op, value, **params)

    def _params(self, spec: AggregateSpec, raw: dict[str, Any], path: str) -> dict[str, Any] | None:
        from kizuna.commerce.models import Product
        from kizuna.pipeline.models import ActivityKind

        params: dict[str, Any] = {}
        ok = True
        for name in spec.params:
            if name not in raw:
                continue
            value, where = raw[name], self._at(path, name)
            if name == "days":
                good = _is_int(value) and 0 <= value <= MAX_DAYS
                message = _("Expected a number of days from 0 to %(n)d.") % {"n": MAX_DAYS}
            elif name == "kind":
                good = value in ActivityKind.values
                message = _("“%(value)s” is not one of: %(choices)s.") % {
                    "value": value, "choices": ", ".join(ActivityKind.values)}
            elif name == "category":
                good = isinstance(value, str) and 0 < len(value) <= 100
                message = _("Expected a product category.")
            elif name == "product":
                good = isinstance(value, str) and Product.objects.filter(code=value).exists()
                message = _("There is no %(master)s with the code “%(value)s”.") % {
                    "master": Product._meta.verbose_name, "value": value}
            elif name == "recurring":
                good = isinstance(value, bool)
                message = _("Expected true or false.")
            else:  # min_orders
                good = _is_int(value) and 2 <= value <= 100
                message = _("Expected a whole number from 2 to 100.")
            if not good:
                self.fail(where, message)
                ok = False
            params[name] = value
        return params if ok else None


_INVALID = object()


def field_names(entity: str) -> list[str]:
    """Every field and aggregate a condition on ``entity`` may name (for help texts)."""
    spec = entity_spec(entity)
    return [*spec.fields, *custom_fields(spec), *sorted(spec.aggregates)]
