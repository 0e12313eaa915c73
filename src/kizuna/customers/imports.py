"""Import kinds for customer data: D2C customers, accounts and contacts (core.imports).

Cells are parsed the Japanese way (kizuna.japanese: 令和6年4月1日, 1,234円, ﾔﾏﾀﾞ, 〒100-0001)
and cleaned by the same functions the services use, so an imported record is exactly what the
form would have saved. Header names are recognised in Japanese and English; the lists below are
what Japanese EC, POS and business-card exports actually call their columns.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router
from django.db.models import Case, Value, When
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.core.access import editable_q, visible_q
from kizuna.core.bulk import insert_rows
from kizuna.core.imports import Column, Context, ImportKind, apply_updates, register
from kizuna.core.models import User
from kizuna.customers.models import (
    Account,
    BuyingRole,
    Contact,
    Customer,
    CustomFieldDefinition,
    CustomFieldType,
    Department,
    EmployeeBand,
    Gender,
)
from kizuna.customers.search import keys_for
from kizuna.customers.services import (
    _check_assignable,
    _clean_all,
    _single_line,
    clean_corporate_number,
    clean_custom,
    clean_phone,
    clean_postal_code,
    clean_reading,
    custom_definitions_by_key,
)
from kizuna.japanese import lookup_postal_code, match_key, split_legal_form
from kizuna.japanese.dates import parse_date
from kizuna.japanese.email import normalize_email
from kizuna.japanese.names import split_full_name, split_kana_name
from kizuna.japanese.values import ValueParseError, parse_decimal, parse_integer

BATCH_SIZE = 2000

# --- cell parsers --------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "y", "はい", "可", "許可", "希望", "希望する", "する", "有", "あり",
         "○", "〇", "◯", "◎", "済", "同意", "同意する", "購読", "配信", "受け取る"}
_FALSE = {"0", "false", "no", "n", "いいえ", "不可", "不許可", "希望しない", "しない", "無", "なし",
          "×", "✕", "-", "拒否", "未同意", "同意しない", "停止", "配信停止", "受け取らない"}


def parse_flag(text: str) -> bool:
    key = match_key(text)
    if key in {match_key(t) for t in _TRUE}:
        return True
    if key in {match_key(t) for t in _FALSE}:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no (use 1/0, 可/不可, ○/×).")
                          % {"value": text})


_GENDERS = {
    Gender.FEMALE: ("女", "女性", "f", "female", "woman", "おんな", "じょせい"),
    Gender.MALE: ("男", "男性", "m", "male", "man", "おとこ", "だんせい"),
    Gender.OTHER: ("その他", "other", "x"),
    Gender.UNKNOWN: ("不明", "未回答", "回答しない", "unknown", "-"),
}
def _by_label(choices: Any, aliases: dict[Any, tuple[str, ...]]) -> dict[str, str]:
    """match key -> choice value, from the aliases and the choices' labels in every language
    (what an export wrote)."""
    table = {match_key(a): str(v) for v, names in aliases.items() for a in names}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            table.update({match_key(str(c.label)): str(c.value) for c in choices})
    table.update({match_key(str(c.value)): str(c.value) for c in choices if c.value})
    return table


@functools.cache
def _gender_table() -> dict[str, str]:
    return _by_label(Gender, _GENDERS)


@functools.cache
def _role_table() -> dict[str, str]:
    return _by_label(BuyingRole, _BUYING_ROLES)


def parse_gender(text: str) -> str:
    try:
        return _gender_table()[match_key(text)]
    except KeyError:
        raise ValidationError(_("“%(value)s” is not a gender we know (女性/男性/その他/不明).")
                              % {"value": text}) from None


def parse_year(text: str) -> int:
    """1985, 1985年, 昭和60年, 昭和60, S60 (a bare era year is a year, not a date)."""
    bare = text.strip().removesuffix("生まれ").removesuffix("生").removesuffix("年")
    try:
        return parse_integer(bare)
    except ValueParseError:
        if "月" in text:
            return parse_date(text).year
        try:
            return parse_date(f"{bare}年1月1日").year
        except ValueParseError as exc:  # 平成元年 began on 8 January: its last day is in it
            if exc.code != "date.era_range":
                raise
            return parse_date(f"{bare}年12月31日").year


def parse_tags(text: str) -> list[str]:
    for sep in "、，,;；/／|｜":
        text = text.replace(sep, ",")
    return list(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


_BUYING_ROLES = {
    BuyingRole.DECISION_MAKER: ("決裁者", "意思決定者", "決定者", "decision maker"),
    BuyingRole.APPROVER: ("承認者", "approver"),
    BuyingRole.INFLUENCER: ("影響者", "インフルエンサー", "influencer"),
    BuyingRole.USER: ("利用者", "ユーザー", "使用者", "user"),
    BuyingRole.PURCHASER: ("購買担当", "購買", "購買担当者", "purchaser", "purchasing contact"),
}


def parse_buying_role(text: str) -> str:
    try:
        return _role_table()[match_key(text)]
    except KeyError:
        raise ValidationError(_("“%(value)s” is not a buying role (決裁者/承認者/影響者/利用者/"
                                "購買担当).") % {"value": text}) from None


def parse_employee_band(text: str) -> str:
    """'120', '120名', '120人' or a band as written ('50-299')."""
    for band in EmployeeBand:
        if match_key(text) in {match_key(band.value), match_key(str(band.label))}:
            return str(band.value)
    n = parse_integer(text.removesuffix("名").removesuffix("人"))
    for limit, band in ((9, "1-9"), (49, "10-49"), (299, "50-299"), (999, "300-999")):
        if n <= limit:
            return band
    return "1000+"


def parse_level(text: str) -> int:
    level = parse_integer(text)
    if not 1 <= level <= 7:
        raise ValidationError(_("The relationship level is 1 to 7."))
    return level


def _email(text: str) -> str:
    return normalize_email(text)


def _date(text: str) -> Any:
    return parse_date(text)


# --- shared column sets --------------------------------------------------------------------------

KIZUNA_ID = Column("kizuna_id", gettext_lazy("Kizuna ID"), ("kizuna id", "絆ID"),
                   parse=lambda t: parse_integer(t))
EXTERNAL_ID = Column("external_id", gettext_lazy("external ID"), (
    "ID", "顧客ID", "顧客番号", "顧客コード", "会員ID", "会員番号", "お客様番号", "取引先ID",
    "取引先コード", "会社ID", "企業ID", "担当者ID", "連絡先ID", "名刺ID", "customer id",
    "customer number", "member id", "account id", "contact id", "external id"))
OWNER = Column("owner", gettext_lazy("owner"), (
    "担当者", "担当", "営業担当", "所有者", "担当営業", "owner"))
PERSON_COLUMNS = (
    Column("family_name", gettext_lazy("family name"), (
        "姓", "氏", "苗字", "名字", "last name", "surname", "family name")),
    Column("given_name", gettext_lazy("given name"), (
        "名", "下の名前", "first name", "given name")),
    Column("full_name", gettext_lazy("full name"), (
        "氏名", "名前", "お名前", "顧客名", "会員名", "担当者名", "name", "full name")),
    Column("family_name_kana", gettext_lazy("family name (kana)"), (
        "セイ", "姓カナ", "姓（カナ）", "姓(フリガナ)", "姓フリガナ", "せい", "姓かな",
        "last name kana")),
    Column("given_name_kana", gettext_lazy("given name (kana)"), (
        "メイ", "名カナ", "名（カナ）", "名(フリガナ)", "名フリガナ", "めい", "名かな",
        "first name kana")),
    Column("full_name_kana", gettext_lazy("reading (kana)"), (
        "フリガナ", "ふりがな", "カナ", "かな", "氏名カナ", "氏名（カナ）", "氏名フリガナ",
        "シメイ", "よみがな", "読み", "reading", "kana")),
    Column("email", gettext_lazy("email"), (
        "メール", "メールアドレス", "Eメール", "E-mail", "email address", "mail", "PCメール"),
        parse=_email),
    Column("phone", gettext_lazy("phone"), (
        "電話", "電話番号", "TEL", "携帯", "携帯電話", "携帯番号", "連絡先電話番号",
        "phone number", "tel", "mobile"), parse=clean_phone),
    Column("email_opt_in", gettext_lazy("agrees to email"), (
        "メール配信", "メルマガ", "メルマガ購読", "メール許諾", "メール配信可否", "email opt in"),
        parse=parse_flag, repeats=True),
    Column("phone_opt_in", gettext_lazy("agrees to calls"), (
        "電話可否", "電話連絡可", "phone opt in"), parse=parse_flag, repeats=True),
    Column("postal_mail_opt_in", gettext_lazy("agrees to postal mail"), (
        "DM可否", "DM送付", "郵送DM", "ダイレクトメール", "postal mail opt in"),
        parse=parse_flag, repeats=True),
)
ADDRESS_COLUMNS = (
    Column("postal_code", gettext_lazy("postal code"), (
        "郵便番号", "〒", "郵便", "zip", "zip code", "postcode"),
        parse=clean_postal_code, repeats=True),
    Column("prefecture", gettext_lazy("prefecture"), ("都道府県", "県", "prefecture")),
)


def _custom_columns(entity: str) -> tuple[Column, ...]:
    columns = []
    for d in custom_definitions_by_key(entity).values():
        parse: Any = None
        if d.field_type == CustomFieldType.DATE:
            parse = lambda t: parse_date(t).isoformat()  # noqa: E731
        elif d.field_type == CustomFieldType.NUMBER:
            parse = parse_decimal
        columns.append(Column(f"custom.{d.key}", d.label_ja, (d.label_en, d.key), parse=parse))
    return tuple(columns)


# --- shared behaviour ----------------------------------------------------------------------------


class _OwnedKind(ImportKind):
    """Owned records identified by (source, external_id)."""

    entity: ClassVar[str]
    derived_from: ClassVar[dict[str, str]] = {}

    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + _custom_columns(self.entity)

    def existing(self, keys: list[str], context: Context) -> dict[str, models.Model]:
        """By (source, external ID), or by Kizuna ID ("#<pk>", from an export edited in Excel;
        only records the actor can see: an invisible one is as good as missing)."""
        pks = [int(k[1:]) for k in keys if k.startswith("#")]
        external = [k for k in keys if not k.startswith("#")]
        editable: Any = Value(True)
        if not context.actor.is_administrator:  # editable_q is Q() (everything) for them
            editable = Case(When(editable_q(context.actor), then=Value(True)),
                            default=Value(False))
        manager = self.model._default_manager
        found: dict[str, models.Model] = {}
        if external:
            for r in manager.filter(source=context.source, external_id__in=external
                                    ).annotate(_editable=editable):
                found[r.external_id] = r
            # Records merged into another (名寄せ): the import updates the survivor.
            merged = {k: r.merged_into_id for k, r in found.items() if r.merged_into_id}
            if merged:
                survivors = manager.filter(pk__in=set(merged.values())).annotate(
                    _editable=editable).in_bulk()
                for key, survivor_id in merged.items():
                    found[key] = survivors[survivor_id]
        if pks:
            for r in manager.filter(visible_q(context.actor), pk__in=pks, merged_into=None
                                    ).annotate(_editable=editable):
                found[f"#{r.pk}"] = r
        return found

    def check_update(self, instance: models.Model, context: Context) -> None:
        if not getattr(instance, "_editable", False):
            raise PermissionDenied

    def changes(self, instance: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
        # A record keeps the external ID it has: a row matched to it through a merged
        # duplicate's ID (名寄せ) must not take that ID over (the duplicate still holds it).
        current = getattr(instance, "external_id", "")
        if current and fields.get("external_id") not in (None, current):
            fields = {k: v for k, v in fields.items() if k != "external_id"}
        return super().changes(instance, fields)

    # cleaning helpers

    def _common(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        fields = {k: v for k, v in values.items() if not k.startswith("custom.")}
        custom = {k.removeprefix("custom."): v for k, v in values.items()
                  if k.startswith("custom.")}
        if custom:
            definitions = context.cache.setdefault(
                f"custom:{self.entity}", custom_definitions_by_key(self.entity))
            fields["custom"] = clean_custom(self.entity, custom, definitions=definitions,
                                            partial=True)
        if "owner" in fields:
            fields["owner"] = _owner(fields["owner"], context)
        if "kizuna_id" in fields:
            fields["_key"] = f"#{fields.pop('kizuna_id')}"
        return fields

    def _validate(self, fields: dict[str, Any]) -> None:
        """What the model's own validation would refuse (lengths, ranges, choices) for the
        fields this row sets. Done per field without building a model instance, which cost
        more than everything else a row needs (benchmarks/import_customers.py). Email is
        left out: normalize_email has checked it, and accepts old carrier addresses
        (docomo "a..b@") that Django's validator refuses."""
        errors: dict[str, list[str]] = {}
        for name, value in fields.items():
            f = _model_fields(self.model).get(name)
            if f is None or value in (None, "") or name == "email" or f.is_relation:
                continue
            try:
                f.clean(value, None)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)

    def _create_values(self, fields: dict[str, Any], context: Context) -> dict[str, Any]:
        fields = dict(fields)
        fields["source"] = context.source
        fields.setdefault("owner", context.actor)
        fields.setdefault("team", context.team)
        return fields


