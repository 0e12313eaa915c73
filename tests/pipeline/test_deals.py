"""Deals: the service rules (amount from lines, probability and category, lost reasons, stage
history, optimistic locking, access) and the forecast and win rates on a constructed example
whose figures are worked out by hand (docs/decisions/0302-deals-and-forecast.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kizuna.commerce.models import Product
from kizuna.core.models import LedgerEntry, Role
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.services import (
    create_account,
    create_contact,
    create_customer,
    create_department,
)
from kizuna.pipeline.models import (
    DealPipeline,
    DealStage,
    ForecastCategory,
    LostReason,
)
from kizuna.pipeline.queries import deal_board, deal_forecast, visible_deals, win_rates
from kizuna.pipeline.services import (
    add_deal_contact,
    create_deal,
    create_default_pipeline,
    create_lead,
    log_activity,
    move_deal,
    update_deal,
)

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2025, 3, 1, 9, tzinfo=TOKYO)


def stage(code: str) -> DealStage:
    return DealStage.objects.get(pipeline__code="new_business", code=code)


def reason(code: str = "price") -> LostReason:
    return LostReason.objects.get(code=code)


def when(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


@pytest.fixture
def rep(make_user, make_team):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER, teams=[make_team("東京営業")])


@pytest.fixture
def account(rep):  # type: ignore[no-untyped-def]
    return create_account(actor=rep, name="株式会社緑茶商事", name_kana="リョクチャショウジ")


@pytest.fixture
def products(admin_user):  # type: ignore[no-untyped-def]
    return (Product.objects.create(code="KZ-200", name="給茶機 KZ-200", list_price=480_000),
            Product.objects.create(code="F-1", name="浄水フィルター", list_price=12_000))


def new_deal(actor, account, code: str = "first_visit", **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("expected_close_date", dt.date(2025, 6, 30))
    fields.setdefault("at", START)
    return create_deal(actor=actor, name=fields.pop("name", "本社 給茶機入替"), account=account,
                       stage=stage(code), **fields)


def test_the_migration_creates_the_default_pipeline() -> None:
    pipeline = DealPipeline.objects.get(code="new_business")
    stages = list(pipeline.stages.order_by("position").values_list("name_ja", "kind",
                                                                   "probability"))
    assert stages == [("初回訪問", "open", 10), ("ヒアリング", "open", 20), ("提案", "open", 40),
                      ("見積", "open", 60), ("交渉", "open", 80), ("受注", "won", 100),
                      ("失注", "lost", 0)]
    assert LostReason.objects.filter(code="competitor").exists()
    assert create_default_pipeline(actor=None) == pipeline  # nothing missing: nothing added
    assert pipeline.stages.count() == 7


def test_a_new_deal_starts_its_stage_history_and_takes_the_stage_probability(  # type: ignore[no-untyped-def]
        rep, account) -> None:
    deal = new_deal(rep, account, "quote", amount=1_200_000)
    assert (deal.probability, deal.forecast_category) == (60, ForecastCategory.BEST_CASE)
    assert deal.weighted_amount == 720_000
    assert (deal.owner, deal.pipeline.code, deal.stage_entered_at) == (rep, "new_business",
                                                                       START)
    first = deal.stage_changes.get()
    assert (first.from_stage, first.to_stage, first.by, first.amount) == (
        None, stage("quote"), rep, 1_200_000)
    # The default: the first open stage of the first pipeline.
    plain = create_deal(actor=rep, name="浄水器", account=account,
                        expected_close_date=dt.date(2025, 7, 1))
    assert plain.stage == stage("first_visit") and plain.probability == 10


def test_the_amount_is_the_sum_of_the_product_lines(rep, account, products) -> None:  # type: ignore[no-untyped-def]
    machine, filters = products
    deal = new_deal(rep, account, amount=1, lines=[(machine, 2, 450_000), (filters, 10, 12_000)])
    assert deal.amount == 1_020_000
    assert sorted(deal.lines.values_list("amount", flat=True)) == [120_000, 900_000]
    # An amount sent with lines in place is ignored; the lines decide.
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version, amount=5,
                       name="本社 給茶機 2台")
    assert deal.amount == 1_020_000
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version,
                       lines=[(machine, 1, 480_000)])
    assert deal.amount == 480_000 and deal.lines.count() == 1
    # Without lines the amount is what the user typed.
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version, lines=[],
                       amount=300_000)
    assert deal.amount == 300_000 and not deal.lines.exists()
    # Line changes are in the audit ledger like every write.
    assert LedgerEntry.objects.filter(model="pipeline.dealline", action="delete").count() == 3


def test_probability_and_category_overrides(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, "negotiation", amount=1_000_000)
    assert (deal.probability, deal.forecast_category) == (80, ForecastCategory.COMMIT)
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version,
                       probability_override=55)
    # The category follows the deal's own probability unless set too.
    assert (deal.probability, deal.forecast_category) == (55, ForecastCategory.BEST_CASE)
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version,
                       forecast_category_override=ForecastCategory.PIPELINE)
    assert (deal.probability, deal.forecast_category) == (55, ForecastCategory.PIPELINE)
    # The deal's own probability survives a move; clearing it gives back the stage's.
    move_deal(actor=rep, deal=deal, to_stage=stage("quote"), expected_version=deal.version,
              at=when("2025-03-05"))
    deal.refresh_from_db()
    assert deal.probability == 55
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version,
                       probability_override=None, forecast_category_override="")
    assert (deal.probability, deal.forecast_category) == (60, ForecastCategory.BEST_CASE)
    # An open deal at 0% is omitted; under 50% it is pipeline.
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version,
                       probability_override=0)
    assert deal.forecast_category == ForecastCategory.OMITTED
    deal = update_deal(actor=rep, deal=deal, expected_version=deal.version,
                       probability_override=49)
    assert deal.forecast_category == ForecastCategory.PIPELINE


def test_moving_to_lost_needs_a_reason_and_closes_the_deal(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, "proposal", amount=800_000)
    with pytest.raises(ValidationError) as refused:
        move_deal(actor=rep, deal=deal, to_stage=stage("lost"), expected_version=deal.version,
                  at=when("2025-04-02"))
    assert "lost_reason" in refused.value.message_dict
    move_deal(actor=rep, deal=deal, to_stage=stage("lost"), expected_version=deal.version,
              lost_reason=reason("competitor"), lost_note="  A社に決定  ",
              at=when("2025-04-02", 23))  # 23:00 in Tokyo is 14:00 UTC: the Tokyo day counts
    deal.refresh_from_db()
    assert (deal.probability, deal.forecast_category) == (0, ForecastCategory.OMITTED)
    assert deal.closed_at == when("2025-04-02", 23)
    assert deal.expected_close_date == dt.date(2025, 4, 2)
    assert (deal.lost_reason.code, deal.lost_note) == ("competitor", "A社に決定")
    # Reopened: the reason goes from the deal, the history keeps it.
    move_deal(actor=rep, deal=deal, to_stage=stage("quote"), expected_version=deal.version,
              at=when("2025-04-10"))
    deal.refresh_from_db()
    assert deal.lost_reason is None and deal.closed_at is None and deal.probability == 60
    changes = list(deal.stage_changes.order_by("at", "pk").values_list(
        "from_stage__code", "to_stage__code", "lost_reason__code", "note"))
    assert changes == [(None, "proposal", None, ""), ("proposal", "lost", "competitor",
                                                      "A社に決定"), ("lost", "quote", None, "")]


def test_won_deals_close_at_100_percent(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, "negotiation", amount=500_000, probability_override=30)
    move_deal(actor=rep, deal=deal, to_stage=stage("won"), expected_version=deal.version,
              at=when("2025-03-20"))
    deal.refresh_from_db()
    assert (deal.probability, deal.forecast_category) == (100, ForecastCategory.CLOSED)
    assert deal.expected_close_date == dt.date(2025, 3, 20)


def test_move_rules_and_stale_versions(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account)
    seen = deal.version
    move_deal(actor=rep, deal=deal, to_stage=stage("hearing"), expected_version=seen,
              at=when("2025-03-03"))
    with pytest.raises(ConcurrentEdit):  # someone moved it after this user opened it
        move_deal(actor=rep, deal=deal, to_stage=stage("proposal"), expected_version=seen)
    with pytest.raises(ConcurrentEdit):
        update_deal(actor=rep, deal=deal, expected_version=seen, name="古い画面からの保存")
    deal.refresh_from_db()
    assert deal.name == "本社 給茶機入替" and deal.stage == stage("hearing")
    with translation.override("ja"), pytest.raises(ValidationError, match="すでにこのステージ"):
        move_deal(actor=rep, deal=deal, to_stage=stage("hearing"),
                  expected_version=deal.version)
    with pytest.raises(ValidationError):  # before it entered its current stage
        move_deal(actor=rep, deal=deal, to_stage=stage("proposal"),
                  expected_version=deal.version, at=when("2025-03-02"))
    other = DealPipeline.objects.create(code="renewal", name_ja="保守更新", name_en="Renewal")
    foreign = DealStage.objects.create(pipeline=other, code="notice", name_ja="更新案内",
                                       name_en="Notice", probability=50)
    with pytest.raises(ValidationError):
        move_deal(actor=rep, deal=deal, to_stage=foreign, expected_version=deal.version)
    with pytest.raises(ValueError, match="stage"):  # the stage only moves through move_deal
        update_deal(actor=rep, deal=deal, expected_version=deal.version, stage=foreign)


def test_access_rules(rep, account, make_user) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, amount=100)
    stranger = make_user(Role.MEMBER)
    colleague = make_user(Role.MEMBER, teams=list(rep.teams.all()))
    manager = make_user(Role.MANAGER, teams=list(rep.teams.all()))
    viewer = make_user(Role.VIEWER, teams=list(rep.teams.all()))
    assert not visible_deals(stranger).exists()
    # Shared with the account's team (the default): colleagues see it, only the owner and
    # their managers change it.
    deal.refresh_from_db()
    assert deal.team is None or visible_deals(colleague).filter(pk=deal.pk).exists()
    for person in (stranger, colleague, viewer):
        with pytest.raises(PermissionDenied):
            move_deal(actor=person, deal=deal, to_stage=stage("hearing"),
                      expected_version=deal.version)
    move_deal(actor=manager, deal=deal, to_stage=stage("hearing"),
              expected_version=deal.version)
    # Nobody opens a deal on an account they cannot see, nor for someone else unless manager.
    hidden = create_account(actor=stranger, name="見えない商事")
    with pytest.raises(PermissionDenied):
        new_deal(rep, hidden)
    with pytest.raises(PermissionDenied):
        new_deal(rep, account, owner=colleague)
    assert new_deal(manager, account, owner=rep).owner == rep
    with pytest.raises(PermissionDenied):
        new_deal(viewer, account)


def test_buyers_departments_leads_and_buying_centre(rep, account) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        create_deal(actor=rep, name="宛先なし", expected_close_date=dt.date(2025, 6, 1))
    other = create_account(actor=rep, name="別会社")
    department = create_department(actor=rep, account=other, name="大阪支店")
    with pytest.raises(ValidationError) as refused:
        new_deal(rep, account, department=department)
    assert "department" in refused.value.message_dict
    # A department alone names its account.
    assert create_deal(actor=rep, name="支店", department=department,
                       expected_close_date=dt.date(2025, 6, 1)).account == other
    customer = create_customer(actor=rep, family_name="佐藤")
    d2c = create_deal(actor=rep, name="定期便", customer=customer,
                      expected_close_date=dt.date(2025, 6, 1))
    assert d2c.account is None and d2c.customer == customer

    boss = create_contact(actor=rep, account=account, family_name="山田",
                          buying_role="decision_maker")
    user = create_contact(actor=rep, account=account, family_name="鈴木", buying_role="user")
    lead = create_lead(actor=rep, contact=boss, lead_source="seminar", acquired_at=START)
    deal = new_deal(rep, account, lead=lead)
    assert deal.source == "seminar"  # taken from the lead
    add_deal_contact(actor=rep, deal=deal, contact=boss)
    link = add_deal_contact(actor=rep, deal=deal, contact=user, role="influencer")
    assert link.effective_role == "influencer"  # this deal's role wins over the usual one
    roles = {c.contact.family_name: c.effective_role for c in deal.deal_contacts.all()}
    assert roles == {"山田": "decision_maker", "鈴木": "influencer"}
    with pytest.raises(ValidationError):
        add_deal_contact(actor=rep, deal=deal, contact=boss)  # already there
    stranger = create_contact(actor=rep, account=other, family_name="田中")
    with pytest.raises(ValidationError):
        add_deal_contact(actor=rep, deal=deal, contact=stranger)

    # An activity on the deal is about its buyer and shows on its timeline.
    activity = log_activity(actor=rep, kind="visit", occurred_at=START, subject="ヒアリング",
                            deal=deal)
    assert (activity.account, activity.deal) == (account, deal)
    with pytest.raises(ValidationError):
        log_activity(actor=rep, kind="visit", occurred_at=START, subject="x", deal=deal,
                     account=other)


def test_competitors_demand_period_and_kana_search(rep, account) -> None:  # type: ignore[no-untyped-def]
    deal = new_deal(rep, account, name="ｷｭｳﾁｬｷ 入替", competitors="A社、B社, A社",
                    demand_month=3, demand_period=" 2026年度上期予算 ")
    assert deal.competitors == ["A社", "B社"]
    assert (deal.demand_month, deal.demand_period) == (3, "2026年度上期予算")
    from kizuna.customers.search import search_condition

    found = visible_deals(rep).filter(search_condition("きゅうちゃき", "search_key"))
    assert list(found) == [deal]
    by_account = visible_deals(rep).filter(search_condition("りょくちゃ", "search_key",
                                                            "account__search_key"))
    assert list(by_account) == [deal]


# --- the forecast on a constructed example --------------------------------------------------------


@pytest.fixture
def example(make_user, make_team):  # type: ignore[no-untyped-def]
    """Two reps in two teams, deals closing in April and May 2025 (and one in June, outside).

    青木 (team 東): A1 交渉 ¥1,000,000 4/10 → commit; A2 見積 ¥500,000 4/20 → best case;
    A3 提案 at 35% ¥333,333 5/15 → pipeline; A4 ヒアリング set to commit ¥200,000 5/31;
    A5 won ¥700,000 on 4/15; A6 lost ¥300,000 on 5/10; A7 提案 omitted ¥400,000 4/25.
    馬場 (team 西): B1 初回訪問 ¥2,000,000 4/30 → pipeline; B2 won ¥100,000 on 5/20;
    B3 lost ¥900,000 on 4/28; B4 lost ¥50,000 on 5/2; B5 ¥9,999 closing 6/1 (outside).
    """
    east, west = make_team("東"), make_team("西")
    aoki = make_user(Role.MEMBER, teams=[east], last_name="青木")
    baba = make_user(Role.MEMBER, teams=[west], last_name="馬場")
    boss = make_user(Role.ADMINISTRATOR)
    a_account = create_account(actor=aoki, name="青木の取引先", team=east)
    b_account = create_account(actor=baba, name="馬場の取引先", team=west)

    def deal(who, account, code, amount, close, *, source="", won=None, lost=None,  # type: ignore[no-untyped-def]
             **fields):
        made = create_deal(actor=who, name=f"{code}-{amount}", account=account,
                           stage=stage(code), amount=amount, expected_close_date=close,
                           at=START, source=source, **fields)
        if won:
            move_deal(actor=who, deal=made, to_stage=stage("won"),
                      expected_version=made.version, at=when(won))
        if lost:
            move_deal(actor=who, deal=made, to_stage=stage("lost"),
                      expected_version=made.version, at=when(lost), lost_reason=reason())
        return made

    may, april = dt.date(2025, 5, 1), dt.date(2025, 4, 1)
    deal(aoki, a_account, "negotiation", 1_000_000, dt.date(2025, 4, 10))
    deal(aoki, a_account, "quote", 500_000, dt.date(2025, 4, 20))
    deal(aoki, a_account, "proposal", 333_333, dt.date(2025, 5, 15), probability_override=35)
    deal(aoki, a_account, "hearing", 200_000, dt.date(2025, 5, 31),
         forecast_category_override="commit")
    deal(aoki, a_account, "negotiation", 700_000, may, source="seminar", won="2025-04-15")
    deal(aoki, a_account, "quote", 300_000, april, source="seminar", lost="2025-05-10")
    deal(aoki, a_account, "proposal", 400_000, dt.date(2025, 4, 25),
         forecast_category_override="omitted")
    deal(baba, b_account, "first_visit", 2_000_000, dt.date(2025, 4, 30))
    deal(baba, b_account, "quote", 100_000, april, source="referral", won="2025-05-20")
    deal(baba, b_account, "quote", 900_000, may, source="seminar", lost="2025-04-28")
    deal(baba, b_account, "hearing", 50_000, may, lost="2025-05-02")
    deal(baba, b_account, "hearing", 9_999, dt.date(2025, 6, 1))
    return boss, aoki, baba, east, west


def figures(cell) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return (cell.open_deals, cell.open_amount, cell.weighted, cell.commit, cell.best_case,
            cell.pipeline, cell.won)


def test_forecast_by_month_and_owner(example) -> None:  # type: ignore[no-untyped-def]
    boss, aoki, baba, _east, _west = example
    forecast = deal_forecast(boss, start=dt.date(2025, 4, 9), months=2)
    april, may = dt.date(2025, 4, 1), dt.date(2025, 5, 1)
    assert forecast.months == [april, may]
    assert [label for _key, label in forecast.groups] == ["青木", "馬場"]
    cells = {(key, month): figures(cell) for (key, month), cell in forecast.cells.items()}
    #                       open  amount     weighted   commit     best case  pipeline   won
    assert cells == {
        (aoki.pk, april): (3, 1_900_000, 1_100_000, 1_000_000, 500_000, 0, 700_000),
        (baba.pk, april): (1, 2_000_000, 200_000, 0, 0, 2_000_000, 0),
        # 333,333 × 35% + 200,000 × 20% = 156,666.55 → ¥156,667 (rounded once, half up)
        (aoki.pk, may): (2, 533_333, 156_667, 200_000, 0, 333_333, 0),
        (baba.pk, may): (0, 0, 0, 0, 0, 0, 100_000),
    }
    assert figures(forecast.month_totals[april]) == (4, 3_900_000, 1_300_000, 1_000_000,
                                                     500_000, 2_000_000, 700_000)
    assert figures(forecast.month_totals[may]) == (2, 533_333, 156_667, 200_000, 0, 333_333,
                                                   100_000)
    assert figures(forecast.total) == (6, 4_433_333, 1_456_667, 1_200_000, 500_000,
                                       2_333_333, 800_000)
    assert forecast.cells[(aoki.pk, april)].omitted == 400_000  # counted, but not forecast


def test_forecast_by_team_and_what_a_member_sees(example) -> None:  # type: ignore[no-untyped-def]
    boss, aoki, _baba, east, west = example
    by_team = deal_forecast(boss, start=dt.date(2025, 4, 1), months=2, by="team")
    assert [label for _key, label in by_team.groups] == ["東", "西"]
    assert by_team.cells[(east.pk, dt.date(2025, 4, 1))].weighted == 1_100_000
    assert by_team.cells[(west.pk, dt.date(2025, 4, 1))].pipeline == 2_000_000
    # A member's forecast covers only what they may see.
    own = deal_forecast(aoki, start=dt.date(2025, 4, 1), months=2)
    assert [key for key, _label in own.groups] == [aoki.pk]
    assert own.total.weighted == 1_256_667
    # One month: May only.
    may = deal_forecast(boss, start=dt.date(2025, 5, 1), months=1)
    assert figures(may.total) == (2, 533_333, 156_667, 200_000, 0, 333_333, 100_000)


def test_win_rates_by_count_and_by_amount(example) -> None:  # type: ignore[no-untyped-def]
    boss, _aoki, _baba, _east, _west = example
    rates, total = win_rates(boss, start=dt.date(2025, 4, 1), months=2, by="owner")
    table = {r.label: (r.won, r.lost, r.won_amount, r.lost_amount) for r in rates}
    assert table == {"青木": (1, 1, 700_000, 300_000), "馬場": (1, 2, 100_000, 950_000)}
    aoki, baba = rates
    assert (aoki.by_count, aoki.by_amount) == (0.5, 0.7)
    # 馬場 wins one deal in three but loses the big ones: 1/3 by count, 100/1,050 by amount.
    assert baba.by_count == pytest.approx(1 / 3) and baba.by_amount == pytest.approx(100 / 1050)
    assert (total.won, total.lost) == (2, 3)
    assert total.by_count == 0.4 and total.by_amount == pytest.approx(800 / 2050)
    with translation.override("en"):
        by_source, _total = win_rates(boss, start=dt.date(2025, 4, 1), months=2, by="source")
    table = {r.key: (r.label, r.won, r.lost, r.won_amount, r.lost_amount) for r in by_source}
    assert table == {"seminar": ("Seminar / webinar", 1, 2, 700_000, 1_200_000),
                     "referral": ("Referral", 1, 0, 100_000, 0),
                     "": ("Not recorded", 0, 1, 0, 50_000)}
    # April alone: 青木 won one, 馬場 lost one.
    april, total = win_rates(boss, start=dt.date(2025, 4, 1), months=1, by="owner")
    assert [(r.label, r.won, r.lost) for r in april] == [("青木", 1, 0), ("馬場", 0, 1)]
    assert total.by_amount == pytest.approx(700 / 1600)


def test_board_columns_count_and_sum_every_deal(example) -> None:  # type: ignore[no-untyped-def]
    boss, *_rest = example
    pipeline = DealPipeline.objects.get(code="new_business")
    columns = {c.stage.code: (c.count, c.amount, c.weighted) for c in
               deal_board(boss, pipeline)}
    # Closed columns hold the deals closed in the last 90 days: none of 2025's. Weighted
    # leaves the omitted deal out, as the forecast does.
    assert columns == {"first_visit": (1, 2_000_000, 200_000),
                       "hearing": (2, 209_999, 42_000), "proposal": (2, 733_333, 116_667),
                       "quote": (1, 500_000, 300_000), "negotiation": (1, 1_000_000, 800_000),
                       "won": (0, 0, 0), "lost": (0, 0, 0)}
    # Over a longer window the closed columns fill: lost deals count, but weigh nothing.
    closed = {c.stage.code: (c.count, c.amount, c.weighted) for c in
              deal_board(boss, pipeline, closed_days=365 * 100) if not c.stage.is_open}
    assert closed == {"won": (2, 800_000, 800_000), "lost": (3, 1_250_000, 0)}
