"""MESO generator and the update of the estimate of their priorities."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.analysis.meso import build_mesos, default_target, update_priorities
from coach.analysis.pareto import pareto_frontier
from coach.analysis.scoring import score
from coach.domain import Issue, Table
from coach.errors import AnalysisError
from tests.analysis.conftest import (
    all_packages,
    brute_scores,
    random_table,
    strictly_dominates,
    tables,
)

FAST = settings(max_examples=80, deadline=None)

# I care equally about three issues they value differently; a fourth is pure price.
SHEET = Table(
    ("me", "them"),
    (
        Issue("price", "Price", ("90", "100", "110"), ((0.0, 20.0, 40.0), (40.0, 20.0, 0.0))),
        Issue("delivery", "Delivery", ("fast", "normal", "slow"), ((0.0, 10.0, 20.0), (30.0, 15.0, 0.0))),
        Issue("warranty", "Warranty", ("3y", "2y", "1y"), ((0.0, 10.0, 20.0), (20.0, 10.0, 0.0))),
        Issue("training", "Training", ("on-site", "remote", "none"), ((0.0, 10.0, 20.0), (10.0, 5.0, 0.0))),
    ),
    (20.0, 20.0),
)


def test_mesos_are_equal_for_me_and_different_for_them() -> None:
    mesos = build_mesos(SHEET, me=0, k=3, tolerance=0.0, target=60.0)
    assert len(mesos) == 3
    assert all(m.my_score == 60.0 for m in mesos)
    assert len({m.package for m in mesos}) == 3
    for m in mesos:
        assert score(SHEET, m.package) == (m.my_score, m.their_score)
    theirs = [[SHEET.issues[n].points[1][o] for n, o in enumerate(m.package)] for m in mesos]
    assert len({tuple(v) for v in theirs}) == 3
    assert len({m.concedes_on for m in mesos}) == 3  # each offer stands out on a different issue
    d = mesos[0].to_dict(SHEET)
    assert set(d) == {"package", "my_score", "their_score", "pareto_optimal", "concedes_on"}


def test_default_target_is_my_nash_score() -> None:
    frontier = pareto_frontier(SHEET)
    target = default_target(SHEET, 0, frontier)
    mesos = build_mesos(SHEET, me=0)
    assert mesos and all(abs(m.my_score - target) <= 0.03 * 100 + 1e-9 for m in mesos)


@FAST
@given(tables(max_issues=4, max_options=4), st.integers(0, 1))
def test_mesos_properties_vs_brute_force(table: Table, me: int) -> None:
    target = default_target(table, me, pareto_frontier(table))
    mesos = build_mesos(table, me=me, k=3, tolerance=5.0, target=target)
    pairs = {p: brute_scores(table, p) for p in all_packages(table)}
    undominated = {p for p, s in pairs.items() if not any(strictly_dominates(q, s) for q in pairs.values())}
    assert mesos  # the Nash / max-joint point itself is always in the band
    for m in mesos:
        s = pairs[m.package]
        assert (s[me], s[1 - me]) == pytest.approx((m.my_score, m.their_score), abs=1e-9)
        assert m.pareto_optimal is (m.package in undominated)
        assert abs(m.my_score - target) <= 5.0 * 8 + 1e-9  # band widened at most 3 times (x8)
    assert len({m.package for m in mesos}) == len(mesos)
    in_band = [p for p in undominated if abs(pairs[p][me] - target) <= 5.0 + 1e-9]
    assert mesos[0].pareto_optimal is bool(in_band)  # undominated where possible


def test_mesos_on_10x6_are_undominated_and_distinct() -> None:
    table = random_table(10, 6, seed=4)
    mesos = build_mesos(table, me=1)
    assert len(mesos) == 3
    assert all(m.pareto_optimal for m in mesos)
    assert len({m.package for m in mesos}) == 3


def test_bad_arguments() -> None:
    with pytest.raises(AnalysisError, match="me must be 0 or 1"):
        build_mesos(SHEET, me=2)
    with pytest.raises(AnalysisError, match="k must be at least 1"):
        build_mesos(SHEET, me=0, k=0)
    with pytest.raises(AnalysisError, match="at least two packages"):
        update_priorities(SHEET, 0, [(0, 0, 0, 0)], 0)
    with pytest.raises(AnalysisError, match="chosen must be an index 0..1"):
        update_priorities(SHEET, 0, [(0, 0, 0, 0), (1, 1, 1, 1)], 5)


def _their_weight(table: Table, n: int) -> float:
    pts = table.issues[n].points[1]
    return max(pts) - min(pts)


def test_update_priorities_moves_weight_toward_what_they_chose() -> None:
    offered = [(1, 0, 2, 1), (1, 2, 0, 1), (1, 1, 1, 0)]  # fast delivery / 3y warranty / on-site training
    new = update_priorities(SHEET, me=0, offered=offered, chosen=1)  # they picked the warranty offer
    assert [i.points[0] for i in new.issues] == [i.points[0] for i in SHEET.issues]  # mine untouched
    old_w = [_their_weight(SHEET, n) for n in range(4)]
    new_w = [_their_weight(new, n) for n in range(4)]
    assert sum(new_w) == pytest.approx(sum(old_w))  # same overall scale
    assert new_w[2] / new_w[1] > old_w[2] / old_w[1]  # warranty gained on delivery
    assert new_w[2] > old_w[2] and new_w[1] < old_w[1]
    again = update_priorities(new, me=0, offered=offered, chosen=1)
    assert _their_weight(again, 2) > _their_weight(new, 2)


def test_update_priorities_no_information_returns_same_table() -> None:
    assert update_priorities(SHEET, 0, [(0, 0, 0, 0), (0, 0, 0, 0)], 0) == SHEET
