"""Loading the demo company into the database (SQLite and PostgreSQL): what the services would
have stored, idempotency, the ledger, access rules, the command and the job."""

from __future__ import annotations

import collections
import datetime as dt
import io
import statistics

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum

from kizuna.commerce.models import Campaign, Channel, Medium, Order, OrderLine, Product
from kizuna.core.access import visible
from kizuna.core.bulk import insert_rows
from kizuna.core.ledger import verify_chain
from kizuna.core.models import Job, JobStatus, LedgerEntry, Role, Team, User
from kizuna.customers.models import Account, Contact, Customer, CustomFieldDefinition, Department
from kizuna.customers.search import keys_for
from kizuna.demo import DemoData, Plan, catalogue
from kizuna.demo import tasks as demo_tasks  # noqa: F401 - registers the demo.load job kind
from kizuna.demo.services import (
    CUSTOMER_FIELDS,
    ORDER_FIELDS,
    SOURCE,
    DemoDataExists,
    demo_counts,
    load_demo_data,
    start_demo_load,
)
from kizuna.japanese import (
    is_kana,
    is_valid_corporate_number,
    lookup_postal_code,
    normalize_phone,
)
from kizuna.pipeline.models import Activity

pytestmark = pytest.mark.django_db
TINY = Plan(seed=11, customers=120, accounts=6)


def load(plan: Plan = TINY, **kwargs: object):  # type: ignore[no-untyped-def]
    return load_demo_data(plan, **kwargs)  # type: ignore[arg-type]


# --- what is stored ----------------------------------------------------------------------------


def _equipment_kept(accounts) -> int:  # type: ignore[no-untyped-def]
    """Equipment lines of account sales not returned in full: each is an installed product."""
    equipment = {p.code for p in catalogue.PRODUCTS if p.category == catalogue.EQUIPMENT}
    returned: dict[tuple[str, str], int] = {}
    for bundle in accounts:
        for order in bundle.orders:
            if order.kind == "return":
                for line in order.lines:
                    key = (order.original, line.product)
                    returned[key] = returned.get(key, 0) - line.quantity
    kept = 0
    for bundle in accounts:
        for order in bundle.orders:
            if order.kind != "sale":
                continue
            for line in order.lines:
                if line.product in equipment:
                    key = (order.external_id, line.product)
                    left = line.quantity - returned.get(key, 0)
                    returned[key] = max(returned.get(key, 0) - line.quantity, 0)
                    kept += left > 0
    return kept


def test_tiny_load_stores_exactly_what_was_generated() -> None:
    result = load()
    data = DemoData(TINY)
    accounts, customers = list(data.accounts()), list(data.customers())
    expected = {
        "accounts": len(accounts),
        "departments": sum(len(b.departments) for b in accounts),
        "contacts": sum(len(b.contacts) for b in accounts),
        "customers": len(customers),
        "orders": sum(len(b.orders) for b in (*accounts, *customers)),
        "order_lines": sum(len(o.lines) for b in (*accounts, *customers) for o in b.orders),
        "activities": sum(len(b.activities) for b in (*accounts, *customers)),
        "leads": sum(len(data.leads(b)) for b in accounts),
        "lead_transitions": sum(len(lead.transitions) for b in accounts
                                for lead in data.leads(b)),
        "installed_products": _equipment_kept(accounts),
    }
    assert expected["installed_products"] > 0
    assert result.counts == expected == demo_counts()
    first = customers[0].customer
    stored = Customer.objects.get(source=SOURCE, external_id=first.external_id)
    assert (stored.family_name, stored.given_name, stored.phone, stored.postal_code,
            stored.first_purchase_date, stored.acquisition_channel.code, stored.owner.username,
            stored.team.name) == (first.family_name, first.given_name, first.phone,
                                  first.postal_code, first.first_purchase_date,
                                  first.acquisition_channel, first.owner, first.team)
    order = customers[0].orders[0]
    stored_order = Order.objects.get(source=SOURCE, external_id=order.external_id)
    assert stored_order.ordered_at == order.ordered_at
    assert (stored_order.total, stored_order.version, stored_order.customer_id) == (
        order.total, 1, stored.pk)
    assert stored_order.created_at is not None


def test_every_record_passes_model_validation() -> None:
    load()
    for model in (Account, Department, Contact, Customer, Order, Activity, Campaign, Product):
        rows = list(model.objects.all()[:60])
        assert rows, model
        for row in rows:
            row.full_clean()  # max lengths, choices, validators


