"""The B2B line: accounts with departments, contacts, installed equipment and activities. Pure.

An account is a company (or a hospital, care home or school) that installed our tea servers
or water units in some of its departments and sites. From installation on, each such department
orders tea every few weeks (more before the customer's fiscal year end, when budgets are spent,
and in summer), renews its yearly maintenance contract on the anniversary of installation until
it cancels, and replaces old machines after seven to nine years: the installed base that
"propose maintenance N years after installation" rules will run on. Some accounts are lost to a
competitor and stop ordering. Field sales log visits, calls and emails with their outcome and
next step; deals show as a hearing → proposal → order chain before each equipment order.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from functools import cached_property

from kizuna.demo import catalogue as c
from kizuna.demo.base import (
    BUSINESS_HOURS,
    AccountBundle,
    AccountRow,
    ActivityRow,
    ContactRow,
    DepartmentRow,
    OrderRow,
    Picker,
    Plan,
    at,
    line,
    order_total,
    returned_line,
    weekday_on_or_after,
)
from kizuna.demo.names import (
    BRANCH_DIVISIONS,
    BUILDINGS,
    BUSINESS_WORDS,
    COMPANY_STEMS,
    HQ_DIVISIONS,
    INSTITUTION_DIVISIONS,
    PLANT_DIVISIONS,
    SITES,
)
from kizuna.demo.people import (
    EAST,
    HEAD_OFFICE,
    PLACES_BY_CITY,
    PLACES_BY_PREFECTURE,
    landline,
    mobile_e164,
    person,
    romaji,
    street_address,
)
from kizuna.demo.places import PREFECTURES, Place
from kizuna.japanese import corporate_number_check_digit, split_legal_form

PRODUCTS = c.PRODUCT_BY_CODE
BANDS = ("1-9", "10-49", "50-299", "300-999", "1000+")
BAND_BY_KIND: dict[str, Picker[str]] = {
    "company": Picker(BANDS, (15, 35, 32, 13, 5)),
    "medical": Picker(BANDS, (0, 30, 50, 20, 0)),
    "welfare": Picker(BANDS, (0, 40, 50, 10, 0)),
    "school": Picker(BANDS, (0, 0, 50, 40, 10)),
}
SMALL_BANDS = ("1-9", "10-49")
LEVEL: Picker[int] = Picker(range(1, 8), (10, 25, 30, 18, 10, 5, 2))
FISCAL_MONTH: Picker[int] = Picker((3, 12, 9, 6, 5, 8, 10, 1), (60, 15, 7, 5, 4, 3, 3, 3))
TAGS = ("重点顧客", "代理店経由", "新規開拓", "競合導入あり", "展示会リード", "紹介")
# Corporate number kind digits (like a 会社法人等番号's 2-digit kind; see _corporate_number).
KIND_DIGITS = {"株式会社": "01", "有限会社": "02", "合同会社": "03"}

# Days between tea orders of a department and cases per order, by employee band.
REORDER_DAYS = {"1-9": 75, "10-49": 50, "50-299": 35, "300-999": 25, "1000+": 20}
CASES = {"1-9": (1, 2), "10-49": (2, 4), "50-299": (3, 8), "300-999": (6, 15),
         "1000+": (10, 30)}
MONTH_FACTOR = {1: 0.8, 5: 0.9, 7: 1.2, 8: 1.25, 12: 1.1}
DISCOUNT_RATE = {"1-9": 0.0, "10-49": 0.03, "50-299": 0.05, "300-999": 0.08, "1000+": 0.12}
# Share of women by title (Japanese management is still mostly male).
FEMALE_SHARE = {"代表取締役": 0.1, "取締役": 0.1, "理事長": 0.15, "理事": 0.15, "部長": 0.12,
                "工場長": 0.05, "支店長": 0.1, "所長": 0.1, "課長": 0.2, "主任": 0.35}
PREFECTURE_CODE = {p.name: i for i, p in enumerate(PREFECTURES, start=1)}  # JIS X 0401 order
OFFICE_TEAS: Picker[str] = Picker(c.OFFICE_TEAS, c.OFFICE_WEIGHTS)
EQUIPMENT: Picker[str] = Picker((c.KZ100, c.KZ200, c.WP30), (55, 25, 20))
ACTIVITY_KIND: Picker[str] = Picker(("visit", "call", "email", "web_meeting"), (35, 30, 25, 10))
# Days between routine touches by relationship level (a level-7 partner hears from us weekly).
TOUCH_DAYS = {1: 120, 2: 90, 3: 60, 4: 45, 5: 30, 6: 21, 7: 14}

ROUTINE: dict[str, tuple[tuple[str, str], ...]] = {
    "visit": (("定期訪問", "info_given"), ("新茶サンプルのお届け", "info_given"),
              ("給茶機の使用状況ヒアリング", "need_found"), ("担当者交代のご挨拶", "info_given")),
    "call": (("フィルター交換時期のご連絡", "info_given"), ("ご注文内容の確認", "info_given"),
             ("お問い合わせ対応（抽出温度の設定）", "other"), ("定期連絡", "no_contact")),
    "email": (("新製品 KZ-200 のご案内", "info_given"),
              ("年末年始の配送スケジュールのご案内", "info_given"),
              ("業務用麦茶 夏季キャンペーンのご案内", "info_given"),
              ("お見積書送付", "proposal_made")),
    "web_meeting": (("オンライン商品説明会", "need_found"), ("オンライン定例", "info_given")),
}
DETAILS = {
    "info_given": "資料をお渡しし、社内でご検討いただくことになった。",
    "need_found": "休憩室の利用者が増え、給茶機の増設をご検討中とのこと。",
    "proposal_made": "見積書と導入事例をご説明。決裁は来月の会議とのこと。",
    "no_contact": "ご不在のため伝言をお願いした。",
    "not_needed": "現状で足りているとのこと。半年後に再訪問。",
    "order": "正式にご発注いただいた。",
    "lost": "価格面で他社製品に切り替えるとのこと。",
    "other": "設定方法をご案内し、解決した。",
}
NEXT_STEPS = {
    "info_given": "次回定期訪問", "need_found": "お見積り作成", "proposal_made": "稟議状況の確認",
    "no_contact": "再度お電話", "order": "納品・設置日程の調整",
}
KIND_WORD = {"visit": "面談", "call": "電話", "email": "メール送付",
             "web_meeting": "オンライン面談", "meeting": "打ち合わせ"}


def external_id(index: int) -> str:
    return f"A{index:06d}"


class B2B:
    """Generates the B2B side of a plan; ``account(j)`` is a pure function of (plan, j)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.start = plan.start.toordinal()
        self.end = plan.as_of.toordinal()
        if plan.accounts > len(self._company_names):
            raise ValueError(f"at most {len(self._company_names)} demo accounts have distinct "
                             f"names; asked for {plan.accounts}")

    @cached_property
    def _company_names(self) -> list[tuple[str, str, str, str, str, str]]:
        names = [(stem, stem_kana, word, word_kana, industry, kind)
                 for stem, stem_kana in COMPANY_STEMS
                 for word, word_kana, industry, kind in BUSINESS_WORDS]
        self.plan.rng("company-names").shuffle(names)
        return names

    # --- one account -----------------------------------------------------------------------------

    def account(self, index: int) -> AccountBundle:
        rng = self.plan.rng("a", index)
        stem, stem_kana, word, word_kana, industry, kind = self._company_names[index]
        base, reading = stem + word, stem_kana + word_kana
        band = BAND_BY_KIND[kind](rng)
        name = self._with_legal_form(rng, base, kind, band)
        legal_form = split_legal_form(name).legal_form or ""
        prefecture = HEAD_OFFICE(rng)
        place = rng.choice(PLACES_BY_PREFECTURE[prefecture])
        _typed, phone = landline(rng, prefecture, place.city)
        team = c.TEAM_FIELD_EAST if prefecture in EAST else c.TEAM_FIELD_WEST
        level = LEVEL(rng)
        owner = (c.manager(team) if level >= 5 and rng.random() < 0.3
                 else rng.choice(c.members(team)))
        ext = external_id(index)
        slug = romaji(reading)
        fiscal_month = FISCAL_MONTH(rng)
        building = ""
        if rng.random() < 0.55:
            building = rng.choice(BUILDINGS).format(stem=stem) + f" {rng.randint(1, 12)}F"
        account = AccountRow(
            external_id=ext, name=name, name_kana=reading, legal_form=legal_form,
            corporate_number=self._corporate_number(rng, index, legal_form, prefecture),
            industry=industry, employee_band=band, phone=phone,
            website=f"https://www.{slug}.example.jp/" if rng.random() < 0.7 else "",
            postal_code=place.postal_code, prefecture=prefecture, city=place.city,
            address_line1=street_address(rng, place.town), address_line2=building,
            relationship_level=level,
            tags=tuple(sorted(t for t in TAGS if rng.random() < 0.12)),
            custom=(("fiscal_month", fiscal_month),), owner=owner, team=team,
        )
        since = self.end - int(365 * rng.triangular(0.1, 12, 3))
        lost = (self.start + rng.randrange(self.end - self.start - 30)
                if rng.random() < 0.12 else None)
        departments = self._departments(rng, account, kind, band, place)
        contacts = self._contacts(rng, account, kind, band, departments, slug)
        draft = _Draft(self, rng, account, departments, contacts, since, lost, fiscal_month)
        draft.orders(band)
        draft.routine_activities()
        return AccountBundle(account, departments, contacts, *draft.finish(index))

    @staticmethod
    def _with_legal_form(rng: random.Random, base: str, kind: str, band: str) -> str:
        """The name as a sales rep would type it: 前株, 後株, (株), ㈱, a stray space…"""
        if kind == "medical":
            return rng.choice(("医療法人社団 ", "医療法人", "医療法人社団")) + base
        if kind == "welfare":
            return "社会福祉法人" + base
        if kind == "school":
            return "学校法人" + base
        small = band in SMALL_BANDS
        forms = Picker(range(10), (42, 18, 5, 2, 2, 3, 3, 16 if small else 0, 4 if small else 0,
                                   6 if small else 0))
        form = forms(rng)
        return (
            f"株式会社{base}", f"{base}株式会社", f"(株){base}", f"{base}(株)", f"㈱{base}",
            f"（株）{base}", f"株式会社 {base}", f"有限会社{base}", f"(有){base}",
            f"合同会社{base}",
        )[form]

    @staticmethod
    def _corporate_number(rng: random.Random, index: int, legal_form: str, prefecture: str
                          ) -> str:
        """13 digits with a valid check digit. Shaped like the base of a real number (office,
        kind, serial) but not looked up: it may or may not be an issued number."""
        office = f"{PREFECTURE_CODE[prefecture]:02d}{rng.randrange(100):02d}"
        serial = f"{(index * 104_729 + 12_345) % 1_000_000:06d}"  # distinct for distinct index
        base = office + KIND_DIGITS.get(legal_form, "05") + serial
        return f"{corporate_number_check_digit(base)}{base}"

    def _departments(self, rng: random.Random, account: AccountRow, kind: str, band: str,
                     hq: Place) -> tuple[DepartmentRow, ...]:
        units: list[tuple[str, str, Place, bool]] = []  # name, reading, place, at head office
        if kind != "company":
            n = 1 if band == "10-49" else 2 if band == "50-299" else 3
            for division, reading in INSTITUTION_DIVISIONS[:n]:
                units.append((f"本部 {division}", f"ホンブ {reading}", hq, True))
        elif band == "1-9":
            units.append(("本社", "ホンシャ", hq, True))
        else:
            n_hq = {"10-49": 1, "50-299": 2}.get(band, 3)
            divisions = [HQ_DIVISIONS[0], *rng.sample(HQ_DIVISIONS[1:], n_hq - 1)]
            for division, reading in divisions:
                units.append((f"本社 {division}", f"ホンシャ {reading}", hq, True))
            n_sites = {"10-49": int(rng.random() < 0.2), "50-299": rng.randint(1, 2),
                       "300-999": rng.randint(2, 3)}.get(band, rng.randint(3, 5))
            eligible = [s for s in SITES if s[2] == "hq" or s[2][0] != account.prefecture]
            for site, site_reading, where in rng.sample(eligible, n_sites):
                if where == "hq":
                    place = rng.choice(PLACES_BY_PREFECTURE[account.prefecture])
                    pool = PLANT_DIVISIONS
                else:
                    place = rng.choice(PLACES_BY_CITY[where])  # type: ignore[index]
                    pool = BRANCH_DIVISIONS
                for division, reading in rng.sample(pool, 1 if pool is BRANCH_DIVISIONS
                                                    else rng.randint(1, 2)):
                    units.append((f"{site} {division}", f"{site_reading} {reading}", place,
                                  False))
        members = c.members(account.team)
        rows = []
        for i, (name, reading, place, at_hq) in enumerate(units):
            _typed, phone = landline(rng, place.prefecture, place.city)
            address = account.address_line1 if place is hq else street_address(rng, place.town)
            rows.append(DepartmentRow(
                account=account.external_id, index=i, name=name, name_kana=reading, phone=phone,
                postal_code=place.postal_code, prefecture=place.prefecture, city=place.city,
                address_line1=address, owner=account.owner if at_hq else rng.choice(members),
                team=account.team,
            ))
        return tuple(rows)

    def _contacts(self, rng: random.Random, account: AccountRow, kind: str, band: str,
                  departments: tuple[DepartmentRow, ...], slug: str) -> tuple[ContactRow, ...]:
        contacts: list[ContactRow] = []
        emails: set[str] = set()
        domain = f"{slug}.example.jp"

        def add(department: DepartmentRow, title: str, role: str, boss: ContactRow | None,
                born: tuple[int, int]) -> ContactRow:
            gender = "female" if rng.random() < FEMALE_SHARE.get(title, 0.45) else "male"
            family, given, family_kana, given_kana = person(rng, gender, rng.randint(*born))
            local = f"{romaji(given_kana)[:1]}.{romaji(family_kana)}"
            email = f"{local}@{domain}"
            n = 2
            while email in emails:
                email, n = f"{local}{n}@{domain}", n + 1
            emails.add(email)
            if rng.random() < 0.7:
                phone, others = mobile_e164(rng), (department.phone,) if rng.random() < 0.4 else ()
            else:
                phone, others = department.phone, ()
            row = ContactRow(
                external_id=f"{account.external_id}-P{len(contacts) + 1:02d}",
                account=account.external_id, department=department.index, family_name=family,
                given_name=given, family_name_kana=family_kana, given_name_kana=given_kana,
                email=email, phone=phone, phones_other=others, title=title, buying_role=role,
                reports_to=boss.external_id if boss else None,
                level=boss.level + 1 if boss else 0, email_opt_in=rng.random() < 0.7,
                phone_opt_in=rng.random() < 0.8, postal_mail_opt_in=rng.random() < 0.5,
                owner=department.owner, team=department.team,
            )
            contacts.append(row)
            return row

        top_title = ("理事長" if kind in ("medical", "welfare") else "理事" if kind == "school"
                     else "代表取締役" if band in SMALL_BANDS else "取締役")
        top = add(departments[0], top_title, "decision_maker", None, (1950, 1975))
        per_department = {"1-9": (1, 1), "10-49": (1, 2), "50-299": (2, 3), "300-999": (2, 4),
                          "1000+": (3, 4)}[band]
        for department in departments:
            division = department.name.rsplit(" ", 1)[-1]
            site = department.name.split(" ", 1)[0]
            if band == "1-9":
                chain = ["担当"]
            elif division.endswith("部"):
                chain = ["工場長" if site.endswith("工場") else "部長", "課長", "主任", "担当"]
            else:
                head = ("支店長" if site.endswith("支店") else "所長" if site.endswith("営業所")
                        else "課長")
                chain = [head, "主任", "担当", "担当"]
            boss = top
            for title in chain[:rng.randint(*per_department)]:
                role = self._role(rng, title, division)
                born = {"部長": (1962, 1980), "工場長": (1960, 1978), "支店長": (1962, 1980),
                        "所長": (1962, 1982), "課長": (1970, 1988), "主任": (1980, 1995)}.get(
                    title, (1985, 2003))
                boss = add(department, title, role, boss, born)
        return tuple(contacts)

    @staticmethod
    def _role(rng: random.Random, title: str, division: str) -> str:
        if title in ("部長", "工場長", "支店長", "所長"):
            return "decision_maker" if rng.random() < 0.2 else "approver"
        if title == "課長":
            return "approver" if rng.random() < 0.4 else "influencer"
        if title == "主任":
            return "influencer" if rng.random() < 0.5 else "user"
        if division.startswith("購買") or division.startswith("事務局"):
            return "purchaser" if rng.random() < 0.9 else "user"
        return "purchaser" if rng.random() < 0.5 else "user"


