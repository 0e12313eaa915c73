"""The bottleneck of THE MODEL: the one stage that limits the loop, found from trends of a
:class:`~kizuna.analytics.funnel.FunnelReport` rather than from one snapshot.

Pure numpy (no Django). For each main-path stage except the last (受注 won ends the path) and
each period of the report:

- **inflow**: transitions into the stage during the period (new leads, moves forward, fast
  passes, leads sent back, leads coming back from recycle);
- **outflow**: transitions out of it during the period, to any stage;
- **balance**: leads in the stage at the end of the period. By construction
  ``balance[p] = balance[p - 1] + inflow[p] - outflow[p]``.

The rule (docs/decisions/0303-bottleneck.md): over the last ``window`` periods, a stage is a
candidate when

1. at least ``min_inflow`` leads came in (too few entries say nothing);
2. its outflow fell behind its inflow, so its balance grew (``inflow > outflow`` in total);
3. it did so in most periods of the window (more than half): a trend, not one busy month.

The bottleneck is the candidate that passes on the smallest part of what comes in, i.e. the
largest **stuck share** ``(inflow - outflow) / inflow``; ties go to the larger growth of the
balance, then to the earlier stage (it starves every stage after it). No candidate, no
bottleneck: every stage passes on what it receives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kizuna.analytics.funnel import FunnelReport

__all__ = ["BottleneckReport", "StageTrend", "find_bottleneck"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class StageTrend:
    """One stage over every period of the report (arrays) and over the window (totals)."""

    stage: int  # code in FunnelReport.path.stages
    inflow: IntArray
    outflow: IntArray
    balance: IntArray  # at each period's end
    conversion_rate: NDArray[np.float64]
    median_days: NDArray[np.float64]
    window: int  # the last ``window`` periods are judged

    @property
    def window_inflow(self) -> int:
        return int(self.inflow[-self.window:].sum())

    @property
    def window_outflow(self) -> int:
        return int(self.outflow[-self.window:].sum())

    @property
    def balance_before(self) -> int:
        """Leads in the stage when the window began."""
        return int(self.balance[-1]) - self.growth

    @property
    def growth(self) -> int:
        """How much the balance grew over the window (negative: it shrank)."""
        return self.window_inflow - self.window_outflow

    @property
    def growing_periods(self) -> int:
        """Periods of the window in which more leads came in than went out."""
        return int((self.inflow[-self.window:] > self.outflow[-self.window:]).sum())

    @property
    def stuck_share(self) -> float | None:
        """Share of the window's inflow not passed on (None without inflow)."""
        inflow = self.window_inflow
        return self.growth / inflow if inflow else None


@dataclass(frozen=True)
class BottleneckReport:
    stages: list[StageTrend]  # the judged stages, in path order
    bottleneck: int | None  # position in ``stages``
    window: int
    min_inflow: int

    def is_candidate(self, trend: StageTrend) -> bool:
        return (trend.window_inflow >= self.min_inflow and trend.growth > 0
                and trend.growing_periods * 2 > self.window)


def find_bottleneck(report: FunnelReport, *, window: int = 3,
                    min_inflow: int = 5) -> BottleneckReport:
    """Stage trends of ``report`` and the bottleneck over its last ``window`` periods."""
    if not 1 <= window <= report.periods:
        raise ValueError(f"window must be from 1 to {report.periods} periods, got {window}")
    if min_inflow < 1:
        raise ValueError("min_inflow must be at least 1")
    # links[f, t, p]: into t from stage f - 1 (f = 0: a new lead).
    inflow = report.links.sum(axis=0)
    outflow = report.links[1:].sum(axis=1)
    stages = [StageTrend(stage=code, inflow=inflow[code], outflow=outflow[code],
                         balance=report.balance[code],
                         conversion_rate=report.conversion_rate[code],
                         median_days=report.median_days[code], window=window)
              for code in range(len(report.path.main) - 1)]
    result = BottleneckReport(stages, None, window, min_inflow)
    candidates = [i for i, trend in enumerate(stages) if result.is_candidate(trend)]
    if not candidates:
        return result
    best = min(candidates, key=lambda i: (-(stages[i].stuck_share or 0.0), -stages[i].growth, i))
    return BottleneckReport(stages, best, window, min_inflow)
