"""Read and write the tables people exchange with Excel: CSV in any Japanese encoding, and XLSX.

Pure (no Django): used by imports, exports and the CLI.

Reading. CSV bytes are decoded as strict UTF-8 (with or without BOM) first, then strict CP932
(Windows' Japanese encoding: Shift_JIS plus ①, ㈱, 髙, 﨑 and the NEC/IBM kanji; never the
``shift_jis`` codec, which rejects them), and only if both fail by charset-normalizer's best
guess (ARCHITECTURE.md, "Japanese data"). A file that none of them decodes is refused with the
line of the first bad byte, never read with replacement characters. The delimiter is sniffed
among comma, tab, semicolon and bar. Every data row carries the physical line it starts on
(header = line 1), so a problem can be reported where the user will find it in their editor.

Writing. CSV as UTF-8 with BOM (what Excel opens correctly) or CP932 (what older Excel and
many Japanese systems expect). A character CP932 cannot hold (emoji, 𠮷, some accented Latin)
is reported with its row and column, not silently replaced (:class:`Unencodable`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

__all__ = [
    "ENCODINGS",
    "TableError",
    "TableReader",
    "Unencodable",
    "cell_text",
    "detect_encoding",
    "open_table",
    "write_csv",
    "write_xlsx",
]

Encoding = Literal["auto", "utf-8", "cp932"]
ENCODINGS: tuple[str, ...] = ("auto", "utf-8", "cp932")
DELIMITERS = ",\t;|"
XLSX_MAGIC = b"PK\x03\x04"


class TableError(ValueError):
    """The file cannot be read as a table. ``code`` is stable (for translation), ``line`` is
    where the problem is (1-based, or None for the whole file)."""

    def __init__(self, code: str, message: str, *, line: int | None = None,
                 detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.line = line
        self.detail = detail


@dataclass(frozen=True)
class Unencodable:
    """A value the chosen encoding cannot hold: row (1-based, header = 1), column, characters."""

    row: int
    column: str
    characters: str


def _bad_byte_line(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def detect_encoding(data: bytes) -> str:
    """'utf-8-sig', 'utf-8', 'cp932' or charset-normalizer's guess; raises TableError."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TableError("encoding", "The file starts like UTF-8 but is not valid UTF-8.",
                             line=_bad_byte_line(data, exc.start)) from exc
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            data.decode("cp932")
            return "cp932"
        except UnicodeDecodeError:
            pass
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None or best.encoding in ("utf_8", "cp932", "shift_jis"):
            raise TableError(
                "encoding", "The file is neither UTF-8 nor CP932 (Shift_JIS).",
                line=_bad_byte_line(data, utf8_error.start),
            ) from utf8_error
        return str(best.encoding)


def _decode(data: bytes, encoding: Encoding) -> tuple[str, str]:
    if encoding == "auto":
        used = detect_encoding(data)
    elif encoding == "utf-8":
        used = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    elif encoding == "cp932":
        used = "cp932"
    else:
        raise TableError("encoding", f"Unknown encoding {encoding!r}.")
    try:
        return data.decode(used), ("utf-8" if used == "utf-8-sig" else used)
    except UnicodeDecodeError as exc:
        raise TableError("encoding", f"The file is not valid {used}.",
                         line=_bad_byte_line(data, exc.start)) from exc


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the candidate it holds most often outside quoted
    names (ties in DELIMITERS order), else a comma (a one-column file). The header alone
    decides: csv.Sniffer guesses from the data rows too and can take a "|" or "'" inside a
    value for the delimiter."""
    first = text[:64_000].split("\n", 1)[0]
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", first)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equal counts
    return best if counts[best] else ","


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a user sees: dates ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class TableReader:
    """A table's header and its data rows as (line, cells); iterate once."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    format: Literal["csv", "xlsx"]
    encoding: str | None = None  # None for XLSX
    delimiter: str | None = None
    total: int | None = None  # data rows, when known up front
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self.rows