def test_search_and_sort_keys_come_from_keys_for() -> None:
    load()
    for account in Account.objects.all():
        assert account.search_key and account.sort_key
        assert keys_for(names=[account.name], readings=[account.name_kana], company=True) == {
            "search_key": account.search_key, "sort_key": account.sort_key}
    for department in Department.objects.all():
        assert department.search_key and department.sort_key
    for model in (Contact, Customer):
        for person in model.objects.all():
            assert keys_for(names=[person.family_name, person.given_name],
                            readings=[person.family_name_kana, person.given_name_kana]) == {
                "search_key": person.search_key, "sort_key": person.sort_key}
            assert person.search_key and person.sort_key


def test_phones_postal_codes_readings_and_corporate_numbers_are_valid() -> None:
    load()
    lookups: dict[str, str] = {}

    def prefecture_of(code: str) -> str:
        if code not in lookups:
            lookups[code] = lookup_postal_code(code).prefecture
        return lookups[code]

    for account in Account.objects.all():
        assert is_valid_corporate_number(account.corporate_number)
        assert is_kana(account.name_kana)
        assert account.legal_form
        assert normalize_phone(account.phone) == account.phone
        assert len(account.postal_code) == 7 and prefecture_of(account.postal_code) == \
            account.prefecture
    for model in (Contact, Customer):
        for person in model.objects.all():
            assert is_kana(person.family_name_kana) and is_kana(person.given_name_kana)
            assert person.phone == "" or normalize_phone(person.phone) == person.phone
    for customer in Customer.objects.all():
        assert len(customer.postal_code) == 7
        assert prefecture_of(customer.postal_code) == customer.prefecture
        assert customer.email == "" or customer.email.endswith(("@example.jp", "@example.com"))
    for department in Department.objects.all():
        assert prefecture_of(department.postal_code) == department.prefecture


def test_order_totals_match_their_lines_in_the_database() -> None:
    load()
    orders = Order.objects.annotate(line_sum=Sum("lines__amount"), n=Count("lines"))
    for order in orders:
        assert order.n > 0
        assert order.total == order.line_sum - order.discount + order.shipping_fee
    assert not OrderLine.objects.exclude(
        amount=F("quantity") * F("unit_price") - F("discount")).exists()
    assert not Order.objects.filter(customer__isnull=True, account__isnull=True).exists()


def test_returns_are_negative_and_point_to_the_original() -> None:
    load(Plan(seed=11, customers=400, accounts=6))
    returns = Order.objects.filter(kind="return").select_related("original")
    assert returns.count() > 3
    for r in returns:
        assert r.original is not None and r.original.kind == "sale"
        assert (r.original.customer_id, r.original.account_id) == (r.customer_id, r.account_id)
        assert r.total < 0
        assert all(line.quantity < 0 for line in r.lines.all())
    assert not Order.objects.filter(kind="sale", original__isnull=False).exists()


def test_december_revenue_is_above_the_average_month() -> None:
    load()
    revenue: collections.Counter[tuple[int, int]] = collections.Counter()
    for ordered_at, total in Order.objects.filter(customer__isnull=False).values_list(
            "ordered_at", "total"):
        local = ordered_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
        revenue[(local.year, local.month)] += total
    average = statistics.mean(revenue.values())
    assert revenue[(2024, 12)] > average and revenue[(2025, 12)] > average


def test_masters_users_teams_and_the_fiscal_month_field() -> None:
    result = load()
    assert set(Channel.objects.values_list("name", flat=True)) >= {
        "店舗", "コールセンター", "カタログ", "法人営業"}
    assert set(Medium.objects.values_list("name", flat=True)) == {
        "検索広告", "SNS広告", "新聞折込", "紹介", "アフィリエイト"}
    assert Campaign.objects.filter(cost__gt=0).count() == Campaign.objects.count() > 20
    assert Product.objects.filter(recurring=True).count() >= 2
    assert set(Team.objects.values_list("name", flat=True)) == {
        "営業1課", "営業2課", "EC事業部", "カスタマーサクセス"}
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {Role.ADMINISTRATOR, Role.MANAGER, Role.MEMBER, Role.VIEWER}
    assert sorted(result.created_users) == sorted(User.objects.values_list("username", flat=True))
    # Users went through the service: each has its own ledger entry, with a hashed password.
    assert LedgerEntry.objects.filter(model="core.user").count() == User.objects.count()
    assert User.objects.get(username="tanaka").check_password("kizuna-demo-2026")
    assert CustomFieldDefinition.objects.filter(key="fiscal_month").exists()
    assert all(1 <= a.custom["fiscal_month"] <= 12 for a in Account.objects.all())


