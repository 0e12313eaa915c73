"""Customer-data services: Japanese input cleaned, keys derived, permissions, custom fields."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kizuna.core.models import Role
from kizuna.customers.models import (
    Account,
    BuyingRole,
    Contact,
    CustomFieldDefinition,
    Department,
)
from kizuna.customers.queries import (
    buying_centre,
    search_accounts,
    search_contacts,
    search_customers,
)
from kizuna.customers.services import (
    create_account,
    create_contact,
    create_customer,
    create_department,
    define_custom_field,
    update_account,
    update_contact,
    update_department,
)


@pytest.fixture
def rep(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER)


def test_account_input_is_cleaned_the_japanese_way(rep) -> None:  # type: ignore[no-untyped-def]
    account = create_account(
        actor=rep, name="  (株)山田製作所 ", name_kana="ﾔﾏﾀﾞｾｲｻｸｼｮ",
        phone="０３－１２３４－５６７８",
        postal_code="〒100-0001", corporate_number="7000012050002",
    )
    assert account.name == "(株)山田製作所"  # shown as typed, trimmed
    assert account.legal_form == "株式会社"
    assert account.name_kana == "ヤマダセイサクショ"
    assert account.phone == "+81312345678"
    assert account.postal_code == "1000001"
    assert account.corporate_number == "7000012050002"


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "not a phone"),
    ("postal_code", "12"),
    ("corporate_number", "7000012050003"),  # wrong check digit
    ("relationship_level", 8),
])
def test_bad_account_input_is_refused_with_the_field(rep, field, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as excinfo:
        create_account(actor=rep, name="検証会社", **{field: value})
    assert field in excinfo.value.message_dict
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    "query", ["山田", "ヤマダ", "やまだ", "ﾔﾏﾀﾞ", "山田製作所", "やまだ せいさく"]
)
def test_search_finds_accounts_in_any_script(rep, query) -> None:  # type: ignore[no-untyped-def]
    target = create_account(actor=rep, name="株式会社山田製作所", name_kana="ヤマダセイサクショ")
    create_account(actor=rep, name="鈴木商事", name_kana="スズキショウジ")
    assert list(search_accounts(rep, query)) == [target]


def test_search_folds_variant_kanji(rep) -> None:  # type: ignore[no-untyped-def]
    target = create_account(actor=rep, name="髙橋工業", name_kana="タカハシコウギョウ")
    assert list(search_accounts(rep, "高橋")) == [target]


def test_accounts_sort_in_gojuon_order_ignoring_legal_form(rep) -> None:  # type: ignore[no-untyped-def]
    for name, kana in [("株式会社渡辺商店", "ワタナベショウテン"), ("阿部工業", "アベコウギョウ"),
                       ("(株)加藤製作所", "カトウセイサクショ"), ("伊藤電機", "イトウデンキ")]:
        create_account(actor=rep, name=name, name_kana=kana)
    assert [a.name_kana for a in Account.objects.all()] == [
        "アベコウギョウ", "イトウデンキ", "カトウセイサクショ", "ワタナベショウテン"]


def test_contacts_and_buying_centre(rep) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="東邦精機", name_kana="トウホウセイキ")
    plant = create_department(actor=rep, account=account, name="名古屋工場 生産技術課")
    boss = create_contact(actor=rep, account=account, department=plant, family_name="佐藤",
                          given_name="一郎", family_name_kana="さとう", given_name_kana="いちろう",
                          buying_role=BuyingRole.DECISION_MAKER, title="部長",
                          phone="090-1234-5678", email_opt_in=True)
    user = create_contact(actor=rep, account=account, department=plant, family_name="ﾀﾅｶ",
                          buying_role=BuyingRole.USER, reports_to=boss)
    assert boss.full_name_kana == "サトウ イチロウ"
    assert boss.phone == "+819012345678"
    assert (boss.owner, boss.team) == (account.owner, account.team)
    [department] = buying_centre(rep, account)
    assert [c.buying_role for c in department.visible_contacts] == ["decision_maker", "user"]
    assert list(search_contacts(rep, "たなか")) == [user]
    assert list(search_contacts(rep, "サトウ イチ")) == [boss]


def test_contact_department_must_belong_to_the_account(rep) -> None:  # type: ignore[no-untyped-def]
    one = create_account(actor=rep, name="一社")
    other = create_account(actor=rep, name="二社")
    department = create_department(actor=rep, account=other, name="購買部")
    with pytest.raises(ValidationError):
        create_contact(actor=rep, account=one, family_name="山本", department=department)
    contact = create_contact(actor=rep, account=one, family_name="山本")
    with pytest.raises(ValidationError):
        update_contact(actor=rep, contact=contact, expected_version=1, department=department)


def test_cannot_link_to_an_invisible_account(make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    secret = create_account(actor=alice, name="秘密の取引先")
    # "Not found" on the field, as for an id nobody has: no hint that the record exists.
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        create_contact(actor=bob, account=secret, family_name="侵入")
    assert excinfo.value.message_dict == {"account": ["The linked record was not found."]}
    with pytest.raises(ValidationError) as excinfo:
        create_department(actor=bob, account=secret, name="侵入")
    assert set(excinfo.value.message_dict) == {"account"}
    assert not Contact.objects.exists() and not Department.objects.exists()


def test_cannot_link_to_a_merged_record(make_user) -> None:  # type: ignore[no-untyped-def]
    rep = make_user()
    survivor = create_account(actor=rep, name="存続会社")
    merged = create_account(actor=rep, name="統合済み")
    Account.objects.filter(pk=merged.pk).update(merged_into=survivor)
    with pytest.raises(ValidationError) as excinfo:
        create_contact(actor=rep, account=merged, family_name="迷子")
    assert set(excinfo.value.message_dict) == {"account"}


def test_members_share_only_with_their_own_teams(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = make_team(), make_team()
    member = make_user(teams=[mine])
    create_account(actor=member, name="共有OK", team=mine)
    with pytest.raises(PermissionDenied):
        create_account(actor=member, name="共有NG", team=theirs)


def test_customers_search_by_reading(rep) -> None:  # type: ignore[no-untyped-def]
    hanako = create_customer(actor=rep, family_name="山田", given_name="花子",
                             family_name_kana="ヤマダ", given_name_kana="ハナコ",
                             gender="female", birth_year=1985, prefecture="東京都")
    create_customer(actor=rep, family_name="山本", family_name_kana="ヤマモト")
    assert list(search_customers(rep, "やまだ はなこ")) == [hanako]
    assert search_customers(rep, "ﾔﾏ").count() == 2


def test_custom_fields_are_validated_and_stored(admin_user, rep) -> None:  # type: ignore[no-untyped-def]
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.ACCOUNT,
                        key="budget_month", label_ja="予算月", label_en="Budget month",
                        field_type="choice", choices=[str(m) for m in range(1, 13)])
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.ACCOUNT,
                        key="yearly_cost", label_ja="年間関連コスト", label_en="Yearly cost",
                        field_type="number")
    account = create_account(actor=rep, name="予算会社",
                             custom={"budget_month": "4", "yearly_cost": "1,200,000"})
    assert account.custom == {"budget_month": "4", "yearly_cost": 1200000}
    assert Account.objects.filter(custom__yearly_cost__gte=1_000_000).get() == account
    with pytest.raises(ValidationError) as excinfo:
        update_account(actor=rep, account=account, expected_version=1,
                       custom={"budget_month": "13"})
    assert "custom.budget_month" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        create_account(actor=rep, name="x", custom={"no_such_field": 1})
    with pytest.raises(PermissionDenied):
        define_custom_field(actor=rep, entity="customers.account", key="k", label_ja="k",
                            label_en="k", field_type="text")


def test_every_bad_field_is_reported_at_once(rep) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as excinfo:
        create_account(actor=rep, name="検証", phone="abc", postal_code="12",
                       corporate_number="1234567890123")
    assert set(excinfo.value.message_dict) == {"phone", "postal_code", "corporate_number"}


def test_departments_default_to_the_account_team_but_can_stay_private(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    rep = make_user(teams=[team])
    account = create_account(actor=rep, name="共有先", team=team)
    assert create_department(actor=rep, account=account, name="本社").team == team
    assert create_department(actor=rep, account=account, name="秘密", team=None).team is None
    other = create_account(actor=rep, name="別会社")
    foreign = create_department(actor=rep, account=other, name="別部門")
    with pytest.raises(ValidationError):
        create_department(actor=rep, account=account, name="子", parent=foreign)


def test_contact_links_must_be_visible_and_at_the_same_account(make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    mine = create_account(actor=bob, name="ボブの会社")
    hidden_boss = create_contact(actor=alice, account=create_account(actor=alice, name="秘"),
                                 family_name="上司")
    with pytest.raises(ValidationError) as excinfo:
        create_contact(actor=bob, account=mine, family_name="部下", reports_to=hidden_boss)
    assert set(excinfo.value.message_dict) == {"reports_to"}
    me = create_contact(actor=bob, account=mine, family_name="自分")
    with pytest.raises(ValidationError):
        update_contact(actor=bob, contact=me, expected_version=1, reports_to=me)


def test_a_department_cannot_sit_under_itself_or_its_descendants(make_user) -> None:  # type: ignore[no-untyped-def]
    """The service refuses a loop, whoever calls it (form, API): the form hides such parents,
    the API used to accept them."""
    rep = make_user()
    account = create_account(actor=rep, name="階層商事")
    head = create_department(actor=rep, account=account, name="本社")
    branch = create_department(actor=rep, account=account, name="支社", parent=head)
    office = create_department(actor=rep, account=account, name="営業所", parent=branch)
    for parent in (head, branch, office):
        with pytest.raises(ValidationError) as excinfo:
            update_department(actor=rep, department=head, expected_version=1, parent=parent)
        assert set(excinfo.value.message_dict) == {"parent"}
    head.refresh_from_db()
    assert head.parent is None and head.version == 1
    # Moving a department elsewhere in the tree is fine.
    moved = update_department(actor=rep, department=office, expected_version=1, parent=head)
    assert moved.parent == head


def test_other_emails_are_normalised_and_each_bad_one_named(rep) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="メール商事")
    contact = create_contact(actor=rep, account=account, family_name="山田", emails_other=[
        "ｔａｒｏ＠Ｅｘａｍｐｌｅ．ｃｏｍ", " ", "taro@example.com", "Hanako@Mail.Example.jp"])
    assert contact.emails_other == ["taro@example.com", "Hanako@mail.example.jp"]
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        update_contact(actor=rep, contact=contact, expected_version=1,
                       emails_other=["ok@example.com", "not-an-address", "a@b"])
    assert excinfo.value.message_dict == {"emails_other": [
        "“not-an-address” is not an email address.", "“a@b” is not an email address."]}
    contact.refresh_from_db()
    assert contact.version == 1
