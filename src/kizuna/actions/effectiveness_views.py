"""Effectiveness pages (効果測定): every criterion side by side, and one criterion by revision.

For managers and administrators — the people who write and retire criteria; the figures are
company-wide aggregates (docs/decisions/0203). Reads go through kizuna.actions.effectiveness.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kizuna.actions import services
from kizuna.actions.effectiveness import DEFAULT_WINDOW, WINDOWS, measure
from kizuna.actions.queries import visible_criteria
from kizuna.actions.views import _fetch_criterion


def chosen_window(request: HttpRequest) -> int:
    try:
        window = int(request.GET.get("window", DEFAULT_WINDOW))
    except ValueError:
        return DEFAULT_WINDOW
    return window if window in WINDOWS else DEFAULT_WINDOW


def _require_manager(request: HttpRequest) -> None:
    if not services.can_manage_criteria(request.user):
        raise PermissionDenied


@login_required
def effectiveness(request: HttpRequest) -> HttpResponse:
    """Every criterion side by side: which work, which to retire."""
    _require_manager(request)
    window = chosen_window(request)
    criteria = list(visible_criteria(request.user).order_by("-enabled", "name", "pk"))
    return render(request, "actions/effectiveness.html", {
        "effects": measure(criteria, window=window), "window": window, "windows": WINDOWS,
        "nav_active": "inbox"})


@login_required
def criterion_effectiveness(request: HttpRequest, pk: int) -> HttpResponse:
    """One criterion: its totals and each revision's."""
    _require_manager(request)
    criterion = _fetch_criterion(request, pk)
    window = chosen_window(request)
    [total] = measure([criterion], window=window)
    rows = [(_("Acted on"), total.acted_result), (_("Not acted on"), total.ignored_result)]
    if total.baseline is not None:
        rows.append((_("Did not fire"), total.baseline))
    return render(request, "actions/effectiveness_detail.html", {
        "criterion": criterion, "total": total, "window": window, "windows": WINDOWS,
        "result_rows": rows,
        "revisions": measure([criterion], window=window, by_version=True),
        "nav_active": "inbox"})
