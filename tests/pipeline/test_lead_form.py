"""The "new lead" form: from the lead list (choose a contact or a customer) and from a contact's
or customer's page (that person, fixed); the service's rules (one open lead per person, no
acquisition in the future, owners only assigned by managers) shown on the form in the user's
language; access rules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_contact, create_customer
from kizuna.pipeline.models import Lead, LeadTransition

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rep(make_user, make_team):  # type: ignore[no-untyped-def]
    return make_user(Role.MEMBER, teams=[make_team("東京営業")], language="en")


@pytest.fixture
def people(rep):  # type: ignore[no-untyped-def]
    team = rep.teams.get()
    account = create_account(actor=rep, name="株式会社緑茶商事", team=team)
    contact = create_contact(actor=rep, account=account, family_name="山田", given_name="太郎")
    customer = create_customer(actor=rep, family_name="佐藤", given_name="花子")
    return account, contact, customer


def test_contact_page_links_to_the_form_with_the_contact_fixed(rep, people) -> None:  # type: ignore[no-untyped-def]
    account, contact, _customer = people
    client = client_for(rep)
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'href="/pipeline/leads/new/?contact={contact.pk}"' in page
    form = client.get(f"/pipeline/leads/new/?contact={contact.pk}").content.decode()
    assert 'name="contact"' not in form and 'name="customer"' not in form
    assert "山田" in form and 'name="acquired_at"' in form
    before = dt.datetime.now(TOKYO)
    created = client.post(f"/pipeline/leads/new/?contact={contact.pk}", {
        "lead_source": "seminar", "interest": " 本社の給茶機 ", "acquisition_cost": "12000",
        "acquired_at": "2026-01-05T09:30"})
    lead = Lead.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/pipeline/leads/{lead.pk}/"
    assert (lead.contact, lead.account, lead.customer) == (contact, account, None)
    assert (lead.lead_source, lead.interest, lead.acquisition_cost) == ("seminar",
                                                                       "本社の給茶機", 12_000)
    assert lead.acquired_at == dt.datetime(2026, 1, 5, 9, 30, tzinfo=TOKYO)
    assert lead.owner == rep and lead.team == account.team and lead.stage.code == "acquired"
    first = LeadTransition.objects.get(lead=lead)
    assert (first.from_stage, first.to_stage.code, first.by) == (None, "acquired", rep)
    assert lead.acquired_at < before  # the date typed, not "now"


def test_customer_page_and_the_one_open_lead_rule_in_the_users_language(rep, people) -> None:  # type: ignore[no-untyped-def]
    _account, _contact, customer = people
    client = client_for(rep)
    assert f'href="/pipeline/leads/new/?customer={customer.pk}"' in client.get(
        f"/customers/{customer.pk}/").content.decode()
    url = f"/pipeline/leads/new/?customer={customer.pk}"
    data = {"lead_source": "web_form", "acquired_at": "2026-02-01T10:00"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200
    assert "This person is already a lead" in again.content.decode()
    assert Lead.objects.count() == 1
    rep.language = "ja"
    rep.save()
    japanese = client_for(rep).post(url, data, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "この人は既にリードです" in japanese
    assert Lead.objects.count() == 1


def test_list_form_chooses_exactly_one_person_and_refuses_the_future(rep, people) -> None:  # type: ignore[no-untyped-def]
    _account, contact, customer = people
    client = client_for(rep)
    assert 'href="/pipeline/leads/new/"' in client.get("/pipeline/leads/").content.decode()
    form = client.get("/pipeline/leads/new/").content.decode()
    assert 'name="contact"' in form and 'name="customer"' in form
    assert 'name="owner"' not in form  # members own what they create
    both = client.post("/pipeline/leads/new/", {
        "contact": contact.pk, "customer": customer.pk, "lead_source": "inquiry",
        "acquired_at": "2026-01-05T09:30"})
    assert "Choose a contact or a customer (one of them)." in both.content.decode()
    future = (dt.datetime.now(TOKYO) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    later = client.post("/pipeline/leads/new/", {"contact": contact.pk,
                                                 "lead_source": "inquiry",
                                                 "acquired_at": future})
    assert "A lead cannot be acquired in the future." in later.content.decode()
    assert not Lead.objects.exists()
    ok = client.post("/pipeline/leads/new/", {"customer": customer.pk, "lead_source": "inquiry",
                                              "acquired_at": "2026-01-05T09:30"})
    assert ok.status_code == 302
    assert Lead.objects.get().customer == customer


def test_manager_assigns_an_owner_and_others_cannot_see_the_person(rep, people, make_user) -> None:  # type: ignore[no-untyped-def]
    _account, contact, customer = people
    manager = make_user(Role.MANAGER, teams=[rep.teams.get()], language="en")
    client = client_for(manager)
    assert client.post(f"/pipeline/leads/new/?contact={contact.pk}", {
        "lead_source": "referral", "acquired_at": "2026-01-05T09:30",
        "owner": rep.pk}).status_code == 302
    assert Lead.objects.get().owner == rep
    stranger = client_for(make_user(Role.MEMBER, language="en"))
    assert stranger.get(f"/pipeline/leads/new/?contact={contact.pk}").status_code == 404
    chosen = stranger.post("/pipeline/leads/new/", {"customer": customer.pk,
                                                    "lead_source": "inquiry",
                                                    "acquired_at": "2026-01-05T09:30"})
    assert chosen.status_code == 200 and Lead.objects.count() == 1  # not a choice for them
    viewer = client_for(make_user(Role.VIEWER, language="en"))
    assert viewer.get("/pipeline/leads/new/").status_code == 403
