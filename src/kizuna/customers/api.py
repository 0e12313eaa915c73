"""Customer data API: accounts, departments, contacts and D2C customers.

The same access layer and services as the pages: lists start from the ``visible_*``/``search_*``
queries, single records come from ``access_*`` (invisible and missing are both 404), and every
write is one service call (cleaning, permissions, ledger, optimistic locking → 409).
"""


from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.commerce.models import Campaign, Channel, Medium
from kizuna.core.api import (
    ERRORS,
    OWNED,
    OwnedIn,
    OwnedOut,
    Page,
    Source,
    VersionIn,
    changes,
    choice,
    deleted,
    everyone,
    resolve,
)
from kizuna.customers import services
from kizuna.customers.models import (
    Account,
    BuyingRole,
    Contact,
    Customer,
    Department,
    EmployeeBand,
    Gender,
)
from kizuna.customers.queries import (
    access_account,
    access_contact,
    access_customer,
    access_department,
    search_accounts,
    search_contacts,
    search_customers,
    visible_accounts,
    visible_contacts,
    visible_departments,
)

# --- accounts ------------------------------------------------------------------------------------

accounts = Router(tags=["accounts"])


class AddressFields(Schema):
    postal_code: str = Field("", max_length=10, description="Any format; stored as 7 digits")
    prefecture: str = Field("", max_length=10)
    city: str = Field("", max_length=50)
    address_line1: str = Field("", max_length=200)
    address_line2: str = Field("", max_length=200)


class AccountFields(OwnedIn, AddressFields):
    name_kana: str = Field("", max_length=200, description="Any kana; stored as katakana")
    corporate_number: str = Field("", max_length=20, description="法人番号, 13 digits")
    industry: str = Field("", max_length=100)
    employee_band: choice(EmployeeBand, blank=True) = ""  # type: ignore[valid-type]
    phone: str = Field("", max_length=30, description="Any Japanese format; answered in E.164")
    website: str = Field("", max_length=200)
    relationship_level: int | None = Field(None, ge=1, le=7, description="1–7; 7 = "
                                                                          "indispensable partner")
    tags: list[str] = Field(default_factory=list)
    custom: dict[str, Any] = Field(default_factory=dict, description="Custom field values")
    source: str = Field("", max_length=50)
    external_id: str = Field("", max_length=100)


class AccountIn(AccountFields):
    name: str = Field(..., min_length=1, max_length=200)


class AccountPatch(AccountFields, VersionIn):
    name: str | None = Field(None, min_length=1, max_length=200)


class AccountOut(OwnedOut):
    name: str
    name_kana: str
    legal_form: str = Field(..., description="Recognised from the name (read-only)")
    corporate_number: str
    industry: str
    employee_band: str
    postal_code: str
    prefecture: str
    city: str
    address_line1: str
    address_line2: str
    phone: str
    website: str
    relationship_level: int | None
    tags: list[str]
    custom: dict[str, Any]
    source: str
    external_id: str


ACCOUNT_SORTS = {"kana": None, "-updated_at": ("-updated_at", "-pk")}


@accounts.get("", response=list[AccountOut], summary="List and search accounts you may see")
@paginate(Page)
def list_accounts(request: HttpRequest,
                  q: str = Query("", description="Name or reading, in any kana or width"),
                  prefecture: str = "", industry: str = "", owner_id: int | None = None,
                  relationship_level: int | None = None,
                  sort: Literal["kana", "-updated_at"] = "kana") -> Any:
    found = search_accounts(request.auth, q, prefecture=prefecture, industry=industry,
                            owner_id=owner_id, relationship_level=relationship_level)
    order = ACCOUNT_SORTS[sort]
    return found.order_by(*order) if order else found


@accounts.post("", response={201: AccountOut, **ERRORS}, summary="Create an account")
def create_account(request: HttpRequest, payload: AccountIn) -> Any:
    data = resolve(request.auth, payload.dict(), OWNED)
    return Status(201, services.create_account(actor=request.auth, **data))


@accounts.get("/{account_id}", response={200: AccountOut, **ERRORS}, summary="One account")
def get_account(request: HttpRequest, account_id: int) -> Account:
    return access_account(request.auth, account_id)


@accounts.patch("/{account_id}", response={200: AccountOut, **ERRORS},
                summary="Change an account")
def update_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> Account:
    account = access_account(request.auth, account_id, write=True)
    version, data = changes(payload)
    return services.update_account(actor=request.auth, account=account,
                                   expected_version=version,
                                   **resolve(request.auth, data, OWNED))


