"""The import engine: a table (CSV/XLSX) -> validated rows -> one all-or-nothing upsert.

Apps describe what they import as an :class:`ImportKind` (columns with their Japanese and
English header names, how a row becomes model fields, how rows are written); this module does
the rest the same way for every kind (docs/decisions/0107-imports.md):

1. the header is mapped to fields by name (match keys, so ＴＥＬ = tel and メールアドレス =
   メールアドレス whatever the width); a saved or user-given mapping overrides the guess;
2. every row is parsed and cleaned, and **every** problem is collected with its line, column
   and a reason in the user's language — nothing is written during this pass;
3. if a row was rejected the import is refused as a whole, unless the user asked for
   "import the valid rows" (then the rejected rows go to the report); a dry run stops here;
4. the rows are written in one transaction: records with the same (source, external id) are
   updated (each changed record gets its own ledger entry with old -> new values), new ones are
   inserted in bulk; the import itself is one ledger entry with the file's SHA-256 and counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.core.jobs import JobContext, job_kind, start_job
from kizuna.core.ledger import record_change, record_changes
from kizuna.core.models import Job, LedgerAction, Team, User
from kizuna.japanese import match_key
from kizuna.japanese.values import ValueParseError
from kizuna.tabular import TableError, TableReader

LEDGER_ACTION = "import"
LOOKUP_CHUNK = 500  # ids per IN (...) query: well under SQLite's parameter limit
MEMO_SIZE = 100_000  # distinct values remembered per repeating column

Progress = Callable[[int, int | None], None]  # (rows done, rows in total if known)


# --- describing a kind ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One importable field. ``parse`` turns the cell's text into a value or raises
    ValueParseError / ValidationError / ValueError; blank cells never reach it."""

    name: str
    label: Any
    aliases: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    required: bool = False
    # Parse each distinct cell text once per import: for columns whose values repeat (dates,
    # postal codes, genders, yes/no) a million-row file holds a few thousand distinct values.
    repeats: bool = False

    def header_keys(self) -> set[str]:
        """Names this column is recognised by: its name, its label in every language (a file
        exported in Japanese imports with the UI in English) and its aliases."""
        labels = []
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                labels.append(str(self.label))
        return {match_key(a) for a in (self.name, *labels, *self.aliases)} - {""}


@dataclass
class Context:
    """What cleaning and writing a row may need beyond the row itself."""

    actor: User
    source: str
    team: Team | None = None
    cache: dict[str, Any] = field(default_factory=dict)


