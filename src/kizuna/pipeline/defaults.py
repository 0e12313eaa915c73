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
