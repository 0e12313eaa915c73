"""Whitespace pages: an account's matrix (departments × product categories) where a rep sets a
cell's status (htmx swaps the cell; without JavaScript the form posts and the page reloads),
one cell's history, and the KPI summary per team, rep and account.

Views parse input and call kizuna.actions.whitespace (docs/decisions/0202).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.actions import whitespace as ws
from kizuna.actions.models import CellStatus
from kizuna.core.access import NotFound
from kizuna.core.models import Team, User
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.models import Account, Department
from kizuna.customers.queries import access_account, visible_accounts


def _account(request: HttpRequest, pk: int) -> Account:
    try:
        return access_account(request.user, pk)
    except NotFound:
        raise Http404 from None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _cell_context(request: HttpRequest, account: Account, cell: ws.Cell,
                  errors: list[str] | None = None) -> dict[str, object]:
    return {"account": account, "cell": cell, "can_set": ws.can_set(request.user, account),
            "statuses": [(value, label) for value, label in CellStatus.choices
                         if value in ws.HAND_STATUSES], "errors": errors or []}


@login_required
def whitespace_matrix(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    matrix = ws.matrix(account)
    can_set = ws.can_set(request.user, account)
    statuses = [(v, label) for v, label in CellStatus.choices if v in ws.HAND_STATUSES]
    rows = [(row, [{"account": account, "cell": cell, "can_set": can_set,
                    "statuses": statuses, "errors": []} for cell in cells])
            for row, cells in matrix.row_cells()]
    return render(request, "actions/whitespace_matrix.html", {
        "account": account, "matrix": matrix, "rows": rows, "kpi": matrix.kpi,
        "can_set": can_set, "nav_active": "whitespace"})


@login_required
@require_POST
def whitespace_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one cell; an htmx request gets the cell back, a plain form the matrix again."""
    account = _account(request, pk)
    row = _int(request.POST.get("row")) or ws.WHOLE
    category = request.POST.get("category", "")
    department = None
    if row != ws.WHOLE:
        department = Department.objects.filter(pk=row, account=account).first()
        if department is None:
            raise Http404
    errors: list[str] = []
    try:
        ws.set_cell(actor=request.user, account=account, department=department,
                    category=category, status=request.POST.get("status", ""),
                    note=request.POST.get("note", ""),
                    expected_version=_int(request.POST.get("version")) or 0)
    except ConcurrentEdit as exc:
        errors = [str(exc)]
    except ValidationError as exc:
        errors = list(exc.messages)
    if not (request.htmx and not request.htmx.boosted):
        for message in errors:
            messages.error(request, message)
        if not errors:
            messages.success(request, _("The cell was updated."))
        return redirect("actions:whitespace_matrix", pk=account.pk)
    matrix = ws.matrix(account)
    cell = matrix.cells.get((row, category))
    if cell is None:
        raise Http404
    return render(request, "actions/partials/whitespace_cell.html",
                  _cell_context(request, account, cell, errors),
                  status=422 if errors else 200)


@login_required
def whitespace_history(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    row = _int(request.GET.get("row")) or ws.WHOLE
    category = request.GET.get("category", "")
    return render(request, "actions/whitespace_history.html", {
        "account": account, "category": category,
        "department": Department.objects.filter(pk=row, account=account).first(),
        "changes": list(ws.history(account, row, category)[:100]),
        "nav_active": "whitespace"})


@login_required
def whitespace_summary(request: HttpRequest) -> HttpResponse:
    """Coverage and conversion per team, rep and account, over the accounts you may see."""
    accounts = visible_accounts(request.user)
    owner, team = _int(request.GET.get("owner")), _int(request.GET.get("team"))
    if owner:
        accounts = accounts.filter(owner_id=owner)
    if team:
        accounts = accounts.filter(team_id=team)
    summary = ws.summary(accounts)
    return render(request, "actions/whitespace_summary.html", {
        "summary": summary, "accounts": summary.accounts[:200], "owner": owner, "team": team,
        "owners": User.objects.filter(is_active=True).order_by("username"),
        "teams": Team.objects.order_by("name"), "categories": ws.categories(),
        "nav_active": "whitespace"})
