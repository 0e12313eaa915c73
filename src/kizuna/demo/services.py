"""Loading the generated demo company into the database (docs/decisions/0103-demo-data.md).

Rows are written in batches, one transaction per batch, because the large scale is a million
customers and ten million order lines: going through the per-record services (validation, one
ledger entry per row) would take hours and bury the audit ledger. Accounts, departments,
contacts, activities, leads and their stage transitions use ``bulk_create``; customers, orders
and order lines, nine rows in
ten, use ``kizuna.core.bulk.insert_rows`` (plain parameterised INSERTs with the columns
from the models' metadata), which is several times faster and writes the same values. What
the services would do to each row is done here too: names keep their legal form as typed
and get search/sort keys from ``kizuna.customers.search.keys_for``; phones are E.164, postal
codes 7 digits, readings katakana (the generator makes them so; tests/demo checks every row).
Users and teams go through ``kizuna.core.services``. The load as a whole is one
``demo_load`` ledger entry with the plan and the row counts before and after.

Demo rows carry ``source="demo"`` (accounts, contacts, customers, orders); departments,
activities and order lines belong to those. A second run with the same plan finds its own
ledger entry and the same counts and does nothing; any other demo data (another plan, or an
interrupted load) makes the load refuse unless ``replace=True``, which first deletes every demo
row and anything users attached to demo records. Masters (products, channels, media,
campaigns), users and teams are matched by code or name and reused, never deleted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kizuna.commerce.models import (
    Campaign,
    Channel,
    InstalledProduct,
    Medium,
    Order,
    OrderKind,
    OrderLine,
    Product,
)
from kizuna.commerce.services import register_installs_from_orders
from kizuna.core.bulk import insert_rows
from kizuna.core.jobs import start_job
from kizuna.core.ledger import record_change
from kizuna.core.models import Job, LedgerEntry, Team, User
from kizuna.core.services import create_record, create_team, create_user, require_admin
from kizuna.customers.models import (
    Account,
    Contact,
    Customer,
    CustomFieldDefinition,
    CustomFieldType,
    Department,
)
from kizuna.customers.search import keys_for
from kizuna.demo import catalogue
from kizuna.demo.base import (
    AccountBundle,
    ActivityRow,
    CustomerBundle,
    OrderRow,
    Plan,
)
from kizuna.demo.deals import DealRow
from kizuna.demo.generate import DemoData
from kizuna.demo.leads import LeadRow
from kizuna.pipeline.models import (
    Activity,
    Deal,
    DealContact,
    DealLine,
    DealStageChange,
    Lead,
    LeadTransition,
    LostReason,
)
from kizuna.pipeline.queries import lead_stages, stage_path
from kizuna.pipeline.services import (
    create_default_pipeline,
    create_default_stages,
    forecast_values,
)

SOURCE = "demo"
DEMO_PASSWORD = "kizuna-demo-2026"  # noqa: S105 - printed by the command; demo logins only
LEDGER_ACTION = "demo_load"
BATCH_SIZE = 5_000

T = TypeVar("T")
Progress = Callable[[str, int, int], None]  # (what: "accounts"|"customers"|"deleted", done, rows)


class DemoDataExists(Exception):
    """Demo data from another plan (or a broken load) is in the database."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        listed = ", ".join(f"{n:,} {name}" for name, n in counts.items() if n)
        super().__init__(f"Demo data is already in the database ({listed}). Run again with "
                         f"--replace to delete it and load the demo company anew.")


@dataclass
class LoadResult:
    plan: Plan
    counts: dict[str, int] = field(default_factory=dict)  # demo rows now in the database
    deleted: dict[str, int] = field(default_factory=dict)
    created_users: list[str] = field(default_factory=list)
    already_loaded: bool = False


# --- what is there -------------------------------------------------------------------------------


def _demo_accounts() -> models.QuerySet[Account]:
    return Account.objects.filter(source=SOURCE)


def _demo_customers() -> models.QuerySet[Customer]:
    return Customer.objects.filter(source=SOURCE)