def _owner(text: str, context: Context) -> User:
    owners: dict[str, User | None] = context.cache.setdefault("owners", {})
    if text not in owners:
        users = User.objects.filter(is_active=True)
        owner = users.filter(username=text).first()
        if owner is None:
            # "山田 太郎" as people write it: last + first name, with or without a space.
            key = match_key(text)
            matches = [u for u in users if key and key in {
                match_key(f"{u.last_name}{u.first_name}"), match_key(u.get_full_name())}]
            owner = matches[0] if len(matches) == 1 else None
        owners[text] = owner
    owner = owners[text]
    if owner is None:
        raise ValidationError({"owner": _("There is no user “%(value)s”.") % {"value": text}})
    checked: set[int] = context.cache.setdefault("assignable", set())
    if owner.pk not in checked:
        _check_assignable(context.actor, owner, context.team)
        checked.add(owner.pk)
    return owner


def _split_names(fields: dict[str, Any]) -> None:
    full = fields.pop("full_name", None)
    if full and not fields.get("family_name"):
        split = split_full_name(full)
        fields["family_name"], fields["given_name"] = split.family, split.given
    kana = fields.pop("full_name_kana", None)
    if kana and not fields.get("family_name_kana"):
        split = split_kana_name(kana, family_hint=fields.get("family_name"))
        fields["family_name_kana"], fields["given_name_kana"] = split.family, split.given


