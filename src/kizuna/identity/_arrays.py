"""Sort-based factorize for int64 keys.

numpy 2.3+ answers ``np.unique`` on integers with a hash table, which on a few million random
int64 keys is far slower than sorting (5 s vs 0.1 s for 3.3 M keys, numpy 2.4), so the hot
paths sort themselves.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["factorize"]


def factorize(keys: NDArray[np.int64]
              ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(sorted distinct values, index of each key's value, count of each value)."""
    order = np.argsort(keys)
    ordered = keys[order]
    if ordered.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return ordered, empty, empty
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(keys)])
    return ordered[first], inverse, counts
