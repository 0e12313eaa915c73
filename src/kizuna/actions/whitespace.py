"""Whitespace (ホワイトスペース, 横展開): per account, a matrix of its departments × product
categories with a status per cell, the coverage and conversion KPIs, and the condition
aggregate ``whitespace_open_cells`` that lets a judgment criterion turn empty cells into tasks
(docs/decisions/0202-scorecards-and-whitespace.md).

- Rows: the account's departments, or "the account as a whole" when it has none.
  Columns: the categories of the active products (commerce ``Product.category``).
- A cell is **won** when a sale of that department (or of the account, for the whole-account
  row) has a line with a product of that category: derived from the orders, never set by hand.
  Otherwise it has the status a person last set (not approached, approached, need, no need);
  a cell nobody touched is not approached. Every change is kept (``WhitespaceCellChange``).
- coverage = cells not "not approached" ÷ cells; conversion = won ÷ (need + won): of the cells
  where a need was found, the share that became an order. Pooled (sums of cells, then the ratio)
  for reps and teams.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Func, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.actions.models import CellStatus, WhitespaceCell, WhitespaceCellChange
from kizuna.core.access import can_edit
from kizuna.core.ledger import diff, field_values, record_change
from kizuna.core.models import User
from kizuna.core.services import ConcurrentEdit, create_record, update_record
from kizuna.customers.models import Account, Department

HAND_STATUSES = (CellStatus.NOT_APPROACHED, CellStatus.APPROACHED, CellStatus.NEED,
                 CellStatus.NO_NEED)
WHOLE = 0  # the department key of "the account as a whole"


def categories() -> list[str]:
    """The matrix's columns: the categories of the active products, in order."""
    from kizuna.commerce.models import Product

    return sorted(set(Product.objects.filter(active=True).exclude(category="")
                      .values_list("category", flat=True)))


# --- the pure part: statuses and KPIs ------------------------------------------------------------


@dataclass
class Kpi:
    """Counts of cells by status, and the two ratios (None when undefined)."""

    cells: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CellStatus.values, 0))

    def add(self, status: str) -> None:
        self.cells += 1
        self.counts[status] += 1

    def merge(self, other: Kpi) -> None:
        self.cells += other.cells
        for key, n in other.counts.items():
            self.counts[key] += n

    @property
    def touched(self) -> int:
        return self.cells - self.counts[CellStatus.NOT_APPROACHED]

    @property
    def coverage(self) -> float | None:
        return self.touched / self.cells if self.cells else None

    @property
    def conversion(self) -> float | None:
        won, need = self.counts[CellStatus.WON], self.counts[CellStatus.NEED]
        return won / (won + need) if won + need else None

    @property
    def coverage_percent(self) -> float | None:
        return None if self.coverage is None else round(100 * self.coverage, 1)

    @property
    def conversion_percent(self) -> float | None:
        return None if self.conversion is None else round(100 * self.conversion, 1)


def effective_status(row: int, category: str, set_statuses: dict[tuple[int, str], str],
                     won: set[tuple[int, str]]) -> str:
    if (row, category) in won:
        return CellStatus.WON
    return set_statuses.get((row, category), CellStatus.NOT_APPROACHED)


# --- reading -------------------------------------------------------------------------------------


@dataclass
class Cell:
    row: int  # department id, or WHOLE
    category: str
    status: str
    stored: WhitespaceCell | None  # what a person set (None: never touched)

    @property
    def version(self) -> int:
        return self.stored.version if self.stored is not None else 0

    @property
    def label(self) -> str:
        return str(CellStatus(self.status).label)


@dataclass
class Matrix:
    account: Account
    rows: list[tuple[int, str]]  # (department id or WHOLE, label)
    categories: list[str]
    cells: dict[tuple[int, str], Cell]
    kpi: Kpi

    def row_cells(self) -> list[tuple[tuple[int, str], list[Cell]]]:
        return [(row, [self.cells[(row[0], c)] for c in self.categories]) for row in self.rows]


def _latest_cells(cells: Iterable[WhitespaceCell]) -> dict[tuple[int, int, str], WhitespaceCell]:
    """(account, row, category) → the cell that counts. After an identity merge a survivor
    may hold its duplicate's cells too: the most recently set one counts."""
    found: dict[tuple[int, int, str], WhitespaceCell] = {}
    for cell in cells:
        key = (cell.account_id, cell.department_id or WHOLE, cell.category)
        best = found.get(key)
        if best is None or (cell.set_at, cell.pk) > (best.set_at, best.pk):
            found[key] = cell
    return found


def _won(accounts: Any, wanted: list[str]) -> set[tuple[int, int, str]]:
    """(account, department or WHOLE, category) of every sale line of the accounts."""
    from kizuna.commerce.models import OrderKind, OrderLine

    if not wanted:
        return set()
    return {(a, d or WHOLE, c) for a, d, c in OrderLine.objects.filter(
        order__account__in=accounts, order__kind=OrderKind.SALE,
        product__category__in=wanted).values_list(
        "order__account_id", "order__department_id", "product__category").distinct()}


