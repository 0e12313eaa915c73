"""Criteria and their revisions, runs that raise alerts (never twice while one is open), and
what people do with an alert."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kizuna.actions import services
from kizuna.actions.builtins import install_examples
from kizuna.actions.models import Alert, AlertStatus, Criterion, CriterionVersion
from kizuna.actions.tasks import RUN_JOB
from kizuna.core.jobs import run_job, start_job
from kizuna.core.ledger import history
from kizuna.core.models import Job, JobStatus
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.identity import merge_records
from kizuna.customers.models import Customer, CustomFieldDefinition
from kizuna.customers.services import create_customer, define_custom_field


def test_only_managers_write_criteria(team, make_criterion) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        make_criterion(team["rep"])
    criterion = make_criterion(team["manager"])
    assert criterion.owner == team["manager"] and criterion.enabled
    with pytest.raises(PermissionDenied):
        services.update_criterion(actor=team["rep"], criterion=criterion, expected_version=1,
                                  name="x")


def test_invalid_rule_errors_land_on_their_fields(team, make_criterion) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        make_criterion(team["manager"], condition={"field": "nope", "op": "eq", "value": 1},
                       title_template="{name.__class__} {owner}", assignee_rule="user")
    errors = caught.value.message_dict
    assert set(errors) == {"condition", "title_template", "assignee_user"}
    assert errors["condition"][0].startswith("field:")


def test_every_rule_change_keeps_a_revision(team, make_criterion) -> None:  # type: ignore[no-untyped-def]
    manager = team["manager"]
    criterion = make_criterion(manager)
    first = criterion.versions.get()
    assert (first.number, first.condition) == (1, criterion.condition)
    criterion = services.update_criterion(
        actor=manager, criterion=criterion, expected_version=1,
        condition={"field": "prefecture", "op": "eq", "value": "大阪府"})
    criterion = services.set_criterion_enabled(actor=manager, criterion=criterion,
                                               expected_version=2, enabled=False)
    criterion = services.update_criterion(actor=manager, criterion=criterion,
                                          expected_version=3, cooldown_days=30)
    assert list(criterion.versions.values_list("number", "condition__value")) == [
        (2, "大阪府"), (1, "東京都")]  # enabling and the quiet period are settings, not rules
    with pytest.raises(ConcurrentEdit):
        services.update_criterion(actor=manager, criterion=criterion, expected_version=1,
                                  name="古い画面から")
    with pytest.raises(ValidationError):
        services.update_criterion(actor=manager, criterion=criterion, expected_version=4,
                                  entity="account")


def test_run_raises_one_alert_per_record_with_the_action(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"], due_in_days=3, priority="high")
    now = timezone.now()
    result = services.run_criterion(criterion=criterion, now=now)
    assert (result.matched, result.created) == (2, 2)
    alerts = list(Alert.objects.order_by("record_id"))
    assert [a.title for a in alerts] == ["山田様に連絡", "佐藤様に連絡"]
    first = alerts[0]
    assert first.customer == customers[0] and first.record_id == customers[0].pk
    assert first.assignee == team["rep"] and first.team == team["team"]
    assert first.criterion_version == criterion.versions.get()
    assert first.due_on == timezone.localdate(now) + dt.timedelta(days=3)
    assert (first.priority, first.next_step, first.status) == ("high", "電話する", "open")
    assert first.fired_at == now
    assert history(first).get().action == "create"  # each alert has its ledger entry
    criterion.refresh_from_db()
    assert criterion.last_run_created == 2


def test_never_twice_while_an_alert_is_open(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    manager, rep = team["manager"], team["rep"]
    criterion = make_criterion(manager)
    services.run_criterion(criterion=criterion)
    again = services.run_criterion(criterion=criterion)
    assert (again.matched, again.created, again.already_open) == (2, 0, 2)
    assert Alert.objects.count() == 2
    alert = Alert.objects.get(customer=customers[0])
    services.snooze_alert(actor=rep, alert=alert, expected_version=1,
                          until=timezone.localdate() + dt.timedelta(days=3), reason="出張中")
    assert services.run_criterion(criterion=criterion).created == 0  # snoozed is still open
    alert.refresh_from_db()
    services.complete_alert(actor=rep, alert=alert, expected_version=2,
                            outcome_code="no_contact", outcome_note="留守")
    # Done: the rule may fire again for that record (it still matches).
    assert services.run_criterion(criterion=criterion).created == 1
    assert Alert.objects.filter(customer=customers[0]).count() == 2


def test_the_database_refuses_a_second_open_alert(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"])
    services.run_criterion(criterion=criterion)
    alert = Alert.objects.first()
    assert alert is not None
    duplicate = Alert(criterion=alert.criterion, criterion_version=alert.criterion_version,
                      entity="customer", record_id=alert.record_id, customer=alert.customer,
                      title="x", assignee=alert.assignee, fired_at=timezone.now(),
                      due_on=alert.due_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    duplicate.status = AlertStatus.DONE  # closed ones may repeat: they are history
    duplicate.save()


def test_quiet_period_after_an_alert(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"], cooldown_days=30)
    now = timezone.now()
    services.run_criterion(criterion=criterion, now=now)
    Alert.objects.update(status=AlertStatus.DONE)
    soon = services.run_criterion(criterion=criterion, now=now + dt.timedelta(days=10))
    assert (soon.created, soon.quiet) == (0, 2)
    later = services.run_criterion(criterion=criterion, now=now + dt.timedelta(days=31))
    assert later.created == 2


def test_dry_run_writes_nothing(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"])
    result = services.run_criterion(criterion=criterion, dry_run=True)
    assert (result.matched, result.created, result.dry_run) == (2, 2, True)
    assert not Alert.objects.exists()


def test_assignee_rules(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    manager, rep = team["manager"], team["rep"]
    to_manager = make_criterion(manager, name="課長へ", assignee_rule="team_manager")
    services.run_criterion(criterion=to_manager)
    assert set(Alert.objects.values_list("assignee", flat=True)) == {manager.pk}
    fixed = make_criterion(manager, name="固定", assignee_rule="user",
                           assignee_user=team["rep2"])
    services.run_criterion(criterion=fixed)
    assert set(Alert.objects.filter(criterion=fixed).values_list("assignee", flat=True)) == {
        team["rep2"].pk}
    rep.is_active = False  # a rep who left: their tasks go to the criterion's responsible
    rep.save()
    to_owner = make_criterion(manager, name="担当へ")
    services.run_criterion(criterion=to_owner)
    assert set(Alert.objects.filter(criterion=to_owner).values_list("assignee", flat=True)) == {
        manager.pk}


def test_merge_moves_alerts_without_breaking_the_rule(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    """Both records have an open alert of the same criterion; the merge moves the duplicate's
    to the survivor (identity resolution moves every relation) and must not fail."""
    criterion = make_criterion(team["manager"])
    services.run_criterion(criterion=criterion)
    survivor, duplicate = customers[0], customers[1]
    merge_records(actor=team["rep"], survivor=survivor, duplicates=[duplicate])
    assert Alert.objects.filter(customer=survivor).count() == 2
    assert services.run_criterion(criterion=criterion).created == 0  # still covered


def test_done_snooze_and_reassign(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    manager, rep, rep2 = team["manager"], team["rep"], team["rep2"]
    services.run_criterion(criterion=make_criterion(manager))
    alert = Alert.objects.get(customer=customers[0])
    with pytest.raises(PermissionDenied):  # another rep's task
        services.complete_alert(actor=rep2, alert=alert, expected_version=1,
                                outcome_code="order")
    with pytest.raises(ValidationError) as caught:
        services.snooze_alert(actor=rep, alert=alert, expected_version=1,
                              until=timezone.localdate(), reason=" ")
    assert set(caught.value.message_dict) == {"until", "reason"}
    with pytest.raises(PermissionDenied):  # members do not reassign
        services.reassign_alert(actor=rep, alert=alert, expected_version=1, assignee=rep2)
    with pytest.raises(ValidationError):  # a manager hands tasks within their teams only
        services.reassign_alert(actor=manager, alert=alert, expected_version=1,
                                assignee=team["outsider"])
    alert = services.reassign_alert(actor=manager, alert=alert, expected_version=1,
                                    assignee=rep2)
    assert alert.assignee == rep2 and alert.version == 2
    with pytest.raises(ConcurrentEdit):
        services.complete_alert(actor=rep2, alert=alert, expected_version=1,
                                outcome_code="order")
    alert = services.complete_alert(actor=rep2, alert=alert, expected_version=2,
                                    outcome_code="proposal_made", outcome_note="見積提出")
    assert (alert.status, alert.outcome_code, alert.acted_by) == ("done", "proposal_made", rep2)
    assert alert.acted_at is not None
    with pytest.raises(ValidationError):
        services.complete_alert(actor=rep2, alert=alert, expected_version=3,
                                outcome_code="order")
    assert [e.action for e in history(alert)] == ["update", "update", "create"]


def test_scheduled_run_as_a_job(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    manager = team["manager"]
    daily = make_criterion(manager, name="毎日")
    make_criterion(manager, name="手動のみ", schedule="on_demand")
    make_criterion(manager, name="無効", enabled=False)
    job = start_job(actor=manager, kind=RUN_JOB, title="run", params={})
    assert run_job.call(str(job.pk)) == JobStatus.SUCCEEDED
    job = Job.objects.get(pk=job.pk)
    assert (job.progress, job.total) == (1, 1)
    assert job.result["created"] == 2
    assert [r["name"] for r in job.result["criteria"]] == ["毎日"]
    assert "毎日: 2 new" in job.log
    assert set(Alert.objects.values_list("criterion", flat=True)) == {daily.pk}


def test_a_broken_criterion_does_not_stop_the_others(team, admin_user, customers,
                                                      make_criterion) -> None:  # type: ignore[no-untyped-def]
    definition = define_custom_field(actor=admin_user, entity="customers.customer", key="rank",
                                     label_ja="ランク", label_en="Rank", field_type="text")
    make_criterion(team["manager"], name="壊れる",
                   condition={"field": "custom.rank", "op": "is_empty"})
    make_criterion(team["manager"], name="動く")
    definition.delete()
    job = start_job(actor=admin_user, kind=RUN_JOB, title="run", params={})
    run_job.call(str(job.pk))
    job = Job.objects.get(pk=job.pk)
    assert (job.status, job.result["failed"], job.result["created"]) == ("succeeded", 1, 2)
    assert "壊れる: NOT RUN" in job.log


def test_members_may_not_start_runs(team) -> None:  # type: ignore[no-untyped-def]
    job = start_job(actor=team["rep"], kind=RUN_JOB, title="run", params={})
    run_job.call(str(job.pk))
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_install_examples_once(admin_user) -> None:  # type: ignore[no-untyped-def]
    created = install_examples(actor=None, language="en")
    assert [c.key for c in created] == ["stale_account", "churn_risk_purchase_cycle",
                                        "upsell_subscription"]  # no budget month field
    assert all(not c.enabled and c.owner == admin_user for c in created)
    assert created[1].name == "Churn risk from the customer's own purchase cycle"
    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.ACCOUNT,
                        key="fiscal_month", label_ja="決算月", label_en="Fiscal month",
                        field_type="number")
    again = install_examples(actor=None)
    assert [c.key for c in again] == ["demand_period_approach"]
    assert again[0].condition == {"field": "custom.fiscal_month", "op": "month_in_next",
                                  "value": 2}
    assert Criterion.objects.count() == CriterionVersion.objects.count() == 4


def test_demand_period_fires_two_months_ahead(team, admin_user, make_criterion) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_account

    define_custom_field(actor=admin_user, entity=CustomFieldDefinition.Entity.ACCOUNT,
                        key="fiscal_month", label_ja="決算月", label_en="Fiscal month",
                        field_type="number")
    rep = team["rep"]
    for name, month in (("12月決算", 12), ("1月決算", 1), ("2月決算", 2), ("3月決算", 3)):
        create_account(actor=rep, name=name, custom={"fiscal_month": month})
    create_account(actor=rep, name="未設定")
    install_examples(actor=None)
    demand = Criterion.objects.get(key="demand_period_approach")
    now = dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)  # November in Tokyo
    result = services.run_criterion(criterion=demand, now=now)
    assert sorted(Alert.objects.values_list("account__name", flat=True)) == ["12月決算", "1月決算"]
    assert result.created == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_runs_do_not_duplicate(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    from kizuna.core.models import Role

    manager = make_user(Role.MANAGER)
    for i in range(20):
        create_customer(actor=manager, family_name=f"客{i}", prefecture="東京都")
    criterion = services.create_criterion(
        actor=manager, name="同時", purpose="p", entity="customer",
        condition={"field": "prefecture", "op": "eq", "value": "東京都"},
        title_template="{name}", enabled=True)
    barrier = threading.Barrier(3)
    created: list[int] = []

    def run() -> None:
        barrier.wait()
        try:
            created.append(services.run_criterion(criterion=criterion).created)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(created) == [0, 0, 20]
    assert Alert.objects.count() == 20
    assert Customer.objects.count() == 20
