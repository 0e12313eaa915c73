from django.contrib import admin

from kizuna.actions.models import Alert, Criterion, Scorecard, WhitespaceCell
from kizuna.core.admin import AuditedAdminMixin


@admin.register(Criterion)
class CriterionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-mostly: criteria are edited on their own pages, where every change keeps a
    revision (services.update_criterion); the admin is for looking things up."""

    list_display = ["name", "entity", "enabled", "schedule", "owner", "last_run_at"]
    list_filter = ["entity", "enabled", "schedule"]
    search_fields = ["name", "purpose"]
    readonly_fields = [f.name for f in Criterion._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Alert)
class AlertAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "criterion", "assignee", "status", "due_on", "outcome_code"]
    list_filter = ["status", "outcome_code", "criterion"]
    search_fields = ["title"]
    raw_id_fields = ["account", "contact", "customer", "assignee", "acted_by"]
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Scorecard)
class ScorecardAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: scorecards are edited on their pages (revisions, recomputed scores)."""

    list_display = ["name", "key", "entity", "active", "owner"]
    list_filter = ["entity", "active"]
    search_fields = ["name", "key", "purpose"]
    readonly_fields = [f.name for f in Scorecard._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(WhitespaceCell)
class WhitespaceCellAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: cells are set on the matrix page, which keeps their history."""

    list_display = ["account", "department", "category", "status", "set_by", "set_at"]
    list_filter = ["status"]
    raw_id_fields = ["account", "department", "set_by"]
    readonly_fields = [f.name for f in WhitespaceCell._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
