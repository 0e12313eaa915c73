"""RFM + segments: Kizuna's engine (Ibis expressions on the embedded DuckDB) vs pandas.

Runs in the benchmark venv (pandas is not used by the product's code):

    nice .venv-bench/bin/python benchmarks/rfm.py                     # 10,000,000 order lines
    nice .venv-bench/bin/python benchmarks/rfm.py --lines 1000000     # a tenth

1. A seeded order log of ``--lines`` rows for ``--customers`` customers (skewed: a few buy
   often, most once or twice) over 2022–2024 is written once to Parquet
   (``--data``, default var/bench-rfm): customer id (int64), order date (a naive
   timestamp at midnight, as an export of order dates gives it), amount (integer yen).
2. Each side runs in its own subprocess, from reading the file to the per-customer table
   (recency, frequency, monetary, R/F/M scores 1–5, segment) and the per-segment report
   (customers, revenue share), as of 2024-12-31, with the definitions of
   docs/decisions/0108-analytics-engine.md ("min" rank quintiles, R×F segment grid). The
   pandas side is what a pandas user would write: read_parquet, filter, groupby.agg,
   rank(method="min"), a map for the segments, groupby for the report.
3. Libraries are imported before the clock starts (reported apart). The two results must be
   identical (a digest of every customer's scores and segment, and
   the report); wall time and peak RSS (``resource.getrusage``, the whole process: the
   interpreter and the imports included) are printed per side, with their ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

AS_OF = "2024-12-31"
FIRST_DAY = np.datetime64("2022-01-01")
DAYS = 3 * 365 + 1
SEED = 20241231
# (R, F) → segment, the grid of kizuna.analytics.rfm written out for the pandas side.
GRID = {
    (r, f): segment
    for r, row in enumerate(
        (
            ("lost", "hibernating", "at_risk", "at_risk", "cannot_lose"),
            ("hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose"),
            ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
            ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
            ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
        ),
        start=1,
    )
    for f, segment in enumerate(row, start=1)
}


# ------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------


def generate(path: Path, lines: int, customers: int) -> None:
    """Write the seeded order log to ``path`` (Parquet), in chunks of a million rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(SEED)
    # Skewed activity: customer c's weight falls off like a power law of a random rank.
    weights = rng.pareto(1.2, customers) + 1.0
    weights /= weights.sum()
    # Each customer has a first day; their orders fall between it and the end of 2024.
    first = rng.integers(0, DAYS, customers)
    schema = pa.schema(
        [("customer_id", pa.int64()), ("order_date", pa.timestamp("s")), ("amount", pa.int64())]
    )
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema) as writer:
        done = 0
        while done < lines:
            size = min(1_000_000, lines - done)
            who = rng.choice(customers, size=size, p=weights)
            start = first[who]
            day = start + (rng.random(size) * (DAYS - start)).astype(np.int64)
            amount = np.round(rng.lognormal(8.0, 0.9, size), -1).astype(np.int64)
            dates = (FIRST_DAY + day).astype("datetime64[s]")
            writer.write_table(
                pa.table([pa.array(who.astype(np.int64)), pa.array(dates), pa.array(amount)],
                         schema=schema)
            )
            done += size
    tmp.rename(path)


# ------------------------------------------------------------------------------------------
# The two sides (each in its own process)
# ------------------------------------------------------------------------------------------


def run_kizuna(path: Path, threads: int | None) -> tuple[Any, Any]:
    from kizuna.analytics.engine import connect, read_transactions
    from kizuna.analytics.rfm import rfm_scores, segment_report

    con = connect(threads=threads)
    log = read_transactions(con, path, date="order_date")
    # Computed once into a temporary table; the per-customer rows and the report read it.
    scores = con.create_table("rfm_scores", rfm_scores(log, as_of=AS_OF), temp=True)
    per_customer = con.to_pyarrow(
        scores.select("customer_id", "recency", "frequency", "monetary", "r_score",
                      "f_score", "m_score", "segment")
    )
    report = con.to_pyarrow(segment_report(scores))
    return per_customer, report


def digest_kizuna(per_customer: Any, report: Any) -> dict[str, Any]:
    return digest(
        per_customer.column("customer_id").to_numpy(),
        per_customer.column("r_score").to_numpy(),
        per_customer.column("f_score").to_numpy(),
        per_customer.column("m_score").to_numpy(),
        np.array(per_customer.column("segment").to_pylist()),
        {
            segment: (int(n), round(float(share), 12))
            for segment, n, share in zip(
                report.column("segment").to_pylist(), report.column("customers").to_pylist(),
                report.column("revenue_share").to_pylist(), strict=True,
            )
            if n
        },
    )


