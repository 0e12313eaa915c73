"""Scorecard pages: the list, a scorecard with its priority list (highest first, filtered by
owner, team and band), the form (items as JSON, like conditions), rating a record with the
history of ratings and corrections, correcting a rating, and the gap per rep.

Views parse input and call kizuna.actions.scorecards (docs/decisions/0202).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kizuna.actions import scorecards as sc
from kizuna.actions.forms import parse_json
from kizuna.actions.models import Band, Score, Scorecard, ScoredEntity, ScoreRating
from kizuna.core.access import NotFound, ReadOnly
from kizuna.core.forms import ServiceForm
from kizuna.core.lists import save_form
from kizuna.core.models import Team, User
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.models import Account

ITEMS_EXAMPLE = json.dumps([
    {"key": "awareness", "label": "課題認識", "weight": 3,
     "levels": {"1": "課題を感じていない", "3": "現場が課題を認識", "5": "経営課題として認識"}},
    {"key": "budget", "label": "予算", "weight": 2},
], ensure_ascii=False, indent=2)


class ScorecardForm(ServiceForm):
    items = forms.CharField(
        label=gettext_lazy("Items (JSON)"), widget=forms.Textarea(attrs={
            "rows": 14, "class": "mono", "spellcheck": "false", "placeholder": ITEMS_EXAMPLE}),
        help_text=gettext_lazy("A list of items: key, label, weight (1–100) and optional "
                               "texts for the levels \"1\" to \"5\". Give a changed item a new "
                               "key when its meaning changes."))

    class Meta:
        model = Scorecard
        fields = ["key", "name", "purpose", "items", "band_a", "band_b", "active", "owner"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = False
        if self.instance.pk:
            del self.fields["key"]  # conditions name it (score.<key>)
            if not self.is_bound:
                self.initial["items"] = json.dumps(self.instance.items, ensure_ascii=False,
                                                   indent=2)
        else:
            del self.fields["active"]

    def clean_items(self) -> Any:
        return parse_json(self.cleaned_data["items"])

    def service_data(self) -> tuple[int | None, dict[str, Any]]:
        return self.cleaned_data.get("version"), {
            name: self.cleaned_data[name] for name in self.fields
            if name != "version" and name in self.cleaned_data
            and not (name == "owner" and self.cleaned_data[name] is None)}


def _fetch(request: HttpRequest, pk: int, *, write: bool = False) -> Scorecard:
    try:
        return sc.access_scorecard(request.user, pk, write=write)
    except NotFound:
        raise Http404 from None
    except ReadOnly:
        raise PermissionDenied from None


def _record(request: HttpRequest, scorecard: Scorecard, record_id: int) -> Any:
    try:
        return sc.access_record(request.user, scorecard, record_id)
    except NotFound:
        raise Http404 from None


@login_required
def scorecard_list(request: HttpRequest) -> HttpResponse:
    scorecards = sc.visible_scorecards(request.user).annotate(rated=Count("scores"))
    return render(request, "actions/scorecard_list.html", {
        "scorecards": scorecards, "can_manage": sc.can_manage_scorecards(request.user),
        "nav_active": "scorecards"})


def _form_page(request: HttpRequest, form: ScorecardForm, scorecard: Scorecard | None
               ) -> HttpResponse:
    return render(request, "actions/scorecard_form.html", {
        "form": form, "scorecard": scorecard, "nav_active": "scorecards"})


@login_required
def scorecard_create(request: HttpRequest) -> HttpResponse:
    if not sc.can_manage_scorecards(request.user):
        raise PermissionDenied
    form = ScorecardForm(request.POST or None, actor=request.user)
    saved = save_form(request, form, lambda version, data: sc.create_scorecard(
        actor=request.user, **data))
    if saved is not None:
        messages.success(request, _("The scorecard “%(name)s” was created.") % {"name": saved})
        return redirect("actions:scorecard_detail", pk=saved.pk)
    return _form_page(request, form, None)


@login_required
def scorecard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = _fetch(request, pk, write=True)
    form = ScorecardForm(request.POST or None, instance=scorecard, actor=request.user)
    saved = save_form(request, form, lambda version, data: sc.update_scorecard(
        actor=request.user, scorecard=scorecard, expected_version=version, **data))
    if saved is not None:
        messages.success(request, _("Your changes were saved."))
        return redirect("actions:scorecard_detail", pk=saved.pk)
    return _form_page(request, form, scorecard)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard and its priority list: the records you may see, highest score first."""
    scorecard = _fetch(request, pk)
    owner, team = _int(request.GET.get("owner")), _int(request.GET.get("team"))
    band = request.GET.get("band", "")
    band = band if band in Band.values else ""
    scores = list(sc.priority_list(request.user, scorecard, owner=owner, team=team,
                                   band=band)[:200])
    context = {"scorecard": scorecard, "scores": scores, "owner": owner, "team": team,
               "band": band, "bands": Band.values,
               "owners": User.objects.filter(is_active=True).order_by("username"),
               "teams": Team.objects.order_by("name"), "nav_active": "scorecards"}
    if request.htmx and not request.htmx.boosted:
        return render(request, "actions/partials/scorecard_priority.html", context)
    context.update({"versions": list(scorecard.versions.select_related("created_by")[:10]),
                    "can_manage": sc.can_manage_scorecards(request.user)})
    return render(request, "actions/scorecard_detail.html", context)


