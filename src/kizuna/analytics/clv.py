"""Predictive customer lifetime value: BG/NBD, Pareto/NBD and Gamma-Gamma estimators.

The models take each customer's *summary* over a calibration period, in one time unit (days or
weeks), as built by :func:`kizuna.analytics.summary.summary_from_transactions`:

- ``frequency`` (x): number of repeat purchases (purchase periods after the first one);
- ``recency`` (t_x): time from the first to the last purchase;
- ``T``: time from the first purchase to the end of the calibration period;
- ``monetary_value``: mean value of the repeat purchases (0 when there are none).

:class:`BetaGeoFitter` (BG/NBD, Fader, Hardie & Lee 2005) and :class:`ParetoNBDFitter`
(Schmittlein, Morrison & Colombo 1987) predict how many purchases a customer will make and how
likely they are to still be active; :class:`GammaGammaFitter` (the spend sub-model of Fader,
Hardie & Lee 2005, "RFM and CLV") predicts the value of those purchases; together they give
:meth:`GammaGammaFitter.customer_lifetime_value`. Conventions and results match the ``lifetimes``
package and the published CDNOW estimates (tests/analytics/test_clv.py), but the code is our own
(docs/decisions/0101-clv-estimation.md).

Parameters are fitted by maximum likelihood over log-parameters (analytic gradients for BG/NBD and
Gamma-Gamma, forward differences for Pareto/NBD); the likelihoods are computed in log-space
throughout because the per-customer terms involve powers such as ``(alpha + T) ** (r + x)`` that
overflow a float for heavy buyers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1
from threadpoolctl import threadpool_limits

from kizuna.analytics._base import (
    ConvergenceError,
    Estimator,
    FloatArray,
    as_float_array,
    check_same_length,
    check_weights,
    minimize_log_params,
)

__all__ = ["BetaGeoFitter", "GammaGammaFitter", "ParetoNBDFitter", "TransactionModel"]


# --------------------------------------------------------------------------------------------
# Input checks shared by the models
# --------------------------------------------------------------------------------------------


def _check_penalizer(penalizer: float) -> float:
    value = float(penalizer)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"penalizer must be a finite number >= 0, got {penalizer!r}")
    return value


def _check_frequency_recency_T(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, for_fit: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate an (x, t_x, T) summary; for ``fit`` 1-D equal-length arrays, else broadcastable."""
    x = as_float_array("frequency", frequency, one_d=for_fit)
    t_x = as_float_array("recency", recency, one_d=for_fit)
    age = as_float_array("T", T, one_d=for_fit)
    if for_fit:
        check_same_length(frequency=x, recency=t_x, T=age)
    else:
        try:
            x, t_x, age = np.broadcast_arrays(x, t_x, age)
        except ValueError as exc:
            raise ValueError("frequency, recency and T must have broadcastable shapes") from exc
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must hold whole numbers >= 0 (repeat purchases)")
    if np.any(t_x < 0):
        raise ValueError("recency must be >= 0")
    if np.any(t_x > age):
        raise ValueError("recency must not exceed T (last purchase after the period end?)")
    if np.any(t_x[x == 0] != 0):
        raise ValueError("recency must be 0 for customers with frequency 0")
    return x, t_x, age


def _distinct(x: FloatArray) -> tuple[FloatArray, NDArray[np.intp]]:
    """(distinct values, index of each entry's value) of the purchase counts x.

    The special functions of the likelihoods (gammaln, betaln, digamma) depend on a customer
    only through x, which takes few distinct values (tens to hundreds) even for millions of
    customers; fits evaluate them once per distinct x and gather, so each likelihood
    evaluation costs a few logs per customer instead of a dozen special functions.
    """
    values, inverse = np.unique(x, return_inverse=True)
    return values, inverse.reshape(-1)


