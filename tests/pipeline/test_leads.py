"""THE MODEL in the operational store: default stages, acquiring leads, moving them (fast pass,
recycle and revival, dead end, reasons, locking), the ledger, and the funnel of visible leads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kizuna.analytics.funnel import funnel_report
from kizuna.core.ledger import verify_chain
from kizuna.core.models import LedgerEntry, Role
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.services import create_account, create_contact, create_customer
from kizuna.pipeline.models import Lead, LeadStage, LeadTransition
from kizuna.pipeline.queries import lead_funnel, lead_stages, stage_path
from kizuna.pipeline.services import create_lead, move_lead, revive_lead

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


def stage(code: str) -> LeadStage:
    return LeadStage.objects.get(code=code)


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("en"):  # messages are matched in English
        yield


@pytest.fixture
def rep(make_user):  # type: ignore[no-untyped-def]
    return make_user()


@pytest.fixture
def contact(rep):  # type: ignore[no-untyped-def]
    account = create_account(actor=rep, name="株式会社緑茶商事")
    return create_contact(actor=rep, account=account, family_name="山田", given_name="花子")


def new_lead(actor, contact, when: str = "2025-01-06", **fields):  # type: ignore[no-untyped-def]
    return create_lead(actor=actor, contact=contact, lead_source="exhibition",
                       acquired_at=at(when), **fields)


def move(actor, lead, code: str, when: str, **fields) -> LeadTransition:  # type: ignore[no-untyped-def]
    lead.refresh_from_db()
    return move_lead(actor=actor, lead=lead, to_stage=stage(code), at=at(when),
                     expected_version=lead.version, **fields)


# --- stages ------------------------------------------------------------------------------------


def test_default_stages_come_from_the_migration() -> None:
    stages = lead_stages()
    assert [(s.code, s.name_ja, s.kind, s.division) for s in stages] == [
        ("acquired", "獲得", "main", "marketing"),
        ("nurturing", "育成", "main", "marketing"),
        ("promising", "有望", "main", "inside_sales"),
        ("accepted", "商談化", "main", "field_sales"),
        ("won", "受注", "main", "field_sales"),
        ("recycle", "リサイクル", "recycle", "marketing"),
        ("dead_end", "デッドエンド", "dead_end", "marketing"),
    ]
    assert all(s.entry_criterion for s in stages)
    path = stage_path()
    assert path.main == ("acquired", "nurturing", "promising", "accepted", "won")
    assert path.stages[path.revival] == "nurturing"


def test_a_second_recycle_box_is_refused_by_the_database() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LeadStage.objects.create(code="recycle2", name_ja="保留", name_en="On hold",
                                 kind="recycle", position=92, division="marketing")


def test_stage_labels_follow_the_language() -> None:
    from django.utils import translation

    with translation.override("en"):
        assert stage("accepted").label == "Sales-accepted"
    with translation.override("ja"):
        assert str(stage("accepted")) == "商談化"


# --- acquiring ---------------------------------------------------------------------------------


def test_create_lead_enters_acquisition_once_and_is_audited(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact, acquisition_cost=12_000, interest="給茶機の入替")
    assert lead.account == contact.account  # a contact's lead is also the account's
    assert (lead.stage.code, lead.stage_entered_at, lead.owner) == ("acquired", at("2025-01-06"),
                                                                    rep)
    [first] = lead.transitions.all()
    assert (first.from_stage, first.to_stage.code, first.at, first.by) == (
        None, "acquired", at("2025-01-06"), rep)
    logged = list(LedgerEntry.objects.filter(model__startswith="pipeline.lead")
                  .values_list("model", "action"))
    assert logged == [("pipeline.lead", "create"), ("pipeline.leadtransition", "create")]


def test_the_same_person_is_not_acquired_twice_while_in_play(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    with pytest.raises(ValidationError, match="already a lead"):
        new_lead(rep, contact, "2025-02-01")
    move(rep, lead, "recycle", "2025-01-20", reason="予算なし")
    with pytest.raises(ValidationError, match="already a lead"):  # revive it instead
        new_lead(rep, contact, "2025-03-01")
    move(rep, lead, "nurturing", "2025-03-02")
    move(rep, lead, "won", "2025-04-01")
    again = new_lead(rep, contact, "2025-05-01")  # a new need after winning: a new lead
    assert again.pk != lead.pk


def test_create_lead_access_rules(rep, make_user, contact) -> None:  # type: ignore[no-untyped-def]
    other = make_user()
    with pytest.raises(PermissionDenied):  # another member's contact is not visible
        new_lead(other, contact)
    with pytest.raises(PermissionDenied):
        new_lead(make_user(Role.VIEWER), contact)
    with pytest.raises(PermissionDenied, match="Only managers"):
        new_lead(rep, contact, owner=other)
    with pytest.raises(ValidationError, match="contact, a customer or an account"):
        create_lead(actor=rep, lead_source="inquiry")
    with pytest.raises(ValidationError, match="in the future"):
        create_lead(actor=rep, contact=contact, lead_source="inquiry",
                    acquired_at=timezone.now() + dt.timedelta(days=1))
    customer = create_customer(actor=rep, family_name="佐藤")
    d2c = create_lead(actor=rep, customer=customer, lead_source="web_form")
    assert d2c.account is None and d2c.customer == customer


# --- moving ------------------------------------------------------------------------------------


def test_step_by_step_is_not_a_fast_pass_and_skipping_is(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    assert not move(rep, lead, "nurturing", "2025-01-10").is_fast_pass
    skip = move(rep, lead, "accepted", "2025-01-20")  # nurturing → sales-accepted
    assert skip.is_fast_pass and skip.from_stage.code == "nurturing"
    assert not move(rep, lead, "won", "2025-02-10").is_fast_pass
    lead.refresh_from_db()
    assert lead.stage.code == "won" and lead.stage_entered_at == at("2025-02-10")
    assert lead.version == 4  # one optimistic-locking version per move


def test_recycle_needs_a_reason_and_comes_back_to_nurturing_without_new_acquisition(  # type: ignore[no-untyped-def]
        rep, contact) -> None:
    lead = new_lead(rep, contact, acquisition_cost=8_000)
    move(rep, lead, "nurturing", "2025-01-10")
    with pytest.raises(ValidationError) as refused:
        move(rep, lead, "recycle", "2025-01-20")
    assert "reason" in refused.value.message_dict
    move(rep, lead, "recycle", "2025-01-20", reason="今期は予算なし。10月に再検討")
    with pytest.raises(ValidationError, match="not acquired again"):
        move(rep, lead, "acquired", "2025-03-01")
    lead.refresh_from_db()
    back = revive_lead(actor=rep, lead=lead, expected_version=lead.version,
                       at=at("2025-03-01"), reason="ウェビナーに参加")
    assert (back.from_stage.code, back.to_stage.code, back.is_fast_pass) == (
        "recycle", "nurturing", False)
    lead.refresh_from_db()
    assert (lead.acquired_at, lead.acquisition_cost) == (at("2025-01-06"), 8_000)
    assert lead.transitions.filter(from_stage=None).count() == 1  # acquired once
    with pytest.raises(ValidationError, match="Only a recycled lead"):
        revive_lead(actor=rep, lead=lead, expected_version=lead.version)


def test_from_recycle_straight_to_promising_is_a_fast_pass(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    move(rep, lead, "recycle", "2025-01-07", reason="時期尚早")
    assert move(rep, lead, "promising", "2025-02-01").is_fast_pass  # skipped 育成


def test_dead_end_and_going_back_keep_their_reason(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    move(rep, lead, "promising", "2025-01-08")
    with pytest.raises(ValidationError, match="Say why"):
        move(rep, lead, "nurturing", "2025-01-09")  # back along the main path
    back = move(rep, lead, "nurturing", "2025-01-09", reason="予算未確定: 営業から差し戻し")
    assert not back.is_fast_pass and back.reason.startswith("予算未確定")
    with pytest.raises(ValidationError, match="Say why"):
        move(rep, lead, "dead_end", "2025-01-10", reason="  ")
    move(rep, lead, "dead_end", "2025-01-10", reason="競合他社の社員")
    with pytest.raises(ValidationError, match="Say why"):
        move(rep, lead, "nurturing", "2025-01-11")  # leaving the dead end
    move(rep, lead, "nurturing", "2025-01-11", reason="誤登録: 別の山田さん")


def test_moves_are_ordered_in_time_and_not_in_the_future(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact, "2025-01-06")
    with pytest.raises(ValidationError, match="before the lead entered"):
        move(rep, lead, "nurturing", "2025-01-05")
    lead.refresh_from_db()
    with pytest.raises(ValidationError, match="in the future"):
        move_lead(actor=rep, lead=lead, to_stage=stage("nurturing"),
                  expected_version=lead.version, at=timezone.now() + dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="already in this stage"):
        move(rep, lead, "acquired", "2025-01-07")


def test_a_stale_version_is_refused(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    seen = lead.version
    move(rep, lead, "nurturing", "2025-01-07")
    with pytest.raises(ConcurrentEdit):
        move_lead(actor=rep, lead=lead, to_stage=stage("promising"), expected_version=seen,
                  at=at("2025-01-08"))
    assert Lead.objects.get(pk=lead.pk).stage.code == "nurturing"


def test_who_may_move_a_lead(rep, make_user, make_team, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    with pytest.raises(PermissionDenied):
        move(make_user(), lead, "nurturing", "2025-01-07")
    team = make_team()
    rep.teams.add(team)
    boss = make_user(Role.MANAGER, teams=[team])
    assert move(boss, lead, "nurturing", "2025-01-07").by == boss


def test_a_criterion_moves_a_lead_without_a_person(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    with pytest.raises(ValueError, match="criterion"):
        move(None, lead, "nurturing", "2025-01-07")
    moved = move(None, lead, "nurturing", "2025-01-07",
                 criterion="ターゲットメールをクリックしフォーム入力開始")
    assert moved.by is None and moved.criterion.startswith("ターゲットメール")


def test_every_transition_is_in_the_ledger_and_the_chain_holds(rep, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact)
    move(rep, lead, "promising", "2025-01-07")
    move(rep, lead, "recycle", "2025-01-08", reason="見送り")
    entries = LedgerEntry.objects.filter(model="pipeline.leadtransition")
    assert entries.count() == LeadTransition.objects.count() == 3
    fast = entries.get(object_id=str(LeadTransition.objects.get(to_stage__code="promising").pk))
    assert fast.changes["is_fast_pass"] == [None, True]
    updates = LedgerEntry.objects.filter(model="pipeline.lead", action="update")
    assert [e.changes["version"] for e in updates] == [[1, 2], [2, 3]]
    assert verify_chain().ok


# --- the funnel of the leads one may see -------------------------------------------------------


def test_lead_funnel_is_the_engine_over_the_visible_log(rep, make_user, contact) -> None:  # type: ignore[no-untyped-def]
    lead = new_lead(rep, contact, "2025-01-06")
    move(rep, lead, "promising", "2025-01-07")  # fast pass
    move(rep, lead, "accepted", "2025-02-03")
    # 08:30 in Tokyo on 1 March is still 28 February in UTC: periods follow local time.
    other = make_user()
    theirs = create_account(actor=other, name="別会社")
    create_lead(actor=other, account=theirs, lead_source="inquiry",
                acquired_at=dt.datetime(2025, 3, 1, 8, 30, tzinfo=TOKYO))
    admin = make_user(Role.ADMINISTRATOR)
    view = lead_funnel(admin, freq="month", periods=3, until=dt.date(2025, 3, 15))
    report = view.report
    assert [str(e)[:10] for e in report.edges] == ["2025-01-01", "2025-02-01", "2025-03-01",
                                                   "2025-04-01"]
    assert report.flow[0].tolist() == [1, 0, 1]  # acquired: January and March
    assert report.fast_passes[2].tolist() == [1, 0, 0]
    assert report.balance[3].tolist() == [0, 1, 1]
    assert view.period_bounds(1) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    ids, stages, times = (np.array([lead.pk] * 3), ["acquired", "promising", "accepted"],
                          np.array(["2025-01-06T10", "2025-01-07T10", "2025-02-03T10"],
                                   dtype="datetime64[s]"))
    mine = lead_funnel(rep, freq="month", periods=3, until=dt.date(2025, 3, 15)).report
    expected = funnel_report(ids, stages, times, path=stage_path(), edges=report.edges)
    np.testing.assert_array_equal(mine.flow, expected.flow)
    np.testing.assert_array_equal(mine.balance, expected.balance)
    assert mine.leads.tolist() == [1, 1, 1]  # the other member's lead is not in it


def test_stage_admin_is_audited_and_renames_the_stage(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    nurturing = stage("nurturing")
    assert client.get("/admin/pipeline/leadstage/").status_code == 200
    response = client.post(f"/admin/pipeline/leadstage/{nurturing.pk}/change/", {
        "code": "nurturing", "name_ja": "ナーチャリング", "name_en": "Nurturing", "kind": "main",
        "position": 20, "division": "inside_sales", "entry_criterion": "メール開封"})
    assert response.status_code == 302, response.content.decode()[:500]
    nurturing.refresh_from_db()
    assert (nurturing.name_ja, nurturing.division, nurturing.version) == (
        "ナーチャリング", "inside_sales", 2)
    entry = LedgerEntry.objects.get(model="pipeline.leadstage", action="update")
    assert entry.changes["name_ja"] == ["育成", "ナーチャリング"]
