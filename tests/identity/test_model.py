"""The Fellegi-Sunter model: estimation (u, EM for m, prior), scoring, explanations,
persistence and the estimator contract (STYLE.md §5)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kizuna.identity import IdentityModel, NotFittedError
from kizuna.identity.model import _em, _patterns
from kizuna.identity.spec import Column, Exact, Field, Level, Spec


def _lower(value: object) -> str | None:
    return str(value).strip().lower() or None


TINY = Spec(
    name="tiny",
    columns=(Column("name", ("name",), _lower), Column("city", ("city",), _lower)),
    fields=(
        Field("name", "name", (Level("exact", "same name", Exact("name", term_frequency=True),
                                     m=0.9),), different_m=0.1),
        Field("city", "city", (Level("exact", "same city", Exact("city"), m=0.8),),
              different_m=0.2),
    ),
    blocking=(("name",), ("city",)),
)
PARAMS = {
    "spec": "tiny",
    "m": {"name": {"exact": 0.9, "different": 0.1}, "city": {"exact": 0.8, "different": 0.2}},
    "u": {"name": {"exact": 0.01, "different": 0.99}, "city": {"exact": 0.1, "different": 0.9}},
    "prior": 0.001,
    "tf": {"name": {"sato": 0.04, "kurosawa": 0.0005}},
    "n_fit_records": 2000,
}


def _records(*rows: tuple[str, str | None, str | None]) -> dict[str, list]:
    return {"id": [r[0] for r in rows], "name": [r[1] for r in rows],
            "city": [r[2] for r in rows]}


# --- scoring -----------------------------------------------------------------------------------


def test_weight_is_prior_plus_the_log2_bayes_factors() -> None:
    model = IdentityModel.from_dict(TINY, PARAMS)
    matches = model.predict(_records(("a", "Sato", "Kyoto"), ("b", "sato", "Osaka")),
                            min_probability=0.0)
    assert len(matches) == 1
    prior = np.log2(0.001 / 0.999)
    name = np.log2(0.9 / 0.01) + np.log2(0.01 / 0.04)  # term frequency: 佐藤 is common
    city = np.log2(0.2 / 0.9)
    assert matches.weight[0] == pytest.approx(prior + name + city)
    w = matches.weight[0]
    assert matches.probability[0] == pytest.approx(2**w / (1 + 2**w))


def test_a_rare_shared_value_weighs_more_than_a_common_one() -> None:
    model = IdentityModel.from_dict(TINY, PARAMS)
    matches = model.predict(
        _records(("a", "sato", None), ("b", "sato", None), ("c", "kurosawa", None),
                 ("d", "kurosawa", None), ("e", "tanaka", None), ("f", "tanaka", None)),
        min_probability=0.0)
    by_pair = {(a, b): w for a, b, w in zip(matches.left_ids, matches.right_ids,
                                            matches.weight, strict=True)}
    assert by_pair[("c", "d")] - by_pair[("a", "b")] == pytest.approx(np.log2(0.04 / 0.0005))
    # A value never seen in fit counts as seen once in the fitted records: rare.
    assert by_pair[("e", "f")] == pytest.approx(by_pair[("c", "d")] + np.log2(0.0005 * 2000))


def test_explanation_adds_up_to_the_weight() -> None:
    model = IdentityModel.from_dict(TINY, PARAMS, review=0.5, auto_merge=0.9)
    matches = model.predict(_records(("a", "Kurosawa", None), ("b", "kurosawa", "Kobe")),
                            min_probability=0.0)
    explanation = matches.explain(0)
    assert explanation.weight == pytest.approx(
        explanation.prior_weight + sum(c.weight for c in explanation.contributions))
    name, city = explanation.contributions
    assert (name.field, name.level, name.level_label) == ("name", "exact", "same name")
    assert name.term_frequency == pytest.approx(np.log2(0.01 / 0.0005))
    assert (city.level, city.weight, city.m, city.u) == ("missing", 0.0, None, None)
    assert explanation.decision == "review"  # P = 0.64
    assert "same name" in str(explanation)
    assert json.dumps(explanation.to_dict(), default=str)


def test_decisions_follow_the_two_thresholds() -> None:
    model = IdentityModel.from_dict(TINY, {**PARAMS, "prior": 0.01}, review=0.3, auto_merge=0.9)
    matches = model.predict(
        _records(("a", "kurosawa", "kobe"), ("b", "kurosawa", "kobe"), ("c", "sato", "x"),
                 ("d", "sato", "y")), min_probability=0.0)
    decided = dict(zip(zip(matches.left_ids, matches.right_ids, strict=True),
                       matches.decisions().tolist(), strict=True))
    assert decided[("a", "b")] == "merge"
    assert decided[("c", "d")] == "distinct"
    assert matches.to_rows()[0]["decision"] == "merge"
    # Default min_probability is the review threshold: the distinct pair is not returned.
    assert len(model.predict(_records(("c", "sato", "x"), ("d", "sato", "y")))) == 0


def test_groups_join_pairs_above_the_threshold() -> None:
    model = IdentityModel.from_dict(TINY, PARAMS)
    records = _records(("a", "kurosawa", "kobe"), ("b", "kurosawa", "kobe"),
                       ("c", "kurosawa", None), ("d", "sato", "x"))
    matches = model.predict(records, min_probability=0.0)
    assert model.predict(_records(("a", "x", "k"), ("b", "y", "j"))).groups() == []
    (group,) = matches.groups(0.5)
    assert set(group.ids) == {"a", "b", "c"} and sorted(group.records.tolist()) == [0, 1, 2]
    p = {frozenset((a, b)): q for a, b, q in zip(matches.left_ids, matches.right_ids,
                                                  matches.probability, strict=True)}
    # The strongest tree: a-b, and c on its better link; the score is that tree's weakest edge.
    best_c = max(p[frozenset("ac")], p[frozenset("bc")])
    assert group.score == pytest.approx(min(p[frozenset("ab")], best_c))
    assert matches.groups(1.0) == []


def test_linking_scores_only_pairs_across_the_two_sides() -> None:
    model = IdentityModel.from_dict(TINY, PARAMS)
    left = _records(("a1", "sato", "kyoto"), ("a2", "sato", "kyoto"))
    right = _records(("b1", "sato", "kyoto"))
    matches = model.predict(left, right, min_probability=0.0)
    assert sorted(zip(matches.left_ids, matches.right_ids, strict=True)) == [
        ("a1", "b1"), ("a2", "b1")]
    assert matches.right.tolist() == [0, 0]  # positions in `other`
    with pytest.raises(ValueError, match="deduplication"):
        matches.groups()


# --- estimation --------------------------------------------------------------------------------


def test_em_recovers_m_and_the_match_share_from_simulated_comparisons() -> None:
    rng = np.random.default_rng(7)
    n, share = 40_000, 0.3
    m = [np.array([0.8, 0.15, 0.05]), np.array([0.7, 0.2, 0.1])]
    u = [np.array([0.01, 0.09, 0.9]), np.array([0.02, 0.08, 0.9])]
    is_match = rng.random(n) < share
    levels = np.column_stack([
        np.where(is_match, rng.choice(3, n, p=m[k]), rng.choice(3, n, p=u[k]))
        for k in range(2)
    ]).astype(np.int8)
    levels[rng.random(n) < 0.1, 1] = -1  # some missing: they must not bias the estimate
    patterns, counts = _patterns(levels)
    assert counts.sum() == n and len(patterns) <= 4 * 3
    estimated, estimated_share, _, iterations = _em(
        patterns, counts, [np.full(3, 1 / 3)] * 2, [np.log(x) for x in u], strength=1.0,
        max_iterations=500)
    assert estimated_share == pytest.approx(share, abs=0.01)
    for got, true in zip(estimated, m, strict=True):
        np.testing.assert_allclose(got, true, atol=0.02)
    assert iterations < 500


def _fit_records() -> dict[str, list]:
    rng = np.random.default_rng(3)
    names = [f"n{k}" for k in range(300)]
    cities = [f"c{k}" for k in range(40)]
    rows = []
    for k in range(600):
        name, city = rng.choice(names), rng.choice(cities)
        rows.append((f"r{k}", name, city))
        if k % 5 == 0:  # a duplicate, its city sometimes changed
            rows.append((f"d{k}", name, city if rng.random() < 0.8 else rng.choice(cities)))
    return _records(*rows)


def test_fit_learns_parameters_that_separate_duplicates() -> None:
    records = _fit_records()
    model = IdentityModel(TINY, random_state=1, workers=1).fit(records)
    assert set(model.m_) == set(model.u_) == {"name", "city"}
    for table in (*model.m_.values(), *model.u_.values()):
        assert sum(table.values()) == pytest.approx(1.0)
    assert model.weight_table("name")["exact"] > 0 > model.weight_table("name")["different"]
    assert 0 < model.prior_ < 0.01
    assert [s["rule"] for s in model.em_sessions_] == [("name",), ("city",)]
    # Deterministic for a random_state.
    again = IdentityModel(TINY, random_state=1, workers=1).fit(records)
    assert again.to_dict() == model.to_dict()


def test_a_given_prior_is_used_as_is() -> None:
    model = IdentityModel(TINY, prior=0.002, workers=1).fit(_fit_records())
    assert model.prior_ == 0.002


def test_u_comes_from_all_pairs_when_there_are_few() -> None:
    records = _records(("a", "x", "k"), ("b", "x", "k"), ("c", "y", "k"), ("d", "z", None))
    model = IdentityModel(TINY, workers=1).fit(records)
    # 6 pairs: name agrees in 1; city present on both sides in 3 pairs, agrees in all 3
    # (the 0 pairs that differ count half a pair: a level never seen is rare, not impossible).
    assert model.u_["name"]["exact"] == pytest.approx(1 / 6)
    assert model.u_["city"]["exact"] == pytest.approx(3 / 3.5)


# --- contract and persistence --------------------------------------------------------------


def test_predict_needs_a_fitted_model() -> None:
    model = IdentityModel(TINY)
    with pytest.raises(NotFittedError):
        model.predict(_records(("a", "x", None)))
    with pytest.raises(NotFittedError):
        model.to_dict()


def test_init_only_stores_parameters() -> None:
    model = IdentityModel(TINY, review=0.7)
    assert not any(name.endswith("_") for name in vars(model))
    assert "review=0.7" in repr(model)


@pytest.mark.parametrize(("review", "auto_merge"), [(0.9, 0.8), (0.0, 0.5), (0.5, 1.5)])
def test_thresholds_must_be_ordered_probabilities(review: float, auto_merge: float) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        IdentityModel(TINY, review=review, auto_merge=auto_merge).fit(_fit_records())


def test_fit_needs_two_records() -> None:
    with pytest.raises(ValueError, match="at least two records"):
        IdentityModel(TINY).fit(_records(("a", "x", "y")))


def test_parameters_round_trip_through_json() -> None:
    model = IdentityModel(TINY, workers=1).fit(_fit_records())
    data = json.loads(json.dumps(model.to_dict()))
    restored = IdentityModel.from_dict(TINY, data)
    records = _fit_records()
    a = model.predict(records, min_probability=0.0)
    b = restored.predict(records, min_probability=0.0)
    np.testing.assert_allclose(a.weight, b.weight)


def test_from_dict_refuses_parameters_of_another_spec() -> None:
    with pytest.raises(ValueError, match="spec"):
        IdentityModel.from_dict(TINY, {**PARAMS, "spec": "other"})
    broken = {**PARAMS, "m": {**PARAMS["m"], "city": {"exact": 1.0}}}
    with pytest.raises(ValueError, match="levels of 'city'"):
        IdentityModel.from_dict(TINY, broken)
