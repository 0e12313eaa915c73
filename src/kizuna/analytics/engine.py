"""Where the analytics run: Ibis connections (DuckDB, PostgreSQL, Spark) and transaction logs.

Pure (no Django). Every table computation in :mod:`kizuna.analytics` is an Ibis expression, so
the same code runs on the embedded DuckDB (the default: in memory or a file), on PostgreSQL (the
operational database or a warehouse) and on Spark when one machine is not enough
(ARCHITECTURE.md; docs/decisions/0108-analytics-engine.md).

- :func:`connect` — a backend from a target: ``None``/``"duckdb"`` (in memory), a DuckDB file
  path or ``duckdb:///path``, a ``postgres://`` URL, or a ``SparkSession`` (PySpark is optional:
  imported only when a session is passed).
- :func:`read_transactions` — a transaction log (customer, date, amount[, cost]) from a table
  name, an Ibis table or a CSV/Parquet file, as an Ibis table with the standard column names
  ``customer_id``, ``date`` (a calendar date), ``amount`` (and ``cost``).
- :func:`transactions_from_arrays` — the same from aligned arrays (the CLI's parsed files).
- :func:`to_columns` — run an expression and get numpy columns back.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from ibis.backends import BaseBackend
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LOG_COLUMNS",
    "connect",
    "read_transactions",
    "to_columns",
    "transactions_from_arrays",
]

# Standard names of a transaction log inside the engine.
LOG_COLUMNS = ("customer_id", "date", "amount", "cost")
PARQUET_SUFFIXES = {".parquet", ".pq"}
_names = itertools.count(1)


def connect(target: Any = None, *, threads: int | None = None) -> BaseBackend:
    """An Ibis backend for ``target``.

    ``None``, ``"duckdb"`` or ``":memory:"``: DuckDB in memory (the default engine);
    ``"duckdb:///path/file.duckdb"`` or a path ending in ``.duckdb``/``.db``: a DuckDB file;
    ``"postgres://user@host:port/db"`` (or ``postgresql://``): PostgreSQL; a PySpark
    ``SparkSession``: Spark (needs ``pyspark``, which Kizuna does not install).

    ``threads`` caps DuckDB's worker threads (default: one per core), e.g. on a server shared
    with the web processes.
    """
    duckdb_options = {} if threads is None else {"threads": int(threads)}
    if target is None or target in ("duckdb", ":memory:", "duckdb://"):
        return ibis.duckdb.connect(**duckdb_options)
    if isinstance(target, Path) or (
        isinstance(target, str) and target.endswith((".duckdb", ".db")) and "://" not in target
    ):
        return ibis.duckdb.connect(str(target), **duckdb_options)
    if isinstance(target, str):
        scheme = target.split("://", 1)[0].lower() if "://" in target else ""
        if scheme == "duckdb":
            path = target.split("://", 1)[1] or ":memory:"
            return ibis.duckdb.connect(path, **duckdb_options)
        if scheme in ("postgres", "postgresql"):
            return ibis.connect(target.replace("postgresql://", "postgres://", 1))
        raise ValueError(
            f"unknown analytics engine {target!r}: use 'duckdb', a DuckDB file path, "
            "duckdb:///path or postgres://…"
        )
    if type(target).__name__ == "SparkSession":
        try:
            importlib.import_module("pyspark")
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise ValueError("a Spark engine needs the 'pyspark' package") from exc
        return ibis.pyspark.connect(target)
    raise TypeError(f"cannot make an analytics engine from {type(target).__name__}")


def read_transactions(
    con: BaseBackend,
    source: str | Path | ir.Table,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    cost: str | None = None,
) -> ir.Table:
    """A transaction log as an Ibis table with columns ``customer_id, date, amount[, cost]``.

    ``source`` is an Ibis table, the name of a table in ``con``, or a ``.csv``/``.parquet``
    file (read natively by DuckDB and Spark; through pyarrow and uploaded to PostgreSQL).
    ``date`` may hold dates, naive local timestamps (the time of day is dropped) or ISO date
    text; timezone-aware timestamps are refused, because the calendar day would depend on a
    timezone the caller has to choose (the rule of
    :func:`kizuna.analytics.summary.summary_from_transactions`).
    """
    if isinstance(source, ir.Table):
        table = source
    elif isinstance(source, Path) or (
        isinstance(source, str) and Path(source).suffix.lower() in PARQUET_SUFFIXES | {".csv"}
    ):
        table = _read_file(con, Path(source))
    else:
        table = con.table(source)
    wanted = {"customer_id": customer, "date": date, "amount": amount}
    if cost is not None:
        wanted["cost"] = cost
    missing = [name for name in wanted.values() if name not in table.columns]
    if missing:
        raise ValueError(
            f"no column {', '.join(map(repr, missing))} in the transaction log; "
            f"columns are: {', '.join(table.columns)}"
        )
    day = table[date]
    kind = day.type()
    if kind.is_timestamp():
        if kind.timezone is not None:
            raise ValueError(
                f"column {date!r} holds timezone-aware timestamps; store local dates "
                "(e.g. Asia/Tokyo) instead"
            )
        day = day.date()
    elif kind.is_string():
        day = day.cast(dt.date)
    elif not kind.is_date():
        raise ValueError(f"column {date!r} holds {kind}, not dates")
    columns = {"customer_id": table[customer], "date": day, "amount": table[amount]}
    if cost is not None:
        columns["cost"] = table[cost]
    for name in ("amount", "cost"):
        if name in columns and not columns[name].type().is_numeric():
            raise ValueError(f"column {wanted[name]!r} holds {columns[name].type()}, not numbers")
    return table.select(**columns)


def _read_file(con: BaseBackend, path: Path) -> ir.Table:
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    parquet = path.suffix.lower() in PARQUET_SUFFIXES
    if con.name in ("duckdb", "pyspark"):  # read where the engine runs
        return con.read_parquet(path) if parquet else con.read_csv(path)
    if parquet:
        import pyarrow.parquet as pq

        data = pq.read_table(path)
    else:
        import pyarrow.csv as pacsv

        data = pacsv.read_csv(path)
    return con.create_table(f"kizuna_log_{next(_names)}", data, temp=True)


def transactions_from_arrays(
    customer_ids: ArrayLike,
    dates: ArrayLike,
    amounts: ArrayLike,
    costs: ArrayLike | None = None,
) -> ir.Table:
    """A transaction log from aligned arrays (dates as ``datetime64[D]`` or ``date`` objects),
    as an in-memory Ibis table that any backend can run (uploaded on first use)."""
    columns: dict[str, Any] = {
        "customer_id": _arrow(np.asarray(customer_ids)),
        "date": pa.array(np.asarray(dates).astype("datetime64[D]"), type=pa.date32()),
        "amount": _arrow(np.asarray(amounts)),
    }
    if costs is not None:
        columns["cost"] = _arrow(np.asarray(costs))
    return ibis.memtable(pa.table(columns))


def _arrow(values: NDArray[Any]) -> pa.Array:
    if values.dtype.kind == "U":
        return pa.array(values.tolist(), type=pa.string())
    if values.dtype.kind == "O":
        return pa.array(values.tolist())
    return pa.array(values)


def to_columns(
    con: BaseBackend, expr: ir.Table, *, sort_by: str | None = None
) -> Mapping[str, NDArray[Any]]:
    """Run ``expr`` on ``con`` and return its columns as numpy arrays.

    With ``sort_by`` the rows are sorted in Python (by code point for text), so the order does
    not depend on the database's collation (PostgreSQL sorts text by locale).
    """
    result = con.to_pyarrow(expr)
    columns = {name: _numpy(result.column(name)) for name in result.column_names}
    if sort_by is not None and len(result):
        order = np.argsort(columns[sort_by], kind="stable")
        columns = {name: values[order] for name, values in columns.items()}
    return columns


def _numpy(column: pa.ChunkedArray) -> NDArray[Any]:
    kind = column.type
    if column.null_count:
        return np.array(column.to_pylist(), dtype=object)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return np.array(column.to_pylist(), dtype=str) if len(column) else np.zeros(0, dtype=str)
    if pa.types.is_decimal(kind):  # PostgreSQL sums integers as NUMERIC
        return np.array([float(v) for v in column.to_pylist()], dtype=np.float64)
    if pa.types.is_date(kind):
        return column.to_numpy().astype("datetime64[D]")
    return column.to_numpy()
