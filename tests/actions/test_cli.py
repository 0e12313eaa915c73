"""`kizuna actions run|install-examples`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from kizuna.actions.models import Alert, Criterion
from kizuna.cli import KIZUNA_COMMANDS


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("actions", *args, stdout=out)
    return out.getvalue()


def test_run_dry_run_json_and_for_real(team, customers, make_criterion) -> None:  # type: ignore[no-untyped-def]
    criterion = make_criterion(team["manager"])
    make_criterion(team["manager"], name="無効", enabled=False)
    dry = json.loads(run("run", "--dry-run", "--json"))
    assert dry["dry_run"] and dry["created"] == 2
    assert [c["name"] for c in dry["criteria"]] == ["テスト基準"]
    assert not Alert.objects.exists()
    text = run("run", "--criterion", str(criterion.pk), "--as", team["manager"].username)
    assert "2 matched, created 2 alerts (0 already open" in text
    again = json.loads(run("run", "--json"))
    assert again["criteria"][0]["already_open"] == 2 and again["created"] == 0
    disabled = Criterion.objects.get(name="無効")
    assert json.loads(run("run", "--dry-run", "--json", "--criterion", str(disabled.pk)))[
        "criteria"][0]["matched"] == 2  # a dry run may try a disabled criterion
    with pytest.raises(CommandError, match="No enabled criterion"):
        run("run", "--criterion", str(disabled.pk))
    with pytest.raises(CommandError, match="--as-of"):
        run("run", "--as-of", "yesterday")


def test_install_examples(admin_user) -> None:  # type: ignore[no-untyped-def]
    assert run("install-examples", "--language", "en").startswith("3 example criteria added")
    assert run("install-examples").startswith("0 example")
    assert "actions" in KIZUNA_COMMANDS
