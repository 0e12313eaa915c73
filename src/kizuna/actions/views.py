"""Pages of the action engine: each person's inbox, one alert (done / snooze / reassign), and
the judgment criteria (list, detail with preview, create and edit with a JSON condition).

Views parse input and call services; reads start from kizuna.actions.queries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kizuna.actions import notifications, services
from kizuna.actions.builtins import install_examples
from kizuna.actions.conditions import (
    NO_VALUE_OPS,
    OPS_BY_AGGREGATE_KIND,
    OPS_BY_TYPE,
)
from kizuna.actions.entities import AGGREGATES, custom_fields, entity_spec
from kizuna.actions.forms import (
    CriterionFilterForm,
    CriterionForm,
    DoneForm,
    ReassignForm,
    SnoozeForm,
)
from kizuna.actions.models import Alert, Criterion, Entity
from kizuna.actions.queries import (
    access_alert,
    access_criterion,
    inbox,
    inbox_people,
    visible_criteria,
    with_open_counts,
)
from kizuna.actions.tasks import RUN_JOB
from kizuna.core.access import NotFound, ReadOnly
from kizuna.core.forms import apply_service_error
from kizuna.core.jobs import start_job
from kizuna.core.lists import get_or_404, render_list, save_form
from kizuna.core.models import Role
from kizuna.core.services import ConcurrentEdit


def _fetch_criterion(request: HttpRequest, pk: int, *, write: bool = False) -> Criterion:
    try:
        return access_criterion(request.user, pk, write=write)
    except NotFound:
        raise Http404 from None
    except ReadOnly:
        raise PermissionDenied from None


def record_url(alert: Alert) -> str:
    """The record's page (the foreign key follows merges; record_id is the id at firing)."""
    return reverse(f"customers:{alert.entity}_detail",
                   args=[getattr(alert, f"{alert.entity}_id")])


# --- inbox ---------------------------------------------------------------------------------------


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """Someone's open tasks: overdue, today, upcoming. Managers may open their team's inboxes
    (?person=ID); everyone else sees their own."""
    person = request.user
    people: list[Any] = []
    if request.user.is_administrator or request.user.role == Role.MANAGER:
        people = list(inbox_people(request.user).order_by("username"))
        wanted = request.GET.get("person", "")
        if wanted:
            person = next((p for p in people if str(p.pk) == wanted), None)
            if person is None:
                raise Http404
    sections = inbox(request.user, person)
    new_ids: set[int] = set()
    if person == request.user:  # highlight what came since the user last looked
        known, seen = notifications.inbox_last_seen(request)
        new_ids = {a.pk for s in sections for a in s.alerts
                   if known and (seen is None or a.fired_at > seen)}
    context = {"sections": sections, "person": person, "people": people, "new_ids": new_ids,
               "nav_active": "inbox", "total": sum(s.count for s in sections)}
    if request.htmx and not request.htmx.boosted:
        return render(request, "actions/partials/inbox_sections.html", context)
    return render(request, "actions/inbox.html", context)


