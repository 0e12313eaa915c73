"""What a run returns: scored pairs, their explanations, and groups of duplicates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from kizuna.identity.compare import MISSING_LEVEL
from kizuna.identity.spec import DIFFERENT, MISSING

if TYPE_CHECKING:
    from kizuna.identity.model import IdentityModel

__all__ = ["Contribution", "Decision", "Explanation", "Group", "Matches", "cluster"]

Decision = Literal["merge", "review", "distinct"]


@dataclass(frozen=True)
class Contribution:
    """What one field said about a pair. ``weight`` is in bits: +10 makes the pair 1024 times
    likelier to be one person, -3 eight times less likely; "missing" says nothing (0)."""

    field: str
    field_label: str
    level: str  # stable code: "exact", "kana", "close", ..., "different", "missing"
    level_label: str
    weight: float  # log2(m / u), including term_frequency
    m: float | None  # P(level | same entity)
    u: float | None  # P(level | different entities)
    term_frequency: float | None  # bits added because the agreed value is rare (or common)


@dataclass(frozen=True)
class Explanation:
    """Why a pair got its score: prior + Σ contributions = weight -> probability."""

    left_id: Any
    right_id: Any
    prior_weight: float
    contributions: tuple[Contribution, ...]
    weight: float
    probability: float
    decision: Decision

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a template or a JSON API."""
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"{self.left_id} ~ {self.right_id}: P = {self.probability:.4f} "
                 f"(weight {self.weight:+.2f} bits, {self.decision})",
                 f"  {'prior':<18}{'':<34}{self.prior_weight:+7.2f}"]
        for c in self.contributions:
            tf = f" (tf {c.term_frequency:+.2f})" if c.term_frequency is not None else ""
            lines.append(f"  {c.field:<18}{c.level_label:<34}{c.weight:+7.2f}{tf}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Group:
    """Records joined by pairs at or above a threshold (a connected component).

    ``score`` is the weakest link of the strongest spanning tree: the highest threshold at
    which the group would still hold together (a chain A-B 0.99, B-C 0.99 scores 0.99 even if
    A-C was never a candidate; a group held by one 0.85 pair scores 0.85).
    """

    ids: tuple[Any, ...]
    records: NDArray[np.int64]  # positions in the input records
    pairs: NDArray[np.int64]  # indices into the Matches the group came from
    score: float
    decision: Decision


@dataclass(frozen=True, eq=False)
class Matches:
    """Scored candidate pairs, most probable first.

    ``left``/``right`` are positions in the input (``right`` in ``other`` when linking);
    ``left_ids``/``right_ids`` are the input ids at those positions.
    """

    model: IdentityModel
    left_ids: NDArray[Any]
    right_ids: NDArray[Any]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    weight: NDArray[np.float64]
    probability: NDArray[np.float64]
    levels: NDArray[np.int8]  # per pair and field: level index, -1 missing
    tf_frequency: NDArray[np.float64]  # per pair and field: agreed value's frequency or NaN
    n_records: int
    n_other: int | None  # None when deduplicating
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.weight)

    def __repr__(self) -> str:
        side = "" if self.n_other is None else f", n_other={self.n_other}"
        return (f"Matches({len(self)} pairs, spec={self.model.spec.name!r}, "
                f"n_records={self.n_records}{side})")

    def decisions(self) -> NDArray[np.str_]:
        """"merge", "review" or "distinct" per pair, from the model's two thresholds."""
        out = np.full(len(self), "distinct", dtype="<U8")
        out[self.probability >= self.model.review] = "review"
        out[self.probability >= self.model.auto_merge] = "merge"
        return out

    def level_codes(self, field_name: str) -> NDArray[np.str_]:
        """The level code of every pair for one field ("exact", ..., "missing")."""
        f = [fld.name for fld in self.model.spec.fields].index(field_name)
        codes = np.array([*self.model.spec.fields[f].codes, MISSING])
        return codes[self.levels[:, f]]

    def explain(self, k: int) -> Explanation:
        """The explanation of pair ``k`` (an index into these matches)."""
        model = self.model
        contributions = []
        for f, fld in enumerate(model.spec.fields):
            level = int(self.levels[k, f])
            if level == MISSING_LEVEL:
                contributions.append(Contribution(fld.name, fld.label, MISSING,
                                                  "missing on one side", 0.0, None, None, None))
                continue
            code = fld.codes[level]
            label = fld.levels[level].label if level < len(fld.levels) else DIFFERENT
            m, u = model.m_[fld.name][code], model.u_[fld.name][code]
            weight = float(np.log2(m / u))
            tf = None
            frequency = self.tf_frequency[k, f]
            if not np.isnan(frequency):
                tf = float(np.log2(u / frequency))
                weight += tf
            contributions.append(Contribution(fld.name, fld.label, code, label, weight, m, u, tf))
        probability = float(self.probability[k])
        return Explanation(
            left_id=self.left_ids[k],
            right_id=self.right_ids[k],
            prior_weight=model.prior_weight,
            contributions=tuple(contributions),
            weight=float(self.weight[k]),
            probability=probability,
            decision=_decision(probability, model.review, model.auto_merge),
        )

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per pair (left_id, right_id, probability, weight, decision)."""
        decisions = self.decisions()
        return [
            {"left_id": a, "right_id": b, "probability": p, "weight": w, "decision": d}
            for a, b, p, w, d in zip(self.left_ids.tolist(), self.right_ids.tolist(),
                                     self.probability.tolist(), self.weight.tolist(),
                                     decisions.tolist(), strict=True)
        ]

    def groups(self, min_probability: float | None = None) -> list[Group]:
        """Groups of records joined by pairs with probability >= ``min_probability``
        (default: the review threshold), largest score first. Deduplication only."""
        if self.n_other is not None:
            raise ValueError("groups are for deduplication; when linking, use the pairs")
        threshold = self.model.review if min_probability is None else min_probability
        edges = np.flatnonzero(self.probability >= threshold)
        if not edges.size:
            return []
        # Cluster only the records that have an edge: renumber them 0..k-1.
        nodes, compact = np.unique(np.concatenate([self.left[edges], self.right[edges]]),
                                   return_inverse=True)
        left, right = compact[: len(edges)], compact[len(edges):]
        labels, scores = cluster(len(nodes), left, right, self.probability[edges])
        ids = self._all_ids()
        order = np.argsort(labels, kind="stable")
        members = np.split(nodes[order], np.cumsum(np.bincount(labels))[:-1])
        edge_group = labels[left]
        edge_order = np.argsort(edge_group, kind="stable")
        edge_members = np.split(edges[edge_order], np.cumsum(np.bincount(
            edge_group, minlength=len(scores)))[:-1])
        out = []
        for g, records in enumerate(members):  # every component here has an edge: size >= 2
            score = float(scores[g])
            out.append(Group(
                ids=tuple(ids[records].tolist()),
                records=records,
                pairs=edge_members[g],
                score=score,
                decision=_decision(score, self.model.review, self.model.auto_merge),
            ))
        out.sort(key=lambda group: -group.score)
        return out

    def _all_ids(self) -> NDArray[Any]:
        """Ids of every input record, by position (known only for records in some pair)."""
        ids = np.empty(self.n_records, dtype=object)
        ids[self.left] = self.left_ids
        ids[self.right] = self.right_ids
        return ids


def cluster(n: int, left: NDArray[np.int64], right: NDArray[np.int64],
            probability: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Connected components of ``n`` records joined by the given pairs, and each component's
    score (weakest link of its maximum spanning tree; 1.0 for a single record).

    Returns (component label per record, score per component).
    """
    # Edge weight 2 - p lies in [1, 2]: positive (a sparse matrix drops zeros), and a minimum
    # spanning tree on it is a maximum spanning tree on p, which maximises the weakest link.
    graph = coo_matrix((2.0 - probability, (left, right)), shape=(n, n)).tocsr()
    count, labels = connected_components(graph, directed=False)
    scores = np.ones(count)
    tree = minimum_spanning_tree(graph).tocoo()
    # Read the tree's probabilities back from the input (2 - (2 - p) is not always p).
    keys = np.minimum(left, right) * n + np.maximum(left, right)
    order = np.argsort(keys)
    tree_keys = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row,
                                                                                tree.col)
    tree_probability = probability[order[np.searchsorted(keys[order], tree_keys)]]
    np.minimum.at(scores, labels[tree.row], tree_probability)
    return labels.astype(np.int64), scores


def _decision(probability: float, review: float, auto_merge: float) -> Decision:
    if probability >= auto_merge:
        return "merge"
    if probability >= review:
        return "review"
    return "distinct"