def test_records_are_owned_and_shared_so_that_access_rules_show() -> None:
    load()
    east, west = Team.objects.get(name="営業1課"), Team.objects.get(name="営業2課")
    assert set(Account.objects.values_list("team", flat=True)) <= {east.pk, west.pk}
    assert set(Customer.objects.values_list("team__name", flat=True)) <= {
        "EC事業部", "カスタマーサクセス"}
    sasaki = User.objects.get(username="sasaki")  # member of 営業1課
    seen = visible(sasaki, Account.objects.all())
    assert set(seen.values_list("team", flat=True)) <= {east.pk}
    assert not visible(sasaki, Customer.objects.all()).exists()
    ikeda = User.objects.get(username="ikeda")  # viewer of both field teams
    assert visible(ikeda, Account.objects.all()).count() == Account.objects.count()
    assert not visible(ikeda, Customer.objects.all()).exists()
    inoue = User.objects.get(username="inoue")  # EC member
    assert visible(inoue, Customer.objects.all()).count() == \
        Customer.objects.filter(team__name="EC事業部").count()
    for department in Department.objects.select_related("account"):
        assert department.team_id == department.account.team_id


# --- idempotency and the ledger ----------------------------------------------------------------


def test_loading_the_same_plan_again_does_nothing() -> None:
    first = load()
    entries = LedgerEntry.objects.count()
    again = load()
    assert again.already_loaded and again.counts == first.counts == demo_counts()
    assert LedgerEntry.objects.count() == entries
    assert Customer.objects.count() == TINY.customers


def test_other_demo_data_is_refused_unless_replaced() -> None:
    load()
    other = Plan(seed=12, customers=80, accounts=4)
    with pytest.raises(DemoDataExists, match="--replace"):
        load(other)
    result = load(other, replace=True)
    assert result.deleted["customers.Customer"] == TINY.customers
    assert demo_counts()["customers"] == 80 and demo_counts()["accounts"] == 4
    expected = next(DemoData(other).customers()).customer
    assert Customer.objects.get(external_id=expected.external_id).family_name == \
        expected.family_name
    assert not result.created_users  # users and masters are reused, not duplicated
    assert Team.objects.count() == 4 and Channel.objects.count() == 5


def test_replace_also_removes_what_users_attached_to_demo_records() -> None:
    load()
    customer = Customer.objects.filter(source=SOURCE).first()
    manual = Order.objects.create(customer=customer, ordered_at=customer.orders.first().ordered_at,
                                  total=0)
    load(Plan(seed=13, customers=10, accounts=1), replace=True)
    assert not Order.objects.filter(pk=manual.pk).exists()
    assert demo_counts()["orders"] == Order.objects.count()


def test_an_interrupted_load_is_refused_until_replaced() -> None:
    plan = Plan(seed=11, customers=30, accounts=2)
    with pytest.raises(RuntimeError, match="disk full"):
        load(plan, progress=_fail_on("customers"))
    # Each batch is its own transaction: the accounts stayed, the failed batch did not.
    counts = demo_counts()
    assert counts["accounts"] == 2 and counts["customers"] == 0
    assert not LedgerEntry.objects.filter(action="demo_load").exists()
    with pytest.raises(DemoDataExists):
        load(plan)
    assert load(plan, replace=True).counts["customers"] == 30


def _fail_on(what: str):  # type: ignore[no-untyped-def]
    def progress(kind: str, _done: int, _rows: int) -> None:
        if kind == what:
            raise RuntimeError("disk full")
    return progress


def test_one_ledger_entry_per_load_and_the_chain_stays_valid() -> None:
    load()
    entries = LedgerEntry.objects.filter(action="demo_load")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.model == "demo.dataset" and entry.object_id == "seed-11"
    assert entry.changes["customers"] == [0, TINY.customers]
    assert entry.changes["plan"][1]["seed"] == 11
    load(Plan(seed=11, customers=50, accounts=2), replace=True)
    assert LedgerEntry.objects.filter(action="demo_load").count() == 2
    latest = LedgerEntry.objects.filter(action="demo_load").order_by("-seq").first()
    assert latest.changes["customers"] == [TINY.customers, 50]
    assert verify_chain().ok


def test_existing_users_are_reused(make_user) -> None:  # type: ignore[no-untyped-def]
    tanaka = make_user(Role.MEMBER, username="tanaka")
    result = load()
    assert "tanaka" not in result.created_users
    assert User.objects.filter(username="tanaka").count() == 1
    tanaka.refresh_from_db()
    assert tanaka.role == Role.MEMBER  # reused as it is, not changed behind the admin's back
    assert User.objects.count() == 17


