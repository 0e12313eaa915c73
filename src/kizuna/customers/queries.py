"""Read helpers: every query on customer data starts from what the user may see.

Records merged into another (identity resolution) are hidden: the survivor stands for them.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from kizuna.core.access import access, visible
from kizuna.core.models import User
from kizuna.customers.models import Account, Contact, Customer, Department
from kizuna.customers.search import search


def visible_accounts(user: User) -> QuerySet[Account]:
    return visible(user, Account.objects.filter(merged_into=None).select_related("owner", "team"))


def access_account(user: User, pk: object, *, write: bool = False) -> Account:
    return access(user, Account.objects.filter(merged_into=None).select_related("owner", "team"),
                  pk, write=write)


def search_accounts(user: User, q: str = "", **filters: object) -> QuerySet[Account]:
    accounts = visible_accounts(user).filter(**{k: v for k, v in filters.items() if v})
    return search(accounts, q)


def visible_departments(user: User) -> QuerySet[Department]:
    return visible(user, Department.objects.select_related("account", "owner"))


def access_department(user: User, pk: object, *, write: bool = False) -> Department:
    return access(user, Department.objects.select_related("account", "owner"), pk, write=write)


def visible_contacts(user: User) -> QuerySet[Contact]:
    return visible(user, Contact.objects.filter(merged_into=None)
                   .select_related("account", "department", "owner"))


def access_contact(user: User, pk: object, *, write: bool = False) -> Contact:
    return access(user, Contact.objects.filter(merged_into=None).select_related(
        "account", "department", "owner", "reports_to"), pk, write=write)


def search_contacts(user: User, q: str = "", **filters: object) -> QuerySet[Contact]:
    contacts = visible_contacts(user).filter(**{k: v for k, v in filters.items() if v})
    return search(contacts, q)


def visible_customers(user: User) -> QuerySet[Customer]:
    return visible(user, Customer.objects.filter(merged_into=None)
                   .select_related("owner", "acquisition_channel"))


def access_customer(user: User, pk: object, *, write: bool = False) -> Customer:
    return access(user, Customer.objects.filter(merged_into=None).select_related(
        "owner", "team", "acquisition_channel", "acquisition_medium", "acquisition_campaign"),
        pk, write=write)


def search_customers(user: User, q: str = "", **filters: object) -> QuerySet[Customer]:
    customers = visible_customers(user).filter(**{k: v for k, v in filters.items() if v})
    return search(customers, q)


def buying_centre(user: User, account: Account) -> list[Department]:
    """The account's departments with their visible contacts, for the buying-centre view."""
    contacts = visible_contacts(user).filter(account=account).select_related("reports_to")
    return list(
        visible_departments(user).filter(account=account)
        .prefetch_related(Prefetch("contacts", queryset=contacts, to_attr="visible_contacts"))
    )
