"""Calculation drills: deterministic from the seed, expected answers equal brute-force oracles and
the engine's, wrong answers marked wrong."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.analysis.zopa import zopa
from coach.practice import calc_templates as t
from coach.practice.generators import (
    LETTERS,
    MAX_SEED,
    TEMPLATES,
    generate,
    generate_from_id,
    grade_calculation,
)

SEEDS = range(12)
seeds = st.integers(min_value=0, max_value=MAX_SEED - 1)


def brute_scores(table, package):  # independent of coach.analysis.scoring
    return (sum(i.points[0][o] for i, o in zip(table.issues, package)),
            sum(i.points[1][o] for i, o in zip(table.issues, package)))


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("seed", SEEDS)
def test_model_answer_is_graded_correct_and_drill_is_deterministic(template: str, seed: int) -> None:
    drill = generate(template, seed)
    assert drill == generate(template, seed) == generate_from_id(drill.id)
    assert drill.id == f"calc-{template}-{seed}" and drill.card_key == f"calc-{template}"
    assert grade_calculation(drill, drill.model_answer).correct


@given(seed=seeds)
@settings(max_examples=25, deadline=None)
def test_zopa_matches_oracle_and_engine(seed: int) -> None:
    role, mine, theirs, _thing, _other = t._zopa_case(seed)
    buyer_max, seller_min = (mine, theirs) if role == "buyer" else (theirs, mine)
    drill = t.zopa_drill(seed)
    engine = zopa(mine, theirs, None, role)
    if seller_min > buyer_max:
        assert drill.model_answer == "none" and not engine.exists
        assert not grade_calculation(drill, f"{seller_min:.0f}-{buyer_max:.0f}").correct
    else:
        assert (engine.low, engine.high) == (seller_min, buyer_max)
        assert grade_calculation(drill, f"{seller_min:.0f}-{buyer_max:.0f}").correct
        assert grade_calculation(drill, f"${seller_min / 1000:.0f}k to ${buyer_max / 1000:.0f}k").correct
        assert not grade_calculation(drill, f"{seller_min:.0f}-{buyer_max + 1000:.0f}").correct
        assert not grade_calculation(drill, "none").correct


@given(seed=seeds)
@settings(max_examples=25, deadline=None)
def test_trade_exactly_one_choice_helps_both(seed: int) -> None:
    _context, table, start, options, right = t._trade_case(seed)
    before = brute_scores(table, start)
    helps = [brute_scores(table, p)[0] > before[0] and brute_scores(table, p)[1] > before[1] for p in options]
    assert helps == [n == right for n in range(4)]
    drill = t.trade_drill(seed)
    for n, letter in enumerate(LETTERS):
        assert grade_calculation(drill, letter).correct == (n == right)


@given(seed=seeds)
@settings(max_examples=25, deadline=None)
def test_dominated_exactly_one_listed_package_is_dominated(seed: int) -> None:
    _context, table, options, target = t._dominated_case(seed)
    scored = [brute_scores(table, p) for p in options]

    def dominated(a, b):  # b dominates a
        return b[0] >= a[0] and b[1] >= a[1] and b != a

    flags = [any(dominated(s, o) for o in scored if o is not s) for s in scored]
    assert flags == [n == target for n in range(4)]
    drill = t.dominated_drill(seed)
    for n, letter in enumerate(LETTERS):
        assert grade_calculation(drill, letter).correct == (n == target)


@given(seed=seeds)
@settings(max_examples=15, deadline=None)
def test_meso_model_answer_is_equal_value_and_bad_sets_fail(seed: int) -> None:
    _context, table, target, tolerance, packages = t._meso_case(seed)
    assert len(set(packages)) == 3
    for p in packages:
        assert abs(brute_scores(table, p)[0] - target) <= tolerance
    drill = t.meso_drill(seed)
    one = "-".join(str(o + 1) for o in packages[0])
    assert not grade_calculation(drill, f"{one}; {one}; {one}").correct  # not different
    far = max(itertools.product(range(3), repeat=3), key=lambda p: abs(brute_scores(table, p)[0] - target))
    bad = "; ".join("-".join(str(o + 1) for o in p) for p in (packages[0], packages[1], far))
    assert not grade_calculation(drill, bad).correct
    assert not grade_calculation(drill, "1-2").correct


@given(seed=seeds)
@settings(max_examples=25, deadline=None)
def test_contingent_matches_hand_formula(seed: int) -> None:
    _event, fixed, p_you, p_them, high, low = t._contingent_case(seed)
    you = p_you * high + (1 - p_you) * low - fixed
    them = fixed - (p_them * high + (1 - p_them) * low)
    drill = t.contingent_drill(seed)
    assert grade_calculation(drill, f"{you:.0f}, {them:.0f}").correct
    assert not grade_calculation(drill, f"{you + 1000:.0f}, {them:.0f}").correct
    if abs(you - them) > 0.5:
        assert not grade_calculation(drill, f"{them:.0f}, {you:.0f}").correct


def test_choice_parsing_accepts_common_forms() -> None:
    drill = generate("trade", 3)
    right = drill.model_answer
    for form in (right, right.lower(), f"{right}.", f"{right})", f"option {right}", str(LETTERS.index(right) + 1)):
        assert grade_calculation(drill, form).correct, form
    assert not grade_calculation(drill, "maybe").correct
