"""The audit ledger records every service write and detects tampering."""

from __future__ import annotations

import itertools
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kizuna.core.ledger import GENESIS, _payload, entry_digest, history, verify_chain
from kizuna.core.models import LedgerEntry, LedgerHead
from kizuna.customers.services import create_account, delete_account, update_account


@pytest.fixture
def three_changes(make_user):  # type: ignore[no-untyped-def]
    rep = make_user()
    account = create_account(actor=rep, name="山田製作所", name_kana="ヤマダセイサクショ")
    account = update_account(actor=rep, account=account, expected_version=1,
                             name="株式会社山田製作所")
    return rep, account


def test_create_and_update_are_recorded_with_old_and_new(three_changes) -> None:  # type: ignore[no-untyped-def]
    rep, account = three_changes
    create, update = history(account).order_by("seq")
    assert (create.action, create.actor, create.model) == ("create", rep, "customers.account")
    assert create.changes["name"] == [None, "山田製作所"]
    assert create.changes["owner"] == [None, rep.pk]
    assert update.changes == {"name": ["山田製作所", "株式会社山田製作所"],
                              "legal_form": ["", "株式会社"], "version": [1, 2]}
    assert update.object_repr == "株式会社山田製作所"


def test_delete_keeps_the_last_values(three_changes) -> None:  # type: ignore[no-untyped-def]
    rep, account = three_changes
    pk = account.pk
    delete_account(actor=rep, account=account, expected_version=2)
    last = LedgerEntry.objects.filter(object_id=str(pk)).order_by("-seq").first()
    assert last.action == "delete"
    assert last.changes["name"] == ["株式会社山田製作所", None]


def test_entries_are_chained(three_changes) -> None:  # type: ignore[no-untyped-def]
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert entries[0].prev_digest == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_digest == before.digest
        assert after.seq == before.seq + 1
    head = LedgerHead.objects.get()
    assert (head.seq, head.digest) == (entries[-1].seq, entries[-1].digest)
    assert verify_chain().ok
    assert verify_chain().checked == len(entries)


def test_passwords_never_reach_the_ledger(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(username="secretive")
    dumped = json.dumps(list(LedgerEntry.objects.values("changes")), ensure_ascii=False)
    assert "argon2" not in dumped
    assert "password" not in dumped  # the create entry lists profile fields only


def _tamper(seq: int, **fields: object) -> None:
    LedgerEntry.objects.filter(seq=seq).update(**fields)


def _rewrite_with_valid_digest(entry: LedgerEntry) -> None:
    entry.actor_name = "someone-else"
    entry.digest = entry_digest(entry.prev_digest, _payload(entry))
    entry.save()


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [
        (lambda e: _tamper(e[1].seq, changes={"name": [None, "別の会社"]}), 2, "digest"),
        (lambda e: _tamper(e[0].seq, actor_name="someone-else"), 1, "digest"),
        (lambda e: LedgerEntry.objects.filter(seq=e[1].seq).delete(), 2, "missing"),
        (lambda e: LedgerEntry.objects.filter(seq=e[-1].seq).delete(), None, "missing"),
        # Rewriting an entry *and* recomputing its digest still breaks the next entry's link.
        (lambda e: _rewrite_with_valid_digest(e[0]), 2, "link"),
    ],
)
def test_verify_reports_the_first_broken_link(three_changes, tamper, seq, reason) -> None:  # type: ignore[no-untyped-def]
    entries = list(LedgerEntry.objects.order_by("seq"))
    tamper(entries)
    result = verify_chain()
    assert not result.ok
    assert result.first_break.reason == reason
    assert result.first_break.seq == (seq if seq is not None else entries[-1].seq)


def test_cli_verify_exit_codes(three_changes, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("ledger", "verify", "--json")
    assert json.loads(capsys.readouterr().out) == {
        "ok": True, "checked": LedgerEntry.objects.count(), "broken_seq": None, "reason": None,
    }
    _tamper(2, object_repr="改ざん")
    with pytest.raises(CommandError) as excinfo:
        call_command("ledger", "verify")
    assert excinfo.value.returncode == 1
    assert "#2" in str(excinfo.value)
