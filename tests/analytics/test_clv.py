"""Correctness anchors for kizuna.analytics.clv.

The CDNOW anchors come from the papers that introduced the models, fitted on the 2,357-customer
CDNOW sample (39-week calibration period, time in weeks):

- BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science
  24(2); Fader & Hardie's note 004 gives the per-customer values for customer 1.
- Pareto/NBD: the same paper's comparison (and Fader & Hardie's note 009).
- Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4); Fader & Hardie's note 025.

Values marked "lifetimes 0.11.3" were computed once with that package on the same files, as an
independent implementation to compare more digits against.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize
from scipy.special import betaln, hyp2f1

from kizuna.analytics import ConvergenceError, NotFittedError
from kizuna.analytics.clv import (
    BetaGeoFitter,
    GammaGammaFitter,
    ParetoNBDFitter,
    _bgnbd_log_likelihood,
    _bgnbd_summed,
    _distinct_pairs,
    _gamma_gamma_log_likelihood,
    _gamma_gamma_summed,
    _pareto_log_a0,
    _pareto_log_terms,
    _pareto_summed,
)
from kizuna.analytics.summary import summary_from_transactions


def significant(value: float, figures: int = 3) -> float:
    """``value`` rounded to ``figures`` significant figures."""
    return float(f"{value:.{figures}g}")


def _fitted(model_class, **params):
    """A model set to given parameters without fitting, to test its predictions alone."""
    model = model_class()
    model.params_ = params
    return model


CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_PARAMS = {
    BetaGeoFitter: CDNOW_BGNBD,
    ParetoNBDFitter: {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}


@pytest.fixture(scope="module")
def bgnbd(cdnow_summary) -> BetaGeoFitter:
    s = cdnow_summary
    return BetaGeoFitter().fit(s.frequency, s.recency, s.T)


@pytest.fixture(scope="module")
def pareto(cdnow_summary) -> ParetoNBDFitter:
    s = cdnow_summary
    return ParetoNBDFitter().fit(s.frequency, s.recency, s.T)


@pytest.fixture(scope="module")
def gamma_gamma(cdnow_summary) -> GammaGammaFitter:
    s = cdnow_summary
    repeat = s.frequency > 0
    return GammaGammaFitter().fit(s.frequency[repeat], s.monetary_value[repeat])


# --------------------------------------------------------------------------------------------
# Published CDNOW results
# --------------------------------------------------------------------------------------------


def test_cdnow_data_is_the_published_sample(cdnow_summary):
    assert len(cdnow_summary.customer_id) == 2357
    assert np.count_nonzero(cdnow_summary.frequency > 0) == 946
    assert cdnow_summary.T.max() == pytest.approx(38.86)


def test_bgnbd_reproduces_published_cdnow_fit(bgnbd):
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert significant(bgnbd.params_[name]) == significant(value), name
    assert bgnbd.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    lifetimes = {"r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425752}
    assert bgnbd.params_ == pytest.approx(lifetimes, rel=1e-5)


def test_bgnbd_customer_1_predictions(bgnbd):
    # Customer 1: x = 2, t_x = 30.43, T = 38.86 (note 004 and FHL 2005).
    assert bgnbd.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.2259, abs=5e-5)
    assert bgnbd.probability_alive(2, 30.43, 38.86) == pytest.approx(0.7266, abs=5e-5)


def test_bgnbd_expected_purchases_new_customer(bgnbd):
    # lifetimes 0.11.3: expected_number_of_purchases_up_to_time(39)
    assert bgnbd.expected_purchases_new_customer(39) == pytest.approx(1.195016, rel=1e-5)


def test_pareto_nbd_reproduces_published_cdnow_fit(pareto):
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in published.items():
        assert significant(pareto.params_[name]) == significant(value), name
    assert pareto.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    lifetimes = {"r": 0.553276, "alpha": 10.577467, "s": 0.606231, "beta": 11.668284}
    assert pareto.params_ == pytest.approx(lifetimes, rel=1e-4)
    # lifetimes 0.11.3 at its own (slightly less converged) parameters.
    assert pareto.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.455107, rel=1e-4)
    assert pareto.probability_alive(2, 30.43, 38.86) == pytest.approx(0.869116, rel=1e-4)


def test_gamma_gamma_reproduces_published_cdnow_fit(gamma_gamma):
    published = {"p": 6.25, "q": 3.74, "v": 15.44}
    for name, value in published.items():
        assert significant(gamma_gamma.params_[name]) == significant(value), name
    # The published γ = 15.44 sits 0.0015 below the optimum in log-likelihood; the surface is
    # flat along the p, q, γ ridge, and lifetimes lands where we do.
    lifetimes = {"p": 6.248802, "q": 3.744588, "v": 15.447748}
    assert gamma_gamma.params_ == pytest.approx(lifetimes, rel=1e-5)


def test_customer_lifetime_value_matches_lifetimes(cdnow_summary, bgnbd, gamma_gamma):
    s = cdnow_summary
    first = slice(0, 5)
    spend = gamma_gamma.conditional_expected_average_profit(
        s.frequency[first], s.monetary_value[first]
    )
    assert spend == pytest.approx([24.658616, 18.911480, 35.171002, 35.171002, 35.171002])
    # lifetimes 0.11.3: customer_lifetime_value(..., time=12, discount_rate=0.01, freq="W")
    clv = gamma_gamma.customer_lifetime_value(
        bgnbd,
        s.frequency[first],
        s.recency[first],
        s.T[first],
        s.monetary_value[first],
        horizon=12,
        discount_rate=0.01,
        freq_multiplier=4.345,
    )
    assert clv == pytest.approx([36.278496, 4.637466, 8.344093, 8.344093, 8.344093], rel=1e-5)


def test_summary_from_cdnow_transactions_reproduces_published_summary(
    cdnow_transactions, cdnow_summary
):
    ids, dates, amounts = cdnow_transactions
    # Calibration: 1997-01-01 to 1997-09-30; time in weeks measured to the day.
    summary = summary_from_transactions(
        ids, dates, amounts, observation_end="1997-09-30", freq="D", freq_multiplier=7
    )
    expected = cdnow_summary
    np.testing.assert_array_equal(summary.customer_id, expected.customer_id)
    np.testing.assert_array_equal(summary.frequency, expected.frequency)
    # The published file is rounded to 2 decimals.
    np.testing.assert_allclose(summary.recency, expected.recency, atol=0.005)
    np.testing.assert_allclose(summary.T, expected.T, atol=0.005)
    np.testing.assert_allclose(summary.monetary_value, expected.monetary_value, atol=0.005 + 1e-9)


# --------------------------------------------------------------------------------------------
# Invariances of the fit
# --------------------------------------------------------------------------------------------


def test_bgnbd_fit_does_not_depend_on_the_time_unit(cdnow_summary, bgnbd):
    s = cdnow_summary
    in_days = BetaGeoFitter().fit(s.frequency, s.recency * 7, s.T * 7)
    for name in ("r", "a", "b"):
        assert in_days.params_[name] == pytest.approx(bgnbd.params_[name], rel=1e-5)
    assert in_days.params_["alpha"] == pytest.approx(7 * bgnbd.params_["alpha"], rel=1e-5)
    # Densities in days are 1/7 of those in weeks for each repeat purchase.
    shift = -np.sum(s.frequency) * np.log(7)
    assert in_days.log_likelihood_ == pytest.approx(bgnbd.log_likelihood_ + shift, rel=1e-8)


def test_weights_count_identical_customers(cdnow_summary, bgnbd):
    s = cdnow_summary
    rows, counts = np.unique(np.c_[s.frequency, s.recency, s.T], axis=0, return_counts=True)
    weighted = BetaGeoFitter().fit(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
    assert len(rows) < len(s.frequency)
    assert weighted.params_ == pytest.approx(bgnbd.params_, rel=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(bgnbd.log_likelihood_, rel=1e-9)


def test_gamma_gamma_fit_does_not_depend_on_the_currency_unit(cdnow_summary, gamma_gamma):
    s = cdnow_summary
    repeat = s.frequency > 0
    in_yen = GammaGammaFitter().fit(s.frequency[repeat], s.monetary_value[repeat] * 150)
    assert in_yen.params_["p"] == pytest.approx(gamma_gamma.params_["p"], rel=1e-5)
    assert in_yen.params_["q"] == pytest.approx(gamma_gamma.params_["q"], rel=1e-5)
    assert in_yen.params_["v"] == pytest.approx(150 * gamma_gamma.params_["v"], rel=1e-5)


def test_penalizer_trades_likelihood_for_smaller_parameters(cdnow_summary, bgnbd):
    s = cdnow_summary
    penalised = BetaGeoFitter(penalizer=0.1).fit(s.frequency, s.recency, s.T)
    assert penalised.log_likelihood_ < bgnbd.log_likelihood_
    assert penalised.params_["b"] < bgnbd.params_["b"]


def test_bgnbd_recovers_simulated_parameters(simulate):
    truth = {"r": 0.8, "alpha": 6.0, "a": 1.2, "b": 3.0}
    age = 52.0
    frequency, recency, T = simulate.bgnbd(6000, age, **truth)
    fitted = BetaGeoFitter().fit(frequency, recency, T)
    # Bounds of about three standard errors for 6,000 customers; a and b are the least
    # identified (their estimates are strongly correlated).
    assert fitted.params_["r"] == pytest.approx(truth["r"], rel=0.1)
    assert fitted.params_["alpha"] == pytest.approx(truth["alpha"], rel=0.15)
    assert fitted.params_["a"] == pytest.approx(truth["a"], rel=0.3)
    assert fitted.params_["b"] == pytest.approx(truth["b"], rel=0.3)
    # What matters downstream is the forecast: the true model's and the data's own mean.
    forecast = fitted.expected_purchases_new_customer(age)
    assert forecast == pytest.approx(
        _fitted(BetaGeoFitter, **truth).expected_purchases_new_customer(age), rel=0.03
    )
    assert forecast == pytest.approx(frequency.mean(), rel=0.03)


def test_bgnbd_refuses_data_without_dropout(simulate):
    # Nobody leaves within the window (lifetimes ~ 1e12): the maximum is at a → 0.
    frequency, recency, T = simulate.pareto_nbd(500, 52.0, r=2.0, alpha=10.0, s=1.0, beta=1e12)
    with pytest.raises(ConvergenceError, match="a → 0"):
        BetaGeoFitter().fit(frequency, recency, T)


def test_gamma_gamma_without_spend_variation_needs_a_penalizer(rng):
    frequency = rng.integers(1, 8, 300).astype(float)
    monetary_value = np.full(300, 1000.0)  # every purchase worth exactly 1,000 yen
    with pytest.raises(ConvergenceError, match=r"p → ∞.*penalizer"):
        GammaGammaFitter().fit(frequency, monetary_value)
    penalised = GammaGammaFitter(penalizer=0.001).fit(frequency, monetary_value)
    assert np.isfinite(penalised.conditional_expected_average_profit(3, 1000.0))


# --------------------------------------------------------------------------------------------
# Numerics
# --------------------------------------------------------------------------------------------


def _naive_bgnbd_expected(t, x, t_x, T, r, alpha, a, b):
    """FHL 2005 eq. 10 typed in as printed (overflows for heavy buyers)."""
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    denominator = 1 + (x > 0) * a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (
        r + x
    )
    return numerator / denominator


@pytest.mark.parametrize("params", [CDNOW_BGNBD, {"r": 2.0, "alpha": 3.0, "a": 2.5, "b": 6.0}])
def test_stable_bgnbd_expectation_equals_the_printed_formula(params):
    model = _fitted(BetaGeoFitter, **params)
    x = np.array([0, 1, 2, 5, 20, 60])[:, None]
    t_x = np.where(x > 0, np.array([0.5, 10.0, 30.43, 38.0]), 0.0)
    T, t = 38.86, np.array([1.0, 10.0, 39.0, 200.0])[:, None, None]
    expected = _naive_bgnbd_expected(t, x, t_x, T, *params.values())
    np.testing.assert_allclose(model.expected_purchases(t, x, t_x, T), expected, rtol=1e-9)


def _bgnbd_expected_if_alive_by_quadrature(t, x, T, r, alpha, a, b):
    """E[Y(t) | alive at T, x, T] as a one-dimensional integral, independent of eq. 10.

    Given alive at T, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) independently, and
    E[Y(t) | λ, p] = (1 - exp(-λpt)) / p (FHL 2005, eq. 7). Averaging over λ in closed form
    leaves ∫ [1 - ((α+T)/(α+T+pt))^(r+x)] / p · Beta(p; a, b+x) dp.
    """

    def integrand(p):
        # (1-p)^(b+x-1) / B(a, b+x) taken out of quad's weight: it underflows for large x.
        density = np.exp((b + x - 1) * np.log1p(-p) - betaln(a, b + x))
        if p == 0:  # the limit of the bracket over p
            return (r + x) * t / (alpha + T) * density
        return -np.expm1(-(r + x) * np.log1p(p * t / (alpha + T))) / p * density

    value, _ = integrate.quad(
        integrand, 0, 1, weight="alg", wvar=(a - 1, 0), epsabs=0, epsrel=1e-11, limit=500
    )
    return value


@pytest.mark.parametrize(
    "params",
    [
        CDNOW_BGNBD,
        {"r": 2.0, "alpha": 3.0, "a": 2.5, "b": 6.0},
        {**CDNOW_BGNBD, "a": 1.0},  # removable singularity of eq. 10
        {**CDNOW_BGNBD, "a": 1.0 + 5e-5},
    ],
)
@pytest.mark.parametrize("x", [0, 2, 60, 1000, 20000])
def test_bgnbd_expectation_equals_the_posterior_integral(params, x):
    # Daily data over 400 days; x = 20,000 is far past where eq. 10 as printed overflows.
    T = 400.0
    model = _fitted(BetaGeoFitter, **params)
    for t in (1.0, 39.0, 365.0):
        alive = model.probability_alive(x, T if x else 0.0, T)
        expected = alive * _bgnbd_expected_if_alive_by_quadrature(t, x, T, *params.values())
        assert model.expected_purchases(t, x, T if x else 0.0, T) == pytest.approx(
            expected, rel=1e-8
        )


def test_printed_bgnbd_formula_overflows_where_ours_does_not():
    model = _fitted(BetaGeoFitter, **CDNOW_BGNBD)
    with np.errstate(all="ignore"):
        printed = _naive_bgnbd_expected(365.0, 5000.0, 400.0, 400.0, *CDNOW_BGNBD.values())
    assert not np.isfinite(printed)
    assert np.isfinite(model.expected_purchases(365.0, 5000.0, 400.0, 400.0))


def test_bgnbd_expectation_is_continuous_through_a_equal_one():
    def at(a):
        model = _fitted(BetaGeoFitter, **{**CDNOW_BGNBD, "a": a})
        return model.expected_purchases(39.0, [0, 3], [0.0, 20.0], 38.86)

    np.testing.assert_allclose(at(1.0), (at(1.0 - 1e-3) + at(1.0 + 1e-3)) / 2, rtol=1e-6)
    # Across the switch between the direct formula and the interpolation near a = 1.
    np.testing.assert_allclose(at(1.0 - 0.99999e-4), at(1.0 - 1.00001e-4), rtol=1e-6)


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ParetoNBDFitter])
def test_new_customer_is_a_customer_with_no_history(model_class):
    model = _fitted(model_class, **CDNOW_PARAMS[model_class])
    t = np.array([0.0, 1.0, 39.0, 500.0])
    np.testing.assert_allclose(
        model.expected_purchases_new_customer(t), model.expected_purchases(t, 0, 0, 0), rtol=1e-12
    )
    assert model.expected_purchases_new_customer(0.0) == 0.0


def test_probability_alive_is_a_probability(cdnow_summary, bgnbd, pareto):
    s = cdnow_summary
    for model in (bgnbd, pareto):
        alive = model.probability_alive(s.frequency, s.recency, s.T)
        assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(bgnbd.probability_alive(s.frequency, s.recency, s.T)[s.frequency == 0] == 1)


@pytest.mark.parametrize(
    ("r", "alpha", "s", "beta"), [(0.55, 10.6, 0.61, 11.7), (1.3, 12.0, 2.0, 4.0)]
)
@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (3, 12.5, 38.86), (7, 38.0, 39.0)])
def test_pareto_a0_is_the_dropout_integral(r, alpha, s, beta, x, t_x, T):
    def integrand(tau):
        return (alpha + tau) ** -(r + x) * (beta + tau) ** -(s + 1)

    integral, _ = integrate.quad(integrand, t_x, T, epsabs=0, epsrel=1e-12)
    log_a0 = _pareto_log_a0(np.array([r, alpha, s, beta]), np.array(x), np.array(t_x), T)
    assert np.exp(log_a0) == pytest.approx((r + s + x) * integral, rel=1e-9)


def test_pareto_expectation_is_continuous_through_s_equal_one():
    def at(s):
        model = _fitted(ParetoNBDFitter, r=0.55, alpha=10.6, s=s, beta=11.7)
        return model.expected_purchases(39.0, 2, 30.43, 38.86)

    assert at(1.0) == pytest.approx(at(1.0 + 1e-9), rel=1e-8)
    assert at(1.0) == pytest.approx((at(1.0 - 1e-4) + at(1.0 + 1e-4)) / 2, rel=1e-7)


@pytest.mark.parametrize(
    "params", [[0.243, 4.414, 0.793, 2.426], [2.0, 0.5, 3.0, 0.7], [0.05, 40.0, 1.0, 1.0]]
)
def test_bgnbd_gradient_matches_finite_differences(params, rng):
    x = rng.integers(0, 12, 300).astype(float)
    T = rng.uniform(5, 40, 300)
    t_x = np.where(x > 0, rng.uniform(0, 1, 300) * T, 0.0)

    def total(p):
        return _bgnbd_log_likelihood(p, x, t_x, T, gradient=False)[0].sum()

    _, grad = _bgnbd_log_likelihood(np.array(params), x, t_x, T, gradient=True)
    numeric = optimize.approx_fprime(np.array(params), total, 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("params", [[6.25, 3.74, 15.44], [0.5, 1.5, 2.0]])
def test_gamma_gamma_gradient_matches_finite_differences(params, rng):
    x = rng.integers(1, 12, 300).astype(float)
    m = rng.gamma(2.0, 20.0, 300)

    def total(p):
        return _gamma_gamma_log_likelihood(p, x, m, gradient=False)[0].sum()

    _, grad = _gamma_gamma_log_likelihood(np.array(params), x, m, gradient=True)
    numeric = optimize.approx_fprime(np.array(params), total, 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4, atol=1e-3)


@settings(max_examples=60)
@given(
    params=st.tuples(*[st.floats(0.05, 20.0) for _ in range(4)]),
    seed=st.integers(0, 2**32 - 1),
    whole_days=st.booleans(),
)
def test_bgnbd_summed_equals_the_weighted_per_customer_total(params, seed, whole_days):
    """The fit's prepared objective (distinct x, T and t_x; non-buyers summed per T) is the
    same number as the weighted sum of the per-customer likelihood, and so is its gradient."""
    rng = np.random.default_rng(seed)
    n = 200
    x = rng.integers(0, 8, n).astype(float)
    T = rng.integers(1, 60, n).astype(float) if whole_days else rng.uniform(0.5, 60, n)
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, n) * T) if whole_days
                   else rng.uniform(0, 1, n) * T, 0.0)
    w = rng.integers(1, 4, n).astype(float)
    p = np.array(params)
    ll, grad = _bgnbd_log_likelihood(p, x, t_x, T, gradient=True)
    value, gradient = _bgnbd_summed(x, t_x, T, w)(p)
    assert value == pytest.approx(w @ ll, rel=1e-10, abs=1e-8)
    np.testing.assert_allclose(gradient, grad @ w, rtol=1e-9, atol=1e-8)


@given(
    pairs=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 800)), min_size=1, max_size=60),
    fraction=st.booleans(),
)
def test_distinct_pairs_reconstruct_every_pair(pairs, fraction):
    """Whole numbers take the packed-key path, others the lexsort path; both give the distinct
    pairs in (a, b) order and an index that gives every input pair back."""
    a = np.array([p[0] for p in pairs], dtype=float)
    b = np.array([p[1] for p in pairs], dtype=float) + (0.5 if fraction else 0.0)
    distinct_a, distinct_b, inverse = _distinct_pairs(a, b)
    np.testing.assert_array_equal(distinct_a[inverse], a)
    np.testing.assert_array_equal(distinct_b[inverse], b)
    assert sorted(set(zip(a, b, strict=True))) == list(zip(distinct_a, distinct_b, strict=True))


@settings(max_examples=40)
@given(params=st.tuples(*[st.floats(0.1, 20.0) for _ in range(4)]),
       seed=st.integers(0, 2**32 - 1))
def test_pareto_summed_equals_the_weighted_per_customer_total(params, seed):
    """2F1 once per distinct (x, τ) pair gives the same total as once per customer."""
    rng = np.random.default_rng(seed)
    n = 200
    x = rng.integers(0, 8, n).astype(float)
    T = rng.integers(1, 60, n).astype(float)
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, n) * T), 0.0)
    w = rng.integers(1, 4, n).astype(float)
    p = np.array(params)
    common, alive, dropped = _pareto_log_terms(p, x, t_x, T)
    expected = w @ (common + np.logaddexp(alive, dropped))
    assert _pareto_summed(x, t_x, T, w)(p) == pytest.approx(expected, rel=1e-10)


@settings(max_examples=60)
@given(params=st.tuples(*[st.floats(0.05, 20.0) for _ in range(3)]),
       seed=st.integers(0, 2**32 - 1))
def test_gamma_gamma_summed_equals_the_weighted_per_customer_total(params, seed):
    rng = np.random.default_rng(seed)
    n = 200
    x = rng.integers(1, 8, n).astype(float)
    m = rng.gamma(2.0, 1.0, n)
    w = rng.integers(1, 4, n).astype(float)
    p = np.array(params)
    ll, grad = _gamma_gamma_log_likelihood(p, x, m, gradient=True)
    value, gradient = _gamma_gamma_summed(x, m, w)(p)
    assert value == pytest.approx(w @ ll, rel=1e-10, abs=1e-8)
    np.testing.assert_allclose(gradient, grad @ w, rtol=1e-9, atol=1e-8)


# --------------------------------------------------------------------------------------------
# Customer lifetime value
# --------------------------------------------------------------------------------------------


def _clv(gamma_gamma, model, s, **kwargs):
    return gamma_gamma.customer_lifetime_value(
        model, s.frequency, s.recency, s.T, s.monetary_value, **kwargs
    )


def test_undiscounted_clv_is_spend_times_expected_purchases(cdnow_summary, bgnbd, gamma_gamma):
    s = cdnow_summary
    clv = _clv(gamma_gamma, bgnbd, s, horizon=12, discount_rate=0.0, freq_multiplier=4.345)
    spend = gamma_gamma.conditional_expected_average_profit(s.frequency, s.monetary_value)
    purchases = bgnbd.expected_purchases(12 * 4.345, s.frequency, s.recency, s.T)
    np.testing.assert_allclose(clv, spend * purchases, rtol=1e-10)


def test_clv_falls_with_the_discount_rate_and_grows_with_the_horizon(
    cdnow_summary, pareto, gamma_gamma
):
    s = cdnow_summary
    base = _clv(gamma_gamma, pareto, s, horizon=12, discount_rate=0.01, freq_multiplier=4.345)
    steeper = _clv(gamma_gamma, pareto, s, horizon=12, discount_rate=0.05, freq_multiplier=4.345)
    longer = _clv(gamma_gamma, pareto, s, horizon=24, discount_rate=0.01, freq_multiplier=4.345)
    assert np.all(base > 0)
    assert np.all(steeper < base)
    assert np.all(longer > base)


def test_spend_of_a_customer_without_repeat_purchases_is_the_population_mean(gamma_gamma):
    p, q, v = gamma_gamma.params_.values()
    assert gamma_gamma.conditional_expected_average_profit(0, 0) == pytest.approx(p * v / (q - 1))


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, 2], [1.0], [5.0, 5.0], "same length"),
        ([1, -1], [1.0, 0.0], [5.0, 5.0], "whole numbers >= 0"),
        ([1.5, 2], [1.0, 1.0], [5.0, 5.0], "whole numbers >= 0"),
        ([1, 2], [6.0, 1.0], [5.0, 5.0], "must not exceed T"),
        ([0, 2], [1.0, 1.0], [5.0, 5.0], "recency must be 0"),
        ([1, 2], [-1.0, 1.0], [5.0, 5.0], "recency must be >= 0"),
        ([1, np.nan], [1.0, 1.0], [5.0, 5.0], "NaN"),
        ([[1, 2]], [[1.0, 1.0]], [[5.0, 5.0]], "one-dimensional"),
        ([], [], [], "empty"),
        (["a", "b"], [1.0, 1.0], [5.0, 5.0], "only numbers"),
        ([0, 0], [0.0, 0.0], [0.0, 0.0], "T must be positive"),
    ],
)
@pytest.mark.parametrize("model_class", [BetaGeoFitter, ParetoNBDFitter])
def test_count_models_reject_bad_summaries(model_class, frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        model_class().fit(frequency, recency, T)


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1.0], "same length"), ([1.0, -1.0, 1.0], "non-negative"), ([0, 0, 0], "positive total")],
)
def test_fit_rejects_bad_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        BetaGeoFitter().fit([0, 1, 2], [0.0, 1.0, 2.0], [3.0, 3.0, 3.0], weights=weights)


@pytest.mark.parametrize("penalizer", [-0.1, float("nan")])
def test_fit_rejects_bad_penalizer(penalizer):
    with pytest.raises(ValueError, match="penalizer"):
        BetaGeoFitter(penalizer=penalizer).fit([0, 1, 2], [0.0, 1.0, 2.0], [3.0, 3.0, 3.0])


@pytest.mark.parametrize(
    ("frequency", "monetary_value", "message"),
    [
        ([0, 2], [0.0, 10.0], "repeat customers only: 1 rows have frequency 0"),
        ([1, 2], [0.0, 10.0], "must be > 0"),
        ([1, 2], [5.0], "same length"),
    ],
)
def test_gamma_gamma_rejects_bad_input(frequency, monetary_value, message):
    with pytest.raises(ValueError, match=message):
        GammaGammaFitter().fit(frequency, monetary_value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0, "discount_rate": 0.01, "freq_multiplier": 4.345}, "horizon"),
        ({"horizon": 2.5, "discount_rate": 0.01, "freq_multiplier": 4.345}, "horizon"),
        ({"horizon": 12, "discount_rate": -1.0, "freq_multiplier": 4.345}, "discount_rate"),
        ({"horizon": 12, "discount_rate": 0.01, "freq_multiplier": 0}, "freq_multiplier"),
    ],
)
def test_clv_rejects_bad_discretisation(kwargs, message):
    bgnbd = _fitted(BetaGeoFitter, **CDNOW_BGNBD)
    gamma_gamma = _fitted(GammaGammaFitter, p=6.25, q=3.74, v=15.44)
    with pytest.raises(ValueError, match=message):
        gamma_gamma.customer_lifetime_value(bgnbd, [1], [1.0], [5.0], [10.0], **kwargs)


def test_clv_needs_a_fitted_spend_model():
    bgnbd = _fitted(BetaGeoFitter, **CDNOW_BGNBD)
    with pytest.raises(NotFittedError):
        GammaGammaFitter().customer_lifetime_value(
            bgnbd, [1], [1.0], [5.0], [10.0], horizon=1, discount_rate=0.0, freq_multiplier=1.0
        )


@pytest.mark.parametrize("model_class", [BetaGeoFitter, ParetoNBDFitter])
def test_prediction_rejects_negative_horizon(model_class):
    model = _fitted(model_class, **CDNOW_PARAMS[model_class])
    with pytest.raises(ValueError, match="t must be >= 0"):
        model.expected_purchases(-1.0, 1, 1.0, 5.0)
