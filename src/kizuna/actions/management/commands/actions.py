"""kizuna actions run|install-examples: run judgment criteria; install the shipped examples.

    kizuna actions run [--criterion ID …] [--dry-run] [--json] [--as USERNAME]
    kizuna actions install-examples [--language ja|en]

`run` without --criterion runs every enabled daily criterion: put it in cron or a systemd timer
once a day. --dry-run counts what would be created and writes nothing (it may name disabled
criteria too, like a preview).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kizuna.actions import notifications
from kizuna.actions.builtins import install_examples
from kizuna.actions.models import Criterion
from kizuna.actions.services import RunResult, run_criterion, runnable_criteria
from kizuna.core.models import User


class Command(BaseCommand):
    help = "Run judgment criteria (raise alerts) or install the shipped example criteria."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run enabled daily criteria (or the ones named)")
        run.add_argument("--criterion", type=int, action="append", dest="criteria",
                         metavar="ID", help="Only this criterion (repeatable)")
        run.add_argument("--dry-run", action="store_true", help="Count, write nothing")
        run.add_argument("--json", action="store_true", help="Print one JSON object")
        run.add_argument("--as-of", help="Evaluate as of noon (Japan time) of this day, "
                         "e.g. the demo data's 2026-10-31")
        run.add_argument("--as", dest="username", help="Record the run as this user")
        install = sub.add_parser("install-examples", help="Add the shipped examples "
                                 "(disabled); existing ones are left alone")
        install.add_argument("--language", choices=["ja", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "install-examples":
            created = install_examples(actor=None, language=options.get("language"))
            self.stdout.write(f"{len(created)} example criteria added (disabled)"
                              + "".join(f"\n  #{c.pk}  {c.name}" for c in created))
            return
        self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        actor = None
        if options.get("username"):
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['username']!r}")
        now = None
        if options.get("as_of"):
            try:
                day = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(f"--as-of must be a date like 2026-10-31, not "
                                   f"{options['as_of']!r}") from None
            now = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        ids = options.get("criteria")
        if ids and options["dry_run"]:
            criteria = list(Criterion.objects.filter(pk__in=ids).order_by("pk"))
        else:
            criteria = list(runnable_criteria(criterion_ids=ids))
        if ids and len(criteria) != len(set(ids)):
            missing = sorted(set(ids) - {c.pk for c in criteria})
            raise CommandError(f"No enabled criterion with id {', '.join(map(str, missing))}")
        results: list[dict[str, Any]] = []
        failed = 0
        # One mail per person for the whole run, sent after the alerts are committed.
        with notifications.digest(log=self.stderr.write):
            for criterion in criteria:
                try:
                    result: RunResult = run_criterion(criterion=criterion, actor=actor,
                                                      now=now, dry_run=options["dry_run"])
                except ValidationError as exc:
                    failed += 1
                    results.append({"criterion": criterion.pk, "name": criterion.name,
                                    "error": exc.messages})
                    continue
                results.append(result.as_dict())
        if options["json"]:
            self.stdout.write(json.dumps({"criteria": results, "dry_run": options["dry_run"],
                                          "created": sum(r.get("created", 0) for r in results)},
                                         ensure_ascii=False))
        else:
            verb = "would create" if options["dry_run"] else "created"
            for r in results:
                if "error" in r:
                    self.stdout.write(f"#{r['criterion']}  {r['name']}: NOT RUN: "
                                      + " ".join(r["error"]))
                    continue
                self.stdout.write(f"#{r['criterion']}  {r['name']}: {r['matched']} matched, "
                                  f"{verb} {r['created']} alerts ({r['already_open']} already "
                                  f"open, {r['quiet']} in quiet period)")
            if not results:
                self.stdout.write("No enabled daily criteria.")
        if failed:
            raise CommandError(f"{failed} criteria could not run (see above)")
