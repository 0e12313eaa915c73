"""Activities: the list of recorded touches, "log activity" from an account, contact or
customer page, and editing or deleting one (from its edit page). Leads (THE MODEL): the pipeline
page (Sankey of stage flows, stage table, trend), lead lists per stage and a lead's history with
"move to stage"."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.core.access import NotFound, can_edit
from kizuna.core.forms import apply_service_error
from kizuna.core.ledger import history
from kizuna.core.lists import get_or_404, render_list, save_form, with_editable
from kizuna.core.services import ConcurrentEdit
from kizuna.core.timezones import local_day_bounds
from kizuna.customers.queries import access_account, access_contact, access_customer
from kizuna.customers.search import search_condition
from kizuna.customers.views import confirm_delete_page, deleted
from kizuna.pipeline import services
from kizuna.pipeline.forms import (
    ActivityFilterForm,
    ActivityForm,
    BoardForm,
    DealContactForm,
    DealFilterForm,
    DealForm,
    DealMoveForm,
    ForecastForm,
    FunnelForm,
    LeadFeedbackForm,
    LeadFilterForm,
    LeadForm,
    LeadMoveForm,
    line_formset,
)
from kizuna.pipeline.models import Activity, Deal, Lead, LeadTransition, LostReason, StageKind
from kizuna.pipeline.queries import (
    CLOSED_DAYS,
    LeadFunnel,
    access_activity,
    access_deal,
    access_lead,
    deal_activities,
    deal_contacts,
    deal_forecast,
    deal_lines,
    deal_pipelines,
    deal_stage_changes,
    lead_feedback,
    lead_funnel,
    lead_stages,
    lead_transitions,
    month_range,
    visible_activities,
    visible_deals,
    visible_leads,
    win_rates,
)
from kizuna.pipeline.queries import deal_board as board_columns

LINKS = {"account": access_account, "contact": access_contact, "customer": access_customer}


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET, actor=request.user)
    values = form.values()
    activities = with_editable(visible_activities(request.user), request.user)
    if values.get("q"):
        activities = activities.filter(
            Q(subject__icontains=values["q"].strip())
            | search_condition(values["q"], "account__search_key")
            | search_condition(values["q"], "contact__search_key")
            | search_condition(values["q"], "customer__search_key"))
    for name in ("kind", "outcome_code", "owner"):
        if values.get(name):
            activities = activities.filter(**{name: values[name]})
    return render_list(request, queryset=activities, form=form,
                       orders={"newest": ("-occurred_at", "-pk"),
                               "oldest": ("occurred_at", "pk")},
                       table="pipeline/partials/activity_table.html",
                       context={"nav_active": "activities", "title": _("Activities")})


def _subject_of(activity: Activity | None, links: dict[str, Any]) -> Any:
    record = (activity and (activity.contact or activity.customer or activity.account)) or \
        links.get("contact") or links.get("customer") or links.get("account")
    return record


def _back_url(record: Any) -> str:
    if record is None:
        return reverse("pipeline:activity_list")
    name = type(record).__name__.lower()
    return reverse(f"customers:{name}_detail", args=[record.pk])


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    """Log an activity about ?account=, ?contact= or ?customer= (one of them)."""
    if not request.user.can_write:
        raise PermissionDenied
    links: dict[str, Any] = {}
    for name, fetch in LINKS.items():
        if request.GET.get(name):
            try:
                links[name] = fetch(request.user, request.GET[name])
            except NotFound:
                raise Http404 from None
    if request.GET.get("deal"):
        # Logged from a deal's page: about the deal's buyer, on the deal's timeline.
        links["deal"] = get_or_404(access_deal, request, request.GET["deal"])
    if not links:
        raise Http404
    form = ActivityForm(request.POST or None, actor=request.user)
    activity = save_form(request, form, lambda version, data: services.log_activity(
        actor=request.user, **links, **data))
    record = links.get("deal") or _subject_of(None, links)
    back_url = reverse("pipeline:deal_detail", args=[record.pk]) if isinstance(record, Deal) \
        else _back_url(record)
    if activity is not None:
        messages.success(request, _("The activity was logged."))
        return redirect(back_url)
    return render(request, "pipeline/activity_form.html", {
        "form": form, "record": record, "back_url": back_url, "nav_active": "activities"})


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_or_404(access_activity, request, pk, write=True)
    form = ActivityForm(request.POST or None, instance=activity, actor=request.user)
    saved = save_form(request, form, lambda version, data: services.update_activity(
        actor=request.user, activity=activity, expected_version=version, **data))
    record = _subject_of(activity, {})
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect(_back_url(record))
    return render(request, "pipeline/activity_form.html", {
        "form": form, "activity": activity, "record": record, "back_url": _back_url(record),
        "nav_active": "activities"})


@login_required
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_or_404(access_activity, request, pk, write=True)
    record = _subject_of(activity, {})
    if request.method == "POST":
        if not deleted(request, lambda version: services.delete_activity(
                actor=request.user, activity=activity, expected_version=version)):
            return redirect("pipeline:activity_edit", pk=activity.pk)
        messages.success(request, _("The activity “%(subject)s” was deleted.")
                         % {"subject": activity.subject})
        return redirect(_back_url(record))
    return confirm_delete_page(
        request, record=activity, title=_("Delete activity"),
        explanation=_("The activity and its outcome are removed. The audit ledger keeps the "
                      "record of it."),
        cancel_url=reverse("pipeline:activity_edit", args=[activity.pk]),
        nav_active="activities")


# --- the pipeline page (THE MODEL) ---------------------------------------------------------------

# Sankey colours by kind of move (the legend on the page names them).
LINK_COLOURS = {
    "new": "rgba(120, 144, 156, 0.35)",
    "forward": "rgba(33, 102, 172, 0.35)",
    "fast_pass": "rgba(0, 150, 110, 0.55)",
    "back": "rgba(123, 82, 171, 0.45)",
    "recycle": "rgba(230, 126, 34, 0.5)",
    "revival": "rgba(241, 196, 15, 0.6)",
    "dead_end": "rgba(90, 90, 90, 0.5)",
}
NODE_COLOURS = {"new": "#78909c", StageKind.MAIN: "#2166ac", StageKind.RECYCLE: "#e67e22",
                StageKind.DEAD_END: "#5a5a5a"}


def _link_kind(funnel: LeadFunnel, source: int | None, target: int) -> str:
    path = funnel.report.path
    main = len(path.main)
    if source is None:
        return "new"
    if target == path.recycle_code:
        return "recycle"
    if target == path.dead_end_code:
        return "dead_end"
    if path.is_fast_pass(source, target):
        return "fast_pass"
    if source >= main:
        return "revival"
    return "back" if target < source else "forward"


def _sankey(funnel: LeadFunnel) -> dict[str, Any]:
    """Nodes and links of the window's transitions for Plotly (node 0: new leads)."""
    labels = {"new": _("New leads"), "forward": _("Next stage"), "fast_pass": _("Fast pass"),
              "back": _("Sent back"), "recycle": _("Recycle"), "revival": _("Came back"),
              "dead_end": _("Dead end")}
    totals = funnel.report.links.sum(axis=2)
    nodes = [str(labels["new"]), *(s.label for s in funnel.stages)]
    data: dict[str, Any] = {
        "nodes": nodes,
        "node_colors": [NODE_COLOURS["new"], *(NODE_COLOURS[StageKind(s.kind)]
                                               for s in funnel.stages)],
        "sources": [], "targets": [], "values": [], "link_colors": [], "link_labels": [],
    }
    for f in range(totals.shape[0]):
        for t in range(totals.shape[1]):
            if not totals[f, t]:
                continue
            kind = _link_kind(funnel, f - 1 if f else None, t)
            data["sources"].append(f)
            data["targets"].append(t + 1)
            data["values"].append(int(totals[f, t]))
            data["link_colors"].append(LINK_COLOURS[kind])
            data["link_labels"].append(f"{nodes[f]} → {nodes[t + 1]} ({labels[kind]})")
    data["legend"] = [(str(labels[k]), LINK_COLOURS[k]) for k in LINK_COLOURS]
    return data


