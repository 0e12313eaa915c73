"""Uploaded import files and rejected-row reports do not pile up: each new upload removes those
older than the retention period, and keeps the recent ones (a failed import can be retried)."""

from __future__ import annotations

import os
import time

from kizuna.core import imports


def test_new_upload_removes_only_old_files(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    folder = tmp_path / imports.UPLOAD_DIR
    folder.mkdir()
    day = 86_400
    ages = {"old.upload": 31, "old-rejected.csv": 45, "recent.upload": 29,
            "recent-rejected.csv": 1, "notes.txt": 400}
    for name, age in ages.items():
        path = folder / name
        path.write_bytes(b"x")
        moment = time.time() - age * day
        os.utime(path, (moment, moment))
    name = imports.store_upload("氏名,電話\n山田太郎,03-1234-5678\n".encode("cp932"))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [name, "recent.upload", "recent-rejected.csv", "notes.txt"])
    assert imports.upload_path(name).read_bytes().decode("cp932").startswith("氏名")
    assert imports.prune_uploads(folder) == 0  # nothing left to prune
