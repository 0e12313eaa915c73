"""Display helpers for Japanese customer data: phones, postal codes, yen, names with readings.

Shared by the customers, commerce and pipeline templates (``{% load customers_tags %}``).
They only format for display; stored values stay as services cleaned them.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from kizuna.japanese import format_phone_national, format_postal_code

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """+81312345678 -> 03-1234-5678; anything not E.164 is shown as stored."""
    if not value:
        return ""
    try:
        return format_phone_national(value)
    except ValueError:
        return value


@register.filter
def postal(value: str | None) -> str:
    """1000001 -> 〒100-0001."""
    if not value:
        return ""
    try:
        return f"〒{format_postal_code(value)}"
    except ValueError:
        return value


@register.filter
def yen(value: Any) -> str:
    """Integer yen with thousands separators: 1234 -> ¥1,234, -500 -> -¥500."""
    if value is None or value == "":
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,}"


@register.filter
def sama(name: Any) -> str:
    """A customer's or contact's name with the honorific 様 in the Japanese UI."""
    text = str(name or "")
    if text and (get_language() or "").startswith("ja"):
        return f"{text} 様"
    return text


@register.simple_tag
def reading(name: Any, kana: str | None, honorific: bool = False) -> SafeString:
    """A name with its kana reading above it (<ruby>), or the bare name without a reading."""
    shown = sama(name) if honorific else str(name or "")
    if not kana:
        return format_html("{}", shown)
    return format_html('<ruby class="name-reading">{}<rp>（</rp><rt>{}</rt><rp>）</rp></ruby>',
                       shown, kana)


@register.simple_tag
def custom_values(record: Any) -> list[tuple[str, Any]]:
    """(label in the user's language, value) of a record's admin-defined custom fields."""
    from kizuna.customers.forms import custom_field_definitions, custom_label

    return [(custom_label(d), record.custom[d.key])
            for d in custom_field_definitions(record._meta.label_lower)
            if record.custom.get(d.key) not in (None, "")]
