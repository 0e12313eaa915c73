"""Identity resolution pages: the review queue, one group side by side, merges and undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kizuna.core.jobs import start_job
from kizuna.customers.identity import (
    MERGEABLE,
    SCAN_JOB,
    choosable_fields,
    dismiss_group,
    merge_group,
    scan_records,
    undo_merge,
)
from kizuna.customers.models import DuplicateGroup, Merge

KIND_LABELS = {"customers": gettext_lazy("Customers"), "contacts": gettext_lazy("Contacts"),
               "accounts": gettext_lazy("Accounts")}


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind") or request.POST.get("kind") or "customers"
    if kind not in MERGEABLE:
        raise Http404
    return kind


def _require_writer(request: HttpRequest) -> None:
    if not request.user.can_write:
        raise PermissionDenied


def _groups_for(request: HttpRequest, kind: str) -> models.QuerySet[DuplicateGroup]:
    """Open groups whose records the user may all still edit (a scan by an administrator
    finds groups a member must not see)."""
    groups = DuplicateGroup.objects.filter(kind=kind, status=DuplicateGroup.Status.OPEN)
    if request.user.is_administrator:
        return groups
    editable = set(scan_records(request.user, kind).values_list("pk", flat=True))
    return groups.filter(pk__in=[g.pk for g in groups if set(g.record_ids) <= editable])


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    kind = _kind(request)
    groups = _groups_for(request, kind)
    page = Paginator(groups, 50).get_page(request.GET.get("page"))
    records = MERGEABLE[kind]._default_manager.in_bulk(
        {i for g in page.object_list for i in g.record_ids})
    rows = [{"group": g, "records": [records[i] for i in g.record_ids if i in records]}
            for g in page.object_list]
    return render(request, "customers/identity/queue.html", {
        "kind": kind, "kinds": KIND_LABELS, "rows": rows, "page": page,
        "nav_active": "identity", "merges": Merge.objects.filter(
            kind=kind, created_by=request.user)[:10],
    })


@login_required
@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    kind = _kind(request)
    job = start_job(actor=request.user, kind=SCAN_JOB,
                    title=_("Find duplicates: %(kind)s") % {"kind": KIND_LABELS[kind]},
                    params={"kind": kind})
    return redirect("core:job_detail", pk=job.pk)


def _display(record: models.Model, field: models.Field) -> Any:  # type: ignore[type-arg]
    value = getattr(record, field.name)
    if field.choices and value:
        return getattr(record, f"get_{field.name}_display")()
    return value if value not in (None, "", [], {}) else ""


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_writer(request)
    group = get_object_or_404(DuplicateGroup, pk=pk)
    if not _groups_for(request, group.kind).filter(pk=pk).exists() \
            and group.status == DuplicateGroup.Status.OPEN:
        raise Http404
    model = MERGEABLE[group.kind]
    records = model._default_manager.in_bulk(group.record_ids)
    ordered = [records[i] for i in group.record_ids if i in records]
    if len(ordered) < 2:
        raise Http404
    # The oldest record survives by default: it has the longest history.
    survivor = min(ordered, key=lambda r: (r.created_at, r.pk))
    fields = []
    for field in choosable_fields(model):
        values = [_display(r, field) for r in ordered]
        if not any(v != "" for v in values) or field.name in ("owner", "team", "custom"):
            continue
        default = next((r.pk for r in [survivor, *ordered] if _display(r, field) != ""),
                       survivor.pk)
        fields.append({"name": field.name, "label": field.verbose_name,
                       "values": list(zip([r.pk for r in ordered], values, strict=True)),
                       "same": len({str(v) for v in values}) == 1, "default": default})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "dismiss":
                dismiss_group(actor=request.user, group=group)
                messages.success(request, _("Marked as not duplicates: they will not be "
                                            "proposed again."))
                return redirect(f"{_queue_url()}?kind={group.kind}")
            survivor_id = int(request.POST.get("survivor", survivor.pk))
            values = {}
            for item in fields:
                chosen = request.POST.get(f"field-{item['name']}")
                if chosen and chosen.isdigit() and int(chosen) in records:
                    source = records[int(chosen)]
                    f = model._meta.get_field(item["name"])
                    values[item["name"]] = getattr(source, f.attname)
            merge = merge_group(actor=request.user, group=group, survivor_id=survivor_id,
                                values=values)
        except (ValidationError, PermissionDenied, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Merged. You can undo this from the list of merges."))
            return redirect(_detail_url(group.kind, merge.survivor_id))
    return render(request, "customers/identity/review.html", {
        "group": group, "records": ordered, "survivor": survivor, "fields": fields,
        "kind_label": KIND_LABELS[group.kind], "nav_active": "identity",
    })


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    _require_writer(request)
    merge = get_object_or_404(Merge, pk=pk)
    try:
        undo_merge(actor=request.user, merge=merge)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        DuplicateGroup.objects.filter(merge=merge).update(status=DuplicateGroup.Status.STALE)
        messages.success(request, _("The merge was undone: the records are separate again."))
    return redirect(f"{_queue_url()}?kind={merge.kind}")


def _queue_url() -> str:
    from django.urls import reverse

    return reverse("identity:queue")


def _detail_url(kind: str, pk: int) -> str:
    from django.urls import reverse

    name = {"customers": "customer_detail", "contacts": "contact_detail",
            "accounts": "account_detail"}[kind]
    return reverse(f"customers:{name}", args=[pk])
