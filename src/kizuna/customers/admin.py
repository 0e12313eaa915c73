from django.contrib import admin

from kizuna.core.admin import AuditedAdminMixin
from kizuna.customers.models import Account


@admin.register(Account)
class AccountAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "name_kana", "owner", "team", "updated_at"]
    search_fields = ["name", "name_kana"]
    list_filter = ["team"]
