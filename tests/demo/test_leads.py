"""The demo company's leads (THE MODEL): generated without a database, deterministic, obeying the
pipeline's rules, with fast passes, recycling, revivals and dead ends; then loaded."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from functools import cache

import numpy as np
import pytest

from kizuna.analytics.funnel import StagePath, funnel_report, period_edges
from kizuna.demo import DemoData, Plan
from kizuna.demo.base import JST
from kizuna.demo.leads import LeadRow

PATH = StagePath(("acquired", "nurturing", "promising", "accepted", "won"))
MAIN = len(PATH.main)
MACHINES = {"KZ-100", "KZ-200", "WP-30"}


@cache
def generated(seed: int = 7, accounts: int = 40) -> tuple[DemoData, tuple, tuple[LeadRow, ...]]:
    data = DemoData(Plan(seed=seed, customers=0, accounts=accounts))
    bundles = tuple(data.accounts())
    return data, bundles, tuple(lead for b in bundles for lead in data.leads(b))


def test_leads_are_deterministic_and_do_not_change_the_other_rows() -> None:
    data, bundles, leads = generated()
    again = DemoData(Plan(seed=7, customers=0, accounts=40))
    assert tuple(again.accounts()) == bundles  # generating leads consumed nobody's randomness
    assert tuple(lead for b in bundles for lead in again.leads(b)) == leads
    other = DemoData(Plan(seed=8, customers=0, accounts=40))
    assert tuple(lead for b in other.accounts() for lead in other.leads(b)) != leads
    # An account's leads do not depend on the plan's size.
    small = DemoData(Plan(seed=7, customers=0, accounts=3))
    assert [small.leads(b) for b in small.accounts()] == [data.leads(b) for b in bundles[:3]]


def test_every_lead_follows_the_pipeline_rules() -> None:
    data, bundles, leads = generated()
    contacts = {p.external_id: b.account.external_id for b in bundles for p in b.contacts}
    as_of = data.plan.as_of
    for lead in leads:
        steps = lead.transitions
        assert steps[0].stage == "acquired" and steps[0].at == lead.acquired_at
        assert all(a.at <= b.at for a, b in itertools.pairwise(steps)), lead
        assert all(s.at.tzinfo is JST and s.at.date() <= as_of for s in steps)
        assert lead.contact is None or contacts[lead.contact] == lead.account
        for before, after in itertools.pairwise(steps):
            source, target = PATH.code(before.stage), PATH.code(after.stage)
            assert source != target and target != 0, lead  # never acquired again
            needs_reason = target >= MAIN or source == PATH.dead_end_code or \
                (source < MAIN and target < source)
            assert bool(after.reason) == needs_reason, (before, after)
            assert (after.by is None) == bool(after.criterion), after
    people = [lead.contact for lead in leads if lead.contact]
    assert len(people) == len(set(people))  # one lead per person


def test_won_leads_are_the_machines_sold() -> None:
    data, bundles, leads = generated()
    sold = collections.Counter()
    for bundle in bundles:
        for order in bundle.orders:
            if order.kind == "sale" and order.ordered_at.date() >= data.plan.start and \
                    any(li.product in MACHINES for li in order.lines):
                sold[(bundle.account.external_id, order.ordered_at)] += 1
    won = collections.Counter((lead.account, lead.transitions[-1].at) for lead in leads
                              if lead.transitions[-1].stage == "won")
    assert won == sold and sum(won.values()) > 10
    assert not any(s.stage == "won" for lead in leads for s in lead.transitions[:-1])


def test_the_demo_funnel_has_detours_and_a_believable_shape() -> None:
    _data, _bundles, leads = generated(seed=7, accounts=100)
    moves = collections.Counter()
    for lead in leads:
        previous = None
        for step in lead.transitions:
            code = PATH.code(step.stage)
            if PATH.is_fast_pass(previous, code):
                moves["fast_pass"] += 1
            if previous == PATH.recycle_code and code < MAIN:
                moves["revival"] += 1
            moves[step.stage] += 1
            previous = code
    assert moves["fast_pass"] > 20 and moves["revival"] > 10
    assert moves["recycle"] > 50 and moves["dead_end"] > 10
    assert moves["acquired"] > 3 * moves["won"]  # most leads are never won
    ids = [i for i, lead in enumerate(leads) for _ in lead.transitions]
    stages = [s.stage for lead in leads for s in lead.transitions]
    times = np.array([s.at.replace(tzinfo=None) for lead in leads for s in lead.transitions],
                     dtype="datetime64[s]")
    report = funnel_report(ids, stages, times, path=PATH,
                           edges=period_edges("2025-11-01", freq="quarter", count=4))
    flow = report.flow.sum(axis=1)
    assert flow[0] > flow[2] > flow[4] > 0  # acquired > promising > won
    advance = report.advanced.sum(axis=1) / np.maximum(flow, 1)
    assert 0.5 < advance[0] < 0.95 and 0.2 < advance[1] < 0.7
    assert report.balance[:, -1].sum() == report.leads[-1]


def test_as_of_cuts_the_history() -> None:
    plan = Plan(seed=3, customers=0, accounts=10, as_of=dt.date(2024, 3, 31))
    data = DemoData(plan)
    leads = [lead for b in data.accounts() for lead in data.leads(b)]
    assert leads and max(s.at for lead in leads for s in lead.transitions).date() <= plan.as_of


# --- loaded ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loaded_leads_match_the_generator_and_the_services_can_move_them() -> None:
    from kizuna.core.models import User
    from kizuna.demo.services import demo_counts, load_demo_data
    from kizuna.pipeline.models import Lead, LeadTransition
    from kizuna.pipeline.queries import stage_path
    from kizuna.pipeline.services import move_lead

    plan = Plan(seed=11, customers=0, accounts=8)
    load_demo_data(plan)
    data = DemoData(plan)
    generated_leads = [lead for b in data.accounts() for lead in data.leads(b)]
    counts = demo_counts()
    assert counts["leads"] == len(generated_leads) == Lead.objects.count()
    assert counts["lead_transitions"] == sum(len(lead.transitions) for lead in generated_leads)
    path = stage_path()
    for lead in Lead.objects.select_related("stage").prefetch_related("transitions__to_stage",
                                                                     "transitions__from_stage"):
        history = sorted(lead.transitions.all(), key=lambda t: (t.at, t.pk))
        assert history[0].from_stage is None and history[0].at == lead.acquired_at
        assert (lead.stage, lead.stage_entered_at) == (history[-1].to_stage, history[-1].at)
        assert lead.version == len(history)
        for before, after in itertools.pairwise(history):
            assert after.from_stage == before.to_stage
            assert after.is_fast_pass == path.is_fast_pass(path.code(before.to_stage.code),
                                                           path.code(after.to_stage.code))
    assert LeadTransition.objects.filter(is_fast_pass=True).exists()
    # The loaded state is one the services accept: move an open lead on.
    lead = Lead.objects.filter(stage__code="nurturing").select_related("owner").first()
    moved = move_lead(actor=User.objects.get(username="saito"), lead=lead,
                      to_stage=lead.stage.__class__.objects.get(code="promising"),
                      expected_version=lead.version)
    assert moved.from_stage.code == "nurturing"
    # Replacing the demo removes its leads and their history.
    load_demo_data(Plan(seed=12, customers=0, accounts=1), replace=True)
    assert Lead.objects.count() == demo_counts()["leads"]
    assert LeadTransition.objects.count() == demo_counts()["lead_transitions"]
