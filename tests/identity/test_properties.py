"""Properties that hold for any input: the score is symmetric and blind to how a record was
typed (width, kana script, spacing, variant kanji, phone and postal formats), and clustering
is the transitive closure of the pairs it is given."""

from __future__ import annotations

import itertools
from typing import Any

import jaconv
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.identity import IdentityModel, Matches, cluster
from kizuna.identity.synthetic import SyntheticPeople

_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_VARIANTS = {"高": "髙", "崎": "﨑", "辺": "邊", "沢": "澤", "斎": "齋", "浜": "濱", "広": "廣"}


def _full_width(text: Any) -> Any:
    return "".join(_FULL_WIDTH.get(ch, ch) for ch in text) if isinstance(text, str) else text


def _retype(row: dict[str, Any], how: frozenset[str]) -> dict[str, Any]:
    """The same person typed differently: nothing a match key should notice."""
    row = dict(row)
    for name in ("family_name_kana", "given_name_kana"):
        if row[name]:
            if "hiragana" in how:
                row[name] = jaconv.kata2hira(row[name])
            if "half_width" in how:
                row[name] = jaconv.z2h(jaconv.hira2kata(row[name]), kana=True, ascii=False,
                                       digit=False)
    if "full_width" in how:
        for name in ("email", "phone", "postal_code", "address_line1"):
            row[name] = _full_width(row[name])
    if "spacing" in how:
        for name in ("family_name", "given_name", "family_name_kana"):
            if row[name]:
                row[name] = f" {row[name]}\u3000"
    if "variant_kanji" in how:
        for name in ("family_name", "given_name"):
            row[name] = "".join(_VARIANTS.get(ch, ch) for ch in row[name])
    if "case" in how and row["email"]:
        row["email"] = row["email"].upper()
    if "postal_mark" in how and row["postal_code"]:
        row["postal_code"] = "〒" + row["postal_code"]
    return row


def _row(people: SyntheticPeople, k: int, record_id: str) -> dict[str, Any]:
    return {**{name: values[k] for name, values in people.records.items()}, "id": record_id}


def _weight(model: IdentityModel, *rows: dict[str, Any]) -> float | None:
    records = {name: [row[name] for row in rows] for name in rows[0]}
    matches = model.predict(records, min_probability=0.0)
    return float(matches.weight[0]) if len(matches) else None


RETYPINGS = st.frozensets(st.sampled_from(
    ["hiragana", "half_width", "full_width", "spacing", "variant_kanji", "case", "postal_mark"]))
_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(st.data())
def test_score_is_symmetric_in_the_pair_order(fitted: tuple[IdentityModel, Matches],
                                              people: SyntheticPeople,
                                              data: st.DataObject) -> None:
    model, matches = fitted
    k = data.draw(st.integers(0, len(matches) - 1))
    a = _row(people, int(matches.left[k]), "a")
    b = _row(people, int(matches.right[k]), "b")
    forward = _weight(model, a, b)
    assert forward is not None
    assert forward == _weight(model, b, a)


@_SETTINGS
@given(st.data(), RETYPINGS)
def test_score_ignores_how_a_record_was_typed(fitted: tuple[IdentityModel, Matches],
                                              people: SyntheticPeople, data: st.DataObject,
                                              how: frozenset[str]) -> None:
    model, matches = fitted
    k = data.draw(st.integers(0, len(matches) - 1))
    a = _row(people, int(matches.left[k]), "a")
    b = _row(people, int(matches.right[k]), "b")
    assert _weight(model, _retype(a, how), b) == _weight(model, a, b)


# --- clustering -------------------------------------------------------------------------------


def _naive_components(n: int, edges: list[tuple[int, int]]) -> list[set[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[int, set[int]] = {}
    for x in range(n):
        groups.setdefault(find(x), set()).add(x)
    return list(groups.values())


def _bottleneck(nodes: set[int], edges: list[tuple[int, int, float]]) -> float:
    """Highest t such that the edges with p >= t still connect ``nodes`` (brute force)."""
    if len(nodes) == 1:
        return 1.0
    for t in sorted({p for *_, p in edges}, reverse=True):
        kept = [(a, b) for a, b, p in edges if p >= t and a in nodes]
        if any(len(g) == len(nodes) for g in _naive_components(max(nodes) + 1, kept)):
            return t
    raise AssertionError("not connected")


edge_lists = st.integers(2, 14).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                       st.sampled_from([0.5, 0.7, 0.9, 0.99, 1.0])), max_size=20,
             unique_by=lambda e: (min(e[0], e[1]), max(e[0], e[1]))).map(
        lambda es: [(min(a, b), max(a, b), p) for a, b, p in es if a != b]),
))


@settings(max_examples=200, deadline=None)
@given(edge_lists)
def test_clusters_are_the_connected_components(case: tuple[int, list]) -> None:
    n, edges = case
    left = np.array([a for a, _, _ in edges], dtype=np.int64)
    right = np.array([b for _, b, _ in edges], dtype=np.int64)
    probability = np.array([p for *_, p in edges], dtype=float)
    labels, scores = cluster(n, left, right, probability)
    expected = _naive_components(n, [(a, b) for a, b, _ in edges])
    got: dict[int, set[int]] = {}
    for node, label in enumerate(labels.tolist()):
        got.setdefault(label, set()).add(node)
    assert sorted(map(sorted, got.values())) == sorted(map(sorted, expected))
    # Transitive: a ~ b and b ~ c put a and c in one group.
    for a, b, c in itertools.permutations(range(n), 3):
        if labels[a] == labels[b] and labels[b] == labels[c]:
            assert labels[a] == labels[c]
    for label, members in got.items():
        assert scores[label] == _bottleneck(members, edges)