class ImportKind:
    """What an app imports. Subclasses set the class attributes and implement ``clean`` and
    ``write``; see kizuna.customers.imports for examples."""

    key: ClassVar[str]
    label: ClassVar[Any]
    model: ClassVar[type[models.Model]]
    columns: ClassVar[tuple[Column, ...]]
    # The column that identifies a record across imports ("external_id" or "code").
    key_column: ClassVar[str] = "external_id"
    # Several rows with the same key form one record (an order and its lines): they are passed
    # to ``merge_rows`` together, and one bad row rejects the whole group.
    grouped: ClassVar[bool] = False
    # At least one column of each group must be mapped (a name: 姓 or 氏名).
    required_any: ClassVar[tuple[tuple[str, ...], ...]] = ()

    def merge_rows(self, rows: list[dict[str, Any]], context: Context) -> dict[str, Any]:
        """One record's fields from its rows (grouped kinds only); may raise ValidationError."""
        raise NotImplementedError

    def all_columns(self) -> tuple[Column, ...]:
        """The columns, plus any defined at run time (custom fields)."""
        return self.columns

    def clean(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        """Model field values for one row; raise ValidationError({field: [messages]})."""
        raise NotImplementedError

    def existing(self, keys: Sequence[str], context: Context) -> dict[str, models.Model]:
        """Records already imported with these keys (from this source)."""
        raise NotImplementedError

    def check_update(self, instance: models.Model, context: Context) -> None:
        """Raise PermissionDenied if the actor may not change ``instance``."""

    def changes(self, instance: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
        """What ``fields`` would change in ``instance`` ({} = unchanged). Override when a record
        is more than its own columns (an order and its lines)."""
        return _changed(instance, fields)

    def write(self, creates: list[dict[str, Any]],
              updates: list[tuple[models.Model, dict[str, Any]]],
              context: Context) -> tuple[int, int]:
        """Insert ``creates`` and apply ``updates``; return (created, updated)."""
        raise NotImplementedError


_KINDS: dict[str, ImportKind] = {}


def register(kind: type[ImportKind]) -> type[ImportKind]:
    _KINDS[kind.key] = kind()
    return kind


def kinds() -> dict[str, ImportKind]:
    return dict(_KINDS)


def get_kind(key: str) -> ImportKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(_("There is nothing called “%(kind)s” to import. Choose one of: "
                            "%(kinds)s.") % {"kind": key, "kinds": ", ".join(sorted(_KINDS))}
                          ) from None


# --- messages ------------------------------------------------------------------------------------

PARSE_MESSAGES: dict[str, Any] = {
    "date.invalid": gettext_lazy("“%(value)s” is not a date we can read (e.g. 2024/4/1, "
                                 "令和6年4月1日, S60.4.1)."),
    "date.nonexistent": gettext_lazy("“%(value)s” is a date that does not exist."),
    "date.ambiguous": gettext_lazy("“%(value)s” is ambiguous: write the year in full, first "
                                   "(2024/4/1)."),
    "date.era_range": gettext_lazy("“%(value)s” is outside that era."),
    "number.invalid": gettext_lazy("“%(value)s” is not a number."),
    "number.fraction": gettext_lazy("“%(value)s” must be a whole number (yen have no "
                                    "fractions)."),
    "email.invalid": gettext_lazy("“%(value)s” is not an email address."),
    "date.weekday": gettext_lazy("“%(value)s”: the day of the week does not match the date."),
    "date.serial_range": gettext_lazy("“%(value)s” is an Excel date serial after 2099."),
    "number.grouping": gettext_lazy("“%(value)s”: the thousands separators are in the wrong "
                                    "places."),
    "number.exponent": gettext_lazy("“%(value)s” is in exponent form: Excel has already "
                                    "dropped digits. Format the column as text and export "
                                    "again."),
    "number.currency": gettext_lazy("“%(value)s” is not in yen."),
    "number.annotation": gettext_lazy("“%(value)s” carries a note (税込, 約, 〜 …); put only the "
                                      "number in the cell."),
    "number.percent_ambiguous": gettext_lazy("“%(value)s”: write a rate as 10% or 0.1."),
}
GENERIC_PARSE_MESSAGE = gettext_lazy("“%(value)s” cannot be read.")

TABLE_MESSAGES: dict[str, Any] = {
    "encoding": gettext_lazy("The file is neither UTF-8 nor CP932 (Shift_JIS); save it from "
                             "Excel as “CSV UTF-8” or “CSV”."),
    "empty": gettext_lazy("The file is empty."),
    "csv": gettext_lazy("The file is not a well-formed CSV file (check the quotes)."),
    "xlsx": gettext_lazy("The Excel file cannot be opened."),
    "sheet": gettext_lazy("The Excel file has no sheet of that name."),
}


def parse_message(exc: Exception, value: str) -> str:
    if isinstance(exc, ValueParseError):
        template = PARSE_MESSAGES.get(exc.code, GENERIC_PARSE_MESSAGE)
        return str(template) % {"value": value}
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(GENERIC_PARSE_MESSAGE) % {"value": value}


def table_error_message(exc: TableError) -> str:
    message = str(TABLE_MESSAGES.get(exc.code, exc))
    if exc.line:
        message = _("Line %(line)s: %(message)s") % {"line": exc.line, "message": message}
    return message


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int  # physical line in the file (header = 1); 0 for the file as a whole
    column: str  # the header as written in the file, or "" for the whole row
    message: str


@dataclass
class ImportResult:
    kind: str
    source: str
    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    mapping: dict[str, str | None] = field(default_factory=dict)
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    refused: bool = False
    sha256: str = ""

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors if e.line})

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "source": self.source, "format": self.format,
            "encoding": self.encoding, "delimiter": self.delimiter, "rows": self.rows,
            "imported": self.imported, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "dry_run": self.dry_run, "refused": self.refused,
            "mapping": self.mapping, "sha256": self.sha256,
            "errors": [{"line": e.line, "column": e.column, "message": e.message}
                       for e in self.errors],
        }


