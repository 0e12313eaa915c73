"""Comparison levels of record pairs, vectorised over all pairs at once.

For each field the result is one int8 per pair: the index of the first level whose condition
holds, ``len(levels)`` for "different", or ``MISSING_LEVEL`` (-1) when none of the field's keys
is present on both sides. String similarity is computed by rapidfuzz's ``cpdist`` (C++,
element-wise over two arrays) once per distinct pair of keys: pairs of common surnames repeat
thousands of times, and their similarity is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import (
    DamerauLevenshtein,
    Indel,
    Jaro,
    JaroWinkler,
    Levenshtein,
)

from kizuna.identity._arrays import factorize
from kizuna.identity.prepare import Prepared
from kizuna.identity.spec import (
    AllOf,
    AnyOf,
    Condition,
    Exact,
    Similar,
    Spec,
    Within,
    tf_column,
)

__all__ = ["MISSING_LEVEL", "Comparisons", "compare"]

MISSING_LEVEL = -1
_UNSET = -2
_NOT_COMPUTED = np.float32(-1.0)  # similarities are in [0, 1] or NaN
# Similarities are float32 in rapidfuzz; a threshold of 0.9 must accept 0.9 exactly.
_EPSILON = 1e-6

_SCORERS = {
    "jaro_winkler": JaroWinkler.normalized_similarity,
    "jaro": Jaro.normalized_similarity,
    "levenshtein": Levenshtein.normalized_similarity,
    "damerau_levenshtein": DamerauLevenshtein.normalized_similarity,
    "indel": Indel.normalized_similarity,
}


@dataclass(frozen=True)
class Comparisons:
    """Levels of each pair (rows) per field (columns), and the term-frequency value codes.

    ``tf_codes[p, f]`` is the code (in the field's term-frequency column) of the value the pair
    agrees on when its level is a term-frequency level, else -1.
    """

    levels: NDArray[np.int8]
    tf_codes: NDArray[np.int32]


@dataclass
class _Pairs:
    prepared: Prepared
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    workers: int
    _similarity: dict[tuple[str, str], NDArray[np.float32]] = field(default_factory=dict)
    _codes: dict[str, tuple[NDArray[np.int32], NDArray[np.int32]]] = field(default_factory=dict)

    def codes(self, column: str) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
        """Each pair's two key codes for ``column``; cached per run."""
        cached = self._codes.get(column)
        if cached is None:
            codes = self.prepared.columns[column].codes
            cached = self._codes[column] = (codes[self.left], codes[self.right])
        return cached

    def similarity(self, column: str, scorer: str, rows: NDArray[np.int64]
                   ) -> NDArray[np.float32]:
        """Similarity of the keys of the pairs at ``rows`` (NaN where either is missing).

        Computed on first request per pair and cached, so levels that ask again (a lower
        threshold on the same column) cost nothing, and pairs no level asks about cost nothing.
        """
        key = (column, scorer)
        cache = self._similarity.get(key)
        if cache is None:
            cache = self._similarity[key] = np.full(len(self.left), _NOT_COMPUTED, np.float32)
        todo = rows[cache[rows] == _NOT_COMPUTED]
        if todo.size:
            a, b = self.codes(column)
            a, b = a[todo], b[todo]
            both = (a >= 0) & (b >= 0)
            values = np.where(both & (a == b), np.float32(1.0), np.float32(np.nan))
            differ = np.flatnonzero(both & (a != b))
            if differ.size:
                lo = np.minimum(a[differ], b[differ]).astype(np.int64)
                hi = np.maximum(a[differ], b[differ]).astype(np.int64)
                uniques = self.prepared.columns[column].uniques
                width = np.int64(len(uniques))
                distinct, inverse, _ = factorize(lo * width + hi)
                scores = process.cpdist(
                    uniques[distinct // width].tolist(),
                    uniques[distinct % width].tolist(),
                    scorer=_SCORERS[scorer],
                    workers=self.workers,
                    dtype=np.float32,
                )
                values[differ] = scores[inverse]
            cache[todo] = values
        return cache[rows]

    def holds(self, condition: Condition, rows: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether ``condition`` holds for the pairs at ``rows``.

        AnyOf/AllOf short-circuit: a later condition is only evaluated on the rows still
        undecided, so an expensive similarity behind a cheap equality runs on few pairs.
        """
        if isinstance(condition, AnyOf):
            out = np.zeros(len(rows), dtype=bool)
            for c in condition.conditions:
                open_ = np.flatnonzero(~out)
                if not open_.size:
                    break
                out[open_] = self.holds(c, rows[open_])
            return out
        if isinstance(condition, AllOf):
            out = np.ones(len(rows), dtype=bool)
            for c in condition.conditions:
                open_ = np.flatnonzero(out)
                if not open_.size:
                    break
                out[open_] = self.holds(c, rows[open_])
            return out
        if isinstance(condition, Exact):
            a, b = self.codes(condition.column)
            return (a[rows] >= 0) & (a[rows] == b[rows])
        if isinstance(condition, Similar):
            sim = self.similarity(condition.column, condition.scorer, rows)
            return sim >= condition.threshold - _EPSILON  # NaN (missing) compares False
        if isinstance(condition, Within):
            values = np.append(self.prepared.columns[condition.column].uniques, np.nan)
            a, b = self.codes(condition.column)
            return np.abs(values[a[rows]] - values[b[rows]]) <= condition.distance  # NaN: False
        raise TypeError(f"unknown condition {condition!r}")

    def present(self, column: str) -> NDArray[np.bool_]:
        a, b = self.codes(column)
        return (a >= 0) & (b >= 0)


def compare(spec: Spec, prepared: Prepared, left: NDArray[np.int64], right: NDArray[np.int64],
            *, workers: int = 1) -> Comparisons:
    """Levels of the pairs (``left[k]``, ``right[k]``) for every field of ``spec``."""
    pairs = _Pairs(prepared, left, right, workers)
    n = len(left)
    levels = np.empty((n, len(spec.fields)), dtype=np.int8)
    tf_codes = np.full((n, len(spec.fields)), -1, dtype=np.int32)
    for f, fld in enumerate(spec.fields):
        level = np.full(n, _UNSET, dtype=np.int8)
        for k, lvl in enumerate(fld.levels):
            rows = np.flatnonzero(level == _UNSET)
            if not rows.size:
                break
            hit = rows[pairs.holds(lvl.condition, rows)]
            level[hit] = k
            column = tf_column(lvl)
            if column is not None:
                tf_codes[hit, f] = prepared.columns[column].codes[left[hit]]
        comparable = np.zeros(n, dtype=bool)
        for column in fld.columns:
            comparable |= pairs.present(column)
        level[(level == _UNSET) & comparable] = len(fld.levels)
        level[~comparable] = MISSING_LEVEL
        levels[:, f] = level
    return Comparisons(levels=levels, tf_codes=tf_codes)
