"""Shared pieces of the estimator contract (STYLE.md §5): errors, fitted checks, input checks."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize
from threadpoolctl import threadpool_limits

FloatArray = NDArray[np.float64]


class NotFittedError(ValueError, AttributeError):
    """A predict-style method was called on an estimator that has not been fitted.

    Subclasses ``ValueError`` and ``AttributeError`` like scikit-learn's error of the same name,
    so callers that catch either keep working.
    """


class ConvergenceError(RuntimeError):
    """The likelihood optimiser stopped without converging; the parameters would be meaningless."""


class Estimator:
    """Base class: a ``repr`` built from ``__init__`` parameters and the fitted check.

    Subclasses store every ``__init__`` argument unchanged under its own name and nothing else;
    everything learnt by ``fit`` ends in ``_``.
    """

    # Attribute whose presence means "fitted"; set by ``fit`` and nowhere else.
    _fitted_attribute = "params_"

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self) -> dict[str, Any]:
        """Return the constructor parameters, as scikit-learn's ``get_params`` does."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attribute):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit() first."
            )


def as_float_array(name: str, values: ArrayLike, *, one_d: bool = True) -> FloatArray:
    """Convert ``values`` to a float64 array of finite numbers, or raise a ``ValueError``.

    With ``one_d`` the result must be a non-empty 1-D array (the shape ``fit`` needs); otherwise
    any shape is accepted, scalars included (the shapes prediction methods broadcast).
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain only numbers") from exc
    if one_d:
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
        if array.size == 0:
            raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def check_same_length(**arrays: FloatArray) -> None:
    """Raise a ``ValueError`` naming the arrays unless all have the same length."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name}={length}" for name, length in lengths.items())
        raise ValueError(f"inputs must have the same length, got {listed}")


def check_weights(weights: ArrayLike | None, n: int) -> FloatArray:
    """Return per-row weights (ones when ``None``): non-negative, ``n`` long, positive total."""
    if weights is None:
        return np.ones(n)
    array = as_float_array("weights", weights)
    check_same_length(weights=array, data=np.empty(n))
    if np.any(array < 0) or array.sum() <= 0:
        raise ValueError("weights must be non-negative with a positive total")
    return array


# |log θ| beyond which a rescaled parameter counts as run off to 0 or infinity (θ above about
# 22,000 or below 1/22,000). Fitted values on real data lie well within that of one, because
# callers rescale time and money first.
_EXTREME_LOG_PARAM = 10.0
# L-BFGS-B runs at most this many times, each from where the last one stopped.
_RESTARTS = 3


def minimize_log_params(
    objective: Callable[[FloatArray], Any],
    names: tuple[str, ...],
    model: str,
    *,
    gradient: bool = True,
) -> optimize.OptimizeResult:
    """Minimise ``objective`` over the log of the parameters ``names``, starting from all ones.

    With ``gradient`` the objective returns ``(value, gradient)`` and L-BFGS-B is used; without,
    it returns the value only (for likelihoods whose derivatives involve derivatives of
    hypergeometric functions in their parameters) and L-BFGS-B runs on forward differences,
    falling back to Nelder-Mead.

    Working on log-parameters keeps every parameter positive without constraints and makes the
    problem better scaled. The box (``exp(±30)``) only keeps ``exp`` from overflowing while the
    search explores. Raises :class:`ConvergenceError` when the optimiser fails, or when the
    likelihood keeps rising as a parameter runs off to 0 or infinity: the maximum is then on
    the edge of the parameter space (e.g. nobody has dropped out yet) and the numbers would
    describe the optimiser, not the customers.
    """
    # One BLAS thread: the objectives' dot products are memory-bound, and OpenBLAS' spinning
    # worker threads slow a fit several times over on a busy machine (seen: 5 s instead of
    # 0.9 s for BG/NBD on 200,000 customers with the two cores shared).
    with threadpool_limits(limits=1, user_api="blas"):
        return _minimize_log_params(objective, names, model, gradient=gradient)


def _minimize_log_params(
    objective: Callable[[FloatArray], Any],
    names: tuple[str, ...],
    model: str,
    *,
    gradient: bool,
) -> optimize.OptimizeResult:
    n_params = len(names)
    bounds = [(-30.0, 30.0)] * n_params
    if gradient:
        start = np.zeros(n_params)
        # L-BFGS-B also stops when the objective's relative change falls below ``ftol`` while
        # the gradient is still large: on a long flat ridge (a parameter running off to
        # infinity) that is a stall, not an optimum. A restart from there forgets the curvature
        # memory that caused it; a few are enough to tell an optimum from a ridge.
        for _ in range(_RESTARTS):
            result = optimize.minimize(
                objective,
                x0=start,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 10_000, "ftol": 1e-14, "gtol": 1e-9},
            )
            small_gradient = float(np.max(np.abs(result.jac))) < 1e-6
            if small_gradient or not np.all(np.isfinite(result.x)) \
                    or np.array_equal(result.x, start):
                break
            start = result.x
        # Near the optimum the line search can stop "abnormally" because the objective no
        # longer changes in its last bits; with a vanishing gradient that is convergence.
        converged = result.success or small_gradient
    else:
        # Without derivatives: L-BFGS-B on forward differences first (5 evaluations an
        # iteration, a few dozen iterations), Nelder-Mead where that fails (an objective that
        # is infinite in places, where differences are meaningless) — Nelder-Mead alone
        # needs about a thousand evaluations.
        start = np.zeros(n_params)
        result = optimize.minimize(
            objective,
            x0=start,
            jac="2-point",
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 10_000, "ftol": 1e-13, "gtol": 1e-8},
        )
        if not (result.success and np.all(np.isfinite(result.x))
                and np.isfinite(result.fun)):
            result = optimize.minimize(
                objective,
                x0=start,
                method="Nelder-Mead",
                bounds=bounds,
                options={"maxiter": 20_000, "xatol": 1e-9, "fatol": 1e-12, "adaptive": True},
            )
        converged = bool(result.success)
    if not np.all(np.isfinite(result.x)):
        raise ConvergenceError(f"{model} fit did not converge ({result.message})")
    to_zero = [
        name for name, value in zip(names, result.x, strict=True) if value < -_EXTREME_LOG_PARAM
    ]
    to_infinity = [
        name for name, value in zip(names, result.x, strict=True) if value > _EXTREME_LOG_PARAM
    ]
    if to_zero or to_infinity:
        limits = [f"{name} → 0" for name in to_zero] + [f"{name} → ∞" for name in to_infinity]
        hint = " (a small penalizer, e.g. 0.001, keeps parameters finite)" if to_infinity else ""
        raise ConvergenceError(
            f"{model}: the likelihood keeps rising as {', '.join(limits)}, so the data do not "
            "identify the model (e.g. too few customers, no drop-out seen yet, or spend that "
            f"hardly varies){hint}"
        )
    if not converged:
        raise ConvergenceError(f"{model} fit did not converge ({result.message})")
    return result
