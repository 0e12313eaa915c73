"""Customer data: accounts (companies), departments, contacts (B2B) and customers (D2C people).

Names are stored as the user typed them; matching and sorting use derived keys that services
keep up to date (``search_key``, ``sort_key``, see kizuna.customers.search). Display never uses
the normalised forms.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import Team, VersionedModel


class OwnedModel(VersionedModel):
    """A record with an owner, optionally shared with a team (core.access)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("shared with team"),
    )

    class Meta:
        abstract = True


class SearchableModel(models.Model):
    """Derived keys for kana-insensitive search and あいうえお順 sorting (never shown)."""

    search_key = models.CharField(max_length=500, blank=True, editable=False, db_index=True)
    sort_key = models.CharField(max_length=128, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True


class MergeableModel(models.Model):
    """A record that identity resolution can merge into another (名寄せ). A merged record is
    kept, pointing to its survivor, so that the merge can be undone; queries hide it."""

    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_records",
        editable=False, verbose_name=_("merged into"),
    )

    class Meta:
        abstract = True


class ExternalIdModel(models.Model):
    """The id a record has in the system it came from, so re-imports update instead of adding."""

    source = models.CharField(_("source"), max_length=50, blank=True)
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)

    class Meta:
        abstract = True


class AddressModel(models.Model):
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2 (building)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def address(self) -> str:
        return "".join(p for p in (self.prefecture, self.city, self.address_line1,
                                   " " + self.address_line2 if self.address_line2 else "") if p)


class EmployeeBand(models.TextChoices):
    MICRO = "1-9", _("1–9")
    SMALL = "10-49", _("10–49")
    MEDIUM = "50-299", _("50–299")
    LARGE = "300-999", _("300–999")
    ENTERPRISE = "1000+", _("1,000 or more")


def external_id_constraint(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["source", "external_id"], name=name,
        condition=~models.Q(external_id=""),
    )