@login_required
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The navigation's badge: the user's open tasks due today or overdue (loaded by htmx, so
    that pages make no query for it)."""
    return render(request, "actions/partials/inbox_badge.html",
                  {"count": notifications.due_task_count(request.user)})


# --- one alert -------------------------------------------------------------------------------


def _alert_page(request: HttpRequest, alert: Alert, *, status: int = 200,
                **forms: Any) -> HttpResponse:
    initial = {"version": alert.version}
    can_act = services.can_act(request.user, alert)
    can_reassign = can_act and (request.user.is_administrator or request.user.role == Role.MANAGER)
    context = {
        "alert": alert, "record_url": record_url(alert), "can_act": can_act,
        "done_form": forms.get("done_form") or DoneForm(initial=initial),
        "snooze_form": forms.get("snooze_form") or SnoozeForm(initial=initial),
        "reassign_form": (forms.get("reassign_form")
                          or ReassignForm(initial=initial, actor=request.user))
        if can_reassign else None,
        "nav_active": "inbox",
    }
    return render(request, "actions/alert_detail.html", context, status=status)


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _alert_page(request, get_or_404(access_alert, request, pk))


def _act(request: HttpRequest, pk: int, form_class: type, name: str,
         call: Any, success: str) -> HttpResponse:
    """POST one of the alert forms: run the service, or show the page again with the errors."""
    alert = get_or_404(access_alert, request, pk)
    if request.method != "POST":
        return redirect("actions:alert_detail", pk=pk)
    if not services.can_act(request.user, alert):
        raise PermissionDenied
    kwargs = {"actor": request.user} if form_class is ReassignForm else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            call(alert=alert, expected_version=version, **data)
        except ConcurrentEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(reverse("actions:inbox"))
    return _alert_page(request, alert, status=422, **{name: form})


@login_required
def alert_done(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, DoneForm, "done_form",
                lambda **kw: services.complete_alert(actor=request.user, **kw),
                _("The task is done. Thank you for recording the outcome."))


@login_required
def alert_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, SnoozeForm, "snooze_form",
                lambda **kw: services.snooze_alert(actor=request.user, **kw),
                _("The task was snoozed."))


@login_required
def alert_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    if not (request.user.is_administrator or request.user.role == Role.MANAGER):
        raise PermissionDenied
    return _act(request, pk, ReassignForm, "reassign_form",
                lambda **kw: services.reassign_alert(actor=request.user, **kw),
                _("The task was reassigned."))


# --- criteria --------------------------------------------------------------------------------


def _criteria(request: HttpRequest, form: CriterionFilterForm) -> QuerySet[Criterion]:
    values = form.values()
    criteria = with_open_counts(visible_criteria(request.user))
    if values.get("q"):
        criteria = criteria.filter(Q(name__icontains=values["q"])
                                   | Q(purpose__icontains=values["q"]))
    if values.get("entity"):
        criteria = criteria.filter(entity=values["entity"])
    if values.get("enabled") in ("0", "1"):
        criteria = criteria.filter(enabled=values["enabled"] == "1")
    return criteria


@login_required
def criterion_list(request: HttpRequest) -> HttpResponse:
    form = CriterionFilterForm(request.GET, actor=request.user)
    manager = services.can_manage_criteria(request.user)
    return render_list(request, queryset=_criteria(request, form), form=form,
                       orders={"name": ("name", "pk"), "recent": ("-updated_at", "-pk")},
                       table="actions/partials/criterion_table.html",
                       context={"nav_active": "inbox", "title": _("Judgment criteria"),
                                "new_url": "actions:criterion_create" if manager else None,
                                "new_label": _("New criterion"), "can_manage": manager})


@login_required
def criterion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _fetch_criterion(request, pk)
    versions = list(criterion.versions.select_related("created_by")[:10])
    return render(request, "actions/criterion_detail.html", {
        "criterion": criterion, "versions": versions,
        "can_manage": services.can_manage_criteria(request.user),
        "condition_json": _pretty(criterion.condition), "nav_active": "inbox"})


def _pretty(condition: Any) -> str:
    import json

    return json.dumps(condition, ensure_ascii=False, indent=2)


@login_required
def criterion_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview fragment of a saved criterion (loaded by the detail page)."""
    criterion = _fetch_criterion(request, pk, write=True)
    return _preview_fragment(request, criterion.entity, criterion.condition, criterion)


def _preview_fragment(request: HttpRequest, entity: str, condition: Any,
                      criterion: Criterion | None) -> HttpResponse:
    try:
        result = services.preview(user=request.user, entity=entity, condition=condition,
                                  criterion=criterion)
    except ValidationError as exc:
        return render(request, "actions/partials/preview.html",
                      {"errors": exc.messages, "entity": entity})
    return render(request, "actions/partials/preview.html", {
        "preview": result, "entity": entity, "entity_label": entity_spec(entity).label,
        "criterion": criterion})


def _reference() -> list[dict[str, Any]]:
    """Fields, aggregates and operators per record type, listed under the condition editor."""
    out = []
    for entity, label in Entity.choices:
        spec = entity_spec(entity)
        fields = [*spec.fields.values(), *custom_fields(spec).values()]
        out.append({
            "entity": entity, "label": label,
            "fields": [{"name": f.name, "label": f.label, "ops": OPS_BY_TYPE[f.type],
                        "choices": f.choices} for f in fields],
            "aggregates": [{"name": a.name, "label": a.label, "params": a.params,
                            "ops": OPS_BY_AGGREGATE_KIND[a.kind]}
                           for name, a in AGGREGATES.items() if name in spec.aggregates],
        })
    return out


