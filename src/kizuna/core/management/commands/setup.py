"""kizuna setup: create or upgrade the database; with --demo, load the demo company and ensure
the demo administrator.

Safe to run again: migrations only apply what is missing, the demo administrator is created once
and its password kept in the data directory so that every run prints the same login.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from kizuna.core.models import Role, User
from kizuna.core.services import create_user

DEMO_USERNAME = "admin"


class Command(BaseCommand):
    help = "Create/migrate the database. --demo also loads the demo company and its administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']} "
                              f"(SQLite, journal_mode={mode})")
        else:
            self.stdout.write(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
        if options["demo"]:
            # The small demo company (idempotent: the same seed loads once).
            call_command("demo_data", scale="small", seed=1, stdout=self.stdout)
            password = self._demo_admin()
            # The shipped judgment criteria, disabled, for the demo company to try (0201).
            call_command("actions", "install-examples", stdout=self.stdout)
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS("Kizuna demo login / デモ用ログイン"))
            self.stdout.write("  URL:      http://127.0.0.1:8000/")
            self.stdout.write(f"  user:     {DEMO_USERNAME}")
            self.stdout.write(f"  password: {password}")

    def _demo_admin(self) -> str:
        path = settings.DATA_DIR / "demo_admin_password"
        if path.exists():
            password = path.read_text().strip()
        else:
            password = "kizuna-" + secrets.token_urlsafe(9)
            path.write_text(password)
            path.chmod(0o600)
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            create_user(actor=None, username=DEMO_USERNAME, password=password,
                        role=Role.ADMINISTRATOR, last_name="管理者", first_name="デモ",
                        email="admin@example.jp")
        elif not user.check_password(password):
            # The password file was replaced or the user changed it: keep what they chose,
            # but say so instead of printing a login that does not work.
            return "(changed by the user; not shown)"
        return password
