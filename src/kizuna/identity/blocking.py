"""Candidate pairs: records that agree exactly on every key of a blocking rule.

All numpy: records are sorted by their combined block key, and the pairs of a block of size s
are produced in s - 1 vectorised passes over the sorted order ("pair each record with the one d
places further on, if it is still in the same block", d = 1, 2, ...), so no Python loop runs per
record or per pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kizuna.identity._arrays import factorize
from kizuna.identity.prepare import Prepared

__all__ = ["Candidates", "block", "pair_keys"]


@dataclass(frozen=True)
class Candidates:
    """Distinct candidate pairs (left < right when deduplicating; left side first when linking)
    and, per pair, a bit mask of the blocking rules that produced it."""

    left: NDArray[np.int64]
    right: NDArray[np.int64]
    rules: NDArray[np.int64]  # bit r set: rule r produced the pair
    pairs_per_rule: tuple[int, ...]
    skipped_blocks: int  # blocks over max_block_size, not paired
    skipped_records: int


def pair_keys(left: NDArray[np.int64], right: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    return left * n + right


def _block_ids(prepared: Prepared, rule: tuple[str, ...]) -> NDArray[np.int64]:
    """One int per record identifying its block under ``rule``; -1 if a key is missing."""
    combined = np.zeros(prepared.n, dtype=np.int64)
    present = np.ones(prepared.n, dtype=bool)
    for name in rule:
        codes = prepared.columns[name].codes
        present &= codes >= 0
        width = np.int64(len(prepared.columns[name].uniques) + 1)
        combined = combined * width + codes.astype(np.int64)
        # Re-number after each step so the mixed-radix product cannot overflow int64.
        _, combined, _ = factorize(np.where(present, combined, -1))
    return np.where(present, combined, -1)


def _pairs_of_rule(prepared: Prepared, rule: tuple[str, ...], max_block_size: int
                   ) -> tuple[NDArray[np.int64], NDArray[np.int64], int, int]:
    blocks = _block_ids(prepared, rule)
    records = np.flatnonzero(blocks >= 0)
    order = records[np.argsort(blocks[records], kind="stable")]
    sorted_blocks = blocks[order]
    # Block sizes, per sorted position.
    starts = np.flatnonzero(np.r_[True, sorted_blocks[1:] != sorted_blocks[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    size_at = np.repeat(sizes, sizes)
    too_big = size_at > max_block_size
    skipped_blocks = int(np.count_nonzero(sizes > max_block_size))
    skipped_records = int(np.count_nonzero(too_big))
    keep = (size_at >= 2) & ~too_big
    order, sorted_blocks = order[keep], sorted_blocks[keep]
    lefts: list[NDArray[np.int64]] = []
    rights: list[NDArray[np.int64]] = []
    position = np.arange(len(order))
    d = 1
    while position.size:
        position = position[position + d < len(order)]
        position = position[sorted_blocks[position] == sorted_blocks[position + d]]
        if position.size:
            lefts.append(order[position])
            rights.append(order[position + d])
        d += 1
    if not lefts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, skipped_blocks, skipped_records
    a = np.concatenate(lefts)
    b = np.concatenate(rights)
    left, right = np.minimum(a, b), np.maximum(a, b)
    if prepared.linking:  # only pairs across the two sides
        across = (left < prepared.n_left) & (right >= prepared.n_left)
        left, right = left[across], right[across]
    return left, right, skipped_blocks, skipped_records


def block(prepared: Prepared, rules: tuple[tuple[str, ...], ...], max_block_size: int
          ) -> Candidates:
    """The union of the pairs of every rule, deduplicated, with the rules that found each."""
    n = prepared.n
    keys_per_rule: list[NDArray[np.int64]] = []
    skipped_blocks = skipped_records = 0
    for rule in rules:
        left, right, blocks, records = _pairs_of_rule(prepared, rule, max_block_size)
        keys_per_rule.append(pair_keys(left, right, n))
        skipped_blocks += blocks
        skipped_records += records
    # One sort of all rules' pairs: distinct pairs, and per pair the OR of its rules' bits.
    keys = np.concatenate(keys_per_rule) if keys_per_rule else np.empty(0, np.int64)
    bits = np.repeat(np.int64(1) << np.arange(len(rules), dtype=np.int64),
                     [len(k) for k in keys_per_rule])
    order = np.argsort(keys, kind="stable")
    keys, bits = keys[order], bits[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if keys.size else order
    union = keys[starts]
    mask = np.bitwise_or.reduceat(bits, starts) if keys.size else bits
    return Candidates(
        left=union // n,
        right=union % n,
        rules=mask,
        pairs_per_rule=tuple(len(k) for k in keys_per_rule),
        skipped_blocks=skipped_blocks,
        skipped_records=skipped_records,
    )