class _Draft:
    """Orders and activities of one account, collected then numbered in time order."""

    def __init__(self, gen: B2B, rng: random.Random, account: AccountRow,
                 departments: tuple[DepartmentRow, ...], contacts: tuple[ContactRow, ...],
                 since: int, lost: int | None, fiscal_month: int) -> None:
        self.gen, self.rng, self.account = gen, rng, account
        self.departments, self.contacts = departments, contacts
        self.since, self.lost, self.fiscal_month = since, lost, fiscal_month
        self.stop = min(gen.end, lost) if lost is not None else gen.end
        self.rate = DISCOUNT_RATE[account.employee_band] + (
            0.03 if account.relationship_level >= 5 else 0.0)
        # (day, department index or None, [(code, quantity, discount rate)], what)
        self.sales: list[tuple[int, int | None, list[tuple[str, int, float]], str]] = []
        self.activities: list[ActivityRow] = []
        self.manager = c.manager(account.team)

    # --- orders ----------------------------------------------------------------------------------

    def orders(self, band: str) -> None:
        rng = self.rng
        for department in self.departments:
            if department.index > 0 and rng.random() < 0.3:
                continue  # this department has no machine and buys no tea
            install = self.since + rng.randint(0, 400)
            equipment = EQUIPMENT(rng) if rng.random() < 0.8 else None
            quantity = 2 if band in ("300-999", "1000+") and rng.random() < 0.4 else 1
            if equipment is not None and install <= self.stop - 7:
                self._equipment(department, install, equipment, quantity)
            else:
                install = max(self.since, self.gen.start)
            self._tea(department, band, max(install, self.gen.start))

    def _sale(self, day: int, department: DepartmentRow | None, lines: list[tuple[str, int, float]],
              what: str) -> int | None:
        day = weekday_on_or_after(dt.date.fromordinal(day)).toordinal()
        if day > self.stop:
            return None
        self.sales.append((day, department.index if department else None, lines, what))
        return day

    def _equipment(self, department: DepartmentRow, install: int, equipment: str,
                   quantity: int) -> None:
        rng = self.rng
        deal_rate = rng.uniform(0.08, 0.18)
        first_tea = OFFICE_TEAS(rng)
        day = self._sale(install, department, [
            (equipment, quantity, deal_rate), (c.INSTALL, quantity, 0.0),
            (first_tea, 2 * quantity, self.rate)], "equipment")
        if day is None:
            return
        self._deal_chain(department, day, PRODUCTS[equipment].name)
        maintenance = c.MT300 if equipment == c.WP30 else c.MT100
        if rng.random() < 0.75:
            for year in range(1, 30):
                renewal = day + 365 * year + rng.randint(-7, 7)
                if renewal > self.stop:
                    break
                if rng.random() < 0.06:
                    self._renewal_notice(department, renewal, renewed=False)
                    break
                if self._sale(renewal, department, [(maintenance, quantity, 0.0)],
                              "maintenance"):
                    self._renewal_notice(department, renewal, renewed=True)
        if equipment == c.WP30:
            filter_day = day + 182
            while filter_day <= self.stop:
                self._sale(filter_day, department, [(c.FILTER, rng.randint(2, 6) * quantity,
                                                     self.rate)], "filter")
                filter_day += 182 + rng.randint(-10, 10)
        if equipment == c.KZ100 and rng.random() < 0.35:
            replace = day + int(365 * rng.uniform(7, 9))
            if self.gen.start <= replace <= self.stop:
                placed = self._sale(replace, department, [
                    (c.KZ200, quantity, rng.uniform(0.1, 0.2)), (c.INSTALL, quantity, 0.0)],
                    "equipment")
                if placed:
                    self._deal_chain(department, placed, PRODUCTS[c.KZ200].name + "（入替）")

    def _tea(self, department: DepartmentRow, band: str, first: int) -> None:
        rng = self.rng
        mean = REORDER_DAYS[band] * math.exp(rng.gauss(0, 0.25))
        low, high = CASES[band]
        day = first + int(rng.uniform(0, mean))
        while day <= self.stop:
            month = dt.date.fromordinal(day).month
            factor = MONTH_FACTOR.get(month, 1.0) * (1.5 if month == self.fiscal_month else 1.0)
            lines: list[tuple[str, int, float]] = []
            for _ in range(rng.randint(1, 3)):
                code = OFFICE_TEAS(rng)
                if all(code != li[0] for li in lines):
                    lines.append((code, max(1, round(rng.randint(low, high) * factor)), self.rate))
            if month in (6, 7, 8) and rng.random() < 0.5:
                lines.append((c.MUGICHA_1KG, max(1, round(rng.randint(low, high) * factor)),
                              self.rate))
            self._sale(day, department, lines, "tea")
            day += max(7, int(rng.gammavariate(2.0, mean / 2.0)))

    # --- activities ------------------------------------------------------------------------------

    def _contact_in(self, department: DepartmentRow | None, senior: bool = False) -> ContactRow:
        pool = [p for p in self.contacts if department is None or p.department == department.index]
        pool = pool or list(self.contacts)
        if senior:
            pool = sorted(pool, key=lambda p: p.level)[:2]
        return self.rng.choice(pool)

    def _activity(self, day: int, kind: str, subject: str, outcome_code: str,
                  department: DepartmentRow | None, *, senior: bool = False,
                  outcome: str = "", next_step: str | None = None, detail: str = "") -> None:
        if day < self.gen.start - 365 or day > self.gen.end:
            return
        rng = self.rng
        when = at(weekday_on_or_after(dt.date.fromordinal(day)), rng, BUSINESS_HOURS)
        if when.date().toordinal() > self.gen.end:
            return
        contact = self._contact_in(department, senior)
        owner = department.owner if department is not None else self.account.owner
        step = NEXT_STEPS.get(outcome_code, "") if next_step is None else next_step
        participants: tuple[str, ...] = ()
        if kind == "visit":
            participants = (owner, self.manager) if rng.random() < 0.25 and owner != \
                self.manager else (owner,)
        self.activities.append(ActivityRow(
            kind=kind, occurred_at=when, subject=subject,
            body=f"{contact.family_name}様と{KIND_WORD[kind]}。{detail or DETAILS[outcome_code]}",
            outcome_code=outcome_code, outcome=outcome, next_step=step,
            next_step_due=when.date() + dt.timedelta(days=rng.randint(7, 21)) if step else None,
            account=self.account.external_id, contact=contact.external_id, customer=None,
            owner=owner, team=self.account.team, participants=participants,
        ))

    def _deal_chain(self, department: DepartmentRow, order_day: int, product: str) -> None:
        """Hearing → proposal → order: the steps before an equipment order."""
        self._activity(order_day - 45 - self.rng.randint(0, 20), "visit",
                       f"{product} 導入のご相談", "need_found", department)
        self._activity(order_day - 20 - self.rng.randint(0, 10),
                       "web_meeting" if self.rng.random() < 0.3 else "visit",
                       "お見積り・ご提案", "proposal_made", department, senior=True,
                       next_step="稟議の結果確認")
        self._activity(order_day - self.rng.randint(1, 5), "call", "ご発注のご連絡", "order",
                       department, senior=True, outcome=f"{product} 受注")

    def _renewal_notice(self, department: DepartmentRow, renewal: int, *, renewed: bool) -> None:
        self._activity(renewal - 30, "email", "保守契約更新のご案内",
                       "order" if renewed else "not_needed", department,
                       outcome="更新" if renewed else "更新しない（社内で清掃対応）",
                       next_step="" if not renewed else "更新契約書の送付")

    def routine_activities(self) -> None:
        rng = self.rng
        first = max(self.since, self.gen.end - 730)
        mean = TOUCH_DAYS[self.account.relationship_level]
        day = first + int(rng.uniform(0, mean))
        while day <= self.stop:
            kind = ACTIVITY_KIND(rng)
            subject, outcome = rng.choice(ROUTINE[kind])
            if kind == "call" and rng.random() < 0.15:
                outcome = "no_contact"
            elif outcome == "info_given" and rng.random() < 0.1:
                outcome = "not_needed"
            department = rng.choice(self.departments)
            self._activity(day, kind, subject, outcome, department)
            day += max(3, int(rng.expovariate(1 / mean)))
        # Budget hearing two months before the customer's fiscal year ends (需要期).
        for year in range(self.gen.plan.start.year, self.gen.plan.as_of.year + 1):
            month = (self.fiscal_month - 3) % 12 + 1
            day = dt.date(year, month, 10).toordinal() + rng.randint(0, 14)
            if max(first, self.gen.start) <= day <= self.stop and rng.random() < 0.6:
                self._activity(day, "meeting", "次年度予算のヒアリング", "need_found", None,
                               senior=True, next_step="予算申請用のお見積り提出",
                               detail="来年度の予算編成に向け、給茶機の増設と保守の範囲について"
                               "ご要望を伺った。")
        if self.lost is not None:
            self._activity(self.lost - rng.randint(5, 20), "visit", "他社製品への切替のご相談",
                           "lost", None, senior=True, outcome="価格面で他社の給茶機に切替",
                           next_step="半年後に状況確認")

    # --- numbering -------------------------------------------------------------------------------

    def finish(self, index: int) -> tuple[tuple[OrderRow, ...], tuple[ActivityRow, ...]]:
        rng = self.rng
        ext = self.account.external_id
        far = self.account.prefecture in ("北海道", "沖縄県")
        orders: list[OrderRow] = []
        for k, (day, department, items, what) in enumerate(sorted(self.sales, key=lambda s: (
                s[0], -1 if s[1] is None else s[1], s[3])), start=1):
            date = dt.date.fromordinal(day)
            lines = []
            for code, quantity, rate in items:
                product = PRODUCTS[code]
                discount = int(quantity * product.list_price * rate) // 10 * 10
                lines.append(line(code, quantity, product.list_price, product.unit_cost, discount))
            subtotal = sum(li.amount for li in lines)
            shipping = (c.B2B_SHIPPING_FEE if what in ("tea", "filter")
                        and subtotal < c.B2B_FREE_SHIPPING_FROM else 0)
            fulfilment = {"equipment": 25_000 * lines[0].quantity, "maintenance": 0,
                          "filter": 800}.get(what, 1_000 + (600 if far else 0))
            order = OrderRow(
                external_id=f"{ext}-O{k:04d}", number=f"B{date:%y%m%d}-{index:05d}{k:04d}",
                kind="sale", original=None, customer=None, account=ext, department=department,
                channel=c.CHANNEL_FIELD, campaign=None, ordered_at=at(date, rng, BUSINESS_HOURS),
                discount=0, shipping_fee=shipping, fulfilment_cost=fulfilment,
                total=order_total(lines, 0, shipping), lines=tuple(lines),
            )
            orders.append(order)
            if what == "tea" and rng.random() < 0.005:
                returned_on = weekday_on_or_after(date + dt.timedelta(days=rng.randint(3, 10)))
                if returned_on.toordinal() <= self.gen.end:
                    sold = order.lines[0]
                    back = (returned_line(sold, 1, PRODUCTS[sold.product].unit_cost),)
                    orders.append(OrderRow(
                        external_id=f"{ext}-R{k:04d}", number="R" + order.number[1:],
                        kind="return", original=order.external_id, customer=None, account=ext,
                        department=department, channel=order.channel, campaign=None,
                        ordered_at=at(returned_on, rng, BUSINESS_HOURS), discount=0,
                        shipping_fee=0, fulfilment_cost=1_500,
                        total=order_total(back, 0, 0), lines=back,
                    ))
        activities = tuple(sorted(self.activities, key=lambda a: (a.occurred_at, a.subject)))
        return tuple(orders), activities
