"""Frontier, max joint, Nash and dominance against a brute-force oracle, plus properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings

from coach.analysis.pareto import (
    FrontierPoint,
    dominates,
    max_joint,
    nash_point,
    pareto_frontier,
)
from coach.analysis.scoring import score
from coach.domain import Issue, Table
from coach.errors import AnalysisError
from tests.analysis.conftest import (
    all_packages,
    brute_pareto,
    brute_scores,
    random_table,
    strictly_dominates,
    tables,
)

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(tables())
def test_frontier_equals_brute_force(table: Table) -> None:
    frontier = pareto_frontier(table)
    assert {p.scores for p in frontier} == brute_pareto(table)
    assert len({p.scores for p in frontier}) == len(frontier)  # distinct pairs
    assert [p.scores[0] for p in frontier] == sorted(p.scores[0] for p in frontier)
    # party-1 strictly decreasing when party-0 strictly increasing
    assert all(a.scores[1] > b.scores[1] for a, b in itertools.pairwise(frontier))
    for point in frontier:
        assert score(table, point.package) == pytest.approx(point.scores, abs=1e-9)
        assert brute_scores(table, point.package) == pytest.approx(point.scores, abs=1e-9)


@FAST
@given(tables())
def test_frontier_properties(table: Table) -> None:
    frontier = pareto_frontier(table)
    for a in frontier:
        assert not any(dominates(b.scores, a.scores) for b in frontier)
    for package in all_packages(table):
        s = score(table, package)
        assert any(p.scores == s or dominates(p.scores, s) for p in frontier)


@FAST
@given(tables())
def test_max_joint_and_nash_equal_brute_force(table: Table) -> None:
    pairs = [brute_scores(table, p) for p in all_packages(table)]
    best = max_joint(table)
    assert best.total == pytest.approx(max(a + b for a, b in pairs), abs=1e-9)
    b0, b1 = table.batnas
    products = [(a - b0) * (b - b1) for a, b in pairs if a - b0 > 1e-9 and b - b1 > 1e-9]
    nash = nash_point(table)
    if not products:
        assert nash is None
    else:
        assert nash is not None
        assert (nash.scores[0] - b0) * (nash.scores[1] - b1) == pytest.approx(max(products), rel=1e-9, abs=1e-9)


def test_dominates_examples() -> None:
    assert dominates((2, 2), (1, 2))
    assert dominates((2, 3), (1, 2))
    assert not dominates((2, 2), (2, 2))
    assert not dominates((3, 1), (1, 2))
    assert not dominates((1 + 1e-12, 2), (1, 2))  # float noise is not an improvement
    assert strictly_dominates((2.0, 2.0), (1.0, 2.0))


def test_float_noise_makes_no_phantom_points() -> None:
    issue = Issue("x", "X", ("a", "b", "c"), ((0.1, 0.2, 0.3), (0.2, 0.1, 0.0)))
    other = Issue("y", "Y", ("a", "b"), ((0.2, 0.0), (0.0, 0.2)))
    table = Table(("p", "q"), (issue, other), (0.0, 0.0))
    frontier = pareto_frontier(table)
    assert {p.scores for p in frontier} == {(0.5, 0.0), (0.4, 0.1), (0.3, 0.2), (0.2, 0.3), (0.1, 0.4)}
    assert {round(p.total, 9) for p in frontier} == {0.5}


def test_single_issue_and_single_option() -> None:
    table = Table(("p", "q"), (Issue("x", "X", ("only",), ((3.0,), (-2.0,))),), (0.0, 0.0))
    assert pareto_frontier(table) == [FrontierPoint((3.0, -2.0), (0,))]
    assert nash_point(table) is None
    assert max_joint(table).total == 1.0


def test_large_tables_are_answered_exactly() -> None:
    frontier = pareto_frontier(random_table(40, 10, seed=3))
    assert len(frontier) > 10
    table = random_table(10, 6, seed=1)
    frontier = pareto_frontier(table)
    for point in frontier:
        assert score(table, point.package) == point.scores


def test_frontier_limit_raises_clear_error() -> None:
    table = random_table(12, 6, seed=2)
    with pytest.raises(AnalysisError, match="more than 5 points"):
        pareto_frontier(table, limit=5)


def test_frontier_beyond_default_limit_is_refused() -> None:
    # Zero-sum issues worth 1, 2, 4, ... points: every subset sum is a distinct frontier point,
    # so the frontier doubles with each issue (2**20 points). Must refuse, not hang.
    issues = tuple(
        Issue(f"i{k}", "I", ("mine", "yours"), ((float(2**k), 0.0), (0.0, float(2**k)))) for k in range(20)
    )
    table = Table(("p", "q"), issues, (0.0, 0.0))
    with pytest.raises(AnalysisError, match="Pareto frontier has more than 250,000 points"):
        pareto_frontier(table)
    assert len(pareto_frontier(Table(("p", "q"), issues[:10], (0.0, 0.0)))) == 2**10
