"""Importing a million-row CP932 customer CSV: Kizuna vs pandas read_csv + to_sql.

    python benchmarks/import_customers.py [--rows 1000000] [--db sqlite|postgres|both]

The file looks like an EC platform's export after Excel (CP932, 氏名 in one column, half-width
フリガナ, 和暦 and slash dates, phones and postal codes written every way). Kizuna does the
whole import (detect the encoding, map the headers, parse and validate every cell, split the
names, normalise phones/postal codes/kana, build search keys, one transaction, ledger entry);
the baseline is what an analyst would do without validation: ``pandas.read_csv(encoding=
"cp932")`` then ``DataFrame.to_sql`` into a table of the same columns on the same database.
Prints rows/s for both and the ratio; the issue's target is within 2x of the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def make_file(path: Path, rows: int, seed: int = 7) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from kizuna.demo.people import person
    from kizuna.japanese import normalize_kana

    rng = random.Random(seed)
    postal = ["100-0001", "〒530-0001", "1500001", "810-0001", "060-0001"]
    header = "会員番号,氏名,フリガナ,メールアドレス,電話番号,郵便番号,性別,生年月日,初回購入日"
    with path.open("w", encoding="cp932", newline="") as out:
        out.write(header + "\r\n")
        for i in range(rows):
            year = rng.randint(1950, 2005)
            gender = rng.choice(["male", "female"])
            family, given, family_kana, given_kana = person(rng, gender, year)
            kana = f"{family_kana} {given_kana}"
            if i % 3 == 0:  # half-width kana, as old systems export them
                kana = _half_width(normalize_kana(kana))
            phone = (f"0{rng.choice('987')}0-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
                     if i % 4 else f"03{rng.randint(1000, 9999)}{rng.randint(1000, 9999)}")
            born = (f"S{year - 1925}.{rng.randint(1, 12)}.{rng.randint(1, 28)}"
                    if year < 1989 and i % 2 else f"{year}/{rng.randint(1, 12)}/"
                                                   f"{rng.randint(1, 28)}")
            sex = {"male": rng.choice(["男", "男性"]), "female": rng.choice(["女", "女性"])}[gender]
            out.write(f"M{i:07d},{family} {given},{kana},user{i}@example.jp,{phone},"
                      f"{rng.choice(postal)},{sex},{born},"
                      f"2024/{rng.randint(1, 12)}/{rng.randint(1, 28)}\r\n")


def _half_width(katakana: str) -> str:
    import jaconv

    return jaconv.z2h(katakana, kana=True, ascii=False, digit=False)


def run_kizuna(path: Path) -> float:
    import django

    django.setup()
    from django.core.management import call_command

    from kizuna.core.imports import import_file
    from kizuna.core.models import Role, User

    call_command("migrate", verbosity=0)
    actor = User.objects.filter(username="bench").first() or User.objects.create_user(
        username="bench", password="bench-password-1", role=Role.ADMINISTRATOR)
    data = path.read_bytes()
    start = time.perf_counter()
    result, _report = import_file(actor=actor, kind="customers", data=data, source="bench")
    elapsed = time.perf_counter() - start
    assert result.imported + result.updated + result.unchanged == result.rows, result.errors[:5]
    return elapsed


def run_pandas(path: Path, url: str) -> float:
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(path, encoding="cp932", dtype=str, keep_default_na=False)
    # Plain to_sql, as an analyst would write it (default method: executemany).
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            frame.to_sql("baseline", connection, if_exists="replace", index=False)
    else:
        from sqlalchemy import create_engine

        engine = create_engine(url.replace("postgres://", "postgresql+psycopg://"))
        frame.to_sql("baseline", engine, if_exists="replace", index=False)
    return time.perf_counter() - start


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


def fresh_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # one process per measurement: a clean interpreter and database
        what, path = args.worker
        seconds = (run_kizuna(Path(path)) if what == "kizuna"
                   else run_pandas(Path(path), os.environ["DATABASE_URL"]))
        print(json.dumps({"seconds": seconds}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers-cp932.csv"
        print(f"making {args.rows:,} rows …", flush=True)
        make_file(path, args.rows)
        print(f"{path.stat().st_size / 1e6:,.0f} MB CP932", flush=True)
        targets = []
        if args.db in ("sqlite", "both"):
            targets.append(("SQLite", lambda name: f"sqlite:///{Path(tmp) / name}.sqlite3"))
        if args.db in ("postgres", "both") and postgres_answers():
            targets.append(("PostgreSQL", fresh_postgres))
        for label, database in targets:
            times = {}
            for what in ("kizuna", "pandas"):
                env = {**os.environ, "DATABASE_URL": database(f"kizuna_bench_import_{what}"),
                       "KIZUNA_DATA_DIR": tmp, "DJANGO_SETTINGS_MODULE": "kizuna.settings"}
                out = subprocess.run([sys.executable, __file__, "--worker", what, str(path)],
                                     env=env, check=False, capture_output=True, text=True)
                if out.returncode:
                    sys.exit(f"{label} {what} failed:\n{out.stderr[-3000:]}")
                times[what] = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
            ratio = times["kizuna"] / times["pandas"]
            print(f"{label:10s} kizuna {times['kizuna']:7.1f} s ({args.rows / times['kizuna']:,.0f}"
                  f" rows/s)  pandas read_csv+to_sql {times['pandas']:6.1f} s "
                  f"({args.rows / times['pandas']:,.0f} rows/s)  kizuna/pandas = {ratio:.2f}x "
                  f"(target <= 2x)", flush=True)


if __name__ == "__main__":
    main()
