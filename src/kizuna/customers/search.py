"""Kana-insensitive search and あいうえお順 keys for customer records.

A record's ``search_key`` holds the match key of its name and the kana key of its reading, so
that 山田, ヤマダ, やまだ and ﾔﾏﾀﾞ all find 山田 (ヤマダ). Keys are computed by services on
every write (``keys_for``) and by queries for the user's input (``search``).

The first page of a search in あいうえお order is found by ``OrderedSearch`` rather than by the
plain query, which is slow for common names at a million rows
(docs/decisions/0008-search-at-scale.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections
from django.db.models import BooleanField, CharField, F, Func, Q, QuerySet
from django.db.models.sql.where import AND, WhereNode

from kizuna.core.lists import with_page_finder
from kizuna.japanese import company_match_key, kana_key, kana_sort_string, match_key

SEPARATOR = "\u001f"  # never typed (str.split() treats it as whitespace), never inside a key

# Tables with the indexes of migration customers.0005 (see OrderedSearch).
INDEXED_TABLES = frozenset({"customers_account", "customers_contact", "customers_customer",
                            "customers_department"})
# Characters of a key part's beginning compared inside the prefix indexes; longer needles are
# checked on the row.
PREFIX_CHARS = 6


def keys_for(*, names: list[str], readings: list[str], company: bool = False) -> dict[str, str]:
    """search_key and sort_key for a record with these names and kana readings."""
    name = "".join(n for n in names if n)
    reading = "".join(r for r in readings if r)
    parts = [match_key(name), kana_key(reading)]
    if company:
        # 株式会社山田製作所 must be found by 山田製作所 and sorted under や, not か.
        parts.append(company_match_key(name))
    search_key = SEPARATOR.join(p for p in parts if p)[:500]
    return {"search_key": search_key, "sort_key": kana_sort_string(reading or name)}


def search_words(q: str) -> list[tuple[str, ...]]:
    """The needles of each word of ``q``: its match key and its kana key (mostly the same)."""
    words = []
    for word in q.split():
        needles = tuple(sorted({match_key(word), kana_key(word)} - {""}))
        if needles:
            words.append(needles)
    return words


def search_condition(q: str, *paths: str) -> Q:
    """Every word of ``q`` found in one of the search-key ``paths`` (e.g. "search_key",
    "customer__search_key"): 山田, ヤマダ, やまだ and ﾔﾏﾀﾞ alike."""
    condition = Q()
    for needles in search_words(q):
        word_condition = Q()
        for path in paths or ("search_key",):
            for needle in needles:
                word_condition |= Q(**{f"{path}__contains": needle})
        condition &= word_condition
    return condition


def search(queryset: QuerySet, q: str) -> QuerySet:  # type: ignore[type-arg]
    """Records whose name or reading contains every word of ``q`` (in any script or width).

    The result carries an ``OrderedSearch`` for ``kizuna.core.lists.keyset_page``, which uses it
    for pages in あいうえお order; everything else (exports, the API) runs the plain query."""
    found = queryset.filter(search_condition(q))
    words = search_words(q)
    if not words:
        return found
    # The word with the longest needles is usually the rarest; any word gives the same rows.
    driver = max(range(len(words)), key=lambda i: min(len(n) for n in words[i]))
    if min(len(n) for n in words[driver]) < 2:
        return found  # one character: too common for an index to help, the plain query walks
    where = found.query.where.clone()
    # filter() appended one child per word (an OR of its needles, or the lookup itself).
    position = len(where.children) - len(words) + driver
    return with_page_finder(found, OrderedSearch(needles=words[driver], where=where,
                                                 position=position))


# --- the first rows of a search in sort_key order ------------------------------------------------
#
# Why: `search_key LIKE '%やまだ%' ORDER BY sort_key LIMIT 51` has two plans and both are slow
# for a common family name at a million rows. Walking the sort_key index meets the matches late
# (they all sort under や, after 85% of the index), and the trigram index finds all ~16,000 of
# them, each read from the table only to be sorted away.
#
# Every occurrence of a needle in a key either starts a part of the key (the name, or the
# reading after the first separator) or lies in the key's *tail*: the key without the first
# character of those two parts. So the matches are the union of three sets, each of which an
# index of migration 0005 returns cheaply in sort_key order:
#
# - head:  the key starts with the needle. B-tree (first 2 characters, sort_key, id, first 6
#          characters): equality on the first column walks in sort_key order, the prefix test
#          runs on the index entry, so only real candidates are read from the table.
# - part2: the part after the first separator starts with the needle; the same index on it.
# - tail:  the needle occurs in the tail. PostgreSQL: GIN on the tail's bigrams; SQLite: an FTS5
#          trigram table kept by triggers (needles of 3+ characters only).
#
# A set replaces the driving word's condition by its own, stronger one and keeps every other
# filter, so it holds only matches; and each of the first N rows of the union is among the
# first N rows of its set. Walking a set in order is fast only while its matches are dense (a
# common name); for a rare one (ワタナベ ユウト: ~120 of the 15,000 ワタナベ) collecting all
# matches and sorting them is. Hence, for each page:
#
# 1. A probe reads the matches unordered, up to PROBE_LIMIT + 1. When it stops short it has them
#    all: sort them, done, and that is the count. Otherwise the count is "1,000+" and the
#    matches are dense enough to walk. On PostgreSQL with needles of 3+ characters the probe is
#    the plain query, which combines the trigram index of every word with the other filters
#    (later pages, which need no count, skip it when the planner expects a common search);
#    otherwise (two characters, SQLite) each set is probed, and a set that stops short is
#    complete.
# 2. The sets not known complete are walked in order, LIMIT N.
#
# Only the plan depends on what the probes find and on estimates, never the rows.

PROBE_LIMIT = 1000  # kizuna.core.lists.COUNT_LIMIT: the probe is also the capped count


@dataclass(frozen=True)
class OrderedSearch:
    needles: tuple[str, ...]  # of the word that drives the search (any word would be exact)
    where: WhereNode = field(compare=False)  # the queryset's filter when search() returned it
    position: int  # of the driving word's condition among the children of ``where``

    def find(self, queryset: QuerySet, order: tuple[str, ...], limit: int,  # type: ignore[type-arg]
             count_limit: int | None) -> tuple[list[Any], int | None] | None:
        """The primary keys of the first ``limit`` rows of ``queryset`` in ``order`` and, if
        ``count_limit`` is given, the number of its rows (exact up to ``count_limit``, else
        ``count_limit + 1``); None when the plain query must do (another order or database,
        indexes missing)."""
        if tuple(order) != ("sort_key", "pk") or not self._applies(queryset):
            return None
        cap = max(count_limit or 0, PROBE_LIMIT)
        found: dict[Any, str] = {}
        walk: list[tuple[QuerySet, bool]] = []  # type: ignore[type-arg]
        if self._trigrams(queryset):
            # Later pages need no count: a search the planner expects to be common is walked
            # without probing (its estimate for a rare one is low, often too low, never high).
            if count_limit is not None or self._estimate(queryset) <= cap:
                with _planner(queryset.db, enable_seqscan="off"):  # LIMIT tempts it to scan
                    rows = list(queryset.order_by().values_list("pk", "sort_key")[: cap + 1])
                if len(rows) <= cap:
                    return _in_order(dict(rows), limit), len(rows)
            count = cap + 1
            walk = self._sets(queryset)
        else:
            # SQLite cannot combine indexes: a prefix set is read in order once, for the probe
            # and the page alike. PostgreSQL may combine a set's index with the filters' ones.
            in_order = connections[queryset.db].vendor != "postgresql"
            dense = False
            with _planner(queryset.db, enable_seqscan="off"):
                for part, prefixed in self._sets(queryset):
                    if prefixed and in_order:
                        rows = list(part.order_by(*order).values_list("pk", "sort_key")
                                    [: cap + 1])
                        found.update(rows[:limit] if len(rows) > cap else rows)
                        dense = dense or len(rows) > cap
                        continue
                    rows = list(part.order_by().values_list("pk", "sort_key")[: cap + 1])
                    if len(rows) > cap:
                        walk.append((part, prefixed))
                    else:
                        found.update(rows)
            count = cap + 1 if walk or dense else len(found)
        if any(prefixed for _, prefixed in walk):
            with _planner(queryset.db, enable_bitmapscan="off"):
                for part in (part for part, prefixed in walk if prefixed):
                    found.update(part.order_by(*order).values_list("pk", "sort_key")[:limit])
        for part in (part for part, prefixed in walk if not prefixed):
            found.update(part.order_by(*order).values_list("pk", "sort_key")[:limit])
        return _in_order(found, limit), \
            None if count_limit is None else min(count, count_limit + 1)

    def _estimate(self, queryset: QuerySet) -> float:  # type: ignore[type-arg]
        """The planner's estimate for the whole search: it cannot tell how many rows follow a
        keyset position, so the filters added after search() are left out."""
        everything = queryset.order_by().values_list("pk")
        del everything.query.where.children[len(self.where.children):]
        plan = json.loads(everything.explain(format="json"))
        return float(plan[0]["Plan"]["Plan Rows"])

    def _trigrams(self, queryset: QuerySet) -> bool:  # type: ignore[type-arg]
        """Whether the plain query can find the driving word by its trigram index."""
        return min(len(n) for n in self.needles) >= 3 \
            and _has_trigram_index(queryset.db, queryset.model._meta.db_table)

    def _applies(self, queryset: QuerySet) -> bool:  # type: ignore[type-arg]
        # The union covers the queryset only while every row of it matches the driving word:
        # filters may have been added since search(), but not OR-ed (qs | other).
        where = queryset.query.where
        if where.connector != AND or where.negated or self.where.connector != AND \
                or self.where.negated \
                or where.children[: len(self.where.children)] != self.where.children:
            return False
        return _indexed(queryset.db, queryset.model._meta.db_table,
                        min(len(n) for n in self.needles))

    def _sets(self, queryset: QuerySet) -> list[tuple[QuerySet, bool]]:  # type: ignore[type-arg]
        """The three sets of every needle, each with whether it is a prefix set.

        Each set replaces the driving word's condition with its own, which implies it: the
        planner then does not count the same condition twice (a bucket, a prefix and a LIKE
        for one name look a thousand times rarer than they are) nor reads the trigram index to
        learn nothing new."""
        others = queryset.all()
        del others.query.where.children[self.position]
        sets = []
        for needle in self.needles:
            start = needle[:PREFIX_CHARS]
            for part in (0, 1):
                prefixed = others.alias(search_bucket=KeyPrefix(part, 2)) \
                    .filter(search_bucket=needle[:2])
                if len(needle) > 2:  # else the bucket says it all
                    prefixed = prefixed.alias(search_prefix=KeyPrefix(part, PREFIX_CHARS)).filter(
                        search_prefix__gte=start, search_prefix__lt=_successor(start))
                if len(needle) > PREFIX_CHARS:
                    prefixed = prefixed.filter(**(
                        {"search_key__startswith": needle} if part == 0
                        else {"search_key__contains": SEPARATOR + needle}))
                sets.append((prefixed, True))
            sets.append((others.alias(search_tail=Tail()).filter(
                TailContains(needle), search_tail__contains=needle), False))
        return sets


def _in_order(found: dict[Any, str], limit: int) -> list[Any]:
    """The first ``limit`` primary keys by (sort_key, pk). sort_key is ASCII hex, so Python
    orders it as every database collation does."""
    return [pk for pk, _ in sorted(found.items(), key=lambda item: (item[1], item[0]))[:limit]]


def _successor(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix`` (code point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@contextmanager
def _planner(alias: str, **settings: str) -> Iterator[None]:
    """PostgreSQL: these planner settings for the queries inside (others: nothing).

    Used where the planner's estimates are known to mislead it: for a prefix set it multiplies
    the selectivities of the bucket and the prefix as if they were independent, expects a handful
    of rows where a common name has thousands, and collects them all with a bitmap scan to sort
    them instead of walking the index in order (120 ms instead of 1 ms for page 2 of ヤマダ);
    for a probe with LIMIT it hopes to meet the rows early in a sequential scan.

    Set for the session and put back afterwards, without a transaction of its own: BEGIN and
    COMMIT around queries of a few milliseconds were two more round trips each, which a busy
    machine makes expensive. Inside a transaction that fails, the old values cannot be put
    back but need not be: its rollback (or a rolled-back savepoint) takes them back."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    names = list(settings)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(
            "current_setting(%s), set_config(%s, %s, false)" for _ in names),
            [v for name in names for v in (name, name, settings[name])])
        previous = cursor.fetchone()[::2]
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT " + ", ".join("set_config(%s, %s, false)" for _ in names),
                               [v for name, old in zip(names, previous, strict=True)
                                for v in (name, old)])
        except DatabaseError:
            if not connection.in_atomic_block:
                raise


