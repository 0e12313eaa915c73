"""Task notifications: one digest mail per person per run, in their language, through a real
SMTP server (aiosmtpd on a free localhost port); a mail server that is down or refuses never
loses a run; the new assignee is mailed on reassignment; the nav badge; "new" in the inbox."""

from __future__ import annotations

import datetime as dt
import email
import socket
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone, translation
from django.utils.translation import ngettext

from kizuna.actions import notifications, services
from kizuna.actions.models import Alert
from kizuna.actions.tasks import RUN_JOB
from kizuna.core.jobs import run_job, start_job
from kizuna.core.models import Job, JobStatus, Role
from kizuna.customers.services import create_customer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every message."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "554 5.7.1 Message refused"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    """A real SMTP server on localhost; Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "kizuna@example.jp"
    settings.KIZUNA_SITE_URL = "https://crm.example.jp"
    mailbox.port = port  # type: ignore[attr-defined]
    yield mailbox
    controller.stop()


@pytest.fixture
def smtp_down(settings):  # type: ignore[no-untyped-def]
    """Nothing listens on the configured port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def people(make_user, make_team):  # type: ignore[no-untyped-def]
    sales = make_team("営業1課")
    return {
        "team": sales,
        "manager": make_user(Role.MANAGER, teams=[sales], last_name="田中",
                             email="tanaka@example.jp"),
        "ja": make_user(Role.MEMBER, teams=[sales], last_name="佐々木",
                        email="sasaki@example.jp"),  # no language saved: Japanese
        "en": make_user(Role.MEMBER, teams=[sales], last_name="Smith", language="en",
                        email="smith@example.jp"),
        "silent": make_user(Role.MEMBER, teams=[sales], last_name="山口", email=""),
    }


@pytest.fixture
def book(people):  # type: ignore[no-untyped-def]
    """Tokyo customers: two of the Japanese rep, one each of the English rep and the rep
    without an address; one in Osaka."""
    made = {}
    for name, owner, pref in (("山田", "ja", "東京都"), ("佐藤", "ja", "東京都"),
                              ("Brown", "en", "東京都"), ("鈴木", "silent", "東京都"),
                              ("高橋", "ja", "大阪府")):
        made[name] = create_customer(actor=people[owner], owner=people[owner], family_name=name,
                                     prefecture=pref, team=people["team"])
    return made


def criterion(make_criterion, people, **fields):  # type: ignore[no-untyped-def]
    values = {"name": "東京の顧客", "purpose": "東京の顧客に季節のご挨拶をするため",
              "title_template": "{name}様に連絡", "next_step": "電話する", "due_in_days": 3}
    return make_criterion(people["manager"], **{**values, **fields})


def body(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return part.get_content()


def test_one_digest_per_person_per_run_in_their_language(
        smtp, people, book, make_criterion, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    criterion(make_criterion, people)
    criterion(make_criterion, people, name="東京の顧客（再確認）",
              purpose="連絡先が正しいか確かめるため", title_template="{name}様の連絡先を確認",
              next_step="")
    with django_capture_on_commit_callbacks(execute=True):
        results = services.run_criteria()
    assert [r.created for r in results] == [4, 4]
    # One mail each for the two reps with an address; none for the one without.
    assert sorted(r for rcpt, _m in smtp.received for r in rcpt) == [
        "sasaki@example.jp", "smith@example.jp"]
    [ja] = smtp.to("sasaki@example.jp")
    [en] = smtp.to("smith@example.jp")

    assert ja["Content-Language"] == "ja" and en["Content-Language"] == "en"
    assert ja["From"] == "kizuna@example.jp"
    with translation.override("ja"):  # the Japanese catalogue's subject
        # Unfolding the long encoded header leaves a leading space: clients strip it.
        expected = ngettext("[Kizuna] %(n)s new task", "[Kizuna] %(n)s new tasks", 4) % {"n": 4}
        assert ja["Subject"].strip() == expected
    assert en["Subject"] == "[Kizuna] 2 new tasks"
    text = body(ja)
    alerts = Alert.objects.filter(assignee=people["ja"]).order_by("pk")
    assert len(alerts) == 4
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    for alert in alerts:  # every new task: title, why, due date and a link to it
        assert alert.title in text
        assert f"https://crm.example.jp/alerts/{alert.pk}/" in text
        assert f'href="https://crm.example.jp/alerts/{alert.pk}/"' in body(ja, "html")
    assert "東京の顧客に季節のご挨拶をするため" in text and "連絡先が正しいか確かめるため" in text
    assert due in text and "電話する" in text and "高橋" not in text  # Osaka: no task
    english = body(en)
    assert "The judgment criteria gave you 2 new tasks:" in english
    assert "Brown様に連絡" in english and "Due: " + due in english
    assert "https://crm.example.jp/inbox/" in english


def test_a_criterion_run_alone_mails_after_its_commit(
        smtp, people, book, make_criterion, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    found = criterion(make_criterion, people)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.run_criterion(criterion=found)
    assert smtp.received == []  # nothing is sent before the alerts are committed
    for callback in callbacks:
        callback()
    assert len(smtp.to("sasaki@example.jp")) == 1 and len(smtp.received) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.run_criterion(criterion=found)  # nothing new: no mail
        services.run_criterion(criterion=found, dry_run=True)
    assert len(smtp.received) == 2


def test_a_mail_server_that_is_down_loses_nothing_and_the_mail_is_sent_again(
        smtp_down, settings, people, book, make_criterion,
        django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    found = criterion(make_criterion, people)
    job = start_job(actor=people["manager"], kind=RUN_JOB, title="run", params={})
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job.call(str(job.pk)) == JobStatus.SUCCEEDED
    job.refresh_from_db()
    assert Alert.objects.filter(criterion=found).count() == 4  # the run is kept
    assert "4 new" in job.log
    assert "mail: 0 sent, 1 without an address, 2 failed" in job.log
    retry = Job.objects.get(kind=notifications.MAIL_JOB)
    assert retry.status == JobStatus.QUEUED and retry.pk != job.pk
    assert str(retry.pk) in job.log
    assert sorted(retry.params["alert_ids"]) == sorted(
        Alert.objects.filter(assignee__in=[people["ja"], people["en"]]).values_list("pk",
                                                                                     flat=True))

    # Still down: the mail job fails and can be retried by hand.
    assert run_job.call(str(retry.pk)) == JobStatus.FAILED
    # The server is back: the retry sends each mail once.
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        from kizuna.core.jobs import retry_job

        retry_job(actor=people["manager"], job=retry)
        assert run_job.call(str(retry.pk)) == JobStatus.SUCCEEDED
    finally:
        controller.stop()
    assert sorted(r for rcpt, _m in mailbox.received for r in rcpt) == [
        "sasaki@example.jp", "smith@example.jp"]
    retry.refresh_from_db()
    assert retry.result == {"sent": 2, "no_address": 0}


def test_a_refusing_mail_server_does_not_undo_the_run(
        smtp, people, book, make_criterion, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    smtp.refuse = True
    found = criterion(make_criterion, people)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = services.run_criteria()
    assert result.created == 4 and Alert.objects.filter(criterion=found).count() == 4
    retry = Job.objects.get(kind=notifications.MAIL_JOB)
    smtp.refuse = False
    # A retry after one person was mailed skips them.
    retry.params["sent"] = [people["ja"].pk]
    retry.save()
    assert run_job.call(str(retry.pk)) == JobStatus.SUCCEEDED
    assert [r for rcpt, _m in smtp.received for r in rcpt] == ["smith@example.jp"]


def test_the_new_assignee_is_mailed_on_reassignment(
        smtp, people, book, make_criterion, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    found = criterion(make_criterion, people)
    services.run_criterion(criterion=found)  # outside on-commit capture: no digest
    alert = Alert.objects.get(customer=book["Brown"])
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.reassign_alert(actor=people["manager"], alert=alert,
                                        expected_version=alert.version, assignee=people["ja"])
    [mail] = smtp.received[-1:]
    assert mail[0] == ["sasaki@example.jp"] and len(smtp.received) == 1
    message = mail[1]
    assert message["Content-Language"] == "ja" and "Brown様に連絡" in message["Subject"]
    assert f"https://crm.example.jp/alerts/{alert.pk}/" in body(message)
    assert "田中" in body(message)  # who handed it over
    with django_capture_on_commit_callbacks(execute=True):
        services.reassign_alert(actor=people["manager"], alert=alert,
                                expected_version=alert.version, assignee=people["manager"])
    assert len(smtp.received) == 1  # handing a task to oneself mails nobody


def test_nav_badge_counts_open_tasks_due_today_or_overdue(
        people, book, make_criterion, client_for) -> None:  # type: ignore[no-untyped-def]
    services.run_criterion(criterion=criterion(make_criterion, people))
    today = timezone.localdate()
    yamada, sato = (Alert.objects.get(customer=book[n]) for n in ("山田", "佐藤"))
    Alert.objects.filter(pk=yamada.pk).update(due_on=today - dt.timedelta(days=1))
    Alert.objects.filter(pk=sato.pk).update(due_on=today - dt.timedelta(days=1),
                                            snoozed_until=today + dt.timedelta(days=2))
    assert notifications.due_task_count(people["ja"]) == 1
    client = client_for(people["ja"])
    page = client.get("/inbox/").content.decode()
    assert 'hx-get="/inbox/badge/"' in page  # the navigation loads it: no query per page
    badge = client.get("/inbox/badge/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="nav-badge-inbox">1</span>' in badge
    Alert.objects.filter(pk=sato.pk).update(snoozed_until=today)
    assert notifications.due_task_count(people["ja"]) == 2
    sato.refresh_from_db()
    services.complete_alert(actor=people["ja"], alert=sato, expected_version=sato.version,
                            outcome_code="order")
    assert notifications.due_task_count(people["ja"]) == 1
    badge = client_for(people["en"]).get("/inbox/badge/").content.decode()
    assert badge.strip() == ""  # due in 3 days: not yet


def sign_in(client: Any, username: str, password: str) -> None:
    """Through the login form (django-axes needs the request), as people do."""
    answer = client.post("/login/", {"username": username, "password": password})
    assert answer.status_code == 302


def test_inbox_marks_what_came_since_the_last_look(
        people, book, make_criterion, client) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    found = criterion(make_criterion, people)
    services.run_criterion(criterion=found, now=timezone.now() - dt.timedelta(hours=1))
    sign_in(client, people["ja"].username, PASSWORD)
    page = client.get("/inbox/").content.decode()
    assert page.count('data-testid="new-task"') == 2  # first sign-in ever: all is new
    page = client.get("/inbox/").content.decode()
    assert 'data-testid="new-task"' not in page  # seen
    other = criterion(make_criterion, people, name="別の基準", title_template="{name}様を訪問")
    services.run_criterion(criterion=other)
    page = client.get("/inbox/").content.decode()
    assert page.count('data-testid="new-task"') == 2
    assert page.count('data-new="true"') == 2 and "様を訪問" in page
    client.logout()
    # Signing in again: what came since the previous sign-in is new (the session is new, so
    # the look at the inbox in between is not known).
    sign_in(client, people["ja"].username, PASSWORD)
    page = client.get("/inbox/").content.decode()
    assert page.count('data-testid="new-task"') == 2 and "様を訪問" in page
