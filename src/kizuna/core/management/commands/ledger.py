"""kizuna ledger verify: walk the hash chain, exit 1 at the first broken link."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kizuna.core.ledger import verify_chain

REASONS = {
    "digest": "the entry's content does not match its digest (changed after it was written)",
    "link": "the entry does not point to the digest of the entry before it",
    "missing": "an entry is missing (deleted)",
}


class Command(BaseCommand):
    help = "Audit ledger tools. `verify` checks the hash chain; exit code 1 on tampering."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute every digest in order")
        verify.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        if as_json:
            result = verify_chain()
        else:
            with Progress(TextColumn("[bold]ledger[/]"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), transient=True) as bar:
                task = bar.add_task("verify", total=None)
                result = verify_chain(
                    progress=lambda done, total: bar.update(task, completed=done, total=total)
                )
        brk = result.first_break
        if as_json:
            self.stdout.write(json.dumps({
                "ok": result.ok, "checked": result.checked,
                "broken_seq": brk.seq if brk else None, "reason": brk.reason if brk else None,
            }))
        elif result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {result.checked} entries, chain intact."))
        if brk is not None:
            raise CommandError(
                f"Ledger broken at entry #{brk.seq}: {REASONS[brk.reason]}. "
                f"{result.checked} entries before it are intact.", returncode=1,
            )
