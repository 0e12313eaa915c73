"""Settings come from the environment; production refuses unsafe defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("KIZUNA_", "DATABASE_URL", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        env={**base, "KIZUNA_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kizuna.settings",
             "PYTHONPATH": str(ROOT / "src"), **env},
    )


SETUP = "import django; django.setup(); from django.conf import settings as s; "


@pytest.mark.parametrize("secret", [None, "", "change-me", "short"])
def test_production_refuses_a_default_or_weak_secret(tmp_path, secret) -> None:  # type: ignore[no-untyped-def]
    env = {"KIZUNA_ENV": "production", "KIZUNA_ALLOWED_HOSTS": "crm.example.jp"}
    if secret is not None:
        env["KIZUNA_SECRET_KEY"] = secret
    result = run_python(SETUP + "print('started')", tmp_path, **env)
    assert result.returncode != 0
    assert "KIZUNA_SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


def test_production_with_a_real_secret_is_strict(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_python(
        SETUP + "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS)",
        tmp_path, KIZUNA_ENV="production", KIZUNA_SECRET_KEY="x" * 50,
        KIZUNA_ALLOWED_HOSTS="crm.example.jp",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "['crm.example.jp']"]


def test_local_defaults_are_embedded_and_keep_their_secret(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = SETUP + (
        "print(s.SECRET_KEY); print(s.DATABASES['default']['NAME']); "
        "print(s.TIME_ZONE, s.LANGUAGE_CODE, s.USE_TZ)"
    )
    first = run_python(code, tmp_path)
    second = run_python(code, tmp_path)
    assert first.returncode == 0, first.stderr
    key, db_name, tz = first.stdout.splitlines()
    assert len(key) >= 50 and first.stdout == second.stdout  # generated once, then reused
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    assert db_name == str(tmp_path / "kizuna.sqlite3")
    assert tz == "Asia/Tokyo ja True"


def test_database_url_selects_postgresql(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = SETUP + "d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'])"
    result = run_python(code, tmp_path, DATABASE_URL="postgres://kizuna@db.internal:5432/crm")
    assert result.stdout.split() == ["django.db.backends.postgresql", "crm", "db.internal"]


def test_bad_values_are_explained(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_python(SETUP, tmp_path, KIZUNA_DEBUG="maybe")
    assert "KIZUNA_DEBUG must be true or false" in result.stderr
    result = run_python(SETUP, tmp_path, KIZUNA_QUEUE="kafka://x")
    assert "KIZUNA_QUEUE" in result.stderr


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_python(
        SETUP + "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0])", tmp_path,
    )
    assert result.stdout.strip() == "wal", result.stderr


def test_cli_help_lists_kizuna_commands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_python("from kizuna.cli import main; main(['kizuna', '--help'])", tmp_path)
    for command in ("serve", "worker", "createuser", "ledger", "setup"):
        assert f"  {command}" in result.stdout
