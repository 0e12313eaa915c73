"""The Fellegi-Sunter model: u from random pairs, m by EM on blocked pairs, weights, prior.

Notation (Fellegi & Sunter 1969): for field f and level l, ``m[f][l] = P(level l | the pair is
the same entity)`` and ``u[f][l] = P(level l | two different entities)``. A pair's match weight
is ``log2(prior / (1 - prior)) + Σ_f log2(m / u)`` over its fields' levels ("missing" adds 0),
and its match probability is ``2^W / (1 + 2^W)``. Weights are in bits (log2) so that an
explanation reads "+13.2 for the same phone number".

Estimation, as Splink does it (docs/decisions/0106):

* ``u`` from uniformly random record pairs, which are almost all non-matches. Counts are
  floored at half a pair, so a level never seen among random pairs (two equal phone numbers)
  gets a large but finite weight.
* ``m`` by EM with ``u`` fixed, in one session per blocking rule: pairs found by a rule agree
  on its keys whether they match or not, so the fields that read those keys are left out of that
  session (they would look like evidence of a match for every pair). Each field's ``m`` is the
  average over the sessions that estimated it, weighted by their expected matches. The spec's
  ``m`` priors act as ``prior_strength`` pseudo-pairs, which keeps a rare level sane.
* ``prior``: the expected number of matches among the candidate pairs (under the model) over
  the number of all pairs, found as a fixed point, unless given.

Term-frequency levels (:class:`kizuna.identity.spec.Exact` with ``term_frequency``) get
``log2(u / frequency of the agreed value)`` on top of their weight; value frequencies come from
the data the model was fitted on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from kizuna.analytics import NotFittedError
from kizuna.identity._arrays import factorize
from kizuna.identity.blocking import Candidates, block
from kizuna.identity.compare import MISSING_LEVEL, Comparisons, compare
from kizuna.identity.prepare import Prepared, Records, prepare
from kizuna.identity.result import Matches
from kizuna.identity.spec import Field, Spec, tf_column

__all__ = ["IdentityModel", "NotFittedError"]

_M_FLOOR = 1e-3  # below 0.1% an m is not estimable, and 0 would make one disagreement a veto
_PRIOR_RANGE = (1e-12, 0.5)
_LN2 = float(np.log(2.0))


@dataclass(frozen=True)
class _Run:
    """Everything computed for one set of records: keys, candidate pairs, their levels."""

    prepared: Prepared
    candidates: Candidates
    comparisons: Comparisons
    seconds: dict[str, float]  # wall time per step, for the diagnostics
    # Evidence and term frequencies under the fitted parameters, once computed (fit_predict
    # needs them for the prior and again for the scores).
    cache: dict[str, NDArray[np.float64]] = field(default_factory=dict)


class IdentityModel:
    """Fellegi-Sunter duplicate detection for one :class:`~kizuna.identity.spec.Spec`.

    Estimator contract (STYLE.md §5): ``__init__`` only stores parameters; :meth:`fit` learns
    ``m_``, ``u_``, ``prior_`` and ``tf_`` and returns ``self``; :meth:`predict` needs a fitted
    model (or one rebuilt with :meth:`from_dict`).

    Parameters:
        spec: columns, fields and blocking rules (``presets.JAPANESE_PERSON`` …).
        auto_merge: match probability from which a pair may be merged without review.
        review: match probability from which a pair goes to the review queue.
        prior: probability that two random records are the same entity; None estimates it.
        u_sample_size: random pairs drawn to estimate ``u`` (all pairs if there are fewer).
        prior_strength: weight of the spec's ``m`` priors in EM, in pseudo-pairs.
        max_iterations: EM iterations per session at most (it stops earlier when stable).
        random_state: seed of the ``u`` sample, so a fit is reproducible.
        workers: threads for string similarity (rapidfuzz); -1 = all cores.
    """

    def __init__(
        self,
        spec: Spec,
        *,
        auto_merge: float = 0.99,
        review: float = 0.8,
        prior: float | None = None,
        u_sample_size: int = 400_000,
        prior_strength: float = 20.0,
        max_iterations: int = 100,
        random_state: int = 0,
        workers: int = -1,
    ) -> None:
        self.spec = spec
        self.auto_merge = auto_merge
        self.review = review
        self.prior = prior
        self.u_sample_size = u_sample_size
        self.prior_strength = prior_strength
        self.max_iterations = max_iterations
        self.random_state = random_state
        self.workers = workers

    def __repr__(self) -> str:
        return (f"IdentityModel(spec={self.spec.name!r}, auto_merge={self.auto_merge}, "
                f"review={self.review}, prior={self.prior})")

    # --- fitting ----------------------------------------------------------------------------

    def fit(self, records: Records, other: Records | None = None) -> Self:
        """Estimate the model on ``records`` (deduplication) or ``records`` vs ``other``."""
        self._fit_run(self._run(records, other))
        return self

    def fit_predict(self, records: Records, other: Records | None = None, *,
                    min_probability: float | None = None) -> Matches:
        """:meth:`fit` then :meth:`predict` on the same records, computing everything once."""
        run = self._run(records, other)
        self._fit_run(run)
        return self._predict_run(run, min_probability)

    def _check_thresholds(self) -> None:
        if not 0.0 < self.review <= self.auto_merge <= 1.0:
            raise ValueError("thresholds must satisfy 0 < review <= auto_merge <= 1")
        if self.prior is not None and not _PRIOR_RANGE[0] <= self.prior <= _PRIOR_RANGE[1]:
            raise ValueError(f"prior must be in [{_PRIOR_RANGE[0]}, {_PRIOR_RANGE[1]}]")

    def _run(self, records: Records, other: Records | None) -> _Run:
        self._check_thresholds()
        clock = _Clock()
        prepared = prepare(self.spec, records, other)
        clock.lap("prepare")
        candidates = block(prepared, self.spec.blocking, self.spec.max_block_size)
        clock.lap("block")
        comparisons = compare(self.spec, prepared, candidates.left, candidates.right,
                              workers=self.workers)
        clock.lap("compare")
        return _Run(prepared, candidates, comparisons, clock.seconds)

    def _fit_run(self, run: _Run) -> None:
        spec, prepared = self.spec, run.prepared
        if prepared.n < 2 or (prepared.linking and prepared.n_left == prepared.n):
            raise ValueError("fitting needs at least two records (one on each side to link)")
        clock = _Clock()
        run.cache.clear()
        self.u_ = self._estimate_u(prepared)
        clock.lap("fit_u")
        self.tf_ = _term_frequencies(spec, prepared)
        m, sessions = self._estimate_m(run)
        self.m_ = m
        self.em_sessions_ = sessions
        self.n_fit_records_ = prepared.n
        clock.lap("fit_m")
        self.prior_ = self.prior if self.prior is not None else self._estimate_prior(run)
        clock.lap("fit_prior")
        run.seconds.update(clock.seconds)

    def _estimate_u(self, prepared: Prepared) -> dict[str, dict[str, float]]:
        n, n_left = prepared.n, prepared.n_left
        rng = np.random.default_rng(self.random_state)
        if prepared.linking:
            total = n_left * (n - n_left)
            if total <= self.u_sample_size:
                left, right = np.divmod(np.arange(total), n - n_left)
                right = right + n_left
            else:
                left = rng.integers(0, n_left, self.u_sample_size)
                right = rng.integers(n_left, n, self.u_sample_size)
        elif n * (n - 1) // 2 <= self.u_sample_size:
            left, right = np.triu_indices(n, k=1)
        else:
            left = rng.integers(0, n, self.u_sample_size)
            right = rng.integers(0, n - 1, self.u_sample_size)
            right = right + (right >= left)  # uniform over the other records
        comparisons = compare(self.spec, prepared, left.astype(np.int64),
                              right.astype(np.int64), workers=self.workers)
        u: dict[str, dict[str, float]] = {}
        for f, fld in enumerate(self.spec.fields):
            levels = comparisons.levels[:, f]
            seen = levels[levels != MISSING_LEVEL]
            size = len(fld.codes)
            if seen.size == 0:
                probabilities = np.full(size, 1.0 / size)
            else:
                # Half a pair for a level never seen: large but finite Bayes factors.
                counts = np.maximum(np.bincount(seen, minlength=size).astype(float), 0.5)
                probabilities = counts / counts.sum()
            u[fld.name] = dict(zip(fld.codes, probabilities.tolist(), strict=True))
        return u

    def _estimate_m(self, run: _Run) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
        spec = self.spec
        levels = run.comparisons.levels
        fields = spec.fields
        log_u = [np.log(np.array([self.u_[f.name][c] for c in f.codes])) for f in fields]
        prior_m = [_prior_m(f) for f in fields]
        totals = [np.zeros(len(f.codes)) for f in fields]  # Σ over sessions of expected matches
        weights = [0.0] * len(fields)
        sessions: list[dict[str, Any]] = []
        for rule in spec.training_rules:
            bit = np.int64(1) << spec.blocking.index(rule)
            rows = np.flatnonzero(run.candidates.rules & bit)
            blocked = frozenset().union(*(spec.sources(c) for c in rule))
            active = [f for f, fld in enumerate(fields)
                      if not blocked & frozenset().union(*(spec.sources(c) for c in fld.columns))]
            if rows.size == 0 or not active:
                continue
            patterns, counts = _patterns(levels[rows][:, active])
            m, share, expected, iterations = _em(
                patterns, counts, [prior_m[f] for f in active], [log_u[f] for f in active],
                strength=self.prior_strength, max_iterations=self.max_iterations,
            )
            sessions.append({"rule": rule, "pairs": int(rows.size), "match_share": share,
                             "iterations": iterations,
                             "m": {fields[f].name: dict(zip(fields[f].codes, m[k].tolist(),
                                                            strict=True))
                                   for k, f in enumerate(active)}})
            for k, f in enumerate(active):
                present = patterns[:, k] != MISSING_LEVEL
                # Expected matches this session saw for the field: its say in the average.
                say = float(expected[present].sum())
                totals[f] += say * m[k]
                weights[f] += say
        result: dict[str, dict[str, float]] = {}
        for f, fld in enumerate(fields):
            m = totals[f] / weights[f] if weights[f] > 0 else prior_m[f]
            m = np.maximum(m, _M_FLOOR)
            result[fld.name] = dict(zip(fld.codes, (m / m.sum()).tolist(), strict=True))
        return result, sessions

    def _estimate_prior(self, run: _Run) -> float:
        """Largest fixed point of prior = E[matches among candidates | prior] / all pairs."""
        prepared = run.prepared
        n, n_left = prepared.n, prepared.n_left
        all_pairs = n_left * (n - n_left) if prepared.linking else n * (n - 1) / 2
        evidence = self._evidence(run)
        low, high = _PRIOR_RANGE
        prior = min(high, max(low, len(evidence) / all_pairs))
        for _ in range(200):
            logit = np.log2(prior) - np.log2(1.0 - prior)
            expected = float(expit((evidence + logit) * _LN2).sum())
            updated = min(high, max(low, expected / all_pairs))
            if abs(updated - prior) <= 1e-6 * prior:
                prior = updated
                break
            prior = updated
        return prior

    # --- prediction ------------------------------------------------------------------------

    def predict(self, records: Records, other: Records | None = None, *,
                min_probability: float | None = None) -> Matches:
        """Scored candidate pairs of ``records`` (or ``records`` against ``other``).

        Only pairs with a match probability of at least ``min_probability`` (default: the
        ``review`` threshold) are returned, most probable first.
        """
        self._check_fitted()
        return self._predict_run(self._run(records, other), min_probability)

    def _predict_run(self, run: _Run, min_probability: float | None) -> Matches:
        clock = _Clock()
        threshold = self.review if min_probability is None else min_probability
        weight = self._evidence(run) + self.prior_weight
        probability = expit(weight * _LN2)
        keep = np.flatnonzero(probability >= threshold)
        keep = keep[np.argsort(-weight[keep], kind="stable")]
        prepared, candidates = run.prepared, run.candidates
        left, right = candidates.left[keep], candidates.right[keep]
        tf_frequency = self._tf_frequencies(run)
        clock.lap("score")
        return Matches(
            model=self,
            left_ids=prepared.ids[left],
            right_ids=prepared.ids[right],
            left=left,
            right=right - prepared.n_left if prepared.linking else right,
            weight=weight[keep],
            probability=probability[keep],
            levels=run.comparisons.levels[keep],
            tf_frequency=tf_frequency[keep],
            n_records=prepared.n_left,
            n_other=prepared.n - prepared.n_left if prepared.linking else None,
            diagnostics={
                "candidate_pairs": len(candidates.left),
                "pairs_per_rule": dict(zip(
                    (" + ".join(rule) for rule in self.spec.blocking),
                    candidates.pairs_per_rule, strict=True)),
                "skipped_blocks": candidates.skipped_blocks,
                "skipped_records": candidates.skipped_records,
                "seconds": {**run.seconds, **clock.seconds},
            },
        )

    @property
    def prior_weight(self) -> float:
        """log2 prior odds: the weight of a pair before any evidence."""
        self._check_fitted()
        return float(np.log2(self.prior_) - np.log2(1.0 - self.prior_))

    def weight_table(self, field: str) -> dict[str, float]:
        """log2(m / u) per level code of ``field`` (without term-frequency adjustments)."""
        self._check_fitted()
        return {code: float(np.log2(self.m_[field][code] / self.u_[field][code]))
                for code in self.m_[field]}

    def _evidence(self, run: _Run) -> NDArray[np.float64]:
        """Σ of the fields' log2 Bayes factors per candidate pair (no prior)."""
        if "evidence" in run.cache:
            return run.cache["evidence"]
        levels = run.comparisons.levels
        frequency = self._tf_frequencies(run)
        total = np.zeros(len(levels))
        for f, fld in enumerate(self.spec.fields):
            table = np.array([*self.weight_table(fld.name).values(), 0.0])  # [-1]: missing
            total += table[levels[:, f]]
            adjusted = ~np.isnan(frequency[:, f])
            if adjusted.any():
                u = np.array([self.u_[fld.name][c] for c in fld.codes])
                total[adjusted] += np.log2(
                    u[levels[adjusted, f]] / frequency[adjusted, f]
                )
        run.cache["evidence"] = total
        return total

    def _tf_frequencies(self, run: _Run) -> NDArray[np.float64]:
        """Frequency of the agreed value for term-frequency levels, NaN elsewhere."""
        if "tf_frequency" in run.cache:
            return run.cache["tf_frequency"]
        codes = run.comparisons.tf_codes
        out = np.full(codes.shape, np.nan)
        for f, fld in enumerate(self.spec.fields):
            hit = codes[:, f] >= 0
            if not hit.any():
                continue
            levels = run.comparisons.levels[hit, f]
            frequency = np.full(hit.sum(), np.nan)
            for k, level in enumerate(fld.levels):
                column = tf_column(level)
                if column is None:
                    continue
                at = levels == k
                table = self._frequency_by_code(run.prepared, column)
                frequency[at] = table[codes[hit, f][at]]
            out[hit, f] = frequency
        run.cache["tf_frequency"] = out
        return out

    def _frequency_by_code(self, prepared: Prepared, column: str) -> NDArray[np.float64]:
        table = self.tf_[column]
        floor = 1.0 / self.n_fit_records_  # a value never seen in fit: as rare as can be
        return np.array([table.get(key, floor) for key in prepared.columns[column].uniques],
                        dtype=float)

    # --- persistence -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The fitted parameters as plain JSON-able data (store it; :meth:`from_dict`)."""
        self._check_fitted()
        return {
            "spec": self.spec.name,
            "m": self.m_,
            "u": self.u_,
            "prior": self.prior_,
            "tf": {column: {_json_key(k): v for k, v in table.items()}
                   for column, table in self.tf_.items()},
            "n_fit_records": self.n_fit_records_,
        }

    @classmethod
    def from_dict(cls, spec: Spec, data: dict[str, Any], **params: Any) -> IdentityModel:
        """A fitted model from :meth:`to_dict` output; ``params`` as for ``__init__``."""
        if data.get("spec") != spec.name:
            raise ValueError(f"parameters are for spec {data.get('spec')!r}, not {spec.name!r}")
        model = cls(spec, **params)
        for fld in spec.fields:
            for table in (data["m"], data["u"]):
                if set(table.get(fld.name, {})) != set(fld.codes):
                    raise ValueError(f"parameters do not match the levels of {fld.name!r}")
        model.m_ = {f: dict(levels) for f, levels in data["m"].items()}
        model.u_ = {f: dict(levels) for f, levels in data["u"].items()}
        model.prior_ = float(data["prior"])
        model.n_fit_records_ = int(data["n_fit_records"])
        numeric = {c.name for c in spec.columns if c.numeric}
        model.tf_ = {
            column: {(float(k) if column in numeric else k): float(v) for k, v in table.items()}
            for column, table in data["tf"].items()
        }
        model.em_sessions_ = []
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "m_"):
            raise NotFittedError(
                "This IdentityModel instance is not fitted yet; call fit() first."
            )


