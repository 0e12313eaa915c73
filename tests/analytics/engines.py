"""The engines every analytic is tested on: DuckDB always, PostgreSQL when it answers on
127.0.0.1:5432 (a database of our own per session, created and dropped here), local-mode
PySpark when ``pyspark`` and Java are present (marked ``spark``: ``-m 'not spark'`` skips it)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
from collections.abc import Iterator

import pytest

from kizuna.analytics.engine import connect

PG_SERVER = os.environ.get("KIZUNA_ANALYTICS_PG", "postgres://postgres@127.0.0.1:5432")
# One database per test session (pid): sessions run side by side must not drop each other's.
PG_DATABASE = f"kizuna_analytics_test_{os.getpid()}"


def _port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(sql)


def engine_params() -> list[object]:
    return [
        pytest.param("duckdb", id="duckdb"),
        pytest.param("postgres", id="postgres"),
        pytest.param("spark", id="spark", marks=pytest.mark.spark),
    ]


@pytest.fixture(scope="session")
def _postgres() -> Iterator[object]:
    if not _port_open("127.0.0.1", 5432):
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    _admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {PG_DATABASE}")
    con = connect(f"{PG_SERVER}/{PG_DATABASE}")
    yield con
    con.disconnect()
    _admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


@pytest.fixture(scope="session")
def _spark() -> Iterator[object]:
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.skip("local-mode Spark needs pyspark and Java")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield connect(session)
    session.stop()


@pytest.fixture(scope="session")
def _duckdb() -> object:
    return connect()


@pytest.fixture(params=engine_params())
def con(request: pytest.FixtureRequest) -> object:
    """An Ibis backend: each test using it runs on DuckDB, PostgreSQL and (marked) Spark."""
    return request.getfixturevalue(f"_{request.param}")