def _criterion_form_page(request: HttpRequest, form: CriterionForm,
                         criterion: Criterion | None, preview: HttpResponse | None = None
                         ) -> HttpResponse:
    return render(request, "actions/criterion_form.html", {
        "form": form, "criterion": criterion, "reference": _reference(),
        "preview_html": preview.content.decode() if preview is not None else "",
        "no_value_ops": NO_VALUE_OPS, "nav_active": "inbox"})


def _form_preview(request: HttpRequest, form: CriterionForm,
                  criterion: Criterion | None) -> HttpResponse | None:
    """The "Preview" button: evaluate the condition as typed, without saving anything."""
    if "preview" not in request.POST or not form.is_valid():
        return None
    entity = criterion.entity if criterion else form.cleaned_data["entity"]
    return _preview_fragment(request, entity, form.cleaned_data["condition"], criterion)


@login_required
def criterion_create(request: HttpRequest) -> HttpResponse:
    if not services.can_manage_criteria(request.user):
        raise PermissionDenied
    form = CriterionForm(request.POST or None, actor=request.user)
    preview = _form_preview(request, form, None)
    if preview is None:
        saved = save_form(request, form, lambda version, data: services.create_criterion(
            actor=request.user, **data))
        if saved is not None:
            messages.success(request, _("The criterion “%(name)s” was created. Check its "
                                        "preview, then enable it.") % {"name": saved})
            return redirect("actions:criterion_detail", pk=saved.pk)
    return _criterion_form_page(request, form, None, preview)


@login_required
def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _fetch_criterion(request, pk, write=True)
    form = CriterionForm(request.POST or None, instance=criterion, actor=request.user)
    preview = _form_preview(request, form, criterion)
    if preview is None:
        saved = save_form(request, form, lambda version, data: services.update_criterion(
            actor=request.user, criterion=criterion, expected_version=version, **data))
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect("actions:criterion_detail", pk=saved.pk)
    return _criterion_form_page(request, form, criterion, preview)


def _posted_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0  # never a real version: refused like a stale one


@login_required
@require_POST
def criterion_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _fetch_criterion(request, pk, write=True)
    enable = request.POST.get("enabled") == "1"
    try:
        services.set_criterion_enabled(actor=request.user, criterion=criterion,
                                       expected_version=_posted_version(request),
                                       enabled=enable)
    except ConcurrentEdit as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The criterion is enabled.") if enable
                         else _("The criterion is disabled."))
    if request.POST.get("next") == "effectiveness":  # retired from the effectiveness page
        return redirect("actions:effectiveness")
    return redirect("actions:criterion_detail", pk=criterion.pk)


@login_required
@require_POST
def criterion_run(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _fetch_criterion(request, pk, write=True)
    if not criterion.enabled:
        messages.error(request, _("Enable the criterion before running it."))
        return redirect("actions:criterion_detail", pk=criterion.pk)
    job = start_job(actor=request.user, kind=RUN_JOB,
                    title=_("Run “%(name)s”") % {"name": criterion.name},
                    params={"criteria": [criterion.pk]})
    return redirect("core:job_detail", pk=job.pk)


@login_required
@require_POST
def criteria_run_all(request: HttpRequest) -> HttpResponse:
    if not services.can_manage_criteria(request.user):
        raise PermissionDenied
    job = start_job(actor=request.user, kind=RUN_JOB,
                    title=_("Run every enabled daily criterion"), params={})
    return redirect("core:job_detail", pk=job.pk)


@login_required
@require_POST
def criteria_install(request: HttpRequest) -> HttpResponse:
    if not services.can_manage_criteria(request.user):
        raise PermissionDenied
    created = install_examples(actor=request.user, language=request.LANGUAGE_CODE)
    messages.success(request, ngettext("%(n)d example criterion was added (disabled).",
                                       "%(n)d example criteria were added (disabled).",
                                       len(created)) % {"n": len(created)})
    return redirect("actions:criterion_list")