# --- helpers -------------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = now - self._last
        self._last = now


def _json_key(key: Any) -> Any:
    return key if isinstance(key, str) else str(key)


def _prior_m(fld: Field) -> NDArray[np.float64]:
    m = np.array([*(level.m for level in fld.levels), fld.different_m], dtype=float)
    return m / m.sum()


def _term_frequencies(spec: Spec, prepared: Prepared) -> dict[str, dict[Any, float]]:
    tf: dict[str, dict[Any, float]] = {}
    for fld in spec.fields:
        for level in fld.levels:
            column = tf_column(level)
            if column is None or column in tf:
                continue
            encoded = prepared.columns[column]
            present = max(int(encoded.counts.sum()), 1)
            tf[column] = {key: count / present for key, count in
                          zip(encoded.uniques.tolist(), encoded.counts.tolist(), strict=True)}
    return tf


def _patterns(levels: NDArray[np.int8]) -> tuple[NDArray[np.int8], NDArray[np.int64]]:
    """Distinct rows of a level matrix and how often each occurs (EM runs on these)."""
    if levels.shape[1] <= 15:  # 4 bits per field (levels -1..14) fit one int64
        shifted = (levels.astype(np.int64) + 1) << (4 * np.arange(levels.shape[1]))
        _, inverse, counts = factorize(shifted.sum(axis=1))
        first = np.zeros(len(counts), dtype=np.int64)
        first[inverse] = np.arange(len(inverse))  # any row of each pattern will do
        return levels[first], counts
    rows, counts = np.unique(levels, axis=0, return_counts=True)
    return rows, counts


