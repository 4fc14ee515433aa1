"""Scoring, package parsing and the deal check against brute force."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from coach.analysis.deal import check_deal
from coach.analysis.issues import issue_kind
from coach.analysis.pareto import max_joint
from coach.analysis.scoring import joint, package_from_choices, package_to_dict, score
from coach.domain import Issue, Package, Table
from coach.errors import AnalysisError
from tests.analysis.conftest import all_packages, brute_pareto, brute_scores, tables_with_package

FAST = settings(max_examples=150, deadline=None)

HIRE = Table(
    ("candidate", "employer"),
    (
        Issue("salary", "Salary", ("$150k", "$155k", "$160k"), ((0, 1500, 3000), (3000, 1500, 0))),
        Issue("start", "Start date", ("June", "July", "August"), ((0, 1000, 2000), (600, 300, 0))),
        Issue("remote", "Remote days", ("0", "2", "5"), ((0, 200, 400), (0, 100, 200))),
        Issue("bonus", "Signing bonus", ("0", "5k"), ((0, 500), (1200, 0))),
    ),
    (2000.0, 0.0),
)


def test_score_and_joint() -> None:
    assert score(HIRE, (2, 0, 1, 0)) == (3200.0, 1900.0)
    assert joint(HIRE, (2, 0, 1, 0)) == 5100.0
    with pytest.raises(AnalysisError, match="4 issues"):
        score(HIRE, (0, 0))
    with pytest.raises(AnalysisError, match="issue 'start': option index 3"):
        score(HIRE, (0, 3, 0, 0))


def test_package_from_choices_text_index_and_errors() -> None:
    choices: dict[str, str | int] = {"salary": "$160k", "start": 0, "remote": "2", "bonus": "5K"}
    # "2" is an option text of 'remote' (exact text wins over the index); "5K" matches "5k".
    assert package_from_choices(HIRE, choices) == (2, 0, 1, 1)
    assert package_from_choices(HIRE, {"salary": "1", "start": "2", "remote": 0, "bonus": "0"}) == (1, 2, 0, 0)
    assert package_to_dict(HIRE, (2, 0, 1, 1)) == {"salary": "$160k", "start": "June", "remote": "2", "bonus": "5k"}
    with pytest.raises(AnalysisError, match=r"issue 'salary': unknown option '\$999k'; choose one of 0='\$150k'"):
        package_from_choices(HIRE, {**choices, "salary": "$999k"})
    with pytest.raises(AnalysisError, match="unknown issue 'pay'"):
        package_from_choices(HIRE, {**choices, "pay": "1"})
    with pytest.raises(AnalysisError, match="issue 'bonus' has no option"):
        package_from_choices(HIRE, {k: v for k, v in choices.items() if k != "bonus"})
    with pytest.raises(AnalysisError, match="issue 'start': unknown option 7"):
        package_from_choices(HIRE, {**choices, "start": 7})


def test_issue_kinds_of_the_hiring_table() -> None:
    kinds = [issue_kind(i) for i in HIRE.issues]
    assert kinds == ["distributive", "integrative", "compatible", "integrative"]
    assert issue_kind(Issue("x", "X", ("a",), ((1.0,), (5.0,)))) == "compatible"
    assert issue_kind(Issue("x", "X", ("a", "b"), ((1.0, 1.0), (1.0, 1.0)))) == "compatible"
    assert issue_kind(Issue("x", "X", ("a", "b"), ((0.1, 0.3), (0.2, 0.0)))) == "distributive"
    # ties: a shared best option among several best ones is enough
    assert issue_kind(Issue("x", "X", ("a", "b", "c"), ((5.0, 5.0, 0.0), (0.0, 7.0, 7.0)))) == "compatible"


def test_deal_check_on_hiring_example() -> None:
    check = check_deal(HIRE, (1, 0, 0, 1))  # $155k, June, 0 remote, 5k bonus
    assert check.scores == (2000.0, 2100.0)
    assert not check.pareto_optimal
    best = max_joint(HIRE)
    assert best.total == 3000 + 2000 + 600 + 1200  # salary zero-sum; August, 5 days, no bonus
    assert check.value_left == best.total - 4100
    assert check.share_of_max == pytest.approx((4100 - 2000) / (best.total - 2000))
    assert 1 <= len(check.better_for_both) <= 5
    totals = [p.total for p in check.better_for_both]
    assert totals == sorted(totals, reverse=True)
    for p in check.better_for_both:
        assert p.scores[0] >= 2000 and p.scores[1] >= 2100 and p.total > 4100
    d = check.to_dict(HIRE)
    assert d["scores"] == {"candidate": 2000.0, "employer": 2100.0}
    assert set(d["better_for_both"][0]) == {"total", "scores", "package"}


def test_share_of_max_is_none_when_no_surplus() -> None:
    table = Table(("p", "q"), (Issue("x", "X", ("a", "b"), ((1.0, 0.0), (0.0, 1.0))),), (0.5, 0.5))
    check = check_deal(table, (0,))
    assert check.share_of_max is None
    assert check.pareto_optimal and check.value_left == 0.0 and check.better_for_both == []


def _oracle_better(table: Table, package: Package, limit: int) -> list[tuple[float, float]]:
    d = brute_scores(table, package)
    better = [s for s in brute_pareto(table) if s[0] >= d[0] and s[1] >= d[1] and s != d]
    # Totals rounded as the engine rounds them, so float noise cannot break a tie differently.
    better.sort(key=lambda s: (-round(s[0] + s[1], 9), -min(s[0] - d[0], s[1] - d[1]), s[0]))
    return better[:limit]


@FAST
@given(tables_with_package())
def test_deal_check_equals_brute_force(case: tuple[Table, Package]) -> None:
    table, package = case
    check = check_deal(table, package)
    assert [p.scores for p in check.better_for_both] == _oracle_better(table, package, 5)
    pairs = [brute_scores(table, p) for p in all_packages(table)]
    d = brute_scores(table, package)
    dominated = any(s[0] >= d[0] and s[1] >= d[1] and s != d for s in pairs)
    assert check.pareto_optimal is (not dominated)
    best_total = max(a + b for a, b in pairs)
    assert check.value_left == pytest.approx(best_total - sum(d), abs=1e-9)
    for p in check.better_for_both:
        assert score(table, p.package) == p.scores


def test_share_of_max_is_none_when_batnas_beat_every_package() -> None:
    # Max joint 1 < BATNA sum 3: the old ratio (0 - 3) / (1 - 3) = 1.5 called a bad deal "150% of max".
    table = Table(("p", "q"), (Issue("x", "X", ("a", "b"), ((1.0, 0.0), (0.0, 0.0))),), (1.5, 1.5))
    check = check_deal(table, (1,))
    assert check.share_of_max is None
    assert check.value_left == 1.0 and not check.pareto_optimal
