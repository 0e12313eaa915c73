"""The ``kizuna`` command: Django management commands behind a short, Kizuna-first help."""

from __future__ import annotations

import os
import sys

KIZUNA_COMMANDS = {
    "serve": "Serve Kizuna over HTTP (default http://127.0.0.1:8000)",
    "worker": "Run background jobs (database queue, or RQ when KIZUNA_QUEUE=redis://…)",
    "createuser": "Create a user with a role (administrator, manager, member, viewer)",
    "ledger": "Audit ledger tools: `kizuna ledger verify`",
    "setup": "Create/migrate the database; --demo also loads the demo company and its admin",
    "analytics": "Customer analytics on a CSV/Parquet file (clv, rfm); needs no database",
    "demo-data": "Load the demo company: --scale small|medium|large --seed N (deterministic)",
    "import": "Import customers/accounts/contacts/products/orders from CSV (UTF-8, CP932) or XLSX",
    "export": "Export a list to CSV (UTF-8 BOM or CP932) or XLSX, with filters and access rules",
    "identity": "Identity resolution (名寄せ): `identity scan [--json]`, `merge`, `undo MERGE_ID`",
    "actions": "Judgment criteria: `actions run [--criterion ID] [--dry-run] [--json]`, "
               "`actions install-examples`",
    "migrate": "Apply database migrations",
}
# CLI names whose Django command module is named otherwise (`import` is a Python keyword).
COMMAND_MODULES = {"import": "import_file", "export": "export_list"}

HELP = """Kizuna (絆): action-oriented CRM and customer analytics.

Usage: kizuna <command> [options]      (kizuna <command> --help for details)

Commands:
{commands}

Every Django management command also works (e.g. `kizuna shell`, `kizuna check`).
Configuration comes from the environment: DATABASE_URL, KIZUNA_SECRET_KEY, KIZUNA_DEBUG,
KIZUNA_ALLOWED_HOSTS, KIZUNA_QUEUE, KIZUNA_DATA_DIR (see README).
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    # Japanese output must print on any terminal, including a Windows console or a pipe.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    if len(argv) < 2 or (argv[1] in {"-h", "--help", "help"} and len(argv) == 2):
        width = max(len(name) for name in KIZUNA_COMMANDS)
        lines = "\n".join(
            f"  {name.ljust(width)}  {text}" for name, text in KIZUNA_COMMANDS.items()
        )
        sys.stdout.write(HELP.format(commands=lines))
        return
    from django.core.management import execute_from_command_line

    argv[0] = "kizuna"
    # Django command modules cannot have dashes; the CLI speaks with them (kizuna demo-data).
    if len(argv) > 1 and argv[1] in KIZUNA_COMMANDS:
        argv[1] = COMMAND_MODULES.get(argv[1], argv[1].replace("-", "_"))
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
