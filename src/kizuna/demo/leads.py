"""The B2B line's leads for THE MODEL: stage transitions with fast passes, recycling, revivals
and dead ends. Pure.

Leads are generated per account from the account's bundle and their own random stream
(``"{seed}:l:{index}"``), so they add to the demo without changing a single account, contact,
order or activity of a seed (tests/demo compares the rows' hashes before and after).

- **Won leads**: one per machine sold in the three years before as-of (an installation in a
  department, or a replacement). The lead was acquired months before, promising around the
  hearing, sales-accepted around the proposal and won on the order's moment — the same
  hearing → proposal → order the activities show. Some came by inquiry (acquired and promising
  at once: a fast pass), by referral (straight to sales-accepted), or were recycled once and
  came back; replacements come from existing customers.
- **Other leads**: contacts acquired at exhibitions, seminars, downloads, web forms, inquiries
  and outbound calls, departments without a machine first. They move by the rates below: most
  stall or are recycled (paused, budget, lost to a competitor) and some come back to nurturing
  (sometimes straight to promising: a fast pass); a few are dead ends; sales-accepted ones
  that are not won are lost to recycle or still open. Nothing is won without an order, and
  nothing moves after as-of.

Rows name stages by their default codes, contacts by external id and people by username; the
loader turns them into keys and marks fast passes with the pipeline's own rule.
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
    ContactRow,
    OrderRow,
    Picker,
    Plan,
    at,
    weekday_on_or_after,
)

ACQUIRED, NURTURING, PROMISING, ACCEPTED, WON = (
    "acquired", "nurturing", "promising", "accepted", "won")
RECYCLE, DEAD_END = "recycle", "dead_end"
MACHINES = frozenset({c.KZ100, c.KZ200, c.WP30})

SOURCES: Picker[str] = Picker(
    ("exhibition", "seminar", "download", "web_form", "inquiry", "referral", "outbound"),
    (25, 20, 20, 10, 10, 5, 10))
# What one lead cost to acquire, by source (yen; booth, venue, ads and list costs per lead).
COST = {"exhibition": 18_000, "seminar": 9_000, "download": 6_000, "web_form": 4_000,
        "inquiry": 3_000, "referral": 0, "outbound": 2_500, "existing": 0}
ACQUISITION = {
    "exhibition": "展示会で名刺交換", "seminar": "セミナー申込",
    "download": "ホワイトペーパーのダウンロード", "web_form": "Webフォームから登録",
    "inquiry": "問い合わせフォーム", "referral": "既存顧客からの紹介",
    "outbound": "テレアポで担当者を特定", "existing": "既存顧客の設置機の更新時期",
}
NURTURE_CRITERION = "ターゲットメールをクリックし、フォームの入力を始めた"
PROMISING_CRITERION = {"download": "資料請求", "inquiry": "見積りの問い合わせ"}
INTERESTS = ("給茶機の導入検討", "浄水ユニットの検討", "オフィスのお茶の定期便",
             "休憩室のリニューアル", "来客用のお茶の見直し", "保守契約の見直し")
RECYCLE_REASONS = {
    ACQUIRED: ("時期尚早（来期以降に検討）", "担当者多忙のため保留"),
    NURTURING: ("時期尚早（来期以降に検討）", "現行機の保守契約が残っている",
                "メールへの反応が途絶えた"),
    PROMISING: ("予算が確保できず見送り", "社内検討の結果、今期は見送り", "稟議が通らず保留"),
    ACCEPTED: ("失注：価格面で他社に決定", "失注：現行機を継続利用", "失注：導入計画の凍結"),
}
DEAD_END_REASONS = ("退職・異動で連絡不可", "拠点閉鎖予定", "本社一括購買のため対象外",
                    "同業他社の情報収集と判明")
BACK_REASONS = ("営業から差し戻し：予算・時期が未確定", "営業から差し戻し：決裁者に会えていない")
REVIVALS = ("ウェビナーに参加", "メールに返信", "問い合わせフォームから再訪", "展示会で再会")

# Next stage (None: stays) and mean days until then, by current stage, for leads not won.
MOVES: dict[str, Picker[str | None]] = {
    ACQUIRED: Picker((NURTURING, RECYCLE, DEAD_END, None), (70, 8, 5, 17)),
    NURTURING: Picker((PROMISING, ACCEPTED, RECYCLE, DEAD_END, None), (32, 4, 30, 3, 31)),
    PROMISING: Picker((ACCEPTED, RECYCLE, NURTURING, DEAD_END, None), (42, 28, 6, 2, 22)),
    ACCEPTED: Picker((RECYCLE, None), (55, 45)),
    RECYCLE: Picker((NURTURING, PROMISING, None), (30, 8, 62)),
}
MEAN_DAYS = {ACQUIRED: 14, NURTURING: 45, PROMISING: 25, ACCEPTED: 40, RECYCLE: 150}
# How a won lead got there.
WON_PATHS: Picker[str] = Picker(("standard", "inquiry", "referral", "recycled"), (50, 20, 10, 20))


class TransitionRow(NamedTuple):
    stage: str
    at: dt.datetime
    by: str | None  # username; None when an entry criterion moved the lead
    criterion: str
    reason: str


class LeadRow(NamedTuple):
    account: str
    contact: str | None
    interest: str
    lead_source: str
    acquired_at: dt.datetime
    acquisition_cost: int
    owner: str
    team: str
    transitions: tuple[TransitionRow, ...]  # the first is the acquisition


class Leads:
    """Generates the leads of a plan's accounts; ``for_account(bundle)`` is a pure function of
    (plan, bundle)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.end = plan.as_of

    def for_account(self, bundle: AccountBundle) -> tuple[LeadRow, ...]:
        account = bundle.account
        rng = self.plan.rng("l", int(account.external_id[1:]))
        used: set[str] = set()
        leads: list[LeadRow] = []
        machines = [o for o in bundle.orders if o.kind == "sale" and o.ordered_at.date() >=
                    self.plan.start and any(li.product in MACHINES for li in o.lines)]
        for order in machines:
            leads.append(self._won(rng, bundle, order, used))
        with_machine = {o.department for o in machines}
        for contact in bundle.contacts:
            if contact.external_id in used:
                continue
            chance = 0.3 if contact.department in with_machine else 0.6
            if rng.random() < chance:
                used.add(contact.external_id)
                leads.append(self._open(rng, bundle, contact))
        return tuple(sorted(leads, key=lambda lead: (lead.acquired_at, lead.contact or "")))

    # --- helpers ---------------------------------------------------------------------------

    def _moment(self, rng: random.Random, day: dt.date) -> dt.datetime:
        return at(weekday_on_or_after(day), rng, BUSINESS_HOURS)

    def _between(self, rng: random.Random, start: dt.datetime, end: dt.datetime, low: float,
                 high: float) -> dt.datetime:
        """A business-hours moment a share (low…high) of the way from ``start`` to ``end``."""
        return self._moment(rng, (start + (end - start) * rng.uniform(low, high)).date())

    @staticmethod
    def _owner(bundle: AccountBundle, contact: ContactRow | None) -> str:
        if contact is not None and contact.department is not None:
            return next(d.owner for d in bundle.departments if d.index == contact.department)
        return bundle.account.owner

    def _contact(self, rng: random.Random, bundle: AccountBundle, department: int | None,
                 used: set[str]) -> ContactRow | None:
        pool = [p for p in bundle.contacts if p.department == department
                and p.external_id not in used] or \
            [p for p in bundle.contacts if p.external_id not in used]
        if not pool:
            return None
        contact = rng.choice(pool)
        used.add(contact.external_id)
        return contact

    # --- won -------------------------------------------------------------------------------

    def _won(self, rng: random.Random, bundle: AccountBundle, order: OrderRow,
             used: set[str]) -> LeadRow:
        contact = self._contact(rng, bundle, order.department, used)
        owner = self._owner(bundle, contact)
        machine = next(li.product for li in order.lines if li.product in MACHINES)
        replacement = any(li.product == c.KZ200 for li in order.lines) and rng.random() < 0.5
        how = "existing" if replacement else WON_PATHS(rng)
        won = order.ordered_at
        day = won.date()
        promising = self._moment(rng, day - dt.timedelta(days=45 + rng.randint(0, 20)))
        accepted = self._moment(rng, day - dt.timedelta(days=20 + rng.randint(0, 10)))
        gap = {"recycled": rng.randint(200, 500), "inquiry": rng.randint(0, 10),
               "existing": rng.randint(10, 40)}.get(how, rng.randint(20, 150))
        acquired = self._moment(rng, promising.date() - dt.timedelta(days=gap))
        source = {"inquiry": "inquiry", "referral": "referral", "existing": "existing"}.get(
            how, SOURCES(rng))
        steps: list[tuple[str, dt.datetime, str | None, str, str]] = [
            (ACQUIRED, acquired, None, ACQUISITION[source], "")]
        if how in ("inquiry", "existing"):
            # Asked for a quote with the first contact: promising at once (a fast pass).
            steps.append((PROMISING, acquired, None, PROMISING_CRITERION["inquiry"], ""))
        elif how == "referral":
            steps.append((ACCEPTED, accepted, owner, "", ""))
        else:
            nurture = self._between(rng, acquired, promising, 0.1, 0.4)
            steps.append((NURTURING, nurture, None, NURTURE_CRITERION, ""))
            if how == "recycled":
                paused = self._between(rng, nurture, promising, 0.1, 0.3)
                back = self._between(rng, paused, promising, 0.5, 0.8)
                reason = rng.choice(RECYCLE_REASONS[NURTURING])
                steps.append((RECYCLE, paused, owner, "", reason))
                steps.append((NURTURING, back, None, rng.choice(REVIVALS), ""))
            steps.append((PROMISING, promising, None, PROMISING_CRITERION.get(
                source, "資料請求または問い合わせ"), ""))
        if how != "referral":
            steps.append((ACCEPTED, accepted, owner, "", ""))
        steps.append((WON, won, owner, "", ""))
        interest = c.PRODUCT_BY_CODE[machine].name + ("（入替）" if replacement else " 導入")
        return self._row(bundle, contact, owner, interest, source, steps)

    # --- not (yet) won ---------------------------------------------------------------------

    def _open(self, rng: random.Random, bundle: AccountBundle, contact: ContactRow) -> LeadRow:
        owner = self._owner(bundle, contact)
        source = SOURCES(rng)
        span = (self.end - self.plan.start).days
        acquired = self._moment(rng, self.plan.start + dt.timedelta(days=rng.randrange(span)))
        steps: list[tuple[str, dt.datetime, str | None, str, str]] = [
            (ACQUIRED, acquired, None, ACQUISITION[source], "")]
        stage, moment = ACQUIRED, acquired
        if source == "inquiry" and rng.random() < 0.6:
            stage = PROMISING
            steps.append((PROMISING, acquired, None, PROMISING_CRITERION["inquiry"], ""))
        for _ in range(10):
            if stage == DEAD_END:
                break
            target = MOVES[stage](rng)
            if target is None:
                break
            moment = moment + dt.timedelta(days=max(1.0, rng.expovariate(1 / MEAN_DAYS[stage])))
            moment = self._moment(rng, moment.date())
            if moment.date() > self.end:
                break
            by: str | None = owner
            criterion = reason = ""
            if target == RECYCLE:
                reason = rng.choice(RECYCLE_REASONS[stage])
            elif target == DEAD_END:
                reason = rng.choice(DEAD_END_REASONS)
            elif stage == RECYCLE:
                by, criterion = None, rng.choice(REVIVALS)
            elif target == NURTURING and stage == PROMISING:
                reason = rng.choice(BACK_REASONS)
            elif target in (NURTURING, PROMISING):
                by = None
                criterion = NURTURE_CRITERION if target == NURTURING else \
                    PROMISING_CRITERION.get(source, "資料請求または問い合わせ")
            steps.append((target, moment, by, criterion, reason))
            stage = target
        return self._row(bundle, contact, owner, rng.choice(INTERESTS), source, steps)

    def _row(self, bundle: AccountBundle, contact: ContactRow | None, owner: str, interest: str,
             source: str, steps: list[tuple[str, dt.datetime, str | None, str, str]]
             ) -> LeadRow:
        transitions: list[TransitionRow] = []
        last = steps[0][1]
        for stage, moment, by, criterion, reason in steps:
            # Draws of business hours may put two moves of one day out of order: keep the log
            # in time order, as the pipeline services require.
            moment = max(moment, last)
            if moment.date() > self.end:
                break
            moment = moment.astimezone(JST).replace(microsecond=0)
            transitions.append(TransitionRow(stage, moment, by, criterion, reason))
            last = moment
        return LeadRow(account=bundle.account.external_id,
                       contact=contact.external_id if contact else None, interest=interest,
                       lead_source=source, acquired_at=transitions[0].at,
                       acquisition_cost=COST[source], owner=owner, team=bundle.account.team,
                       transitions=tuple(transitions))
