"""Search pages in あいうえお order (kizuna.customers.search.OrderedSearch): the same rows, order
and capped count as the plain query, whichever plan the probes choose; indexes used.

Page size, count cap and probe limit are made tiny so that a few dozen customers reach every
plan: complete probes, dense sets walked in order, several pages, "1,000+" counts.
"""

from __future__ import annotations

import itertools
import json

import jaconv
import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.core import lists
from kizuna.core.lists import _FINDER, keyset_page
from kizuna.core.models import Role
from kizuna.customers import search as search_module
from kizuna.customers.models import Account, Customer
from kizuna.customers.queries import search_accounts, search_customers, visible_customers
from kizuna.customers.search import (
    PREFIX_CHARS,
    KeyPrefix,
    OrderedSearch,
    TailContains,
    search_condition,
)
from kizuna.customers.services import (
    create_account,
    create_customer,
    delete_customer,
    update_customer,
)

ORDER = ("sort_key", "pk")

FAMILIES = [  # (name, reading): shared readings, names inside names, kana and Latin names
    ("山田", "ヤマダ"), ("山本", "ヤマモト"), ("秋山", "アキヤマ"), ("小山田", "オヤマダ"),
    ("佐藤", "サトウ"), ("佐々木", "ササキ"), ("髙橋", "タカハシ"), ("高橋", "タカハシ"),
    ("田中", "タナカ"), ("中田", "ナカタ"), ("やまだ", "ヤマダ"), ("山田", ""),
    ("林", "ハヤシ"), ("小林", "コバヤシ"), ("ＹＡＭＡＤＡ", ""),
]
GIVEN = [("花子", "ハナコ"), ("大樹", "ダイキ"), ("太郎", "タロウ"), ("翔", "ショウ"),
         ("", ""), ("花", "ハナ")]


@pytest.fixture
def people(make_user, make_team):  # type: ignore[no-untyped-def]
    """An administrator, a manager and a member of one team, and customers of three owners,
    some shared with that team: every name combination once, some twice."""
    team = make_team()
    member = make_user(Role.MEMBER, teams=[team])
    manager = make_user(Role.MANAGER, teams=[team])
    other = make_user(Role.MEMBER)
    admin = make_user(Role.ADMINISTRATOR)
    owners = itertools.cycle([(member, None), (other, team), (other, None)])
    for (family, family_kana), (given_name, given_kana) in itertools.product(FAMILIES, GIVEN):
        for _ in range(1 + (len(family) + len(given_name)) % 2):
            owner, shared = next(owners)
            create_customer(actor=admin, owner=owner, team=shared, family_name=family,
                            given_name=given_name, family_name_kana=family_kana,
                            given_name_kana=given_kana)
    return {"admin": admin, "manager": manager, "member": member}


@pytest.fixture
def tiny_pages(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lists, "PAGE_SIZE", 4)
    monkeypatch.setattr(lists, "COUNT_LIMIT", 6)
    monkeypatch.setattr(search_module, "PROBE_LIMIT", 6)


def all_pages(queryset_for) -> list[tuple[list[int], int | None, bool]]:  # type: ignore[no-untyped-def]
    """Every keyset page of a search: (pks, count, capped), following the next links."""
    pages, after = [], None
    while True:
        page = keyset_page(queryset_for(), ORDER, after)
        pages.append(([row.pk for row in page.rows], page.count, page.count_capped))
        if page.next_after is None:
            return pages
        after = str(page.next_after)


def plain(user, q: str):  # type: ignore[no-untyped-def]
    """The search without OrderedSearch: the query every other path runs."""
    return visible_customers(user).filter(search_condition(q))


def spellings(text: str) -> list[str]:
    """The ways users type a reading: hiragana, katakana, half-width."""
    hiragana = jaconv.kata2hira(text)
    return [text, hiragana, jaconv.z2h(jaconv.hira2kata(hiragana), kana=True)]


def fragments() -> list[str]:
    """Every piece of every name and reading (with a given name after it), as users type it."""
    found = set()
    for name, reading in FAMILIES + GIVEN:
        for text in (name, reading, name + "花子", reading + "ハナコ"):
            for start, length in itertools.product(range(len(text)), range(1, 8)):
                if text[start:start + length]:
                    found.update(spellings(text[start:start + length]))
    return sorted(found)


FRAGMENTS = fragments()


@pytest.mark.django_db
def test_ordered_pages_equal_the_plain_query(people, tiny_pages, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    used = []
    find = OrderedSearch.find

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = find(self, *args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(OrderedSearch, "find", spy)

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(words=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=2),
           who=st.sampled_from(["admin", "manager", "member"]))
    def check(words: list[str], who: str) -> None:
        user, q = people[who], " ".join(words)
        assert all_pages(lambda: search_customers(user, q)) == \
            all_pages(lambda: plain(user, q)), q

    check()
    assert sum(used) > 20  # the ordered plans did run, not only the fallback


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["ヤマダ", "やまだ", "ﾔﾏﾀﾞ", "山田", "佐藤", "ハナコ", "やま", "まだ",
                               "山田 花子", "やまだはなこ", "アキヤマダイキ", "タカハシ", "高橋"])
