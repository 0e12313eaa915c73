"""Spec validation, key encoding (prepare) and blocking (candidate pairs)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.identity.blocking import block
from kizuna.identity.prepare import prepare, records_from_rows
from kizuna.identity.spec import (
    AnyOf,
    Column,
    Derived,
    Exact,
    Field,
    Level,
    Similar,
    Spec,
    Within,
)


def _text(value: object) -> str | None:
    return str(value).strip().lower() or None


def _initial(key: object) -> str:
    return str(key)[:1]


def _spec(**overrides: object) -> Spec:
    parts: dict = {
        "name": "test",
        "columns": (
            Column("a", ("a",), _text),
            Column("b", ("b",), _text),
            Derived("a1", "a", _initial),
            Column("n", ("n",), float, numeric=True),
        ),
        "fields": (
            Field("a", "a", (Level("exact", "same", Exact("a"), m=0.9),)),
            Field("n", "n", (Level("near", "near", Within("n", 1), m=0.9),)),
        ),
        "blocking": (("a",), ("b", "a1")),
    }
    parts.update(overrides)
    return Spec(**parts)


# --- spec -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"blocking": (("nope",),)}, "unknown column"),
        ({"blocking": ()}, "at least one field and one blocking rule"),
        ({"training": (("b",),)}, "not one of the blocking rules"),
        ({"columns": (Derived("a1", "a", _initial), Column("a", ("a",), _text))},
         "defined before"),
        ({"fields": (Field("a", "a", (Level("x", "x", Within("a", 1), m=0.5),)),)},
         "Within needs a numeric column"),
        ({"fields": (Field("n", "n", (Level("x", "x", Similar("n", 0.9), m=0.5),)),)},
         "Similar needs a string column"),
        ({"fields": (Field("a", "a", (Level("x", "x", AnyOf((
            Exact("a", term_frequency=True), Exact("b"))), m=0.5),)),)},
         "term_frequency only"),
        ({"fields": (Field("a", "a", (Level("different", "x", Exact("a"), m=0.5),)),)},
         "level codes must be unique"),
        ({"fields": (Field("a", "a", (Level("x", "x", Exact("a"), m=1.0),)),)},
         "level m must be in"),
    ],
)
def test_spec_refuses_inconsistent_definitions(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _spec(**overrides)


def test_spec_knows_the_raw_sources_of_derived_columns() -> None:
    spec = _spec()
    assert spec.sources("a1") == {"a"}
    assert spec.input_columns == ("a", "b", "n")
    assert spec.training_rules == spec.blocking


# --- prepare ----------------------------------------------------------------------------------


def test_prepare_encodes_keys_with_missing_values_as_minus_one() -> None:
    records = {"id": [1, 2, 3, 4], "a": ["X", " x ", None, float("nan")], "b": ["", "y", "y", "z"],
               "n": [1, 2, None, 4]}
    prepared = prepare(_spec(), records)
    a = prepared.columns["a"]
    assert a.codes.tolist() == [0, 0, -1, -1]
    assert a.uniques.tolist() == ["x"]
    assert a.counts.tolist() == [2]
    assert prepared.columns["b"].codes.tolist() == [-1, 0, 0, 1]
    assert prepared.columns["a1"].codes.tolist() == [0, 0, -1, -1]
    assert prepared.columns["n"].uniques.dtype == np.float64


def test_prepare_treats_an_absent_column_as_missing_everywhere() -> None:
    prepared = prepare(_spec(), {"id": ["p", "q"], "a": ["x", "x"]})
    assert prepared.columns["b"].codes.tolist() == [-1, -1]


def test_prepare_needs_ids_and_equal_lengths() -> None:
    with pytest.raises(ValueError, match="'id' column"):
        prepare(_spec(), {"a": ["x"]})
    with pytest.raises(ValueError, match="same length"):
        prepare(_spec(), {"id": [1, 2], "a": ["x"]})


def test_records_from_rows_reads_mappings_and_objects() -> None:
    class Row:
        id = 7
        a = "x"

    rows = records_from_rows([{"id": 1, "a": "y"}, Row()], ["id", "a", "b"])
    assert rows == {"id": [1, 7], "a": ["y", "x"], "b": [None, None]}


# --- blocking ---------------------------------------------------------------------------------


def _brute_force(values_a: list, values_b: list, rules: tuple, n_left: int | None) -> set:
    n = len(values_a)
    cols = {"a": values_a, "b": values_b, "a1": [v[:1] if v else None for v in values_a]}
    out = set()
    for i, j in itertools.combinations(range(n), 2):
        if n_left is not None and not (i < n_left <= j):
            continue
        for rule in rules:
            if all(cols[c][i] is not None and cols[c][i] == cols[c][j] for c in rule):
                out.add((i, j))
    return out


keys = st.lists(st.one_of(st.none(), st.sampled_from(["ab", "ac", "b", "bc"])), min_size=2,
                max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_blocking_finds_exactly_the_pairs_that_agree_on_a_rule(data: st.DataObject) -> None:
    a = data.draw(keys)
    b = data.draw(st.lists(st.one_of(st.none(), st.sampled_from(["p", "q"])), min_size=len(a),
                           max_size=len(a)))
    spec = _spec()
    prepared = prepare(spec, {"id": list(range(len(a))), "a": a, "b": b})
    candidates = block(prepared, spec.blocking, max_block_size=1000)
    found = set(zip(candidates.left.tolist(), candidates.right.tolist(), strict=True))
    assert found == _brute_force(a, b, spec.blocking, None)
    assert (candidates.rules > 0).all()  # each pair knows which rules found it
    assert len(found) == len(candidates.left)  # no pair twice


@settings(max_examples=100, deadline=None)
@given(keys, keys)
def test_linking_pairs_only_cross_the_two_sides(left: list, right: list) -> None:
    spec = _spec()
    n_left = len(left)
    prepared = prepare(spec, {"id": list(range(n_left)), "a": left},
                       {"id": list(range(len(right))), "a": right})
    candidates = block(prepared, spec.blocking, max_block_size=1000)
    found = set(zip(candidates.left.tolist(), candidates.right.tolist(), strict=True))
    assert found == _brute_force(left + right, [None] * (len(left) + len(right)),
                                 spec.blocking, n_left)


def test_blocks_over_the_size_limit_are_skipped_and_reported() -> None:
    spec = _spec()
    prepared = prepare(spec, {"id": list(range(6)), "a": ["x"] * 4 + ["y"] * 2})
    candidates = block(prepared, (("a",),), max_block_size=3)
    assert set(zip(candidates.left.tolist(), candidates.right.tolist(), strict=True)) == {(4, 5)}
    assert (candidates.skipped_blocks, candidates.skipped_records) == (1, 4)


def test_rule_bits_record_every_rule_that_found_a_pair() -> None:
    spec = _spec()
    prepared = prepare(spec, {"id": [0, 1, 2], "a": ["ab", "ab", "ac"], "b": ["p", "p", "p"]})
    candidates = block(prepared, spec.blocking, max_block_size=10)
    rules = dict(zip(zip(candidates.left.tolist(), candidates.right.tolist(), strict=True),
                     candidates.rules.tolist(), strict=True))
    assert rules == {(0, 1): 0b11, (0, 2): 0b10, (1, 2): 0b10}