def _rate(value: float) -> float | None:
    return None if math.isnan(value) else value


def _period_label(funnel: LeadFunnel, index: int) -> str:
    start, end = funnel.period_bounds(index)
    if funnel.freq == "month":
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}〜{end:%m-%d}"


@login_required
def funnel(request: HttpRequest) -> HttpResponse:
    """Sankey of the stage flows over the trend window, the stage table of its last period
    (flow, balance, conversion, median days, fast passes; each number drills down to its
    leads) and the flow per period."""
    form = FunnelForm(request.GET or None)
    values = form.values()
    view = lead_funnel(request.user, freq=values["freq"], periods=values["periods"],
                       until=values["until"])
    report = view.report
    last = report.periods - 1
    start, end = view.period_bounds(last)
    list_url = reverse("pipeline:lead_list")
    entered = f"entered_from={start:%Y-%m-%d}&entered_to={end:%Y-%m-%d}"
    rows = [{
        "stage": stage,
        "flow": int(report.flow[i, last]),
        "flow_url": f"{list_url}?entered={stage.code}&{entered}",
        "balance": int(report.balance[i, last]),
        "balance_url": f"{list_url}?stage={stage.code}",
        "conversion": _rate(report.conversion_rate[i, last]),
        "recycled": _rate(report.recycle_rate[i, last]),
        "dead_ended": _rate(report.dead_end_rate[i, last]),
        "open": int(report.open[i, last]),
        "median_days": _rate(report.median_days[i, last]),
        "fast_passes": int(report.fast_passes[i, last]),
    } for i, stage in enumerate(view.stages)]
    trend = [{"stage": stage, "pairs": list(zip(report.flow[i].tolist(),
                                                report.balance[i].tolist(), strict=True))}
             for i, stage in enumerate(view.stages)]
    first_start, _ignored = view.period_bounds(0)
    return render(request, "pipeline/funnel.html", {
        "form": form, "rows": rows, "trend": trend,
        "periods": [_period_label(view, q) for q in range(report.periods)],
        "period_label": _period_label(view, last), "period_start": start, "period_end": end,
        "window_start": first_start, "leads_at_end": int(report.leads[last]),
        "sankey": _sankey(view), "has_links": bool(report.links.sum()),
        "nav_active": "pipeline",
    })


