"""Django admin for user and team management. Saves go through services so they are audited."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kizuna.core.ledger import diff, field_values, record_change
from kizuna.core.models import Job, LedgerEntry, Team, User


class AuditedAdminMixin:
    """Record admin saves and deletes in the audit ledger, like a service would."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from django.db import transaction

        with transaction.atomic():
            before = field_values(type(obj).objects.get(pk=obj.pk)) if change else {}
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            record_change(request.user, "update" if change else "create", obj,
                          diff(before, field_values(obj)))

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        from django.db import transaction

        with transaction.atomic():
            record_change(request.user, "delete", obj, diff(field_values(obj), {}))
            super().delete_model(request, obj)  # type: ignore[misc]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "teams"]
    fieldsets = [
        *BaseUserAdmin.fieldsets[:2],  # type: ignore[misc]
        (_("Kizuna"), {"fields": ["role", "teams", "language"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"],
                "fields": ["username", "role", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["teams"]

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_active and request.user.is_administrator


@admin.register(Team)
class TeamAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_name", "action", "model", "object_id"]
    list_filter = ["action", "model"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "progress", "total", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]