def run_pandas(path: Path, threads: int | None) -> tuple[Any, Any]:
    import pandas as pd

    orders = pd.read_parquet(path)
    as_of = pd.Timestamp(AS_OF)
    orders = orders[orders["order_date"] <= as_of]
    rfm = orders.groupby("customer_id").agg(
        last=("order_date", "max"), frequency=("amount", "size"), monetary=("amount", "sum")
    )
    rfm["recency"] = (as_of - rfm["last"]).dt.days
    n = len(rfm)
    for score, column in (("r_score", "last"), ("f_score", "frequency"),
                          ("m_score", "monetary")):
        below = rfm[column].rank(method="min").astype("int64") - 1
        rfm[score] = 1 + (5 * below) // n
    rfm["segment"] = (10 * rfm["r_score"] + rfm["f_score"]).map(
        {10 * r + f: segment for (r, f), segment in GRID.items()}
    )
    report = rfm.groupby("segment").agg(customers=("monetary", "size"),
                                        monetary=("monetary", "sum"))
    report["revenue_share"] = report["monetary"] / report["monetary"].sum()
    return rfm.reset_index(), report


def digest_pandas(rfm: Any, report: Any) -> dict[str, Any]:
    return digest(
        rfm["customer_id"].to_numpy(), rfm["r_score"].to_numpy(), rfm["f_score"].to_numpy(),
        rfm["m_score"].to_numpy(), rfm["segment"].to_numpy(dtype=str),
        {
            segment: (int(row.customers), round(float(row.revenue_share), 12))
            for segment, row in report.iterrows()
        },
    )


def digest(ids, r, f, m, segment, report: dict[str, Any]) -> dict[str, Any]:
    """A comparable summary: a hash of every customer's scores and segment, by customer id."""
    order = np.argsort(ids, kind="stable")
    h = hashlib.sha256()
    for column in (ids, r.astype(np.int64), f.astype(np.int64), m.astype(np.int64)):
        h.update(np.ascontiguousarray(np.asarray(column)[order]).tobytes())
    h.update("\n".join(np.asarray(segment)[order].tolist()).encode())
    return {"customers": len(ids), "digest": h.hexdigest(), "report": dict(sorted(report.items()))}


def child(side: str, path: Path, threads: int | None) -> None:
    # Libraries are imported before the clock starts (a service imports them once); the
    # import time is reported on its own line, and is in the peak RSS.
    importing = time.perf_counter()
    if side == "kizuna":
        import ibis.backends.duckdb.converter  # noqa: F401  (to_pyarrow imports it lazily)

        import kizuna.analytics.rfm  # noqa: F401
    else:
        import pandas  # noqa: F401
    imports = time.perf_counter() - importing
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    output = (run_kizuna if side == "kizuna" else run_pandas)(path, threads)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    # Outside the clock: the digest that checks both sides agree.
    result = (digest_kizuna if side == "kizuna" else digest_pandas)(*output)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "imports": imports,
                      "peak_mib": peak_kib / 1024, "result": result}))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(side: str, path: Path, threads: int | None) -> dict[str, Any]:
    options = [] if threads is None else ["--threads", str(threads)]
    completed = subprocess.run(
        [sys.executable, __file__, "--side", side, "--data", str(path.parent),
         "--file", path.name, *options],
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"{side} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int)
    parser.add_argument("--data", default=str(Path(__file__).parent.parent / "var" / "bench-rfm"))
    parser.add_argument("--threads", type=int,
                        help="DuckDB worker threads (default: one per core)")
    parser.add_argument("--side", choices=("kizuna", "pandas"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = Path(args.data)
    if args.side:
        child(args.side, data / args.file, args.threads)
        return
    customers = args.customers or max(args.lines // 10, 10)
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"orders-{args.lines}-{customers}-{SEED}.parquet"
    if not path.exists():
        print(f"generating {args.lines:,} order lines for {customers:,} customers → {path}")
        generate(path, args.lines, customers)
    print(f"RFM + segments as of {AS_OF}: {args.lines:,} order lines, {path}")
    results = {side: measure(side, path, args.threads) for side in ("kizuna", "pandas")}
    k, p = results["kizuna"], results["pandas"]
    if k["result"] != p["result"]:
        sys.exit(f"results differ:\nkizuna {k['result']}\npandas {p['result']}")
    print(f"  identical results: {k['result']['customers']:,} customers, "
          f"digest {k['result']['digest'][:16]}")
    for side in ("kizuna", "pandas"):
        r = results[side]
        print(f"  {side:<7} {r['seconds']:8.2f} s wall  {r['cpu']:8.2f} s CPU   "
              f"peak RSS {r['peak_mib']:6.0f} MiB   (imports {r['imports']:.2f} s, not timed)")
    with open("/proc/loadavg", encoding="ascii") as handle:
        load = handle.read().split()[0]
    print(f"  load average at the end: {load} (on {os.cpu_count()} cores)")
    print(f"  kizuna is {p['seconds'] / k['seconds']:.1f}× faster (wall), "
          f"{p['cpu'] / k['cpu']:.1f}× less CPU, peak memory "
          f"{k['peak_mib'] / p['peak_mib']:.2f}× pandas' (target: ≥ 5× faster, below pandas)")


if __name__ == "__main__":
    main()