# --- the fast insert path ----------------------------------------------------------------------


def test_fast_insert_writes_what_bulk_create_would() -> None:
    load(Plan(seed=11, customers=3, accounts=0))
    customer = Customer.objects.first()
    order = Order.objects.filter(customer=customer).first()

    def as_row(instance, names):  # type: ignore[no-untyped-def]
        return tuple(getattr(instance, instance._meta.get_field(n).attname) for n in names)

    for model, instance, names in ((Customer, customer, CUSTOMER_FIELDS),
                                   (Order, order, ORDER_FIELDS)):
        fast_row = list(as_row(instance, names))
        fast_row[names.index("external_id")] = "fast"
        insert_rows(model, names, [tuple(fast_row)], 10)
        copy = model.objects.get(external_id=instance.external_id)
        copy.pk, copy.external_id = None, "orm"
        model.objects.bulk_create([copy])
        fast = model.objects.filter(external_id="fast").values().get()
        orm = model.objects.filter(external_id="orm").values().get()
        for row in (fast, orm):
            for name in ("id", "external_id", "created_at", "updated_at"):
                row.pop(name)
        assert fast == orm


# --- scale, command and job --------------------------------------------------------------------


def test_the_small_scale_has_the_expected_size() -> None:
    counts = load(Plan.for_scale("small", seed=42)).counts
    assert counts["customers"] == 2000 and counts["accounts"] == 100
    d2c_orders = Order.objects.filter(customer__isnull=False).count()
    b2b_orders = Order.objects.filter(account__isnull=False).count()
    assert d2c_orders + b2b_orders == counts["orders"]
    assert 4 < d2c_orders / 2000 < 7  # three years of repeat purchases, churn included
    assert 30 < b2b_orders / 100 < 90  # tea every month or two, maintenance every year
    assert 1.3 < counts["order_lines"] / counts["orders"] < 2.2
    assert 1.5 < counts["departments"] / 100 < 4.0
    assert 4 < counts["contacts"] / 100 < 10
    assert 10 < counts["activities"] / 100 < 40


def test_command_loads_reports_and_refuses_other_data() -> None:
    out = io.StringIO()
    call_command("demo_data", "--customers", "40", "--accounts", "2", "--seed", "3",
                 "--no-progress", stdout=out)
    text = out.getvalue()
    assert "Loaded the demo company (seed 3" in text and "rows/s" in text
    assert "kizuna-demo-2026" in text and "tanaka" in text
    out = io.StringIO()
    call_command("demo_data", "--customers", "40", "--accounts", "2", "--seed", "3",
                 "--no-progress", stdout=out)
    assert "already loaded" in out.getvalue()
    with pytest.raises(CommandError, match="--replace"):
        call_command("demo_data", "--customers", "40", "--accounts", "2", "--seed", "4",
                     "--no-progress", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_data", "--customers", "20", "--accounts", "1", "--seed", "4",
                 "--replace", "--no-progress", stdout=out)
    assert "Replaced:" in out.getvalue()
    assert Customer.objects.count() == 20
    with pytest.raises(CommandError, match="as-of"):
        call_command("demo_data", "--as-of", "31/10/2026", "--no-progress")


def test_command_options_set_the_plan() -> None:
    call_command("demo_data", "--customers", "10", "--accounts", "1", "--as-of", "2025-03-31",
                 "--no-progress", stdout=io.StringIO())
    latest = Order.objects.order_by("-ordered_at").first()
    assert latest.ordered_at.date() <= dt.date(2025, 3, 31)
    assert LedgerEntry.objects.get(action="demo_load").changes["plan"][1]["as_of"] == \
        "2025-03-31"


def test_only_administrators_may_start_the_demo_job(make_user) -> None:  # type: ignore[no-untyped-def]
    member = make_user(Role.MEMBER)
    with pytest.raises(PermissionDenied):
        start_demo_load(actor=member, plan=TINY)


@pytest.mark.django_db(transaction=True)
def test_the_demo_load_runs_as_a_job(make_user) -> None:  # type: ignore[no-untyped-def]
    boss = make_user(Role.ADMINISTRATOR, username="boss")
    job = start_demo_load(actor=boss, plan=Plan(seed=2, customers=25, accounts=2))
    call_command("worker", "--burst")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["counts"]["customers"] == 25
    assert (job.progress, job.total) == (27, 27)
    assert Customer.objects.filter(source=SOURCE).count() == 25
    assert LedgerEntry.objects.get(action="demo_load").actor_id == boss.pk
    assert Job.objects.filter(kind="demo.load").count() == 1