# --- leads ---------------------------------------------------------------------------------------


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET, actor=request.user, stages=lead_stages())
    values = form.values()
    leads = visible_leads(request.user)
    if values.get("q"):
        leads = leads.filter(
            Q(interest__icontains=values["q"].strip())
            | search_condition(values["q"], "contact__search_key")
            | search_condition(values["q"], "account__search_key")
            | search_condition(values["q"], "customer__search_key"))
    if values.get("stage"):
        leads = leads.filter(stage__code=values["stage"])
    if values.get("entered"):
        # Leads that entered the stage in the dates (the flow of a period), each once.
        entries = LeadTransition.objects.filter(lead=OuterRef("pk"),
                                                to_stage__code=values["entered"])
        if values.get("entered_from"):
            entries = entries.filter(at__gte=local_day_bounds(values["entered_from"]))
        if values.get("entered_to"):
            entries = entries.filter(at__lt=local_day_bounds(values["entered_to"], end=True))
        leads = leads.filter(Exists(entries))
    for name in ("lead_source", "owner"):
        if values.get(name):
            leads = leads.filter(**{name: values[name]})
    return render_list(request, queryset=leads, form=form,
                       orders={"newest": ("-stage_entered_at", "-pk"),
                               "waiting": ("stage_entered_at", "pk"),
                               "acquired": ("-acquired_at", "-pk")},
                       table="pipeline/partials/lead_table.html",
                       context={"nav_active": "pipeline", "title": _("Leads"),
                                "now": timezone.now(), "new_url": "pipeline:lead_create",
                                "new_label": _("New lead")})


LEAD_PEOPLE = {"contact": access_contact, "customer": access_customer}


