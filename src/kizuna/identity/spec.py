"""What to compare and how: the comparison spec of an identity-resolution run.

A :class:`Spec` has three parts, all plain frozen dataclasses:

* **columns** — how each raw input column becomes a *key* (``Column``: a function of one or more
  raw values, e.g. ``match_key`` of the family name) or a key of another key (``Derived``: the
  first three digits of the postal code). Keys are hashable values or None (missing). They are
  computed once per distinct raw value, so a column of 100,000 surnames costs a few hundred calls.
* **fields** — what the Fellegi-Sunter model scores. A :class:`Field` has ordered
  :class:`Level` s, from the strongest agreement to the weakest; a pair falls into the first
  level whose condition holds, into "different" if none holds, and into "missing" (no evidence,
  weight 0) if none of the field's keys is present on both sides. Conditions are
  :class:`Exact`, :class:`Similar` (rapidfuzz similarity at a threshold), :class:`Within`
  (numbers) and :class:`AnyOf` / :class:`AllOf` combinations. Keep fields roughly independent:
  the model multiplies their Bayes factors, so a name's kanji and its kana reading belong in
  *one* field with several levels, not in two fields that would count the same evidence twice.
* **blocking** — which pairs are compared at all: a pair is a candidate if it agrees exactly on
  every key of at least one rule. Rules should together catch every plausible duplicate while
  keeping blocks small.

Presets: :data:`kizuna.identity.presets.JAPANESE_PERSON` and ``JAPANESE_COMPANY``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "AllOf",
    "AnyOf",
    "Column",
    "Condition",
    "Derived",
    "Exact",
    "Field",
    "Level",
    "Scorer",
    "Similar",
    "Spec",
    "Within",
]

Scorer = Literal["jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "indel"]
Key = Hashable


@dataclass(frozen=True)
class Column:
    """A key computed from raw input columns: ``function(*values)`` -> key or None.

    The function is called with one value per name in ``sources``; a missing raw value (None,
    NaN, an empty or blank string) is passed as None, and when every source is missing the key
    is None without a call. The function must be pure: it is called once per distinct tuple of
    raw values. ``numeric`` keys (birth year) must be numbers; :class:`Within` needs them.
    """

    name: str
    sources: tuple[str, ...]
    function: Callable[..., Key | None]
    numeric: bool = False


@dataclass(frozen=True)
class Derived:
    """A key computed from another key (``column``): ``function(key)`` -> key or None.

    Cheap because it runs once per distinct key: the first three digits of a postal code, a
    name's reading without voicing marks.
    """

    name: str
    column: str
    function: Callable[[Key], Key | None]
    numeric: bool = False


@dataclass(frozen=True)
class Exact:
    """Both keys present and equal.

    With ``term_frequency`` the Bayes factor of a level made of this one condition is adjusted
    for how common the shared value is: two records agreeing on 櫻井 say more than two agreeing
    on 佐藤 (weight + log2(u / frequency of the value)).
    """

    column: str
    term_frequency: bool = False


@dataclass(frozen=True)
class Similar:
    """Both keys present (strings) and rapidfuzz's normalised similarity >= ``threshold``."""

    column: str
    threshold: float
    scorer: Scorer = "jaro_winkler"


@dataclass(frozen=True)
class Within:
    """Both keys present (numbers) and ``|a - b| <= distance``."""

    column: str
    distance: float


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


Condition = Exact | Similar | Within | AnyOf | AllOf


@dataclass(frozen=True)
class Level:
    """One agreement level of a field. ``code`` is stable (UI and stored params use it).

    ``m`` is the prior probability of this level among true matches; EM starts from it and it
    acts as a pseudo-count (docs/decisions/0106), so a level that the training pairs rarely show
    keeps a sane value.
    """

    code: str
    label: str
    condition: Condition
    m: float


@dataclass(frozen=True)
class Field:
    """A scored comparison. Levels are tried in order; "different" and "missing" are implicit.

    ``different_m`` is the prior probability that a true match lands in "different".
    """

    name: str
    label: str
    levels: tuple[Level, ...]
    different_m: float = 0.05

    @property
    def codes(self) -> tuple[str, ...]:
        """Level codes in weight-table order: the levels, then "different"."""
        return (*(level.code for level in self.levels), DIFFERENT)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every key column the field's conditions read, in first-use order."""
        seen: dict[str, None] = {}
        for level in self.levels:
            for name in condition_columns(level.condition):
                seen.setdefault(name, None)
        return tuple(seen)


DIFFERENT = "different"
MISSING = "missing"


