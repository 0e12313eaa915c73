"""Predictive CLV end to end: Kizuna vs lifetimes 0.11.3 on the same simulated transaction log.

Runs in the benchmark venv only (lifetimes needs pandas, autograd, dill and pkg_resources, which
the product does not depend on):

    python3 -m venv /tmp/venv-bench
    /tmp/venv-bench/bin/pip install -e . -r benchmarks/requirements.txt
    /tmp/venv-bench/bin/python benchmarks/clv.py            # --quick: 1/10 of the data

1. A seeded transaction log of ~1,000,000 rows for 200,000 customers with daily dates, drawn from
   a BG/NBD process with known parameters (Gamma-Gamma amounts in yen).
2. End to end on each side: per-customer summary → BG/NBD fit → Gamma-Gamma fit (repeat
   customers) → for every customer P(alive), expected purchases over 12 months, expected
   average profit and 12-month CLV (1%/month discount).
3. Pareto/NBD fit on 100,000 simulated customers, Kizuna vs lifetimes' ParetoNBDFitter.

Each side runs ``--repeat`` times (default 3); medians are reported. Timings are wall clock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

# Known parameters of the simulation (daily units; amounts in yen).
BGNBD = {"r": 0.65, "alpha": 50.0, "a": 0.9, "b": 5.0}
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 15_000.0}
PARETO = {"r": 0.6, "alpha": 50.0, "s": 0.6, "beta": 200.0}
N_CUSTOMERS = 200_000
N_PARETO = 100_000
CALIBRATION_DAYS = 730  # observation end is day 729 after the first day
ACQUISITION_DAYS = 365  # first purchases spread over the first year
HORIZON_MONTHS, DISCOUNT, DAYS_PER_MONTH = 12, 0.01, 30
FIRST_DAY = np.datetime64("2023-01-01")
STEPS = ("summary", "bgnbd", "gamma_gamma", "predict")


# ------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------


def simulate_log(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer id, date, amount) of a BG/NBD + Gamma-Gamma population, one row per purchase.

    λ ~ Gamma(r, rate α) per day and p ~ Beta(a, b); after the first purchase, purchases come as
    a Poisson process of rate λ and after each repeat purchase the customer leaves with
    probability p (so the number of repeat purchases before leaving is Geometric(p)). Purchase
    values are Gamma(p_gg, rate ν) with ν ~ Gamma(q, rate v) per customer.
    """
    lam = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    dropout = rng.beta(BGNBD["a"], BGNBD["b"], n)
    lifetime_purchases = rng.geometric(dropout)
    first = rng.integers(0, ACQUISITION_DAYS, n)
    window = (CALIBRATION_DAYS - 1 - first).astype(float)

    ids = [np.arange(n)]
    days = [first]
    clock = np.zeros(n)
    made = np.zeros(n, dtype=np.int64)
    active = np.arange(n)
    while active.size:  # one repeat purchase per still-active customer per round
        clock[active] += rng.exponential(1.0 / lam[active])
        active = active[clock[active] <= window[active]]
        made[active] += 1
        ids.append(active)
        days.append(first[active] + np.floor(clock[active]).astype(np.int64))
        active = active[made[active] < lifetime_purchases[active]]
    customer = np.concatenate(ids)
    day = np.concatenate(days)
    nu = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["v"], n)
    amount = np.round(rng.gamma(GAMMA_GAMMA["p"], 1.0 / nu[customer]))
    order = rng.permutation(len(customer))  # a log is not sorted by customer
    return customer[order], FIRST_DAY + day[order], np.maximum(amount[order], 1.0)


