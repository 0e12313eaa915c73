"""kizuna import <kind> FILE: import customers, accounts, contacts, products or orders.

CSV in UTF-8 (with or without BOM) or CP932, or XLSX. Every problem is listed with its line,
column and reason; the import is all-or-nothing unless --valid-rows-only is given. Exit code 0
when the import happened (or the dry run found nothing wrong), 1 when it was refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kizuna.core.imports import import_file, kinds
from kizuna.core.management.actor import command_actor
from kizuna.core.models import Team
from kizuna.tabular import ENCODINGS

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = ("Import a CSV (UTF-8 or CP932) or XLSX file. Re-importing the same file updates the "
            "records it created (same --source and ID column) instead of adding duplicates.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="customers, accounts, contacts, products or orders")
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, help="JSON file: {\"source\": …, "
                            "\"columns\": {\"header in the file\": \"field\" or null}}")
        parser.add_argument("--encoding", choices=ENCODINGS, default="auto")
        parser.add_argument("--sheet", help="XLSX: the sheet to read (default: the first)")
        parser.add_argument("--source", help="Name of the system the file comes from (ec, pos, "
                            "cards…); records are matched by source + ID. Default: the mapping's "
                            "source, else the file name without extension")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing")
        parser.add_argument("--valid-rows-only", action="store_true",
                            help="Import the valid rows and report the rejected ones")
        parser.add_argument("--report", type=Path, help="Write rejected rows (line, column, "
                            "reason, original cells) to this CSV")
        parser.add_argument("--as", dest="username", help="Import as this user (default: the "
                            "only active administrator)")
        parser.add_argument("--team", help="Share new records with this team")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        if kind not in kinds():
            raise CommandError(f"Unknown kind {kind!r}; choose one of: "
                               f"{', '.join(sorted(kinds()))}")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping_doc: dict[str, Any] = {}
        if options["mapping"]:
            try:
                mapping_doc = json.loads(options["mapping"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the mapping {options['mapping']}: {exc}") from exc
            if not isinstance(mapping_doc.get("columns", {}), dict):
                raise CommandError("The mapping's \"columns\" must be an object")
        source = options["source"] or mapping_doc.get("source") or path.stem
        actor = command_actor(options["username"])
        team = None
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first()
            if team is None:
                raise CommandError(f"No team called {options['team']!r}")
        data = path.read_bytes()
        console = Console(stderr=True)
        show_progress = not options["json"] and console.is_terminal
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=not show_progress) as bar:
            task = bar.add_task(f"{kind} ← {path.name}", total=None)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            try:
                result, report = import_file(
                    actor=actor, kind=kind, data=data, source=source,
                    mapping=mapping_doc.get("columns"), encoding=options["encoding"],
                    sheet=options["sheet"], dry_run=options["dry_run"],
                    valid_rows_only=options["valid_rows_only"], team=team, progress=progress)
            except PermissionDenied as exc:
                raise CommandError(str(exc) or "Not allowed") from exc
        if options["report"] and report is not None:
            options["report"].write_bytes(report)
        if options["json"]:
            sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        else:
            self._print(result, options)
        if result.refused:
            sys.exit(1)

    def _print(self, result: Any, options: dict[str, Any]) -> None:
        out = self.stdout
        detected = result.encoding or result.format
        out.write(f"{result.rows:,} rows ({result.format}, {detected}); "
                  f"new {result.imported:,}, updated {result.updated:,}, "
                  f"unchanged {result.unchanged:,}, rejected {result.rejected:,}")
        for error in result.errors[:MAX_ERRORS_SHOWN]:
            where = f"line {error.line}" if error.line else "file"
            column = f" [{error.column}]" if error.column else ""
            out.write(f"  {where}{column}: {error.message}")
        if len(result.errors) > MAX_ERRORS_SHOWN:
            out.write(f"  … {len(result.errors) - MAX_ERRORS_SHOWN:,} more"
                      + (f" in {options['report']}" if options["report"] else
                         " (use --report FILE to get them all)"))
        if result.refused:
            out.write("Refused: nothing was written."
                      + ("" if options["valid_rows_only"] or not result.rejected else
                         " Fix the rows above, or use --valid-rows-only."))
        elif result.dry_run:
            out.write("Dry run: nothing was written.")
