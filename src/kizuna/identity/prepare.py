"""Turn raw columnar records into integer-coded keys, once per run.

Every key column becomes ``codes`` (int32 per record, -1 = missing) and ``uniques`` (the
distinct keys, so code ``k`` means ``uniques[k]``). Equality is then an integer comparison,
similarity is computed once per distinct pair of keys, and term frequencies are ``bincount``.
The key function runs once per distinct raw value (a dict cache): a column of 100,000 surnames
costs a few hundred calls, not 100,000.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kizuna.identity.spec import Column, Derived, Spec

__all__ = ["Encoded", "Prepared", "Records", "prepare", "records_from_rows"]

# Columnar input: column name -> one value per record (list, tuple or numpy array).
Records = Mapping[str, Sequence[Any] | NDArray[Any]]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Encoded:
    codes: NDArray[np.int32]  # per record; -1 = missing
    uniques: NDArray[Any]  # object array of keys, or float64 for numeric columns
    counts: NDArray[np.int64]  # records per code


@dataclass(frozen=True)
class Prepared:
    """Encoded keys of one run: the records, or ``left`` followed by ``right`` when linking."""

    ids: NDArray[Any]
    n_left: int  # records [0, n_left) are the left side; == n when deduplicating
    columns: dict[str, Encoded]

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def linking(self) -> bool:
        return self.n_left < self.n


def records_from_rows(rows: Iterable[Mapping[str, Any] | Any], columns: Sequence[str]
                      ) -> dict[str, list[Any]]:
    """Columnar records from row objects: mappings (``values()`` of a queryset), dataclasses or
    named tuples. ``columns`` names what to take (include ``id``); absent attributes are None."""
    out: dict[str, list[Any]] = {name: [] for name in columns}
    for row in rows:
        get = row.get if isinstance(row, Mapping) else (lambda k, r=row: getattr(r, k, None))
        for name in columns:
            out[name].append(get(name))
    return out


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _as_list(values: Sequence[Any] | NDArray[Any] | None, n: int) -> list[Any]:
    if values is None:
        return [None] * n
    if len(values) != n:
        raise ValueError(f"all columns must have the same length ({n}), got {len(values)}")
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _encode(keys: Iterable[Any], n: int, numeric: bool) -> Encoded:
    codes = np.full(n, -1, dtype=np.int32)
    index: dict[Any, int] = {}
    for r, key in enumerate(keys):
        if key is not None:
            code = index.get(key)
            if code is None:
                code = index[key] = len(index)
            codes[r] = code
    uniques = np.empty(len(index), dtype=np.float64 if numeric else object)
    for key, code in index.items():
        uniques[code] = key
    counts = np.bincount(codes[codes >= 0], minlength=len(index)).astype(np.int64)
    return Encoded(codes, uniques, counts)


def _column_keys(column: Column, raw: list[list[Any]], n: int) -> list[Any]:
    cache: dict[Any, Any] = {}
    function = column.function
    keys: list[Any] = [None] * n
    if len(raw) == 1:
        for r, value in enumerate(raw[0]):
            if _is_missing(value):
                continue
            try:
                keys[r] = cache[value]
            except KeyError:
                keys[r] = cache[value] = function(value)
            except TypeError:  # unhashable raw value: no caching
                keys[r] = function(value)
        return keys
    for r, values in enumerate(zip(*raw, strict=True)):
        try:  # keyed on the raw values: the missing-value check runs once per distinct tuple
            keys[r] = cache[values]
            continue
        except KeyError:
            pass
        except TypeError:  # unhashable raw value: no caching
            values = tuple(None if _is_missing(v) else v for v in values)
            keys[r] = None if all(v is None for v in values) else function(*values)
            continue
        cleaned = tuple(None if _is_missing(v) else v for v in values)
        key = None if all(v is None for v in cleaned) else function(*cleaned)
        keys[r] = cache[values] = key
    return keys


def prepare(spec: Spec, records: Records, other: Records | None = None) -> Prepared:
    """Encode the spec's key columns for ``records`` (and ``other``, appended after them)."""
    sides = [records] if other is None else [records, other]
    lengths = []
    for side in sides:
        if spec.id_column not in side:
            raise ValueError(f"records need an {spec.id_column!r} column")
        lengths.append(len(side[spec.id_column]))
    n = sum(lengths)
    ids = np.empty(n, dtype=object)
    ids[:] = [v for side, length in zip(sides, lengths, strict=True)
              for v in _as_list(side[spec.id_column], length)]
    raw: dict[str, list[Any]] = {}
    for name in spec.input_columns:
        raw[name] = [v for side, length in zip(sides, lengths, strict=True)
                     for v in _as_list(side.get(name), length)]
    encoded: dict[str, Encoded] = {}
    for column in spec.columns:
        if isinstance(column, Derived):
            parent = encoded[column.column]
            derived = [None if u is None else column.function(u) for u in parent.uniques.tolist()]
            mapped = _encode(derived, len(derived), column.numeric)
            lookup = np.append(mapped.codes, -1)  # parent code -1 (missing) -> -1
            codes = lookup[parent.codes].astype(np.int32)
            counts = np.bincount(codes[codes >= 0], minlength=len(mapped.uniques))
            encoded[column.name] = Encoded(codes, mapped.uniques, counts.astype(np.int64))
        else:
            keys = _column_keys(column, [raw[s] for s in column.sources], n)
            encoded[column.name] = _encode(keys, n, column.numeric)
    return Prepared(ids=ids, n_left=lengths[0], columns=encoded)