def _em(patterns: NDArray[np.int8], counts: NDArray[np.int64], prior_m: list[NDArray[np.float64]],
        log_u: list[NDArray[np.float64]], *, strength: float, max_iterations: int,
        ) -> tuple[list[NDArray[np.float64]], float, NDArray[np.float64], int]:
    """EM for m and the match share with u fixed, on distinct level patterns with counts.

    Returns m per field, the match share, expected matches per pattern, iterations used.
    """
    m = [p.copy() for p in prior_m]
    share = 0.5
    expected = np.zeros(len(counts))
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - reported after the loop
        # E-step in log space: products of dozens of small m/u would underflow.
        log_odds = np.full(len(counts), np.log(share) - np.log1p(-share))
        for k in range(len(m)):
            level = patterns[:, k]
            present = level != MISSING_LEVEL
            log_odds[present] += np.log(m[k][level[present]]) - log_u[k][level[present]]
        expected = counts * expit(log_odds)
        # M-step with the priors as pseudo-counts.
        new_m = []
        for k in range(len(m)):
            level = patterns[:, k]
            present = level != MISSING_LEVEL
            tally = np.bincount(level[present], weights=expected[present], minlength=len(m[k]))
            estimate = (tally + strength * prior_m[k]) / (tally.sum() + strength)
            new_m.append(np.maximum(estimate, _M_FLOOR))
        new_share = float(np.clip(expected.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        change = max(abs(new_share - share), *(np.abs(a - b).max() for a, b in zip(
            new_m, m, strict=True)))
        m, share = new_m, new_share
        if change < 1e-6:
            break
    return m, share, expected, iterations