def _distinct_pairs(
    a: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.intp]]:
    """(distinct a, distinct b, index of each entry's pair) of the pairs (a[i], b[i]), sorted by
    a then b. Whole numbers (purchase counts, days, weeks) are packed into one int64 key and
    sorted once; other values by one lexsort (``np.unique(axis=0)`` sorts a void view and is
    about 30 times slower)."""
    if len(a) and _small_whole(a) and _small_whole(b):
        span = int(b.max()) + 1
        keys, inverse = np.unique(a.astype(np.int64) * span + b.astype(np.int64),
                                  return_inverse=True)
        return (keys // span).astype(np.float64), (keys % span).astype(np.float64), \
            inverse.reshape(-1)
    order = np.lexsort((b, a))
    a_sorted, b_sorted = a[order], b[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (a_sorted[1:] != a_sorted[:-1]) | (b_sorted[1:] != b_sorted[:-1])
    inverse = np.empty(len(order), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return a_sorted[new], b_sorted[new], inverse


def _small_whole(values: FloatArray) -> bool:
    """Whole numbers in [0, 2**31): two of them pack into one int64."""
    return bool(values.min() >= 0 and values.max() < 2**31
                and np.array_equal(values, np.floor(values)))


def _per_x(
    distinct_x: tuple[FloatArray, NDArray[np.intp]] | None, x: FloatArray
) -> Callable[[Callable[[FloatArray], FloatArray]], FloatArray]:
    """``f(x)`` evaluated on the distinct values of x when they are known, else on x itself."""
    if distinct_x is None:
        return lambda f: f(x)
    values, inverse = distinct_x
    return lambda f: f(values)[inverse]


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------


def _bgnbd_log_likelihood(
    params: FloatArray,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    *,
    gradient: bool,
    distinct_x: tuple[FloatArray, NDArray[np.intp]] | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Per-customer BG/NBD log-likelihood (FHL 2005, eq. 6) and, optionally, its gradient.

    L = Γ(r+x) α^r / Γ(r) · B(a, b+x) / B(a, b)
        · [ (α+T)^-(r+x) + 1{x>0} · a/(b+x-1) · (α+t_x)^-(r+x) ]

    The bracket is a sum of two terms that are each far below the smallest float for frequent
    buyers (α+T raised to the power r+x), so it is combined in log-space with ``logaddexp``.
    The gradient (rows: r, α, a, b) is with respect to the parameters themselves.
    ``distinct_x`` (from :func:`_distinct`) only makes it faster.
    """
    r, alpha, a, b = params
    per_x = _per_x(distinct_x, x)
    buyer = x > 0
    # For x == 0 the second term is absent; np.maximum(x, 1) only keeps log(b+x-1) defined.
    # Terms in x alone (special functions, log(b+x-1)) go through per_x: once per distinct x.
    log_stay = -(r + x) * np.log(alpha + T)  # alive through T
    log_drop = np.where(  # dropped out right after the last purchase at t_x
        buyer,
        per_x(lambda v: np.log(a) - np.log(b + np.maximum(v, 1.0) - 1.0))
        - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    log_bracket = np.logaddexp(log_stay, log_drop)
    ll = (
        per_x(lambda v: gammaln(r + v) + betaln(a, b + v))
        - gammaln(r)
        + r * np.log(alpha)
        - betaln(a, b)
        + log_bracket
    )
    if not gradient:
        return ll, None

    # Share of the bracket carried by the drop-out term (0 when x == 0), computed stably.
    share = np.exp(log_drop - log_bracket)
    d_r = (
        per_x(lambda v: digamma(r + v))
        - digamma(r)
        + np.log(alpha)
        - (1.0 - share) * np.log(alpha + T)
        - share * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - (r + x) * ((1.0 - share) / (alpha + T) + share / (alpha + t_x))
    digamma_abx = per_x(lambda v: digamma(a + b + v))
    d_a = digamma(a + b) - digamma_abx + share / a
    d_b = (
        per_x(lambda v: digamma(b + v))
        - digamma_abx
        - digamma(b)
        + digamma(a + b)
        - share * per_x(lambda v: 1.0 / (b + np.maximum(v, 1.0) - 1.0))
    )
    return ll, np.vstack([d_r, d_alpha, d_a, d_b])


def _bgnbd_summed(
    x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray
) -> Callable[[FloatArray], tuple[float, FloatArray]]:
    """The weighted total of :func:`_bgnbd_log_likelihood` and its gradient, as a function of
    the parameters, for one data set: what a fit evaluates a few dozen times.

    Same value as ``w @ ll`` and ``grad @ w`` (tests/analytics/test_clv.py checks it), but the
    data are prepared once: terms in x alone are summed per distinct x with the weights of its
    customers; ``log(α+T)`` and ``log(α+t_x)`` are taken once per distinct T and t_x (whole days
    or weeks: a few hundred values) and gathered; customers without repeat purchases contribute
    ``-r·log(α+T)`` only, summed per distinct T. What is left per repeat buyer and evaluation is
    one softplus and one logistic function of u = log(drop) - log(stay) and a few dot products.
    """
    xs, x_index = _distinct(x)
    weight_x = np.bincount(x_index, weights=w, minlength=len(xs))
    total = float(w.sum())
    buyer = x > 0
    # Non-buyers: weight per distinct T.
    t_zero, t_zero_index = np.unique(T[~buyer], return_inverse=True)
    weight_t_zero = np.bincount(t_zero_index.reshape(-1), weights=w[~buyer],
                                minlength=len(t_zero))
    # Repeat buyers: their own arrays, with indexes into the distinct T, t_x and x.
    xb, wb = x[buyer], w[buyer]
    wxb = wb * xb
    t_b, t_b_index = np.unique(T[buyer], return_inverse=True)
    r_b, r_b_index = np.unique(t_x[buyer], return_inverse=True)
    t_b_index, r_b_index = t_b_index.reshape(-1), r_b_index.reshape(-1)
    xb_index = x_index[buyer]
    buyer_x = xs > 0

    def summed(params: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, a, b = params
        log_t_zero = np.log(alpha + t_zero)
        log_T = np.log(alpha + t_b)[t_b_index]
        log_tx = np.log(alpha + r_b)[r_b_index]
        # log(drop / stay) = c_x + (r+x)·(log(α+T) - log(α+t_x))
        c = np.zeros_like(xs)
        c[buyer_x] = np.log(a) - np.log(b + xs[buyer_x] - 1.0)
        gap = log_T - log_tx
        u = c[xb_index] + (r + xb) * gap  # log(drop / stay)
        # log bracket = log(stay) + softplus(u); share of the drop-out term = expit(u). Both
        # from one exp(-|u|), which cannot overflow (logaddexp and expit would take two).
        small = np.exp(-np.abs(u))
        softplus = np.maximum(u, 0.0) + np.log1p(small)
        inverse = 1.0 / (1.0 + small)
        share = np.where(u >= 0.0, inverse, small * inverse)
        per_x = weight_x @ (gammaln(r + xs) + betaln(a, b + xs))
        value = (
            per_x
            - total * (gammaln(r) - r * np.log(alpha) + betaln(a, b))
            - r * (weight_t_zero @ log_t_zero)
            - r * (wb @ log_T) - wxb @ log_T + wb @ softplus
        )
        # d/dr: ψ(r+x) - ψ(r) + log α - log(α+T) + share·(log(α+T) - log(α+t_x))
        d_r = (
            weight_x @ digamma(r + xs) - total * (digamma(r) - np.log(alpha))
            - weight_t_zero @ log_t_zero - wb @ log_T + (wb * share) @ gap
        )
        # d/dα: r/α - (r+x)·((1-share)/(α+T) + share/(α+t_x))
        inv_T = (1.0 / (alpha + t_b))[t_b_index]
        inv_tx = (1.0 / (alpha + r_b))[r_b_index]
        mix = inv_T + share * (inv_tx - inv_T)
        d_alpha = (
            total * r / alpha - r * (weight_t_zero @ (1.0 / (alpha + t_zero)))
            - r * (wb @ mix) - wxb @ mix
        )
        share_x = np.bincount(xb_index, weights=wb * share, minlength=len(xs))
        digamma_abx = weight_x @ digamma(a + b + xs)
        d_a = total * digamma(a + b) - digamma_abx + share_x.sum() / a
        d_b = (
            weight_x @ digamma(b + xs) - digamma_abx - total * (digamma(b) - digamma(a + b))
            - share_x[buyer_x] @ (1.0 / (b + xs[buyer_x] - 1.0))
        )
        return float(value), np.array([d_r, d_alpha, d_a, d_b])

    return summed


def _bgnbd_cumulative_factor(
    t: FloatArray, alpha_T: FloatArray, x: FloatArray, r: float, a: float, b: float
) -> FloatArray:
    """(a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; z)], z = t/(α+T+t).

    This is E[purchases in (T, T+t] | alive at T] (FHL 2005, eq. 10 without its denominator).
    Evaluated naively, 2F1(r+x, b+x; ...) overflows for large x while the power underflows.
    Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) · 2F1(C-A, C-B; C; z) turns the product
    into (1-z)^(a-1) · 2F1(a+b-1-r, a-1; a+b+x-1; z), whose first two arguments do not grow
    with x, so the series stays small and converges quickly.
    """
    z = t / (alpha_T + t)
    c = a + b + x - 1.0
    hyp = hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    # (1-z)^(a-1) via log1p keeps precision when t is small against α+T.
    return c / (a - 1.0) * (1.0 - np.exp((a - 1.0) * np.log1p(-z)) * hyp)


def _bgnbd_cumulative(
    t: FloatArray, alpha_T: FloatArray, x: FloatArray, r: float, a: float, b: float
) -> FloatArray:
    """:func:`_bgnbd_cumulative_factor`, also where a is (nearly) 1.

    The factor has a removable singularity at a = 1: the bracket and (a-1) both vanish, and near
    it the subtraction loses about log10(1/|a-1|) digits. Within ``h`` of 1 we interpolate
    linearly between a = 1-h and a = 1+h (error O(h²) ≈ 1e-8 relative, smooth in a).
    """
    h = 1e-4
    if abs(a - 1.0) >= h:
        return _bgnbd_cumulative_factor(t, alpha_T, x, r, a, b)
    below = _bgnbd_cumulative_factor(t, alpha_T, x, r, 1.0 - h, b)
    above = _bgnbd_cumulative_factor(t, alpha_T, x, r, 1.0 + h, b)
    weight = (a - (1.0 - h)) / (2.0 * h)
    return (1.0 - weight) * below + weight * above


def _bgnbd_cumulative_per_customer(
    t: FloatArray, age: FloatArray, x: FloatArray, r: float, alpha: float, a: float, b: float
) -> FloatArray:
    """:func:`_bgnbd_cumulative` for many customers, evaluated once per distinct (x, T).

    The hypergeometric function dominates prediction time (CLV evaluates it once per customer
    and horizon period) but depends on a customer only through x and T, which repeat a lot
    (whole purchase counts; T in whole days or weeks). Used when ``t`` broadcasts along the
    customer axis (a scalar or a column such as ``t[:, None]``); otherwise evaluated directly.
    """
    if x.ndim != 1 or x.size < 1024 or (t.ndim > 0 and t.shape[-1] != 1):
        return _bgnbd_cumulative(t, alpha + age, x, r, a, b)
    x_distinct, age_distinct, inverse = _distinct_pairs(x, age)
    distinct = _bgnbd_cumulative(t, alpha + age_distinct, x_distinct, r, a, b)
    return distinct[..., inverse]


class BetaGeoFitter(Estimator):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers the
    easy way").

    While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
    purchase they become inactive with probability p ~ Beta(a, b). ``α`` is in the time unit of
    the data (e.g. weeks); ``r``, ``a`` and ``b`` have no unit.

    Parameters
    ----------
    penalizer:
        L2 penalty ``penalizer * (r² + α² + a² + b²)`` added to the *mean* negative
        log-likelihood, as in ``lifetimes``; α is measured here in the rescaled time unit in
        which the oldest customer's T is 1, so the penalty does not depend on days vs weeks.
        Zero (the default) is plain maximum likelihood; small values (0.001-0.1) steady fits on
        few customers.

    Attributes
    ----------
    params_: dict with keys ``r``, ``alpha``, ``a``, ``b``.
    log_likelihood_: the (weighted) total log-likelihood at ``params_``, without the penalty.
    n_iter_: iterations used by the optimiser.
    """

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood.

        ``frequency``, ``recency`` and ``T`` are 1-D arrays, one entry per customer (or per
        distinct (x, t_x, T) row, with ``weights`` counting the customers that share it).
        """
        x, t_x, age = _check_frequency_recency_T(frequency, recency, T, for_fit=True)
        w = check_weights(weights, len(x))
        penalizer = _check_penalizer(self.penalizer)
        if age.max() <= 0:
            raise ValueError("T must be positive for at least one customer")

        # Rescale time so the oldest customer has T = 1: α then starts near its optimum's order
        # of magnitude whatever the unit (days or weeks). Rescaling time by c multiplies α by c
        # and shifts the log-likelihood by a constant, so the optimum is unchanged.
        scale = 1.0 / age.max()
        t_x_scaled, age_scaled = t_x * scale, age * scale
        total_weight = w.sum()
        summed = _bgnbd_summed(x, t_x_scaled, age_scaled, w)

        def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
            params = np.exp(log_params)
            ll, grad = summed(params)
            value = -ll / total_weight + penalizer * np.sum(params**2)
            d_params = -grad / total_weight + 2.0 * penalizer * params
            return float(value), d_params * params  # chain rule: d/d(log θ) = θ · d/dθ

        result = minimize_log_params(objective, ("r", "alpha", "a", "b"), "BG/NBD")
        r, alpha, a, b = np.exp(result.x)
        params = np.array([r, alpha / scale, a, b])
        self.params_ = dict(zip(("r", "alpha", "a", "b"), map(float, params), strict=True))
        self.log_likelihood_ = _bgnbd_summed(x, t_x, age, w)(params)[0]
        self.n_iter_ = int(result.nit)
        return self

    def _params(self) -> tuple[float, float, float, float]:
        self._check_fitted()
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(customer still active at T | x, t_x, T) (Fader, Hardie & Lee 2008, note 021).

        P = 1 / (1 + 1{x>0} · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)); written as ``expit`` of the
        log-odds so that the power cannot overflow for heavy buyers.
        """
        r, alpha, a, b = self._params()
        x, t_x, age = _check_frequency_recency_T(frequency, recency, T, for_fit=False)
        return self._probability_alive(x, t_x, age, r, alpha, a, b)

    @staticmethod
    def _probability_alive(
        x: FloatArray, t_x: FloatArray, age: FloatArray, r: float, alpha: float, a: float, b: float
    ) -> FloatArray:
        x1 = np.maximum(x, 1.0)
        # log((α+T)/(α+t_x)) via log1p: exact when T is close to t_x (recent buyers).
        log_odds_dropped = (
            np.log(a) - np.log(b + x1 - 1.0) + (r + x) * np.log1p((age - t_x) / (alpha + t_x))
        )
        return np.where(x > 0, expit(-log_odds_dropped), 1.0)

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected number of purchases in the next ``t`` time units, given (x, t_x, T).

        FHL 2005, eq. 10: E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) · E[Y(t) | alive at T];
        see :func:`_bgnbd_cumulative_factor` for how the hypergeometric term is kept finite.
        ``t`` broadcasts against the customer arrays (e.g. ``t[:, None]`` for a grid).
        """
        r, alpha, a, b = self._params()
        x, t_x, age = _check_frequency_recency_T(frequency, recency, T, for_fit=False)
        horizon = as_float_array("t", t, one_d=False)
        if np.any(horizon < 0):
            raise ValueError("t must be >= 0")
        alive = self._probability_alive(x, t_x, age, r, alpha, a, b)
        return alive * _bgnbd_cumulative_per_customer(horizon, age, x, r, alpha, a, b)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected purchases in ``t`` time units by a newly acquired customer (eq. 9)."""
        r, alpha, a, b = self._params()
        horizon = as_float_array("t", t, one_d=False)
        if np.any(horizon < 0):
            raise ValueError("t must be >= 0")
        # Eq. 9 is eq. 10's factor with x = 0 and T = 0 (nothing observed yet).
        return _bgnbd_cumulative(horizon, np.asarray(alpha), np.asarray(0.0), r, a, b)


# --------------------------------------------------------------------------------------------
# Pareto/NBD
# --------------------------------------------------------------------------------------------


def _log1mexp(d: FloatArray) -> FloatArray:
    """log(1 - exp(d)) for d <= 0, accurate at both ends (Mächler 2012: switch at -log 2)."""
    d = np.asarray(d, dtype=np.float64)
    out = np.empty_like(d)
    near = d > -np.log(2.0)
    far = ~near
    with np.errstate(divide="ignore"):  # d == 0 gives -inf on purpose (an empty interval)
        out[near] = np.log(-np.expm1(d[near]))
    out[far] = np.log1p(-np.exp(d[far]))
    return out


def _pareto_log_a0(params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """log A0, where A0 = (r+s+x) · ∫_{t_x}^{T} (α+τ)^-(r+x) · (β+τ)^-(s+1) dτ.

    The integral (the customer dropped out at some τ between the last purchase and T) has the
    closed form of Fader & Hardie's note 009, eqs. 19-20, a difference of two terms of the form
    2F1(r+s+x, b'; r+s+x+1; |α-β|/(max(α,β)+τ)) / (max(α,β)+τ)^(r+s+x). Each term is taken in
    logs (the power under- or overflows for heavy buyers) and the difference is formed with
    log1mexp, which stays accurate when t_x is close to T and the two terms nearly cancel.
    """
    at_last_purchase = _pareto_log_term(params, x, t_x)
    return at_last_purchase + _log1mexp(_pareto_log_term(params, x, T) - at_last_purchase)


def _pareto_log_term(params: FloatArray, x: FloatArray, tau: FloatArray) -> FloatArray:
    """log of 2F1(r+s+x, b'; r+s+x+1; |α-β|/(max(α,β)+τ)) / (max(α,β)+τ)^(r+s+x): the A0
    integral from τ to infinity, up to a factor that cancels in :func:`_pareto_log_a0`."""
    r, alpha, s, beta = map(float, params)
    k = r + s + x
    # The series converges for |z| < 1; picking the larger of α, β as the base keeps z in [0, 1).
    b_arg: float | FloatArray
    if alpha >= beta:
        base, b_arg, gap = alpha, s + 1.0, alpha - beta
    else:
        base, b_arg, gap = beta, r + x, beta - alpha
    return np.log(hyp2f1(k, b_arg, k + 1.0, gap / (base + tau))) - k * np.log(base + tau)


def _pareto_summed(
    x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray
) -> Callable[[FloatArray], float]:
    """The weighted total Pareto/NBD log-likelihood as a function of the parameters, for one
    data set (what a fit evaluates a few hundred times).

    A0 is a difference of one function of (x, τ) at τ = t_x and τ = T, and customers share
    those pairs (whole days: for 100,000 customers about 23,000 pairs against 200,000
    evaluations one per customer), so 2F1 is evaluated once per distinct pair and gathered.
    """
    pair_x, pair_tau, inverse = _distinct_pairs(np.concatenate([x, x]),
                                                np.concatenate([t_x, T]))
    at_tx, at_T = inverse[: len(x)], inverse[len(x):]
    xs, x_index = _distinct(x)
    weight_x = np.bincount(x_index, weights=w, minlength=len(xs))
    total = float(w.sum())

    ts, t_index = np.unique(T, return_inverse=True)
    t_index = t_index.reshape(-1)

    def summed(params: FloatArray) -> float:
        r, alpha, s, beta = params
        term = _pareto_log_term(params, pair_x, pair_tau)
        at_last_purchase = term[at_tx]
        log_a0 = at_last_purchase + _log1mexp(term[at_T] - at_last_purchase)
        log_dropped = (np.log(s) - np.log(r + s + xs))[x_index] + log_a0
        log_alive = (-s * np.log(beta + ts) - r * np.log(alpha + ts))[t_index] \
            - x * np.log(alpha + ts)[t_index]
        common = weight_x @ gammaln(r + xs) + total * (r * np.log(alpha) + s * np.log(beta)
                                                       - gammaln(r))
        # logaddexp(alive, dropped) from one exp(-|difference|)
        larger = np.maximum(log_alive, log_dropped)
        smaller = np.minimum(log_alive, log_dropped)
        return float(common + w @ (larger + np.log1p(np.exp(smaller - larger))))

    return summed


def _pareto_log_terms(
    params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(common factor, alive-at-T term, dropped-out-before-T term) of the Pareto/NBD likelihood.

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s/(r+s+x) · A0 ]   (note 009, eq. 18)
    """
    r, alpha, s, beta = params
    log_common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_dropped = np.log(s) - np.log(r + s + x) + _pareto_log_a0(params, x, t_x, T)
    return log_common, log_alive, log_dropped


class ParetoNBDFitter(Estimator):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); their lifetime
    is exponential with rate μ ~ Gamma(s, β), so they may drop out at any time (BG/NBD: only
    right after a purchase). ``α`` and ``β`` are in the time unit of the data.

    Prefer :class:`BetaGeoFitter` in production: it fits as well on typical data, is an order of
    magnitude faster and has no failure region. When the data suggest that all customers drop
    out at about the same rate, the Pareto/NBD optimum runs along s, β → ∞; there scipy's
    hypergeometric function is about 100 times slower and can fail (then ``fit`` raises
    :class:`~kizuna.analytics.ConvergenceError`).

    Parameters
    ----------
    penalizer:
        L2 penalty ``penalizer * (r² + α² + s² + β²)`` on the mean negative log-likelihood, with
        α and β in the rescaled time unit in which the oldest customer's T is 1.

    Attributes
    ----------
    params_: dict with keys ``r``, ``alpha``, ``s``, ``beta``.
    log_likelihood_: the (weighted) total log-likelihood at ``params_``, without the penalty.
    n_iter_: iterations used by the optimiser.
    """

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood; inputs as for :meth:`BetaGeoFitter.fit`."""
        x, t_x, age = _check_frequency_recency_T(frequency, recency, T, for_fit=True)
        w = check_weights(weights, len(x))
        penalizer = _check_penalizer(self.penalizer)
        if age.max() <= 0:
            raise ValueError("T must be positive for at least one customer")

        # Same time rescaling as BG/NBD: α and β both scale with the time unit.
        scale = 1.0 / age.max()
        t_x_scaled, age_scaled = t_x * scale, age * scale
        total_weight = w.sum()
        summed = _pareto_summed(x, t_x_scaled, age_scaled, w)

        def objective(log_params: FloatArray) -> float:
            params = np.exp(log_params)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                ll = summed(params)
            value = -ll / total_weight + penalizer * np.sum(params**2)
            # Where scipy's 2F1 fails (inf/NaN, for large s and z near 1) tell the search
            # "worse" rather than feeding it NaN, which it cannot order (the difference
            # quotients then fail too, and minimize_log_params falls back to Nelder-Mead).
            return float(value) if np.isfinite(value) else np.inf

        result = minimize_log_params(
            objective, ("r", "alpha", "s", "beta"), "Pareto/NBD", gradient=False
        )
        r, alpha, s, beta = np.exp(result.x)
        params = np.array([r, alpha / scale, s, beta / scale])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            log_likelihood = _pareto_summed(x, t_x, age, w)(params)
        if not np.isfinite(log_likelihood):
            raise ConvergenceError(
                "Pareto/NBD likelihood cannot be evaluated at the fitted parameters "
                f"({np.round(params, 3)}): the hypergeometric function fails there; "
                "use BetaGeoFitter for these data"
            )
        self.params_ = dict(zip(("r", "alpha", "s", "beta"), map(float, params), strict=True))
        self.log_likelihood_ = log_likelihood
        self.n_iter_ = int(result.nit)
        return self

    def _params(self) -> FloatArray:
        self._check_fitted()
        p = self.params_
        return np.array([p["r"], p["alpha"], p["s"], p["beta"]])

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(customer still active at T | x, t_x, T) (note 009, eq. 36): the alive term's share
        of the likelihood, as ``expit`` of a log-ratio."""
        params = self._params()
        x, t_x, age = _check_frequency_recency_T(frequency, recency, T, for_fit=False)
        _, alive, dropped = _pareto_log_terms(params, x, t_x, age)
        return expit(alive - dropped)

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected number of purchases in the next ``t`` time units, given (x, t_x, T).

        Note 009, eq. 41: P(alive) · (r+x)(β+T) / ((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)].
        """
        params = self._params()
        x, t_x, age = _check_frequency_recency_T(frequency, recency, T, for_fit=False)
        horizon = as_float_array("t", t, one_d=False)
        if np.any(horizon < 0):
            raise ValueError("t must be >= 0")
        r, alpha, s, beta = map(float, params)
        _, alive, dropped = _pareto_log_terms(params, x, t_x, age)
        rate = (r + x) / (alpha + age)  # posterior mean purchase rate while alive
        return expit(alive - dropped) * rate * _pareto_expected_lifetime(horizon, beta + age, s)

    def expected_purchases_new_customer(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] = rβ / (α(s-1)) · [1 - (β/(β+t))^(s-1)] for a newly acquired customer."""
        r, alpha, s, beta = map(float, self._params())
        horizon = as_float_array("t", t, one_d=False)
        if np.any(horizon < 0):
            raise ValueError("t must be >= 0")
        return r / alpha * _pareto_expected_lifetime(horizon, np.asarray(beta), s)


def _pareto_expected_lifetime(t: FloatArray, beta_T: FloatArray, s: float) -> FloatArray:
    """E[time alive within the next t | alive now] = (β+T) · [1 - ((β+T)/(β+T+t))^(s-1)] / (s-1).

    Written with expm1/log1p so it is exact for small t and for s near 1, where the bracket and
    (s-1) both vanish (the limit is (β+T) · log(1 + t/(β+T))).
    """
    log_ratio = np.log1p(t / beta_T)
    if s == 1.0:
        return beta_T * log_ratio
    return beta_T * -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)


# --------------------------------------------------------------------------------------------
# Gamma-Gamma spend model
# --------------------------------------------------------------------------------------------


class TransactionModel(Protocol):
    """What :meth:`GammaGammaFitter.customer_lifetime_value` needs from a purchase-count model."""

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray: ...


def _gamma_gamma_log_likelihood(
    params: FloatArray,
    x: FloatArray,
    m: FloatArray,
    *,
    gradient: bool,
    distinct_x: tuple[FloatArray, NDArray[np.intp]] | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Per-customer Gamma-Gamma log-likelihood of the mean repeat spend m over x purchases.

    f(m | p, q, γ; x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · m^(px-1) · x^(px) / (γ + m x)^(px+q)
    (Fader, Hardie & Lee 2005, "RFM and CLV", eq. 4; Fader & Hardie 2013 note 025). Gradient rows:
    p, q, γ. ``distinct_x`` (from :func:`_distinct`) only makes it faster.
    """
    p, q, v = params
    per_x = _per_x(distinct_x, x)
    px = p * x
    log_x, log_m, log_vmx = np.log(x), np.log(m), np.log(v + m * x)
    ll = (
        per_x(lambda u: gammaln(p * u + q) - gammaln(p * u))
        - gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * log_m
        + px * log_x
        - (px + q) * log_vmx
    )
    if not gradient:
        return ll, None
    digamma_pxq = per_x(lambda u: digamma(p * u + q))
    d_p = x * (digamma_pxq - per_x(lambda u: digamma(p * u)) + log_m + log_x - log_vmx)
    d_q = digamma_pxq - digamma(q) + np.log(v) - log_vmx
    d_v = q / v - (px + q) / (v + m * x)
    return ll, np.vstack([d_p, d_q, d_v])


def _gamma_gamma_summed(
    x: FloatArray, m: FloatArray, w: FloatArray
) -> Callable[[FloatArray], tuple[float, FloatArray]]:
    """The weighted total of :func:`_gamma_gamma_log_likelihood` and its gradient, as a function
    of the parameters, for one data set. With L = log(1 + γ/(m x)) the log-likelihood is
    Γ-terms + q·log γ - log m - q·log(m x) - (px+q)·L: the terms in the data alone are summed
    once, the Γ-terms once per distinct x, and per customer and evaluation only L and
    1/(γ + m x) are left, each folded into two dot products. Written with ``log1p`` rather than
    as log(m x) - log(γ + m x), the small difference keeps its precision when p runs off to
    infinity (spend that hardly varies), so the fit still sees the likelihood rising there."""
    xs, x_index = _distinct(x)
    weight_x = np.bincount(x_index, weights=w, minlength=len(xs))
    total = float(w.sum())
    mx = m * x
    wx = w * x
    sum_log_mx = float(w @ np.log(mx))
    sum_log_m = float(w @ np.log(m))

    def summed(params: FloatArray) -> tuple[float, FloatArray]:
        p, q, v = params
        ratio = np.log1p(v / mx)
        inv_vmx = 1.0 / (v + mx)
        wx_ratio, w_ratio = wx @ ratio, w @ ratio
        digamma_pxq = digamma(p * xs + q)
        value = (
            weight_x @ (gammaln(p * xs + q) - gammaln(p * xs))
            - total * (gammaln(q) - q * np.log(v))
            - sum_log_m - q * sum_log_mx - p * wx_ratio - q * w_ratio
        )
        d_p = (weight_x * xs) @ (digamma_pxq - digamma(p * xs)) - wx_ratio
        d_q = weight_x @ digamma_pxq - total * (digamma(q) - np.log(v)) - sum_log_mx - w_ratio
        d_v = total * q / v - p * (wx @ inv_vmx) - q * (w @ inv_vmx)
        return float(value), np.array([d_p, d_q, d_v])

    return summed


class GammaGammaFitter(Estimator):
    """Gamma-Gamma model of the value of repeat purchases (Fader, Hardie & Lee 2005).

    Each purchase of a customer is worth z ~ Gamma(p, ν), with the customer's ν ~ Gamma(q, γ)
    across customers; the model assumes spend is independent of purchase frequency. Fit it on
    customers with at least one repeat purchase. ``params_["v"]`` is γ (``v`` as in
    ``lifetimes``), in the currency unit of ``monetary_value``.

    Parameters
    ----------
    penalizer:
        L2 penalty ``penalizer * (p² + q² + γ²)`` on the mean negative log-likelihood, with γ
        measured in units of the median ``monetary_value`` (so yen vs thousands of yen does not
        change the penalty). Zero is plain maximum likelihood.

    Attributes
    ----------
    params_: dict with keys ``p``, ``q``, ``v`` (γ).
    log_likelihood_: the (weighted) total log-likelihood at ``params_``, without the penalty.
    n_iter_: iterations used by the optimiser.
    """

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on customers with ``frequency > 0``; ``monetary_value``: their mean repeat spend."""
        x = as_float_array("frequency", frequency)
        m = as_float_array("monetary_value", monetary_value)
        check_same_length(frequency=x, monetary_value=m)
        w = check_weights(weights, len(x))
        penalizer = _check_penalizer(self.penalizer)
        if np.any(x != np.round(x)) or np.any(x < 0):
            raise ValueError("frequency must hold whole numbers >= 0 (repeat purchases)")
        if np.any(x == 0):
            raise ValueError(
                f"Gamma-Gamma is fitted on repeat customers only: {int(np.sum(x == 0))} rows "
                "have frequency 0; select frequency > 0 first"
            )
        if np.any(m <= 0):
            raise ValueError("monetary_value must be > 0 for customers with frequency > 0")

        # Measure money in units of the median spend: γ is then of order 1 at the start, whatever
        # the currency. Rescaling m by c multiplies γ by c and shifts the log-likelihood by a
        # constant, so the optimum is unchanged.
        scale = 1.0 / float(np.median(m))
        m_scaled = m * scale
        total_weight = w.sum()
        summed = _gamma_gamma_summed(x, m_scaled, w)

        def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
            params = np.exp(log_params)
            ll, grad = summed(params)
            value = -ll / total_weight + penalizer * np.sum(params**2)
            d_params = -grad / total_weight + 2.0 * penalizer * params
            return float(value), d_params * params

        result = minimize_log_params(objective, ("p", "q", "v"), "Gamma-Gamma")
        p, q, v = np.exp(result.x)
        params = np.array([p, q, v / scale])
        self.params_ = dict(zip(("p", "q", "v"), map(float, params), strict=True))
        self.log_likelihood_ = _gamma_gamma_summed(x, m, w)(params)[0]
        self.n_iter_ = int(result.nit)
        return self

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray:
        """E[value of a purchase | x, m] = p(γ + m x) / (px + q - 1).

        A credibility-weighted mix of the population mean pγ/(q-1) and the customer's own mean
        m, weighted towards m as x grows. For x = 0 it is the population mean, which is infinite
        when q <= 1 (returned as ``inf``).
        """
        self._check_fitted()
        p, q, v = self.params_["p"], self.params_["q"], self.params_["v"]
        x = as_float_array("frequency", frequency, one_d=False)
        m = as_float_array("monetary_value", monetary_value, one_d=False)
        if np.any(x < 0) or np.any(m < 0):
            raise ValueError("frequency and monetary_value must be >= 0")
        x, m = np.broadcast_arrays(x, m)
        numerator = p * (v + m * x)
        denominator = p * x + q - 1.0
        spend: FloatArray = np.divide(
            numerator, denominator, out=np.full(x.shape, np.inf), where=denominator > 0
        )
        return spend

    def customer_lifetime_value(
        self,
        transaction_model: TransactionModel,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        *,
        horizon: int,
        discount_rate: float,
        freq_multiplier: float,
    ) -> FloatArray:
        """Discounted expected value of each customer's purchases over the next ``horizon``
        discount periods.

        Discretisation (as in ``lifetimes``): the future is cut into ``horizon`` periods of
        ``freq_multiplier`` model time units each (e.g. ``4.345`` weeks in a month for a model
        fitted in weeks, ``30`` for days); the purchases expected in period k,
        E[Y(k·f)] - E[Y((k-1)·f)], are all valued at the end of that period:

            CLV = E[spend] · Σ_{k=1..horizon} (E[Y(k·f)] - E[Y((k-1)·f)]) / (1 + d)^k

        with ``d = discount_rate`` per period (e.g. 0.01 a month). With ``d = 0`` the sum
        telescopes to E[spend] · E[Y(horizon·f)]. The result is in the currency unit of
        ``monetary_value`` as a float; round to whole yen when storing.
        """
        self._check_fitted()
        if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
            raise ValueError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
        if not np.isfinite(discount_rate) or discount_rate <= -1:
            raise ValueError(f"discount_rate must be > -1, got {discount_rate!r}")
        if not np.isfinite(freq_multiplier) or freq_multiplier <= 0:
            raise ValueError(f"freq_multiplier must be > 0, got {freq_multiplier!r}")
        x, t_x, age = _check_frequency_recency_T(frequency, recency, T, for_fit=False)
        with threadpool_limits(limits=1, user_api="blas"):  # see minimize_log_params
            return self._lifetime_value(transaction_model, x, t_x, age, monetary_value,
                                        horizon, discount_rate, freq_multiplier)

    def _lifetime_value(self, transaction_model: TransactionModel, x: FloatArray,
                        t_x: FloatArray, age: FloatArray, monetary_value: ArrayLike,
                        horizon: int, discount_rate: float,
                        freq_multiplier: float) -> FloatArray:
        spend = self.conditional_expected_average_profit(x, monetary_value)

        periods = np.arange(0, int(horizon) + 1, dtype=np.float64)
        ends = (periods * freq_multiplier).reshape((-1,) + (1,) * x.ndim)
        cumulative = transaction_model.expected_purchases(ends, x, t_x, age)
        per_period = np.diff(cumulative, axis=0)
        discount = (1.0 + discount_rate) ** -periods[1:]
        return spend * np.tensordot(discount, per_period, axes=1)
