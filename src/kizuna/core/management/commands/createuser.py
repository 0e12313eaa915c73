"""kizuna createuser: create a user with a role, through the audited service."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kizuna.core.models import Role, Team
from kizuna.core.services import create_team, create_user


class Command(BaseCommand):
    help = "Create a user. The password is asked for, or read from KIZUNA_PASSWORD."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER)
        parser.add_argument("--email", default="")
        parser.add_argument("--family-name", default="", help="姓")
        parser.add_argument("--given-name", default="", help="名")
        parser.add_argument("--team", action="append", default=[],
                            help="team name (created if missing); repeatable")
        parser.add_argument("--language", choices=["ja", "en"], default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("KIZUNA_PASSWORD") or getpass.getpass("Password: ")
        teams = [Team.objects.filter(name=name).first() or create_team(actor=None, name=name)
                 for name in options["team"]]
        try:
            user = create_user(
                actor=None, username=options["username"], password=password,
                role=options["role"], teams=teams, email=options["email"],
                last_name=options["family_name"], first_name=options["given_name"],
                language=options["language"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.role})."))