def _csv_rows(text: str, delimiter: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError("empty", "The file is empty.") from None
    except csv.Error as exc:
        raise TableError("csv", f"The header row cannot be read: {exc}", line=1) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = reader.line_num
        while True:
            start = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise TableError("csv", f"Line {start} cannot be read: {exc}",
                                 line=start) from exc
            line = reader.line_num
            if cells and any(c.strip() for c in cells):
                yield start, cells

    return [h.strip() for h in header], rows()


def _xlsx_rows(data: bytes, sheet: str | None
               ) -> tuple[list[str], Iterator[tuple[int, list[str]]], int | None]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TableError("xlsx", f"The Excel file cannot be opened: {exc}") from exc
    if sheet is not None and sheet not in book.sheetnames:
        raise TableError("sheet", f"There is no sheet {sheet!r}.", detail=", ".join(
            book.sheetnames))
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    values = ws.iter_rows(values_only=True)
    header_row = next(values, None)
    if header_row is None:
        raise TableError("empty", "The sheet is empty.")
    header = [cell_text(v).strip() for v in header_row]
    while header and not header[-1]:
        header.pop()
    total = ws.max_row - 1 if ws.max_row else None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(values, start=2):
            cells = [cell_text(v) for v in row[:len(header)]]
            if any(c.strip() for c in cells):
                yield number, cells
        book.close()

    return header, rows(), total


def open_table(source: str | Path | bytes | IO[bytes], *, encoding: Encoding = "auto",
               sheet: str | None = None, name: str = "") -> TableReader:
    """Open CSV or XLSX (recognised by content, not by name) for reading row by row.

    The whole file is read into memory once; CSV text is decoded in one go so that a bad byte
    anywhere is found before the first row is imported (all-or-nothing needs that anyway).
    """
    if isinstance(source, (str, Path)):
        data = Path(source).read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    if data.startswith(XLSX_MAGIC):
        header, rows, total = _xlsx_rows(data, sheet)
        return TableReader(header=header, rows=rows, format="xlsx", total=total)
    text, used = _decode(data, encoding)
    delimiter = _sniff_delimiter(text)
    header, rows = _csv_rows(text, delimiter)
    # Physical lines minus the header: an upper bound for progress (quoted line breaks).
    total = max(text.count("\n") - (0 if text.endswith("\n") else -1) - 1, 0)
    return TableReader(header=header, rows=rows, format="csv", encoding=used,
                       delimiter=delimiter, total=total)


# --- writing -------------------------------------------------------------------------------------


def _unencodable(text: str, encoding: str) -> str:
    return "".join(dict.fromkeys(ch for ch in text if not _encodes(ch, encoding)))


def _encodes(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def write_csv(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              encoding: Literal["utf-8", "cp932"] = "utf-8") -> list[Unencodable]:
    """Write CSV for Excel: UTF-8 with BOM, or CP932. CRLF line ends, as Excel writes them.

    With CP932 every value is checked; values that do not fit are listed in the result and
    written with each such character as '?', so the file still opens — the caller must show
    the list (a silent '?' would be data loss).
    """
    problems: list[Unencodable] = []
    if encoding == "utf-8":
        out.write(codecs.BOM_UTF8)
        codec = "utf-8"
    else:
        codec = "cp932"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> None:
        text = buffer.getvalue()
        out.write(text.encode(codec, errors="replace"))
        buffer.seek(0)
        buffer.truncate()

    writer.writerow(header)
    for number, row in enumerate(rows, start=2):
        cells = [_text(v) for v in row]
        if codec == "cp932":
            for column, cell in zip(header, cells, strict=False):
                if not cell.isascii():
                    bad = _unencodable(cell, codec)
                    if bad:
                        problems.append(Unencodable(number, column, bad))
        writer.writerow(cells)
        if number % 1000 == 0:
            flush()
    flush()
    return problems


def write_xlsx(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *,
               sheet_title: str = "Sheet1") -> None:
    """Write one sheet, streaming (openpyxl write-only mode), values typed (dates as dates)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet_title[:31] or "Sheet1")
    ws.append(list(header))
    for row in rows:
        ws.append([_xlsx_value(v) for v in row])
    book.save(out)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass local time
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value
