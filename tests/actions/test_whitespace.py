"""Whitespace: the matrix with derived "won" cells, coverage and conversion on a constructed
example (per account, rep and team), history, access, stale versions, the condition aggregate
and the built-in rule that turns empty cells into tasks for the owner."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kizuna.actions import whitespace as ws
from kizuna.actions.builtins import install_examples
from kizuna.actions.compiler import matching
from kizuna.actions.conditions import parse_condition
from kizuna.actions.models import Alert, CellStatus, Criterion, WhitespaceCellChange
from kizuna.actions.services import run_criterion, set_criterion_enabled
from kizuna.commerce.models import Order, OrderLine, Product
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.models import Account
from kizuna.customers.services import create_account, create_department
from tests.actions.conftest import days_ago

pytestmark = pytest.mark.django_db

GREEN, SUBSCRIPTION, TEAWARE = "緑茶", "定期便", "茶器"


def sell(account, department, *codes, kind="sale", days=10):  # type: ignore[no-untyped-def]
    order = Order.objects.create(account=account, department=department, kind=kind,
                                 ordered_at=days_ago(days), total=1000)
    for code in codes:
        OrderLine.objects.create(order=order, product=Product.objects.get(code=code),
                                 unit_price=1000)
    return order


@pytest.fixture
def world(team):  # type: ignore[no-untyped-def]
    """A: two departments, one won cell, hand-set cells; B: no departments, two won cells and
    a need; C: untouched."""
    for code, category, active in (("P1", GREEN, True), ("P2", SUBSCRIPTION, True),
                                   ("P3", TEAWARE, True), ("P4", "廃番", False),
                                   ("P5", "", True)):
        Product.objects.create(code=code, name=code, category=category, active=active)
    rep, rep2 = team["rep"], team["rep2"]
    a = create_account(actor=rep, name="山田製作所", team=team["team"])
    general = create_department(actor=rep, account=a, name="総務部")
    factory = create_department(actor=rep, account=a, name="製造部")
    b = create_account(actor=rep2, name="大阪商事", team=team["team"])
    c = create_account(actor=rep, name="未着手商事", team=team["team"])
    sell(a, general, "P1", "P4")  # won: general × 緑茶 (P4's category is not a column)
    sell(a, None, "P3")  # an account-level order of an account with departments: no cell
    sell(a, factory, "P2", kind="return")  # returns win nothing
    sell(b, None, "P2", "P3")  # won: whole account × 定期便, 茶器
    ws.set_cell(actor=rep, account=a, department=general, category=SUBSCRIPTION,
                status=CellStatus.APPROACHED, expected_version=0)
    ws.set_cell(actor=rep, account=a, department=factory, category=GREEN,
                status=CellStatus.NEED, expected_version=0, note="ライン増設で需要")
    ws.set_cell(actor=rep, account=a, department=factory, category=TEAWARE,
                status=CellStatus.NO_NEED, expected_version=0)
    cell = ws.set_cell(actor=rep, account=a, department=factory, category=SUBSCRIPTION,
                       status=CellStatus.NEED, expected_version=0)
    ws.set_cell(actor=rep, account=a, department=factory, category=SUBSCRIPTION,
                status=CellStatus.NOT_APPROACHED, expected_version=cell.version)
    ws.set_cell(actor=rep2, account=b, department=None, category=GREEN,
                status=CellStatus.NEED, expected_version=0)
    return {"a": a, "b": b, "c": c, "general": general, "factory": factory}


def test_matrix_statuses_with_derived_won_cells(world) -> None:
    assert ws.categories() == [SUBSCRIPTION, GREEN, TEAWARE]
    m = ws.matrix(world["a"])
    general, factory = world["general"].pk, world["factory"].pk
    assert [label for _pk, label in m.rows] == ["総務部", "製造部"]
    assert {key: cell.status for key, cell in m.cells.items()} == {
        (general, SUBSCRIPTION): "approached", (general, GREEN): "won",
        (general, TEAWARE): "not_approached",
        (factory, SUBSCRIPTION): "not_approached", (factory, GREEN): "need",
        (factory, TEAWARE): "no_need"}
    with translation.override("ja"):
        whole = ws.matrix(world["b"])
    assert whole.rows == [(ws.WHOLE, "取引先全体（部門なし）")]
    assert [c.status for c in whole.cells.values()] == ["won", "need", "won"]
    # History: both changes of the factory × 定期便 cell, newest first, with who.
    changes = list(ws.history(world["a"], factory, SUBSCRIPTION))
    assert [(c.previous, c.status) for c in changes] == [("need", "not_approached"),
                                                         ("not_approached", "need")]
    assert changes[0].set_by.last_name == "佐々木"


def test_coverage_and_conversion_per_account_rep_and_team(world, team) -> None:
    a, b, c = world["a"], world["b"], world["c"]
    kpis = ws.account_kpis(Account.objects.all())
    # A: 6 cells, 2 not approached, 1 approached, 1 need, 1 no need, 1 won.
    assert (kpis[a.pk].cells, kpis[a.pk].touched) == (6, 4)
    assert kpis[a.pk].counts == {"not_approached": 2, "approached": 1, "need": 1,
                                 "no_need": 1, "won": 1}
    assert kpis[a.pk].coverage == pytest.approx(4 / 6)
    assert kpis[a.pk].conversion == pytest.approx(1 / 2)  # won / (need + won)
    assert (kpis[b.pk].coverage, kpis[b.pk].conversion) == (1.0, pytest.approx(2 / 3))
    assert (kpis[c.pk].coverage, kpis[c.pk].conversion) == (0.0, None)
    summary = ws.summary(Account.objects.all())
    owners = {owner: kpi for owner, kpi in summary.owners}
    assert owners[team["rep"]].coverage == pytest.approx(4 / 9)  # A + C, pooled
    assert owners[team["rep"]].conversion == pytest.approx(1 / 2)
    assert owners[team["rep2"]].coverage == 1.0
    assert summary.teams == [(team["team"], summary.total)]
    assert summary.total.coverage == pytest.approx(7 / 12)
    assert summary.total.conversion == pytest.approx(3 / 5)
    assert [account for account, _kpi in summary.accounts] == [b, a, c]


def test_open_cells_in_conditions(world) -> None:
    def hits(condition):  # type: ignore[no-untyped-def]
        node = parse_condition(condition, "account")
        return set(matching(node, "account").values_list("pk", flat=True))

    a, b, c = world["a"], world["b"], world["c"]
    assert hits({"aggregate": "whitespace_open_cells", "op": "eq", "value": 2}) == {a.pk}
    assert hits({"aggregate": "whitespace_open_cells", "op": "eq", "value": 0}) == {b.pk}
    assert hits({"aggregate": "whitespace_open_cells", "op": "gte", "value": 2}) == {a.pk, c.pk}
    assert hits({"not": {"aggregate": "whitespace_open_cells", "op": "gt", "value": 2}}) == {
        a.pk, b.pk}


def test_the_builtin_rule_turns_empty_cells_into_tasks_for_the_owner(world, team,
                                                                     admin_user) -> None:
    install_examples(actor=None, language="ja")
    rule = Criterion.objects.get(key="whitespace_expansion")
    rule = set_criterion_enabled(actor=admin_user, criterion=rule,
                                 expected_version=rule.version, enabled=True)
    result = run_criterion(criterion=rule)
    # A bought this year and has 2 open cells; B has none open; C never bought.
    alerts = list(Alert.objects.filter(criterion=rule))
    assert result.created == 1 and [x.account for x in alerts] == [world["a"]]
    assert alerts[0].assignee == team["rep"] and "山田製作所" in alerts[0].title
    assert run_criterion(criterion=rule).created == 0  # never twice while open


def test_access_stale_versions_and_won_cells(world, team) -> None:
    a, general, factory = world["a"], world["general"], world["factory"]
    for user in (team["rep2"], team["outsider"], team["viewer"]):  # may not edit A
        with pytest.raises(PermissionDenied):
            ws.set_cell(actor=user, account=a, department=general, category=TEAWARE,
                        status=CellStatus.APPROACHED, expected_version=0)
    ws.set_cell(actor=team["manager"], account=a, department=general, category=TEAWARE,
                status=CellStatus.APPROACHED, expected_version=0)
    count = WhitespaceCellChange.objects.count()
    with pytest.raises(ConcurrentEdit):  # the rep's form still shows the untouched cell
        ws.set_cell(actor=team["rep"], account=a, department=general, category=TEAWARE,
                    status=CellStatus.NO_NEED, expected_version=0)
    with pytest.raises(ConcurrentEdit):
        ws.set_cell(actor=team["rep"], account=a, department=factory, category=GREEN,
                    status=CellStatus.NO_NEED, expected_version=5)
    assert WhitespaceCellChange.objects.count() == count
    with pytest.raises(ValidationError) as won:
        ws.set_cell(actor=team["rep"], account=a, department=general, category=GREEN,
                    status=CellStatus.APPROACHED, expected_version=0)
    assert "status" in won.value.message_dict
    for bad in ({"status": CellStatus.WON}, {"category": "廃番"}, {"department": None}):
        values = {"department": general, "category": TEAWARE, "status": "need", **bad}
        with pytest.raises(ValidationError):
            ws.set_cell(actor=team["rep"], account=a, expected_version=1, **values)
