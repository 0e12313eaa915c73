"""The bottleneck page: trends of inflow, outflow, balance, conversion and time in stage per
stage, and the one stage that limits the loop (kizuna.analytics.bottleneck)."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.analytics.bottleneck import StageTrend, find_bottleneck
from kizuna.pipeline.forms import FunnelForm
from kizuna.pipeline.queries import LeadFunnel, lead_funnel
from kizuna.pipeline.views import _period_label  # one period label format for both pages


class BottleneckForm(FunnelForm):
    window = forms.TypedChoiceField(
        label=gettext_lazy("Judged over the last"), required=False, coerce=int, empty_value=3,
        initial=3, choices=[(n, str(n)) for n in (1, 2, 3, 4, 6)],
        help_text=gettext_lazy("periods"))

    def values(self) -> dict[str, Any]:
        values = super().values()
        data = getattr(self, "cleaned_data", {})
        values["window"] = min(data.get("window") or 3, values["periods"])
        return values


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 4)


def _window_mean(values: Any, window: int) -> float | None:
    recent = [v for v in values[-window:].tolist() if not math.isnan(v)]
    return sum(recent) / len(recent) if recent else None


def _earlier_mean(values: Any, window: int) -> float | None:
    earlier = [v for v in values[:-window].tolist() if not math.isnan(v)]
    return sum(earlier) / len(earlier) if earlier else None


def _explanation(view: LeadFunnel, trend: StageTrend) -> str:
    stage = view.stages[trend.stage]
    return _(
        "%(stage)s (owned by %(division)s) passes on the smallest part of what it receives: "
        "over the last %(window)s periods %(inflow)s leads came in and %(outflow)s went out, "
        "so its balance grew from %(before)s to %(after)s (%(share)s%% of the inflow stuck), "
        "and more came in than went out in %(growing)s of those %(window)s periods."
    ) % {"stage": stage.label, "division": stage.get_division_display(),
         "window": trend.window, "inflow": trend.window_inflow,
         "outflow": trend.window_outflow, "before": trend.balance_before,
         "after": int(trend.balance[-1]), "share": round(100 * (trend.stuck_share or 0)),
         "growing": trend.growing_periods}


@login_required
def bottleneck(request: HttpRequest) -> HttpResponse:
    form = BottleneckForm(request.GET or None)
    values = form.values()
    view = lead_funnel(request.user, freq=values["freq"], periods=values["periods"],
                       until=values["until"])
    result = find_bottleneck(view.report, window=values["window"])
    labels = [_period_label(view, q) for q in range(view.report.periods)]
    list_url = reverse("pipeline:lead_list")
    rows = []
    for position, trend in enumerate(result.stages):
        stage = view.stages[trend.stage]
        rows.append({
            "stage": stage, "trend": trend, "is_bottleneck": position == result.bottleneck,
            "is_candidate": result.is_candidate(trend),
            "stuck_percent": None if trend.stuck_share is None
            else round(100 * trend.stuck_share),
            "conversion_recent": _window_mean(trend.conversion_rate, trend.window),
            "conversion_earlier": _earlier_mean(trend.conversion_rate, trend.window),
            "days_recent": _window_mean(trend.median_days, trend.window),
            "days_earlier": _earlier_mean(trend.median_days, trend.window),
            "balance_url": f"{list_url}?stage={stage.code}&sort=waiting",
        })
    charts = {
        "periods": labels,
        "stages": [view.stages[t.stage].label for t in result.stages],
        "bottleneck": result.bottleneck,
        "window": result.window,
        "series": {
            "balance": [t.balance.tolist() for t in result.stages],
            "inflow": [t.inflow.tolist() for t in result.stages],
            "outflow": [t.outflow.tolist() for t in result.stages],
            "conversion": [[_number(v) for v in t.conversion_rate] for t in result.stages],
            "median_days": [[_number(v) for v in t.median_days] for t in result.stages],
        },
        "titles": {"balance": _("Balance at the end of each period"),
                   "flow": _("Inflow and outflow of the bottleneck"),
                   "conversion": _("Conversion from each stage"),
                   "median_days": _("Median days in stage"),
                   "inflow": _("Inflow"), "outflow": _("Outflow")},
    }
    flagged = result.stages[result.bottleneck] if result.bottleneck is not None else None
    return render(request, "pipeline/bottleneck.html", {
        "form": form, "rows": rows, "charts": charts, "window": result.window,
        "min_inflow": result.min_inflow,
        "flagged": view.stages[flagged.stage] if flagged else None,
        "explanation": _explanation(view, flagged) if flagged else "",
        "nav_active": "pipeline",
    })
