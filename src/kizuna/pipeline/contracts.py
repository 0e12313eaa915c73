"""Customer success after the contract (docs/decisions/0304-customer-success.md): contracts
(契約) moving through the success stages, renewal and churn, upsell / cross-sell attribution and
the figures the customer-success page shows.

Every write goes through these services (audit ledger through ``create_record`` /
``update_record``, optimistic locking with ``version``); every read starts from
``visible_contracts`` / ``visible(...)``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core.access import access, can_edit, visible
from kizuna.core.models import Role, Team, User
from kizuna.core.services import ConcurrentEdit, create_record, update_record
from kizuna.customers.models import Account, Customer, Department
from kizuna.pipeline.models import (
    Contract,
    ContractStageChange,
    ContractStatus,
    Deal,
    DealStageKind,
    Division,
    SuccessStage,
    SuccessStageKind,
)

CLOCK_SKEW = dt.timedelta(minutes=5)
RENEWAL_SOON_DAYS = 90
CONTRACT_RELATED = ("stage", "account", "department", "customer", "owner", "team", "deal")


# --- reading -------------------------------------------------------------------------------------


def success_stages() -> list[SuccessStage]:
    return list(SuccessStage.objects.all())


def visible_contracts(user: User) -> QuerySet[Contract]:
    return visible(user, Contract.objects.select_related(*CONTRACT_RELATED))


def access_contract(user: User, pk: object, *, write: bool = False) -> Contract:
    return access(user, Contract.objects.select_related(*CONTRACT_RELATED), pk, write=write)


def contract_stage_changes(contract: Contract) -> QuerySet[ContractStageChange]:
    return contract.stage_changes.select_related("from_stage", "to_stage", "by")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (1/31 + 1 →
    2/28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """[first day, first day after) of the month or quarter containing ``day``."""
    if period == "quarter":
        first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return first, add_months(first, 3)
    first = day.replace(day=1)
    return first, add_months(first, 1)


# --- writing -------------------------------------------------------------------------------------


def _check_moment(at: dt.datetime | None, since: dt.datetime | None = None) -> dt.datetime:
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("A move cannot be dated in the future.")})
    if since is not None and at < since:
        raise ValidationError({"at": _(
            "A move cannot be dated before the contract entered its current stage.")})
    return at


def _check_links(actor: User, *, account: Account | None, department: Department | None,
                 customer: Customer | None, deal: Deal | None) -> None:
    if account is None and customer is None:
        raise ValidationError(_("A contract is with an account or a customer."))
    if account is not None and customer is not None:
        raise ValidationError(_("A contract is with an account or with a customer, not both."))
    for record in (account, department, customer, deal):
        if record is not None and not visible(
                actor, type(record).objects.filter(pk=record.pk)).exists():
            raise PermissionDenied(_("The linked record was not found."))
    if department is not None and department.account_id != getattr(account, "pk", None):
        raise ValidationError({"department": _("The department belongs to another account.")})


def _first_stage() -> SuccessStage:
    stage = SuccessStage.objects.filter(kind=SuccessStageKind.PATH).first()
    if stage is None:
        raise ValidationError(_("No success stages are set up yet: an administrator creates "
                                "them."))
    return stage


@transaction.atomic
def create_contract(*, actor: User, name: str, start_date: dt.date, amount: int,
                    term_months: int = 12, renewal_date: dt.date | None = None,
                    account: Account | None = None, department: Department | None = None,
                    customer: Customer | None = None, products: Any = (),
                    stage: SuccessStage | None = None, deal: Deal | None = None,
                    owner: User | None = None, team: Team | None = None,
                    at: dt.datetime | None = None) -> Contract:
    """Record a contract in ``stage`` (default: the first success stage, onboarding). The
    renewal date defaults to ``start_date`` + ``term_months``."""
    if not actor.can_write:
        raise PermissionDenied
    owner = owner or actor
    if owner.pk != actor.pk and not (actor.is_administrator or actor.role == Role.MANAGER):
        raise PermissionDenied(_("Only managers and administrators can assign records to "
                                 "someone else."))
    if department is not None and account is None:
        account = department.account
    _check_links(actor, account=account, department=department, customer=customer, deal=deal)
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if term_months < 1:
        raise ValidationError({"term_months": _("A term is at least one month.")})
    renewal_date = renewal_date or add_months(start_date, term_months)
    if renewal_date <= start_date:
        raise ValidationError({"renewal_date": _("The renewal date is after the start date.")})
    stage = stage or _first_stage()
    if stage.kind == SuccessStageKind.CHURNED:
        raise ValidationError({"stage": _("A contract is churned only by the churn action.")})
    at = _check_moment(at)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    contract = create_record(
        actor, Contract, name=name, account=account, department=department, customer=customer,
        start_date=start_date, renewal_date=renewal_date, amount=amount,
        term_months=term_months, status=ContractStatus.ACTIVE, stage=stage,
        stage_entered_at=at, deal=deal, owner=owner,
        team=team or getattr(account or customer, "team", None))
    products = list(products)
    if products:
        contract.products.set(products)
    create_record(actor, ContractStageChange, contract=contract, from_stage=None,
                  to_stage=stage, at=at, by=actor)
    return contract


def _locked(actor: User, contract: Contract, expected_version: int | None) -> Contract:
    if not can_edit(actor, contract):
        raise PermissionDenied
    current = Contract.objects.select_for_update().select_related("stage").get(pk=contract.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)
    return current


def _check_active(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(_("Only an active contract can change: this term is %(status)s.")
                              % {"status": contract.get_status_display()})


@transaction.atomic
def move_contract(*, actor: User, contract: Contract, to_stage: SuccessStage,
                  expected_version: int | None, note: str = "",
                  at: dt.datetime | None = None) -> ContractStageChange:
    """Move an active contract to another success stage (any order: a customer may go back to
    adoption support); churn goes through ``churn_contract`` (it needs a reason)."""
    current = _locked(actor, contract, expected_version)
    _check_active(current)
    if to_stage.kind == SuccessStageKind.CHURNED:
        raise ValidationError({"to_stage": _("Use the churn action: it needs a reason.")})
    if to_stage.pk == current.stage_id:
        raise ValidationError({"to_stage": _("The contract is already in this stage.")})
    at = _check_moment(at, current.stage_entered_at)
    change = create_record(actor, ContractStageChange, contract=current,
                           from_stage=current.stage, to_stage=to_stage, at=at, by=actor,
                           note=note.strip())
    update_record(actor, current, expected_version=None, stage=to_stage, stage_entered_at=at)
    return change


@transaction.atomic
def renew_contract(*, actor: User, contract: Contract, expected_version: int | None,
                   amount: int | None = None, term_months: int | None = None,
                   at: dt.datetime | None = None) -> Contract:
    """Renew an active contract: this term becomes ``renewed``; the next term starts on its
    renewal date, runs ``term_months`` (default: the same) for ``amount`` (default: the same)
    and keeps the success stage, products, owner and team."""
    current = _locked(actor, contract, expected_version)
    _check_active(current)
    amount = current.amount if amount is None else amount
    term_months = term_months or current.term_months
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    at = _check_moment(at)
    update_record(actor, current, expected_version=None, status=ContractStatus.RENEWED,
                  ended_at=at)
    following = create_record(
        actor, Contract, name=current.name, account=current.account,
        department=current.department, customer=current.customer,
        start_date=current.renewal_date,
        renewal_date=add_months(current.renewal_date, term_months), amount=amount,
        term_months=term_months, status=ContractStatus.ACTIVE, stage=current.stage,
        stage_entered_at=at, deal=current.deal, previous=current, owner=current.owner,
        team=current.team)
    following.products.set(current.products.all())
    create_record(actor, ContractStageChange, contract=following, from_stage=None,
                  to_stage=current.stage, at=at, by=actor, note=_("Renewed"))
    return following


@transaction.atomic
def churn_contract(*, actor: User, contract: Contract, expected_version: int | None,
                   reason: str, at: dt.datetime | None = None) -> Contract:
    """The customer leaves: the contract goes to the churned stage with its reason."""
    current = _locked(actor, contract, expected_version)
    _check_active(current)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the customer left.")})
    churned = SuccessStage.objects.filter(kind=SuccessStageKind.CHURNED).first()
    if churned is None:
        raise ValidationError(_("No churned stage is set up yet: an administrator creates it."))
    at = _check_moment(at, current.stage_entered_at)
    create_record(actor, ContractStageChange, contract=current, from_stage=current.stage,
                  to_stage=churned, at=at, by=actor, note=reason)
    return update_record(actor, current, expected_version=None, status=ContractStatus.CHURNED,
                         stage=churned, stage_entered_at=at, ended_at=at, churn_reason=reason)


@transaction.atomic
def attribute_expansion(*, actor: User, deal: Deal, contract: Contract | None,
                        originating_division: str, expected_version: int | None) -> Deal:
    """Mark ``deal`` as an upsell / cross-sell of ``contract`` created by
    ``originating_division`` (``contract`` None clears it)."""
    if not can_edit(actor, deal):
        raise PermissionDenied
    current = Deal.objects.select_for_update().get(pk=deal.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit(current)
    if contract is None:
        return update_record(actor, current, expected_version=None, expansion_of=None,
                             originating_division="")
    if not visible(actor, Contract.objects.filter(pk=contract.pk)).exists():
        raise PermissionDenied(_("The linked record was not found."))
    if originating_division not in Division.values:
        raise ValidationError({"originating_division": _(
            "Choose the division that created the expansion.")})
    if (contract.account_id or None, contract.customer_id or None) != (
            current.account_id or None, current.customer_id or None):
        raise ValidationError({"expansion_of": _("The contract is with another buyer.")})
    return update_record(actor, current, expected_version=None, expansion_of=contract,
                         originating_division=originating_division)


# --- figures -------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class RenewalRow:
    """Contracts due for renewal in a period (renewal date within it) and what became of
    them. Churn before the renewal date counts in the period the term was due."""

    owner: User | None
    due: int = 0
    renewed: int = 0
    churned: int = 0
    open: int = 0

    @property
    def renewal_rate(self) -> float | None:
        return _rate(self.renewed, self.due)

    @property
    def churn_rate(self) -> float | None:
        return _rate(self.churned, self.due)


@dataclass
class RenewalFigures:
    start: dt.date
    end: dt.date
    total: RenewalRow
    rows: list[RenewalRow] = field(default_factory=list)


def renewal_figures(user: User, start: dt.date, end: dt.date) -> RenewalFigures:
    """Due / renewed / churned / still open and the rates for the contracts ``user`` may see
    whose renewal date is in [start, end), in total and by owner."""
    counted = visible_contracts(user).filter(renewal_date__gte=start, renewal_date__lt=end)
    per_owner = counted.values("owner").annotate(
        due=Count("pk"),
        renewed=Count("pk", filter=Q(status=ContractStatus.RENEWED)),
        churned=Count("pk", filter=Q(status=ContractStatus.CHURNED)),
        open=Count("pk", filter=Q(status=ContractStatus.ACTIVE))).order_by("owner")
    owners = {u.pk: u for u in User.objects.filter(pk__in=[r["owner"] for r in per_owner])}
    rows = [RenewalRow(owner=owners.get(r["owner"]), due=r["due"], renewed=r["renewed"],
                       churned=r["churned"], open=r["open"]) for r in per_owner]
    total = RenewalRow(owner=None, due=sum(r.due for r in rows),
                       renewed=sum(r.renewed for r in rows),
                       churned=sum(r.churned for r in rows), open=sum(r.open for r in rows))
    rows.sort(key=lambda r: (-r.due, str(r.owner)))
    return RenewalFigures(start=start, end=end, total=total, rows=rows)


def expansion_revenue(user: User, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Won upsell / cross-sell deals (``expansion_of`` set) closed in [start, end), that
    ``user`` may see, summed by originating division: ``division`` ("" when nobody was
    credited), ``label``, ``deals``, ``amount`` (yen)."""
    deals = visible(user, Deal.objects.all()).filter(
        expansion_of__isnull=False, stage__kind=DealStageKind.WON,
        expected_close_date__gte=start, expected_close_date__lt=end)
    labels = dict(Division.choices)
    return [{"division": r["originating_division"],
             "label": str(labels.get(r["originating_division"], _("Not attributed"))),
             "deals": r["deals"], "amount": r["amount"] or 0}
            for r in deals.values("originating_division").annotate(
                deals=Count("pk"), amount=Sum("amount")).order_by("-amount",
                                                                  "originating_division")]


def renewal_soon(contract: Contract, today: dt.date | None = None) -> bool:
    """An active contract whose renewal date is within 90 days (or already past)."""
    today = today or timezone.localdate()
    return contract.status == ContractStatus.ACTIVE and \
        contract.renewal_date <= today + dt.timedelta(days=RENEWAL_SOON_DAYS)

