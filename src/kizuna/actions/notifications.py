"""Notifications of tasks: the badge in the navigation, "new since you last looked" in the inbox,
and mail — one digest per person per run of the criteria, and a mail to the new assignee when a
task is reassigned.

Mail goes through Django's SMTP backend (settings: KIZUNA_SMTP_*), in each recipient's own
language (``User.language``; the site's default, Japanese, when unset), plain text with an HTML
alternative, with links built on ``KIZUNA_SITE_URL``. It is sent only after the alerts are
committed (``transaction.on_commit``): a mail server that is down or refuses never loses a run.
A failed send is logged (in the job log of the run when there is one) and queued again as the
job ``actions.send_task_mail``, which stays failed — and can be retried from the jobs page —
until every mail went out; people already mailed are not mailed twice.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.actions.models import Alert, AlertStatus
from kizuna.core.jobs import JobContext, job_kind, start_job
from kizuna.core.models import Job, User

logger = logging.getLogger(__name__)

MAIL_JOB = "actions.send_task_mail"
NEW_TASKS = "new"
REASSIGNED = "reassigned"
SEEN_KEY = "actions.inbox_seen_at"

Log = Callable[[str], None]


# --- in the app --------------------------------------------------------------------------------


def due_task_count(user: User, *, today: dt.date | None = None) -> int:
    """The user's open tasks for today or overdue (by the day they are for: the due date, or
    the day they were snoozed to). One count on the (assignee, status, due_on) index."""
    today = today or timezone.localdate()
    return Alert.objects.filter(assignee=user, status=AlertStatus.OPEN).filter(
        Q(snoozed_until__isnull=True, due_on__lte=today) | Q(snoozed_until__lte=today)).count()


def inbox_last_seen(request: HttpRequest) -> tuple[bool, dt.datetime | None]:
    """When the user last looked at their inbox, and remember that they look now.

    Kept in the session (no column for it): the first look after signing in compares with the
    previous sign-in (stored at login, below). Returns ``(known, moment)``: ``known`` is False
    when nothing is known (nothing is highlighted); ``moment`` None means "never": all is new.
    """
    session = request.session
    known = SEEN_KEY in session
    value = session.get(SEEN_KEY)
    session[SEEN_KEY] = timezone.now().isoformat()
    if not known:
        return False, None
    return True, dt.datetime.fromisoformat(value) if value else None


@receiver(pre_save, sender=User, dispatch_uid="actions_previous_login")
def _remember_previous_login(sender: type[User], instance: User,
                             update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
    """Signing in saves only ``last_login``: keep the value it overwrites for the inbox."""
    if instance.pk and update_fields is not None and set(update_fields) == {"last_login"}:
        instance._previous_login = (  # type: ignore[attr-defined]
            User.objects.filter(pk=instance.pk).values_list("last_login", flat=True).first())


@receiver(user_logged_in, dispatch_uid="actions_inbox_seen_at_login")
def _start_inbox_session(sender: Any, request: HttpRequest | None, user: User,
                         **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    previous = getattr(user, "_previous_login", None)
    request.session[SEEN_KEY] = previous.isoformat() if previous else ""


# --- mail --------------------------------------------------------------------------------------


@dataclass
class MailReport:
    """What one sending did: mails sent (user ids), people left out for want of an address,
    and failures (user id → error)."""

    sent: list[int] = field(default_factory=list)
    no_address: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    failed_alerts: list[int] = field(default_factory=list)
    retry_job: str | None = None

    def summary(self) -> str:
        text = (f"mail: {len(self.sent)} sent, {len(self.no_address)} without an address, "
                f"{len(self.failed)} failed")
        if self.failed:
            text += ": " + "; ".join(f"user {pk}: {error}" for pk, error in self.failed.items())
        if self.retry_job:
            text += f" (queued again as job {self.retry_job})"
        return text


def site_url(path: str) -> str:
    return settings.KIZUNA_SITE_URL + path


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def _alert_items(alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    return [{"alert": a, "url": site_url(reverse("actions:alert_detail", args=[a.pk])),
             "criterion": a.criterion_version.name, "purpose": a.criterion_version.purpose}
            for a in alerts]


def _message(user: User, kind: str, alerts: list[Alert], **extra: Any) -> EmailMultiAlternatives:
    """The mail for ``user`` in their language: subject, plain text and HTML."""
    language = language_of(user)
    with translation.override(language):
        context = {"user": user, "items": _alert_items(alerts), "count": len(alerts),
                   "inbox_url": site_url(reverse("actions:inbox")), **extra}
        name = "new_tasks" if kind == NEW_TASKS else "reassigned"
        subject = " ".join(render_to_string(f"actions/mail/{name}_subject.txt",
                                            context).split())
        text = render_to_string(f"actions/mail/{name}.txt", context)
        html = render_to_string(f"actions/mail/{name}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email],
                                     headers={"Content-Language": language})
    message.attach_alternative(html, "text/html")
    return message


def _open_alerts(alert_ids: Iterable[int]) -> list[Alert]:
    """The alerts still open, with what the mail shows (in a few queries, not one per alert)."""
    ids = list(alert_ids)
    found: list[Alert] = []
    for start in range(0, len(ids), 1000):
        found += Alert.objects.filter(pk__in=ids[start:start + 1000], status=AlertStatus.OPEN) \
            .select_related("assignee", "criterion_version").order_by("due_on", "pk")
    found.sort(key=lambda a: (a.due_on, a.pk))
    return found


def send_task_mail(alert_ids: Iterable[int], *, kind: str = NEW_TASKS,
                   skip_users: Iterable[int] = (), by: User | None = None,
                   on_sent: Callable[[int], None] | None = None) -> MailReport:
    """Mail each assignee of the (still open) alerts once: a digest of their new tasks, or
    the tasks handed to them. People without an address or inactive are left out; a failure
    for one person does not stop the others."""
    report = MailReport()
    by_person: dict[int, list[Alert]] = {}
    people: dict[int, User] = {}
    skip = set(skip_users)
    for alert in _open_alerts(alert_ids):
        if alert.assignee_id in skip or not alert.assignee.is_active:
            continue
        people[alert.assignee_id] = alert.assignee
        by_person.setdefault(alert.assignee_id, []).append(alert)
    connection = None
    try:
        for pk, alerts in by_person.items():
            user = people[pk]
            if not user.email:
                report.no_address.append(pk)
                continue
            extra = {"by": by} if kind == REASSIGNED else {}
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                message = _message(user, kind, alerts, **extra)
                message.connection = connection
                message.send()
            except (smtplib.SMTPException, OSError) as exc:
                report.failed[pk] = f"{type(exc).__name__}: {exc}"
                report.failed_alerts += [a.pk for a in alerts]
                connection = None  # a broken connection is opened again for the next person
            else:
                report.sent.append(pk)
                if on_sent:
                    on_sent(pk)
    finally:
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()
    return report


def deliver(alert_ids: Iterable[int], *, kind: str = NEW_TASKS, by: User | None = None,
            log: Log | None = None) -> MailReport:
    """Send now; what failed is logged and queued again as a job (retryable by hand)."""
    report = send_task_mail(alert_ids, kind=kind, by=by)
    if report.failed:
        job = start_job(actor=None, kind=MAIL_JOB, title=_("Send the task mail again"),
                        params={"alert_ids": report.failed_alerts, "kind": kind,
                                "by": by.pk if by else None})
        report.retry_job = str(job.pk)
        logger.warning("task mail failed: %s", report.summary())
    if log is not None and (report.sent or report.failed or report.no_address):
        log(report.summary())
    return report


# --- after a run ------------------------------------------------------------------------------

_batch: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "actions_mail_batch", default=None)


def alerts_created(alert_ids: list[int]) -> None:
    """Called by a run inside its transaction: mail once the alerts are committed — at the end
    of the surrounding ``digest`` (one mail per person for a run of many criteria), or right
    after the commit when the criterion ran alone."""
    if not alert_ids:
        return
    batch = _batch.get()
    if batch is not None:
        transaction.on_commit(lambda: batch.extend(alert_ids))
    else:
        transaction.on_commit(lambda: deliver(alert_ids), robust=True)


@contextlib.contextmanager
def digest(*, log: Log | None = None) -> Iterator[list[int]]:
    """Collect the alerts committed by the runs inside, then send one digest per person —
    also when a later criterion failed: what was committed is announced."""
    collected: list[int] = []
    token = _batch.set(collected)

    def send() -> None:
        if not collected:
            return
        try:
            deliver(collected, log=log)
        except Exception:  # never turn a committed run into a failed one
            logger.exception("task mail could not be prepared")
            if log is not None:
                log("mail: could not be prepared (see the server log)")

    try:
        yield collected
    finally:
        _batch.reset(token)
        # After the runs' own commit callbacks (which collected their alerts); at once when
        # no transaction surrounds the run, which is how runs are called.
        transaction.on_commit(send)


def alert_reassigned(alert: Alert, *, by: User) -> None:
    """Mail the new assignee once the reassignment is committed (not when people hand a task
    to themselves)."""
    if alert.assignee_id == by.pk:
        return
    transaction.on_commit(lambda: deliver([alert.pk], kind=REASSIGNED, by=by), robust=True)


@job_kind(MAIL_JOB)
def send_task_mail_job(job: JobContext) -> dict[str, Any]:
    """Send (again) the task mail that failed; who got it is remembered in the job's
    parameters, so a retry mails only the others."""
    params = dict(job.params)
    done = list(params.get("sent", []))
    by = User.objects.filter(pk=params.get("by")).first() if params.get("by") else None

    def remember(pk: int) -> None:
        done.append(pk)
        params["sent"] = done
        Job.objects.filter(pk=job.job.pk).update(params=params)

    report = send_task_mail(params.get("alert_ids", []), kind=params.get("kind", NEW_TASKS),
                            skip_users=done, by=by, on_sent=remember)
    job.log(report.summary())
    if report.failed:
        raise RuntimeError(report.summary())
    return {"sent": len(done), "no_address": len(report.no_address)}