def error_report(result: ImportResult, table_rows: dict[int, list[str]] | None = None,
                 header: Sequence[str] = ()) -> bytes:
    """The rejected rows as CSV (UTF-8 with BOM, for Excel): line, column, reason, then the
    row's original cells so the user can fix and re-import them."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("line"), _("column"), _("reason"), *header])
    for e in result.errors:
        cells = (table_rows or {}).get(e.line, [])
        writer.writerow([e.line or "", e.column, e.message, *cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- mapping -------------------------------------------------------------------------------------


def guess_mapping(kind: ImportKind, header: Sequence[str]) -> dict[str, str | None]:
    """Header -> column name, by the columns' names, labels and aliases (any width/script).
    A column is used once: the first header that names it wins; the rest stay unmapped."""
    by_key: dict[str, str] = {}
    for column in kind.all_columns():
        for key in column.header_keys():
            by_key.setdefault(key, column.name)
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for name in header:
        target = by_key.get(match_key(name))
        if target in used:
            target = None
        mapping[name] = target
        if target:
            used.add(target)
    return mapping


class MappingError(ValueError):
    """The given mapping does not fit the kind or the file."""


def resolve_mapping(kind: ImportKind, header: Sequence[str],
                    given: dict[str, str | None] | None) -> dict[str, str | None]:
    """The guess, overridden by ``given`` (header -> column name or None to skip).
    Unknown column names in ``given`` are an error (a typo would silently drop data)."""
    mapping = guess_mapping(kind, header)
    if given:
        names = {c.name for c in kind.all_columns()}
        unknown = sorted({v for v in given.values() if v and v not in names})
        if unknown:
            raise MappingError(_("The mapping names fields that do not exist: %(fields)s. "
                               "Possible fields: %(names)s.")
                             % {"fields": ", ".join(unknown), "names": ", ".join(sorted(names))})
        missing = sorted(set(given) - set(header))
        if missing:
            raise MappingError(_("The mapping names columns the file does not have: %(columns)s.")
                             % {"columns": ", ".join(missing)})
        mapping.update(given)
    seen: dict[str, str] = {}
    for name, target in mapping.items():
        if target and target in seen:
            raise MappingError(_("Columns “%(a)s” and “%(b)s” are both mapped to “%(field)s”.")
                             % {"a": seen[target], "b": name, "field": target})
        if target:
            seen[target] = name
    return mapping


def missing_required(kind: ImportKind, mapping: dict[str, str | None]) -> list[Column]:
    """Required columns not mapped; for a group of alternatives, the first of the group."""
    mapped = {v for v in mapping.values() if v}
    columns = {c.name: c for c in kind.all_columns()}
    missing = [c for c in columns.values() if c.required and c.name not in mapped]
    missing += [columns[group[0]] for group in kind.required_any if not mapped & set(group)]
    return missing


# --- running -------------------------------------------------------------------------------------


@dataclass
class _Valid:
    line: int
    key: str
    fields: dict[str, Any]


def run_import(*, actor: User, kind: ImportKind, table: TableReader, data: bytes,
               source: str, mapping: dict[str, str | None] | None = None,
               dry_run: bool = False, valid_rows_only: bool = False,
               team: Team | None = None, progress: Progress | None = None,
               keep_rejected_rows: bool = False) -> tuple[ImportResult, dict[int, list[str]]]:
    """Validate every row, then (unless refused or a dry run) write them all in one transaction.

    Returns the result and, with ``keep_rejected_rows``, the rejected rows' original cells by
    line (for the downloadable report).
    """
    if not actor.can_write:
        raise PermissionDenied(_("Viewers cannot import."))
    source = (source or "").strip()
    result = ImportResult(kind=kind.key, source=source, format=table.format,
                          encoding=table.encoding, delimiter=table.delimiter, dry_run=dry_run,
                          sha256=hashlib.sha256(data).hexdigest())
    result.mapping = resolve_mapping(kind, table.header, mapping)
    rejected_rows: dict[int, list[str]] = {}
    missing = missing_required(kind, result.mapping)
    if missing:
        result.errors.append(RowError(0, "", _("No column is mapped to: %(fields)s.") % {
            "fields": ", ".join(str(c.label) for c in missing)}))
        result.refused = True
        return result, rejected_rows

    context = Context(actor=actor, source=source, team=team)
    columns = {c.name: c for c in kind.all_columns()}
    positions = [(i, name, columns[target]) for i, (name, target)
                 in enumerate(result.mapping.items()) if target]
    header_of = {target: name for name, target in result.mapping.items() if target}
    valid: list[_Valid] = []
    first_line_of_key: dict[str, int] = {}
    rejected_keys: dict[str, int] = {}  # grouped kinds: key -> first rejected line
    key_position = next((i for i, (_n, target) in enumerate(result.mapping.items())
                         if target == kind.key_column), None)

    parsed: dict[str, dict[str, tuple[Any, str | None]]] = {
        column.name: {} for _i, _h, column in positions if column.repeats}
    for line, cells in table:
        result.rows += 1
        row_errors: list[RowError] = []
        values: dict[str, Any] = {}
        for i, header, column in positions:
            text = cells[i].strip() if i < len(cells) else ""
            if not text:
                continue
            if column.parse is None:
                values[column.name] = text
                continue
            memo = parsed.get(column.name) if column.repeats else None
            if memo is not None and text in memo:
                value, message = memo[text]
            else:
                try:
                    value, message = column.parse(text), None
                except (ValueParseError, ValidationError, ValueError) as exc:
                    value, message = None, parse_message(exc, text)
                if memo is not None and len(memo) < MEMO_SIZE:
                    memo[text] = (value, message)
            if message is None:
                values[column.name] = value
            else:
                row_errors.append(RowError(line, header, message))
        if not row_errors:
            try:
                fields = kind.clean(values, context)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    header = header_of.get(name) or header_of.get(_source_column(kind, name), "")
                    row_errors.extend(RowError(line, header, m) for m in messages)
            except PermissionDenied as exc:
                row_errors.append(RowError(line, "", str(exc) or _("Not allowed.")))
            else:
                # A kind may identify the row otherwise ("#<pk>" for a Kizuna ID column).
                key = str(fields.pop("_key", None) or fields.get(kind.key_column) or "")
                if kind.grouped:
                    valid.append(_Valid(line, key, fields))
                elif key and key in first_line_of_key:
                    row_errors.append(RowError(
                        line, header_of.get(kind.key_column, ""),
                        _("The same ID “%(id)s” is already on line %(line)s.")
                        % {"id": key, "line": first_line_of_key[key]}))
                else:
                    if key:
                        first_line_of_key[key] = line
                    valid.append(_Valid(line, key, fields))
        if row_errors:
            result.rejected += 1
            result.errors.extend(row_errors)
            if keep_rejected_rows:
                rejected_rows[line] = cells
            if kind.grouped and key_position is not None and key_position < len(cells):
                rejected_keys.setdefault(cells[key_position].strip(), line)
        if progress and result.rows % 1000 == 0:
            progress(result.rows, table.total)

    if kind.grouped:
        valid = _merge_groups(kind, valid, rejected_keys, context, result,
                              header_of.get(kind.key_column, ""))

    # Existing records: found now so that a row the actor may not change is a validation
    # error like any other, reported before anything is written.
    existing: dict[str, models.Model] = {}
    keys = [v.key for v in valid if v.key]
    for start in range(0, len(keys), LOOKUP_CHUNK):
        existing.update(kind.existing(keys[start:start + LOOKUP_CHUNK], context))
    allowed: list[_Valid] = []
    for row in valid:
        instance = existing.get(row.key)
        if instance is None and row.key.startswith("#"):
            result.rejected += 1
            result.errors.append(RowError(row.line, "", _(
                "There is no record with the Kizuna ID %(id)s (or you may not see it).")
                % {"id": row.key[1:]}))
            continue
        if instance is not None:
            try:
                kind.check_update(instance, context)
            except PermissionDenied:
                result.rejected += 1
                result.errors.append(RowError(
                    row.line, header_of.get(kind.key_column, ""),
                    _("A record with the ID “%(id)s” already exists and you may not change "
                      "it.") % {"id": row.key}))
                continue
        allowed.append(row)
    result.errors.sort(key=lambda e: e.line)

    if result.rejected and not valid_rows_only:
        result.refused = True
    if result.refused or dry_run:
        _count_outcome(kind, result, allowed, existing)
        if progress:
            progress(result.rows, result.rows)
        return result, rejected_rows

    creates: list[dict[str, Any]] = []
    updates: list[tuple[models.Model, dict[str, Any]]] = []
    for row in allowed:
        instance = existing.get(row.key)
        if instance is None:
            creates.append(row.fields)
            continue
        changes = kind.changes(instance, row.fields)
        if changes:
            updates.append((instance, changes))
        else:
            result.unchanged += 1
    with transaction.atomic():
        result.imported, result.updated = kind.write(creates, updates, context)
        record_change(actor, LEDGER_ACTION, _ImportRecord(kind, result), {
            "source": [None, source], "sha256": [None, result.sha256],
            "rows": [None, result.rows], "imported": [None, result.imported],
            "updated": [None, result.updated], "rejected": [None, result.rejected],
        })
    if progress:
        progress(result.rows, result.rows)
    return result, rejected_rows


def _merge_groups(kind: ImportKind, rows: list[_Valid], rejected_keys: dict[str, int],
                  context: Context, result: ImportResult, key_header: str) -> list[_Valid]:
    """Rows with the same key -> one record. A group with any rejected row is rejected whole:
    importing half an order would be worse than importing none of it."""
    groups: dict[str, list[_Valid]] = {}
    for row in rows:
        groups.setdefault(row.key or f"\0{row.line}", []).append(row)
    merged: list[_Valid] = []
    for key, members in groups.items():
        if key in rejected_keys:
            for row in members:
                result.rejected += 1
                result.errors.append(RowError(row.line, key_header, _(
                    "Line %(line)s of the same record (“%(id)s”) was rejected, so this line "
                    "is not imported either.") % {"line": rejected_keys[key], "id": key}))
            continue
        try:
            fields = kind.merge_rows([r.fields for r in members], context)
        except ValidationError as exc:
            for row in members:
                result.rejected += 1
                result.errors.extend(RowError(row.line, key_header, m) for m in exc.messages)
            continue
        merged.append(_Valid(members[0].line, members[0].key, fields))
    return merged


def _source_column(kind: ImportKind, field_name: str) -> str:
    """The column a cleaned field came from, when it was derived (family_name <- full_name)."""
    derived = getattr(kind, "derived_from", {})
    return str(derived.get(field_name, field_name))


def _count_outcome(kind: ImportKind, result: ImportResult, rows: list[_Valid],
                   existing: dict[str, models.Model]) -> None:
    """What the import would do: for a dry run and for a refused import alike."""
    for row in rows:
        instance = existing.get(row.key)
        if instance is None:
            result.imported += 1
        elif kind.changes(instance, row.fields):
            result.updated += 1
        else:
            result.unchanged += 1


def _changed(instance: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for name, value in fields.items():
        if name.startswith("_"):  # kind-private (resolved in write)
            continue
        current = getattr(instance, name if not _is_fk(instance, name) else f"{name}_id")
        new = value.pk if isinstance(value, models.Model) else value
        if isinstance(current, dict) and isinstance(new, dict):
            new = value = {**current, **new}  # custom fields: the file sets some keys, not all
        if current != new and not (current in (None, "") and new in (None, "")):
            changed[name] = value
    return changed


def _is_fk(instance: models.Model, name: str) -> bool:
    try:
        f = instance._meta.get_field(name)
    except Exception:  # not a field: compare the attribute as it is
        return False
    return bool(f.many_to_one)


class _ImportRecord:
    """Stands in for a model instance in the ledger: an import has no row of its own."""

    class _meta:  # mimics Model._meta for record_change
        label_lower = "core.import"

    def __init__(self, kind: ImportKind, result: ImportResult) -> None:
        self.pk = result.sha256[:16]
        self._repr = f"{kind.key} ← {result.source or '-'} ({result.rows} rows)"

    def __str__(self) -> str:
        return self._repr


# --- helpers for kinds ---------------------------------------------------------------------------


def apply_updates(actor: User, model: type[models.Model],
                  updates: Iterable[tuple[models.Model, dict[str, Any]]],
                  recompute: Callable[[models.Model], dict[str, Any]] | None = None) -> int:
    """Apply field changes to existing records in bulk, bump their version and give each its
    own ledger entry (old -> new), as a service update would."""
    from kizuna.core.ledger import diff, field_values

    changed: list[models.Model] = []
    ledger: list[tuple[models.Model, dict[str, list[Any]]]] = []
    names: set[str] = {"version", "updated_at"}
    for instance, fields in updates:
        before = field_values(instance)
        for name, value in fields.items():
            setattr(instance, name, value)
        if recompute:
            for name, value in recompute(instance).items():
                setattr(instance, name, value)
                names.add(name)
        instance.full_clean(validate_unique=False, validate_constraints=False)
        instance.version += 1
        changes = diff(before, field_values(instance))
        names.update(n for n in fields)
        changed.append(instance)
        ledger.append((instance, changes))
    from django.utils import timezone

    now = timezone.now()
    for instance in changed:
        instance.updated_at = now
    model._default_manager.bulk_update(changed, sorted(names), batch_size=500)
    record_changes(actor, LedgerAction.UPDATE, ledger)
    return len(changed)


# --- one call for the CLI, the UI job and the API ------------------------------------------------


def import_file(*, actor: User, kind: str, data: bytes, source: str,
                mapping: dict[str, str | None] | None = None, encoding: str = "auto",
                sheet: str | None = None, dry_run: bool = False, valid_rows_only: bool = False,
                team: Team | None = None, progress: Progress | None = None
                ) -> tuple[ImportResult, bytes | None]:
    """Read ``data`` (CSV or XLSX) and import it; returns the result and, when rows were
    rejected, the report (CSV for Excel) with each rejected row's line, column, reason and
    original cells. A file that cannot be read at all is a refused result, not an exception."""
    from kizuna.tabular import open_table

    import_kind = get_kind(kind)
    try:
        table = open_table(data, encoding=encoding, sheet=sheet)  # type: ignore[arg-type]
        result, rejected_rows = run_import(
            actor=actor, kind=import_kind, table=table, data=data, source=source,
            mapping=mapping, dry_run=dry_run, valid_rows_only=valid_rows_only, team=team,
            progress=progress, keep_rejected_rows=True)
    except TableError as exc:
        result = ImportResult(kind=kind, source=source, dry_run=dry_run, refused=True,
                              sha256=hashlib.sha256(data).hexdigest())
        result.errors.append(RowError(exc.line or 0, "", table_error_message(exc)))
        return result, None
    except MappingError as exc:
        result = ImportResult(kind=kind, source=source, dry_run=dry_run, refused=True,
                              sha256=hashlib.sha256(data).hexdigest())
        result.errors.append(RowError(0, "", str(exc)))
        return result, None
    report = error_report(result, rejected_rows, table.header) if result.errors else None
    return result, report


# --- as a job (the UI) ---------------------------------------------------------------------------

JOB_KIND = "core.import"
UPLOAD_DIR = "imports"
ERRORS_IN_RESULT = 200  # the job page shows these; the report holds them all


def upload_path(name: str) -> Path:
    from django.conf import settings as django_settings

    path = Path(django_settings.DATA_DIR) / UPLOAD_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(data: bytes) -> str:
    """Keep an uploaded file until its import has run (and been retried, if it failed).

    Uploads and rejected-row reports older than UPLOAD_RETENTION_DAYS are removed here, so the
    folder does not grow forever; a failed import can be retried within that time."""
    name = f"{uuid.uuid4().hex}.upload"
    path = upload_path(name)
    path.write_bytes(data)
    prune_uploads(path.parent)
    return name


UPLOAD_RETENTION_DAYS = 30


def prune_uploads(folder: Path, *, days: int = UPLOAD_RETENTION_DAYS) -> int:
    """Delete uploads and reports in ``folder`` last written more than ``days`` ago."""
    cutoff = time.time() - days * 86_400
    removed = 0
    for old in folder.iterdir():
        if old.suffix in (".upload", ".csv") and old.is_file():
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
                    removed += 1
            except FileNotFoundError:  # another process pruned it first
                continue
    return removed


def report_name(job_id: Any) -> str:
    return f"{job_id}-rejected.csv"


@job_kind(JOB_KIND)
def run_import_job(job: JobContext) -> dict[str, Any]:
    params = job.params
    actor = job.job.created_by
    if actor is None:
        raise PermissionDenied("The user who started this import no longer exists.")
    team = Team.objects.filter(pk=params.get("team")).first() if params.get("team") else None
    data = upload_path(params["upload"]).read_bytes()

    def progress(done: int, total: int | None) -> None:
        if total is not None and job.job.total != total:
            job.set_total(total)
        job.advance(done - job._progress)

    with translation.override(params.get("language") or translation.get_language()):
        result, report = import_file(
            actor=actor, kind=params["kind"], data=data, source=params.get("source", ""),
            mapping=params.get("mapping"), encoding=params.get("encoding", "auto"),
            sheet=params.get("sheet"), dry_run=params.get("dry_run", False),
            valid_rows_only=params.get("valid_rows_only", False), team=team,
            progress=progress)
    if report is not None:
        upload_path(report_name(job.job.pk)).write_bytes(report)
    out = result.as_json()
    out["errors"] = out["errors"][:ERRORS_IN_RESULT]
    out["errors_total"] = len(result.errors)
    out["report"] = report is not None
    return out


def start_import(*, actor: User, kind: str, upload: str, source: str,
                 mapping: dict[str, str | None] | None, encoding: str = "auto",
                 sheet: str | None = None, dry_run: bool = False,
                 valid_rows_only: bool = False, team: Team | None = None,
                 file_name: str = "") -> Job:
    if not actor.can_write:
        raise PermissionDenied(_("Viewers cannot import."))
    import_kind = get_kind(kind)
    title = (_("Check %(kind)s: %(file)s") if dry_run else _("Import %(kind)s: %(file)s")) % {
        "kind": import_kind.label, "file": file_name or source}
    return start_job(actor=actor, kind=JOB_KIND, title=title[:200], params={
        "upload": upload, "kind": kind, "source": source, "mapping": mapping,
        "encoding": encoding, "sheet": sheet, "dry_run": dry_run,
        "valid_rows_only": valid_rows_only, "team": team.pk if team else None,
        "file_name": file_name, "language": translation.get_language()})
