"""Cell values as Japanese spreadsheets write them: the parse error, and numbers and yen.

Every parser here takes any `str` and either returns a value or raises `ValueParseError`, whose
`code` is one of `ERROR_CODES`. The importer maps codes to translated messages, so codes are a
stable contract: add new ones, never rename or reuse one
(docs/decisions/0105-japanese-value-parsing.md).

Numbers are exact (`int`, `Decimal`), never float: 1.1万 must be 11000, not 11000.000000000002.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, DecimalException, Inexact, InvalidOperation, localcontext
from types import MappingProxyType

from kizuna.japanese.text import normalize_dashes, normalize_width

__all__ = [
    "ERROR_CODES",
    "ValueParseError",
    "parse_decimal",
    "parse_integer",
    "parse_money",
    "parse_percent",
]

ERROR_CODES: MappingProxyType[str, str] = MappingProxyType({
    "date.invalid": "not a date in any accepted form",
    "date.nonexistent": "that day does not exist in the calendar",
    "date.ambiguous": "the date can be read in more than one way (year missing or two digits, "
                      "day/month order, or a number that may be a year)",
    "date.era_range": "the date is outside the Japanese era given, or before Meiji (1868-10-23)",
    "date.weekday": "the weekday written with the date is not that date's weekday",
    "date.serial_range": "an Excel serial number beyond 73050 (after 2099-12-31)",
    "number.invalid": "not a number in an accepted form",
    "number.grouping": "thousands separators in the wrong places",
    "number.fraction": "a fraction where a whole number (or whole yen) is required",
    "number.exponent": "scientific notation (Excel's shortened display); digits may be lost",
    "number.currency": "an amount in a currency other than yen",
    "number.annotation": "the number carries a note (税込, 約, 〜 …) that changes its meaning",
    "number.percent_ambiguous": "a number above 1 without %: it could mean n% or n × 100%",
    "email.invalid": "not a plausible email address",
})  # fmt: skip


class ValueParseError(ValueError):
    """A cell value that cannot be taken as it stands; `code` says why, for translation.

    `str()` is English, for logs only. The arguments are kept in `args`, so the error pickles
    (the importer runs as a background job and may hand errors between processes).
    """

    def __init__(self, code: str, value: str, detail: str = "") -> None:
        if code not in ERROR_CODES:  # a bug in this package, not bad input
            raise ValueError(f"unknown ValueParseError code {code!r}")
        super().__init__(code, value, detail)
        self.code = code
        self.value = value
        self.detail = detail

    def __str__(self) -> str:
        message = f"{ERROR_CODES[self.code]}: {self.value!r}"
        return f"{message} ({self.detail})" if self.detail else message


# --- numbers -------------------------------------------------------------------------------------

# 64 characters hold any real amount with room to spare; the limit bounds the Decimal precision
# needed below, so no arithmetic can ever round.
_MAX_LENGTH = 64
_EXACT = Context(prec=200, traps=[InvalidOperation, Inexact])

# ▲ and △ are how Japanese accounts (決算書, 月次試算表) write a negative amount.
_SIGN = r"[-+▲△]"
_NEGATIVE = frozenset("-▲△")
# After NFKC, ￥ is ¥. A backslash is the yen sign of Shift_JIS/CP932 text: byte 0x5C decodes
# to "\" but Japanese Windows shows it as ¥, so "\1,234" in a CP932 CSV is 1,234 yen.
_YEN_PREFIX = r"(?:¥|\\|JPY)"
_BODY = r"[0-9.,兆億万千百十]+"
_MONEY = re.compile(
    rf"(?P<s1>{_SIGN})?\s*(?P<pre>{_YEN_PREFIX})?\s*(?P<s2>{_SIGN})?\s*(?P<body>{_BODY})"
    r"\s*(?P<post>円|JPY|-)?",
    re.IGNORECASE,
)
_NUMBER = re.compile(rf"(?P<s1>{_SIGN})?\s*(?P<body>{_BODY})")
_PERCENT = re.compile(rf"(?P<s1>{_SIGN})?\s*(?P<body>[0-9.,]+)\s*(?P<pct>%)?")

_PLAIN = re.compile(r"(?P<int>[0-9]+(?:,[0-9]+)*)(?:\.(?P<frac>[0-9]+))?")
_TOKEN = re.compile(r"[0-9.,]+|[兆億万千百十]")
_BIG_UNITS = {"兆": Decimal(10) ** 12, "億": Decimal(10) ** 8, "万": Decimal(10) ** 4}
_SMALL_UNITS = {"千": Decimal(1000), "百": Decimal(100), "十": Decimal(10)}

# Failure diagnosis: only consulted once the grammar has refused the text.
_EXPONENT = re.compile(rf"{_SIGN}?\s*[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+")
_FOREIGN_CURRENCY = re.compile(
    r"[$€£₩]|ドル|ユーロ|ポンド|ウォン|人民元|"
    r"(?<![A-Z])(?:USD|EUR|GBP|CNY|RMB|KRW|TWD|HKD|AUD|CAD|CHF|SGD|THB)(?![A-Z])",
    re.IGNORECASE,
)
_ANNOTATION = re.compile(
    r"税込|税抜|税別|内税|外税|込み?|抜き?|約|程度|前後|以上|以下|未満|[~〜]|位"
)


def _clean(s: str) -> str:
    return normalize_dashes(normalize_width(s))


def _fail(s: str, t: str) -> ValueParseError:
    """The most helpful error for text that the grammar refused."""
    if _EXPONENT.fullmatch(t):
        return ValueParseError("number.exponent", s)
    if _FOREIGN_CURRENCY.search(t):
        return ValueParseError("number.currency", s)
    if _ANNOTATION.search(t) and re.search("[0-9]", t):
        return ValueParseError("number.annotation", s)
    return ValueParseError("number.invalid", s)


def _plain(token: str, s: str) -> Decimal:
    m = _PLAIN.fullmatch(token)
    if m is None:
        raise ValueParseError("number.invalid", s)
    groups = m["int"].split(",")
    # 1,234,567: a first group of 1-3 digits (not starting with 0, which would make "0,5" a
    # European decimal), then groups of exactly three.
    if len(groups) > 1 and not (
        len(groups[0]) <= 3 and groups[0][0] != "0" and all(len(g) == 3 for g in groups[1:])
    ):
        raise ValueParseError("number.grouping", s)
    digits = "".join(groups) + (f".{m['frac']}" if m["frac"] else "")
    return Decimal(digits)


def _body(body: str, s: str) -> Decimal:
    """Value of digits with optional kanji units: 1,234 / 12万 / 1億2,345万6,789 / 1.5万.

    Units must descend (1万2千, not 2千1万) and what follows a unit must be smaller than it
    (1万12000 is refused). 千, 百 and 十 take a single-digit coefficient or none (百万, 千円). A
    decimal point is allowed in a lone number or a number with one unit (1.5万), never inside
    a longer expression where it would be a guess what was meant.
    """
    tokens = _TOKEN.findall(body)
    fraction_allowed = len(tokens) == 1 or (len(tokens) == 2 and tokens[1] in "兆億万千百十")
    total = Decimal(0)
    section = Decimal(0)  # value since the last 兆/億/万
    pending: Decimal | None = None  # a number not yet attached to a unit
    last_big: Decimal | None = None
    last_small: Decimal | None = None
    for token in tokens:
        if token[0] in "0123456789.,":
            pending = _plain(token, s)
            if "." in token and not fraction_allowed:
                raise ValueParseError("number.invalid", s)
        elif token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            coefficient = Decimal(1) if pending is None else pending
            if (last_small is not None and unit >= last_small) or not 0 < coefficient < 10:
                raise ValueParseError("number.invalid", s)
            section += coefficient * unit
            last_small, pending = unit, None
        else:
            unit = _BIG_UNITS[token]
            coefficient = section + (pending if pending is not None else 0)
            if (
                (pending is None and section == 0)  # 万 with nothing in front
                or coefficient <= 0
                or (last_big is not None and (unit >= last_big or coefficient * unit >= last_big))
            ):
                raise ValueParseError("number.invalid", s)
            total += coefficient * unit
            section, last_small, last_big, pending = Decimal(0), None, unit, None
    if pending is not None and last_small is not None and pending >= last_small:
        raise ValueParseError("number.invalid", s)  # 1千2000
    rest = section + (pending if pending is not None else 0)
    if last_big is not None and rest >= last_big:
        raise ValueParseError("number.invalid", s)  # 1万12000
    return total + rest


def _signed(value: Decimal, *signs: str | None) -> Decimal:
    if any(sign in _NEGATIVE for sign in signs if sign):
        value = -value
    return value.copy_abs() if value == 0 else value  # never "-0"


def _whole(value: Decimal, s: str) -> int:
    if value != value.to_integral_value():
        raise ValueParseError("number.fraction", s)
    return int(value)


def _number(s: str, *, money: bool) -> Decimal:
    t = _clean(s)
    if not t or len(t) > _MAX_LENGTH:
        raise ValueParseError("number.invalid", s)
    m = (_MONEY if money else _NUMBER).fullmatch(t)
    if m is None:
        raise _fail(s, t)
    signs = (m["s1"], m.groupdict().get("s2"))
    if all(signs):
        raise ValueParseError("number.invalid", s)
    if money and m["post"] == "-" and not m["pre"]:
        # "¥10,000-" is the receipt style (the dash closes the amount); a bare "10,000-" is the
        # trailing minus of some accounting exports. We take the first and refuse the second.
        raise ValueParseError("number.invalid", s)
    try:
        with localcontext(_EXACT):
            return _signed(_body(m["body"], s), *signs)
    except DecimalException as exc:  # pragma: no cover - the length limit keeps values exact
        raise ValueParseError("number.invalid", s) from exc


def parse_integer(s: str) -> int:
    """A whole number as people type it in a Japanese spreadsheet.

    Accepts full-width digits, thousands separators (１，２３４ → 1234), a sign including the
    accounting ▲/△ for minus, kanji units (12万, 1万2千, 1.5万 → 15000) and a zero fraction
    (1234.0, as Excel exports whole numbers). A non-zero fraction is "number.fraction";
    misplaced separators (1,23,4) "number.grouping".
    """
    return _whole(_number(s, money=False), s)


def parse_money(s: str) -> int:
    """An amount of yen as an int: 1,234円, ¥1,234, ￥1,234, \\1,234 (CP932), JPY 1234, 12万円,
    1万2千円, 1億2,345万円, ▲1,234 / △1,234 (negative), ¥10,000- (receipt style).

    Yen have no subunit in practice, so a fraction that does not come out whole (1.23456万,
    1,234.5円) is "number.fraction", never rounded. Refused with their own codes: another
    currency ($12, 12ドル), a note that changes the meaning (1,234円（税込）, 約1万円, 1万円〜:
    tax treatment belongs to the column, not the cell), scientific notation (1.2E+05).
    """
    return _whole(_number(s, money=True), s)


def parse_decimal(s: str) -> Decimal:
    """An exact decimal (quantities, rates, weights): the same forms as `parse_integer`,
    fractions allowed. The Decimal keeps the digits written (1.50 stays Decimal("1.50"))."""
    return _number(s, money=False)


def parse_percent(s: str) -> Decimal:
    """A percentage as a ratio: "10%" and "１０％" → Decimal("0.10"), "▲2.5%" → -0.025.

    Without a % sign the number is taken as the ratio itself, because that is what Excel stores
    in a cell formatted as a percentage (10% is the value 0.1): "0.1" → 0.1. A bare number
    above 1 is refused ("number.percent_ambiguous"): "10" typed by a person means 10%, the same
    value from Excel means 1000%, and we do not guess which.
    """
    t = _clean(s)
    if not t or len(t) > _MAX_LENGTH:
        raise ValueParseError("number.invalid", s)
    m = _PERCENT.fullmatch(t)
    if m is None:
        raise _fail(s, t)
    with localcontext(_EXACT):
        value = _signed(_plain(m["body"], s), m["s1"])
        if m["pct"]:
            return value.scaleb(-2)
    if abs(value) > 1:
        raise ValueParseError("number.percent_ambiguous", s)
    return value
