"""Forms for customer data. Forms parse input; services clean and validate it the Japanese way
(phones, postal codes, readings), so model validation is left to them (see ServiceForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.commerce.models import Campaign, Channel, Medium
from kizuna.core.forms import ListFilterForm, ServiceForm
from kizuna.core.models import User
from kizuna.customers.models import (
    Account,
    BuyingRole,
    Contact,
    Customer,
    CustomFieldDefinition,
    CustomFieldType,
    Department,
    Gender,
)
from kizuna.customers.queries import visible_accounts, visible_contacts, visible_departments
from kizuna.customers.services import department_and_descendants

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)
PREFECTURE_CHOICES = [("", "—"), *((p, p) for p in PREFECTURES)]

# A select with every visible record would be unusable at a million rows: beyond this many the
# choice list shows only the first ones (validation still accepts any visible record).
MAX_CHOICES = 300


def limit_choices(field: forms.ModelChoiceField, queryset: QuerySet[Any],
                  selected: Any = None) -> None:
    """Validate against the whole ``queryset`` but list at most MAX_CHOICES options."""
    field.queryset = queryset
    shown = list(queryset[:MAX_CHOICES])
    if selected is not None and selected not in shown:
        shown.insert(0, selected)
    field.widget.choices = [("", field.empty_label or "—")] + [
        (obj.pk, field.label_from_instance(obj)) for obj in shown
    ]


CUSTOM_PREFIX = "custom__"


def custom_field_definitions(entity: str) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(entity=entity))


def custom_label(definition: CustomFieldDefinition) -> str:
    return definition.label_ja if get_language() == "ja" else definition.label_en


class CustomFieldsMixin:
    """Adds the admin-defined custom fields of ``custom_entity`` to a ServiceForm.

    Values come from and go to the record's ``custom`` JSON; the service validates them
    (types, choices, required), so the form fields only parse.
    """

    custom_entity: str

    def add_custom_fields(self) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        instance = self.instance  # type: ignore[attr-defined]
        current = instance.custom if instance.pk else {}
        for definition in custom_field_definitions(self.custom_entity):
            field: forms.Field
            if definition.field_type == CustomFieldType.CHOICE:
                field = forms.ChoiceField(choices=[("", "—"), *((c, c) for c in
                                                                definition.choices)])
            elif definition.field_type == CustomFieldType.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
            elif definition.field_type == CustomFieldType.NUMBER:
                field = forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}))
            else:
                field = forms.CharField()
            field.label = custom_label(definition)
            field.required = definition.required
            field.initial = current.get(definition.key)
            fields[CUSTOM_PREFIX + definition.key] = field

    def service_data(self) -> tuple[int | None, dict[str, Any]]:
        version, data = super().service_data()  # type: ignore[misc]
        custom = {name.removeprefix(CUSTOM_PREFIX): data.pop(name)
                  for name in list(data) if name.startswith(CUSTOM_PREFIX)}
        if custom or any(n.startswith(CUSTOM_PREFIX) for n in self.fields):  # type: ignore[attr-defined]
            previous = dict(self.instance.custom) if self.instance.pk else {}  # type: ignore[attr-defined]
            previous.update({k: v.isoformat() if hasattr(v, "isoformat") else v
                             for k, v in custom.items()})
            data["custom"] = {k: v for k, v in previous.items() if v not in (None, "")}
        return version, data


class TagsField(forms.CharField):
    """Tags typed in one box, separated the way people do (、 , ; ／): a list in the record."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        from kizuna.customers.imports import parse_tags

        text = super().to_python(value)
        return parse_tags(text) if text else []


