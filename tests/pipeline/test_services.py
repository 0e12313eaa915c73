"""Activities are recorded with their outcome and linked only to records the actor may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.core.models import LedgerEntry, Role
from kizuna.customers.services import create_account, create_contact
from kizuna.pipeline.models import OutcomeCode
from kizuna.pipeline.queries import visible_activities
from kizuna.pipeline.services import log_activity

WHEN = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def test_visit_with_outcome_on_a_contact_fills_the_account(make_user, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    rep = make_user(teams=[team])
    account = create_account(actor=rep, name="東邦精機", team=team)
    contact = create_contact(actor=rep, account=account, family_name="佐藤")
    visit = log_activity(actor=rep, kind="visit", occurred_at=WHEN, subject="保守提案",
                         contact=contact, outcome_code=OutcomeCode.PROPOSAL_MADE,
                         outcome="見積依頼あり", next_step="見積提出",
                         next_step_due=dt.date(2026, 11, 27))
    assert visit.account == account and visit.team == team and visit.owner == rep
    assert LedgerEntry.objects.filter(model="pipeline.activity", action="create").exists()
    teammate = make_user(teams=[team])
    assert list(visible_activities(teammate)) == [visit]


def test_activity_needs_a_subject_record_and_visible_links(make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    with pytest.raises(ValidationError):
        log_activity(actor=alice, kind="call", occurred_at=WHEN, subject="宙に浮いた電話")
    secret = create_account(actor=alice, name="秘密")
    with pytest.raises(PermissionDenied):
        log_activity(actor=bob, kind="call", occurred_at=WHEN, subject="覗き見", account=secret)
    viewer = make_user(Role.VIEWER)
    with pytest.raises(PermissionDenied):
        log_activity(actor=viewer, kind="note", occurred_at=WHEN, subject="x", account=secret)
