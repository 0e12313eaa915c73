"""Django admin for the lead stages: each company names, orders and describes its own stages
(THE MODEL). Saves are recorded in the audit ledger like a service's."""

from __future__ import annotations

from django.contrib import admin

from kizuna.core.admin import AuditedAdminMixin
from kizuna.pipeline.models import LeadStage


@admin.register(LeadStage)
class LeadStageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["position", "code", "name_ja", "name_en", "kind", "division"]
    list_display_links = ["code"]
    list_editable = ["position"]
    ordering = ["position", "pk"]
    fields = ["code", "name_ja", "name_en", "kind", "position", "division", "entry_criterion"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            obj.version += 1  # an open service form on this stage must see it changed
        super().save_model(request, obj, form, change)
