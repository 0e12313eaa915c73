"""Fixtures for the pure analytics tests: seeded randomness and the CDNOW reference data.

Nothing here needs a database or Django.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

# The engines (DuckDB, PostgreSQL, Spark) behind the `con` fixture.
from tests.analytics.engines import _duckdb, _postgres, _spark, con  # noqa: F401

# The CDNOW data ship inside the `lifetimes` package (dev dependency, installed with --no-deps).
# They are read from its files; `lifetimes` itself is never imported (it needs pandas, autograd,
# dill and pkg_resources, none of which we use).
LIFETIMES_REQUIREMENT = "lifetimes==0.11.3"


def lifetimes_dataset(name: str) -> Path | None:
    """Path of ``lifetimes/datasets/<name>`` in the installed package, or None if absent."""
    # find_spec on a top-level name locates the package without executing its __init__.
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "datasets" / name
        if path.is_file():
            return path
    return None


def require_lifetimes_dataset(name: str) -> Path:
    path = lifetimes_dataset(name)
    if path is None:
        # `make test` sets KIZUNA_REQUIRE_TEST_DATA: there a missing file is a failure, so the
        # correctness anchors can never be skipped silently in CI.
        fail_or_skip = pytest.fail if os.environ.get("KIZUNA_REQUIRE_TEST_DATA") else pytest.skip
        fail_or_skip(
            f"CDNOW reference file lifetimes/datasets/{name} not found: "
            f"install the test data with `pip install --no-deps {LIFETIMES_REQUIREMENT}`"
        )
    return path


@dataclass(frozen=True)
class CdnowSummary:
    """The 2,357-customer CDNOW calibration summary (39 weeks, weekly units)."""

    customer_id: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray


@pytest.fixture(scope="session")
def cdnow_summary() -> CdnowSummary:
    """cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T, zbar (mean repeat spend)."""
    path = require_lifetimes_dataset("cdnow_customers_summary_with_transactions.csv")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return CdnowSummary(
        customer_id=table[:, 0].astype(int),
        frequency=table[:, 1],
        recency=table[:, 2],
        T=table[:, 3],
        monetary_value=table[:, 4],
    )


@pytest.fixture(scope="session")
def cdnow_transactions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CDNOW_sample.txt: (customer id, ISO date, dollar amount) for all 6,919 purchases."""
    path = require_lifetimes_dataset("CDNOW_sample.txt")
    # Columns: master id, sample id (the ID of the summaries), yyyymmdd, number of CDs, dollars.
    raw = np.loadtxt(path, dtype=str)
    ids = raw[:, 1].astype(int)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    return ids, dates, raw[:, 4].astype(float)


@pytest.fixture
def rng() -> np.random.Generator:
    """Seeded generator: every randomised test is reproducible (STYLE.md §5)."""
    return np.random.default_rng(20050101)


@dataclass
class Simulate:
    """Draws customer data from the models, from the seeded ``rng`` (fixture ``simulate``)."""

    rng: np.random.Generator

    def bgnbd(
        self, n: int, T: float, *, r: float, alpha: float, a: float, b: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(frequency, recency, T) of ``n`` customers drawn from the BG/NBD model over ``T``.

        λ ~ Gamma(r, rate α) and p ~ Beta(a, b) per customer; purchases arrive as a Poisson
        process of rate λ, and after each repeat purchase the customer leaves with probability p.
        """
        rate = self.rng.gamma(r, 1.0 / alpha, n)
        dropout = self.rng.beta(a, b, n)
        frequency, recency = np.zeros(n), np.zeros(n)
        for i in range(n):
            t = self.rng.exponential(1.0 / rate[i])
            while t <= T:
                frequency[i] += 1
                recency[i] = t
                if self.rng.random() < dropout[i]:
                    break
                t += self.rng.exponential(1.0 / rate[i])
        return frequency, recency, np.full(n, T)

    def pareto_nbd(
        self, n: int, T: float, *, r: float, alpha: float, s: float, beta: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(frequency, recency, T) of ``n`` customers drawn from the Pareto/NBD model over ``T``.

        λ ~ Gamma(r, rate α) and μ ~ Gamma(s, rate β) per customer; purchases arrive as a
        Poisson process of rate λ until an exponential lifetime of rate μ ends.
        """
        rate = self.rng.gamma(r, 1.0 / alpha, n)
        lifetime = self.rng.exponential(1.0 / self.rng.gamma(s, 1.0 / beta, n))
        frequency, recency = np.zeros(n), np.zeros(n)
        for i in range(n):
            t = self.rng.exponential(1.0 / rate[i])
            while t <= min(T, lifetime[i]):
                frequency[i] += 1
                recency[i] = t
                t += self.rng.exponential(1.0 / rate[i])
        return frequency, recency, np.full(n, T)

    def gamma_gamma(self, frequency: np.ndarray, *, p: float, q: float, v: float) -> np.ndarray:
        """Mean spend over ``frequency`` purchases per customer under the Gamma-Gamma model.

        Each purchase ~ Gamma(p, rate ν) with ν ~ Gamma(q, rate v); the mean of x purchases is
        then Gamma(p·x, rate ν·x).
        """
        nu = self.rng.gamma(q, 1.0 / v, len(frequency))
        return self.rng.gamma(p * frequency, 1.0 / (nu * frequency))


@pytest.fixture
def simulate(rng: np.random.Generator) -> Simulate:
    return Simulate(rng)
