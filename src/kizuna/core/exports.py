"""Exports: any list, as its user sees it (filters and access rules), to CSV or XLSX.

An app describes a list's columns once (:class:`ExportColumn`, named like the import columns so
that an exported file imports back unchanged) and calls :func:`export_response` with the rows
its list view would show. Three formats, because Japanese offices use all three:

* ``csv`` — UTF-8 with BOM (Excel opens it correctly, any character fits);
* ``csv-cp932`` — Shift_JIS/CP932 for older Excel and many Japanese business systems; values
  CP932 cannot hold are listed on a page before anything is downloaded (kizuna.tabular);
* ``xlsx`` — an Excel workbook, dates as dates.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.tabular import Unencodable, write_csv, write_xlsx

FORMATS = {
    "csv": gettext_lazy("CSV (UTF-8, Excel)"),
    "csv-cp932": gettext_lazy("CSV (Shift_JIS / CP932)"),
    "xlsx": gettext_lazy("Excel (XLSX)"),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv-cp932": "text/csv; charset=shift_jis",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PROBLEMS_SHOWN = 100


@dataclass(frozen=True)
class ExportColumn:
    name: str  # the import column's name: the file imports back
    label: Any
    value: Callable[[Any], Any]


def export_bytes(rows: Iterable[Any], columns: Sequence[ExportColumn], fmt: str
                 ) -> tuple[bytes, list[Unencodable]]:
    header = [str(c.label) for c in columns]
    values = ([c.value(row) for c in columns] for row in rows)
    out = io.BytesIO()
    problems: list[Unencodable] = []
    if fmt == "xlsx":
        write_xlsx(out, header, values)
    elif fmt == "csv-cp932":
        problems = write_csv(out, header, values, encoding="cp932")
    else:
        write_csv(out, header, values, encoding="utf-8")
    return out.getvalue(), problems


def filename(basename: str, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{basename}-{stamp}.{'xlsx' if fmt == 'xlsx' else 'csv'}"


def export_response(request: HttpRequest, *, rows: Iterable[Any],
                    columns: Sequence[ExportColumn], basename: str, title: str) -> HttpResponse:
    """The file for ``?format=`` (default csv). For CP932, values that do not fit are shown
    on a page first; ``&confirm=1`` downloads anyway (those characters become '?')."""
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        fmt = "csv"
    data, problems = export_bytes(rows, columns, fmt)
    if problems and request.GET.get("confirm") != "1":
        query = request.GET.copy()
        query["confirm"] = "1"
        utf8 = request.GET.copy()
        utf8["format"] = "csv"
        return render(request, "core/export_problems.html", {
            "title": title, "problems": problems[:PROBLEMS_SHOWN],
            "more": max(len(problems) - PROBLEMS_SHOWN, 0), "total": len(problems),
            "confirm_query": query.urlencode(), "utf8_query": utf8.urlencode(),
        }, status=409)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename(basename, fmt)}"'
    return response


def local(value: Any) -> Any:
    """An aware datetime in the user's time zone, without tzinfo (what Excel shows)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)


def yes_no(value: bool) -> str:
    return "1" if value else "0"


def describe(problem: Unencodable) -> str:
    return _("Row %(row)s, %(column)s: %(chars)s") % {
        "row": problem.row, "column": problem.column, "chars": problem.characters}
