"""The demo company's deals: generated without a database from the sales-accepted leads,
deterministic, in their own random stream (nothing else a seed makes changes), loaded as the
services would have stored them, and movable by the services afterwards."""

from __future__ import annotations

import collections
import datetime as dt
import itertools

import pytest

from kizuna.demo import DemoData, Plan
from kizuna.demo.deals import OPEN_STAGES


def generated(seed: int = 7, accounts: int = 60):  # type: ignore[no-untyped-def]
    data = DemoData(Plan(seed=seed, customers=0, accounts=accounts))
    bundles = tuple(data.accounts())
    leads = tuple(data.leads(b) for b in bundles)
    deals = tuple(d for b, per in zip(bundles, leads, strict=True) for d in data.deals(b, per))
    return data, bundles, leads, deals


def test_deals_are_deterministic_and_change_nothing_else() -> None:
    data, bundles, leads, deals = generated()
    again = DemoData(data.plan)
    assert tuple(again.accounts()) == bundles  # generating deals consumed nobody's randomness
    assert tuple(again.leads(b) for b in bundles) == leads
    assert tuple(d for b in bundles for d in again.deals(b)) == deals
    other = generated(seed=8)[3]
    assert other != deals
    small = DemoData(Plan(seed=7, customers=0, accounts=3))
    assert [small.deals(b) for b in small.accounts()] == [data.deals(b) for b in bundles[:3]]


def test_every_deal_follows_the_pipeline_rules() -> None:
    data, bundles, leads, deals = generated(accounts=100)
    end = data.plan.as_of
    contacts = {p.external_id: p.account for b in bundles for p in b.contacts}
    lead_keys = {(lead.contact, lead.acquired_at): lead for per in leads for lead in per}
    outcomes = collections.Counter()
    for deal in deals:
        steps = deal.steps
        assert steps[0].stage == "first_visit"
        assert all(a.at <= b.at for a, b in itertools.pairwise(steps)), deal
        assert steps[-1].at.date() <= end
        assert [s.stage for s in steps[:-1]] == [s for s in OPEN_STAGES if s in
                                                 {x.stage for x in steps[:-1]}]
        last = steps[-1].stage
        outcome = last if last in ("won", "lost") else "open"
        outcomes[outcome] += 1
        if outcome == "lost":
            assert steps[-1].lost_reason in {"competitor", "status_quo", "budget"}
        else:
            assert all(not s.lost_reason for s in steps)
        if outcome != "open":
            assert deal.expected_close_date == steps[-1].at.date()
        assert deal.amount > 0 and deal.lines
        assert all(contacts[c] == deal.account for c, _role in deal.contacts)
        lead = lead_keys[deal.lead]
        assert lead.account == deal.account and lead.owner == deal.owner
        if outcome == "won":
            assert lead.transitions[-1].stage == "won"
            assert lead.transitions[-1].at == steps[-1].at
    # A believable board: open deals in every open stage, wins and losses.
    assert outcomes["won"] > 10 and outcomes["lost"] > 5 and outcomes["open"] > 5, outcomes
    open_stages = {d.steps[-1].stage for d in deals if d.steps[-1].stage in OPEN_STAGES}
    assert len(open_stages) >= 4
    assert any(d.competitors for d in deals) and any(d.probability_override for d in deals)


@pytest.mark.django_db
def test_loaded_deals_match_the_generator_and_the_services_can_move_them() -> None:
    from kizuna.core.models import User
    from kizuna.demo.services import load_demo_data
    from kizuna.pipeline.models import Deal, DealStage, DealStageChange
    from kizuna.pipeline.queries import deal_forecast, win_rates
    from kizuna.pipeline.services import forecast_values, move_deal

    plan = Plan(seed=7, customers=0, accounts=12)
    load_demo_data(plan)
    data = DemoData(plan)
    deals = [d for b in data.accounts() for d in data.deals(b)]
    assert deals and Deal.objects.count() == len(deals)
    assert DealStageChange.objects.count() == sum(len(d.steps) for d in deals)
    stored = {(d.name, d.expected_close_date, d.amount): d for d in
              Deal.objects.select_related("stage", "owner", "lead")}
    for row in deals:
        deal = stored[(row.name, row.expected_close_date, row.amount)]
        assert deal.stage.code == row.steps[-1].stage and deal.owner.username == row.owner
        assert (deal.probability, deal.forecast_category) == forecast_values(
            deal.stage, row.probability_override, row.forecast_category_override)
        assert deal.lead is not None and deal.lead.acquired_at == row.lead[1]
        assert deal.lines.count() == len(row.lines)
        assert deal.deal_contacts.count() == len(row.contacts)
        assert (deal.closed_at is None) == deal.stage.is_open
    boss = User.objects.get(username="saito")
    open_deal = Deal.objects.filter(stage__kind="open").exclude(stage__code="negotiation") \
        .first()
    change = move_deal(actor=boss, deal=open_deal,
                       to_stage=DealStage.objects.get(pipeline=open_deal.pipeline,
                                                      code="negotiation"),
                       expected_version=open_deal.version)
    assert change.from_stage == open_deal.stage
    forecast = deal_forecast(boss, start=plan.as_of, months=6)
    assert forecast.total.open_amount > 0
    _rates, total = win_rates(boss, start=plan.as_of - dt.timedelta(days=1000), months=36,
                              by="owner")
    assert total.won > 0 and total.lost > 0