@login_required
def lead_create(request: HttpRequest) -> HttpResponse:
    """New lead, from the lead list (choose the person) or from a contact's or customer's page
    (?contact= / ?customer=: that person)."""
    if not request.user.can_write:
        raise PermissionDenied
    fixed: dict[str, Any] = {}
    for name, fetch in LEAD_PEOPLE.items():
        if request.GET.get(name) and not fixed:
            try:
                fixed[name] = fetch(request.user, request.GET[name])
            except NotFound:
                raise Http404 from None
    form = LeadForm(request.POST or None, actor=request.user, fixed=fixed)
    lead = save_form(request, form, lambda version, data: services.create_lead(
        actor=request.user, **data))
    if lead is not None:
        messages.success(request, _("The lead was created."))
        return redirect("pipeline:lead_detail", pk=lead.pk)
    person = next(iter(fixed.values()), None)
    back_url = (reverse(f"customers:{type(person).__name__.lower()}_detail", args=[person.pk])
                if person is not None else reverse("pipeline:lead_list"))
    return render(request, "pipeline/lead_form.html", {
        "form": form, "person": person, "back_url": back_url, "nav_active": "pipeline"})


def _lead_page(request: HttpRequest, lead: Lead, form: LeadMoveForm | None,
               status: int = 200, feedback_form: LeadFeedbackForm | None = None
               ) -> HttpResponse:
    if feedback_form is None and request.user.can_write:
        feedback_form = LeadFeedbackForm(lead=lead)
    return render(request, "pipeline/lead_detail.html", {
        "lead": lead,
        "transitions": list(lead_transitions(lead)),
        "move_form": form,
        "feedback": list(lead_feedback(lead)),
        "feedback_form": feedback_form,
        "days_in_stage": (timezone.now() - lead.stage_entered_at).days,
        "history": history(lead)[:20] if request.user.is_administrator else None,
        "nav_active": "pipeline",
    }, status=status)


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_or_404(access_lead, request, pk)
    form = LeadMoveForm(lead=lead) if can_edit(request.user, lead) else None
    return _lead_page(request, lead, form)


