"""Exact grading of concept drills and the offline rubric on a table of good and bad rephrasings."""

from __future__ import annotations

import pytest

from coach.practice.drills import DrillBank, DrillError
from coach.practice.grading import MAX_RESPONSE_CHARS, clean_response, grade, offline_rubric


def test_multiple_choice_by_letter_number_or_text(bank: DrillBank) -> None:
    drill = bank.get("meso-what")  # answer index 1
    assert grade(drill, "B").correct and grade(drill, "b)").correct and grade(drill, "2").correct
    text = drill.choices[1]  # type: ignore[union-attr]
    assert grade(drill, text).correct
    wrong = grade(drill, "A")
    assert wrong.correct is False and "B." in wrong.feedback and wrong.model_answer.startswith("B.")
    assert wrong.citation == "meso#what-it-is"


def test_short_answer_normalised_match(bank: DrillBank) -> None:
    drill = bank.get("batna-what")
    assert grade(drill, "Best Alternative To a Negotiated Agreement!").correct
    assert grade(drill, "it is the best alternative to a negotiated agreement").correct
    assert not grade(drill, "bottom line").correct
    assert grade(bank.get("rp-from-batna"), "$105").correct
    assert not grade(bank.get("rp-from-batna"), "100").correct


@pytest.mark.parametrize("drill_id, answer, good", [
    # interest questions
    ("probe-rephrase-price-final", "What makes the price so important for you this quarter?", True),
    ("probe-rephrase-price-final", "Help me understand what is behind the price on your side.", True),
    ("probe-rephrase-price-final", "Why is that final? What would need to change for you?", True),
    ("probe-rephrase-price-final", "Is the price really final?", False),  # yes/no
    ("probe-rephrase-price-final", "We can pay 90k, not more.", False),  # gives a number, no question
    ("probe-rephrase-price-final", "Take it or leave it then: what's your answer?", False),  # ultimatum
    ("probe-rephrase-price-final", "OK.", False),
    ("probe-rephrase-90-days", "What would longer terms solve for your cash flow?", True),
    ("probe-rephrase-90-days", "Could you accept 60 days?", False),
    ("diag-rephrase-rank", "Of price, speed and warranty, which matters most to you and why?", True),
    ("diag-rephrase-rank", "Do you care about delivery?", False),
    # package offers
    ("logroll-rephrase-offer", "If you can accept list price, we can guarantee delivery in a week. Does that work?", True),
    ("logroll-rephrase-offer", "We need list price.", False),
    ("logroll-rephrase-offer", "List price and delivery in a week, final offer, take it or leave it.", False),
    ("sales-rephrase-discount", "If you sign a three-year term with upfront payment, we can adjust the price. Would that work?", True),
    ("sales-rephrase-discount", "Fine, 10% off.", False),
    # safe answers
    ("hiring-safe-answer", "I'm focused on the whole package; what range did you have in mind for the role?", True),
    ("hiring-safe-answer", "My minimum is 120k.", False),
    ("hiring-safe-answer", "The lowest I can go is what I make now.", False),
    ("info-safe-answer", "Reliability and timing matter most to us. What options fit that?", True),
    ("info-safe-answer", "We have 50k max.", False),
])
def test_offline_rubric_table(bank: DrillBank, drill_id: str, answer: str, good: bool) -> None:
    result = grade(bank.get(drill_id), answer)
    assert result.graded_by == "rubric-offline"
    assert result.passed is good, (result.score, result.criteria)
    assert result.feedback and result.model_answer and result.citation
    if not good:
        assert result.score is not None and result.score < 1.0


def test_rubric_feedback_names_each_miss(bank: DrillBank) -> None:
    drill = bank.get("probe-rephrase-price-final")
    result = offline_rubric(drill, "We can pay 90k, not more, final offer.")  # type: ignore[arg-type]
    assert result.criteria["no-number"] is False and result.criteria["no-ultimatum"] is False
    assert "Leave numbers out" in result.feedback and "ultimatum" in result.feedback
    assert result.to_dict().keys() >= {"score", "feedback", "model_answer", "citation"}
    assert "correct" not in result.to_dict()


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "x" * (MAX_RESPONSE_CHARS + 1), "a" * 50_000])
def test_empty_or_huge_answers_are_rejected(bad: str) -> None:
    with pytest.raises(DrillError):
        clean_response(bad)


def test_clean_response_keeps_a_normal_answer() -> None:
    assert clean_response("  B \n") == "B"
