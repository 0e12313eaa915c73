"""Identity resolution (名寄せ): find duplicate people and companies. Pure; never imports Django.

Blocking + a Fellegi-Sunter model over normalised keys (docs/decisions/0106):

1. **keys** — each record's columns become matching keys with kizuna.japanese (``match_key``,
   ``kana_key``, E.164 phones, postal codes, ``company_match_key`` ...), once per distinct value;
2. **blocking** — candidate pairs agree exactly on every key of at least one rule (same phone;
   same e-mail; same reading of family and given name; ...);
3. **comparison** — per field, each pair gets a level (exact / kana / close by rapidfuzz
   similarity / different / missing), vectorised over all pairs;
4. **model** — ``u`` from random pairs, ``m`` by EM on the blocked pairs, the prior from the
   data; a pair's match weight is the sum of log2 Bayes factors, its probability follows;
5. **decisions** — two thresholds (``review`` <= ``auto_merge``), groups of records joined by
   pairs above a threshold (connected components), and an explanation per pair.

Usage::

    from kizuna.identity import JAPANESE_PERSON, IdentityModel

    customers = {                    # columns: one list (or numpy array) per field, same length
        "id": [17, 18, 19, ...],     # opaque; returned as is (a primary key)
        "family_name": ["髙橋", "高橋", "佐藤", ...],
        "given_name": ["健一", "健一", "花子", ...],
        "family_name_kana": ["タカハシ", "ﾀｶﾊｼ", "サトウ", ...],
        "given_name_kana": ["ケンイチ", "けんいち", "ハナコ", ...],
        "birth_year": [1980, 1980, None, ...],
        "email": ["Ken.T@gmail.com", "kent@gmail.com", "", ...],
        "phone": ["090-1234-5678", "+81 90 1234 5678", None, ...],
        "postal_code": ["100-0005", "1000005", None, ...],
        "prefecture": ["東京都", "東京都", None, ...],
        "city": ["千代田区", "千代田区", None, ...],
        "address_line1": ["丸の内1-2-3", "丸の内１－２－３", None, ...],
    }                                # absent columns count as missing everywhere
    model = IdentityModel(JAPANESE_PERSON, review=0.8, auto_merge=0.99)
    matches = model.fit_predict(customers)   # the whole table: it learns from its own data
    for row in matches.to_rows():            # left_id, right_id, probability, weight, decision
        ...
    print(matches.explain(0))                # why: prior + one Contribution per field
    for group in matches.groups():           # default threshold: review
        group.ids, group.score, group.decision   # "merge" if score >= auto_merge

    # New records (an import) against the table: pairs only across the two sides.
    matches = model.predict(new_records, other=customers)
    # Keep a fitted model: JSON-able parameters, rebuilt without refitting.
    params = model.to_dict()
    model = IdentityModel.from_dict(JAPANESE_PERSON, params, review=0.8, auto_merge=0.99)

Fit on the whole table (a few hundred records are enough; tests/identity measures 200 to
100,000): a handful of records cannot teach the model what agreement means.

Public API:

* :class:`IdentityModel` ``(spec, *, auto_merge=0.99, review=0.8, prior=None,
  u_sample_size=400_000, prior_strength=20.0, max_iterations=100, random_state=0,
  workers=-1)`` — ``fit(records, other=None) -> self``; ``predict(records, other=None, *,
  min_probability=None) -> Matches``; ``fit_predict(...)``; ``to_dict()`` /
  ``from_dict(spec, data, **params)``; ``weight_table(field)``; fitted ``m_``, ``u_``,
  ``prior_``, ``tf_``, ``em_sessions_``. Unfitted use raises :class:`NotFittedError`.
* :class:`Matches` — arrays ``left_ids``, ``right_ids``, ``left``, ``right`` (positions),
  ``weight`` (bits), ``probability``, most probable first; ``decisions()``, ``explain(k) ->
  Explanation``, ``groups(min_probability=None) -> list[Group]``, ``to_rows()``,
  ``level_codes(field)``, ``diagnostics`` (candidate pairs per rule, skipped blocks, seconds
  per step).
* :class:`Explanation` (``prior_weight``, ``contributions``, ``weight``, ``probability``,
  ``decision``, ``to_dict()``), :class:`Contribution` (``field``, ``level``, ``level_label``,
  ``weight``, ``m``, ``u``, ``term_frequency``), :class:`Group` (``ids``, ``records``,
  ``pairs``, ``score``, ``decision``), :func:`cluster` (components + weakest-link scores).
* Specs: :data:`JAPANESE_PERSON`, :data:`JAPANESE_COMPANY` (presets; input columns in
  ``presets``), or your own :class:`Spec` of :class:`Column` / :class:`Derived` keys,
  :class:`Field` s of :class:`Level` s with :class:`Exact`, :class:`Similar`, :class:`Within`,
  :class:`AnyOf`, :class:`AllOf` conditions, and blocking rules (``benchmarks/identity.py``
  defines one for FEBRL's Latin-alphabet columns).
* :func:`records_from_rows` — columnar records from dicts (``.values()``) or objects.
* ``kizuna.identity.synthetic.synthetic_people(n, duplicate_rate=0.1, seed=0)`` — labelled
  test data (imports kizuna.demo's name and place tables).

Levels codes ("exact", "kana", "close", "phone_address", ..., "different", "missing") are
stable: store and translate them; labels are English fallbacks. Probabilities assume the data
the model was fitted on: the prior (how likely two random records are one person) falls as a
table grows, so refit on the whole table rather than reuse a model fitted on a sample.
"""

from kizuna.identity.model import IdentityModel, NotFittedError
from kizuna.identity.prepare import Records, records_from_rows
from kizuna.identity.presets import JAPANESE_COMPANY, JAPANESE_PERSON
from kizuna.identity.result import Contribution, Decision, Explanation, Group, Matches, cluster
from kizuna.identity.spec import (
    AllOf,
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

__all__ = [
    "JAPANESE_COMPANY",
    "JAPANESE_PERSON",
    "AllOf",
    "AnyOf",
    "Column",
    "Contribution",
    "Decision",
    "Derived",
    "Exact",
    "Explanation",
    "Field",
    "Group",
    "IdentityModel",
    "Level",
    "Matches",
    "NotFittedError",
    "Records",
    "Similar",
    "Spec",
    "Within",
    "cluster",
    "records_from_rows",
]
