"""The estimator contract (STYLE.md §5), checked on every estimator of kizuna.analytics.

To add an estimator: add a ``Case`` to ``CASES`` with a small dataset it can be fitted on and the
calls that must refuse to run before ``fit``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from kizuna.analytics import NotFittedError
from kizuna.analytics._base import Estimator
from kizuna.analytics.clv import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter


def _counts(simulate) -> tuple[np.ndarray, ...]:
    """A small (frequency, recency, T) summary with clearly heterogeneous dropout.

    Drawn from Pareto/NBD with a small s (widely spread dropout rates): on samples that look
    like everyone churns at one rate, Pareto/NBD's optimum runs off along s, β → ∞ (slow, and
    not what this contract test is about).
    """
    return simulate.pareto_nbd(400, 39.0, r=0.6, alpha=5.0, s=0.5, beta=8.0)


def _spend(simulate) -> tuple[np.ndarray, ...]:
    """A small (frequency, monetary_value) sample of repeat customers, in yen."""
    frequency = simulate.rng.integers(1, 8, 300).astype(float)
    return frequency, simulate.gamma_gamma(frequency, p=3.0, q=4.0, v=9000.0)


def _purchase_model() -> BetaGeoFitter:
    model = BetaGeoFitter()
    model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    return model


@dataclass(frozen=True)
class Case:
    estimator: type[Estimator]
    data: Callable[[Any], tuple[np.ndarray, ...]]  # called with the `simulate` fixture
    # Calls that need a fitted estimator: (method name, positional arguments).
    predictions: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


COUNT_PREDICTIONS = [
    ("expected_purchases", (10.0, [0, 2], [0.0, 5.0], [10.0, 10.0])),
    ("probability_alive", ([0, 2], [0.0, 5.0], [10.0, 10.0])),
    ("expected_purchases_new_customer", (10.0,)),
]
CASES = [
    Case(BetaGeoFitter, _counts, COUNT_PREDICTIONS),
    Case(ParetoNBDFitter, _counts, COUNT_PREDICTIONS),
    Case(
        GammaGammaFitter,
        _spend,
        [
            ("conditional_expected_average_profit", ([1, 3], [1000.0, 2000.0])),
            (
                "customer_lifetime_value",
                (_purchase_model(), [1], [5.0], [10.0], [1000.0]),
            ),
        ],
    ),
]
CASE_IDS = [case.estimator.__name__ for case in CASES]
CLV_OPTIONS = {"horizon": 3, "discount_rate": 0.01, "freq_multiplier": 4.345}


def _call(estimator: Estimator, name: str, args: tuple[Any, ...]) -> Any:
    kwargs = CLV_OPTIONS if name == "customer_lifetime_value" else {}
    return getattr(estimator, name)(*args, **kwargs)


@pytest.fixture(params=CASES, ids=CASE_IDS)
def case(request) -> Case:
    return request.param


def test_init_only_stores_its_parameters(case):
    signature = inspect.signature(case.estimator.__init__)
    defaults = {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if name != "self"
    }
    assert all(value is not inspect.Parameter.empty for value in defaults.values())
    estimator = case.estimator()
    assert vars(estimator) == defaults
    assert estimator.get_params() == defaults
    # Values are stored as given, not validated or converted (that is fit's job).
    odd = {name: object() for name in defaults}
    assert all(getattr(case.estimator(**odd), name) is odd[name] for name in odd)


def test_fit_returns_self_and_learns_only_underscore_attributes(case, simulate):
    estimator = case.estimator()
    before = dict(vars(estimator))
    assert estimator.fit(*case.data(simulate)) is estimator
    learnt = set(vars(estimator)) - set(before)
    assert learnt
    assert all(name.endswith("_") and not name.startswith("_") for name in learnt)
    assert {name: vars(estimator)[name] for name in before} == before
    assert isinstance(estimator.params_, dict)
    assert all(isinstance(v, float) and v > 0 for v in estimator.params_.values())
    assert np.isfinite(estimator.log_likelihood_)


def test_predicting_before_fit_raises_not_fitted(case):
    assert case.predictions
    for name, args in case.predictions:
        with pytest.raises(NotFittedError, match="not fitted"):
            _call(case.estimator(), name, args)


def test_predictions_after_fit_are_finite(case, simulate):
    estimator = case.estimator().fit(*case.data(simulate))
    for name, args in case.predictions:
        assert np.all(np.isfinite(_call(estimator, name, args))), name


def test_fit_does_not_modify_its_input_and_is_deterministic(case, simulate):
    data = case.data(simulate)
    kept = copy.deepcopy(data)
    first = case.estimator().fit(*data)
    second = case.estimator().fit(*data)
    for array, original in zip(data, kept, strict=True):
        np.testing.assert_array_equal(array, original)
    assert first.params_ == second.params_


def test_refit_replaces_what_was_learnt(case, simulate):
    data = case.data(simulate)
    estimator = case.estimator().fit(*data)
    half = [array[::2] for array in data]
    assert estimator.fit(*half).params_ == case.estimator().fit(*half).params_


def test_repr_and_clone_from_parameters(case):
    estimator = case.estimator()
    assert repr(estimator).startswith(f"{case.estimator.__name__}(")
    assert all(f"{name}=" in repr(estimator) for name in estimator.get_params())
    assert vars(case.estimator(**estimator.get_params())) == vars(estimator)
