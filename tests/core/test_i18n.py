"""Every user-facing string has its Japanese translation, compiled and current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

import kizuna

PACKAGE = Path(kizuna.__file__).parent
PO = PACKAGE / "locale/ja/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")


def test_every_entry_is_translated_and_not_fuzzy() -> None:
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert len(po) > 100


def test_compiled_catalogue_matches_the_source() -> None:
    po = {(e.msgid, e.msgstr or e.msgstr_plural.get(0, "")) for e in polib.pofile(str(PO))}
    mo = {(e.msgid, e.msgstr or e.msgstr_plural.get(0, "")) for e in polib.mofile(str(MO))}
    assert po - mo == set(), "run `make messages`: django.mo is older than django.po"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "kizuna"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--no-location"],
        cwd=copy, check=True, capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "kizuna.settings", "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(PACKAGE.parent), "KIZUNA_DATA_DIR": str(tmp_path / "var")},
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/ja/LC_MESSAGES/django.po"))}
    current = {e.msgid for e in polib.pofile(str(PO))}
    assert fresh - current == set(), "new strings need a Japanese translation (make messages)"


def test_pages_render_in_japanese_and_english(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(last_name="山田")
    client = Client()
    client.force_login(user)
    assert "ようこそ、山田さん" in client.get("/").content.decode()
    user.language = "en"
    user.save()
    assert "Welcome, 山田" in client.get("/").content.decode()
    with translation.override("ja"):
        from kizuna.core.services import ConcurrentEdit

        assert "再読み込み" in str(ConcurrentEdit(user))