class KeyPrefix(Func):
    """The first ``length`` characters of part 0 (the name) or of part 1 (what follows the first
    separator, normally the reading) of search_key. Written exactly as in the indexes of
    migration customers.0005, with literals, not parameters: a database uses an expression index
    only for the same expression."""

    output_field = CharField()

    def __init__(self, part: int, length: int, **extra: Any) -> None:
        super().__init__(F("search_key"), **extra)
        self.part, self.length = part, length

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        key, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            if self.part == 0:
                sql = f"left({key}, {self.length:d})"
            else:
                sql = f"substr({key}, strpos({key}, E'\\x1f') + 1, {self.length:d})"
                params = [*params, *params]
            if self.length > 2:
                sql = f'({sql} COLLATE "C")'  # prefix ranges in code point order
        else:
            start = "1" if self.part == 0 else f"instr({key}, char(31)) + 1"
            sql = f"substr({key}, {start}, {self.length:d})"
            if self.part:
                params = [*params, *params]
        return sql, params


class Tail(Func):
    """search_key without the first character of its first two parts (see OrderedSearch)."""

    output_field = CharField()

    def __init__(self) -> None:
        super().__init__(F("search_key"))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        key, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            sep, find, most = "E'\\x1f'", "strpos", "greatest"
        else:
            sep, find, most = "char(31)", "instr", "max"
        at = f"{find}({key}, {sep})"
        sql = (f"(CASE WHEN {at} = 0 THEN substr({key}, 2) ELSE substr({key}, 2, "
               f"{most}({at} - 2, 0)) || {sep} || substr({key}, {at} + 2) END)")
        return sql, params * sql.count(key)