def _person(fields: dict[str, Any]) -> dict[str, Any]:
    _split_names(fields)
    # Phones and postal codes were cleaned cell by cell (Column.parse), so that their errors are
    # reported with every other problem of the row.
    _clean_all(fields, {
        "family_name": _single_line, "given_name": _single_line,
        "family_name_kana": clean_reading, "given_name_kana": clean_reading,
    })
    return fields


# Postal codes repeat across a file (one per town): look each up once.
_lookup_postal_code = functools.lru_cache(maxsize=32768)(lookup_postal_code)


def _fill_prefecture(fields: dict[str, Any], *, city: bool = False) -> None:
    """A postal code and no prefecture: take it (and the city) from the code, as the form's
    autofill does."""
    if fields.get("postal_code") and not fields.get("prefecture"):
        address = _lookup_postal_code(fields["postal_code"])
        if address is not None:
            fields["prefecture"] = address.prefecture
            if city and not fields.get("city"):
                fields["city"] = address.city


def _person_keys(instance: Any) -> dict[str, str]:
    return keys_for(names=[instance.family_name, instance.given_name],
                    readings=[instance.family_name_kana, instance.given_name_kana])


def _company_keys(instance: Any) -> dict[str, str]:
    return keys_for(names=[instance.name], readings=[instance.name_kana], company=True)


