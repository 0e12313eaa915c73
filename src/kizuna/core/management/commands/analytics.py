"""kizuna analytics clv|rfm|funnel FILE: customer analytics on a CSV/Parquet file, no database
needed.

The command only parses options, calls the pure engine (kizuna.analytics) and prints; it never
touches the database (no model imports, no system checks), so an analyst can run it on a laptop
without a configured Kizuna (docs/decisions/0104-analytics-cli.md).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kizuna.analytics import ConvergenceError
from kizuna.analytics.clv import BetaGeoFitter, GammaGammaFitter
from kizuna.analytics.funnel import FREQS, StagePath, funnel_report, period_edges
from kizuna.analytics.io import (
    DataError,
    parse_date_text,
    read_stage_log,
    read_summary,
    read_transactions,
    write_csv,
)
from kizuna.analytics.summary import summary_from_transactions

# Model time units per month of the CLV horizon, as in lifetimes (30 days; 4.345 weeks).
UNITS_PER_MONTH = {"D": 30.0, "W": 4.345}
CLV_COLUMNS = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "probability_alive",
    "expected_purchases",
    "expected_average_profit",
    "clv",
)

Step = Callable[[str], None]


def _date_option(value: str) -> np.datetime64:
    parsed = parse_date_text(value)
    if parsed is None:
        raise CommandError(f"cannot read {value!r} as a date (expected e.g. 2024-12-31)")
    return parsed


class Command(BaseCommand):
    help = (
        "Customer analytics on a CSV (UTF-8 or CP932) or Parquet file, without a database. "
        "`clv`: BG/NBD + Gamma-Gamma customer lifetime value; `rfm`: RFM scores and segments; "
        "`funnel`: THE MODEL lead funnel (flow, balance, conversion) from a transition log."
    )
    # Pure file-in/file-out: no database, so no system checks (they would need the settings'
    # database and apps to be in order).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        clv = sub.add_parser(
            "clv",
            help="Fit BG/NBD + Gamma-Gamma and predict purchases, P(alive) and CLV per customer",
            description=(
                "Reads a transaction log (one row per purchase: --customer, --date, --amount "
                "columns) or, with --summary, a per-customer summary (frequency, recency, T and "
                "optionally monetary_value); fits BG/NBD and Gamma-Gamma; predicts per customer."
            ),
        )
        clv.add_argument("file", help="CSV (UTF-8 with/without BOM, or CP932) or .parquet")
        clv.add_argument("--customer", help="customer id column (e.g. 顧客ID)")
        clv.add_argument("--date", help="purchase date column (e.g. 購入日)")
        clv.add_argument("--amount", help="purchase amount column (e.g. 金額)")
        clv.add_argument(
            "--summary",
            action="store_true",
            help="FILE is a per-customer summary with frequency, recency, T (, monetary_value)",
        )
        clv.add_argument(
            "--freq",
            choices=("D", "W"),
            default="D",
            help="model time unit: D days (default) or W weeks; with --summary, the unit of "
            "recency and T",
        )
        clv.add_argument(
            "--observation-end",
            help="end of the calibration period (default: the last purchase date)",
        )
        clv.add_argument(
            "--horizon", type=int, default=12, help="prediction horizon in months (default 12)"
        )
        clv.add_argument(
            "--discount-rate",
            type=float,
            default=0.01,
            help="discount rate per month for CLV (default 0.01)",
        )
        clv.add_argument(
            "--penalizer", type=float, default=0.0, help="L2 penalizer of both fits (default 0)"
        )
        clv.add_argument("--out", help="write one row per customer to this CSV (UTF-8 with BOM)")
        clv.add_argument("--json", action="store_true", help="print one JSON object")

        rfm = sub.add_parser(
            "rfm",
            help="Recency, frequency, monetary value, 1-5 scores and named segments per customer",
        )
        rfm.add_argument("file", help="CSV (UTF-8 with/without BOM, or CP932) or .parquet")
        rfm.add_argument("--customer", required=True, help="customer id column")
        rfm.add_argument("--date", required=True, help="purchase date column")
        rfm.add_argument("--amount", required=True, help="purchase amount column")
        rfm.add_argument("--as-of", required=True, help="date the recency is measured to")
        rfm.add_argument("--out", help="write one row per customer to this CSV (UTF-8 with BOM)")
        rfm.add_argument(
            "--segments",
            help="write one row per segment (customers, monetary, revenue share) to this CSV",
        )
        rfm.add_argument(
            "--movement-from",
            help="also count customers moving between segments from this date to --as-of",
        )
        rfm.add_argument(
            "--movement-out",
            help="write the movement (from_segment, to_segment, customers) to this CSV; "
            "needs --movement-from",
        )
        rfm.add_argument("--json", action="store_true", help="print one JSON object")

        cohorts = sub.add_parser(
            "cohorts",
            help="Acquisition cohorts: customers active and revenue by month (or quarter) since "
            "the first purchase, retention, repeat rate (docs/decisions/0109)",
        )
        cohorts.add_argument("file", help="CSV (UTF-8 with/without BOM, or CP932) or .parquet")
        cohorts.add_argument("--customer", required=True, help="customer id column")
        cohorts.add_argument("--date", required=True, help="purchase date column")
        cohorts.add_argument("--amount", required=True, help="purchase amount column")
        cohorts.add_argument("--period", choices=("month", "quarter"), default="month",
                             help="cohort and age period (default month)")
        cohorts.add_argument("--as-of", help="last day counted (default: the log's last day)")
        cohorts.add_argument("--within-days", type=int,
                             help="a repeat purchase counts only within this many days")
        cohorts.add_argument("--out", help="write the retention triangle to this CSV "
                             "(UTF-8 with BOM): one row per cohort, one column per age")
        cohorts.add_argument("--json", action="store_true", help="print one JSON object")

        funnel = sub.add_parser(
            "funnel",
            help="Lead funnel: flow, balance, conversion, time in stage and fast passes per "
            "stage and period, from a stage transition log",
            description=(
                "Reads a transition log, one row per stage entry (lead_id, stage, entered_at: "
                "a local date and time), with the side boxes named recycle and dead_end; "
                "prints per period and stage: flow (distinct leads entering), balance (leads "
                "sitting there at the period's end), conversion (share of entrants that reached "
                "a later main-path stage, fast passes included; shares recycled and dead-ended), "
                "median days in stage and fast passes (docs/decisions/0301)."
            ),
        )
        funnel.add_argument("file", help="CSV (UTF-8 with/without BOM, or CP932) or .parquet")
        funnel.add_argument(
            "--stages", required=True,
            help="the main path in order, comma-separated, e.g. "
            "acquired,nurturing,promising,accepted,won",
        )
        funnel.add_argument("--period", choices=FREQS, default="month",
                            help="week (from Monday), month (default) or quarter")
        funnel.add_argument("--from", dest="start",
                            help="first period: the one holding this date (default: the "
                            "first entry's)")
        funnel.add_argument("--to", dest="end",
                            help="last period: the one holding this date (default: the last "
                            "entry's)")
        funnel.add_argument("--revival", help="stage a recycled lead returns to (default: the "
                            "second stage)")
        funnel.add_argument("--lead", default="lead_id", help="lead id column (default lead_id)")
        funnel.add_argument("--stage", default="stage", help="stage column (default stage)")
        funnel.add_argument("--entered-at", default="entered_at",
                            help="entry date and time column (default entered_at)")
        funnel.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "clv":
                self._clv(options)
            elif options["action"] == "funnel":
                self._funnel(options)
            elif options["action"] == "cohorts":
                self._cohorts(options)
            else:
                self._rfm(options)
        except (DataError, ConvergenceError, ValueError) as exc:
            raise CommandError(str(exc), returncode=1) from exc
        except OSError as exc:  # e.g. --out in a directory that does not exist
            raise CommandError(f"{exc.filename or ''}: {exc.strerror}", returncode=1) from exc

    # --------------------------------------------------------------------------------------
    # Progress on stderr, only for people (not with --json, where stdout is for machines)
    # --------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _steps(self, total: int, quiet: bool) -> Iterator[Step]:
        if quiet:
            yield lambda _description: None
            return
        progress = Progress(
            TextColumn("[bold]{task.description:<22}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with progress:
            task = progress.add_task("", total=total)
            started = False

            def step(description: str) -> None:
                nonlocal started
                if started:
                    progress.advance(task)
                started = True
                progress.update(task, description=description)

            yield step

    # --------------------------------------------------------------------------------------
    # clv
    # --------------------------------------------------------------------------------------

    def _clv(self, options: dict[str, Any]) -> None:
        as_json = options["json"]
        freq = options["freq"]
        horizon, discount_rate = options["horizon"], options["discount_rate"]
        if horizon < 1:
            raise CommandError(f"--horizon must be at least 1 month, got {horizon}")
        columns = {key: options[key] for key in ("customer", "date", "amount")}
        observation_end: np.datetime64 | None = None
        if options["summary"]:
            if columns["date"] or columns["amount"]:
                raise CommandError("--date/--amount describe a transaction log; not with --summary")
            if options["observation_end"]:
                raise CommandError("--observation-end applies to a transaction log, not --summary")
        else:
            missing = [f"--{key}" for key, value in columns.items() if not value]
            if missing:
                raise CommandError(
                    f"a transaction log needs {', '.join(missing)} (the column names), "
                    "or pass --summary if FILE is a per-customer summary"
                )
            if options["observation_end"]:
                observation_end = _date_option(options["observation_end"])

        with self._steps(6, quiet=as_json) as step:
            step("reading")
            if options["summary"]:
                summary = read_summary(options["file"], customer=columns["customer"])
                ids, x = summary.customer_id, summary.frequency
                t_x, age = summary.recency, summary.T
                money = summary.monetary_value
                n_rows = len(summary)
                step("summarising")
            else:
                log = read_transactions(
                    options["file"],
                    customer=columns["customer"],
                    date=columns["date"],
                    amount=columns["amount"],
                )
                n_rows = len(log)
                if observation_end is None:
                    observation_end = log.date.max()
                step("summarising")
                built = summary_from_transactions(
                    log.customer_id, log.date, log.amount,
                    observation_end=observation_end, freq=freq,
                )
                if len(built) == 0:
                    raise CommandError(
                        f"{options['file']}: no customer bought on or before the observation "
                        f"end {observation_end}",
                        returncode=1,
                    )
                ids, x, t_x, age = built.customer_id, built.frequency, built.recency, built.T
                money = built.monetary_value

            step("fitting BG/NBD")
            bgnbd = BetaGeoFitter(penalizer=options["penalizer"]).fit(x, t_x, age)

            step("fitting Gamma-Gamma")
            gamma_gamma: GammaGammaFitter | None = None
            n_repeat = 0
            if money is not None:
                repeat = (x > 0) & (money > 0)
                n_repeat = int(repeat.sum())
                if n_repeat == 0:
                    raise CommandError(
                        "Gamma-Gamma needs customers with repeat purchases of positive value; "
                        "there are none",
                        returncode=1,
                    )
                gamma_gamma = GammaGammaFitter(penalizer=options["penalizer"]).fit(
                    x[repeat], money[repeat]
                )

            step("predicting")
            per_month = UNITS_PER_MONTH[freq]
            alive = bgnbd.probability_alive(x, t_x, age)
            purchases = bgnbd.expected_purchases(horizon * per_month, x, t_x, age)
            profit: np.ndarray | None = None
            clv: np.ndarray | None = None
            if gamma_gamma is not None and money is not None:
                # A negative mean repeat spend (returns exceeding purchases) has no meaning in
                # the spend model; it counts as no spend information (the population mean).
                spend = np.maximum(money, 0.0)
                profit = gamma_gamma.conditional_expected_average_profit(x, spend)
                clv = gamma_gamma.customer_lifetime_value(
                    bgnbd, x, t_x, age, spend,
                    horizon=horizon, discount_rate=discount_rate, freq_multiplier=per_month,
                )

            step("writing")
            if options["out"]:
                empty = np.full(len(x), "", dtype=object)
                write_csv(
                    options["out"],
                    CLV_COLUMNS,
                    [
                        ids, _whole(x), t_x, age,
                        empty if money is None else money,
                        alive, purchases,
                        empty if profit is None else profit,
                        empty if clv is None else clv,
                    ],
                )

        result: dict[str, Any] = {
            "bgnbd": {**bgnbd.params_, "log_likelihood": bgnbd.log_likelihood_},
            "gamma_gamma": None if gamma_gamma is None else dict(gamma_gamma.params_),
            "customers": len(x),
            "input": {
                "file": str(options["file"]),
                "rows": n_rows,
                "kind": "summary" if options["summary"] else "transactions",
                "freq": freq,
                "observation_end": None if observation_end is None else str(observation_end),
            },
            "gamma_gamma_fit": None if gamma_gamma is None else {
                "customers": n_repeat, "log_likelihood": gamma_gamma.log_likelihood_,
            },
            "prediction": {
                "horizon_months": horizon,
                "discount_rate": discount_rate,
                "expected_purchases": float(purchases.sum()),
                "mean_probability_alive": float(alive.mean()),
                "clv_total": None if clv is None else float(clv.sum()),
            },
            "out": options["out"],
        }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self._print_clv(result)

    def _print_clv(self, result: dict[str, Any]) -> None:
        b, prediction = result["bgnbd"], result["prediction"]
        unit = "days" if result["input"]["freq"] == "D" else "weeks"
        lines = [
            f"Customers: {result['customers']:,} (from {result['input']['rows']:,} rows)",
            f"BG/NBD: r={b['r']:.4g} alpha={b['alpha']:.4g} ({unit}) a={b['a']:.4g} "
            f"b={b['b']:.4g}  log-likelihood={b['log_likelihood']:.6g}",
        ]
        g = result["gamma_gamma"]
        if g is None:
            lines.append("Gamma-Gamma: not fitted (no monetary_value column): no CLV")
        else:
            lines.append(f"Gamma-Gamma: p={g['p']:.4g} q={g['q']:.4g} v={g['v']:.4g}")
        lines.append(
            f"Next {prediction['horizon_months']} months: "
            f"{prediction['expected_purchases']:,.1f} purchases expected; "
            f"mean P(alive) {prediction['mean_probability_alive']:.3f}"
        )
        if prediction["clv_total"] is not None:
            lines.append(
                f"Total CLV (discount {prediction['discount_rate']:g}/month): "
                f"{prediction['clv_total']:,.0f}"
            )
        if result["out"]:
            lines.append(f"Predictions written to {result['out']}")
        self.stdout.write("\n".join(lines))

    # --------------------------------------------------------------------------------------
    # rfm
    # --------------------------------------------------------------------------------------

    def _rfm(self, options: dict[str, Any]) -> None:
        from kizuna.analytics.engine import connect, to_columns, transactions_from_arrays
        from kizuna.analytics.rfm import (
            NOT_YET_A_CUSTOMER,
            SEGMENTS,
            rfm,
            rfm_scores,
            segment_movement,
            segment_report,
        )

        as_json = options["json"]
        as_of = _date_option(options["as_of"])
        movement_from = None
        if options["movement_from"]:
            movement_from = _date_option(options["movement_from"])
            if movement_from > as_of:
                raise CommandError("--movement-from is after --as-of")
        elif options["movement_out"]:
            raise CommandError("--movement-out needs --movement-from")
        with self._steps(3, quiet=as_json) as step:
            step("reading")
            read = read_transactions(
                options["file"],
                customer=options["customer"],
                date=options["date"],
                amount=options["amount"],
            )
            step("scoring")
            con = connect()  # in-memory DuckDB (docs/decisions/0108)
            amounts = read.amount
            if np.all(amounts == np.round(amounts)) and np.all(np.abs(amounts) < 2**53):
                amounts = amounts.astype(np.int64)  # integer yen: exact sums on every engine
            log = transactions_from_arrays(read.customer_id, read.date, amounts)
            table = rfm(con, log, as_of=as_of)
            if len(table) == 0:
                raise CommandError(
                    f"{options['file']}: no customer bought on or before {as_of}", returncode=1
                )
            report = to_columns(con, segment_report(rfm_scores(log, as_of=as_of)))
            moves = None
            if movement_from is not None:
                moves = to_columns(
                    con, segment_movement(log, start=movement_from, end=as_of)
                )
                order = np.lexsort((moves["to_segment"], moves["from_segment"]))
                moves = {name: values[order] for name, values in moves.items()}
            step("writing")
            if options["out"]:
                write_csv(
                    options["out"],
                    (
                        "customer_id", "recency_days", "frequency", "monetary",
                        "r_score", "f_score", "m_score", "segment", "segment_en", "segment_ja",
                    ),
                    [
                        table.customer_id, table.recency, table.frequency, table.monetary,
                        table.r_score, table.f_score, table.m_score, table.segment,
                        [SEGMENTS[s][0] for s in table.segment],
                        [SEGMENTS[s][1] for s in table.segment],
                    ],
                )
            if options["segments"]:
                write_csv(
                    options["segments"],
                    ("segment", "segment_en", "segment_ja", "customers", "monetary",
                     "revenue_share"),
                    [report[name] for name in
                     ("segment", "en", "ja", "customers", "monetary", "revenue_share")],
                )
            if moves is not None and options["movement_out"]:
                write_csv(
                    options["movement_out"],
                    ("from_segment", "to_segment", "customers"),
                    [moves["from_segment"], moves["to_segment"], moves["customers"]],
                )
        labels = {**SEGMENTS, NOT_YET_A_CUSTOMER[0]: NOT_YET_A_CUSTOMER[1:]}
        result: dict[str, Any] = {
            "customers": len(table),
            "as_of": str(as_of),
            "segments": {
                str(key): {"en": str(en), "ja": str(ja), "customers": int(n),
                           "revenue_share": float(share)}
                for key, en, ja, n, share in zip(
                    report["segment"], report["en"], report["ja"], report["customers"],
                    report["revenue_share"], strict=True,
                )
            },
            "movement": None if moves is None else {
                "from": str(movement_from),
                "to": str(as_of),
                "moves": [
                    {"from_segment": str(a), "to_segment": str(b), "customers": int(n)}
                    for a, b, n in zip(moves["from_segment"], moves["to_segment"],
                                       moves["customers"], strict=True)
                ],
            },
            "out": options["out"],
        }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        width = max(len(SEGMENTS[key][0]) for key in SEGMENTS)
        lines = [f"Customers: {len(table):,} (as of {as_of})"]
        for key, segment in result["segments"].items():
            en, ja = SEGMENTS[key]
            lines.append(
                f"  {en.ljust(width)}  {ja}\t{segment['customers']:>9,}  "
                f"{segment['revenue_share']:6.1%} of revenue"
            )
        if result["movement"] is not None:
            lines.append(f"Movement from {movement_from} to {as_of} (customers):")
            for move in result["movement"]["moves"]:
                if move["from_segment"] != move["to_segment"]:
                    lines.append(
                        f"  {labels[move['from_segment']][0]} → "
                        f"{labels[move['to_segment']][0]}: {move['customers']:,}"
                    )
        if options["out"]:
            lines.append(f"Scores written to {options['out']}")
        self.stdout.write("\n".join(lines))

    # --------------------------------------------------------------------------------------
    # funnel
    # --------------------------------------------------------------------------------------

    def _cohorts(self, options: dict[str, Any]) -> None:
        from kizuna.analytics.cohorts import cohort_report
        from kizuna.analytics.engine import connect, transactions_from_arrays

        as_json = options["json"]
        as_of = _date_option(options["as_of"]).item() if options["as_of"] else None
        with self._steps(3, quiet=as_json) as step:
            step("reading")
            read = read_transactions(options["file"], customer=options["customer"],
                                     date=options["date"], amount=options["amount"])
            step("cohorts")
            amounts = read.amount
            if np.all(amounts == np.round(amounts)) and np.all(np.abs(amounts) < 2**53):
                amounts = amounts.astype(np.int64)  # integer yen: exact sums
            report = cohort_report(
                connect(), transactions_from_arrays(read.customer_id, read.date, amounts),
                freq=options["period"], as_of=as_of, within_days=options["within_days"])
            if not report.cohorts:
                raise CommandError(f"{options['file']}: no purchase to count", returncode=1)
            step("writing")
            if options["out"]:
                ages = report.active.shape[1]
                retention = report.retention
                write_csv(options["out"], ("cohort", "customers", "repeat_rate",
                                           *(f"age_{a}" for a in range(ages))),
                          [[c.isoformat() for c in report.cohorts], report.size,
                           np.round(report.repeat_rate, 4),
                           *(["" if np.isnan(v) else round(float(v), 4)
                              for v in retention[:, a]] for a in range(ages))])
        if as_json:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False))
            return
        self.stdout.write(f"{'cohort':<10} {'customers':>9} {'repeat':>7}  retention by age")
        for i, cohort in enumerate(report.cohorts):
            cells = " ".join("    " if np.isnan(v) else f"{100 * v:3.0f}%"
                             for v in report.retention[i][:13])
            self.stdout.write(f"{cohort:%Y-%m}    {report.size[i]:>9,} "
                              f"{_percent(report.repeat_rate[i]):>7}  {cells}")

    def _funnel(self, options: dict[str, Any]) -> None:
        as_json = options["json"]
        main = tuple(name.strip() for name in options["stages"].split(",") if name.strip())
        revival = 1
        if options["revival"]:
            if options["revival"] not in main:
                raise CommandError(f"--revival {options['revival']!r} is not one of --stages")
            revival = main.index(options["revival"])
        try:
            path = StagePath(main, revival=revival)
        except ValueError as exc:
            raise CommandError(f"--stages: {exc}") from exc
        with self._steps(3, quiet=as_json) as step:
            step("reading")
            log = read_stage_log(options["file"], stages=path.stages, lead=options["lead"],
                                 stage=options["stage"], entered_at=options["entered_at"])
            first = _date_option(options["start"]) if options["start"] else log.entered_at.min()
            last = _date_option(options["end"]) if options["end"] else log.entered_at.max()
            if last < first:
                raise CommandError("--to is before --from")
            step("computing")
            edges = period_edges(first, last, options["period"])
            report = funnel_report(log.lead_id, log.stage, log.entered_at, path=path,
                                   edges=edges)
        result = {
            "input": {"file": str(options["file"]), "rows": len(log),
                      "leads": len(np.unique(log.lead_id)), "period": options["period"],
                      "revival": path.main[path.revival]},
            **report.to_dict(),
        }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self._print_funnel(result, report)

    def _print_funnel(self, result: dict[str, Any], report: Any) -> None:
        stages = result["stages"]
        width = max(len(name) for name in stages)
        lines = [f"Leads: {result['input']['leads']:,} (from {result['input']['rows']:,} "
                 f"stage entries); periods: {len(result['periods'])} × {result['input']['period']}"]
        header = (f"  {'stage'.ljust(width)}  {'flow':>7} {'balance':>8} {'conv':>6} "
                  f"{'recycle':>7} {'dead':>6} {'days':>7} {'fast':>6}")
        for q, period in enumerate(result["periods"]):
            lines += ["", f"{period['start']} – {period['end']} (leads at end: "
                      f"{result['leads'][q]:,})", header]
            for s, name in enumerate(stages):
                lines.append(
                    f"  {name.ljust(width)}  {report.flow[s, q]:>7,} {report.balance[s, q]:>8,} "
                    f"{_percent(report.conversion_rate[s, q]):>6} "
                    f"{_percent(report.recycle_rate[s, q]):>7} "
                    f"{_percent(report.dead_end_rate[s, q]):>6} "
                    f"{_days(report.median_days[s, q]):>7} {report.fast_passes[s, q]:>6,}")
        self.stdout.write("\n".join(lines))


def _percent(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.0%}"


def _days(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.1f}"


def _whole(values: np.ndarray) -> np.ndarray:
    """Frequencies are whole numbers: write 3, not 3.0."""
    return values.astype(np.int64) if np.all(values == np.round(values)) else values

