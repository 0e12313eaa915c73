"""Customer value pages: RFM segments and their movement, monthly cohorts and second-purchase
conversion by acquisition channel, with CSV/XLSX exports. Company-wide figures: managers and
administrators only (others get 403). The numbers come from :mod:`kizuna.customers.value`."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kizuna.analytics.rfm import NOT_YET_A_CUSTOMER, SEGMENTS
from kizuna.core.exports import ExportColumn, export_response
from kizuna.core.models import Role
from kizuna.customers import value
from kizuna.customers.queries import visible_customers


def _check(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_administrator or user.role == Role.MANAGER):
        raise PermissionDenied


def _japanese() -> bool:
    return (get_language() or "ja").startswith("ja")


def _label(key: str) -> str:
    if key == NOT_YET_A_CUSTOMER[0]:
        return NOT_YET_A_CUSTOMER[2] if _japanese() else NOT_YET_A_CUSTOMER[1]
    en, ja = SEGMENTS[key]
    return ja if _japanese() else en


class RFMForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    compare = forms.DateField(label=gettext_lazy("Compare with"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=gettext_lazy("An earlier date: movement between segments"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        as_of, compare = data.get("as_of"), data.get("compare")
        if as_of and compare and compare > as_of:
            self.add_error("compare", _("The date to compare with must not be after the as-of "
                                        "date."))
        return data

    def values(self) -> tuple[dt.date, dt.date | None]:
        today = timezone.localdate()
        if not self.is_bound or not self.is_valid():
            return today, None
        return self.cleaned_data.get("as_of") or today, self.cleaned_data.get("compare")


def _rfm(request: HttpRequest) -> tuple[RFMForm, value.RFMFigures]:
    form = RFMForm(request.GET or None)
    as_of, compare = form.values()
    log = value.order_log()
    return form, value.rfm_figures(log, as_of=as_of, compare=compare)


@login_required
@require_GET
def rfm_page(request: HttpRequest) -> HttpResponse:
    _check(request)
    form, figures = _rfm(request)
    segment_url = reverse("customers:value_segment")
    segments = [{**row, "label": _label(row["key"]),
                 "url": f"{segment_url}?segment={row['key']}&as_of={figures.as_of:%Y-%m-%d}"}
                for row in figures.segments]
    chart = {"labels": [row["label"] for row in segments],
             "customers": [row["customers"] for row in segments],
             "revenue_share": [round(row["revenue_share"] * 100, 1) for row in segments],
             "keys": [row["key"] for row in segments],
             "customers_title": _("Customers"), "share_title": _("Revenue share (%)")}
    movement = [{"label": _label(key), "key": key, "cells": cells}
                for key, cells in zip(figures.movement_rows, figures.movement, strict=True)]
    return render(request, "customers/value/rfm.html", {
        "form": form, "figures": figures, "segments": segments, "chart": chart,
        "movement": movement, "movement_cols": [_label(k) for k in figures.movement_cols],
        "total_customers": sum(row["customers"] for row in segments),
        "query": request.GET.urlencode(), "nav_active": "analytics",
    })


@login_required
@require_GET
def rfm_export(request: HttpRequest) -> HttpResponse:
    _check(request)
    _form, figures = _rfm(request)
    columns = [
        ExportColumn("segment", _("Segment key"), lambda r: r["key"]),
        ExportColumn("label", _("Segment"), lambda r: _label(r["key"])),
        ExportColumn("customers", _("Customers"), lambda r: r["customers"]),
        ExportColumn("revenue", _("Revenue (yen)"), lambda r: r["monetary"]),
        ExportColumn("revenue_share", _("Revenue share"), lambda r: round(r["revenue_share"], 6)),
    ]
    return export_response(request, rows=figures.segments, columns=columns,
                           basename=f"rfm-{figures.as_of:%Y%m%d}", title=_("RFM segments"))


@login_required
@require_GET
def segment_customers(request: HttpRequest) -> HttpResponse:
    """The drill-down of a segment count: the customers in the segment (those the user may see)."""
    _check(request)
    form = RFMForm(request.GET or None)
    as_of, _compare = form.values()
    key = request.GET.get("segment", "")
    if key not in SEGMENTS:
        raise Http404
    ids = value.segment_customer_ids(value.order_log(), as_of=as_of, segment=key)
    customers = visible_customers(request.user).filter(pk__in=ids).order_by("sort_key", "pk")
    return render(request, "customers/value/segment.html", {
        "label": _label(key), "key": key, "as_of": as_of, "customers": customers[:500],
        "total": len(ids), "nav_active": "analytics",
    })


def _cell_style(rate: float | None) -> str:
    """A background from white (0 %) to the accent blue (100 %)."""
    if rate is None:
        return ""
    alpha = max(0.0, min(1.0, rate))
    return f"background: rgba(37, 99, 235, {alpha * 0.85:.2f});" + (
        " color: #fff;" if alpha > 0.55 else "")


def _rate(value_: float) -> float | None:
    return None if math.isnan(value_) else float(value_)


class CohortForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))


def _cohorts(request: HttpRequest) -> tuple[CohortForm, value.CohortFigures]:
    form = CohortForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_bound and form.is_valid() else None
    return form, value.cohort_figures(value.order_log(), as_of=as_of or timezone.localdate())


@login_required
@require_GET
def cohort_page(request: HttpRequest) -> HttpResponse:
    _check(request)
    form, figures = _cohorts(request)
    report = figures.report
    retention = report.retention if len(report.cohorts) else []
    # Ages run to the oldest cohort's, months without an acquired cohort included.
    ages = list(range(report.active.shape[1])) if len(report.cohorts) else []
    rows = []
    for i, cohort in enumerate(report.cohorts):
        cells = []
        for a in ages:
            rate = _rate(retention[i][a])
            cells.append({"rate": rate, "pct": None if rate is None else round(rate * 100, 1),
                          "style": _cell_style(rate)})
        rows.append({"cohort": cohort, "size": int(report.size[i]), "cells": cells,
                     "repeaters": int(report.repeaters[i]),
                     "repeat_pct": round(float(report.repeat_rate[i]) * 100, 1)})
    channels = []
    if figures.channels is not None:
        sp = figures.channels
        channels = [{"channel": v if v is not None else "", "customers": int(n),
                     "converted": int(k), "pct": round(float(r) * 100, 1)}
                    for v, n, k, r in zip(sp.values, sp.customers, sp.converted, sp.rate,
                                          strict=True)]
    return render(request, "customers/value/cohorts.html", {
        "form": form, "rows": rows, "ages": ages, "channels": channels,
        "data": report.to_dict(), "query": request.GET.urlencode(), "nav_active": "analytics",
    })


@login_required
@require_GET
def cohort_export(request: HttpRequest) -> HttpResponse:
    """The cohort table: one row per cohort, its size, repeat rate and retention by age."""
    _check(request)
    _form, figures = _cohorts(request)
    report = figures.report
    ages = report.active.shape[1] if len(report.cohorts) else 0
    rows = [{"cohort": report.cohorts[i], "size": int(report.size[i]),
             "repeat_rate": round(float(report.repeat_rate[i]), 6),
             "retention": [_rate(report.retention[i][a]) for a in range(ages)]}
            for i in range(len(report.cohorts))]
    columns = [
        ExportColumn("cohort", _("Cohort"), lambda r: f"{r['cohort']:%Y-%m}"),
        ExportColumn("size", _("Customers"), lambda r: r["size"]),
        ExportColumn("repeat_rate", _("Repeat rate"), lambda r: r["repeat_rate"]),
        *[ExportColumn(f"month_{a}", _("Month %(age)s") % {"age": a},
                       lambda r, a=a: None if r["retention"][a] is None
                       else round(r["retention"][a], 6)) for a in range(ages)],
    ]
    return export_response(request, rows=rows, columns=columns, basename="cohorts",
                           title=_("Cohorts"))