@login_required
@require_POST
def lead_move(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_or_404(access_lead, request, pk, write=True)
    form = LeadMoveForm(request.POST, lead=lead)
    if form.is_valid():
        data = form.cleaned_data
        try:
            transition = services.move_lead(
                actor=request.user, lead=lead, to_stage=data["to_stage"],
                expected_version=data["version"], reason=data["reason"], at=data["at"])
        except ConcurrentEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            message = _("The lead moved to %(stage)s.") % {"stage": transition.to_stage.label}
            if transition.is_fast_pass:
                message += " " + _("It skipped stages: recorded as a fast pass.")
            messages.success(request, message)
            return redirect("pipeline:lead_detail", pk=lead.pk)
    return _lead_page(request, lead, form, status=200)


@login_required
@require_POST
def lead_feedback_add(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_or_404(access_lead, request, pk)
    if not request.user.can_write:
        raise PermissionDenied
    form = LeadFeedbackForm(request.POST, lead=lead)
    if form.is_valid():
        try:
            services.give_lead_feedback(actor=request.user, lead=lead, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Your feedback was recorded."))
            return redirect(reverse("pipeline:lead_detail", args=[lead.pk]) + "#feedback")
    move_form = LeadMoveForm(lead=lead) if can_edit(request.user, lead) else None
    return _lead_page(request, lead, move_form, feedback_form=form)


# --- deals (docs/decisions/0302-deals-and-forecast.md) -------------------------------------------


def _month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    return month, month_range(month, 2)[1]


@login_required
def deal_list(request: HttpRequest) -> HttpResponse:
    form = DealFilterForm(request.GET, actor=request.user)
    values = form.values()
    deals = with_editable(visible_deals(request.user), request.user)
    if values.get("q"):
        deals = deals.filter(search_condition(values["q"], "search_key", "account__search_key",
                                              "customer__search_key"))
    for name in ("pipeline", "stage", "owner", "team"):
        if values.get(name):
            deals = deals.filter(**{name: values[name]})
    if values.get("close_month"):
        first, after = _month_bounds(values["close_month"])
        deals = deals.filter(expected_close_date__gte=first, expected_close_date__lt=after)
    return render_list(request, queryset=deals, form=form,
                       orders={"soonest": ("expected_close_date", "pk"),
                               "amount": ("-amount", "-pk"),
                               "recent": ("-updated_at", "-pk")},
                       table="pipeline/partials/deal_table.html",
                       context={"nav_active": "deals", "title": _("Deals"),
                                "new_url": "pipeline:deal_create",
                                "new_label": _("New deal")})


DEAL_LINKS = {"account": access_account, "customer": access_customer, "lead": access_lead}


def _fixed_links(request: HttpRequest) -> dict[str, Any]:
    """?account=, ?customer= or ?lead= of the page a new deal was started from."""
    fixed: dict[str, Any] = {}
    for name, fetch in DEAL_LINKS.items():
        if request.GET.get(name):
            try:
                fixed[name] = fetch(request.user, request.GET[name])
            except NotFound:
                raise Http404 from None
    lead = fixed.get("lead")
    if lead is not None and "account" not in fixed and "customer" not in fixed:
        if lead.account is not None:
            fixed["account"] = lead.account
        elif lead.customer is not None:
            fixed["customer"] = lead.customer
    return fixed


def _deal_form_page(request: HttpRequest, form: DealForm, lines: Any, deal: Deal | None
                    ) -> HttpResponse:
    return render(request, "pipeline/deal_form.html", {
        "form": form, "lines": lines, "deal": deal, "nav_active": "deals",
        "back_url": reverse("pipeline:deal_detail", args=[deal.pk]) if deal
        else reverse("pipeline:deal_list")})


def _save_deal(request: HttpRequest, form: DealForm, lines: Any,
               save: Callable[[int | None, dict[str, Any], list[Any]], Deal]) -> Deal | None:
    if request.method != "POST":
        return None
    valid = form.is_valid()
    if not lines.is_valid() or not valid:
        return None
    rows = [line for line in (f.line() for f in lines.forms) if line is not None]
    return save_form(request, form, lambda version, data: save(version, data, rows))


@login_required
def deal_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    fixed = _fixed_links(request)
    form = DealForm(request.POST or None, actor=request.user, fixed=fixed,
                    initial={"name": getattr(fixed.get("lead"), "interest", "")})
    lines = line_formset(request.POST or None, None)
    deal = _save_deal(request, form, lines, lambda version, data, rows: services.create_deal(
        actor=request.user, lines=rows, **data))
    if deal is not None:
        messages.success(request, _("The deal was created."))
        return redirect("pipeline:deal_detail", pk=deal.pk)
    return _deal_form_page(request, form, lines, None)


@login_required
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_or_404(access_deal, request, pk, write=True)
    form = DealForm(request.POST or None, instance=deal, actor=request.user)
    lines = line_formset(request.POST or None, deal)
    saved = _save_deal(request, form, lines, lambda version, data, rows: services.update_deal(
        actor=request.user, deal=deal, expected_version=version, lines=rows, **data))
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect("pipeline:deal_detail", pk=deal.pk)
    return _deal_form_page(request, form, lines, deal)


@login_required
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_or_404(access_deal, request, pk, write=True)
    if request.method == "POST":
        if not deleted(request, lambda version: services.delete_deal(
                actor=request.user, deal=deal, expected_version=version)):
            return redirect("pipeline:deal_detail", pk=deal.pk)
        messages.success(request, _("The deal “%(name)s” was deleted.") % {"name": deal.name})
        return redirect("pipeline:deal_list")
    return confirm_delete_page(
        request, record=deal, title=_("Delete deal"),
        explanation=_("The deal, its product lines, buying centre and stage history are "
                      "removed; its activities stay with the account. The audit ledger keeps "
                      "the record of it."),
        cancel_url=reverse("pipeline:deal_detail", args=[deal.pk]), nav_active="deals")


def _deal_page(request: HttpRequest, deal: Deal, *, move_form: DealMoveForm | None = None,
               contact_form: DealContactForm | None = None) -> HttpResponse:
    editable = can_edit(request.user, deal)
    if editable:
        move_form = move_form or DealMoveForm(deal=deal)
        if deal.account_id:
            contact_form = contact_form or DealContactForm(actor=request.user, deal=deal)
    return render(request, "pipeline/deal_detail.html", {
        "deal": deal, "editable": editable, "lines": list(deal_lines(deal)),
        "buying_centre": list(deal_contacts(request.user, deal)),
        "changes": list(deal_stage_changes(deal)),
        "activities": [{"kind": "activity", "at": a.occurred_at, "obj": a} for a in
                       with_editable(deal_activities(request.user, deal), request.user)[:50]],
        "move_form": move_form if editable else None,
        "contact_form": contact_form if editable else None,
        "days_in_stage": (timezone.now() - deal.stage_entered_at).days,
        "history": history(deal)[:20] if request.user.is_administrator else None,
        "nav_active": "deals",
    })


@login_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _deal_page(request, get_or_404(access_deal, request, pk))


def _board_url(deal: Deal) -> str:
    return f"{reverse('pipeline:deal_board')}?pipeline={deal.pipeline_id}"


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The move form of the deal page and of the board's cards (no script needed); the board's
    drag and drop posts the same form. From the board, errors come back as messages."""
    deal = get_or_404(access_deal, request, pk, write=True)
    form = DealMoveForm(request.POST, deal=deal)
    from_board = request.POST.get("next") == "board"
    if form.is_valid():
        data = form.cleaned_data
        try:
            change = services.move_deal(
                actor=request.user, deal=deal, to_stage=data["to_stage"],
                expected_version=data["version"], lost_reason=data["lost_reason"],
                lost_note=data["lost_note"])
        except ConcurrentEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("“%(deal)s” moved to %(stage)s.") % {
                "deal": deal.name, "stage": change.to_stage.label})
            return redirect(_board_url(deal) if from_board else
                            reverse("pipeline:deal_detail", args=[deal.pk]))
    if from_board:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{deal.name}: {error}")
        return redirect(_board_url(deal))
    return _deal_page(request, deal, move_form=form)


@login_required
@require_POST
def deal_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_or_404(access_deal, request, pk, write=True)
    form = DealContactForm(request.POST, actor=request.user, deal=deal)
    if form.is_valid():
        try:
            services.add_deal_contact(actor=request.user, deal=deal,
                                      contact=form.cleaned_data["contact"],
                                      role=form.cleaned_data["role"])
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The contact was added to the buying centre."))
            return redirect("pipeline:deal_detail", pk=deal.pk)
    return _deal_page(request, deal, contact_form=form)


@login_required
@require_POST
def deal_contact_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    deal = get_or_404(access_deal, request, pk, write=True)
    link = deal.deal_contacts.filter(pk=contact_pk).first()
    if link is None:
        raise Http404
    services.remove_deal_contact(actor=request.user, deal_contact=link)
    messages.success(request, _("The contact was removed from the buying centre."))
    return redirect("pipeline:deal_detail", pk=deal.pk)


@login_required
def deal_board(request: HttpRequest) -> HttpResponse:
    """The kanban board of one pipeline: a column per stage with its count and amounts. Cards
    move by drag and drop (pipeline/board.js) or by each card's move form."""
    pipelines = deal_pipelines()
    form = BoardForm(request.GET or None, initial={"pipeline": pipelines[0] if pipelines
                                                   else None})
    values = form.values()
    pipeline = values.get("pipeline") or (pipelines[0] if pipelines else None)
    if pipeline is None:
        raise Http404
    deals = with_editable(visible_deals(request.user), request.user)
    for name in ("owner", "team"):
        if values.get(name):
            deals = deals.filter(**{name: values[name]})
    closed_days = values.get("closed_days") or CLOSED_DAYS
    columns = board_columns(request.user, pipeline, deals, closed_days=closed_days)
    return render(request, "pipeline/deal_board.html", {
        "form": form, "pipeline": pipeline, "columns": columns,
        "lost_reasons": LostReason.objects.filter(active=True),
        "closed_days": closed_days, "nav_active": "deals",
    })


@login_required
def deal_forecast_page(request: HttpRequest) -> HttpResponse:
    """Forecast by close month × owner or team (weighted and by category, side by side), and
    win rates by count and by amount for the deals closed in the same months."""
    form = ForecastForm(request.GET or None)
    values = form.values()
    forecast = deal_forecast(request.user, **values)
    rates = {by: win_rates(request.user, start=values["start"], months=values["months"],
                           by=by, pipeline=values["pipeline"])
             for by in ("owner", "source")}
    return render(request, "pipeline/deal_forecast.html", {
        "form": form, "forecast": forecast, "rows": forecast.rows(),
        "rates_by_owner": rates["owner"][0], "rates_by_source": rates["source"][0],
        "rates_total": rates["owner"][1], "start": forecast.months[0],
        "end": forecast.months[-1], "nav_active": "deals",
    })