@dataclass(frozen=True)
class Spec:
    """Columns, fields and blocking rules of one kind of record (people, companies, ...).

    ``training``: the blocking rules whose pairs train ``m`` by EM, one session each (default:
    all of ``blocking``). Leave out a rule whose non-matching pairs agree on more than its own
    keys: people sharing a landline also share the address and the family name, so a phone
    block's households would teach EM that a different given name is common among matches.

    ``max_block_size``: a block with more records than this is skipped (it would give
    size²/2 pairs, and a key shared by that many records — a placeholder phone number, a
    company's switchboard — says little); skipped blocks are reported in the diagnostics.
    """

    name: str
    columns: tuple[Column | Derived, ...]
    fields: tuple[Field, ...]
    blocking: tuple[tuple[str, ...], ...]
    training: tuple[tuple[str, ...], ...] | None = None
    max_block_size: int = 1000
    id_column: str = "id"
    _by_name: dict[str, Column | Derived] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Column | Derived] = {}
        for column in self.columns:
            if column.name in by_name:
                raise ValueError(f"column {column.name!r} is defined twice")
            if isinstance(column, Derived) and column.column not in by_name:
                raise ValueError(
                    f"derived column {column.name!r} needs {column.column!r} defined before it"
                )
            by_name[column.name] = column
        object.__setattr__(self, "_by_name", by_name)
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        for f in self.fields:
            if not f.levels:
                raise ValueError(f"field {f.name!r} has no levels")
            codes = f.codes
            if len(set(codes)) != len(codes) or MISSING in codes:
                raise ValueError(f"field {f.name!r}: level codes must be unique, not 'missing'")
            for level in f.levels:
                _check_condition(level.condition, by_name, f.name)
                if not 0.0 < level.m < 1.0:
                    raise ValueError(f"field {f.name!r}: level m must be in (0, 1)")
        for rule in self.blocking:
            if not rule:
                raise ValueError("a blocking rule needs at least one column")
            for name in rule:
                if name not in by_name:
                    raise ValueError(f"blocking rule {rule!r}: unknown column {name!r}")
        for rule in self.training or ():
            if rule not in self.blocking:
                raise ValueError(f"training rule {rule!r} is not one of the blocking rules")
        if not self.fields or not self.blocking:
            raise ValueError("a spec needs at least one field and one blocking rule")

    def column(self, name: str) -> Column | Derived:
        return self._by_name[name]

    def sources(self, name: str) -> frozenset[str]:
        """Raw input columns a key column is computed from (through any derivations)."""
        column = self._by_name[name]
        if isinstance(column, Derived):
            return self.sources(column.column)
        return frozenset(column.sources)

    @property
    def training_rules(self) -> tuple[tuple[str, ...], ...]:
        return self.blocking if self.training is None else self.training

    @property
    def input_columns(self) -> tuple[str, ...]:
        """Raw columns the spec reads (besides the id); absent ones count as missing."""
        seen: dict[str, None] = {}
        for column in self.columns:
            if isinstance(column, Column):
                for source in column.sources:
                    seen.setdefault(source, None)
        return tuple(seen)


def condition_columns(condition: Condition) -> tuple[str, ...]:
    if isinstance(condition, AnyOf | AllOf):
        return tuple(name for c in condition.conditions for name in condition_columns(c))
    return (condition.column,)


def tf_column(level: Level) -> str | None:
    """The column whose value frequencies adjust this level's weight, if any."""
    condition = level.condition
    if isinstance(condition, Exact) and condition.term_frequency:
        return condition.column
    return None


def _check_condition(condition: Condition, by_name: dict[str, Column | Derived], f: str) -> None:
    if isinstance(condition, AnyOf | AllOf):
        if not condition.conditions:
            raise ValueError(f"field {f!r}: empty AnyOf/AllOf")
        for c in condition.conditions:
            if isinstance(c, Exact) and c.term_frequency:
                raise ValueError(f"field {f!r}: term_frequency only on a level's own Exact")
            _check_condition(c, by_name, f)
        return
    if condition.column not in by_name:
        raise ValueError(f"field {f!r}: unknown column {condition.column!r}")
    numeric = by_name[condition.column].numeric
    if isinstance(condition, Within) and not numeric:
        raise ValueError(f"field {f!r}: Within needs a numeric column")
    if isinstance(condition, Similar):
        if numeric:
            raise ValueError(f"field {f!r}: Similar needs a string column")
        if not 0.0 < condition.threshold <= 1.0:
            raise ValueError(f"field {f!r}: similarity threshold must be in (0, 1]")
