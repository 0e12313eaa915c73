"""Japanese names with their readings, for the demo company. Pure data, no Django.

Readings are the usual ones for each spelling (河野 コウノ, 中島 ナカジマ, 東 ヒガシ); a name
with several common readings appears with the one most people would type first. A few variant
kanji are here on purpose (髙橋, 渡邊, 齋藤, 山﨑 …), with lower weights, because real customer
data has them and search, sorting and identity resolution must cope (tables.VARIANT_KANJI).
"""

from __future__ import annotations

from typing import NamedTuple

from kizuna.japanese.name_tables import FAMILY_NAMES as SHARED_FAMILY_NAMES


class Name(NamedTuple):
    kanji: str
    kana: str
    weight: float


# Family names (姓), most common first: the top of the shared table in kizuna.japanese, which
# the importer's name splitter uses too. A Zipf-like weight by rank.
_COMMON_FAMILY = tuple(
    Name(n.kanji, n.readings[0], 1000.0 / (rank + 8) ** 0.9)
    for rank, n in enumerate(SHARED_FAMILY_NAMES[:152])
)

# Variant kanji of names above (same reading): rarer, but in every real customer list.
_VARIANT_FAMILY = tuple(Name(k, r, w) for k, r, w in (
    ("髙橋", "タカハシ", 2.0),
    ("渡邊", "ワタナベ", 1.2),
    ("渡邉", "ワタナベ", 1.5),
    ("齋藤", "サイトウ", 1.2),
    ("山﨑", "ヤマザキ", 1.0),
    ("濱田", "ハマダ", 0.6),
    ("澤田", "サワダ", 0.8),
    ("廣瀬", "ヒロセ", 0.5),
    ("櫻井", "サクライ", 0.6),
    ("髙木", "タカギ", 0.6),
))  # fmt: skip

FAMILY_NAMES: tuple[Name, ...] = _COMMON_FAMILY + _VARIANT_FAMILY


class GivenName(NamedTuple):
    kanji: str
    kana: str
    eras: str  # "O" born before 1965, "M" 1965-1989, "Y" 1985 and later


def _given(text: str) -> tuple[GivenName, ...]:
    return tuple(GivenName(*line.split()) for line in text.strip().splitlines())


MALE_GIVEN_NAMES: tuple[GivenName, ...] = _given("""
茂 シゲル O
清 キヨシ O
勇 イサム O
博 ヒロシ O
稔 ミノル O
進 ススム O
修 オサム O
武 タケシ O
弘 ヒロシ O
和夫 カズオ O
幸男 ユキオ O
義男 ヨシオ O
光男 ミツオ O
正 タダシ O
昭 アキラ O
孝 タカシ OM
隆 タカシ OM
明 アキラ OM
実 ミノル OM
豊 ユタカ OM
勝 マサル OM
浩 ヒロシ OM
一郎 イチロウ OM
秀一 シュウイチ OM
正樹 マサキ OM
和彦 カズヒコ OM
英樹 ヒデキ OM
秀樹 ヒデキ OM
康弘 ヤスヒロ OM
浩二 コウジ OM
健一 ケンイチ OM
健二 ケンジ OM
誠 マコト M
学 マナブ M
悟 サトル M
剛 ツヨシ M
淳 ジュン M
哲也 テツヤ M
達也 タツヤ M
和也 カズヤ M
直樹 ナオキ M
大輔 ダイスケ M
大介 ダイスケ M
拓也 タクヤ M
健太 ケンタ M
雄太 ユウタ MY
裕太 ユウタ MY
翔太 ショウタ MY
慎吾 シンゴ M
俊介 シュンスケ M
洋平 ヨウヘイ M
陽介 ヨウスケ M
信也 シンヤ M
雅人 マサト M
智也 トモヤ MY
亮 リョウ MY
涼 リョウ Y
翼 ツバサ Y
翔 ショウ Y
駿 シュン Y
大樹 ダイキ Y
航 ワタル Y
光 ヒカル Y
樹 イツキ Y
陸 リク Y
悠斗 ユウト Y
蓮 レン Y
陽翔 ハルト Y
悠真 ユウマ Y
湊 ミナト Y
大翔 ヒロト Y
颯太 ソウタ Y
""")