def simulate_pareto_summary(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(frequency, recency, T) in whole days of a Pareto/NBD population."""
    lam = rng.gamma(PARETO["r"], 1.0 / PARETO["alpha"], n)
    mu = rng.gamma(PARETO["s"], 1.0 / PARETO["beta"], n)
    T = rng.integers(CALIBRATION_DAYS - ACQUISITION_DAYS, CALIBRATION_DAYS, n).astype(float)
    alive_for = np.minimum(T, rng.exponential(1.0 / mu))
    x = rng.poisson(lam * alive_for).astype(float)
    # The last of x uniform purchase times on [0, alive_for], cut to whole days.
    last = alive_for * rng.random(n) ** (1.0 / np.maximum(x, 1.0))
    t_x = np.where(x > 0, np.floor(last), 0.0)
    return x, t_x, T


# ------------------------------------------------------------------------------------------
# The two sides
# ------------------------------------------------------------------------------------------


def run_kizuna(ids: np.ndarray, dates: np.ndarray, amounts: np.ndarray, end: Any) -> dict:
    from kizuna.analytics.clv import BetaGeoFitter, GammaGammaFitter
    from kizuna.analytics.summary import summary_from_transactions

    marks = [time.perf_counter()]
    s = summary_from_transactions(ids, dates, amounts, observation_end=end, freq="D")
    marks.append(time.perf_counter())
    bgf = BetaGeoFitter().fit(s.frequency, s.recency, s.T)
    marks.append(time.perf_counter())
    repeat = (s.frequency > 0) & (s.monetary_value > 0)
    ggf = GammaGammaFitter().fit(s.frequency[repeat], s.monetary_value[repeat])
    marks.append(time.perf_counter())
    alive = bgf.probability_alive(s.frequency, s.recency, s.T)
    purchases = bgf.expected_purchases(
        HORIZON_MONTHS * DAYS_PER_MONTH, s.frequency, s.recency, s.T
    )
    profit = ggf.conditional_expected_average_profit(s.frequency, s.monetary_value)
    clv = ggf.customer_lifetime_value(
        bgf, s.frequency, s.recency, s.T, s.monetary_value,
        horizon=HORIZON_MONTHS, discount_rate=DISCOUNT, freq_multiplier=DAYS_PER_MONTH,
    )
    marks.append(time.perf_counter())
    return {
        "params": {**bgf.params_, **ggf.params_},
        "log_likelihood": bgf.log_likelihood_,
        "customers": len(s),
        "predictions": {"alive": alive, "purchases": purchases, "profit": profit, "clv": clv},
        "steps": dict(zip(STEPS, np.diff(marks), strict=True)),
    }


def run_lifetimes(log: Any, end: Any) -> dict:
    import lifetimes
    from lifetimes.utils import summary_data_from_transaction_data

    marks = [time.perf_counter()]
    s = summary_data_from_transaction_data(
        log, "customer_id", "date", monetary_value_col="amount",
        observation_period_end=end, freq="D",
    )
    marks.append(time.perf_counter())
    bgf = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    marks.append(time.perf_counter())
    repeat = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    ggf = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    marks.append(time.perf_counter())
    alive = bgf.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    purchases = bgf.conditional_expected_number_of_purchases_up_to_time(
        HORIZON_MONTHS * DAYS_PER_MONTH, s["frequency"], s["recency"], s["T"]
    )
    profit = ggf.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
    clv = ggf.customer_lifetime_value(
        bgf, s["frequency"], s["recency"], s["T"], s["monetary_value"],
        time=HORIZON_MONTHS, discount_rate=DISCOUNT, freq="D",
    )
    marks.append(time.perf_counter())
    return {
        "params": {**bgf.params_.to_dict(), **ggf.params_.to_dict()},
        "log_likelihood": float(bgf._negative_log_likelihood_) * -len(s)
        if hasattr(bgf, "_negative_log_likelihood_") else None,
        "customers": len(s),
        "predictions": {
            "alive": np.asarray(alive), "purchases": np.asarray(purchases),
            "profit": np.asarray(profit), "clv": np.asarray(clv),
        },
        "steps": dict(zip(STEPS, np.diff(marks), strict=True)),
    }


# ------------------------------------------------------------------------------------------
# Measuring and reporting
# ------------------------------------------------------------------------------------------


def timed(repeat: int, function: Callable[[], dict]) -> tuple[float, dict]:
    """Median wall time over ``repeat`` runs, and the result of the last run (with all times)."""
    times, result = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    result["times"] = times
    return statistics.median(times), result


def max_relative_difference(ours: dict, theirs: dict) -> tuple[float, str]:
    worst = max(ours, key=lambda k: abs(ours[k] - theirs[k]) / abs(theirs[k]))
    return abs(ours[worst] - theirs[worst]) / abs(theirs[worst]), worst


def show_params(label: str, params: dict) -> str:
    return f"  {label:<10}" + "  ".join(f"{k}={v:.6g}" for k, v in params.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1/10 of the customers")
    parser.add_argument("--skip-pareto", action="store_true")
    parser.add_argument("--only-pareto", action="store_true")
    parser.add_argument("--seed", type=int, default=20050101)
    args = parser.parse_args(argv)
    try:
        import pandas as pd
    except ImportError:
        sys.exit("benchmarks/clv.py needs the benchmark venv: see benchmarks/requirements.txt")
    # lifetimes 0.11.3 on current pandas emits deprecation warnings; they are not the subject.
    warnings.simplefilter("ignore")

    scale = 10 if args.quick else 1
    rng = np.random.default_rng(args.seed)
    if args.only_pareto:
        run_pareto(args, rng)
        return 0
    ids, dates, amounts = simulate_log(N_CUSTOMERS // scale, rng)
    end = FIRST_DAY + np.timedelta64(CALIBRATION_DAYS - 1, "D")
    log = pd.DataFrame({"customer_id": ids, "date": dates, "amount": amounts})
    print(
        f"CLV end to end: {len(ids):,} transactions, {len(np.unique(ids)):,} customers, "
        f"daily dates {FIRST_DAY} .. {end}; median of {args.repeat} runs"
    )

    k_time, k = timed(args.repeat, lambda: run_kizuna(ids, dates, amounts, end))
    l_time, lt = timed(args.repeat, lambda: run_lifetimes(log, pd.Timestamp(str(end))))
    diff, worst = max_relative_difference(k["params"], lt["params"])
    clv_diff = float(
        np.max(np.abs(k["predictions"]["clv"] - lt["predictions"]["clv"])
               / np.abs(lt["predictions"]["clv"]))
    )
    print(show_params("true", {**BGNBD, **GAMMA_GAMMA}))
    print(show_params("kizuna", k["params"]))
    print(show_params("lifetimes", lt["params"]))
    for label, result, median in (("kizuna", k, k_time), ("lifetimes", lt, l_time)):
        steps = "  ".join(f"{name} {seconds:.2f}s" for name, seconds in result["steps"].items())
        runs = ", ".join(f"{t:.2f}" for t in result["times"])
        print(f"  {label:<10}{median:8.2f} s  (runs {runs}; last run: {steps})")
    print(f"  speed-up: {l_time / k_time:.1f}x (target >= 10x)")
    print(
        f"  parameter agreement: max relative difference {diff:.2e} ({worst}) "
        f"(target <= 1e-3); per-customer CLV max relative difference {clv_diff:.2e}"
    )

    if not args.skip_pareto:
        run_pareto(args, rng)
    return 0


def run_pareto(args: argparse.Namespace, rng: np.random.Generator) -> None:
    import lifetimes

    from kizuna.analytics.clv import ParetoNBDFitter

    n = N_PARETO // (10 if args.quick else 1)
    x, t_x, T = simulate_pareto_summary(n, rng)
    print(f"\nPareto/NBD fit: {n:,} customers (daily units); median of {args.repeat} runs")

    def kizuna() -> dict:
        rows, counts = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
        model = ParetoNBDFitter().fit(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
        return {"params": model.params_, "ll": model.log_likelihood_, "rows": len(rows)}

    def peer() -> dict:
        model = lifetimes.ParetoNBDFitter().fit(x, t_x, T)
        return {"params": model.params_.to_dict()}

    k_time, k = timed(args.repeat, kizuna)
    l_time, lt = timed(args.repeat, peer)
    diff, worst = max_relative_difference(k["params"], lt["params"])
    print(show_params("true", PARETO))
    print(show_params("kizuna", k["params"]))
    print(show_params("lifetimes", lt["params"]))
    for label, result, median in (("kizuna", k, k_time), ("lifetimes", lt, l_time)):
        runs = ", ".join(f"{t:.2f}" for t in result["times"])
        print(f"  {label:<10}{median:8.2f} s  (runs {runs})")
    print(f"  kizuna fitted on {k['rows']:,} distinct (x, t_x, T) rows")
    print(f"  speed-up: {l_time / k_time:.1f}x (target >= 50x)")
    print(f"  parameter agreement: max relative difference {diff:.2e} ({worst})")


if __name__ == "__main__":
    sys.exit(main())
