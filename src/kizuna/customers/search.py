"""Kana-insensitive search and あいうえお順 keys for customer records.

A record's ``search_key`` holds the match key of its name and the kana key of its reading, so
that 山田, ヤマダ, やまだ and ﾔﾏﾀﾞ all find 山田 (ヤマダ). Keys are computed by services on
every write (``keys_for``) and by queries for the user's input (``search``).
"""

from __future__ import annotations

import functools

from django.db.models import Q, QuerySet

from kizuna.japanese import company_match_key, kana_key, kana_sort_string, match_key

SEPARATOR = "\u001f"  # never typed, never inside a key


def keys_for(*, names: list[str], readings: list[str], company: bool = False) -> dict[str, str]:
    """search_key and sort_key for a record with these names and kana readings."""
    search_key, sort_key = _keys("".join(n for n in names if n),
                                 "".join(r for r in readings if r), company)
    return {"search_key": search_key, "sort_key": sort_key}


@functools.lru_cache(maxsize=65536)
def _keys(name: str, reading: str, company: bool) -> tuple[str, str]:
    # Cached: a customer list repeats names and readings (佐藤, サトウ) thousands of times,
    # and an import computes the keys of every row.
    parts = [match_key(name), kana_key(reading)]
    if company:
        # 株式会社山田製作所 must be found by 山田製作所 and sorted under や, not か.
        parts.append(company_match_key(name))
    search_key = SEPARATOR.join(p for p in parts if p)[:500]
    return search_key, kana_sort_string(reading or name)


def search_condition(q: str, *paths: str) -> Q:
    """Every word of ``q`` found in one of the search-key ``paths`` (e.g. "search_key",
    "customer__search_key"): 山田, ヤマダ, やまだ and ﾔﾏﾀﾞ alike."""
    condition = Q()
    for word in q.split():
        needles = {match_key(word), kana_key(word)} - {""}
        if not needles:
            continue
        word_condition = Q()
        for path in paths or ("search_key",):
            for needle in needles:
                word_condition |= Q(**{f"{path}__contains": needle})
        condition &= word_condition
    return condition


def search(queryset: QuerySet, q: str) -> QuerySet:  # type: ignore[type-arg]
    """Records whose name or reading contains every word of ``q`` (in any script or width)."""
    return queryset.filter(search_condition(q))