FEMALE_GIVEN_NAMES: tuple[GivenName, ...] = _given("""
節子 セツコ O
幸子 サチコ O
和子 カズコ O
良子 ヨシコ O
文子 フミコ O
美智子 ミチコ O
悦子 エツコ O
京子 キョウコ O
洋子 ヨウコ O
典子 ノリコ OM
紀子 ノリコ OM
恵子 ケイコ OM
陽子 ヨウコ OM
久美子 クミコ OM
明美 アケミ OM
純子 ジュンコ OM
順子 ジュンコ OM
敦子 アツコ OM
由美 ユミ OM
真由美 マユミ M
直子 ナオコ M
智子 トモコ M
裕子 ユウコ M
優子 ユウコ M
亜希子 アキコ M
加奈子 カナコ M
美香 ミカ M
由香 ユカ M
美紀 ミキ M
由紀 ユキ M
美由紀 ミユキ M
香織 カオリ M
恵 メグミ M
真理 マリ M
理恵 リエ M
朋美 トモミ M
友美 トモミ M
絵美 エミ M
里美 サトミ M
真奈美 マナミ M
美穂 ミホ M
千尋 チヒロ MY
沙織 サオリ MY
静香 シズカ M
瞳 ヒトミ M
綾香 アヤカ MY
彩 アヤ MY
麻衣 マイ MY
舞 マイ MY
愛 アイ MY
早紀 サキ MY
美咲 ミサキ Y
夏美 ナツミ MY
七海 ナナミ Y
奈々 ナナ Y
遥 ハルカ Y
春香 ハルカ Y
彩乃 アヤノ Y
彩花 アヤカ Y
茜 アカネ Y
桃子 モモコ MY
さくら サクラ Y
結衣 ユイ Y
陽菜 ヒナ Y
結菜 ユイナ Y
芽依 メイ Y
葵 アオイ Y
凛 リン Y
紬 ツムギ Y
杏 アン Y
花子 ハナコ O
""")


# --- company names -------------------------------------------------------------------------------
# A company's base name is a stem and a business word; the reading is the two readings joined
# (no rendaku happens at these joins). Stems are place words, auspicious words and family names.

COMPANY_STEMS: tuple[tuple[str, str], ...] = tuple(tuple(line.split()) for line in """
東邦 トウホウ
中央 チュウオウ
北辰 ホクシン
丸栄 マルエイ
日之出 ヒノデ
三栄 サンエイ
共栄 キョウエイ
太陽 タイヨウ
昭和 ショウワ
大成 タイセイ
新光 シンコウ
東洋 トウヨウ
日本海 ニホンカイ
北陸 ホクリク
関西 カンサイ
東海 トウカイ
九州 キュウシュウ
四国 シコク
中部 チュウブ
東北 トウホク
北海 ホッカイ
相模 サガミ
武蔵 ムサシ
信濃 シナノ
越後 エチゴ
駿河 スルガ
三河 ミカワ
尾張 オワリ
播磨 ハリマ
備前 ビゼン
筑紫 ツクシ
高砂 タカサゴ
松風 マツカゼ
若葉 ワカバ
青葉 アオバ
緑川 ミドリカワ
白鷺 シラサギ
明星 ミョウジョウ
光和 コウワ
協和 キョウワ
大洋 タイヨウ
千代田 チヨダ
菱和 リョウワ
双葉 フタバ
瑞穂 ミズホ
旭 アサヒ
清流 セイリュウ
桜花 オウカ
栄光 エイコウ
丸高 マルタカ
山一 ヤマイチ
丸一 マルイチ
大和田 オオワダ
紀州 キシュウ
浪速 ナニワ
京浜 ケイヒン
湘南 ショウナン
常磐 ジョウバン
房総 ボウソウ
山陽 サンヨウ
山陰 サンイン
日向 ヒュウガ
薩摩 サツマ
琉球 リュウキュウ
出雲 イズモ
吉備 キビ
伊勢 イセ
近江 オウミ
飛騨 ヒダ
甲斐 カイ
上州 ジョウシュウ
野州 ヤシュウ
陸奥 ムツ
出羽 デワ
蝦夷 エゾ
山田 ヤマダ
佐藤 サトウ
鈴木 スズキ
高橋 タカハシ
田中 タナカ
中村 ナカムラ
小林 コバヤシ
加藤 カトウ
吉田 ヨシダ
松本 マツモト
井上 イノウエ
木村 キムラ
清水 シミズ
池田 イケダ
橋本 ハシモト
石川 イシカワ
前田 マエダ
藤田 フジタ
岡田 オカダ
後藤 ゴトウ
長谷川 ハセガワ
村上 ムラカミ
近藤 コンドウ
坂本 サカモト
遠藤 エンドウ
青木 アオキ
西村 ニシムラ
福田 フクダ
太田 オオタ
三浦 ミウラ
""".strip().splitlines())  # type: ignore[misc]

