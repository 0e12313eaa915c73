"""Scorecards: weighted totals, corrections kept beside the original, the gap per rep on a
constructed example, access rules, stale versions, revisions, and scores in conditions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kizuna.actions import scorecards as sc
from kizuna.actions.compiler import matching
from kizuna.actions.conditions import parse_condition
from kizuna.actions.models import Score, ScoreCorrection, ScoreRating
from kizuna.core.access import NotFound
from kizuna.core.models import LedgerEntry, Role
from kizuna.core.services import ConcurrentEdit
from kizuna.customers.services import create_account

pytestmark = pytest.mark.django_db

ITEMS = [
    {"key": "awareness", "label": "課題認識", "weight": 3,
     "levels": {"1": "課題を感じていない", "5": "経営課題として認識"}},
    {"key": "competitor", "label": "競合の有無", "weight": 1},
    {"key": "budget", "label": "予算", "weight": 2},
    {"key": "dm_access", "label": "決裁者への接触", "weight": 2},
]


@pytest.fixture
def card(team):  # type: ignore[no-untyped-def]
    return sc.create_scorecard(actor=team["manager"], key="fit", name="有望度",
                               purpose="訪問の優先順位", items=ITEMS, band_a=70, band_b=40)


@pytest.fixture
def two(team):  # type: ignore[no-untyped-def]
    """An account of each rep, shared with their team."""
    return (create_account(actor=team["rep"], name="山田製作所", team=team["team"]),
            create_account(actor=team["rep2"], name="大阪商事", team=team["team"]))


def latest(card, account, item):  # type: ignore[no-untyped-def]
    return ScoreRating.objects.filter(scorecard=card, account=account, item=item) \
        .order_by("-rated_at", "-pk").first()


def test_total_is_the_weighted_mean_on_0_to_100_rounded_half_up() -> None:
    assert sc.total_of(ITEMS, {"awareness": 5, "competitor": 3, "budget": 4,
                               "dm_access": 2}) == 69  # 100 × 22/32 = 68.75
    assert sc.total_of(ITEMS, dict.fromkeys(("awareness", "competitor", "budget",
                                             "dm_access"), 1)) == 0
    assert sc.total_of(ITEMS, dict.fromkeys(("awareness", "competitor", "budget",
                                             "dm_access"), 5)) == 100
    assert sc.total_of(ITEMS, {"awareness": 2, "competitor": 2, "budget": 1,
                               "dm_access": 2}) == 19  # 100 × 6/32 = 18.75
    assert sc.total_of(ITEMS, {"awareness": 3, "competitor": 1, "budget": 2,
                               "dm_access": 3}) == 38  # 100 × 12/32 = 37.5: half up
    assert sc.total_of(ITEMS, {"budget": 3}) == 50  # only rated items count
    assert sc.total_of(ITEMS, {}) is None
    assert sc.band_of(70, 70, 40) == "A" and sc.band_of(69, 70, 40) == "B"
    assert sc.band_of(39, 70, 40) == "C" and sc.band_of(None, 70, 40) == ""


def test_corrections_keep_the_original_and_the_gap_per_rep_is_exact(team, card, two) -> None:
    rep, rep2, manager = team["rep"], team["rep2"], team["manager"]
    first, second = two
    score = sc.rate(actor=rep, scorecard=card, record=first, expected_version=0,
                    values={"awareness": 5, "competitor": 3, "budget": 4, "dm_access": 2})
    assert (score.total, score.band, score.rated_items) == (69, "B", 4)
    score = sc.rate(actor=rep2, scorecard=card, record=second, expected_version=0,
                    values={"awareness": 2, "competitor": 2, "budget": 2, "dm_access": 2})
    assert (score.total, score.band) == (25, "C")

    t0 = timezone.now()
    sc.correct(actor=manager, rating=latest(card, first, "awareness"), value=3,
               reason="まだ現場レベルの課題", expected_version=1, now=t0)
    assert Score.objects.get(scorecard=card, account=first).total == 50
    sc.correct(actor=manager, rating=latest(card, first, "budget"), value=2,
               reason="予算は未確保", expected_version=2, now=t0)
    assert Score.objects.get(scorecard=card, account=first).total == 38  # 37.5 → 38, band C
    # A second correction of one rating: the latest counts, the first is kept.
    sc.correct(actor=manager, rating=latest(card, first, "awareness"), value=4,
               reason="再訪で確認できた", expected_version=3, now=t0 + dt.timedelta(seconds=1))
    first_score = Score.objects.get(scorecard=card, account=first)
    assert (first_score.total, first_score.band) == (47, "B")  # 100 × 15/32 = 46.875
    sc.correct(actor=manager, rating=latest(card, second, "dm_access"), value=4,
               reason="部長と面談済み", expected_version=1)
    sc.correct(actor=manager, rating=latest(card, second, "competitor"), value=1,
               reason="競合が入り込んでいる", expected_version=2)
    assert Score.objects.get(scorecard=card, account=second).total == 34  # 11/32

    # The originals are untouched; every correction is kept.
    assert latest(card, first, "awareness").value == 5
    assert ScoreCorrection.objects.filter(rating=latest(card, first, "awareness")).count() == 2
    states = {s.item["key"]: s for s in sc.item_states(card, first)}
    assert (states["awareness"].rating.value, states["awareness"].value) == (5, 4)
    assert states["competitor"].correction is None and states["competitor"].value == 3

    gaps = {g.rater: g for g in sc.gap_report(manager, scorecard=card)}
    # rep: 5→4 (+1) and 4→2 (+2); rep2: 2→4 (−2) and 2→1 (+1)
    assert (gaps[rep].corrections, gaps[rep].ratings) == (2, 4)
    assert gaps[rep].mean_abs == pytest.approx(1.5) and gaps[rep].mean_signed == \
        pytest.approx(1.5)
    assert (gaps[rep2].corrections, gaps[rep2].ratings) == (2, 4)
    assert gaps[rep2].mean_abs == pytest.approx(1.5) and gaps[rep2].mean_signed == \
        pytest.approx(-0.5)
    # A rep sees only their own gap.
    assert [g.rater for g in sc.gap_report(rep, scorecard=card)] == [rep]


def test_rating_again_supersedes_and_only_changed_items_make_ratings(team, card, two) -> None:
    rep, manager = team["rep"], team["manager"]
    first = two[0]
    sc.rate(actor=rep, scorecard=card, record=first, expected_version=0,
            values={"awareness": 5, "competitor": 3, "budget": 4, "dm_access": 2})
    sc.correct(actor=manager, rating=latest(card, first, "awareness"), value=3, reason="r",
               expected_version=1)
    # The form shows what counts (3 after the correction): sending it back changes nothing.
    score = sc.rate(actor=rep, scorecard=card, record=first, expected_version=2,
                    values={"awareness": 3, "competitor": 3, "budget": 4, "dm_access": 2})
    assert ScoreRating.objects.filter(account=first).count() == 4 and score.version == 2
    # A new value supersedes the corrected rating; the old rating and its correction stay.
    score = sc.rate(actor=rep, scorecard=card, record=first, expected_version=2,
                    values={"awareness": 5})
    assert ScoreRating.objects.filter(account=first).count() == 5
    assert score.total == 69 and ScoreCorrection.objects.count() == 1
    # Correcting the replaced rating is refused.
    old = ScoreRating.objects.filter(account=first, item="awareness").order_by("pk").first()
    with pytest.raises(ValidationError):
        sc.correct(actor=manager, rating=old, value=2, reason="r", expected_version=3)


def test_access_rules(team, card, two, make_user, make_team, admin_user) -> None:
    first, second = two
    values = {"awareness": 3}
    # Reps rate only what they may edit: rep2 sees rep's account (shared with the team) but
    # cannot rate it; the other team's rep cannot even see it; viewers never rate.
    assert sc.access_record(team["rep2"], card, first.pk) == first
    for user in (team["rep2"], team["outsider"], team["viewer"]):
        with pytest.raises(PermissionDenied):
            sc.rate(actor=user, scorecard=card, record=first, expected_version=0, values=values)
    with pytest.raises(NotFound):
        sc.access_record(team["outsider"], card, first.pk)
    sc.rate(actor=team["rep"], scorecard=card, record=first, expected_version=0, values=values)
    rating = latest(card, first, "awareness")
    # Corrections: managers of the record's team and administrators; not reps, not another
    # team's manager, not the rater on their own rating.
    other_manager = make_user(Role.MANAGER, teams=[make_team("営業3課")])
    for user in (team["rep"], team["rep2"], other_manager):
        with pytest.raises(PermissionDenied):
            sc.correct(actor=user, rating=rating, value=1, reason="r", expected_version=1)
    sc.correct(actor=admin_user, rating=rating, value=2, reason="管理者の補正",
               expected_version=1)
    sc.rate(actor=team["manager"], scorecard=card, record=second, expected_version=0,
            values={"budget": 4})
    with pytest.raises(ValidationError):
        sc.correct(actor=team["manager"], rating=latest(card, second, "budget"), value=2,
                   reason="r", expected_version=1)
    # Reasons are required; writing scorecards is for managers.
    with pytest.raises(ValidationError):
        sc.correct(actor=team["manager"], rating=rating, value=2, reason=" ",
                   expected_version=2)
    with pytest.raises(PermissionDenied):
        sc.create_scorecard(actor=team["rep"], key="x", name="x", items=ITEMS)


def test_a_stale_version_is_refused_and_nothing_is_written(team, card, two) -> None:
    rep, manager = team["rep"], team["manager"]
    first = two[0]
    sc.rate(actor=rep, scorecard=card, record=first, expected_version=0,
            values={"awareness": 4, "budget": 3})
    # Someone else's first rating meanwhile: a form opened before it (version 0) is refused.
    with pytest.raises(ConcurrentEdit):
        sc.rate(actor=manager, scorecard=card, record=first, expected_version=0,
                values={"awareness": 1})
    sc.correct(actor=manager, rating=latest(card, first, "budget"), value=2, reason="r",
               expected_version=1)
    before = (ScoreRating.objects.count(), ScoreCorrection.objects.count())
    with pytest.raises(ConcurrentEdit):
        sc.rate(actor=rep, scorecard=card, record=first, expected_version=1,
                values={"awareness": 5})
    with pytest.raises(ConcurrentEdit):
        sc.correct(actor=manager, rating=latest(card, first, "awareness"), value=1,
                   reason="r", expected_version=1)
    assert (ScoreRating.objects.count(), ScoreCorrection.objects.count()) == before
    assert Score.objects.get(account=first).version == 2


def test_revisions_keep_old_ratings_readable_and_scores_follow_the_new_weights(
        team, card, two) -> None:
    first = two[0]
    sc.rate(actor=team["rep"], scorecard=card, record=first, expected_version=0,
            values={"awareness": 5, "competitor": 3, "budget": 4, "dm_access": 2})
    items = [dict(ITEMS[0], weight=1, label="課題の認識度"), *ITEMS[1:]]
    card = sc.update_scorecard(actor=team["manager"], scorecard=card, expected_version=1,
                               items=items, band_a=55)
    assert [v.number for v in card.versions.all()] == [2, 1]
    score = Score.objects.get(account=first)
    assert (score.total, score.band) == (58, "A")  # 100 × 14/24 = 58.3, and A from 55
    rating = latest(card, first, "awareness")
    assert rating.scorecard_version.number == 1
    assert rating.scorecard_version.items[0]["label"] == "課題認識"
    # Settings alone make no revision.
    card = sc.update_scorecard(actor=team["manager"], scorecard=card,
                               expected_version=card.version, active=False)
    assert card.versions.count() == 2
    with pytest.raises(ValidationError):
        sc.rate(actor=team["rep"], scorecard=card, record=first, expected_version=2,
                values={"budget": 1})


def test_bad_definitions_report_every_problem(team) -> None:
    with pytest.raises(ValidationError) as error:
        sc.create_scorecard(actor=team["manager"], key="bad", name="x", band_a=30, band_b=40,
                            items=[{"key": "a", "label": "", "weight": 0},
                                   {"key": "a", "label": "b", "levels": {"6": "x"}}])
    messages = error.value.message_dict
    assert len(messages["items"]) == 4 and "band_a" in messages
    assert LedgerEntry.objects.filter(model="actions.scorecard").count() == 0


def test_scores_in_conditions(team, card, two) -> None:
    first, second = two
    third = create_account(actor=team["rep"], name="未評価商事", team=team["team"])
    sc.rate(actor=team["rep"], scorecard=card, record=first, expected_version=0,
            values={"awareness": 5, "competitor": 5, "budget": 5, "dm_access": 4})  # 94, A
    sc.rate(actor=team["rep2"], scorecard=card, record=second, expected_version=0,
            values={"awareness": 2})  # 25, C

    def hits(condition):  # type: ignore[no-untyped-def]
        node = parse_condition(condition, "account")
        return set(matching(node, "account").values_list("pk", flat=True))

    assert hits({"field": "score.fit", "op": "gte", "value": 70}) == {first.pk}
    assert hits({"not": {"field": "score.fit", "op": "gte", "value": 70}}) == {
        second.pk, third.pk}
    assert hits({"field": "score.fit", "op": "is_empty"}) == {third.pk}
    assert hits({"field": "score_band.fit", "op": "in", "value": ["B", "C"]}) == {second.pk}
    assert hits({"all": [{"field": "score.fit", "op": "gte", "value": 70},
                         {"aggregate": "days_since_last_activity", "op": "is_empty"}]}) == {
        first.pk}
    with pytest.raises(ValidationError):
        parse_condition({"field": "score.nope", "op": "gte", "value": 1}, "account")
    with pytest.raises(ValidationError):
        parse_condition({"field": "score_band.fit", "op": "eq", "value": "D"}, "account")