class Account(OwnedModel, SearchableModel, ExternalIdModel, MergeableModel, AddressModel):
    """取引先（企業）: a customer company."""

    name = models.CharField(_("company name"), max_length=200)
    name_kana = models.CharField(_("reading (kana)"), max_length=200, blank=True)
    legal_form = models.CharField(
        _("legal form"), max_length=20, blank=True, editable=False,
        help_text=_("Recognised from the name: 株式会社, 有限会社, 合同会社 …"),
    )
    corporate_number = models.CharField(
        _("corporate number"), max_length=13, blank=True,
        help_text=_("法人番号: 13 digits"),
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employee_band = models.CharField(
        _("employees"), max_length=10, choices=EmployeeBand.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    relationship_level = models.PositiveSmallIntegerField(
        _("relationship level"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("1–7; 7 = indispensable partner"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        ordering = ["sort_key", "name_kana", "pk"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [external_id_constraint("account_unique_external_id")]

    def __str__(self) -> str:
        return self.name


class Department(OwnedModel, SearchableModel, AddressModel):
    """部門・拠点: a part of an account that can buy on its own."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="departments",
                                verbose_name=_("account"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children", verbose_name=_("parent department"))
    name = models.CharField(_("department or site"), max_length=200)
    name_kana = models.CharField(_("reading (kana)"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        ordering = ["account", "sort_key", "pk"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    APPROVER = "approver", _("Approver")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    PURCHASER = "purchaser", _("Purchasing contact")


class PersonModel(models.Model):
    """A person's name the Japanese way: family name first, with kana readings."""

    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=50, blank=True)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email_opt_in = models.BooleanField(_("agrees to email"), default=False)
    phone_opt_in = models.BooleanField(_("agrees to calls"), default=False)
    postal_mail_opt_in = models.BooleanField(_("agrees to postal mail"), default=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()


class Contact(OwnedModel, SearchableModel, ExternalIdModel, MergeableModel, PersonModel):
    """担当者・関係者: a person at an account, with their role in the buying centre."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts",
                                verbose_name=_("account"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="contacts", verbose_name=_("department"))
    title = models.CharField(_("title"), max_length=100, blank=True)
    buying_role = models.CharField(_("buying role"), max_length=20, choices=BuyingRole.choices,
                                   blank=True)
    reports_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="reports", verbose_name=_("reports to"))
    emails_other = models.JSONField(_("other emails"), default=list, blank=True)
    phones_other = models.JSONField(_("other phones"), default=list, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        ordering = ["sort_key", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [external_id_constraint("contact_unique_external_id")]


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Not given")


class Customer(OwnedModel, SearchableModel, ExternalIdModel, MergeableModel, PersonModel):
    """顧客: a person who buys directly (D2C). Owned by the team that runs the channel."""

    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True, db_index=True)
    acquisition_channel = models.ForeignKey(
        "commerce.Channel", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("acquisition channel"),
    )
    acquisition_medium = models.ForeignKey(
        "commerce.Medium", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("acquisition medium"),
    )
    acquisition_campaign = models.ForeignKey(
        "commerce.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("acquisition campaign"),
    )
    first_purchase_date = models.DateField(_("first purchase"), null=True, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        ordering = ["sort_key", "pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [external_id_constraint("customer_unique_external_id")]


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomFieldDefinition(VersionedModel):
    """An admin-defined field, stored in the entity's ``custom`` JSON: no migration needed."""

    class Entity(models.TextChoices):
        ACCOUNT = "customers.account", _("Account")
        DEPARTMENT = "customers.department", _("Department")
        CONTACT = "customers.contact", _("Contact")
        CUSTOMER = "customers.customer", _("Customer")

    entity = models.CharField(_("record type"), max_length=50, choices=Entity.choices)
    key = models.SlugField(_("key"), max_length=50,
                           help_text=_("Used in the API, imports and exports, e.g. budget_month"))
    label_ja = models.CharField(_("label (Japanese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    field_type = models.CharField(_("type"), max_length=10, choices=CustomFieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["entity", "position", "key"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [models.UniqueConstraint(fields=["entity", "key"],
                                               name="custom_field_unique_key")]

    def __str__(self) -> str:
        return f"{self.entity}.{self.key}"


class Merge(models.Model):
    """One merge of duplicates into a survivor, with what is needed to undo it: the survivor's
    values before, and the ids of every related row that was moved, per relation."""

    kind = models.CharField(_("record type"), max_length=50)  # model label, "customers.customer"
    survivor_id = models.BigIntegerField(_("survivor"))
    merged_ids = models.JSONField(_("merged records"), default=list)
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)  # "app.Model.field" -> [ids]
    score = models.FloatField(_("match probability"), null=True, blank=True)
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("merged by"))
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_ids} → {self.survivor_id}"


class NotDuplicate(models.Model):
    """Two records a person judged to be different: never proposed again as duplicates."""

    kind = models.CharField(max_length=50)
    first_id = models.BigIntegerField()  # the smaller id
    second_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "first_id", "second_id"],
                                               name="not_duplicate_unique_pair")]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_id} ≠ {self.second_id}"


class IdentityLink(models.Model):
    """The identity map: an identifier seen in some channel (an anonymous web visitor's cookie
    id, a login id, a LINE user id, an email hash) that belongs to a customer. Events recorded
    before the customer was known are stitched to them through this link, so their history
    follows when the visitor identifies themselves (form, login) and when customers merge."""

    class Namespace(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous visitor")
        LOGIN = "login", _("Login ID")
        EMAIL = "email", _("Email")
        LINE = "line", _("LINE user")
        OTHER = "other", _("Other")

    namespace = models.CharField(_("namespace"), max_length=20, choices=Namespace.choices)
    value = models.CharField(_("identifier"), max_length=200)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identity_links",
                                 verbose_name=_("customer"))
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    identified_at = models.DateTimeField(_("identified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity link")
        verbose_name_plural = _("identity links")
        constraints = [models.UniqueConstraint(fields=["namespace", "value"],
                                               name="identity_link_unique_identifier")]

    def __str__(self) -> str:
        return f"{self.namespace}:{self.value} → {self.customer_id}"


class DuplicateGroup(models.Model):
    """Records the last identity scan found to be one person or company, waiting for review.
    ``pairs`` keep each scored pair's explanation (which fields agreed, how much it counted)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not duplicates")
        STALE = "stale", _("Outdated")

    kind = models.CharField(_("record type"), max_length=50)
    record_ids = models.JSONField(_("records"), default=list)
    score = models.FloatField(_("match probability"))
    decision = models.CharField(_("suggestion"), max_length=10)  # "merge" | "review"
    pairs = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN, db_index=True)
    merge = models.ForeignKey(Merge, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")

    def __str__(self) -> str:
        return f"{self.kind} {self.record_ids} ({self.score:.2f})"
