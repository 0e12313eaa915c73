"""kizuna demo-data: load a believable Japanese demo company, deterministically for a seed.

`kizuna demo-data --scale small` is what `make demo` loads (about 2,000 D2C customers and 100
B2B accounts, seconds); `--scale medium` (50,000 customers) and `--scale large` (1,000,000
customers, about ten million order lines) are for trying analytics and performance. Running
it again with the same options does nothing; other demo data already in the database makes
it stop unless `--replace` is given (docs/decisions/0103-demo-data.md).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from kizuna.demo import DEFAULT_AS_OF, SCALES, Plan
from kizuna.demo.services import (
    BATCH_SIZE,
    DEMO_PASSWORD,
    DemoDataExists,
    load_demo_data,
)


class RowsPerSecond(ProgressColumn):
    """Rows written so far and the rate: the bar counts records, the database sees rows."""

    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.finished_time if task.finished else task.elapsed
        rate = rows / elapsed if elapsed else 0.0
        return Text(f"{rows:,} rows  {rate:,.0f} rows/s", style="progress.data.speed")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-10-31, not {value!r}") from None


class Command(BaseCommand):
    help = ("Load the demo company (B2B accounts and D2C customers with three years of orders), "
            "the same data for the same --seed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="small",
                            help="small: 2,000 customers + 100 accounts; medium: 50,000 + "
                            "1,000; large: 1,000,000 + 4,000")
        # Default 1: what `kizuna setup --demo` (make demo) loads, so that running this
        # command after it with the same scale is a no-op rather than a refusal.
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data "
                            "(default %(default)s, as make demo)")
        parser.add_argument("--as-of", default=DEFAULT_AS_OF.isoformat(),
                            help="the demo's 'today': dates are relative to it (default "
                            "%(default)s)")
        parser.add_argument("--customers", type=int, help="override the scale's D2C customers")
        parser.add_argument("--accounts", type=int, help="override the scale's B2B accounts")
        parser.add_argument("--replace", action="store_true",
                            help="delete existing demo data (and what users attached to demo "
                            "records) before loading")
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help="password for demo users created by this run "
                            "(default %(default)s)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = Plan.for_scale(options["scale"], seed=options["seed"],
                                  as_of=_date(options["as_of"]), customers=options["customers"],
                                  accounts=options["accounts"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        console = Console(stderr=True)
        started = time.perf_counter()
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      RowsPerSecond(), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=console, disable=options["no_progress"]) as bar:
            task = bar.add_task("demo data", total=plan.accounts + plan.customers, rows=0)
            rows = 0

            def progress(what: str, done: int, written: int) -> None:
                nonlocal rows
                rows += written
                bar.update(task, advance=done, rows=rows,
                           description="deleting old demo data" if what == "deleted"
                           else f"loading {what}")

            try:
                result = load_demo_data(plan, password=options["password"],
                                        replace=options["replace"],
                                        batch_size=options["batch_size"], progress=progress)
            except DemoDataExists as exc:
                raise CommandError(str(exc)) from exc
            except ValidationError as exc:  # e.g. a --password the validators refuse
                raise CommandError("; ".join(exc.messages)) from exc
        elapsed = time.perf_counter() - started

        if result.already_loaded:
            self.stdout.write(f"Demo data for seed {plan.seed} ({plan.scale}) is already "
                              "loaded: nothing to do.")
        else:
            total = sum(result.counts.values())
            self.stdout.write(self.style.SUCCESS(
                f"Loaded the demo company (seed {plan.seed}, {plan.scale}, as of "
                f"{plan.as_of.isoformat()}) in {elapsed:.1f} s: {total:,} rows, "
                f"{total / elapsed:,.0f} rows/s."))
            if result.deleted:
                self.stdout.write("Replaced: " + ", ".join(
                    f"{n:,} {label}" for label, n in sorted(result.deleted.items())))
        for name, n in result.counts.items():
            self.stdout.write(f"  {name:<16} {n:>12,}")
        if result.created_users:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS("Demo users / デモ用ユーザー") +
                              f" (password: {options['password']})")
            self.stdout.write("  " + ", ".join(result.created_users))
