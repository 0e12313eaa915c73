"""Inbox, alert page (done / snooze / reassign), criteria list, detail with preview, and the
JSON condition editor."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kizuna.actions import services
from kizuna.actions.models import Alert, Criterion
from kizuna.core.models import Job
from kizuna.customers.services import create_contact


def _run(make_criterion, team, **fields):  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"], **fields)
    services.run_criterion(criterion=criterion)
    return criterion


def test_inbox_sorts_tasks_into_overdue_today_and_upcoming(team, customers, make_criterion,
                                                           client_for) -> None:  # type: ignore[no-untyped-def]
    _run(make_criterion, team, condition={"field": "prefecture", "op": "is_not_empty"})
    today = timezone.localdate()
    for customer, due in zip(customers, (-2, 0, 5), strict=True):
        Alert.objects.filter(customer=customer).update(due_on=today + dt.timedelta(days=due))
    client = client_for(team["rep"])
    page = client.get("/inbox/").content.decode()
    assert 'aria-current="page"' in page and "/inbox/" in page  # the nav entry
    for section, name in (("overdue", "山田"), ("today", "佐藤"), ("upcoming", "鈴木")):
        start = page.index(f'data-testid="inbox-{section}"')
        assert name in page[start:page.index("</section>", start)]
    assert "テストのため" in page and "電話する" in page  # purpose and suggested step
    fragment = client.get("/inbox/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'data-testid="inbox-today"' in fragment
    empty = client_for(team["rep2"]).get("/inbox/").content.decode()
    assert 'data-testid="inbox-empty"' in empty


def test_inbox_query_count_does_not_grow_with_tasks(team, make_criterion, client_for) -> None:  # type: ignore[no-untyped-def]
    from kizuna.customers.services import create_account, create_customer

    rep = team["rep"]
    account = create_account(actor=rep, name="取引先", prefecture="東京都")
    for i in range(3):
        create_customer(actor=rep, family_name=f"客{i}", prefecture="東京都")
        create_contact(actor=rep, account=account, family_name=f"担当{i}")
    _run(make_criterion, team)
    _run(make_criterion, team, name="担当者", entity="contact",
         condition={"field": "account.prefecture", "op": "eq", "value": "東京都"})
    client = client_for(rep)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/inbox/").status_code == 200
        return len(queries)

    few = count()
    for i in range(3, 12):
        create_customer(actor=rep, family_name=f"客{i}", prefecture="東京都")
    services.run_criterion(criterion=Criterion.objects.get(name="テスト基準"))
    assert Alert.objects.filter(assignee=rep).count() == 15
    assert count() == few


def test_managers_open_their_team_members_inboxes(team, customers, make_criterion,
                                                  client_for) -> None:  # type: ignore[no-untyped-def]
    _run(make_criterion, team)
    rep = team["rep"]
    page = client_for(team["manager"]).get(f"/inbox/?person={rep.pk}").content.decode()
    assert "山田様に連絡" in page
    assert client_for(team["rep2"]).get(f"/inbox/?person={rep.pk}").content.decode().count(
        "山田様に連絡") == 0  # members always see their own
    outsider_manager_page = client_for(team["manager"]).get(
        f"/inbox/?person={team['outsider'].pk}")
    assert outsider_manager_page.status_code == 404


def test_done_with_an_outcome_from_the_alert_page(team, customers, make_criterion,
                                                  client_for) -> None:  # type: ignore[no-untyped-def]
    _run(make_criterion, team)
    alert = Alert.objects.get(customer=customers[0])
    client = client_for(team["rep"])
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="done-form"' in page and 'data-testid="reassign-form"' not in page
    assert f"/customers/{customers[0].pk}/" in page
    missing = client.post(f"/alerts/{alert.pk}/done/", {"version": 1, "outcome_code": ""})
    assert missing.status_code == 422
    response = client.post(f"/alerts/{alert.pk}/done/", {
        "version": 1, "outcome_code": "proposal_made", "outcome_note": "見積を送付"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    alert.refresh_from_db()
    assert (alert.status, alert.outcome_code, alert.outcome_note) == (
        "done", "proposal_made", "見積を送付")
    done_page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="alert-outcome"' in done_page and "done-form" not in done_page
    assert client_for(team["outsider"]).get(f"/alerts/{alert.pk}/").status_code == 404
    open_one = Alert.objects.get(customer=customers[1])
    teammate = client_for(team["rep2"])  # the record is shared with the team: read, not act
    assert "done-form" not in teammate.get(f"/alerts/{open_one.pk}/").content.decode()
    assert teammate.post(f"/alerts/{open_one.pk}/done/", {
        "version": 1, "outcome_code": "order"}).status_code == 403


def test_stale_version_is_refused_with_a_message(team, customers, make_criterion,
                                                 client_for) -> None:  # type: ignore[no-untyped-def]
    _run(make_criterion, team)
    alert = Alert.objects.get(customer=customers[0])
    client = client_for(team["rep"])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert client.post(f"/alerts/{alert.pk}/snooze/", {
        "version": 1, "until": tomorrow, "reason": "来週連絡"}).status_code == 302
    with translation.override("en"):
        stale = client.post(f"/alerts/{alert.pk}/done/", {"version": 1,
                                                          "outcome_code": "order"},
                            HTTP_ACCEPT_LANGUAGE="en")
    assert stale.status_code == 422
    alert.refresh_from_db()
    assert alert.status == "open" and alert.snooze_reason == "来週連絡"
    past = client.post(f"/alerts/{alert.pk}/snooze/", {
        "version": 2, "until": timezone.localdate().isoformat(), "reason": "x"})
    assert past.status_code == 422 and 'class="error"' in past.content.decode()


def test_managers_reassign(team, customers, make_criterion, client_for) -> None:  # type: ignore[no-untyped-def]
    _run(make_criterion, team)
    alert = Alert.objects.get(customer=customers[0])
    manager = client_for(team["manager"])
    assert 'data-testid="reassign-form"' in manager.get(f"/alerts/{alert.pk}/").content.decode()
    assert client_for(team["rep"]).post(f"/alerts/{alert.pk}/reassign/", {
        "version": 1, "assignee": team["rep2"].pk}).status_code == 403
    outsider = manager.post(f"/alerts/{alert.pk}/reassign/", {
        "version": 1, "assignee": team["outsider"].pk})
    assert outsider.status_code == 422  # not one of the choices
    assert manager.post(f"/alerts/{alert.pk}/reassign/", {
        "version": 1, "assignee": team["rep2"].pk}).status_code == 302
    alert.refresh_from_db()
    assert alert.assignee == team["rep2"]
    assert manager.get(f"/alerts/{alert.pk}/done/").status_code == 302  # GET: back to the page


def test_criteria_list_with_a_constant_number_of_queries(team, make_criterion,
                                                         client_for) -> None:  # type: ignore[no-untyped-def]
    manager = team["manager"]
    make_criterion(manager, name="基準A")
    client = client_for(team["rep"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/criteria/")
        assert response.status_code == 200
        return len(queries)

    few = count()
    for name in ("基準B", "基準C", "基準D"):
        make_criterion(manager, name=name, enabled=False)
    page = client.get("/criteria/").content.decode()
    assert page.count('data-testid="criterion-row"') == 4
    assert 'data-testid="install-examples"' not in page  # members read only
    assert count() == few
    fragment = client.get("/criteria/?enabled=0", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.count('data-testid="criterion-row"') == 3 and "<html" not in fragment


def test_criterion_detail_and_preview(team, customers, make_criterion, client_for) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"])
    manager = client_for(team["manager"])
    page = manager.get(f"/criteria/{criterion.pk}/").content.decode()
    assert "東京都" in page and f"/criteria/{criterion.pk}/preview/" in page
    assert 'data-testid="revisions"' in page
    with translation.override("en"):
        preview = manager.get(f"/criteria/{criterion.pk}/preview/",
                              HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This rule would fire for these 2 customers." in preview
    assert preview.count("<li>") == 2 and "山田" in preview and "鈴木" not in preview
    assert 'data-testid="preview-new"' in preview
    rep = client_for(team["rep"])
    assert f"/criteria/{criterion.pk}/preview/" not in rep.get(
        f"/criteria/{criterion.pk}/").content.decode()
    assert rep.get(f"/criteria/{criterion.pk}/preview/").status_code == 403
    assert manager.get("/criteria/999999/").status_code == 404


def test_create_with_the_json_editor(team, customers, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(team["manager"])
    form = client.get("/criteria/new/").content.decode()
    assert 'data-testid="language-reference"' in form and "purchase_cycle_ratio" in form
    data = {"name": "東京の顧客", "purpose": "地域施策", "entity": "customer",
            "condition": '{"field": "prefecture", "op": "eq", "value": "東京都"',
            "title_template": "{name}様", "due_in_days": 7, "priority": "normal",
            "assignee_rule": "owner", "schedule": "daily", "cooldown_days": 0}
    broken = client.post("/criteria/new/", data)
    assert broken.status_code == 200
    assert "正しい JSON ではありません（1 行" in broken.content.decode()  # where the JSON breaks
    data["condition"] = json.dumps({"all": [{"field": "prefecture", "op": "eq", "value": 1}]})
    invalid = client.post("/criteria/new/", data).content.decode()
    assert "all[0].value" in invalid
    data["condition"] = json.dumps({"field": "prefecture", "op": "eq", "value": "東京都"},
                                   ensure_ascii=False)
    previewed = client.post("/criteria/new/", {**data, "preview": "1"}).content.decode()
    assert 'data-testid="preview-count"' in previewed and not Criterion.objects.exists()
    response = client.post("/criteria/new/", data)
    criterion = Criterion.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/criteria/{criterion.pk}/"
    assert criterion.condition["value"] == "東京都" and not criterion.enabled
    assert client_for(team["rep"]).get("/criteria/new/").status_code == 403


def test_edit_enable_and_run(team, customers, make_criterion, client_for) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"], enabled=False)
    client = client_for(team["manager"])
    form = client.get(f"/criteria/{criterion.pk}/edit/").content.decode()
    assert "&quot;東京都&quot;" in form  # the condition as pretty JSON
    data = {"name": criterion.name, "purpose": criterion.purpose,
            "condition": json.dumps({"field": "prefecture", "op": "eq", "value": "大阪府"}),
            "title_template": "{name}", "due_in_days": 3, "priority": "high",
            "assignee_rule": "owner", "schedule": "daily", "cooldown_days": 0, "version": 1}
    previewed = client.post(f"/criteria/{criterion.pk}/edit/", {**data, "preview": "1"})
    assert 'data-testid="preview-new"' in previewed.content.decode()
    assert client.post(f"/criteria/{criterion.pk}/edit/", data).status_code == 302
    stale = client.post(f"/criteria/{criterion.pk}/edit/", data)
    assert stale.status_code == 200 and 'role="alert"' in stale.content.decode()
    assert client.post(f"/criteria/{criterion.pk}/run/").status_code == 302  # not enabled
    assert not Job.objects.exists()
    client.post(f"/criteria/{criterion.pk}/toggle/", {"version": 2, "enabled": "1"})
    criterion.refresh_from_db()
    assert criterion.enabled and criterion.versions.count() == 2
    response = client.post(f"/criteria/{criterion.pk}/run/")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/" and job.params == {
        "criteria": [criterion.pk]}
    assert client.post("/criteria/run/").status_code == 302
    assert client_for(team["rep"]).post(f"/criteria/{criterion.pk}/toggle/", {
        "version": 3, "enabled": "0"}).status_code == 403


def test_install_examples_button(team, admin_user, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin_user)
    assert client.post("/criteria/install-examples/").status_code == 302
    assert Criterion.objects.count() == 3
    assert client_for(team["rep"]).post("/criteria/install-examples/").status_code == 403