class AccountForm(CustomFieldsMixin, ServiceForm):
    custom_entity = CustomFieldDefinition.Entity.ACCOUNT

    website = forms.URLField(label=Account._meta.get_field("website").verbose_name,
                             required=False, assume_scheme="https")
    tags = TagsField(label=Account._meta.get_field("tags").verbose_name, required=False,
                     help_text=_("Separate with 、 or commas, e.g. 重点先、関東"))

    class Meta:
        model = Account
        fields = ["name", "name_kana", "corporate_number", "industry", "employee_band",
                  "relationship_level", "tags", "phone", "website", "postal_code", "prefecture",
                  "city", "address_line1", "address_line2", "owner", "team"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name_kana"].help_text = _("Katakana or hiragana, e.g. ヤマダセイサクショ")
        self.fields["relationship_level"].widget = forms.Select(
            choices=[("", "—"), *((n, n) for n in range(1, 8))])
        postal_widget(self.fields["postal_code"])
        self.add_custom_fields()


class DepartmentForm(CustomFieldsMixin, ServiceForm):
    """A department of one account; the account is fixed (it comes from the URL or the
    record), the parent is one of the same account's departments."""

    custom_entity = CustomFieldDefinition.Entity.DEPARTMENT

    class Meta:
        model = Department
        fields = ["parent", "name", "name_kana", "phone", "postal_code", "prefecture", "city",
                  "address_line1", "address_line2", "owner", "team"]

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name_kana"].help_text = _("Katakana or hiragana")
        parents = visible_departments(self.actor).filter(account=account)
        if self.instance.pk:
            # A department cannot sit under itself or under one of its own sub-departments.
            parents = parents.exclude(pk__in=department_and_descendants(self.instance))
        else:
            # Like the service: a new department shares the account's owner and team.
            if "owner" in self.fields:
                self.fields["owner"].initial = account.owner_id
            self.fields["team"].initial = account.team_id
        limit_choices(self.fields["parent"], parents,
                      self.instance.parent if self.instance.pk else None)
        postal_widget(self.fields["postal_code"])
        self.add_custom_fields()


def postal_widget(field: forms.Field) -> None:
    """Look the address up as the postal code is typed (customers:postal_lookup)."""
    from django.urls import reverse

    field.help_text = _("e.g. 100-0001: fills in the prefecture and city")
    field.widget.attrs.update({
        "hx-get": reverse("customers:postal_lookup"),
        # input: typing, pasting and IME commits alike; debounced.
        "hx-trigger": "input changed delay:400ms, change",
        "hx-target": "#postal-hint",
        "hx-include": "#id_prefecture, #id_city, #id_address_line1",
        "hx-sync": "this:replace",
        "autocomplete": "postal-code",
        "inputmode": "numeric",
    })


class PersonFormMixin:
    def person_labels(self) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        for name in ("family_name_kana", "given_name_kana"):
            if name in fields:
                fields[name].help_text = _("Katakana or hiragana")


class LinesField(forms.CharField):
    """A list of short values, one per line (the service cleans and checks each)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]


class ContactForm(CustomFieldsMixin, PersonFormMixin, ServiceForm):
    custom_entity = CustomFieldDefinition.Entity.CONTACT
    emails_other = LinesField(label=_("other emails"), required=False,
                              help_text=_("One per line"))
    phones_other = LinesField(label=_("other phones"), required=False,
                              help_text=_("One per line"))

    class Meta:
        model = Contact
        fields = ["account", "department", "family_name", "given_name", "family_name_kana",
                  "given_name_kana", "title", "buying_role", "reports_to", "email",
                  "emails_other", "phone", "phones_other", "email_opt_in", "phone_opt_in",
                  "postal_mail_opt_in", "owner", "team"]

    def __init__(self, *args: Any, account: Account | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_labels()
        actor = self.actor
        if self.instance.pk:
            account = self.instance.account
            del self.fields["account"]  # a contact does not move between companies
        else:
            limit_choices(self.fields["account"], visible_accounts(actor), account)
            if account is not None:
                self.fields["account"].initial = account.pk
        departments = visible_departments(actor)
        colleagues = visible_contacts(actor)
        if account is not None:
            departments = departments.filter(account=account)
            colleagues = colleagues.filter(account=account)
        if self.instance.pk:
            colleagues = colleagues.exclude(pk=self.instance.pk)
        department = self.fields["department"]
        department.label_from_instance = lambda d: f"{d.account.name} / {d.name}"
        limit_choices(department, departments, self.instance.department
                      if self.instance.pk else None)
        reports_to = self.fields["reports_to"]
        reports_to.label_from_instance = lambda c: f"{c.full_name}（{c.account.name}）"
        limit_choices(reports_to, colleagues,
                      self.instance.reports_to if self.instance.pk else None)
        self.add_custom_fields()


class CustomerForm(CustomFieldsMixin, PersonFormMixin, ServiceForm):
    custom_entity = CustomFieldDefinition.Entity.CUSTOMER

    class Meta:
        model = Customer
        fields = ["family_name", "given_name", "family_name_kana", "given_name_kana", "gender",
                  "birth_year", "email", "phone", "postal_code", "prefecture",
                  "acquisition_channel", "acquisition_medium", "acquisition_campaign",
                  "email_opt_in", "phone_opt_in", "postal_mail_opt_in", "owner", "team"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_labels()
        self.fields["acquisition_channel"].queryset = Channel.objects.filter(active=True)
        self.fields["acquisition_medium"].queryset = Medium.objects.filter(active=True)
        self.fields["acquisition_campaign"].queryset = Campaign.objects.filter(active=True)
        postal_widget(self.fields["postal_code"])
        self.add_custom_fields()


# --- list filters --------------------------------------------------------------------------------


def owner_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("Owner"), required=False,
                                  queryset=User.objects.filter(is_active=True))


class AccountFilterForm(ListFilterForm):
    list_id = "account"
    prefecture = forms.ChoiceField(label=_("Prefecture"), choices=PREFECTURE_CHOICES,
                                   required=False)
    industry = forms.CharField(label=_("Industry"), required=False)
    owner = owner_field()
    relationship_level = forms.TypedChoiceField(
        label=_("Relationship level"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), *((n, n) for n in range(1, 8))])


class ContactFilterForm(ListFilterForm):
    list_id = "contact"
    buying_role = forms.ChoiceField(label=_("Buying role"), required=False,
                                    choices=[("", "—"), *BuyingRole.choices])
    account_name = forms.CharField(label=_("Account"), required=False)
    account = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CustomerFilterForm(ListFilterForm):
    list_id = "customer"
    prefecture = forms.ChoiceField(label=_("Prefecture"), choices=PREFECTURE_CHOICES,
                                   required=False)
    gender = forms.ChoiceField(label=_("Gender"), required=False,
                               choices=[("", "—"), *[c for c in Gender.choices if c[0]]])
    acquisition_channel = forms.ModelChoiceField(label=_("Acquisition channel"), required=False,
                                                 queryset=Channel.objects.all())
