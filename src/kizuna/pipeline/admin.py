"""Django admin for the lead stages (THE MODEL), the deal pipelines with their stages and the
lost reasons: each company names, orders and describes its own. Saves are recorded in the
audit ledger like a service's, and bump the version so an open service form sees the change."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from kizuna.core.admin import AuditedAdminMixin
from kizuna.core.ledger import diff, field_values, record_change
from kizuna.pipeline.models import (
    DealPipeline,
    DealStage,
    LeadStage,
    LostReason,
    SuccessStage,
)


class VersionBumpMixin(AuditedAdminMixin):
    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            obj.version += 1  # an open service form on this record must see it changed
        super().save_model(request, obj, form, change)


@admin.register(LeadStage)
class LeadStageAdmin(VersionBumpMixin, admin.ModelAdmin):
    list_display = ["position", "code", "name_ja", "name_en", "kind", "division"]
    list_display_links = ["code"]
    list_editable = ["position"]
    ordering = ["position", "pk"]
    fields = ["code", "name_ja", "name_en", "kind", "position", "division", "entry_criterion"]


class DealStageInline(admin.TabularInline):
    model = DealStage
    fields = ["position", "code", "name_ja", "name_en", "kind", "probability"]
    ordering = ["position", "pk"]
    extra = 0


@admin.register(DealPipeline)
class DealPipelineAdmin(VersionBumpMixin, admin.ModelAdmin):
    list_display = ["position", "code", "name_ja", "name_en", "active"]
    list_display_links = ["code"]
    list_editable = ["position"]
    ordering = ["position", "pk"]
    fields = ["code", "name_ja", "name_en", "position", "active"]
    inlines = [DealStageInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        """The stages edited inline: each change in the ledger like a save of its own."""
        with transaction.atomic():
            before = {obj.pk: field_values(DealStage.objects.get(pk=obj.pk))
                      for obj in formset.queryset if obj.pk}
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                record_change(request.user, "delete", obj, diff(field_values(obj), {}))
                obj.delete()
            for obj in instances:
                existed = obj.pk is not None
                if existed:
                    obj.version += 1
                obj.save()
                record_change(request.user, "update" if existed else "create", obj,
                              diff(before.get(obj.pk, {}), field_values(obj)))
            formset.save_m2m()


@admin.register(LostReason)
class LostReasonAdmin(VersionBumpMixin, admin.ModelAdmin):
    list_display = ["position", "code", "name_ja", "name_en", "active"]
    list_display_links = ["code"]
    list_editable = ["position"]
    ordering = ["position", "pk"]
    fields = ["code", "name_ja", "name_en", "position", "active"]


@admin.register(SuccessStage)
class SuccessStageAdmin(VersionBumpMixin, admin.ModelAdmin):
    """The customer-success stages after the contract (docs/decisions/0304)."""

    list_display = ["position", "code", "name_ja", "name_en", "kind"]
    list_display_links = ["code"]
    list_editable = ["position"]
    ordering = ["position", "pk"]
    fields = ["code", "name_ja", "name_en", "kind", "position"]
