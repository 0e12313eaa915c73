"""kizuna worker: run background jobs from whichever queue KIZUNA_QUEUE selects."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background jobs (the database queue by default, RQ when KIZUNA_QUEUE=redis://…)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true",
                            help="run the jobs that are waiting, then exit")
        parser.add_argument("--queue", default="default")
        parser.add_argument("--no-fork", action="store_true",
                            help="RQ: run each job in the worker process (debugging, tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == "django_tasks_db.DatabaseBackend":
            extra = ["--batch"] if options["burst"] else []
            call_command("db_worker", "--queue-name", options["queue"], *extra)
        elif backend == "django_tasks_rq.RQBackend":
            extra = {"worker_class": "rq.worker.SimpleWorker"} if options["no_fork"] else {}
            call_command("rqworker", options["queue"], job_class="django_tasks_rq.Job",
                         burst=options["burst"], with_scheduler=not options["burst"], **extra)
        else:
            self.stderr.write(f"The {backend} backend runs jobs immediately; no worker needed.")