def demo_counts() -> dict[str, int]:
    """Demo rows in the database, by kind (all zero when there is no demo data).

    Counted by ``source``: rows users add to demo records later do not make a finished load
    look unfinished (they are deleted with it on --replace, see delete_demo_data).
    """
    return {
        "accounts": _demo_accounts().count(),
        "departments": Department.objects.filter(account__source=SOURCE).count(),
        "contacts": Contact.objects.filter(source=SOURCE).count(),
        "customers": _demo_customers().count(),
        "orders": Order.objects.filter(source=SOURCE).count(),
        "order_lines": OrderLine.objects.filter(order__source=SOURCE).count(),
        "installed_products": InstalledProduct.objects.filter(account__source=SOURCE).count(),
        "activities": Activity.objects.filter(Q(account__source=SOURCE)
                                              | Q(customer__source=SOURCE)).count(),
        "leads": Lead.objects.filter(account__source=SOURCE).count(),
        "lead_transitions": LeadTransition.objects.filter(lead__account__source=SOURCE).count(),
    }


# What a finished load must still have for a rerun with the same plan to be a no-op.
LOADED_KINDS = ("accounts", "contacts", "customers", "orders", "order_lines")


def plan_record(plan: Plan) -> dict[str, Any]:
    """The plan as the ledger keeps it."""
    return {**dataclasses.asdict(plan), "as_of": plan.as_of.isoformat()}


def last_load() -> LedgerEntry | None:
    return LedgerEntry.objects.filter(action=LEDGER_ACTION).order_by("-seq").first()


# --- the load ------------------------------------------------------------------------------------


