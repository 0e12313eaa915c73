"""Merging duplicates (名寄せ) moves every related row to the survivor and can be undone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kizuna.commerce.models import Order, Product
from kizuna.commerce.services import LineInput, place_order
from kizuna.core.imports import import_file
from kizuna.core.ledger import verify_chain
from kizuna.core.models import LedgerEntry, Role
from kizuna.customers.identity import MergeError, mark_not_duplicate, merge_records, undo_merge
from kizuna.customers.models import Customer, IdentityLink, NotDuplicate
from kizuna.customers.queries import access_customer, search_customers, visible_customers
from kizuna.customers.services import create_account, create_contact, create_customer
from kizuna.pipeline.models import Activity
from kizuna.pipeline.services import log_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER)


def _order(actor, customer, day: int) -> Order:  # type: ignore[no-untyped-def]
    product = Product.objects.get_or_create(code="TEA", defaults={"name": "煎茶",
                                                                  "list_price": 1000})[0]
    return place_order(actor=actor, customer=customer, lines=[LineInput(product, 1)],
                       ordered_at=dt.datetime(2024, 4, day, 3, tzinfo=dt.UTC))


def test_merge_moves_history_to_the_survivor_and_undo_puts_it_back(rep) -> None:  # type: ignore[no-untyped-def]
    survivor = create_customer(actor=rep, family_name="高橋", given_name="一郎",
                               family_name_kana="タカハシ", phone="03-1234-5678")
    typo = create_customer(actor=rep, family_name="髙橋", given_name="一朗",
                           family_name_kana="ﾀｶﾊｼ", email="ichiro@example.jp")
    old = create_customer(actor=rep, family_name="高橋", given_name="一郎",
                          email="ichiro.old@example.jp")
    for day, customer in enumerate((survivor, typo, old), start=1):
        _order(rep, customer, day)
    visit = log_activity(actor=rep, kind="call", occurred_at=timezone.now(), subject="電話",
                         customer=typo)
    link = IdentityLink.objects.create(namespace="anonymous", value="cookie-1", customer=old)

    merge = merge_records(actor=rep, survivor=survivor, duplicates=[typo, old],
                          values={"email": "ichiro@example.jp"}, score=0.98)

    survivor.refresh_from_db()
    assert survivor.email == "ichiro@example.jp" and survivor.phone == "+81312345678"
    assert survivor.version == 2
    assert set(Order.objects.values_list("customer_id", flat=True)) == {survivor.pk}
    assert Activity.objects.get(pk=visit.pk).customer_id == survivor.pk
    assert IdentityLink.objects.get(pk=link.pk).customer_id == survivor.pk  # web history follows
    # The duplicates are kept, pointing to the survivor, and hidden everywhere.
    assert set(Customer.objects.filter(merged_into=survivor).values_list("pk", flat=True)) == {
        typo.pk, old.pk}
    assert list(visible_customers(rep)) == [survivor]
    assert list(search_customers(rep, "たかはし")) == [survivor]
    from kizuna.core.access import NotFound

    with pytest.raises(NotFound):
        access_customer(rep, typo.pk)
    assert LedgerEntry.objects.filter(action="merge").count() == 3

    undo_merge(actor=rep, merge=merge)

    survivor.refresh_from_db()
    assert survivor.email == "" and survivor.version == 3
    assert [o.customer_id for o in Order.objects.order_by("pk")] == [
        survivor.pk, typo.pk, old.pk]
    assert Activity.objects.get(pk=visit.pk).customer_id == typo.pk
    assert IdentityLink.objects.get(pk=link.pk).customer_id == old.pk
    assert not Customer.objects.exclude(merged_into=None).exists()
    assert visible_customers(rep).count() == 3
    with pytest.raises(MergeError):
        undo_merge(actor=rep, merge=merge)
    assert verify_chain().ok


def test_merging_contacts_moves_reports_and_activities(rep) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="山田製作所")
    boss = create_contact(actor=rep, account=account, family_name="佐藤")
    boss_again = create_contact(actor=rep, account=account, family_name="佐藤",
                                email="sato@yamada.example")
    report = create_contact(actor=rep, account=account, family_name="鈴木",
                            reports_to=boss_again)
    merge = merge_records(actor=rep, survivor=boss, duplicates=[boss_again])
    report.refresh_from_db()
    assert report.reports_to_id == boss.pk
    undo_merge(actor=rep, merge=merge)
    report.refresh_from_db()
    assert report.reports_to_id == boss_again.pk


def test_only_records_one_can_edit_are_merged(make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(Role.MEMBER), make_user(Role.MEMBER)
    mine = create_customer(actor=alice, family_name="山田")
    theirs = create_customer(actor=bob, family_name="山田")
    with pytest.raises(PermissionDenied):
        merge_records(actor=alice, survivor=mine, duplicates=[theirs])
    assert not Customer.objects.exclude(merged_into=None).exists()
    with pytest.raises(MergeError):
        merge_records(actor=alice, survivor=mine, duplicates=[mine])


def test_a_merged_record_cannot_be_merged_again_and_chains_undo_in_order(rep) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (create_customer(actor=rep, family_name=n) for n in ("甲", "乙", "丙"))
    first = merge_records(actor=rep, survivor=a, duplicates=[b])
    with pytest.raises(MergeError):
        merge_records(actor=rep, survivor=c, duplicates=[b])
    second = merge_records(actor=rep, survivor=c, duplicates=[a])
    with pytest.raises(MergeError):
        undo_merge(actor=rep, merge=first)  # a was merged again: undo that first
    undo_merge(actor=rep, merge=second)
    undo_merge(actor=rep, merge=first)
    assert not Customer.objects.exclude(merged_into=None).exists()


def test_not_a_duplicate_is_remembered(rep) -> None:  # type: ignore[no-untyped-def]
    a = create_customer(actor=rep, family_name="山田", given_name="太郎")
    b = create_customer(actor=rep, family_name="山田", given_name="太郎")
    mark_not_duplicate(actor=rep, first=b, second=a)
    mark_not_duplicate(actor=rep, first=a, second=b)
    pair = NotDuplicate.objects.get()
    assert (pair.first_id, pair.second_id) == (min(a.pk, b.pk), max(a.pk, b.pk))


def test_reimporting_a_merged_duplicates_id_updates_the_survivor(rep) -> None:  # type: ignore[no-untyped-def]
    data = "会員番号,氏名,電話番号\nA1,高橋 一郎,03-1234-5678\nA2,髙橋 一郎,\n".encode()
    import_file(actor=rep, kind="customers", data=data, source="ec")
    survivor = Customer.objects.get(external_id="A1")
    duplicate = Customer.objects.get(external_id="A2")
    merge_records(actor=rep, survivor=survivor, duplicates=[duplicate])
    again = "会員番号,氏名,電話番号\nA2,髙橋 一郎,090-1111-2222\n".encode()
    result, _ = import_file(actor=rep, kind="customers", data=again, source="ec")
    assert (result.imported, result.updated, result.rejected) == (0, 1, 0), result.errors
    survivor.refresh_from_db()
    assert (survivor.external_id, survivor.phone) == ("A1", "+819011112222")
    assert Customer.objects.count() == 2


def test_a_merge_survivor_cannot_be_deleted_until_the_merge_is_undone(rep) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from kizuna.customers.services import delete_customer

    survivor = create_customer(actor=rep, family_name="山田")
    duplicate = create_customer(actor=rep, family_name="山田")
    merge = merge_records(actor=rep, survivor=survivor, duplicates=[duplicate])
    with pytest.raises(ValidationError):
        delete_customer(actor=rep, customer=survivor, expected_version=None)
    undo_merge(actor=rep, merge=merge)
    delete_customer(actor=rep, customer=survivor, expected_version=None)
    assert list(Customer.objects.all()) == [duplicate]
