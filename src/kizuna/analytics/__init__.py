"""Kizuna's analytics engine: pure functions and estimators over arrays and tables.

This package is *pure*: it never imports Django (nor anything from ``kizuna`` outside it), so it
can be unit-tested without a database and reused from tasks, the CLI and notebooks. Django apps
call it from their ``services.py`` and write the results back to the operational store.

Estimators follow the scikit-learn contract (STYLE.md §5): ``__init__`` only stores parameters,
``fit`` validates its input, sets attributes ending in ``_`` and returns ``self``, and predicting
before fitting raises :class:`NotFittedError`.

Modules:

- :mod:`kizuna.analytics.clv` — predictive customer lifetime value: BG/NBD, Pareto/NBD and
  Gamma-Gamma estimators, and ``summary_from_transactions`` to build their inputs.
- :mod:`kizuna.analytics.engine` — Ibis connections (DuckDB in memory or a file, PostgreSQL,
  PySpark) and transaction logs from tables or CSV/Parquet files (docs/decisions/0108).
- :mod:`kizuna.analytics.rfm` — RFM per customer as Ibis expressions: quintile scores, named
  segments (English and Japanese labels), counts, revenue shares and movement between dates.
- :mod:`kizuna.analytics.funnel` — THE MODEL's lead funnel from a stage transition log: flow,
  balance, conversion, time in stage and fast passes per stage and period.
"""

from kizuna.analytics._base import ConvergenceError, NotFittedError

__all__ = ["ConvergenceError", "NotFittedError"]
