"""The demo company itself: its teams, staff, sales channels, media and products. Pure data.

The company is a tea maker and wholesaler (緑茶メーカー・卸): it sells tea servers (給茶機)
and water units to companies, with yearly maintenance contracts and repeat orders of tea for
the office, and sells tea to consumers through its EC site, shops, call centre and catalogue.
Prices are tax-included integer yen.
"""

from __future__ import annotations

from typing import NamedTuple

TEAM_FIELD_EAST = "営業1課"  # field sales, 東日本
TEAM_FIELD_WEST = "営業2課"  # field sales, 西日本
TEAM_EC = "EC事業部"
TEAM_SUCCESS = "カスタマーサクセス"
TEAMS: tuple[str, ...] = (TEAM_FIELD_EAST, TEAM_FIELD_WEST, TEAM_EC, TEAM_SUCCESS)


class Staff(NamedTuple):
    username: str
    family_name: str
    given_name: str
    role: str
    teams: tuple[str, ...]

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


STAFF: tuple[Staff, ...] = tuple(Staff(*row) for row in (
    ("saito", "斎藤", "浩", "administrator", ()),
    ("tanaka", "田中", "誠", "manager", (TEAM_FIELD_EAST,)),
    ("sasaki", "佐々木", "翔太", "member", (TEAM_FIELD_EAST,)),
    ("yamaguchi", "山口", "美咲", "member", (TEAM_FIELD_EAST,)),
    ("matsumoto", "松本", "大輔", "member", (TEAM_FIELD_EAST,)),
    ("nakamura", "中村", "健一", "manager", (TEAM_FIELD_WEST,)),
    ("kobayashi", "小林", "彩", "member", (TEAM_FIELD_WEST,)),
    ("kato", "加藤", "拓也", "member", (TEAM_FIELD_WEST,)),
    ("yoshida", "吉田", "真由美", "member", (TEAM_FIELD_WEST,)),
    ("yamada", "山田", "花子", "manager", (TEAM_EC,)),
    ("inoue", "井上", "直樹", "member", (TEAM_EC,)),
    ("kimura", "木村", "さくら", "member", (TEAM_EC,)),
    ("hayashi", "林", "恵子", "manager", (TEAM_SUCCESS,)),
    ("shimizu", "清水", "健太", "member", (TEAM_SUCCESS,)),
    ("mori", "森", "由美", "member", (TEAM_SUCCESS,)),
    # 経営企画: read-only views of the field teams and of the D2C side.
    ("ikeda", "池田", "裕子", "viewer", (TEAM_FIELD_EAST, TEAM_FIELD_WEST)),
    ("hashimoto", "橋本", "隆", "viewer", (TEAM_EC, TEAM_SUCCESS)),
))  # fmt: skip


def members(team: str, role: str = "member") -> tuple[str, ...]:
    return tuple(s.username for s in STAFF if team in s.teams and s.role == role)


def manager(team: str) -> str:
    return members(team, "manager")[0]


# --- masters -------------------------------------------------------------------------------------

CHANNEL_EC, CHANNEL_STORE, CHANNEL_CALL, CHANNEL_CATALOG, CHANNEL_FIELD = (
    "EC", "STORE", "CALL_CENTER", "CATALOG", "FIELD_SALES")
CHANNELS: tuple[tuple[str, str], ...] = (
    (CHANNEL_EC, "EC（公式通販サイト）"),
    (CHANNEL_STORE, "店舗"),
    (CHANNEL_CALL, "コールセンター"),
    (CHANNEL_CATALOG, "カタログ"),
    (CHANNEL_FIELD, "法人営業"),
)

MEDIUM_SEARCH, MEDIUM_SNS, MEDIUM_INSERT, MEDIUM_REFERRAL, MEDIUM_AFFILIATE = (
    "SEARCH_AD", "SNS_AD", "NEWSPAPER_INSERT", "REFERRAL", "AFFILIATE")
MEDIA: tuple[tuple[str, str], ...] = (
    (MEDIUM_SEARCH, "検索広告"),
    (MEDIUM_SNS, "SNS広告"),
    (MEDIUM_INSERT, "新聞折込"),
    (MEDIUM_REFERRAL, "紹介"),
    (MEDIUM_AFFILIATE, "アフィリエイト"),
)

# What one new customer costs through each medium (yen); campaign costs are set from it.
COST_PER_ACQUISITION: dict[str, int] = {
    MEDIUM_SEARCH: 6000, MEDIUM_SNS: 4500, MEDIUM_INSERT: 9000, MEDIUM_REFERRAL: 1500,
    MEDIUM_AFFILIATE: 5000,
}


class Product(NamedTuple):
    code: str
    name: str
    category: str
    list_price: int
    unit_cost: int
    recurring: bool = False


