"""Customer success: contracts through the success stages, renewal, churn, expansion attribution,
access rules, and the renewal / churn rates and expansion revenue on a constructed example
worked out by hand (docs/decisions/0304-customer-success.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.commerce.models import Product
from kizuna.core.access import NotFound
from kizuna.core.models import LedgerEntry, Role
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.services import create_account, create_customer, create_department
from kizuna.pipeline.contracts import (
    access_contract,
    add_months,
    attribute_expansion,
    churn_contract,
    create_contract,
    expansion_revenue,
    move_contract,
    period_bounds,
    renew_contract,
    renewal_figures,
    renewal_soon,
    visible_contracts,
)
from kizuna.pipeline.models import (
    Contract,
    ContractStatus,
    DealStage,
    LostReason,
    SuccessStage,
)
from kizuna.pipeline.services import create_deal, move_deal

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
D = dt.date


def success(code: str) -> SuccessStage:
    return SuccessStage.objects.get(code=code)


def deal_stage(code: str) -> DealStage:
    return DealStage.objects.get(pipeline__code="new_business", code=code)


def when(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=TOKYO)


@pytest.fixture
def team(make_team):  # type: ignore[no-untyped-def]
    return make_team("CS")


@pytest.fixture
def rep(make_user, team):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER, teams=[team], last_name="青木")


@pytest.fixture
def account(rep, team):  # type: ignore[no-untyped-def]
    return create_account(actor=rep, name="株式会社緑茶商事", name_kana="リョクチャショウジ",
                          team=team)


def contract(actor, account, renewal: dt.date, **extra):  # type: ignore[no-untyped-def]
    return create_contract(actor=actor, name=f"給茶機 保守 {renewal}", account=account,
                           start_date=add_months(renewal, -12), amount=120_000, **extra)


def test_default_stages_in_order() -> None:
    assert [(s.code, s.name_ja, s.kind) for s in SuccessStage.objects.all()] == [
        ("onboarding", "オンボーディング", "path"), ("adoption", "活用支援", "path"),
        ("utilisation", "定着", "path"), ("renewal", "更新", "path"),
        ("advocacy", "推奨", "advocacy"), ("churned", "解約", "churned")]


def test_dates() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2025, 11, 15), 14) == D(2027, 1, 15)
    assert period_bounds("quarter", D(2026, 5, 20)) == (D(2026, 4, 1), D(2026, 7, 1))
    assert period_bounds("month", D(2026, 12, 5)) == (D(2026, 12, 1), D(2027, 1, 1))


def test_lifecycle_move_renew_churn(rep, account) -> None:  # type: ignore[no-untyped-def]
    machine = Product.objects.create(code="KZ-200", name="給茶機", list_price=480_000)
    department = create_department(actor=rep, account=account, name="総務部")
    c = create_contract(actor=rep, name="給茶機 保守", department=department,
                        start_date=D(2025, 4, 1), amount=240_000, products=[machine])
    assert (c.account, c.renewal_date, c.stage.code, c.status, c.team) == (
        account, D(2026, 4, 1), "onboarding", "active", account.team)
    move_contract(actor=rep, contract=c, to_stage=success("adoption"), expected_version=1,
                  note="研修済み")
    c.refresh_from_db()
    assert (c.stage.code, c.version) == ("adoption", 2)
    with pytest.raises(ConcurrentEdit):
        renew_contract(actor=rep, contract=c, expected_version=1)
    with pytest.raises(ValidationError):
        move_contract(actor=rep, contract=c, to_stage=success("churned"), expected_version=2)
    nxt = renew_contract(actor=rep, contract=c, expected_version=2, amount=260_000)
    c.refresh_from_db()
    assert c.status == ContractStatus.RENEWED and c.ended_at is not None
    assert (nxt.previous, nxt.start_date, nxt.renewal_date, nxt.amount, nxt.stage.code) == (
        c, D(2026, 4, 1), D(2027, 4, 1), 260_000, "adoption")
    assert list(nxt.products.all()) == [machine]
    with pytest.raises(ValidationError):  # a renewed term is closed
        renew_contract(actor=rep, contract=c, expected_version=c.version)
    with pytest.raises(ValidationError):
        churn_contract(actor=rep, contract=nxt, expected_version=1, reason=" ")
    churn_contract(actor=rep, contract=nxt, expected_version=1, reason="予算削減")
    nxt.refresh_from_db()
    assert (nxt.status, nxt.stage.code, nxt.churn_reason) == ("churned", "churned", "予算削減")
    assert [(ch.from_stage and ch.from_stage.code, ch.to_stage.code)
            for ch in nxt.stage_changes.all()] == [(None, "adoption"), ("adoption", "churned")]
    assert LedgerEntry.objects.filter(model="pipeline.contract").count() >= 5


def test_d2c_customer_and_buyer_rules(rep, account) -> None:  # type: ignore[no-untyped-def]
    buyer = create_customer(actor=rep, family_name="佐藤", given_name="花子")
    c = create_contract(actor=rep, name="定期便", customer=buyer, start_date=D(2026, 1, 10),
                        amount=3_000, term_months=1)
    assert c.renewal_date == D(2026, 2, 10)
    with pytest.raises(ValidationError):
        create_contract(actor=rep, name="x", start_date=D(2026, 1, 1), amount=1)
    with pytest.raises(ValidationError):
        create_contract(actor=rep, name="x", account=account, customer=buyer,
                        start_date=D(2026, 1, 1), amount=1)


def test_access_rules(rep, account, make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    c = contract(rep, account, D(2026, 1, 15))
    outsider = make_user(Role.MEMBER, teams=[make_team("大阪")])
    viewer = make_user(Role.VIEWER, teams=[account.team])
    assert not visible_contracts(outsider).exists()
    with pytest.raises(NotFound):
        access_contract(outsider, c.pk)
    with pytest.raises(PermissionDenied):
        renew_contract(actor=outsider, contract=c, expected_version=1)
    with pytest.raises(PermissionDenied):  # an account the user cannot see
        create_contract(actor=outsider, name="x", account=account, start_date=D(2026, 1, 1),
                        amount=1)
    assert access_contract(viewer, c.pk) == c
    with pytest.raises(PermissionDenied):
        access_contract(viewer, c.pk, write=True)
    with pytest.raises(PermissionDenied):
        churn_contract(actor=viewer, contract=c, expected_version=1, reason="x")
    assert renewal_figures(outsider, D(2026, 1, 1), D(2026, 4, 1)).total.due == 0


def test_renewal_and_churn_rates_exact(rep, account, make_user, team) -> None:  # type: ignore[no-untyped-def]
    """Q1 2026. 青木: due 1/15 renewed, 1/20 churned, 2/10 renewed, 3/31 still open;
    伊藤: 2/01 renewed, 3/05 churned. Outside: 12/31 and 4/01 (both renewed).
    Total due 6, renewed 3, churned 2, open 1 → renewal rate 3/6, churn rate 2/6.
    青木 4: 2/4 and 1/4; 伊藤 2: 1/2 and 1/2. January alone: due 2, 1/2 and 1/2."""
    other = make_user(Role.MEMBER, teams=[team], last_name="伊藤")

    def renewed(actor, day):  # type: ignore[no-untyped-def]
        c = contract(actor, account, day)
        renew_contract(actor=actor, contract=c, expected_version=c.version)

    def churned(actor, day):  # type: ignore[no-untyped-def]
        c = contract(actor, account, day)
        churn_contract(actor=actor, contract=c, expected_version=c.version, reason="他社へ")

    renewed(rep, D(2026, 1, 15))
    churned(rep, D(2026, 1, 20))
    renewed(rep, D(2026, 2, 10))
    contract(rep, account, D(2026, 3, 31))
    renewed(other, D(2026, 2, 1))
    churned(other, D(2026, 3, 5))
    renewed(rep, D(2025, 12, 31))
    renewed(other, D(2026, 4, 1))

    figures = renewal_figures(rep, *period_bounds("quarter", D(2026, 2, 1)))
    t = figures.total
    assert (t.due, t.renewed, t.churned, t.open) == (6, 3, 2, 1)
    assert (t.renewal_rate, t.churn_rate) == (3 / 6, 2 / 6)
    by_owner = {str(r.owner.last_name): r for r in figures.rows}
    assert (by_owner["青木"].due, by_owner["青木"].renewal_rate, by_owner["青木"].churn_rate) \
        == (4, 2 / 4, 1 / 4)
    assert (by_owner["伊藤"].due, by_owner["伊藤"].renewal_rate, by_owner["伊藤"].churn_rate) \
        == (2, 1 / 2, 1 / 2)
    january = renewal_figures(rep, *period_bounds("month", D(2026, 1, 1))).total
    assert (january.due, january.renewal_rate, january.churn_rate) == (2, 0.5, 0.5)
    empty = renewal_figures(rep, D(2030, 1, 1), D(2030, 2, 1)).total
    assert (empty.renewal_rate, empty.churn_rate) == (None, None)


def test_expansion_revenue_by_division(rep, account) -> None:  # type: ignore[no-untyped-def]
    """Won expansions in Q1 2026: inside sales 100,000 + 200,000, field sales 500,000;
    not counted: a lost expansion, a won deal that expands nothing, a won expansion in April
    and one not yet won."""
    base = contract(rep, account, D(2026, 6, 30))

    def expansion(amount, division, stage, at):  # type: ignore[no-untyped-def]
        d = create_deal(actor=rep, name=f"追加 {amount}", account=account, amount=amount,
                        expected_close_date=D(2026, 3, 31), stage=deal_stage("proposal"),
                        at=when("2025-12-01"))
        if division:
            d = attribute_expansion(actor=rep, deal=d, contract=base,
                                    originating_division=division, expected_version=d.version)
        if stage != "proposal":
            move_deal(actor=rep, deal=d, to_stage=deal_stage(stage), expected_version=d.version,
                      lost_reason=None if stage == "won" else
                      LostReason.objects.get(code="price"), at=when(at))
        return d

    expansion(100_000, "inside_sales", "won", "2026-01-20")
    expansion(200_000, "inside_sales", "won", "2026-03-31")
    expansion(500_000, "field_sales", "won", "2026-02-14")
    expansion(700_000, "field_sales", "lost", "2026-02-14")
    expansion(900_000, "", "won", "2026-02-14")
    expansion(800_000, "marketing", "won", "2026-04-01")
    expansion(600_000, "marketing", "proposal", "")
    rows = expansion_revenue(rep, D(2026, 1, 1), D(2026, 4, 1))
    assert [(r["division"], r["deals"], r["amount"]) for r in rows] == [
        ("field_sales", 1, 500_000), ("inside_sales", 2, 300_000)]
    deal = base.expansions.first()
    with pytest.raises(ValidationError):
        attribute_expansion(actor=rep, deal=deal, contract=base, originating_division="sales",
                            expected_version=deal.version)
    with pytest.raises(ConcurrentEdit):
        attribute_expansion(actor=rep, deal=deal, contract=None, originating_division="",
                            expected_version=deal.version - 1)


def test_renewal_soon(rep, account) -> None:  # type: ignore[no-untyped-def]
    c = contract(rep, account, D(2026, 3, 31))
    assert renewal_soon(c, today=D(2026, 1, 1))
    assert renewal_soon(c, today=D(2025, 12, 31))  # exactly 90 days
    assert not renewal_soon(c, today=D(2025, 12, 30))
    c.status = ContractStatus.RENEWED
    assert not renewal_soon(c, today=D(2026, 1, 1))
    assert Contract.objects.count() == 1
