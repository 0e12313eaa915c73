"""kizuna identity scan|merge|undo: find and merge duplicate customers, contacts or accounts.

    kizuna identity scan [--kind customers] [--json]
    kizuna identity merge SURVIVOR_ID DUPLICATE_ID… [--kind customers]
    kizuna identity undo MERGE_ID
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kizuna.core.management.actor import command_actor
from kizuna.core.models import User
from kizuna.customers.identity import (
    MERGEABLE,
    MergeError,
    auto_merge,
    merge_records,
    scan_duplicates,
    undo_merge,
)
from kizuna.customers.models import DuplicateGroup, Merge


class Command(BaseCommand):
    help = "Identity resolution (名寄せ): scan for duplicates, merge them, undo a merge."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="Find candidate duplicate groups")
        scan.add_argument("--kind", choices=sorted(MERGEABLE), default="customers")
        scan.add_argument("--json", action="store_true", help="Print one JSON object")
        scan.add_argument("--auto-merge", action="store_true", help="Merge the groups the "
                          "model is almost certain of into their oldest record (undoable)")
        scan.add_argument("--as", dest="username")
        merge = sub.add_parser("merge", help="Merge duplicates into a survivor")
        merge.add_argument("survivor", type=int)
        merge.add_argument("duplicates", type=int, nargs="+")
        merge.add_argument("--kind", choices=sorted(MERGEABLE), default="customers")
        merge.add_argument("--as", dest="username")
        undo = sub.add_parser("undo", help="Undo a merge")
        undo.add_argument("merge_id", type=int)
        undo.add_argument("--as", dest="username")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options.get("username"))
        try:
            getattr(self, f"_{options['action']}")(actor, options)
        except (MergeError, ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc

    def _scan(self, actor: User, options: dict[str, Any]) -> None:
        kind = options["kind"]
        groups = scan_duplicates(actor=actor, kind=kind)
        merged = []
        if options["auto_merge"]:
            merged = auto_merge(actor=actor, kind=kind)
            groups = list(DuplicateGroup.objects.filter(  # what is left to review
                pk__in=[g.pk for g in groups], status=DuplicateGroup.Status.OPEN))
        model = MERGEABLE[kind]
        records = model._default_manager.in_bulk({i for g in groups for i in g.record_ids})
        out: dict[str, Any] = {"kind": kind, "merged": [
            {"merge": m.pk, "survivor": m.survivor_id, "merged": m.merged_ids} for m in merged],
            "groups": [{
            "id": g.pk, "score": round(g.score, 6), "decision": g.decision,
            "records": [{"id": i, "external_id": records[i].external_id,
                         "source": records[i].source, "name": str(records[i])}
                        for i in g.record_ids],
            "pairs": g.pairs,
        } for g in groups]}
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stdout.write(f"{len(groups)} candidate groups ({kind})"
                          + (f"; {len(merged)} merged automatically" if merged else ""))
        for g in out["groups"]:
            self.stdout.write(f"  group {g['id']}  {g['score']:.3f}  {g['decision']}")
            for r in g["records"]:
                source = f"{r['source']}:{r['external_id']}" if r["external_id"] else "-"
                self.stdout.write(f"    #{r['id']}  {r['name']}  ({source})")

    def _merge(self, actor: User, options: dict[str, Any]) -> None:
        model = MERGEABLE[options["kind"]]
        ids = [options["survivor"], *options["duplicates"]]
        records = model._default_manager.in_bulk(ids)
        missing = [i for i in ids if i not in records]
        if missing:
            raise CommandError(f"No {options['kind']} with id {', '.join(map(str, missing))}")
        merge = merge_records(actor=actor, survivor=records[options["survivor"]],
                              duplicates=[records[i] for i in options["duplicates"]])
        self.stdout.write(f"Merged {merge.merged_ids} into {merge.survivor_id} "
                          f"(merge {merge.pk}; undo with `kizuna identity undo {merge.pk}`)")

    def _undo(self, actor: User, options: dict[str, Any]) -> None:
        merge = Merge.objects.filter(pk=options["merge_id"]).first()
        if merge is None:
            raise CommandError(f"No merge {options['merge_id']}")
        undo_merge(actor=actor, merge=merge)
        self.stdout.write(f"Undone: {merge.merged_ids} are separate from "
                          f"{merge.survivor_id} again")

