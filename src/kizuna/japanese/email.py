"""Email addresses: a clean stored form, and a key that finds the same mailbox written twice.

`normalize_email` is for storage and display: it fixes what Japanese typing does to an address
(full-width ＠ and letters, spaces around it, an IME's 。 in the domain) and lower-cases the
domain, but keeps the local part as written, because only the receiving server may decide
what it means. `email_match_key` is for identity resolution (名寄せ) only: everything
lower-cased, and for providers that document it, the spellings they deliver to one mailbox
folded together (docs/decisions/0105-japanese-value-parsing.md).
"""

from __future__ import annotations

import re
import unicodedata

from kizuna.japanese.values import ValueParseError

__all__ = ["email_match_key", "normalize_email"]

# RFC 5322 dot-atom characters. Quoted local parts ("a b"@example.com) are legal but so rare
# in customer data that one is far more likely a paste error; they are refused.
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

# Before 2009 NTT docomo and au issued addresses that break RFC 5322: two dots in a row and a
# dot right before the @ (taro..yamada@docomo.ne.jp, taro.@ezweb.ne.jp). They still deliver and
# their owners still use them, so for these domains only those two forms are accepted.
_LEGACY_DOTS_DOMAINS = frozenset({"docomo.ne.jp", "ezweb.ne.jp"})

# Providers whose own documentation says which spellings reach one mailbox. Google: dots in a
# gmail.com address do not matter, and user+anything@ is delivered to user@; googlemail.com is
# the same service. Nobody else is listed on purpose (see the ADR): folding dots or a +tag
# where the provider does not promise it would merge two different people.
_GMAIL = frozenset({"gmail.com", "googlemail.com"})

# Characters an IME or a phone may put for the dot in a domain; IDNA treats them as dots.
_IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff61": ".", "\uff0e": "."})


def _ascii_domain(domain: str, s: str) -> str:
    """The domain in ASCII (punycode for 日本語.jp), validated label by label."""
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except (UnicodeError, ValueError):
        raise ValueParseError("email.invalid", s) from None
    ascii_domain = ascii_domain.lower()
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()  # an IP address, or a typo
    ):
        raise ValueParseError("email.invalid", s)
    return ascii_domain


def _split(s: str) -> tuple[str, str, str]:
    """(local part as written, domain lower-cased, domain in ASCII) or ValueParseError."""
    t = unicodedata.normalize("NFKC", s).strip()
    if t.count("@") != 1 or len(t) > 254 or any(ch.isspace() for ch in t):
        raise ValueParseError("email.invalid", s)
    local, _, domain = t.partition("@")
    domain = domain.translate(_IDEOGRAPHIC_DOTS).lower()
    ascii_domain = _ascii_domain(domain, s)
    if not (0 < len(local) <= 64 and _ATOM.fullmatch(local)) or local.startswith("."):
        raise ValueParseError("email.invalid", s)
    if (".." in local or local.endswith(".")) and ascii_domain not in _LEGACY_DOTS_DOMAINS:
        raise ValueParseError("email.invalid", s)
    return local, domain, ascii_domain


def normalize_email(s: str) -> str:
    """The address to store: NFKC (ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ -> yamada@example.com),
    trimmed, the domain lower-cased (an internationalised domain stays in Unicode), the
    local part exactly as written (Taro.Yamada stays). Raises ValueParseError("email.invalid")
    unless it is one plausible address: one @, an unquoted ASCII local part of at most 64
    characters, a domain of at least two valid labels. Idempotent.
    """
    local, domain, _ = _split(s)
    return f"{local}@{domain}"


def email_match_key(s: str) -> str:
    """Key for identity resolution: equal keys mean the same mailbox. Never displayed.

    Lower-cased throughout, the domain in ASCII (punycode). For gmail.com and
    googlemail.com only, as Google documents: dots in the local part are dropped, a +tag is
    dropped, and googlemail.com becomes gmail.com (Taro.Yamada+shop@googlemail.com ->
    taroyamada@gmail.com). Every other domain keeps its dots and +tags: a.b@example.com and
    ab@example.com can be two people. Raises ValueParseError like `normalize_email`.
    Idempotent.
    """
    local, _, ascii_domain = _split(s)
    local = local.lower()
    if ascii_domain in _GMAIL:
        base = local.split("+", 1)[0].replace(".", "")
        if base:  # "+tag@gmail.com" is no Gmail account; leave such an oddity alone
            local = base
        ascii_domain = "gmail.com"
    return f"{local}@{ascii_domain}"