def matrix(account: Account) -> Matrix:
    cats = categories()
    departments = list(Department.objects.filter(account=account).order_by("name", "pk")
                       .values_list("pk", "name"))
    rows = departments or [(WHOLE, str(_("The account as a whole")))]
    stored = _latest_cells(WhitespaceCell.objects.filter(account=account)
                           .select_related("set_by"))
    won = {(d, c) for _a, d, c in _won([account.pk], cats)}
    cells, kpi = {}, Kpi()
    for row, _label in rows:
        for category in cats:
            cell = stored.get((account.pk, row, category))
            status = CellStatus.WON if (row, category) in won else (
                cell.status if cell is not None else CellStatus.NOT_APPROACHED)
            cells[(row, category)] = Cell(row, category, status, cell)
            kpi.add(status)
    return Matrix(account, rows, cats, cells, kpi)


def account_kpis(accounts: QuerySet[Account]) -> dict[int, Kpi]:
    """The KPIs of many accounts in four queries (accounts, departments, cells, won lines)."""
    cats = categories()
    ids = list(accounts.values_list("pk", flat=True))
    rows: dict[int, list[int]] = defaultdict(list)
    for account_id, pk in Department.objects.filter(account__in=ids).values_list(
            "account_id", "pk"):
        rows[account_id].append(pk)
    stored = _latest_cells(WhitespaceCell.objects.filter(account__in=ids).only(
        "account_id", "department_id", "category", "status", "set_at"))
    won = _won(ids, cats)
    result = {}
    for account_id in ids:
        kpi = Kpi()
        for row in rows.get(account_id) or [WHOLE]:
            for category in cats:
                if (account_id, row, category) in won:
                    kpi.add(CellStatus.WON)
                else:
                    cell = stored.get((account_id, row, category))
                    kpi.add(cell.status if cell is not None else CellStatus.NOT_APPROACHED)
        result[account_id] = kpi
    return result


@dataclass
class Summary:
    accounts: list[tuple[Account, Kpi]]
    owners: list[tuple[Any, Kpi]]
    teams: list[tuple[Any, Kpi]]  # (team or None: accounts shared with no team)
    total: Kpi


def summary(accounts: QuerySet[Account]) -> Summary:
    """KPIs per account, per owner (rep) and per team (the team the account is shared with),
    pooled: a rep's coverage is their touched cells over all their accounts' cells."""
    kpis = account_kpis(accounts)
    listed = list(accounts.select_related("owner", "team").filter(pk__in=list(kpis)))
    owners: dict[Any, Kpi] = {}
    teams: dict[Any, Kpi] = {}
    total = Kpi()
    for account in listed:
        kpi = kpis[account.pk]
        owners.setdefault(account.owner, Kpi()).merge(kpi)
        teams.setdefault(account.team, Kpi()).merge(kpi)
        total.merge(kpi)

    def by_coverage(item: tuple[Any, Kpi]) -> tuple[float, str]:
        return (-(item[1].coverage or 0.0), str(item[0] or ""))

    return Summary(sorted(((a, kpis[a.pk]) for a in listed), key=by_coverage),
                   sorted(owners.items(), key=by_coverage),
                   sorted(teams.items(), key=by_coverage), total)


def history(account: Account, row: int, category: str) -> QuerySet[WhitespaceCellChange]:
    return WhitespaceCellChange.objects.filter(
        cell__account=account, cell__category=category,
        **({"cell__department__isnull": True} if row == WHOLE else {"cell__department": row})
    ).select_related("set_by").order_by("-set_at", "-pk")


# --- writing -------------------------------------------------------------------------------------


def can_set(user: User, account: Account) -> bool:
    """Reps set the cells of the accounts they may change (core.access)."""
    return user.is_active and user.can_write and can_edit(user, account)


@transaction.atomic
def set_cell(*, actor: User, account: Account, department: Department | None, category: str,
             status: str, expected_version: int | None, note: str = "",
             now: dt.datetime | None = None) -> WhitespaceCell:
    """Set one cell's status. ``expected_version`` is the cell's version the user saw (0: the
    cell was never set); a stale one is refused like any concurrent edit."""
    if not can_set(actor, account):
        raise PermissionDenied(_("You may only update the whitespace of accounts you can edit."))
    errors: dict[str, list[str]] = {}
    if status not in HAND_STATUSES:
        errors["status"] = [_("Choose not approached, approached, need or no need: “won” "
                              "comes from the orders.")]
    if category not in categories():
        errors["category"] = [_("There is no active product in this category.")]
    has_departments = Department.objects.filter(account=account).exists()
    if department is not None and department.account_id != account.pk:
        errors["department"] = [_("This department belongs to another account.")]
    elif department is None and has_departments:
        errors["department"] = [_("Choose a department: this account has departments.")]
    if errors:
        raise ValidationError(errors)
    # The account row serialises writers of its cells, so two first settings of one cell
    # cannot both insert (the unique constraint is the last line of defence).
    Account.objects.select_for_update().filter(pk=account.pk).first()
    row = department.pk if department is not None else WHOLE
    if (row, category) in {(d, c) for _a, d, c in _won([account.pk], [category])}:
        raise ValidationError({"status": [_("This cell is won: an order of this department "
                                            "has a product of this category.")]})
    stored = _latest_cells(WhitespaceCell.objects.select_for_update().filter(
        account=account, department=department, category=category)).get(
        (account.pk, row, category))
    now = now or timezone.now()
    note = (note or "").strip()[:500]
    if stored is None:
        if expected_version not in (None, 0):
            raise ConcurrentEdit(account)
        cell = create_record(actor, WhitespaceCell, account=account, department=department,
                             account_key=account.pk, department_key=row, category=category,
                             status=status, note=note, set_by=actor, set_at=now)
        previous = CellStatus.NOT_APPROACHED
    else:
        previous = stored.status
        cell = update_record(actor, stored, expected_version=expected_version, status=status,
                             note=note, set_by=actor, set_at=now)
    change = WhitespaceCellChange.objects.create(cell=cell, status=status, previous=previous,
                                                 note=note, set_by=actor, set_at=now)
    record_change(actor, "create", change, diff({}, field_values(
        change, ["cell", "status", "previous", "note", "set_by"])))
    return cell


