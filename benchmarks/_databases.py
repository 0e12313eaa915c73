"""Where the benchmarks keep their databases (shared by customer_search.py and rules.py)."""

from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


def databases(scale: str, kind: str) -> dict[str, str]:
    """SQLite file and (when it answers) PostgreSQL database of one benchmark and scale. The
    large demo (seed 1) takes a quarter of an hour to load, so every benchmark shares it
    (rules.py rolls back what it writes and only adds the shipped criteria)."""
    name = "large" if scale == "large" else f"{kind}-{scale}"
    found = {"SQLite": f"sqlite:///{ROOT / 'var' / f'bench-{name}.sqlite3'}"}
    if postgres_answers():
        found["PostgreSQL"] = ("postgres://postgres@127.0.0.1:5432/kizuna_bench_"
                               + name.replace("-", "_"))
    return found
