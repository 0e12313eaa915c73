"""The demo company, generated: one entry point over the masters, the B2B and the D2C lines, and
the B2B leads of THE MODEL.

Pure (no Django): ``DemoData(plan)`` yields rows as named tuples, deterministically for the
plan's seed (docs/decisions/0103-demo-data.md). Accounts and customers are generated one at a
time (``accounts(start, stop)``, ``customers(start, stop)``) so a million customers never sit
in memory together.
"""

from __future__ import annotations

from collections.abc import Iterator

from kizuna.demo import catalogue
from kizuna.demo.b2b import B2B
from kizuna.demo.base import AccountBundle, CampaignRow, CustomerBundle, Plan
from kizuna.demo.catalogue import Product, Staff
from kizuna.demo.d2c import D2C
from kizuna.demo.deals import DealRow, Deals
from kizuna.demo.leads import LeadRow, Leads


class DemoData:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.b2b = B2B(plan)
        self.d2c = D2C(plan)
        self.lead_generator = Leads(plan)
        self.deal_generator = Deals(plan)

    teams: tuple[str, ...] = catalogue.TEAMS
    staff: tuple[Staff, ...] = catalogue.STAFF
    channels: tuple[tuple[str, str], ...] = catalogue.CHANNELS
    media: tuple[tuple[str, str], ...] = catalogue.MEDIA
    products: tuple[Product, ...] = catalogue.PRODUCTS

    @property
    def campaigns(self) -> tuple[CampaignRow, ...]:
        return self.d2c.campaigns

    def accounts(self, start: int = 0, stop: int | None = None) -> Iterator[AccountBundle]:
        for index in range(start, self.plan.accounts if stop is None else
                           min(stop, self.plan.accounts)):
            yield self.b2b.account(index)

    def customers(self, start: int = 0, stop: int | None = None) -> Iterator[CustomerBundle]:
        for index in range(start, self.plan.customers if stop is None else
                           min(stop, self.plan.customers)):
            yield self.d2c.customer(index)

    def leads(self, bundle: AccountBundle) -> tuple[LeadRow, ...]:
        """The leads of one generated account (its own random stream: adding leads changes
        nothing else a seed generates)."""
        return self.lead_generator.for_account(bundle)

    def deals(self, bundle: AccountBundle, leads: tuple[LeadRow, ...] | None = None
              ) -> tuple[DealRow, ...]:
        """The deals of one generated account, from its sales-accepted leads (their own random
        stream: adding deals changes nothing else a seed generates)."""
        return self.deal_generator.for_account(
            bundle, self.leads(bundle) if leads is None else leads)
