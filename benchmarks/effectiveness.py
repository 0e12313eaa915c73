"""Effectiveness of judgment criteria at 100,000 alerts: seconds for the whole report.

    python benchmarks/effectiveness.py [--database sqlite|postgres] [--alerts 100000]

Builds a synthetic company in a database of its own (a temporary SQLite file, or PostgreSQL
kizuna_bench_effectiveness on 127.0.0.1:5432, recreated): 100,000 customers (or one per
alert) with 3 orders each on average over a year (one in twenty a return), four customer
criteria with --alerts alerts between them fired on 300 run days, half of them done with an
outcome. Then times ``effectiveness.measure`` for every criterion (the page) and by revision
(one criterion's page), median of 3, for each window, and prints the query count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.datetime(2026, 10, 31, 3, 0, tzinfo=dt.UTC)  # noon in Tokyo


def setup(database: str) -> None:
    if database == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS kizuna_bench_effectiveness")
            conn.execute("CREATE DATABASE kizuna_bench_effectiveness")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/kizuna_bench_effectiveness"
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("KIZUNA_DATA_DIR", tempfile.mkdtemp())
    os.environ["DJANGO_SETTINGS_MODULE"] = "kizuna.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def required(model: type) -> list[str]:
    """The columns without a default (insert_rows wants a value for each)."""
    return [f.name for f in model._meta.concrete_fields  # type: ignore[attr-defined]
            if not (f.primary_key or f.has_default() or f.null
                    or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))]


def build(alerts: int) -> list:  # type: ignore[type-arg]
    from kizuna.actions.models import Alert, Criterion, CriterionVersion
    from kizuna.actions.services import create_criterion
    from kizuna.commerce.models import Order
    from kizuna.core.bulk import insert_rows
    from kizuna.core.models import Role, User
    from kizuna.customers.models import Customer

    rng = random.Random(1)
    owner = User.objects.create(username="bench", role=Role.MANAGER)
    n_customers = max(alerts, 100_000)
    names = required(Customer)
    insert_rows(Customer, names, [
        tuple(owner.pk if n == "owner" else f"顧客{i}" if n == "family_name" else ""
              for n in names) for i in range(n_customers)], batch_size=5000)
    ids = list(Customer.objects.values_list("pk", flat=True))
    start = TODAY - dt.timedelta(days=365)
    orders = []
    for _ in range(3 * n_customers):
        when = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
        if rng.random() < 0.05:
            orders.append((rng.choice(ids), when, "return", -rng.randrange(1000, 5000)))
        else:
            orders.append((rng.choice(ids), when, "sale", rng.randrange(1000, 30000)))
    given = ("customer", "ordered_at", "kind", "total")
    blank = tuple(n for n in required(Order) if n not in given)  # text columns: empty
    insert_rows(Order, (*given, *blank), [(*o, *("" for _ in blank)) for o in orders],
                batch_size=5000)
    criteria = [create_criterion(actor=None, owner=owner, name=f"基準{i}", purpose="bench",
                                 entity="customer",
                                 condition={"field": "prefecture", "op": "eq", "value": "x"},
                                 title_template="{name}") for i in range(4)]
    versions = {c.pk: CriterionVersion.objects.get(criterion=c).pk for c in criteria}
    rows = []
    for i in range(alerts):
        criterion = criteria[i % 4]
        fired = start + dt.timedelta(days=rng.randrange(300), hours=-8)
        done = rng.random() < 0.5
        customer = ids[(i * 7919) % n_customers]  # 7919 is prime: distinct alerts' records
        rows.append((criterion.pk, versions[criterion.pk], "customer", customer, customer,
                     "t", owner.pk, "done" if done else "open", fired, fired.date(),
                     fired + dt.timedelta(days=rng.randrange(20)) if done else None,
                     rng.choice(["order", "not_needed", "proposal_made"]) if done else ""))
    given = ("criterion", "criterion_version", "entity", "record_id", "customer", "title",
             "assignee", "status", "fired_at", "due_on", "acted_at", "outcome_code")
    blank = tuple(n for n in required(Alert) if n not in given)  # text columns: empty
    insert_rows(Alert, (*given, *blank), [(*r, *("" for _ in blank)) for r in rows],
                batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give them
        cursor.execute("ANALYZE")
    return list(Criterion.objects.order_by("pk"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup(args.database)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kizuna.actions.effectiveness import WINDOWS, measure

    t0 = time.perf_counter()
    criteria = build(args.alerts)
    print(f"{args.database}: built in {time.perf_counter() - t0:.0f} s ({args.alerts:,} alerts, "
          f"4 criteria, {max(args.alerts, 100_000):,} customers with 3 orders each on average)",
          flush=True)
    for window in WINDOWS:
        for label, kwargs, subset in (("all criteria", {}, criteria),
                                      ("one by revision", {"by_version": True}, criteria[:1])):
            times = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    t = time.perf_counter()
                    effects = measure(subset, window=window, now=TODAY, **kwargs)
                    times.append(time.perf_counter() - t)
            print(f"  window {window:>2} d, {label:<16} {statistics.median(times):6.2f} s "
                  f"({len(queries)} queries; first: fired {effects[0].fired:,}, acted "
                  f"{effects[0].acted:,}, acted-on revenue/record "
                  f"{effects[0].acted_result.revenue_per_record})", flush=True)


if __name__ == "__main__":
    main()