def test_common_and_rare_names_in_every_plan(people, tiny_pages, q) -> None:  # type: ignore[no-untyped-def]
    for user in people.values():
        pages = all_pages(lambda: search_customers(user, q))  # noqa: B023
        assert pages == all_pages(lambda: plain(user, q))  # noqa: B023
        assert [pk for pks, _, _ in pages for pk in pks] == list(
            plain(user, q).order_by(*ORDER).values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_count_is_capped_like_the_plain_one(people, tiny_pages) -> None:  # type: ignore[no-untyped-def]
    admin = people["admin"]
    common = keyset_page(search_customers(admin, "やまだ"), ORDER, None)
    assert common.count == 6 and common.count_capped
    rare = keyset_page(search_customers(admin, "秋山 大樹"), ORDER, None)
    assert rare.count == plain(admin, "秋山 大樹").count() <= 4
    assert not rare.count_capped


@pytest.mark.django_db
def test_keys_changed_or_deleted_are_searched_as_they_are_now(people, tiny_pages) -> None:  # type: ignore[no-untyped-def]
    member = people["member"]
    renamed = Customer.objects.filter(owner=member, family_name="佐藤").first()
    update_customer(actor=member, customer=renamed, expected_version=renamed.version,
                    family_name="渡辺", family_name_kana="ワタナベ")
    gone = Customer.objects.filter(owner=member, family_name="田中").first()
    delete_customer(actor=member, customer=gone, expected_version=gone.version)
    for q in ("わたなべ", "渡辺", "さとう", "佐藤", "たなか", "なか"):
        assert all_pages(lambda: search_customers(member, q)) == \
            all_pages(lambda: plain(member, q)), q  # noqa: B023
    assert [c.pk for c in search_customers(member, "わたなべ")] == [renamed.pk]


@pytest.mark.django_db
def test_other_orders_and_combined_querysets_take_the_plain_query(people, tiny_pages) -> None:  # type: ignore[no-untyped-def]
    admin = people["admin"]
    found = search_customers(admin, "やまだ")
    finder = getattr(found.query, _FINDER)
    assert finder.find(found, ("-updated_at", "-pk"), 5, None) is None
    either = found | Customer.objects.filter(family_name="佐藤")
    assert finder.find(either, ORDER, 5, None) is None  # an OR: the union would miss rows
    assert all_pages(lambda: found | Customer.objects.filter(family_name="佐藤")) == \
        all_pages(lambda: plain(admin, "やまだ") | Customer.objects.filter(family_name="佐藤"))
    narrower = found.filter(given_name="花子")
    assert finder.find(narrower, ORDER, 5, None) is not None  # filters added later are fine
    assert not hasattr(search_customers(admin, "林").query, _FINDER)  # one character


@pytest.mark.django_db
def test_accounts_search_their_company_names_too(make_user, tiny_pages) -> None:  # type: ignore[no-untyped-def]
    rep = make_user(Role.MEMBER)
    for i, (name, kana) in enumerate([("株式会社山田製作所", "ヤマダセイサクショ"),
                                      ("山田商事株式会社", ""), ("有限会社やまだ", "ヤマダ"),
                                      ("小山田工業", "オヤマダコウギョウ")] * 3):
        create_account(actor=rep, name=f"{name}{i}", name_kana=kana)
    for q in ("山田", "やまだ", "製作所", "商事", "ダコウ"):
        assert all_pages(lambda: search_accounts(rep, q)) == all_pages(  # noqa: B023
            lambda: Account.objects.filter(search_condition(q)).filter(merged_into=None))  # noqa: B023


def _plan(queryset) -> str:  # type: ignore[no-untyped-def]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            return json.dumps(cursor.fetchone()[0], ensure_ascii=False)
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_expressions_are_those_of_the_indexes() -> None:
    # KeyPrefix and TailContains must write exactly the expressions of migration 0005, or the
    # databases silently stop using the indexes.
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a few hundred rows: make scans unattractive
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        for part, index in ((0, "customers_customer_search_head"),
                            (1, "customers_customer_search_part2")):
            walk = Customer.objects.alias(bucket=KeyPrefix(part, 2),
                                          prefix=KeyPrefix(part, PREFIX_CHARS)) \
                .filter(bucket="やま", prefix__gte="やまだ", prefix__lt="やまぢ") \
                .order_by(*ORDER).values_list("pk")[:5]
            plan = _plan(walk)
            assert index in plan
            if connection.vendor == "postgresql":  # the prefix is tested on the index entry
                assert "Index Cond" in plan and f", {PREFIX_CHARS}))::text >=" in plan
        tail = Customer.objects.filter(TailContains("やまだ")).values_list("pk")
        assert "customers_customer_search_tail" in _plan(tail)


@pytest.mark.django_db
def test_every_role_gets_the_ordered_plan(people) -> None:  # type: ignore[no-untyped-def]
    # A manager's filter holds a subquery: it must still compare equal after cloning.
    for user in people.values():
        found = search_customers(user, "やまだ").order_by(*ORDER).filter(given_name="花子")
        assert getattr(found.query, _FINDER).find(found, ORDER, 5, None) is not None


@pytest.mark.django_db
def test_the_page_rows_are_fetched_by_primary_key_alone(people, tiny_pages) -> None:  # type: ignore[no-untyped-def]
    """The finder's primary keys are fetched without the search's conditions, which would let
    the planner read every match of a common name to keep a page of them; the rows are still
    the queryset's, with its related rows."""
    from django.test.utils import CaptureQueriesContext

    found = search_customers(people["member"], "やまだ", gender="")
    with CaptureQueriesContext(connection) as queries:
        page = keyset_page(found, ORDER, None)
    fetch = queries.captured_queries[-1]["sql"]
    assert " IN (" in fetch and "LIKE" not in fetch.upper() and "search_key" not in \
        fetch.split("WHERE", 1)[1]
    assert [r.pk for r in page.rows] == [r.pk for r in plain(people["member"], "やまだ")
                                         .order_by(*ORDER)[: lists.PAGE_SIZE]]
    with CaptureQueriesContext(connection) as queries:
        assert all(row.owner.username for row in page.rows)  # select_related kept
    assert not queries.captured_queries
