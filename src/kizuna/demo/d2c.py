"""The D2C line: campaigns, individual customers and three years of their orders. Pure.

Each customer has a type that sets their own purchase rhythm (docs/decisions/0103):

* ``light``: one or two orders, then gone;
* ``regular``: small orders every month or two;
* ``bulk``: large orders every few months;
* ``gift``: buys at お中元 (July) and お歳暮 (December), little in between;
* ``subscriber``: the monthly 定期便 plus extras.

Each lives for an exponentially distributed time after the first order and then stops buying
(churn), so recency alone misleads: a bulk buyer silent for 100 days is alive, a regular one is
probably not. On top of the individual rhythm the calendar adds seasonal orders: the spring
新茶 sale (May), お中元 (late June–July), お歳暮 (December) and the year-end sale. About 2% of
orders are partly or wholly returned a few days later (a ``return`` order with negative lines).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from functools import cached_property

from kizuna.demo import catalogue as c
from kizuna.demo.base import (
    BUSINESS_HOURS,
    EC_HOURS,
    STORE_HOURS,
    ActivityRow,
    CampaignRow,
    CustomerBundle,
    CustomerRow,
    LineRow,
    OrderRow,
    Picker,
    Plan,
    at,
    line,
    order_total,
    returned_line,
)
from kizuna.demo.people import PLACES_BY_PREFECTURE, RESIDENCE, mobile_e164, person, romaji

PRODUCTS = c.PRODUCT_BY_CODE

# Acquisitions per calendar month (relative), on top of a growth trend.
ACQUISITION_SEASON = (0.8, 0.8, 0.9, 1.0, 1.3, 1.1, 1.5, 1.0, 0.9, 1.0, 1.2, 1.7)

AGE_BANDS: Picker[tuple[int, int]] = Picker(
    [(20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 84)],
    [8, 14, 20, 22, 20, 16],
)
GENDER: Picker[str] = Picker(["female", "male", "other", ""], [64, 33, 0.5, 2.5])


def generation(age: int) -> str:
    return "young" if age < 40 else "mid" if age < 60 else "old"


# Where a customer first heard of us, by generation (None: walked into a shop).
MEDIUM_BY_GENERATION: dict[str, list[tuple[str | None, float]]] = {
    "young": [(c.MEDIUM_SEARCH, 30), (c.MEDIUM_SNS, 35), (c.MEDIUM_AFFILIATE, 15),
              (c.MEDIUM_REFERRAL, 10), (None, 10)],
    "mid": [(c.MEDIUM_SEARCH, 35), (c.MEDIUM_SNS, 12), (c.MEDIUM_AFFILIATE, 10),
            (c.MEDIUM_INSERT, 15), (c.MEDIUM_REFERRAL, 16), (None, 12)],
    "old": [(c.MEDIUM_SEARCH, 10), (c.MEDIUM_SNS, 3), (c.MEDIUM_AFFILIATE, 2),
            (c.MEDIUM_INSERT, 55), (c.MEDIUM_REFERRAL, 18), (None, 12)],
}
_MEDIUM_PICKERS = {g: Picker.of(pairs) for g, pairs in MEDIUM_BY_GENERATION.items()}
_GENERATION_SHARE = {"young": 22 / 100, "mid": 42 / 100, "old": 36 / 100}  # from AGE_BANDS

CHANNEL_BY_MEDIUM: dict[str | None, Picker[str]] = {
    c.MEDIUM_SEARCH: Picker([c.CHANNEL_EC, c.CHANNEL_CALL], [92, 8]),
    c.MEDIUM_SNS: Picker([c.CHANNEL_EC, c.CHANNEL_CALL], [95, 5]),
    c.MEDIUM_AFFILIATE: Picker([c.CHANNEL_EC], [1]),
    c.MEDIUM_INSERT: Picker([c.CHANNEL_CATALOG, c.CHANNEL_CALL], [55, 45]),
    c.MEDIUM_REFERRAL: Picker([c.CHANNEL_EC, c.CHANNEL_STORE, c.CHANNEL_CALL], [50, 30, 20]),
    None: Picker([c.CHANNEL_STORE], [1]),
}

TYPE_BY_GENERATION: dict[str, Picker[str]] = {
    "young": Picker(["regular", "light", "gift", "subscriber", "bulk"], [35, 38, 10, 10, 7]),
    "mid": Picker(["regular", "light", "gift", "subscriber", "bulk"], [36, 28, 18, 11, 7]),
    "old": Picker(["regular", "light", "gift", "subscriber", "bulk"], [30, 22, 28, 10, 10]),
}

# type: (median days between own orders or 0, mean lifetime in days,
#        chance to join each season: summer gift, winter gift, spring sale, year-end sale)
BEHAVIOUR: dict[str, tuple[int, int, tuple[float, float, float, float]]] = {
    "light": (150, 90, (0.05, 0.08, 0.05, 0.03)),
    "regular": (50, 600, (0.20, 0.25, 0.30, 0.20)),
    "bulk": (150, 900, (0.20, 0.30, 0.20, 0.30)),
    "gift": (0, 1000, (0.70, 0.75, 0.15, 0.10)),
    "subscriber": (30, 420, (0.10, 0.15, 0.20, 0.10)),
}

LINES_PER_ORDER: Picker[int] = Picker([1, 2, 3, 4, 5], [30, 32, 20, 12, 6])
SMALL_QUANTITY: Picker[int] = Picker([1, 2, 3], [60, 28, 12])
GIFT_QUANTITY: Picker[int] = Picker(range(1, 7), [36, 24, 16, 11, 8, 5])  # one per recipient
EVERYDAY_TEAS: Picker[str] = Picker(c.EVERYDAY_TEAS, c.EVERYDAY_WEIGHTS)
SUMMER_TEAS: Picker[str] = Picker((*c.EVERYDAY_TEAS, c.COLD_BREW, c.MUGICHA),
                                  (*c.EVERYDAY_WEIGHTS, 25, 20))
RETURN_REASONS = ("イメージと違った", "配送時の破損", "誤配送", "重複注文", "賞味期限が近い")
ORDER_PREFIX = {c.CHANNEL_EC: "W", c.CHANNEL_STORE: "S", c.CHANNEL_CALL: "T",
                c.CHANNEL_CATALOG: "K"}
SALE_SEASON = {"spring": "SHINCHA", "yearend": "YEAREND", "summer": "SUMMER"}
HOURS = {c.CHANNEL_EC: EC_HOURS, c.CHANNEL_STORE: STORE_HOURS, c.CHANNEL_CALL: BUSINESS_HOURS,
         c.CHANNEL_CATALOG: BUSINESS_HOURS}


def external_id(index: int) -> str:
    return f"C{index:07d}"


class D2C:
    """Generates the D2C side of a plan; ``customer(i)`` is a pure function of (plan, i)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.start = plan.start.toordinal()
        self.end = plan.as_of.toordinal()
        self.ec_team = c.TEAM_EC
        self.ec_members = c.members(c.TEAM_EC)
        self.success_members = c.members(c.TEAM_SUCCESS)

    # --- acquisition calendar and campaigns ------------------------------------------------------

    @cached_property
    def _day_weights(self) -> list[float]:
        span = self.end - self.start
        weights = []
        for offset in range(span + 1):
            day = dt.date.fromordinal(self.start + offset)
            trend = 0.8 + 0.4 * offset / max(span, 1)  # the business grows
            weights.append(trend * ACQUISITION_SEASON[day.month - 1])
        return weights

    @cached_property
    def _acquisition_day(self) -> Picker[int]:
        return Picker(range(self.start, self.end + 1), self._day_weights)

    @cached_property
    def campaigns(self) -> tuple[CampaignRow, ...]:
        """Media campaigns that brought customers in, and sales that brought them back."""
        rows: list[tuple[str, str, str | None, dt.date, dt.date]] = []
        first, last = self.plan.start, self.plan.as_of
        for year in range(first.year - 1, last.year + 1):
            fy = f"{year}年度"
            rows += [
                (f"SEARCH-FY{year}H1", f"検索広告 {fy}上期", c.MEDIUM_SEARCH,
                 dt.date(year, 4, 1), dt.date(year, 9, 30)),
                (f"SEARCH-FY{year}H2", f"検索広告 {fy}下期", c.MEDIUM_SEARCH,
                 dt.date(year, 10, 1), dt.date(year + 1, 3, 31)),
                (f"AFFILIATE-FY{year}", f"アフィリエイト {fy}", c.MEDIUM_AFFILIATE,
                 dt.date(year, 4, 1), dt.date(year + 1, 3, 31)),
                (f"REFERRAL-FY{year}", f"お友達紹介キャンペーン {fy}", c.MEDIUM_REFERRAL,
                 dt.date(year, 4, 1), dt.date(year + 1, 3, 31)),
                (f"SNS-{year}-SHINCHA", f"SNS広告 新茶 {year}", c.MEDIUM_SNS,
                 dt.date(year, 4, 15), dt.date(year, 5, 31)),
                (f"SNS-{year}-SUMMER", f"SNS広告 お中元 {year}", c.MEDIUM_SNS,
                 dt.date(year, 6, 10), dt.date(year, 7, 31)),
                (f"SNS-{year}-WINTER", f"SNS広告 年末ギフト {year}", c.MEDIUM_SNS,
                 dt.date(year, 11, 10), dt.date(year, 12, 25)),
                (f"INSERT-{year}-SPRING", f"新聞折込 春の新茶 {year}", c.MEDIUM_INSERT,
                 dt.date(year, 4, 1), dt.date(year, 5, 20)),
                (f"INSERT-{year}-SUMMER", f"新聞折込 お中元カタログ {year}", c.MEDIUM_INSERT,
                 dt.date(year, 6, 1), dt.date(year, 7, 20)),
                (f"INSERT-{year}-WINTER", f"新聞折込 お歳暮カタログ {year}", c.MEDIUM_INSERT,
                 dt.date(year, 11, 1), dt.date(year, 12, 20)),
                (f"SALE-{year}-SHINCHA", f"春の新茶セール {year}", None,
                 dt.date(year, 5, 1), dt.date(year, 5, 31)),
                (f"SALE-{year}-SUMMER", f"お中元早割 {year}", None,
                 dt.date(year, 6, 15), dt.date(year, 7, 5)),
                (f"SALE-{year}-YEAREND", f"年末感謝セール {year}", None,
                 dt.date(year, 12, 20), dt.date(year, 12, 30)),
            ]
        rows = sorted((r for r in rows if r[4] >= first and r[3] <= last),
                      key=lambda r: (r[3], r[0]))
        expected = self._expected_acquisitions(rows)
        rng = self.plan.rng("campaigns")
        out = []
        for code, name, medium, starts, ends in rows:
            if medium is None:
                # A sale's cost is its mailing and banners: about ¥40 per customer on file.
                cost = 40 * self.plan.customers
            else:
                cost = expected[code] * c.COST_PER_ACQUISITION[medium] * rng.uniform(0.8, 1.25)
            out.append(CampaignRow(code, name, medium, starts, ends,
                                   max(10_000, int(round(cost, -3))), ends >= self.plan.as_of))
        return tuple(out)

    def _expected_acquisitions(self, rows: list[tuple[str, str, str | None, dt.date, dt.date]]
                               ) -> dict[str, float]:
        """Customers each campaign is expected to bring: its share of the acquisition days and
        of its medium, times the number of customers (so costs scale with the plan)."""
        medium_share: dict[str | None, float] = {}
        for gen, pairs in MEDIUM_BY_GENERATION.items():
            total = sum(w for _, w in pairs)
            for medium, w in pairs:
                share = _GENERATION_SHARE[gen] * w / total
                medium_share[medium] = medium_share.get(medium, 0) + share
        weights = self._day_weights
        total_weight = sum(weights)
        expected = {r[0]: 0.0 for r in rows}
        for offset, weight in enumerate(weights):
            day = dt.date.fromordinal(self.start + offset)
            for medium in medium_share:
                code = self._campaign_on(rows, medium, day)
                if code is not None:
                    expected[code] += (self.plan.customers * medium_share[medium] * weight
                                       / total_weight)
        return expected

    @staticmethod
    def _campaign_on(rows: list[tuple[str, str, str | None, dt.date, dt.date]] | tuple,
                     medium: str | None, day: dt.date) -> str | None:
        if medium is None:
            return None
        for row in rows:
            if row[2] == medium and row[3] <= day <= row[4]:
                return row[0]
        return None

    @cached_property
    def _campaign_index(self) -> dict[tuple[str, int], str]:
        """(medium, day ordinal) -> the campaign running for that medium that day."""
        index: dict[tuple[str, int], str] = {}
        for row in self.campaigns:
            if row.medium is None:
                continue
            for day in range(row.starts_on.toordinal(), row.ends_on.toordinal() + 1):
                index.setdefault((row.medium, day), row.code)
        return index

    @cached_property
    def _sales(self) -> dict[tuple[int, str], str]:
        """(year, season) -> sale campaign code."""
        return {(r.starts_on.year, r.code.rsplit("-", 1)[1]): r.code
                for r in self.campaigns if r.medium is None}

    # --- one customer ----------------------------------------------------------------------------

    def customer(self, index: int) -> CustomerBundle:
        rng = self.plan.rng("c", index)
        low, high = AGE_BANDS(rng)
        age = rng.randint(low, high)
        birth_year = self.plan.as_of.year - age - (1 if rng.random() < 0.5 else 0)
        gender = GENDER(rng)
        family, given, family_kana, given_kana = person(rng, gender, birth_year)
        gen = generation(age)
        prefecture = RESIDENCE(rng)
        place = rng.choice(PLACES_BY_PREFECTURE[prefecture])
        first_day = self._acquisition_day(rng)
        medium = _MEDIUM_PICKERS[gen](rng)
        channel = CHANNEL_BY_MEDIUM[medium](rng)
        campaign = self._campaign_index.get((medium, first_day)) if medium else None
        kind = TYPE_BY_GENERATION[gen](rng)
        ext = external_id(index)

        online = channel == c.CHANNEL_EC
        has_email = online or rng.random() < (0.85 if gen == "young" else 0.6 if gen == "mid"
                                              else 0.3)
        email = self._email(rng, index, family_kana, given_kana) if has_email else ""
        phone = mobile_e164(rng) if (not online or rng.random() < 0.85) else ""
        if channel == c.CHANNEL_CALL:
            team, owner = c.TEAM_SUCCESS, rng.choice(self.success_members)
        else:
            team, owner = c.TEAM_EC, rng.choice(self.ec_members)

        orders, activities = self._orders(rng, ext, index, kind, channel, medium, campaign,
                                          first_day, prefecture, owner, team, family)
        first_purchase = orders[0].ordered_at.date()
        customer = CustomerRow(
            external_id=ext, family_name=family, given_name=given,
            family_name_kana=family_kana, given_name_kana=given_kana, gender=gender,
            birth_year=birth_year, email=email, phone=phone, postal_code=place.postal_code,
            prefecture=prefecture, acquisition_channel=channel, acquisition_medium=medium,
            acquisition_campaign=campaign, first_purchase_date=first_purchase,
            email_opt_in=bool(email) and rng.random() < 0.62,
            phone_opt_in=bool(phone) and rng.random() < 0.35,
            postal_mail_opt_in=rng.random() < (0.8 if channel == c.CHANNEL_CATALOG else 0.4),
            owner=owner, team=team,
        )
        return CustomerBundle(customer, orders, activities)

    @staticmethod
    def _email(rng: random.Random, index: int, family_kana: str, given_kana: str) -> str:
        family, given = romaji(family_kana), romaji(given_kana)
        local = (f"{given}.{family}", f"{family}.{given}", f"{family}{given[0]}",
                 f"{given}_{family}", f"{given}{family[0]}")[int(rng.random() * 5)]
        # The index keeps addresses unique: identity resolution must not see twins by mistake.
        domain = "example.jp" if rng.random() < 0.7 else "example.com"
        return f"{local}{index}@{domain}"

    # --- orders ----------------------------------------------------------------------------------

    def _orders(self, rng: random.Random, ext: str, index: int, kind: str, channel: str,
                medium: str | None, campaign: str | None, first_day: int, prefecture: str,
                owner: str, team: str, family: str
                ) -> tuple[tuple[OrderRow, ...], tuple[ActivityRow, ...]]:
        interval, mean_life, season_odds = BEHAVIOUR[kind]
        # Heterogeneity: each customer has their own rhythm and lifetime around the type's.
        interval_own = interval * math.exp(rng.gauss(0, 0.35)) if interval else 0
        life = rng.expovariate(1 / (mean_life * math.exp(rng.gauss(0, 0.3))))
        last = min(self.end, first_day + int(life))

        occasions: list[tuple[int, str]] = [(first_day, "first")]
        if kind == "subscriber":
            day = first_day + 30
            while day <= last:
                occasions.append((day, "subscription"))
                day += 30 + rng.randint(-2, 2)
        elif interval_own:
            shape = 2.0  # gamma gaps: more regular than a Poisson process
            day = first_day + max(7, int(rng.gammavariate(shape, interval_own / shape)))
            while day <= last:
                occasions.append((day, "repeat"))
                day += max(7, int(rng.gammavariate(shape, interval_own / shape)))
        for year in range(self.plan.start.year, self.plan.as_of.year + 1):
            for season, odds, (month, mid, spread) in zip(
                    ("summer", "winter", "spring", "yearend"), season_odds,
                    ((7, 10, 16), (12, 12, 10), (5, 15, 14), (12, 26, 4)), strict=True):
                if rng.random() >= odds:
                    continue
                day = dt.date(year, month, mid).toordinal() + round(rng.triangular(-spread, spread))
                if first_day < day <= last:
                    occasions.append((day, season))
        occasions.sort()

        orders: list[OrderRow] = []
        activities: list[ActivityRow] = []
        for n, (day, occasion) in enumerate(occasions, start=1):
            this_channel = channel if rng.random() < 0.8 or occasion == "first" else c.CHANNEL_EC
            order = self._order(rng, ext, index, n, day, occasion, kind, this_channel,
                                campaign if occasion == "first" else None, medium, prefecture)
            orders.append(order)
            if rng.random() < (0.01 if occasion in ("summer", "winter") else 0.02):
                returned = self._return(rng, order, prefecture)
                if returned is not None:
                    orders.append(returned)
                    reason = RETURN_REASONS[int(rng.random() * len(RETURN_REASONS))]
                    activities.append(ActivityRow(
                        kind="call", occurred_at=returned.ordered_at,
                        subject="返品のご連絡",
                        body=f"{family}様より返品のご連絡。理由: {reason}。",
                        outcome_code="other", outcome=f"返品受付（{returned.number}）",
                        next_step="返金処理の完了連絡",
                        next_step_due=returned.ordered_at.date() + dt.timedelta(days=5),
                        account=None, contact=None, customer=ext, owner=owner, team=team,
                        participants=(),
                    ))
        if kind == "subscriber" and last < self.end:
            stop = dt.date.fromordinal(last + 1)
            activities.append(ActivityRow(
                kind="call", occurred_at=at(stop, rng, BUSINESS_HOURS),
                subject="定期便解約のご連絡", body=f"{family}様より定期便解約のお申し出。",
                outcome_code="lost", outcome="解約（在庫が余っているため）",
                next_step="3か月後にお試しセットのご案内",
                next_step_due=stop + dt.timedelta(days=90),
                account=None, contact=None, customer=ext, owner=owner, team=team, participants=(),
            ))
        return tuple(orders), tuple(activities)

    def _order(self, rng: random.Random, ext: str, index: int, n: int, day_ordinal: int,
               occasion: str, kind: str, channel: str, campaign: str | None,
               medium: str | None, prefecture: str) -> OrderRow:
        day = dt.date.fromordinal(day_ordinal)
        sale = None
        rate = 0.0
        if occasion in ("spring", "yearend") or (occasion == "summer" and day.month == 6):
            sale = self._sales.get((day.year, SALE_SEASON[occasion]))
            rate = 0.1 if sale else 0.0
        codes_quantities = self._basket(rng, occasion, kind, day)
        lines = []
        for code, quantity in codes_quantities:
            product = PRODUCTS[code]
            discount = int(quantity * product.list_price * rate)
            lines.append(line(code, quantity, product.list_price, product.unit_cost, discount))
        subtotal = sum(li.amount for li in lines)
        discount = 0
        if occasion == "first" and channel == c.CHANNEL_EC and rng.random() < 0.35:
            discount = min(500, subtotal // 2)  # 初回クーポン
        elif occasion == "first" and medium == c.MEDIUM_REFERRAL:
            discount = min(1000, subtotal // 2)  # 紹介特典
        free = channel == c.CHANNEL_STORE or occasion == "subscription" or \
            subtotal - discount >= c.FREE_SHIPPING_FROM
        shipping = 0 if free else c.SHIPPING_FEE
        total = order_total(lines, discount, shipping)
        return OrderRow(
            external_id=f"{ext}-O{n:03d}",
            number=(f"{ORDER_PREFIX[channel]}{day.year % 100:02d}{day.month:02d}{day.day:02d}"
                    f"-{index:07d}{n:03d}"),
            kind="sale", original=None, customer=ext, account=None, department=None,
            channel=channel, campaign=campaign or sale, ordered_at=at(day, rng, HOURS[channel]),
            discount=discount, shipping_fee=shipping,
            fulfilment_cost=self._fulfilment(channel, prefecture, total), total=total,
            lines=tuple(lines),
        )

    @staticmethod
    def _basket(rng: random.Random, occasion: str, kind: str, day: dt.date
                ) -> list[tuple[str, int]]:
        if occasion == "subscription":
            basket = [(c.SUBSCRIPTION, 1)]
            if rng.random() < 0.15:
                basket.append((c.GOBOCHA if rng.random() < 0.5 else c.MATCHA, 1))
            return basket
        if occasion in ("summer", "winter"):
            gift = c.GIFT_SUMMER if occasion == "summer" else c.GIFT_WINTER
            basket = [(gift, GIFT_QUANTITY(rng) + (2 if kind == "bulk" else 0))]
            if rng.random() < 0.3:
                basket.append((rng.choice(c.EVERYDAY_TEAS), SMALL_QUANTITY(rng)))
            return basket
        if kind == "subscriber" and occasion == "first":
            return [(c.SUBSCRIPTION, 1)]
        if kind == "gift" and occasion == "first":
            gift = c.GIFT_SUMMER if day.month in (6, 7, 8) else c.GIFT_WINTER
            return [(gift, GIFT_QUANTITY(rng))]
        if occasion == "spring":
            basket = [(c.SENCHA if rng.random() < 0.6 else c.FUKAMUSHI, SMALL_QUANTITY(rng))]
            if rng.random() < 0.45:
                basket.append((c.GIFT_SHINCHA, GIFT_QUANTITY(rng)))
            return basket
        n_lines = LINES_PER_ORDER(rng) + (1 if occasion == "yearend" else 0)
        basket = []
        picker = SUMMER_TEAS if day.month in (6, 7, 8) else EVERYDAY_TEAS
        chosen: set[str] = set()
        for _ in range(n_lines):
            code = picker(rng)
            if code in chosen:
                continue
            chosen.add(code)
            quantity = SMALL_QUANTITY(rng)
            if kind == "bulk":
                quantity = quantity * 4 + rng.randint(0, 4)
            basket.append((code, quantity))
        if rng.random() < 0.03:
            basket.append((c.KYUSU if rng.random() < 0.5 else c.YUNOMI, 1))
        return basket

    @staticmethod
    def _fulfilment(channel: str, prefecture: str, total: int) -> int:
        """What shipping, packing and payment cost us (not what the customer paid)."""
        if channel == c.CHANNEL_STORE:
            return 60 + total * 25 // 1000  # bag + card fee
        far = prefecture in ("北海道", "沖縄県", "鹿児島県", "長崎県")
        cost = 120 + (1100 if far else 680) + total * 30 // 1000  # packing, carrier, payment
        if channel == c.CHANNEL_CALL:
            cost += 250  # operator time
        elif channel == c.CHANNEL_CATALOG:
            cost += 180  # order form processing
        return cost

    def _return(self, rng: random.Random, order: OrderRow, prefecture: str) -> OrderRow | None:
        day = order.ordered_at.date() + dt.timedelta(days=rng.randint(2, 14))
        if day > self.plan.as_of:
            return None
        sold = order.lines[int(rng.random() * len(order.lines))]
        quantity = rng.randint(1, sold.quantity)
        lines: tuple[LineRow, ...] = (
            returned_line(sold, quantity, PRODUCTS[sold.product].unit_cost),)
        whole = len(order.lines) == 1 and quantity == sold.quantity
        shipping = -order.shipping_fee if whole and rng.random() < 0.6 else 0
        n = order.external_id.rsplit("-O", 1)[1]
        return OrderRow(
            external_id=f"{order.customer}-R{n}", number="R" + order.number[1:],
            kind="return", original=order.external_id, customer=order.customer, account=None,
            department=None, channel=order.channel, campaign=order.campaign,
            ordered_at=at(day, rng, BUSINESS_HOURS), discount=0, shipping_fee=shipping,
            fulfilment_cost=800, total=order_total(lines, 0, shipping), lines=lines,
        )
