"""The hand-off feedback page: what the divisions that receive leads say about them, counted per
lead source and campaign (good, poor, share poor, the poor ones by reason)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kizuna.core.timezones import local_day_bounds
from kizuna.pipeline.forms import FeedbackFilterForm
from kizuna.pipeline.models import FeedbackReason
from kizuna.pipeline.queries import feedback_counts


@login_required
def feedback(request: HttpRequest) -> HttpResponse:
    form = FeedbackFilterForm(request.GET)
    values = form.values()
    rows, total = feedback_counts(
        request.user, to_division=values.get("to_division", ""),
        start=local_day_bounds(values["date_from"]) if values.get("date_from") else None,
        end=local_day_bounds(values["date_to"], end=True) if values.get("date_to") else None)
    return render(request, "pipeline/feedback.html", {
        "form": form, "rows": rows, "total": total, "reasons": FeedbackReason.choices,
        "nav_active": "pipeline"})
