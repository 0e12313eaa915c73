"""Judgment criteria over the demo company: the compiled query vs the same rule row by row.

    python benchmarks/rules.py [--scale small|medium|large] [--repeat 3] [--python-limit N]

For each database the demo company is loaded once (kizuna demo-data, seed 1) into a database of
its own (var/bench-rules-<scale>.sqlite3, PostgreSQL kizuna_bench_rules_<scale> when
127.0.0.1:5432 answers; the large scale shares var/bench-large.sqlite3 and kizuna_bench_large
with benchmarks/customer_search.py) and kept for the next run; the shipped criteria are installed
(kizuna actions install-examples). Each built-in rule is then evaluated as of the demo's
"today" (2026-10-31, noon in Tokyo):

- Kizuna: the one query the rule compiles to, fetching the ids of the matching records
  (median of --repeat runs), and, for information, a full run that also writes the alerts and
  their ledger entries (rolled back afterwards);
- baseline: the straightforward way, reading the records with the related rows the rule looks
  at (orders, order lines, activities) and evaluating the rule on each record in Python
  (tests/actions/reference.py, the evaluator the property tests hold the compiler to). Its
  reading time is included: that is what evaluating row by row costs. ``--python-limit``
  evaluates only the first N records on the Python side and scales the time up (for the large
  scale, where all of it does not fit in memory), and says so.

Both sides must select the same records (checked whenever the Python side saw every record).
Prints seconds per rule and the ratio; the issue's target is every built-in rule under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _databases import databases  # benchmarks/_databases.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.datetime(2026, 10, 31, 3, 0, tzinfo=dt.UTC)  # noon in Tokyo


def worker(scale: str, repeat: int, python_limit: int | None) -> None:
    """Runs inside one process per database (Django settings come from DATABASE_URL)."""
    import django

    django.setup()
    sys.path.insert(0, str(ROOT))
    from django.core.management import call_command
    from django.db import connection, transaction
    from tests.actions import reference

    from kizuna.actions.builtins import install_examples
    from kizuna.actions.compiler import Clock, matching
    from kizuna.actions.conditions import parse_condition
    from kizuna.actions.entities import ACTIVITY_AGGREGATES, ORDER_AGGREGATES
    from kizuna.actions.models import Criterion
    from kizuna.actions.services import run_criterion
    from kizuna.customers.models import Account, Customer

    call_command("migrate", verbosity=0)
    if not Customer.objects.filter(source="demo").exists():
        started = time.perf_counter()
        call_command("demo_data", scale=scale, seed=1, no_progress=True)
        print(f"loaded the {scale} demo in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    install_examples(actor=None, language="en")
    clock = Clock.at(AS_OF)
    results = {"customers": Customer.objects.count(), "accounts": Account.objects.count(),
               "rules": []}
    for criterion in Criterion.objects.exclude(key="").order_by("pk"):
        node = parse_condition(criterion.condition, criterion.entity)
        timings, ids = [], set()
        for _ in range(repeat):
            started = time.perf_counter()
            ids = set(matching(node, criterion.entity, clock=clock)
                      .values_list("pk", flat=True))
            timings.append(time.perf_counter() - started)

        # The full run: the same query plus writing the alerts and their ledger entries.
        started = time.perf_counter()
        with transaction.atomic():
            run = run_criterion(criterion=criterion, now=AS_OF)
            transaction.set_rollback(True)
        run_seconds = time.perf_counter() - started

        started = time.perf_counter()
        uses = json.dumps(criterion.condition)
        records = reference.load(
            criterion.entity, limit=python_limit, lines="product_order_count" in uses,
            orders=any(name in uses for name in ORDER_AGGREGATES),
            activities=any(name in uses for name in ACTIVITY_AGGREGATES))
        selected = reference.select(records, node, AS_OF)
        python_seconds = time.perf_counter() - started
        total = (Account if criterion.entity == "account" else Customer).objects.filter(
            merged_into=None).count()
        complete = len(records) == total
        if not complete:
            python_seconds *= total / max(1, len(records))
        elif selected != ids:
            raise SystemExit(f"{criterion.key}: the query and the Python evaluation disagree "
                             f"({len(ids)} vs {len(selected)} records)")
        results["rules"].append({
            "rule": criterion.key, "entity": criterion.entity, "records": total,
            "matched": len(ids), "seconds": statistics.median(timings),
            "run_seconds": run_seconds, "alerts": run.created,
            "python_seconds": python_seconds, "python_complete": complete})
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python-limit", type=int, default=None,
                        help="evaluate only this many records per rule in Python (scaled up)")
    parser.add_argument("--only", choices=["SQLite", "PostgreSQL"])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.scale, args.repeat, args.python_limit)
        return
    (ROOT / "var").mkdir(exist_ok=True)
    for name, url in databases(args.scale, "rules").items():
        if args.only and name != args.only:
            continue
        if url.startswith("postgres"):
            database = url.rsplit("/", 1)[1]
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database],  # noqa: S607
                           capture_output=True, check=False)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "kizuna.settings",
               "KIZUNA_DATA_DIR": str(ROOT / "var")}
        command = [sys.executable, __file__, "--worker", "--scale", args.scale,
                   "--repeat", str(args.repeat)]
        if args.python_limit:
            command += ["--python-limit", str(args.python_limit)]
        run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            sys.exit(f"{name}: benchmark failed")
        result = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"\n== {name}: {result['customers']:,} customers, {result['accounts']:,} accounts "
              f"({args.scale}), as of {AS_OF:%Y-%m-%d}, median of {args.repeat} ==")
        print(f"{'rule':<28} {'records':>9} {'matched':>8} {'query s':>8} {'run s':>7} "
              f"{'python s':>9} {'ratio':>7}")
        worst = 0.0
        for r in result["rules"]:
            worst = max(worst, r["seconds"], r["run_seconds"])
            mark = "" if r["python_complete"] else "*"
            print(f"{r['rule']:<28} {r['records']:>9,} {r['matched']:>8,} {r['seconds']:>8.2f} "
                  f"{r['run_seconds']:>7.2f} {r['python_seconds']:>8.1f}{mark or ' '} "
                  f"{r['python_seconds'] / r['seconds']:>6.1f}x")
        if any(not r["python_complete"] for r in result["rules"]):
            print("* Python side evaluated on the first records only and scaled up")
        verdict = "meets" if worst < 10 else "misses"
        print(f"slowest rule {worst:.2f} s: {verdict} the 10 s target "
              "(run s = query + writing the alerts, rolled back)")


if __name__ == "__main__":
    main()
