"""The default lead stages of THE MODEL (docs/decisions/0301-the-model-stages.md). Plain data:
the data migration and ``services.create_default_stages`` both read it.

Companies rename, reorder and add stages later (admin); codes stay the English keys used by
exports and the analytics CLI.
"""

from __future__ import annotations

# code, 日本語, English, kind, position, division, entry criterion
DEFAULT_STAGES: tuple[tuple[str, str, str, str, int, str, str], ...] = (
    ("acquired", "獲得", "Acquired", "main", 10, "marketing",
     "連絡先（メールアドレスまたは電話番号）を取得した"),
    ("nurturing", "育成", "Nurturing", "main", 20, "marketing",
     "ターゲットメールをクリックし、フォームの入力を始めた"),
    ("promising", "有望", "Promising", "main", 30, "inside_sales",
     "資料請求または問い合わせがあった"),
    ("accepted", "商談化", "Sales-accepted", "main", 40, "field_sales",
     "インサイドセールスが予算・時期・決裁者を確認し、営業が商談として受け入れた"),
    ("won", "受注", "Won", "main", 50, "field_sales", "発注・契約を受けた"),
    ("recycle", "リサイクル", "Recycle", "recycle", 90, "marketing",
     "検討の中断・見送り（理由を記録）。再接触（イベント参加・返信・問い合わせ）で育成に戻る"),
    ("dead_end", "デッドエンド", "Dead end", "dead_end", 91, "marketing",
     "今後も購入の見込みがない（学生、競合他社など。理由を記録）"),
)


# The default deal pipeline (docs/decisions/0302-deals-and-forecast.md): B2B new business from
# the first visit to the order. code, 日本語, English, kind, position, win probability (%).
DEFAULT_PIPELINE: tuple[str, str, str] = ("new_business", "新規商談", "New business")
DEFAULT_DEAL_STAGES: tuple[tuple[str, str, str, str, int, int], ...] = (
    ("first_visit", "初回訪問", "First visit", "open", 10, 10),
    ("hearing", "ヒアリング", "Hearing", "open", 20, 20),
    ("proposal", "提案", "Proposal", "open", 30, 40),
    ("quote", "見積", "Quote", "open", 40, 60),
    ("negotiation", "交渉", "Negotiation", "open", 50, 80),
    ("won", "受注", "Won", "won", 60, 100),
    ("lost", "失注", "Lost", "lost", 70, 0),
)
# code, 日本語, English, position
DEFAULT_LOST_REASONS: tuple[tuple[str, str, str, int], ...] = (
    ("price", "価格", "Price", 10),
    ("competitor", "競合に決定", "Went with a competitor", 20),
    ("budget", "予算不足・凍結", "No budget", 30),
    ("timing", "時期の見送り", "Postponed", 40),
    ("no_need", "ニーズなし", "No need", 50),
    ("status_quo", "現状維持", "Kept what they have", 60),
    ("other", "その他", "Other", 90),
)

# Customer-success stages after the contract (docs/decisions/0304-customer-success.md).
# code, 日本語, English, kind, position
DEFAULT_SUCCESS_STAGES: tuple[tuple[str, str, str, str, int], ...] = (
    ("onboarding", "オンボーディング", "Onboarding", "path", 10),
    ("adoption", "活用支援", "Adoption support", "path", 20),
    ("utilisation", "定着", "Utilisation", "path", 30),
    ("renewal", "更新", "Renewal", "path", 40),
    ("advocacy", "推奨", "Advocacy", "advocacy", 50),
    ("churned", "解約", "Churned", "churned", 90),
)