def load_demo_data(plan: Plan, *, actor: User | None = None, password: str = DEMO_PASSWORD,
                   replace: bool = False, batch_size: int = BATCH_SIZE,
                   progress: Progress | None = None) -> LoadResult:
    """Load the demo company of ``plan``. ``actor=None`` only from the CLI (like setup).

    Idempotent: the same plan already loaded completely is a no-op (``already_loaded``).
    Raises DemoDataExists if other demo data is present and ``replace`` is false.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    data = DemoData(plan)  # validates the plan (e.g. too many accounts) before any write
    result = LoadResult(plan)
    before = demo_counts()
    if any(before.values()):
        entry = last_load()
        if not replace and entry is not None and \
                entry.changes.get("plan", [None, None])[1] == plan_record(plan) and \
                all(entry.changes.get(k, [0, 0])[1] == before[k] for k in LOADED_KINDS):
            result.counts, result.already_loaded = before, True
            return result
        if not replace:
            raise DemoDataExists(before)
        result.deleted = delete_demo_data(batch_size=batch_size, progress=progress)
    loader = _Loader(data, actor=actor, password=password, batch_size=batch_size,
                     progress=progress)
    result.created_users = loader.staff()
    loader.masters()
    # One transaction per batch: batch_size customers (about 30,000 rows with their orders and
    # lines), or batch_size / 50 accounts (each has departments, contacts and years of orders).
    for bundles in _chunks(data.accounts(), max(1, batch_size // 50)):
        loader.accounts(bundles)
    for bundles in _chunks(data.customers(), batch_size):
        loader.customers(bundles)
    # The equipment the accounts bought is their installed base (maintenance proposals).
    register_installs_from_orders(actor=actor, categories=[catalogue.EQUIPMENT],
                                  accounts=_demo_accounts())
    result.counts = demo_counts()
    with transaction.atomic():
        changes: dict[str, list[Any]] = {
            name: [before[name], result.counts[name]] for name in result.counts}
        previous = last_load()
        changes["plan"] = [previous.changes.get("plan", [None, None])[1] if previous else None,
                           plan_record(plan)]
        record_change(actor, LEDGER_ACTION, _DemoDataSet(plan), changes)
    return result


class _DemoDataSet:
    """Stands in for a model instance in the ledger: the demo data set as a whole.

    record_change only needs a model label, a key and a name; the load has no row of its own
    (and none is worth a migration), so its ledger entry is filed under "demo.dataset".
    """

    class _meta:
        label_lower = "demo.dataset"

    def __init__(self, plan: Plan) -> None:
        self.pk = f"seed-{plan.seed}"
        self.plan = plan

    def __str__(self) -> str:
        p = self.plan
        return (f"Demo data {p.scale} seed {p.seed}: {p.accounts:,} accounts, "
                f"{p.customers:,} customers, as of {p.as_of.isoformat()}")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@lru_cache(maxsize=10_000)
def _plain_keys(name: str, reading: str) -> dict[str, str]:
    return keys_for(names=[name], readings=[reading])


@lru_cache(maxsize=100_000)
def _person_keys(family: str, given: str, family_kana: str, given_kana: str) -> dict[str, str]:
    # Names repeat a lot (a few thousand distinct pairs per million people): compute once each.
    return keys_for(names=[family, given], readings=[family_kana, given_kana])


class _Loader:
    def __init__(self, data: DemoData, *, actor: User | None, password: str, batch_size: int,
                 progress: Progress | None) -> None:
        self.data, self.actor, self.password = data, actor, password
        self.batch_size, self.progress = batch_size, progress
        self.users: dict[str, int] = {}
        self.teams: dict[str, int] = {}
        self.channels: dict[str, int] = {}
        self.media: dict[str, int] = {}
        self.campaigns: dict[str, int] = {}
        self.products: dict[str, int] = {}
        self.stages: dict[str, int] = {}

    # --- users, teams, masters -------------------------------------------------------------------

    def staff(self) -> list[str]:
        """Teams and demo users, created through the core services when missing."""
        teams: dict[str, Team] = {}
        for name in self.data.teams:
            teams[name] = Team.objects.filter(name=name).first() or create_team(
                actor=self.actor, name=name)
            self.teams[name] = teams[name].pk
        created = []
        for person in self.data.staff:
            user = User.objects.filter(username=person.username).first()
            if user is None:
                user = create_user(
                    actor=self.actor, username=person.username, password=self.password,
                    role=person.role, teams=[teams[t] for t in person.teams],
                    last_name=person.family_name, first_name=person.given_name,
                    email=person.email,
                )
                created.append(person.username)
            self.users[person.username] = user.pk
        return created

    @transaction.atomic
    def masters(self) -> None:
        """Channels, media, products, campaigns: matched by code, created when missing."""
        self.channels = _ensure(Channel, [
            Channel(code=code, name=name) for code, name in self.data.channels])
        self.media = _ensure(Medium, [Medium(code=code, name=name) for code, name in
                                      self.data.media])
        self.products = _ensure(Product, [
            Product(code=p.code, name=p.name, category=p.category, list_price=p.list_price,
                    unit_cost=p.unit_cost, recurring=p.recurring) for p in self.data.products])
        self.campaigns = _ensure(Campaign, [
            Campaign(code=r.code, name=r.name, starts_on=r.starts_on, ends_on=r.ends_on,
                     cost=r.cost, active=r.active,
                     medium_id=self.media[r.medium] if r.medium else None)
            for r in self.data.campaigns])
        # The default lead stages (a database emptied by `flush` lost the migration's rows).
        create_default_stages(actor=self.actor)
        self.stages = {stage.code: stage.pk for stage in lead_stages()}
        # The default deal pipeline and lost reasons (kizuna.demo.deals names them by code).
        pipeline = create_default_pipeline(actor=self.actor)
        self.deal_stages = {stage.code: stage for stage in pipeline.stages.all()}
        self.lost_reasons = dict(LostReason.objects.values_list("code", "pk"))
        if not CustomFieldDefinition.objects.filter(
                entity=CustomFieldDefinition.Entity.ACCOUNT, key="fiscal_month").exists():
            # The customer's budget calendar (需要期): their fiscal year ends in this month.
            create_record(self.actor, CustomFieldDefinition,
                          entity=CustomFieldDefinition.Entity.ACCOUNT, key="fiscal_month",
                          label_ja="決算月", label_en="Fiscal year-end month",
                          field_type=CustomFieldType.NUMBER, choices=[], required=False,
                          position=10)

    # --- B2B -------------------------------------------------------------------------------------

    @transaction.atomic
    def accounts(self, bundles: Sequence[AccountBundle]) -> None:
        u, t = self.users, self.teams
        accounts = Account.objects.bulk_create([Account(
            owner_id=u[a.owner], team_id=t[a.team], source=SOURCE, external_id=a.external_id,
            name=a.name, name_kana=a.name_kana, legal_form=a.legal_form,
            corporate_number=a.corporate_number, industry=a.industry,
            employee_band=a.employee_band, phone=a.phone, website=a.website,
            postal_code=a.postal_code, prefecture=a.prefecture, city=a.city,
            address_line1=a.address_line1, address_line2=a.address_line2,
            relationship_level=a.relationship_level, tags=list(a.tags), custom=dict(a.custom),
            **keys_for(names=[a.name], readings=[a.name_kana], company=True),
        ) for a in (b.account for b in bundles)], batch_size=self.batch_size)
        account_ids = {a.external_id: a.pk for a in accounts}

        departments = Department.objects.bulk_create([Department(
            account_id=account_ids[d.account], owner_id=u[d.owner], team_id=t[d.team],
            name=d.name, name_kana=d.name_kana, phone=d.phone, postal_code=d.postal_code,
            prefecture=d.prefecture, city=d.city, address_line1=d.address_line1,
            **_plain_keys(d.name, d.name_kana),
        ) for b in bundles for d in b.departments], batch_size=self.batch_size)
        department_ids = {(d.account_id, i): d.pk for d, i in zip(
            departments, (d.index for b in bundles for d in b.departments), strict=True)}

        contact_ids: dict[str, int] = {}
        contacts = [p for b in bundles for p in b.contacts]
        for level in range(max((p.level for p in contacts), default=-1) + 1):
            # Bosses first, so that reports_to can point at a row that exists.
            created = Contact.objects.bulk_create([Contact(
                account_id=account_ids[p.account],
                department_id=department_ids[(account_ids[p.account], p.department)]
                if p.department is not None else None,
                owner_id=u[p.owner], team_id=t[p.team], source=SOURCE,
                external_id=p.external_id, family_name=p.family_name, given_name=p.given_name,
                family_name_kana=p.family_name_kana, given_name_kana=p.given_name_kana,
                email=p.email, phone=p.phone, phones_other=list(p.phones_other), title=p.title,
                buying_role=p.buying_role,
                reports_to_id=contact_ids[p.reports_to] if p.reports_to else None,
                email_opt_in=p.email_opt_in, phone_opt_in=p.phone_opt_in,
                postal_mail_opt_in=p.postal_mail_opt_in,
                **_person_keys(p.family_name, p.given_name, p.family_name_kana,
                               p.given_name_kana),
            ) for p in contacts if p.level == level], batch_size=self.batch_size)
            contact_ids.update((c.external_id, c.pk) for c in created)

        orders = [o for b in bundles for o in b.orders]
        rows = len(accounts) + len(departments) + len(contacts)
        rows += self._orders(orders, account_ids=account_ids, department_ids=department_ids)
        rows += self._activities([a for b in bundles for a in b.activities],
                                 account_ids=account_ids, contact_ids=contact_ids)
        leads = [self.data.leads(b) for b in bundles]
        rows += self._leads([lead for per_account in leads for lead in per_account],
                            account_ids=account_ids, contact_ids=contact_ids)
        rows += self._deals([deal for b, per_account in zip(bundles, leads, strict=True)
                             for deal in self.data.deals(b, per_account)],
                            account_ids=account_ids, contact_ids=contact_ids,
                            department_ids=department_ids)
        if self.progress:
            self.progress("accounts", len(bundles), rows)

    # --- D2C -------------------------------------------------------------------------------------

    @transaction.atomic
    def customers(self, bundles: Sequence[CustomerBundle]) -> None:
        u, t = self.users, self.teams
        ch, me, ca = self.channels, self.media, self.campaigns
        values = []
        for b in bundles:
            c = b.customer
            keys = _person_keys(c.family_name, c.given_name, c.family_name_kana,
                                c.given_name_kana)
            values.append((
                u[c.owner], t[c.team], SOURCE, c.external_id, c.family_name, c.given_name,
                c.family_name_kana, c.given_name_kana, c.email, c.phone, c.email_opt_in,
                c.phone_opt_in, c.postal_mail_opt_in, c.gender, c.birth_year, c.postal_code,
                c.prefecture, ch[c.acquisition_channel],
                me[c.acquisition_medium] if c.acquisition_medium else None,
                ca[c.acquisition_campaign] if c.acquisition_campaign else None,
                c.first_purchase_date, keys["search_key"], keys["sort_key"],
            ))
        # A million customers: the same fast path as orders (insert_rows, decision 0103), then
        # their keys by external id (the unique index, whose condition the exclude repeats).
        insert_rows(Customer, CUSTOMER_FIELDS, values, self.batch_size)
        customer_ids = dict(
            Customer.objects.filter(source=SOURCE, external_id__in=[v[3] for v in values])
            .exclude(external_id="").order_by().values_list("external_id", "pk"))
        rows = len(values)
        rows += self._orders([o for b in bundles for o in b.orders], customer_ids=customer_ids)
        rows += self._activities([a for b in bundles for a in b.activities],
                                 customer_ids=customer_ids)
        if self.progress:
            self.progress("customers", len(bundles), rows)

    # --- shared ----------------------------------------------------------------------------------

    def _orders(self, rows: list[OrderRow], *, customer_ids: dict[str, int] | None = None,
                account_ids: dict[str, int] | None = None,
                department_ids: dict[tuple[int, int], int] | None = None) -> int:
        """Insert orders (originals first: a return points to its original) and their lines.

        Orders and lines are nine in ten rows of a large load, so they are inserted with
        ``insert_rows`` rather than bulk_create (docs/decisions/0103); the new orders' keys
        are then read back by buyer (an indexed column), as only this batch's buyers are new.
        """
        ch, ca = self.channels, self.campaigns
        buyers = Q(customer_id__in=customer_ids.values()) if customer_ids else \
            Q(account_id__in=(account_ids or {}).values())
        order_ids: dict[str, int] = {}
        for kind in ("sale", "return"):
            values = []
            for o in rows:
                if o.kind != kind:
                    continue
                account_id = account_ids[o.account] if account_ids and o.account else None
                values.append((
                    SOURCE, o.external_id, o.number, o.kind,
                    order_ids[o.original] if o.original else None,
                    customer_ids[o.customer] if customer_ids and o.customer else None,
                    account_id,
                    department_ids[(account_id, o.department)]
                    if department_ids and account_id and o.department is not None else None,
                    ch[o.channel], ca[o.campaign] if o.campaign else None, o.ordered_at,
                    o.discount, o.shipping_fee, o.fulfilment_cost, o.total,
                ))
            if values:
                insert_rows(Order, ORDER_FIELDS, values, self.batch_size)
                order_ids = dict(Order.objects.filter(buyers).values_list("external_id", "pk"))
        products = self.products
        lines = [(order_ids[o.external_id], products[li.product], li.quantity, li.unit_price,
                  li.discount, li.cost_of_goods, li.amount) for o in rows for li in o.lines]
        insert_rows(OrderLine, LINE_FIELDS, lines, self.batch_size)
        return len(rows) + len(lines)

    def _activities(self, rows: list[ActivityRow], *, account_ids: dict[str, int] | None = None,
                    contact_ids: dict[str, int] | None = None,
                    customer_ids: dict[str, int] | None = None) -> int:
        if not rows:
            return 0
        u, t = self.users, self.teams
        activities = Activity.objects.bulk_create([Activity(
            kind=a.kind, occurred_at=a.occurred_at, subject=a.subject, body=a.body,
            outcome_code=a.outcome_code, outcome=a.outcome, next_step=a.next_step,
            next_step_due=a.next_step_due,
            account_id=account_ids[a.account] if account_ids and a.account else None,
            contact_id=contact_ids[a.contact] if contact_ids and a.contact else None,
            customer_id=customer_ids[a.customer] if customer_ids and a.customer else None,
            owner_id=u[a.owner], team_id=t[a.team],
        ) for a in rows], batch_size=self.batch_size)
        through = Activity.participants.through
        links = through.objects.bulk_create([
            through(activity_id=activity.pk, user_id=u[name])
            for activity, row in zip(activities, rows, strict=True) for name in row.participants
        ], batch_size=self.batch_size)
        return len(activities) + len(links)


    def _leads(self, rows: list[LeadRow], *, account_ids: dict[str, int],
               contact_ids: dict[str, int]) -> int:
        """Leads in their latest stage, then every stage entry with its fast-pass flag by the
        pipeline's own rule (what ``pipeline.services.move_lead`` would have recorded)."""
        if not rows:
            return 0
        u, t, stages = self.users, self.teams, self.stages
        path = stage_path()
        leads = Lead.objects.bulk_create([Lead(
            owner_id=u[r.owner], team_id=t[r.team], account_id=account_ids[r.account],
            contact_id=contact_ids[r.contact] if r.contact else None, interest=r.interest,
            lead_source=r.lead_source, acquired_at=r.acquired_at,
            acquisition_cost=r.acquisition_cost, stage_id=stages[r.transitions[-1].stage],
            stage_entered_at=r.transitions[-1].at, version=len(r.transitions),
        ) for r in rows], batch_size=self.batch_size)
        transitions = []
        for lead, row in zip(leads, rows, strict=True):
            previous: str | None = None
            for step in row.transitions:
                transitions.append(LeadTransition(
                    lead_id=lead.pk, from_stage_id=stages[previous] if previous else None,
                    to_stage_id=stages[step.stage], at=step.at,
                    by_id=u[step.by] if step.by else None, criterion=step.criterion,
                    reason=step.reason, is_fast_pass=path.is_fast_pass(
                        path.code(previous) if previous else None, path.code(step.stage))))
                previous = step.stage
        LeadTransition.objects.bulk_create(transitions, batch_size=self.batch_size)
        self.lead_ids = {(r.contact, r.acquired_at): lead.pk
                         for lead, r in zip(leads, rows, strict=True)}
        return len(leads) + len(transitions)

    def _deals(self, rows: list[DealRow], *, account_ids: dict[str, int],
               contact_ids: dict[str, int], department_ids: dict[tuple[int, int], int]) -> int:
        """Deals in their latest stage with what ``pipeline.services`` would store (the
        probability and forecast category, the close of won and lost deals), then their
        lines, buying centres and stage histories (kizuna.demo.deals)."""
        if not rows:
            return 0
        u, t = self.users, self.teams
        stages, reasons = self.deal_stages, self.lost_reasons
        deals = []
        for r in rows:
            stage, last = stages[r.steps[-1].stage], r.steps[-1]
            probability, category = forecast_values(stage, r.probability_override,
                                                    r.forecast_category_override)
            account_id = account_ids[r.account]
            deals.append(Deal(
                name=r.name, account_id=account_id, pipeline_id=stage.pipeline_id,
                department_id=department_ids[(account_id, r.department)]
                if r.department is not None else None,
                stage_id=stage.pk, stage_entered_at=last.at, amount=r.amount,
                expected_close_date=r.expected_close_date,
                probability_override=r.probability_override, probability=probability,
                forecast_category_override=r.forecast_category_override,
                forecast_category=category, competitors=list(r.competitors),
                demand_month=r.demand_month, demand_period=r.demand_period, source=r.source,
                lead_id=self.lead_ids.get(r.lead), lost_reason_id=reasons.get(last.lost_reason),
                lost_note=last.note, closed_at=None if stage.is_open else last.at,
                owner_id=u[r.owner], team_id=t[r.team], version=len(r.steps),
                **keys_for(names=[r.name], readings=[])))
        deals = Deal.objects.bulk_create(deals, batch_size=self.batch_size)
        lines, people, changes = [], [], []
        for deal, r in zip(deals, rows, strict=True):
            lines += [DealLine(deal_id=deal.pk, product_id=self.products[li.product],
                               quantity=li.quantity, unit_price=li.unit_price,
                               amount=li.quantity * li.unit_price) for li in r.lines]
            people += [DealContact(deal_id=deal.pk, contact_id=contact_ids[contact], role=role)
                       for contact, role in r.contacts]
            previous = None
            for step in r.steps:
                changes.append(DealStageChange(
                    deal_id=deal.pk, from_stage_id=previous, to_stage_id=stages[step.stage].pk,
                    at=step.at, by_id=u[step.by], amount=deal.amount,
                    lost_reason_id=reasons.get(step.lost_reason), note=step.note))
                previous = stages[step.stage].pk
        DealLine.objects.bulk_create(lines, batch_size=self.batch_size)
        DealContact.objects.bulk_create(people, batch_size=self.batch_size)
        DealStageChange.objects.bulk_create(changes, batch_size=self.batch_size)
        return len(deals) + len(lines) + len(people) + len(changes)