# B2B: equipment, its maintenance contracts and consumables.
EQUIPMENT = "業務用機器"  # the category whose orders become installed products
KZ100, KZ200, WP30 = "KZ-100", "KZ-200", "WP-30"
MT100, MT300, FILTER, INSTALL = "MT-100", "MT-300", "CS-101", "SV-001"
SENCHA_1KG, HOJICHA_1KG, MATCHA_500G, TEABAG_200, MUGICHA_1KG = (
    "BT-001", "BT-002", "BT-003", "BT-004", "BT-005")
# D2C: everyday teas, seasonal gifts, a monthly subscription and tea ware.
SENCHA, FUKAMUSHI, GYOKURO, HOJICHA, GENMAICHA, MATCHA = (
    "D-101", "D-102", "D-103", "D-104", "D-105", "D-201")
COLD_BREW, MUGICHA = "D-301", "D-302"
GIFT_SUMMER, GIFT_WINTER, GIFT_SHINCHA = "D-401", "D-402", "D-403"
GOBOCHA, SUBSCRIPTION, KYUSU, YUNOMI = "D-501", "D-601", "D-701", "D-702"

PRODUCTS: tuple[Product, ...] = tuple(Product(*row) for row in (
    (KZ100, "業務用給茶機 KZ-100", EQUIPMENT, 480000, 288000),
    (KZ200, "業務用給茶機 KZ-200（大容量）", EQUIPMENT, 780000, 452000),
    (WP30, "浄水ユニット WP-30", EQUIPMENT, 240000, 132000),
    (MT100, "給茶機 保守契約（年間）", "保守", 60000, 21000, True),
    (MT300, "浄水ユニット 保守契約（年間）", "保守", 36000, 12000, True),
    (FILTER, "浄水フィルター（交換用）", "消耗品", 8800, 3100),
    (INSTALL, "設置工事", "サービス", 33000, 18000),
    (SENCHA_1KG, "業務用煎茶 1kg", "業務用茶葉", 4860, 2300),
    (HOJICHA_1KG, "業務用ほうじ茶 1kg", "業務用茶葉", 3780, 1700),
    (MATCHA_500G, "業務用粉末緑茶 500g", "業務用茶葉", 5400, 2600),
    (TEABAG_200, "業務用ティーバッグ 200包", "業務用茶葉", 3240, 1400),
    (MUGICHA_1KG, "業務用麦茶 1kg", "業務用茶葉", 2160, 900),
    (SENCHA, "静岡煎茶 100g", "緑茶", 1080, 380),
    (FUKAMUSHI, "深蒸し茶 100g", "緑茶", 1296, 450),
    (GYOKURO, "玉露 80g", "緑茶", 2160, 820),
    (HOJICHA, "ほうじ茶 150g", "ほうじ茶・玄米茶", 864, 290),
    (GENMAICHA, "玄米茶 200g", "ほうじ茶・玄米茶", 756, 250),
    (MATCHA, "抹茶 30g", "抹茶", 1620, 640),
    (COLD_BREW, "水出し緑茶ティーバッグ 20包", "夏季限定", 972, 330),
    (MUGICHA, "国産麦茶ティーバッグ 30包", "夏季限定", 648, 210),
    (GIFT_SUMMER, "お中元ギフト 煎茶詰め合わせ", "ギフト", 3240, 1350),
    (GIFT_WINTER, "お歳暮ギフト 銘茶詰め合わせ", "ギフト", 5400, 2200),
    (GIFT_SHINCHA, "新茶ギフト 八十八夜摘み", "ギフト", 4320, 1750),
    (GOBOCHA, "ごぼう茶 30包", "健康茶", 1944, 640),
    (SUBSCRIPTION, "煎茶定期便（毎月お届け）", "定期便", 2980, 1150, True),
    (KYUSU, "常滑焼 急須", "茶器", 3960, 1800),
    (YUNOMI, "有田焼 湯呑みペア", "茶器", 2750, 1200),
))  # fmt: skip

PRODUCT_BY_CODE: dict[str, Product] = {p.code: p for p in PRODUCTS}

EVERYDAY_TEAS = (SENCHA, FUKAMUSHI, GYOKURO, HOJICHA, GENMAICHA, MATCHA, GOBOCHA)
EVERYDAY_WEIGHTS = (30, 22, 6, 16, 10, 6, 10)
OFFICE_TEAS = (SENCHA_1KG, HOJICHA_1KG, MATCHA_500G, TEABAG_200)
OFFICE_WEIGHTS = (35, 25, 15, 25)

FREE_SHIPPING_FROM = 5400  # D2C orders from ¥5,400 ship free
SHIPPING_FEE = 550
B2B_FREE_SHIPPING_FROM = 11000
B2B_SHIPPING_FEE = 1100
