"""Customer data in the admin pages: administrators define custom fields there (audited); the
records themselves are only looked up, because their edits must go through the services."""

from __future__ import annotations

from django.test import Client

from kizuna.core.models import LedgerEntry, Role
from kizuna.customers.models import CustomFieldDefinition
from kizuna.customers.services import create_account, create_customer

ADD = "/admin/customers/customfielddefinition/add/"


def test_an_administrator_defines_a_custom_field_that_forms_then_show(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    response = client.post(ADD, {
        "entity": "customers.customer", "key": "favourite_tea", "label_ja": "好きなお茶",
        "label_en": "Favourite tea", "field_type": "choice",
        "choices": '["煎茶", " 玉露 ", "煎茶"]', "position": 1})
    assert response.status_code == 302, response.content.decode()[:3000]
    definition = CustomFieldDefinition.objects.get(key="favourite_tea")
    assert definition.choices == ["煎茶", "玉露"]
    assert LedgerEntry.objects.filter(actor=admin_user, model="customers.customfielddefinition",
                                      action="create").exists()
    form = client.get("/customers/new/").content.decode()
    assert 'name="custom__favourite_tea"' in form and "玉露" in form

    change = f"/admin/customers/customfielddefinition/{definition.pk}/change/"
    response = client.post(change, {
        "entity": "customers.customer", "key": "favourite_tea", "label_ja": "好きなお茶",
        "label_en": "Favourite tea", "field_type": "text", "choices": '["煎茶"]', "position": 1})
    assert response.status_code == 302
    definition.refresh_from_db()
    assert (definition.field_type, definition.choices, definition.version) == ("text", [], 2)


def test_a_choice_field_needs_its_choices(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    response = client.post(ADD, {
        "entity": "customers.account", "key": "rank", "label_ja": "ランク", "label_en": "Rank",
        "field_type": "choice", "choices": "[]", "position": 0})
    assert response.status_code == 200
    assert "choices" in response.context["adminform"].form.errors
    assert not CustomFieldDefinition.objects.exists()


def test_records_are_looked_up_but_not_changed_in_the_admin(admin_user, make_user) -> None:  # type: ignore[no-untyped-def]
    account = create_account(actor=admin_user, name="株式会社管理画面")
    customer = create_customer(actor=admin_user, family_name="山田")
    client = Client()
    client.force_login(admin_user)
    assert "株式会社管理画面" in client.get("/admin/customers/account/").content.decode()
    assert client.get(f"/admin/customers/customer/{customer.pk}/change/").status_code == 200
    assert client.get("/admin/customers/customer/add/").status_code == 403
    client.post(f"/admin/customers/account/{account.pk}/change/", {"name": "書き換え"})
    account.refresh_from_db()
    assert account.name == "株式会社管理画面" and account.version == 1
    member = make_user(Role.MEMBER)
    client.force_login(member)
    assert client.get(ADD).status_code == 302  # to the admin login