# What _insert_rows writes for customers, orders and lines, in this order; every other column
# gets its default (created_at/updated_at: now, version: 1, custom: {} …).
CUSTOMER_FIELDS = (
    "owner", "team", "source", "external_id", "family_name", "given_name", "family_name_kana",
    "given_name_kana", "email", "phone", "email_opt_in", "phone_opt_in", "postal_mail_opt_in",
    "gender", "birth_year", "postal_code", "prefecture", "acquisition_channel",
    "acquisition_medium", "acquisition_campaign", "first_purchase_date", "search_key",
    "sort_key")
ORDER_FIELDS = ("source", "external_id", "number", "kind", "original", "customer", "account",
                "department", "channel", "campaign", "ordered_at", "discount", "shipping_fee",
                "fulfilment_cost", "total")
LINE_FIELDS = ("order", "product", "quantity", "unit_price", "discount", "cost_of_goods",
               "amount")


def _ensure(model: type[models.Model], wanted: list[Any]) -> dict[str, int]:
    """code -> pk for master rows, creating the ones whose code is not there yet."""
    codes = [w.code for w in wanted]
    existing = dict(model._default_manager.filter(code__in=codes).values_list("code", "pk"))
    missing = [w for w in wanted if w.code not in existing]
    for created in model._default_manager.bulk_create(missing):
        existing[created.code] = created.pk
    return existing