def _rating_page(request: HttpRequest, scorecard: Scorecard, record: Any, *,
                 errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    row = sc.score_row(scorecard, record)
    return render(request, "actions/scorecard_rate.html", {
        "scorecard": scorecard, "record": record, "score": row,
        "version": row.version if row is not None else 0,
        "states": sc.item_states(scorecard, record), "levels": [1, 2, 3, 4, 5],
        "current_number": sc.current_version(scorecard).number,
        "can_rate": sc.can_rate(request.user, record) and scorecard.active,
        "can_correct": sc.can_correct(request.user, record),
        "errors": errors or [], "nav_active": "scorecards"}, status=status)


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [f"{k}: {m}" if k != "__all__" else m
                    for k, ms in exc.message_dict.items() for m in ms]
        return list(exc.messages)
    return [str(exc)]


@login_required
def scorecard_rate(request: HttpRequest, pk: int, record_id: int) -> HttpResponse:
    """One record on one scorecard: rate its items (reps who may edit the record), see what
    counts, every earlier rating and every correction."""
    scorecard = _fetch(request, pk)
    record = _record(request, scorecard, record_id)
    if request.method != "POST":
        return _rating_page(request, scorecard, record)
    values, notes = {}, {}
    for item in scorecard.items:
        values[item["key"]] = _int(request.POST.get(f"item-{item['key']}"))
        notes[item["key"]] = request.POST.get(f"note-{item['key']}", "")
    try:
        sc.rate(actor=request.user, scorecard=scorecard, record=record,
                expected_version=_int(request.POST.get("version")) or 0, values=values,
                notes=notes)
    except PermissionDenied:
        raise
    except (ConcurrentEdit, ValidationError) as exc:
        return _rating_page(request, scorecard, record, errors=_messages(exc), status=422)
    messages.success(request, _("Your rating was saved."))
    return redirect("actions:scorecard_rate", pk=pk, record_id=record_id)


@login_required
@require_POST
def scorecard_correct(request: HttpRequest, pk: int, record_id: int, rating_id: int
                      ) -> HttpResponse:
    scorecard = _fetch(request, pk)
    record = _record(request, scorecard, record_id)
    try:
        rating = sc._ratings(scorecard, record).get(pk=rating_id)
    except ScoreRating.DoesNotExist:
        raise Http404 from None
    if not sc.can_correct(request.user, record):
        raise PermissionDenied
    try:
        sc.correct(actor=request.user, rating=rating, value=_int(request.POST.get("value")),
                   reason=request.POST.get("reason", ""),
                   expected_version=_int(request.POST.get("version")) or 0)
    except (ConcurrentEdit, ValidationError) as exc:
        return _rating_page(request, scorecard, record, errors=_messages(exc), status=422)
    messages.success(request, _("The correction was saved; the rep's rating is kept."))
    return redirect("actions:scorecard_rate", pk=pk, record_id=record_id)


@login_required
def account_scores(request: HttpRequest, record_id: int) -> HttpResponse:
    """An account's scores on every scorecard in use, with a link to rate it on each."""
    try:
        account = sc.visible_records(request.user, ScoredEntity.ACCOUNT).get(pk=record_id)
    except (Account.DoesNotExist, ValueError):
        raise Http404 from None
    cards = list(sc.visible_scorecards(request.user).filter(entity=ScoredEntity.ACCOUNT,
                                                            active=True))
    scores = {s.scorecard_id: s for s in Score.objects.filter(
        pk__in=[pk for c in cards for pk in sc.latest_scores(c).filter(
            account=account).values_list("pk", flat=True)])}
    return render(request, "actions/scorecard_account.html", {
        "account": account, "rows": [(c, scores.get(c.pk)) for c in cards],
        "can_rate": sc.can_rate(request.user, account), "nav_active": "scorecards"})


@login_required
def scorecard_gaps(request: HttpRequest) -> HttpResponse:
    """How far each rep's ratings were from their managers' corrections."""
    scorecards = list(sc.visible_scorecards(request.user))
    chosen = next((s for s in scorecards if str(s.pk) == request.GET.get("scorecard")), None)
    return render(request, "actions/scorecard_gaps.html", {
        "gaps": sc.gap_report(request.user, scorecard=chosen), "scorecards": scorecards,
        "chosen": chosen, "nav_active": "scorecards"})