@accounts.delete("/{account_id}", response={204: None, **ERRORS}, summary="Delete an account")
def delete_account(request: HttpRequest, account_id: int, version: int) -> Any:
    account = access_account(request.auth, account_id, write=True)
    return deleted(lambda: services.delete_account(actor=request.auth, account=account,
                                                   expected_version=version))


# --- departments ---------------------------------------------------------------------------------

departments = Router(tags=["departments"])


class DepartmentFields(OwnedIn, AddressFields):
    parent_id: int | None = None
    name_kana: str = Field("", max_length=200)
    phone: str = Field("", max_length=30)
    custom: dict[str, Any] = Field(default_factory=dict)


class DepartmentIn(DepartmentFields):
    name: str = Field(..., min_length=1, max_length=200)


class DepartmentPatch(DepartmentFields, VersionIn):
    name: str | None = Field(None, min_length=1, max_length=200)


class DepartmentOut(OwnedOut):
    account_id: int
    parent_id: int | None
    name: str
    name_kana: str
    phone: str
    postal_code: str
    prefecture: str
    city: str
    address_line1: str
    address_line2: str
    custom: dict[str, Any]


DEPARTMENT_LINKS: dict[str, Source] = {**OWNED, "parent_id": visible_departments}


@accounts.get("/{account_id}/departments", response={200: list[DepartmentOut], **ERRORS},
              summary="The account's departments and sites you may see")
@paginate(Page)
def list_departments(request: HttpRequest, account_id: int) -> Any:
    account = access_account(request.auth, account_id)
    return visible_departments(request.auth).filter(account=account)


@accounts.post("/{account_id}/departments", response={201: DepartmentOut, **ERRORS},
               summary="Add a department or site to an account")
def create_department(request: HttpRequest, account_id: int, payload: DepartmentIn) -> Any:
    account = access_account(request.auth, account_id)
    data = resolve(request.auth, payload.dict(exclude_unset=True), DEPARTMENT_LINKS)
    return Status(201, services.create_department(actor=request.auth, account=account, **data))


@departments.get("/{department_id}", response={200: DepartmentOut, **ERRORS},
                 summary="One department")
def get_department(request: HttpRequest, department_id: int) -> Department:
    return access_department(request.auth, department_id)


@departments.patch("/{department_id}", response={200: DepartmentOut, **ERRORS},
                   summary="Change a department")
def update_department(request: HttpRequest, department_id: int,
                      payload: DepartmentPatch) -> Department:
    department = access_department(request.auth, department_id, write=True)
    version, data = changes(payload)
    return services.update_department(actor=request.auth, department=department,
                                      expected_version=version,
                                      **resolve(request.auth, data, DEPARTMENT_LINKS))


@departments.delete("/{department_id}", response={204: None, **ERRORS},
                    summary="Delete a department")
def delete_department(request: HttpRequest, department_id: int, version: int) -> Any:
    department = access_department(request.auth, department_id, write=True)
    return deleted(lambda: services.delete_department(
        actor=request.auth, department=department, expected_version=version))


# --- contacts ------------------------------------------------------------------------------------

contacts = Router(tags=["contacts"])


class PersonFields(OwnedIn):
    given_name: str = Field("", max_length=50)
    family_name_kana: str = Field("", max_length=50, description="Any kana; stored as katakana")
    given_name_kana: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30, description="Any Japanese format; answered in E.164")
    email_opt_in: bool = False
    phone_opt_in: bool = False
    postal_mail_opt_in: bool = False
    custom: dict[str, Any] = Field(default_factory=dict)
    source: str = Field("", max_length=50)
    external_id: str = Field("", max_length=100)


class PersonOut(OwnedOut):
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    email: str
    phone: str
    email_opt_in: bool
    phone_opt_in: bool
    postal_mail_opt_in: bool
    custom: dict[str, Any]
    source: str
    external_id: str


class ContactFields(PersonFields):
    department_id: int | None = None
    reports_to_id: int | None = None
    title: str = Field("", max_length=100)
    buying_role: choice(BuyingRole, blank=True) = ""  # type: ignore[valid-type]
    emails_other: list[str] = Field(default_factory=list)
    phones_other: list[str] = Field(default_factory=list)


class ContactIn(ContactFields):
    account_id: int
    family_name: str = Field(..., min_length=1, max_length=50)


class ContactPatch(ContactFields, VersionIn):
    family_name: str | None = Field(None, min_length=1, max_length=50)


class ContactOut(PersonOut):
    account_id: int
    department_id: int | None
    reports_to_id: int | None
    title: str
    buying_role: str
    emails_other: list[str]
    phones_other: list[str]


CONTACT_LINKS: dict[str, Source] = {**OWNED, "account_id": visible_accounts,
                                    "department_id": visible_departments,
                                    "reports_to_id": visible_contacts}


