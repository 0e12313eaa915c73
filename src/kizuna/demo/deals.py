"""The B2B line's deals: one per lead that sales accepted (商談化). Pure.

Deals are generated per account from the account's bundle, its leads and their own random
stream (``"{seed}:d:{index}"``), so they add to the demo without changing a single account,
contact, order, activity or lead of a seed (decision 0103; tests/pipeline/test_deals_demo.py
compares the other rows before and after).

- **Won**: the lead was won on a machine order; the deal opened when the lead was accepted
  and went 初回訪問 → ヒアリング → 提案 → 見積 → 交渉 → 受注, closing on the order's moment.
  Its lines are the order's machine, maintenance and installation lines.
- **Lost**: the lead went from sales-accepted to recycle with a 失注 reason; the deal was lost
  then, from the stage it had reached, with the matching lost reason and the words as note.
- **Open**: the lead is still sales-accepted at as-of; the deal has advanced at its own pace
  (most are in the early stages, none faster than about ten days a stage) and closes in the
  coming months (a few are overdue). Some
  have their own probability or forecast category, as reps set them.

Every deal has its buying centre (the lead's contact, the account's decision maker and
sometimes an influencer playing another role in this deal), competitors for about half of
them, and the customer's budget month (the account's fiscal year-end month).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

from kizuna.demo import catalogue as c
from kizuna.demo.base import (
    BUSINESS_HOURS,
    JST,
    AccountBundle,
    Picker,
    Plan,
    at,
    weekday_on_or_after,
)
from kizuna.demo.leads import ACCEPTED, RECYCLE, WON, LeadRow

OPEN_STAGES = ("first_visit", "hearing", "proposal", "quote", "negotiation")
# Default probabilities of the default pipeline (kizuna.pipeline.defaults), for overrides.
PROBABILITY = {"first_visit": 10, "hearing": 20, "proposal": 40, "quote": 60,
               "negotiation": 80}
LOST_REASONS = {"価格面で他社に決定": "competitor", "現行機を継続利用": "status_quo",
                "導入計画の凍結": "budget"}
COMPETITORS = ("東洋ティーサービス", "日の丸給茶システム", "クリアウォーター販売",
               "オフィス飲料ネット", "大和ベンディング")
# What an open or lost deal offers, by the lead's interest: (product, quantity low, high).
OFFERS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "給茶機の導入検討": ((c.KZ100, 1, 2), (c.MT100, 1, 2), (c.INSTALL, 1, 1)),
    "浄水ユニットの検討": ((c.WP30, 1, 2), (c.MT300, 1, 2)),
    "オフィスのお茶の定期便": ((c.SENCHA_1KG, 12, 48), (c.TEABAG_200, 12, 24)),
    "休憩室のリニューアル": ((c.KZ200, 1, 1), (c.WP30, 1, 1), (c.INSTALL, 1, 1)),
    "来客用のお茶の見直し": ((c.MATCHA_500G, 6, 24), (c.SENCHA_1KG, 6, 12)),
    "保守契約の見直し": ((c.MT100, 1, 3), (c.MT300, 1, 2)),
}
DEAL_PRODUCTS = frozenset({c.KZ100, c.KZ200, c.WP30, c.MT100, c.MT300, c.INSTALL})
# How many open stages an open deal has reached (most are early: a funnel, not a pipe).
REACHED: Picker[int] = Picker((1, 2, 3, 4, 5), (20, 25, 25, 18, 12))


class DealStepRow(NamedTuple):
    stage: str
    at: dt.datetime
    by: str
    lost_reason: str  # a lost reason code, only on the move to lost
    note: str


class DealLineRow(NamedTuple):
    product: str
    quantity: int
    unit_price: int


class DealRow(NamedTuple):
    account: str
    department: int | None
    lead: tuple[str | None, dt.datetime]  # the lead's contact and acquisition (its key)
    name: str
    owner: str
    team: str
    source: str
    expected_close_date: dt.date
    probability_override: int | None
    forecast_category_override: str
    competitors: tuple[str, ...]
    demand_month: int | None
    demand_period: str
    lines: tuple[DealLineRow, ...]
    contacts: tuple[tuple[str, str], ...]  # (contact external id, role in this deal or "")
    steps: tuple[DealStepRow, ...]  # the first is the deal's creation

    @property
    def amount(self) -> int:
        return sum(line.quantity * line.unit_price for line in self.lines)


class Deals:
    """Generates the deals of a plan's accounts; ``for_account(bundle, leads)`` is a pure
    function of (plan, bundle, leads)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.end = plan.as_of

    def for_account(self, bundle: AccountBundle, leads: tuple[LeadRow, ...]
                    ) -> tuple[DealRow, ...]:
        rng = self.plan.rng("d", int(bundle.account.external_id[1:]))
        deals = []
        for lead in leads:
            accepted = next((s for s in lead.transitions if s.stage == ACCEPTED), None)
            if accepted is None:
                continue
            last = lead.transitions[-1]
            after = lead.transitions[lead.transitions.index(accepted) + 1:]
            lost = next((s for s in after if s.stage == RECYCLE
                         and s.reason.startswith("失注")), None)
            if last.stage == WON:
                deals.append(self._deal(rng, bundle, lead, accepted.at, "won", last.at))
            elif lost is not None:
                deals.append(self._deal(rng, bundle, lead, accepted.at, "lost", lost.at,
                                        lost.reason.removeprefix("失注：")))
            elif last.stage == ACCEPTED:
                deals.append(self._deal(rng, bundle, lead, accepted.at, "open", None))
        return tuple(deals)

    # --- helpers ---------------------------------------------------------------------------

    def _moment(self, rng: random.Random, day: dt.date) -> dt.datetime:
        return at(weekday_on_or_after(day), rng, BUSINESS_HOURS)

    def _lines(self, rng: random.Random, bundle: AccountBundle, lead: LeadRow,
               won_at: dt.datetime | None) -> tuple[DealLineRow, ...]:
        if won_at is not None:
            order = next((o for o in bundle.orders if o.ordered_at == won_at
                          and o.kind == "sale"), None)
            if order is not None:
                lines = tuple(DealLineRow(li.product, li.quantity, li.unit_price)
                              for li in order.lines if li.product in DEAL_PRODUCTS)
                if lines:
                    return lines
        offer = OFFERS.get(lead.interest) or OFFERS["給茶機の導入検討"]
        return tuple(DealLineRow(product, rng.randint(low, high),
                                 c.PRODUCT_BY_CODE[product].list_price)
                     for product, low, high in offer)

    def _contacts(self, rng: random.Random, bundle: AccountBundle, lead: LeadRow
                  ) -> tuple[tuple[str, str], ...]:
        people: list[tuple[str, str]] = []
        if lead.contact:
            people.append((lead.contact, ""))
        boss = next((p for p in bundle.contacts if p.buying_role == "decision_maker"), None)
        if boss is not None and boss.external_id != lead.contact:
            people.append((boss.external_id, ""))
        others = [p for p in bundle.contacts if p.external_id not in {x for x, _r in people}
                  and p.buying_role in ("user", "purchaser")]
        if others and rng.random() < 0.3:
            # A user who sways this decision more than their usual role says.
            people.append((rng.choice(others).external_id, "influencer"))
        return tuple(people)

    def _deal(self, rng: random.Random, bundle: AccountBundle, lead: LeadRow,
              opened: dt.datetime, outcome: str, closed: dt.datetime | None,
              lost_words: str = "") -> DealRow:
        contact = next((p for p in bundle.contacts if p.external_id == lead.contact), None)
        department = contact.department if contact is not None else None
        owner = lead.owner
        if outcome == "won":
            reached = len(OPEN_STAGES)
        elif outcome == "lost":
            reached = rng.randint(2, len(OPEN_STAGES))
        else:
            # How far a deal got: its own pace, but not faster than about ten days a stage.
            elapsed = (self.end - opened.date()).days
            reached = min(1 + elapsed // 10, REACHED(rng))
        stages = list(OPEN_STAGES[:reached])
        if outcome == "won" and rng.random() < 0.25:
            stages.remove("hearing")  # the need was clear from the first visit
        end = closed or max(opened, dt.datetime.combine(self.end, dt.time(9), tzinfo=JST))
        steps: list[DealStepRow] = []
        previous = opened
        for i, stage in enumerate(stages):
            moment = opened if i == 0 else self._moment(
                rng, (opened + (end - opened) * (i / len(stages))).date())
            moment = min(max(moment, previous), end)
            steps.append(DealStepRow(stage, moment, owner, "", ""))
            previous = moment
        if outcome == "won" and closed is not None:
            steps.append(DealStepRow("won", closed, owner, "", ""))
        elif outcome == "lost" and closed is not None:
            steps.append(DealStepRow("lost", closed, owner,
                                     LOST_REASONS.get(lost_words, "other"), lost_words))
        if closed is not None:
            close_date = closed.astimezone(JST).date()
        elif rng.random() < 0.1:
            close_date = self.end - dt.timedelta(days=rng.randint(1, 20))  # overdue
        else:
            close_date = self.end + dt.timedelta(days=rng.randint(10, 120))
        probability = category = None
        if outcome == "open" and rng.random() < 0.15:
            probability = max(5, min(95, PROBABILITY[stages[-1]] + rng.choice((-10, 10, 20))))
        if outcome == "open" and stages[-1] in ("quote", "negotiation") and rng.random() < 0.2:
            category = rng.choice(("commit", "best_case"))
        competitors = tuple(sorted(rng.sample(COMPETITORS, rng.randint(1, 2)))) \
            if rng.random() < 0.5 else ()
        fiscal_month = dict(bundle.account.custom).get("fiscal_month")
        fiscal_year = close_date.year - (1 if fiscal_month and close_date.month <= int(
            fiscal_month) and int(fiscal_month) < 12 else 0)
        demand_period = f"{fiscal_year}年度予算" if fiscal_month else ""
        name = lead.interest
        if department is not None:
            name = next(d.name for d in bundle.departments if d.index == department) + " " + name
        return DealRow(
            account=bundle.account.external_id, department=department,
            lead=(lead.contact, lead.acquired_at), name=name, owner=owner, team=lead.team,
            source=lead.lead_source, expected_close_date=close_date,
            probability_override=probability, forecast_category_override=category or "",
            competitors=competitors,
            demand_month=int(fiscal_month) if fiscal_month else None,
            demand_period=demand_period, lines=self._lines(rng, bundle, lead, closed
                                                            if outcome == "won" else None),
            contacts=self._contacts(rng, bundle, lead), steps=tuple(steps))
