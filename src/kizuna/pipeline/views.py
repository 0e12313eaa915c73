"""Activities: the list of recorded touches, "log activity" from an account, contact or
customer page, and editing or deleting one (from its edit page)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.core.access import NotFound
from kizuna.core.lists import get_or_404, render_list, save_form, with_editable
from kizuna.customers.queries import access_account, access_contact, access_customer
from kizuna.customers.search import search_condition
from kizuna.customers.views import confirm_delete_page, deleted
from kizuna.pipeline import services
from kizuna.pipeline.forms import ActivityFilterForm, ActivityForm
from kizuna.pipeline.models import Activity
from kizuna.pipeline.queries import access_activity, visible_activities

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
    if not links:
        raise Http404
    form = ActivityForm(request.POST or None, actor=request.user)
    activity = save_form(request, form, lambda version, data: services.log_activity(
        actor=request.user, **links, **data))
    record = _subject_of(None, links)
    if activity is not None:
        messages.success(request, _("The activity was logged."))
        return redirect(_back_url(record))
    return render(request, "pipeline/activity_form.html", {
        "form": form, "record": record, "back_url": _back_url(record),
        "nav_active": "activities"})


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