@contacts.get("", response=list[ContactOut], summary="List and search contacts you may see")
@paginate(Page)
def list_contacts(request: HttpRequest, q: str = "", account_id: int | None = None,
                  buying_role: choice(BuyingRole) | None = None) -> Any:  # type: ignore[valid-type]
    return search_contacts(request.auth, q, account_id=account_id, buying_role=buying_role)


@contacts.post("", response={201: ContactOut, **ERRORS}, summary="Create a contact")
def create_contact(request: HttpRequest, payload: ContactIn) -> Any:
    data = resolve(request.auth, payload.dict(), CONTACT_LINKS)
    return Status(201, services.create_contact(actor=request.auth, **data))


@contacts.get("/{contact_id}", response={200: ContactOut, **ERRORS}, summary="One contact")
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    return access_contact(request.auth, contact_id)


@contacts.patch("/{contact_id}", response={200: ContactOut, **ERRORS},
                summary="Change a contact")
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Contact:
    contact = access_contact(request.auth, contact_id, write=True)
    version, data = changes(payload)
    return services.update_contact(actor=request.auth, contact=contact, expected_version=version,
                                   **resolve(request.auth, data, CONTACT_LINKS))


@contacts.delete("/{contact_id}", response={204: None, **ERRORS}, summary="Delete a contact")
def delete_contact(request: HttpRequest, contact_id: int, version: int) -> Any:
    contact = access_contact(request.auth, contact_id, write=True)
    return deleted(lambda: services.delete_contact(actor=request.auth, contact=contact,
                                                   expected_version=version))


# --- D2C customers -------------------------------------------------------------------------------

customers = Router(tags=["customers"])


CUSTOMER_LINKS: dict[str, Source] = {**OWNED, "acquisition_channel_id": everyone(Channel),
                                     "acquisition_medium_id": everyone(Medium),
                                     "acquisition_campaign_id": everyone(Campaign)}


class CustomerFields(PersonFields):
    gender: choice(Gender) = ""  # type: ignore[valid-type]
    birth_year: int | None = Field(None, ge=1900, le=2100)
    postal_code: str = Field("", max_length=10, description="Any format; stored as 7 digits")
    prefecture: str = Field("", max_length=10)
    acquisition_channel_id: int | None = None
    acquisition_medium_id: int | None = None
    acquisition_campaign_id: int | None = None


class CustomerIn(CustomerFields):
    family_name: str = Field(..., min_length=1, max_length=50)


class CustomerPatch(CustomerFields, VersionIn):
    family_name: str | None = Field(None, min_length=1, max_length=50)


class CustomerOut(PersonOut):
    gender: str
    birth_year: int | None
    postal_code: str
    prefecture: str
    acquisition_channel_id: int | None
    acquisition_medium_id: int | None
    acquisition_campaign_id: int | None
    first_purchase_date: date | None = Field(..., description="Kept by orders (read-only)")


@customers.get("", response=list[CustomerOut], summary="List and search customers you may see")
@paginate(Page)
def list_customers(request: HttpRequest, q: str = "", prefecture: str = "",
                   gender: choice(Gender) | None = None,  # type: ignore[valid-type]
                   channel: str = Query("", description="Acquisition channel code")) -> Any:
    return search_customers(request.auth, q, prefecture=prefecture, gender=gender,
                            acquisition_channel__code=channel)


@customers.post("", response={201: CustomerOut, **ERRORS}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Any:
    data = resolve(request.auth, payload.dict(), CUSTOMER_LINKS)
    return Status(201, services.create_customer(actor=request.auth, **data))


@customers.get("/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="One customer")
def get_customer(request: HttpRequest, customer_id: int) -> Customer:
    return access_customer(request.auth, customer_id)


@customers.patch("/{customer_id}", response={200: CustomerOut, **ERRORS},
                 summary="Change a customer")
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Customer:
    customer = access_customer(request.auth, customer_id, write=True)
    version, data = changes(payload)
    return services.update_customer(actor=request.auth, customer=customer,
                                    expected_version=version,
                                    **resolve(request.auth, data, CUSTOMER_LINKS))


@customers.delete("/{customer_id}", response={204: None, **ERRORS}, summary="Delete a customer")
def delete_customer(request: HttpRequest, customer_id: int, version: int) -> Any:
    customer = access_customer(request.auth, customer_id, write=True)
    return deleted(lambda: services.delete_customer(actor=request.auth, customer=customer,
                                                    expected_version=version))


router = Router()
router.add_router("/accounts", accounts)
router.add_router("/departments", departments)
router.add_router("/contacts", contacts)
router.add_router("/customers", customers)
