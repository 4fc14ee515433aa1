"""ZOPA, contingent contracts and priorities-to-points."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.analysis.contingent import binary_contingent, evaluate_contingent
from coach.analysis.issues import issue_kind
from coach.analysis.pareto import max_joint, pareto_frontier
from coach.analysis.priorities import IssuePriority, table_from_priorities
from coach.analysis.zopa import zopa
from coach.errors import AnalysisError

FAST = settings(max_examples=200, deadline=None)
money = st.integers(-1000, 1000).map(float)


@FAST
@given(money, money, money, st.sampled_from(["buyer", "seller"]))
def test_zopa_empty_exactly_when_reservation_points_do_not_overlap(mine: float, a: float, b: float, role: str) -> None:
    low, high = min(a, b), max(a, b)
    result = zopa(mine, low, high, role=role)  # type: ignore[arg-type]
    overlap = low <= mine if role == "buyer" else high >= mine
    assert result.exists is overlap
    if overlap:
        assert result.gap is None and result.low is not None and result.high is not None
        assert result.low <= result.high and result.width == pytest.approx(result.high - result.low)
        assert result.probability > 0 or low == high == mine or mine == (low if role == "buyer" else high)
        # the first offer is on my aspiration side of the zone
        assert result.first_offer <= result.low if role == "buyer" else result.first_offer >= result.high
    else:
        assert result.probability == 0 and result.gap is not None and result.gap > 0
        assert "add issues" in result.advice.lower()
    # probability under a uniform belief
    if high > low:
        share = (mine - low) / (high - low) if role == "buyer" else (high - mine) / (high - low)
        assert result.probability == pytest.approx(min(1.0, max(0.0, share)))


def test_zopa_point_estimates_by_hand() -> None:
    r = zopa(150_000, 140_000, role="buyer")
    assert (r.exists, r.low, r.high, r.width, r.probability) == (True, 140_000, 150_000, 10_000, 1.0)
    assert r.first_offer == 139_500 and "139,500" in r.rationale
    r = zopa(100, 120, role="seller")
    assert (r.exists, r.low, r.high, r.width) == (True, 100, 120, 20)
    assert r.first_offer == 121
    r = zopa(100, 80, role="seller")
    assert not r.exists and r.gap == 20 and r.to_dict()["gap"] == 20
    r = zopa(100, 100, role="buyer")
    assert r.exists and r.width == 0
    with pytest.raises(AnalysisError, match="role must be"):
        zopa(1, 2, role="lender")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="mine must be a finite number"):
        zopa(float("nan"), 2)


def test_contingent_on_time_bonus_by_hand() -> None:
    # Supplier (party 0) is sure it will deliver on time (95%); the buyer thinks 70%.
    # Clause: buyer pays a 10 bonus if on time, supplier pays a 20 penalty if late.
    result = binary_contingent("on time", 0.95, 0.70, 10, -20, parties=("supplier", "buyer"),
                               controlled_by="supplier")
    assert result.expected_values[0] == pytest.approx(0.95 * 10 - 0.05 * 20)  # 8.5
    assert result.expected_values[1] == pytest.approx(-(0.70 * 10 - 0.30 * 20))  # -1.0
    assert result.creates_value is False
    assert result.betting_gain == pytest.approx(7.5)  # (0.95 - 0.70) * (10 - -20)
    assert any("moral hazard" in f and "supplier" in f for f in result.flags)
    # with a baseline price cut of 3 folded in, both expect to gain
    better = binary_contingent("on time", 0.95, 0.70, 10, -20, parties=("supplier", "buyer"), baseline=3)
    assert better.expected_values == pytest.approx((5.5, 2.0))
    assert better.creates_value is True and better.betting_gain == pytest.approx(7.5)
    assert better.to_dict()["expected_values"] == {"supplier": 5.5, "buyer": 2.0}


def test_contingent_three_outcomes_and_flags() -> None:
    result = evaluate_contingent(["low", "mid", "high"], ([0.2, 0.3, 0.5], [0.5, 0.3, 0.2]), [-10, 0, 10],
                                 measurable=False, verifiable=False)
    assert result.expected_values == pytest.approx((3.0, 3.0))
    assert result.creates_value and result.betting_gain == pytest.approx(6.0)
    assert len([f for f in result.flags if "not measurable" in f or "not verifiable" in f]) == 2
    same = evaluate_contingent(["a", "b"], ([0.5, 0.5], [0.5, 0.5]), [5, -5])
    assert same.betting_gain == 0 and not same.creates_value and any("beliefs agree" in f for f in same.flags)
    with pytest.raises(AnalysisError, match="add up to 1"):
        evaluate_contingent(["a", "b"], ([0.5, 0.6], [0.5, 0.5]), [1, 2])
    with pytest.raises(AnalysisError, match="one finite amount per outcome"):
        evaluate_contingent(["a", "b"], ([0.5, 0.5], [0.5, 0.5]), [1])
    with pytest.raises(AnalysisError, match="controlled_by"):
        evaluate_contingent(["a", "b"], ([0.5, 0.5], [0.4, 0.6]), [1, 2], controlled_by="nobody")


def test_priorities_to_points() -> None:
    table = table_from_priorities(
        ("buyer", "supplier"),
        [
            IssuePriority("price", ("$9", "$10", "$11"), ("high", "medium"), ("descending", "ascending")),
            {"id": "delivery", "options": ["1w", "2w", "4w"], "ratings": ["medium", "low"],
             "preferences": ["descending", ["4w", "2w"]]},
            {"id": "term", "options": ["1y", "3y"], "ratings": ["low", "high"], "preferences": ["ascending", "ascending"]},
        ],
        batnas=(30, 30),
    )
    price, delivery, term = table.issues
    assert price.points == ((50.0, 25.0, 0.0), (0.0, 16.666667, 33.333333))
    assert delivery.points == ((33.333333, 16.666667, 0.0), (0.0, 8.333333, 16.666667))
    assert term.points == ((0.0, 16.666667), (0.0, 50.0))
    best0 = sum(max(i.points[0]) for i in table.issues)
    assert best0 == pytest.approx(100.0)
    assert [issue_kind(i) for i in table.issues] == ["integrative", "integrative", "compatible"]
    assert max_joint(table).total > 100 and len(pareto_frontier(table)) >= 3


def test_priorities_errors() -> None:
    with pytest.raises(AnalysisError, match="issue 'x' rating of a: rating 'urgent'"):
        table_from_priorities(("a", "b"), [IssuePriority("x", ("p", "q"), ("urgent", "low"))])
    with pytest.raises(AnalysisError, match="preferred option 'z' is not one of"):
        table_from_priorities(("a", "b"), [IssuePriority("x", ("p", "q"), ("low", "low"), (["z"], "ascending"))])
    with pytest.raises(AnalysisError, match="missing field 'options'"):
        table_from_priorities(("a", "b"), [{"id": "x", "ratings": ["low", "low"]}])
    zero = table_from_priorities(("a", "b"), [IssuePriority("x", ("p", "q"), (0, "none"))])
    assert zero.issues[0].points == ((0.0, 0.0), (0.0, 0.0))


def test_priorities_repeated_preference_counts_once() -> None:
    # ["p", "q", "p"] used to count three levels (p=0, q=1/3, r=1) instead of p > q > r evenly.
    once = table_from_priorities(("a", "b"), [IssuePriority("x", ("p", "q", "r"), ("high", "high"),
                                                            (["p", "q"], "descending"))])
    twice = table_from_priorities(("a", "b"), [IssuePriority("x", ("p", "q", "r"), ("high", "high"),
                                                             (["p", "q", "p"], "descending"))])
    assert twice.issues[0].points == once.issues[0].points == ((100.0, 50.0, 0.0), (100.0, 50.0, 0.0))


@pytest.mark.parametrize(("issues", "message"), [
    ([IssuePriority("x", ("p", "q"), ("low", "low")), IssuePriority("x", ("r", "s"), ("low", "low"))],
     "issue 'x' is listed twice"),
    ([IssuePriority("x", ("p", "q", "p"), ("low", "low"))], "issue 'x': option 'p' is listed twice"),
])
def test_priorities_reject_repeated_issues_and_options(issues: list[IssuePriority], message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        table_from_priorities(("a", "b"), issues)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"baseline": float("nan")}, "baseline must be a finite number"),
    ({"payments": [1, "lots"]}, "payments: each amount must be a number"),
    ({"beliefs": ([0.5, "half"], [0.5, 0.5])}, "each probability must be a number"),
    ({"beliefs": ([0.5, float("nan")], [0.5, 0.5])}, "each probability must be a finite number"),
])
def test_contingent_bad_numbers_are_analysis_errors(kwargs: dict, message: str) -> None:
    # A NaN baseline used to give NaN expected values silently; text raised a bare ValueError.
    args = {"outcomes": ["a", "b"], "beliefs": ([0.5, 0.5], [0.4, 0.6]), "payments": [1, 2], **kwargs}
    with pytest.raises(AnalysisError, match=message):
        evaluate_contingent(**args)