class TailContains(Func):
    """The needle occurs in the tail of search_key (see the comment above OrderedSearch)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, needle: str) -> None:
        super().__init__(F("search_key"), F("pk"))
        self.needle = needle

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        key, key_params = compiler.compile(self.source_expressions[0])
        pk, pk_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            bigrams = sorted({self.needle[i:i + 2] for i in range(len(self.needle) - 1)})
            return f"kizuna_search_tail_bigrams({key}) @> %s::text[]", [*key_params, bigrams]
        table = compiler.query.model._meta.db_table
        phrase = '"' + self.needle.replace('"', '""') + '"'
        # The table name comes from the model, the needle is a parameter.
        return (f"{pk} IN (SELECT rowid FROM {table}_search_tail "  # noqa: S608
                f"WHERE {table}_search_tail MATCH %s)", [*pk_params, phrase])


_FTS_TABLES: dict[tuple[str, str], bool] = {}
_TRIGRAM_INDEXES: dict[tuple[str, str], bool] = {}


def _has_trigram_index(alias: str, table: str) -> bool:
    """PostgreSQL with the pg_trgm index of migration 0002 (skipped without the extension)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return False
    key = (str(connection.settings_dict["NAME"]), table)
    if key not in _TRIGRAM_INDEXES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s",
                           [f"{table}_search_trgm"])
            _TRIGRAM_INDEXES[key] = cursor.fetchone() is not None
    return _TRIGRAM_INDEXES[key]


def _indexed(alias: str, table: str, shortest: int) -> bool:
    """Whether ``table`` has the indexes OrderedSearch needs for needles this long."""
    if table not in INDEXED_TABLES:
        return False
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return True  # migration 0005 always creates them there
    if connection.vendor != "sqlite" or shortest < 3:  # FTS5 trigrams: 3 characters or more
        return False
    key = (str(connection.settings_dict["NAME"]), table)
    if key not in _FTS_TABLES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s",
                           [f"{table}_search_tail"])
            _FTS_TABLES[key] = cursor.fetchone() is not None
    return _FTS_TABLES[key]
