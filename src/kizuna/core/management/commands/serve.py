"""kizuna serve: a production-grade WSGI server (waitress), static files by WhiteNoise."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Serve Kizuna over HTTP. --with-worker also runs jobs in this process (embedded use)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--with-worker", action="store_true",
                            help="run a job worker thread too (database queue only)")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from kizuna.wsgi import application

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stderr.write(self.style.WARNING(
                "The database has unapplied migrations: run `kizuna migrate` first."
            ))
        if options["with_worker"]:
            if settings.KIZUNA_QUEUE != "db":
                self.stderr.write("--with-worker only runs the database queue; start "
                                  "`kizuna worker` processes for Redis.")
            else:
                threading.Thread(target=_run_db_worker, name="kizuna-worker",
                                 daemon=True).start()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Kizuna is serving on {url}  (Ctrl+C to stop)"))
        serve(application, host=options["host"], port=options["port"],
              threads=options["threads"], ident="kizuna", clear_untrusted_proxy_headers=True)


def _run_db_worker() -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["default"], interval=1.0, batch=False, backend_name="default",
           startup_delay=False, max_tasks=None, worker_id="serve-embedded",
           excluded_queue_names=[]).run()