def _plain_keys(instance: Any) -> dict[str, str]:
    return keys_for(names=[instance.name], readings=[instance.name_kana])


def _write_owned(kind: _OwnedKind, creates: list[dict[str, Any]],
                 updates: list[tuple[models.Model, dict[str, Any]]], context: Context,
                 keys: Any) -> tuple[int, int]:
    updated = apply_updates(context.actor, kind.model, updates, recompute=keys)
    if not creates:
        return 0, updated
    rows = [kind._create_values(f, context) for f in creates]
    # Every column, so that a batch whose rows set different fields is one INSERT shape.
    names = [f.name for f in kind.model._meta.concrete_fields
             if not f.primary_key and not getattr(f, "auto_now", False)
             and not getattr(f, "auto_now_add", False)]
    model = kind.model
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in names]
    defaults = [_default(f) for f in fields]
    json_fields = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
    values = []
    for row in rows:
        row.update(keys(_Row(row)))
        value = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
        for i, v in enumerate(value):
            if isinstance(v, models.Model):
                value[i] = v.pk
            elif i in json_fields:
                value[i] = fields[i].get_db_prep_save(v, connection)
        values.append(tuple(value))
    insert_rows(model, names, values, BATCH_SIZE)
    return len(rows), updated


class _Row:
    """A new row's fields read like a record's attributes (what the key functions take)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        return self._fields.get(name) or ""


@functools.cache
def _model_fields(model: type[models.Model]) -> dict[str, models.Field]:  # type: ignore[type-arg]
    return {f.name: f for f in model._meta.concrete_fields}


def _default(f: models.Field) -> Any:  # type: ignore[type-arg]
    if f.has_default():
        return f.get_default()
    return None if f.null else ""  # a blank text field (required fields are set by clean)


# --- customers -----------------------------------------------------------------------------------


@register
class CustomerImport(_OwnedKind):
    key = "customers"
    label = gettext_lazy("customers")
    model = Customer
    entity = CustomFieldDefinition.Entity.CUSTOMER
    derived_from = {"family_name": "full_name", "given_name": "full_name",
                    "family_name_kana": "full_name_kana", "given_name_kana": "full_name_kana",
                    "birth_year": "birth_date"}
    required_any = (("family_name", "full_name", "kizuna_id"),)
    columns = (
        KIZUNA_ID, EXTERNAL_ID, *PERSON_COLUMNS, *ADDRESS_COLUMNS,
        Column("gender", gettext_lazy("gender"), ("性別", "sex"), parse=parse_gender, repeats=True),
        Column("birth_year", gettext_lazy("birth year"), ("生年", "生まれ年", "誕生年"),
               parse=parse_year, repeats=True),
        Column("birth_date", gettext_lazy("birth date"), ("生年月日", "誕生日", "date of birth",
                                                          "birthday"), parse=_date, repeats=True),
        Column("first_purchase_date", gettext_lazy("first purchase"), (
            "初回購入日", "初回購入", "初回注文日", "first purchase date"),
            parse=_date, repeats=True),
        OWNER,
    )

    def clean(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        fields = _person(self._common(values, context))
        birth = fields.pop("birth_date", None)
        if birth is not None and "birth_year" not in fields:
            fields["birth_year"] = birth.year
        _fill_prefecture(fields)
        self._validate(fields)
        return fields

    def write(self, creates: list[dict[str, Any]],
              updates: list[tuple[models.Model, dict[str, Any]]],
              context: Context) -> tuple[int, int]:
        return _write_owned(self, creates, updates, context, _person_keys)


# --- accounts ------------------------------------------------------------------------------------


@register
class AccountImport(_OwnedKind):
    key = "accounts"
    label = gettext_lazy("accounts")
    model = Account
    entity = CustomFieldDefinition.Entity.ACCOUNT
    columns = (
        KIZUNA_ID, EXTERNAL_ID,
        Column("name", gettext_lazy("company name"), (
            "会社名", "企業名", "取引先名", "社名", "法人名", "顧客名", "company", "company name",
            "account name", "name")),
        Column("name_kana", gettext_lazy("reading (kana)"), (
            "会社名カナ", "会社名フリガナ", "企業名カナ", "フリガナ", "カナ", "ふりがな",
            "reading", "kana")),
        Column("corporate_number", gettext_lazy("corporate number"), (
            "法人番号", "corporate number"), parse=clean_corporate_number),
        Column("industry", gettext_lazy("industry"), ("業種", "業界", "industry")),
        Column("employee_band", gettext_lazy("employees"), (
            "従業員数", "社員数", "従業員規模", "employees"),
            parse=parse_employee_band, repeats=True),
        *ADDRESS_COLUMNS,
        Column("city", gettext_lazy("city"), ("市区町村", "市町村", "city")),
        Column("address_line1", gettext_lazy("address line 1"), (
            "住所", "住所1", "番地", "町域番地", "所在地", "address", "address 1")),
        Column("address_line2", gettext_lazy("address line 2 (building)"), (
            "住所2", "建物名", "ビル名", "建物", "address 2")),
        Column("phone", gettext_lazy("phone"), ("電話", "電話番号", "TEL", "代表電話",
                                                "phone number", "tel"), parse=clean_phone),
        Column("website", gettext_lazy("website"), ("URL", "ホームページ", "HP", "ウェブサイト",
                                                    "website", "web")),
        Column("relationship_level", gettext_lazy("relationship level"), (
            "関係レベル", "関係性", "relationship"), parse=parse_level, repeats=True),
        Column("tags", gettext_lazy("tags"), ("タグ", "tag"), parse=parse_tags),
        OWNER,
    )

    def clean(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        fields = self._common(values, context)
        if "name" in fields:
            fields["name"] = _single_line(fields["name"])
            fields["legal_form"] = split_legal_form(fields["name"]).legal_form or ""
        _clean_all(fields, {"name_kana": clean_reading})
        if "website" in fields and "://" not in fields["website"]:
            fields["website"] = "https://" + fields["website"]
        _fill_prefecture(fields, city=True)
        self._validate(fields)
        return fields

    def write(self, creates: list[dict[str, Any]],
              updates: list[tuple[models.Model, dict[str, Any]]],
              context: Context) -> tuple[int, int]:
        missing = [i for i, f in enumerate(creates) if not f.get("name")]
        if missing:  # cannot happen after clean for new rows; guards the invariant
            raise ValidationError(_("A new account needs a company name."))
        return _write_owned(self, creates, updates, context, _company_keys)


# --- contacts ------------------------------------------------------------------------------------


@register
class ContactImport(_OwnedKind):
    """Contacts, as business-card apps and SFA exports give them: the company by its import ID
    or by name, the department by name (created when the account does not have it yet)."""

    key = "contacts"
    label = gettext_lazy("contacts")
    model = Contact
    entity = CustomFieldDefinition.Entity.CONTACT
    derived_from = CustomerImport.derived_from
    columns = (
        KIZUNA_ID, EXTERNAL_ID,
        Column("account_external_id", gettext_lazy("account ID"), (
            "会社ID", "取引先ID", "企業ID", "会社コード", "取引先コード", "account id")),
        Column("account_name", gettext_lazy("company name"), (
            "会社名", "企業名", "取引先名", "社名", "company", "company name")),
        Column("department_name", gettext_lazy("department"), (
            "部署", "部署名", "部門", "所属", "department")),
        Column("title", gettext_lazy("title"), ("役職", "肩書", "役職名", "title", "job title")),
        Column("buying_role", gettext_lazy("buying role"), ("役割", "購買役割", "buying role"),
               parse=parse_buying_role, repeats=True),
        *PERSON_COLUMNS,
        OWNER,
    )

    def clean(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        fields = _person(self._common(values, context))
        account = _find_account(fields.pop("account_external_id", None),
                                fields.pop("account_name", None), context)
        if account is not None:
            fields["account"] = account
        department = fields.pop("department_name", None)
        if department:
            fields["_department"] = _single_line(department)
        self._validate(fields)
        return fields

    def write(self, creates: list[dict[str, Any]],
              updates: list[tuple[models.Model, dict[str, Any]]],
              context: Context) -> tuple[int, int]:
        departments: dict[tuple[int, str], Department] = {}

        def department(account: Account, name: str) -> Department:
            key = (account.pk, match_key(name))
            if key not in departments:
                found = next((d for d in account.departments.all()
                              if match_key(d.name) == key[1]), None)
                if found is None:
                    found = Department.objects.create(
                        account=account, name=name, owner=account.owner, team=account.team,
                        **keys_for(names=[name], readings=[]))
                departments[key] = found
            return departments[key]

        for fields in [*creates, *(f for _i, f in updates)]:
            name = fields.pop("_department", None)
            account = fields.get("account")
            if name and account is not None:
                fields["department"] = department(account, name)
        for fields in creates:
            if "account" not in fields:
                raise ValidationError(_("A new contact needs a company."))
            fields.setdefault("owner", fields["account"].owner)
            fields.setdefault("team", fields["account"].team)
        return _write_owned(self, creates, updates, context, _person_keys)


def _find_account(external_id: str | None, name: str | None, context: Context) -> Account | None:
    if not external_id and not name:
        return None
    visible = Account.objects.filter(visible_q(context.actor), merged_into=None)
    cache: dict[tuple[str, str], Account | None] = context.cache.setdefault("accounts", {})
    if external_id:
        key = ("id", external_id)
        if key not in cache:
            cache[key] = visible.filter(source=context.source, external_id=external_id).first()
        if cache[key] is None:
            raise ValidationError({"account_external_id": _(
                "No account with the ID “%(value)s” from this source.") % {"value": external_id}})
        return cache[key]
    assert name is not None
    key = ("name", match_key(name))
    if key not in cache:
        from kizuna.customers.search import search

        candidates = [a for a in search(visible, name)[:20]
                      if match_key(a.name) == key[1]]
        if not candidates:
            from kizuna.japanese import company_match_key

            wanted = company_match_key(name)
            candidates = [a for a in search(visible, split_legal_form(name).base_name)[:50]
                          if company_match_key(a.name) == wanted]
        cache[key] = candidates[0] if len(candidates) == 1 else None
        if len(candidates) > 1:
            raise ValidationError({"account_name": _(
                "Several accounts are called “%(value)s”; give the account ID instead.")
                % {"value": name}})
    if cache[key] is None:
        raise ValidationError({"account_name": _("No account called “%(value)s”.")
                               % {"value": name}})
    return cache[key]
