"""Read transaction logs and customer summaries from CSV (or Parquet) files into numpy arrays.

Pure (no Django): used by ``kizuna analytics …`` and usable from notebooks. CSV files are decoded
as strict UTF-8 (with or without BOM) first, then CP932 — Windows' Japanese encoding, a superset
of Shift_JIS that also holds ①, ㈱, NEC/IBM kanji; never the ``shift_jis`` codec, which rejects
them (ARCHITECTURE.md, "Japanese data"). Parquet needs ``pyarrow``, which is optional.

Every problem raises :class:`DataError` (a ``ValueError``) whose message names the file and,
for a bad value, its line (CSV: the physical line in the file, header = line 1) or row
(Parquet: 1-based data row), so an analyst can open the file and fix it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kizuna.analytics._base import FloatArray

__all__ = [
    "DataError",
    "StageLog",
    "SummaryColumns",
    "Table",
    "Transactions",
    "parse_amounts",
    "parse_date_text",
    "parse_dates",
    "parse_datetime_text",
    "parse_datetimes",
    "parse_ids",
    "read_stage_log",
    "read_summary",
    "read_table",
    "read_transactions",
    "write_csv",
]

PARQUET_SUFFIXES = {".parquet", ".pq"}
# Names accepted for the summary columns: ours/lifetimes', then the papers' (CDNOW files).
SUMMARY_ALIASES = {
    "frequency": ("frequency", "x"),
    "recency": ("recency", "t_x"),
    "T": ("T",),
    "monetary_value": ("monetary_value", "zbar", "m"),
}
CUSTOMER_ALIASES = ("customer_id", "id", "顧客id", "顧客番号", "会員id")


class DataError(ValueError):
    """The input file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Table:
    """Columns of a file, by header name, plus how to name a data row in an error message."""

    source: str
    columns: dict[str, NDArray[Any]]
    # CSV: the physical line where each data row ends (csv.reader.line_num); None for Parquet.
    line_numbers: NDArray[np.int64] | None

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def where(self, index: int) -> str:
        """'line 12' (CSV) or 'row 11' (Parquet) for the data row at ``index`` (0-based)."""
        if self.line_numbers is not None:
            return f"line {int(self.line_numbers[index])}"
        return f"row {index + 1}"

    def column(self, name: str, *, option: str | None = None) -> NDArray[Any]:
        """The column called ``name``; matched exactly, else after NFKC + case folding (so
        ``顧客ＩＤ`` finds ``顧客ID``). A missing column raises, listing the columns present."""
        found = self.find(name)
        if found is None:
            present = ", ".join(self.columns) or "(none)"
            via = f" (given with {option})" if option else ""
            raise DataError(f"{self.source}: no column {name!r}{via}; columns are: {present}")
        return self.columns[found]

    def find(self, *names: str) -> str | None:
        """The header of the first of ``names`` present (exact, then folded match), or None."""
        for name in names:
            if name in self.columns:
                return name
        folded = {_fold(header): header for header in self.columns}
        for name in names:
            if _fold(name) in folded:
                return folded[_fold(name)]
        return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


# ------------------------------------------------------------------------------------------
# Reading files
# ------------------------------------------------------------------------------------------