# --- the condition aggregate ---------------------------------------------------------------------


class OpenCells(Func):
    """``whitespace_open_cells`` of the account in the outer query: its cells minus those that
    are touched (the status that counts is not "not approached") or won, as one correlated
    integer expression (no Python per account). Rows and the rules for merged duplicates are
    those of ``matrix``; only quoted names from model metadata are formatted into the SQL,
    values are parameters."""

    output_field = models.IntegerField()

    def __init__(self, wanted: list[str]) -> None:
        self.wanted = list(wanted)
        super().__init__(models.F("pk"))

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> tuple[str, list[Any]]:
        from kizuna.commerce.models import Order, OrderLine, Product

        if not self.wanted:
            return "0", []
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        q = conn.ops.quote_name

        def col(model: type[models.Model], name: str) -> str:
            return q(model._meta.get_field(name).column)

        dept, cell = q(Department._meta.db_table), q(WhitespaceCell._meta.db_table)
        order, line, product = (q(Order._meta.db_table), q(OrderLine._meta.db_table),
                                q(Product._meta.db_table))
        d_acc = col(Department, "account")
        c_acc, c_dept, c_cat = (col(WhitespaceCell, "account"), col(WhitespaceCell, "department"),
                                col(WhitespaceCell, "category"))
        c_status, c_at = col(WhitespaceCell, "status"), col(WhitespaceCell, "set_at")
        marks = ", ".join(["%s"] * len(self.wanted))
        params: list[Any] = []

        def outer() -> str:
            params.extend(pk_params)
            return pk_sql

        def cats() -> str:
            params.extend(self.wanted)
            return marks

        rows = f"(SELECT COUNT(*) FROM {dept} d0 WHERE d0.{d_acc} = {outer()})"  # noqa: S608
        rows_again = f"(SELECT COUNT(*) FROM {dept} d1 WHERE d1.{d_acc} = {outer()})"  # noqa: S608
        params.append(len(self.wanted))
        size = f"(CASE WHEN {rows} > 0 THEN {rows_again} ELSE 1 END) * %s"
        params.append(CellStatus.NOT_APPROACHED)
        touched = (
            f"SELECT COALESCE(c.{c_dept}, 0) AS r, c.{c_cat} AS k FROM {cell} c "  # noqa: S608
            f"WHERE c.{c_status} <> %s AND c.{c_acc} = {outer()} AND c.{c_cat} IN ({cats()}) "
            f"AND NOT EXISTS (SELECT 1 FROM {cell} c2 WHERE c2.{c_acc} = {outer()} "
            f"AND COALESCE(c2.{c_dept}, 0) = COALESCE(c.{c_dept}, 0) "
            f"AND c2.{c_cat} = c.{c_cat} AND (c2.{c_at} > c.{c_at} "
            f"OR (c2.{c_at} = c.{c_at} AND c2.id > c.id)))")
        params.append("sale")
        won = (
            f"SELECT COALESCE(o.{col(Order, 'department')}, 0) AS r, p.{col(Product, 'category')}"  # noqa: S608
            f" AS k FROM {order} o JOIN {line} l ON l.{col(OrderLine, 'order')} = o.id "
            f"JOIN {product} p ON p.id = l.{col(OrderLine, 'product')} "
            f"WHERE o.{col(Order, 'kind')} = %s AND o.{col(Order, 'account')} = {outer()} "
            f"AND p.{col(Product, 'category')} IN ({cats()})")
        current = (
            f"(t.r = 0 AND NOT EXISTS (SELECT 1 FROM {dept} d2 WHERE d2.{d_acc} = {outer()})) "  # noqa: S608
            f"OR t.r IN (SELECT d3.id FROM {dept} d3 WHERE d3.{d_acc} = {outer()})")
        done = f"(SELECT COUNT(*) FROM ({touched} UNION {won}) t WHERE {current})"  # noqa: S608
        return f"({size} - {done})", params
