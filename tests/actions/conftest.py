"""Builders for the action-engine tests: a sales team, records, orders N days ago, criteria."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.actions.models import Criterion
from kizuna.actions.services import create_criterion
from kizuna.commerce.models import Order
from kizuna.core.models import Role
from kizuna.customers.services import create_account, create_customer

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def team(make_user, make_team):  # type: ignore[no-untyped-def]
    """A manager and two reps in one team, and a rep of another team."""
    sales = make_team("営業1課")
    other = make_team("営業2課")
    return {
        "team": sales,
        "manager": make_user(Role.MANAGER, teams=[sales], last_name="田中"),
        "rep": make_user(Role.MEMBER, teams=[sales], last_name="佐々木"),
        "rep2": make_user(Role.MEMBER, teams=[sales], last_name="山口"),
        "outsider": make_user(Role.MEMBER, teams=[other], last_name="小林"),
        "viewer": make_user(Role.VIEWER, teams=[sales], last_name="池田"),
    }


def days_ago(days: float, *, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=days)


def buy(buyer: Any, when: dt.datetime, *, total: int = 3000, kind: str = "sale") -> Order:
    field = "account" if type(buyer).__name__ == "Account" else "customer"
    return Order.objects.create(**{field: buyer}, ordered_at=when, total=total, kind=kind)


@pytest.fixture
def make_criterion():  # type: ignore[no-untyped-def]
    def build(actor: Any, **fields: Any) -> Criterion:
        values = {"name": "テスト基準", "purpose": "テストのため", "entity": "customer",
                  "condition": {"field": "prefecture", "op": "eq", "value": "東京都"},
                  "title_template": "{name}様に連絡", "next_step": "電話する",
                  "enabled": True, **fields}
        return create_criterion(actor=actor, **values)

    return build


@pytest.fixture
def customers(team):  # type: ignore[no-untyped-def]
    rep = team["rep"]
    return [create_customer(actor=rep, family_name=name, prefecture=pref, team=team["team"])
            for name, pref in (("山田", "東京都"), ("佐藤", "東京都"), ("鈴木", "大阪府"))]


@pytest.fixture
def accounts(team):  # type: ignore[no-untyped-def]
    rep = team["rep"]
    return [create_account(actor=rep, name=name, prefecture=pref, team=team["team"])
            for name, pref in (("山田製作所", "東京都"), ("大阪商事", "大阪府"))]


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    def build(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return build