def decode_csv_bytes(data: bytes, source: str) -> str:
    """Text of a CSV file: strict UTF-8 (a BOM is dropped), else CP932, else a clear error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp932")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, utf8_error.start) + 1
            raise DataError(
                f"{source}: cannot decode the file as UTF-8 (first bad byte on line {line}) "
                "nor as CP932 (Shift_JIS); save it as UTF-8 CSV"
            ) from None


def read_table(path: str | Path, *, delimiter: str | None = None) -> Table:
    """Read a CSV (or, by suffix ``.parquet``/``.pq``, a Parquet) file with a header row.

    CSV values stay strings (stripped of surrounding spaces); Parquet columns keep their types.
    Blank lines are skipped. ``delimiter`` defaults to a tab for ``.tsv`` files, else a comma.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise DataError(f"{source}: no such file")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return _read_parquet(path)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    text = decode_csv_bytes(path.read_bytes(), source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if header is None:
                header = [name.strip() for name in row]
                _check_header(header, source)
                continue
            if len(row) != len(header):
                raise DataError(
                    f"{source}: line {reader.line_num} has {len(row)} fields, "
                    f"the header has {len(header)}"
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(f"{source}: line {reader.line_num}: {exc}") from None
    if header is None:
        raise DataError(f"{source}: the file is empty (no header row)")
    if not rows:
        raise DataError(f"{source}: no data rows after the header")
    columns = {
        name: np.char.strip(np.array(values, dtype=str))
        for name, values in zip(header, zip(*rows, strict=True), strict=True)
    }
    return Table(source, columns, np.array(lines, dtype=np.int64))


def _check_header(header: list[str], source: str) -> None:
    if any(not name for name in header):
        raise DataError(f"{source}: the header row has an empty column name")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(f"{source}: the header names column {name!r} twice")
        seen.add(name)


def _read_parquet(path: Path) -> Table:
    try:
        import pyarrow.parquet as pq  # optional: only Parquet input needs it
    except ImportError:
        raise DataError(
            f"{path}: reading Parquet needs the 'pyarrow' package, which is not installed "
            "(pip install pyarrow), or save the data as CSV"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
    if table.num_rows == 0:
        raise DataError(f"{path}: no data rows")
    columns: dict[str, NDArray[Any]] = {}
    for name, chunked in zip(table.column_names, table.columns, strict=True):
        arrow_type = chunked.type
        if getattr(arrow_type, "tz", None):
            # Arrow would hand over UTC instants: a purchase before 09:00 in Tokyo would move to
            # the previous day. The business calendar is the caller's decision.
            raise DataError(
                f"{path}: column {name!r} holds timezone-aware timestamps ({arrow_type}); "
                "store local dates (e.g. Asia/Tokyo) instead"
            )
        if chunked.null_count:
            # Keep nulls visible as None so the parsers can name the row.
            columns[name] = np.array(chunked.to_pylist(), dtype=object)
        else:
            columns[name] = chunked.to_numpy()
    return Table(str(path), columns, None)


# ------------------------------------------------------------------------------------------
# Parsing values
# ------------------------------------------------------------------------------------------

# 2024-01-05, 2024/1/5, 2024.01.05, 2024年1月5日, 20240105; optionally followed by a time of
# day (dropped) — but not by a timezone offset, which would make the calendar day ambiguous.
_DATE = re.compile(
    r"(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<m8>\d{2})(?P<d8>\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)


def parse_date_text(text: str) -> np.datetime64 | None:
    """A calendar date from text such as 2024-01-31, 2024/1/31, 2024年1月31日 or 20240131
    (a time of day after it is ignored); None if it is not one."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    month = match["m"] or match["m8"]
    day = match["d"] or match["d8"]
    try:
        return np.datetime64(dt.date(int(match["y"]), int(month), int(day)), "D")
    except ValueError:  # e.g. 2024-02-30
        return None


def parse_dates(table: Table, name: str, *, option: str | None = None) -> NDArray[np.int64]:
    """Column ``name`` as calendar dates (``datetime64[D]``); times of day are dropped.

    Each distinct text is parsed once (logs repeat the same dates many times), so a million rows
    cost a sort, not a million regex matches. Raises naming the first bad value's line.
    """
    values = table.column(name, option=option)
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[D]")
    if values.dtype == object:
        if any(getattr(v, "tzinfo", None) is not None for v in values):
            raise DataError(f"{table.source}: column {name!r} holds timezone-aware datetimes")
        # Parquet date32 (datetime.date) or None: go through text so None is reported.
        values = np.array(["" if v is None else str(v) for v in values], dtype=str)
    distinct, inverse = np.unique(values.astype(str), return_inverse=True)
    parsed = np.empty(len(distinct), dtype="datetime64[D]")
    for i, text in enumerate(distinct):
        date = parse_date_text(text)
        if date is None:
            first = int(np.flatnonzero(inverse.reshape(-1) == i)[0])
            shown = repr(str(text)) if text else "an empty value"
            raise DataError(
                f"{table.source}: {table.where(first)}: cannot read {shown} in column "
                f"{name!r} as a date (expected e.g. 2024-01-31, 2024/1/31 or 2024年1月31日)"
            )
        parsed[i] = date
    return parsed[inverse.reshape(-1)]


# The date forms of _DATE, then an optional time of day kept to the second. No timezone offset:
# entries are local times (as the dates above), the caller's calendar decides the day.
_DATETIME = re.compile(
    r"(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<m8>\d{2})(?P<d8>\d{2}))"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
)


def parse_datetime_text(text: str) -> np.datetime64 | None:
    """A local date and time from text such as 2024-01-31 09:30, 2024/1/31 9:30:15 or
    2024-01-31T09:30:15 (fractions of a second dropped; a date alone is midnight); None if it
    is not one — a timezone offset (+09:00, Z) included."""
    match = _DATETIME.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    try:
        day = dt.date(int(match["y"]), int(match["m"] or match["m8"]),
                      int(match["d"] or match["d8"]))
        clock = dt.time(int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0))
    except ValueError:  # e.g. 2024-02-30 or 25:00
        return None
    # Naive on purpose: a local wall-clock time, never converted.
    seconds = clock.hour * 3600 + clock.minute * 60 + clock.second
    return np.datetime64(day, "s") + np.timedelta64(seconds, "s")


def parse_datetimes(table: Table, name: str, *, option: str | None = None
                    ) -> NDArray[np.datetime64]:
    """Column ``name`` as local datetimes (``datetime64[s]``), like :func:`parse_dates` but
    keeping the time of day. Each distinct text is parsed once; raises naming the first bad
    value's line."""
    values = table.column(name, option=option)
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[s]")
    if values.dtype == object:
        if any(getattr(v, "tzinfo", None) is not None for v in values):
            raise DataError(f"{table.source}: column {name!r} holds timezone-aware datetimes")
        values = np.array(["" if v is None else str(v) for v in values], dtype=str)
    distinct, inverse = np.unique(values.astype(str), return_inverse=True)
    parsed = np.empty(len(distinct), dtype="datetime64[s]")
    for i, text in enumerate(distinct):
        moment = parse_datetime_text(text)
        if moment is None:
            first = int(np.flatnonzero(inverse.reshape(-1) == i)[0])
            shown = repr(str(text)) if text else "an empty value"
            raise DataError(
                f"{table.source}: {table.where(first)}: cannot read {shown} in column "
                f"{name!r} as a local date and time (expected e.g. 2024-01-31 09:30 or "
                "2024/1/31; no timezone offset)"
            )
        parsed[i] = moment
    return parsed[inverse.reshape(-1)]


_AMOUNT_JUNK = re.compile(r"[,\s¥￥$円]")


def _parse_amount_text(text: str) -> float | None:
    cleaned = _AMOUNT_JUNK.sub("", unicodedata.normalize("NFKC", text))
    if cleaned.startswith("(") and cleaned.endswith(")"):  # accounting negative: (1,200)
        cleaned = "-" + cleaned[1:-1]
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def parse_amounts(table: Table, name: str, *, option: str | None = None) -> FloatArray:
    """Column ``name`` as floats. Accepts ``1,200``, ``¥1,200``, ``1200円`` and full-width
    digits; raises naming the line of the first value that is not a finite number."""
    values = table.column(name, option=option)
    if values.dtype.kind in "iuf":
        result = values.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(result))
        if bad.size == 0:
            return result
        first = int(bad[0])
        raise DataError(
            f"{table.source}: {table.where(first)}: column {name!r} holds {result[first]}, "
            "not a finite number"
        )
    try:
        result = values.astype(np.float64)  # fast path: plain numbers
        if np.all(np.isfinite(result)):
            return result
    except (TypeError, ValueError):
        pass
    result = np.empty(len(values))
    for i, value in enumerate(values):
        number = None if value is None else _parse_amount_text(str(value))
        if number is None:
            shown = repr(str(value)) if value not in (None, "") else "an empty value"
            raise DataError(
                f"{table.source}: {table.where(i)}: cannot read {shown} in column {name!r} "
                "as a number"
            )
        result[i] = number
    return result


def parse_ids(table: Table, name: str, *, option: str | None = None) -> NDArray[Any]:
    """Column ``name`` as customer identifiers (text, kept as written); empty ones are refused."""
    values = table.column(name, option=option)
    if values.dtype.kind in "iuU":
        ids = values
    else:
        ids = np.array(["" if v is None else str(v) for v in values], dtype=str)
    if ids.dtype.kind == "U":
        empty = np.flatnonzero(ids == "")
        if empty.size:
            raise DataError(
                f"{table.source}: {table.where(int(empty[0]))}: empty customer id in column "
                f"{name!r}"
            )
    return ids


# ------------------------------------------------------------------------------------------
# The two inputs of the CLV models
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transactions:
    """A transaction log: aligned customer ids, calendar dates and amounts."""

    customer_id: NDArray[Any]
    date: NDArray[Any]  # datetime64[D]
    amount: FloatArray

    def __len__(self) -> int:
        return len(self.customer_id)


def read_transactions(
    path: str | Path,
    *,
    customer: str,
    date: str,
    amount: str,
    options: tuple[str, str, str] = ("--customer", "--date", "--amount"),
) -> Transactions:
    """Read a transaction log with the given column names (``options`` name them in errors)."""
    table = read_table(path)
    return Transactions(
        customer_id=parse_ids(table, customer, option=options[0]),
        date=parse_dates(table, date, option=options[1]),
        amount=parse_amounts(table, amount, option=options[2]),
    )


@dataclass(frozen=True)
class SummaryColumns:
    """A per-customer summary read from a file; ``monetary_value`` is None when absent."""

    customer_id: NDArray[Any]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray | None

    def __len__(self) -> int:
        return len(self.customer_id)


def read_summary(path: str | Path, *, customer: str | None = None) -> SummaryColumns:
    """Read ``frequency``, ``recency``, ``T`` and optionally ``monetary_value`` per customer.

    The papers' names ``x``, ``t_x`` and ``zbar`` are accepted too (the CDNOW files). The id
    column is ``customer`` if given, else ``customer_id``/``ID``/``顧客ID`` if present, else the
    1-based row number.
    """
    table = read_table(path)
    found = {key: table.find(*aliases) for key, aliases in SUMMARY_ALIASES.items()}
    missing = [key for key in ("frequency", "recency", "T") if found[key] is None]
    if missing:
        raise DataError(
            f"{table.source}: a summary needs the columns frequency, recency and T "
            f"(missing: {', '.join(missing)}); columns are: {', '.join(table.columns)}"
        )
    id_column = customer if customer is not None else table.find(*CUSTOMER_ALIASES)
    if id_column is None:
        ids: NDArray[Any] = np.arange(1, len(table) + 1)
    else:
        ids = parse_ids(table, id_column, option="--customer" if customer else None)
    money = found["monetary_value"]
    return SummaryColumns(
        customer_id=ids,
        frequency=parse_amounts(table, found["frequency"] or ""),
        recency=parse_amounts(table, found["recency"] or ""),
        T=parse_amounts(table, found["T"] or ""),
        monetary_value=None if money is None else parse_amounts(table, money),
    )


# ------------------------------------------------------------------------------------------
# The input of the funnel
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageLog:
    """A lead transition log: aligned lead ids, stage names and local entry datetimes."""

    lead_id: NDArray[Any]
    stage: NDArray[np.str_]
    entered_at: NDArray[np.datetime64]

    def __len__(self) -> int:
        return len(self.lead_id)


def read_stage_log(
    path: str | Path,
    *,
    stages: Sequence[str],
    lead: str = "lead_id",
    stage: str = "stage",
    entered_at: str = "entered_at",
    options: tuple[str, str, str] = ("--lead", "--stage", "--entered-at"),
) -> StageLog:
    """Read a transition log (one row per stage entry); a stage not in ``stages`` is refused,
    naming its line."""
    table = read_table(path)
    ids = parse_ids(table, lead, option=options[0])
    names = np.char.strip(table.column(stage, option=options[1]).astype(str))
    known = np.isin(names, np.array(list(stages), dtype=str))
    if not known.all():
        first = int(np.flatnonzero(~known)[0])
        unknown = sorted(set(names[~known].tolist()))
        raise DataError(
            f"{table.source}: {table.where(first)}: unknown stage {str(names[first])!r} in "
            f"column {stage!r} (unknown: {', '.join(map(repr, unknown[:10]))}); stages are "
            f"{', '.join(stages)}"
        )
    return StageLog(ids, names, parse_datetimes(table, entered_at, option=options[2]))


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------


def write_csv(path: str | Path, header: Sequence[str], columns: Sequence[Any]) -> None:
    """Write columns as CSV in UTF-8 *with* BOM, so Excel on Japanese Windows reads it as
    UTF-8 rather than CP932. Floats are written with ``repr`` precision (round-trip exact)."""
    if len(header) != len(columns):
        raise ValueError("header and columns must have the same length")
    lists = [np.asarray(column).tolist() for column in columns]
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(zip(*lists, strict=True))