# (word, reading, industry, kind). kind: "company" (株式会社 …), "medical" (医療法人),
# "welfare" (社会福祉法人), "school" (学校法人).
BUSINESS_WORDS: tuple[tuple[str, str, str, str], ...] = tuple(
    tuple(line.split()) for line in """
製作所 セイサクショ 製造業 company
精機 セイキ 製造業 company
工業 コウギョウ 製造業 company
電機 デンキ 製造業 company
化学 カガク 製造業 company
技研 ギケン 製造業 company
金属 キンゾク 製造業 company
化成 カセイ 製造業 company
製紙 セイシ 製造業 company
食品 ショクヒン 食品製造業 company
製菓 セイカ 食品製造業 company
酒造 シュゾウ 食品製造業 company
物産 ブッサン 卸売業 company
商事 ショウジ 卸売業 company
商会 ショウカイ 卸売業 company
産業 サンギョウ 卸売業 company
薬品 ヤクヒン 卸売業 company
建設 ケンセツ 建設業 company
工務店 コウムテン 建設業 company
設備 セツビ 建設業 company
電設 デンセツ 建設業 company
住宅 ジュウタク 建設業 company
運輸 ウンユ 運輸業 company
物流 ブツリュウ 運輸業 company
交通 コウツウ 運輸業 company
印刷 インサツ 印刷業 company
不動産 フドウサン 不動産業 company
地所 ジショ 不動産業 company
観光 カンコウ 宿泊業 company
自動車 ジドウシャ 自動車販売業 company
システム システム 情報通信業 company
ソフト ソフト 情報通信業 company
情報サービス ジョウホウサービス 情報通信業 company
介護サービス カイゴサービス 介護・福祉 company
フードサービス フードサービス 飲食サービス業 company
給食センター キュウショクセンター 飲食サービス業 company
会 カイ 医療 medical
福祉会 フクシカイ 介護・福祉 welfare
学園 ガクエン 教育 school
""".strip().splitlines()
)  # type: ignore[misc]


# --- departments and sites -----------------------------------------------------------------------

# (site, reading, where): where is "hq" (the account's own address) or (prefecture, city).
SITES: tuple[tuple[str, str, object], ...] = (
    ("東京支店", "トウキョウシテン", ("東京都", "港区")),
    ("大阪支店", "オオサカシテン", ("大阪府", "大阪市北区")),
    ("名古屋営業所", "ナゴヤエイギョウショ", ("愛知県", "名古屋市中区")),
    ("福岡支店", "フクオカシテン", ("福岡県", "福岡市博多区")),
    ("札幌営業所", "サッポロエイギョウショ", ("北海道", "札幌市中央区")),
    ("仙台支店", "センダイシテン", ("宮城県", "仙台市青葉区")),
    ("広島営業所", "ヒロシマエイギョウショ", ("広島県", "広島市中区")),
    ("横浜工場", "ヨコハマコウジョウ", ("神奈川県", "横浜市港北区")),
    ("第一工場", "ダイイチコウジョウ", "hq"),
    ("第二工場", "ダイニコウジョウ", "hq"),
    ("物流センター", "ブツリュウセンター", "hq"),
    ("研究所", "ケンキュウジョ", "hq"),
)

# Divisions by kind of site.
HQ_DIVISIONS = (("総務部", "ソウムブ"), ("購買部", "コウバイブ"), ("人事部", "ジンジブ"),
                ("経理部", "ケイリブ"), ("情報システム部", "ジョウホウシステムブ"))
BRANCH_DIVISIONS = (("総務課", "ソウムカ"), ("業務課", "ギョウムカ"), ("営業部", "エイギョウブ"))
PLANT_DIVISIONS = (("製造部", "セイゾウブ"), ("品質管理部", "ヒンシツカンリブ"),
                   ("施設管理課", "シセツカンリカ"), ("総務課", "ソウムカ"))
INSTITUTION_DIVISIONS = (("事務局", "ジムキョク"), ("総務課", "ソウムカ"),
                         ("栄養課", "エイヨウカ"))

BUILDINGS: tuple[str, ...] = (
    "第一ビル", "第二ビル", "センタービル", "中央ビル", "駅前ビル", "本町ビル", "グランドタワー",
    "ビジネスセンター", "第三{stem}ビル", "{stem}ビル", "{stem}会館",
)