# --- deleting ------------------------------------------------------------------------------------


def delete_demo_data(*, batch_size: int = BATCH_SIZE, progress: Progress | None = None
                     ) -> dict[str, int]:
    """Delete every demo row and what hangs off demo records, buyer batch by buyer batch.

    Deletes go through the ORM, so relations other apps add later are honoured (CASCADE,
    PROTECT, SET_NULL), but by batches of demo customers and accounts, one transaction each,
    so that millions of rows are never loaded at once and an interrupted delete can be rerun.
    Orders and activities users attached to demo records go with them. Returns the number of
    rows deleted per model label.
    """
    deleted: dict[str, int] = {}

    def delete(queryset: models.QuerySet[Any]) -> None:
        _total, per_model = queryset.delete()
        for label, n in per_model.items():
            deleted[label] = deleted.get(label, 0) + n
        if progress and _total:
            progress("deleted", 0, _total)

    for model in (Account, Customer):
        buyer = model._meta.model_name  # "account" / "customer"
        demo = model._default_manager.filter(source=SOURCE).exclude(external_id="")
        last = 0
        while pks := list(demo.filter(pk__gt=last).order_by("pk")
                          .values_list("pk", flat=True)[:batch_size]):
            with transaction.atomic():
                delete(OrderLine.objects.filter(**{f"order__{buyer}__in": pks}))
                # Returns first: they PROTECT the order they return.
                delete(Order.objects.filter(**{f"{buyer}__in": pks}, kind=OrderKind.RETURN))
                delete(Order.objects.filter(**{f"{buyer}__in": pks}))
                delete(Activity.objects.filter(**{f"{buyer}__in": pks}))
                delete(LeadTransition.objects.filter(**{f"lead__{buyer}__in": pks}))
                delete(Lead.objects.filter(**{f"{buyer}__in": pks}))
                if model is Account:
                    delete(InstalledProduct.objects.filter(account__in=pks))
                    delete(Activity.objects.filter(contact__account__in=pks))
                    delete(Contact.objects.filter(account__in=pks))
                    delete(Department.objects.filter(account__in=pks))
                delete(model._default_manager.filter(pk__in=pks))
            last = pks[-1]
    with transaction.atomic():  # demo rows a user moved to a buyer of their own
        delete(OrderLine.objects.filter(order__source=SOURCE))
        delete(Order.objects.filter(source=SOURCE, kind=OrderKind.RETURN))
        delete(Order.objects.filter(source=SOURCE))
        delete(Contact.objects.filter(source=SOURCE))
    return deleted


def start_demo_load(*, actor: User, plan: Plan, replace: bool = False) -> Job:
    """Load the demo company in the background (job kind ``demo.load``, kizuna.demo.tasks)."""
    require_admin(actor)
    return start_job(actor=actor, kind="demo.load",
                     title=_("Demo data (%(scale)s, seed %(seed)s)") % {
                         "scale": plan.scale, "seed": plan.seed},
                     params={**plan_record(plan), "replace": replace})


def plan_from_record(record: dict[str, Any]) -> Plan:
    return Plan(seed=int(record["seed"]), customers=int(record["customers"]),
                accounts=int(record["accounts"]), as_of=dt.date.fromisoformat(record["as_of"]),
                scale=str(record.get("scale", "custom")))
