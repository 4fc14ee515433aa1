"""Micro-roleplays: played against the role-play engine and scored by its debrief."""

from __future__ import annotations

import pytest

from coach.practice.drills import DrillBank, DrillError
from coach.practice.grading import grade
from coach.practice.microroleplay import available, split_turns
from coach.practice.progress import mistakes, open_mistake_tags
from coach.practice.service import PracticeService, ServedItem

pytestmark = pytest.mark.skipif(not available(), reason="role-play engine not installed")


def micro(bank: DrillBank) -> list:  # type: ignore[type-arg]
    return [d for d in bank if d.kind == "micro-roleplay"]


def test_model_answers_score_full_and_bad_lines_score_zero(bank: DrillBank) -> None:
    drills = micro(bank)
    assert len(drills) >= 4
    for drill in drills:
        good = grade(drill, drill.model_answer)
        assert good.graded_by == "debrief" and good.score == 1.0, (drill.id, good.feedback)
        assert set(good.criteria) == set(drill.focus)
        bad = grade(drill, "Give me a better deal. || Now. || That's my final offer.")
        assert bad.score == 0.0 and bad.model_answer == drill.model_answer


def test_replay_is_deterministic(bank: DrillBank) -> None:
    drill = micro(bank)[0]
    assert grade(drill, drill.model_answer) == grade(drill, drill.model_answer)


def test_too_many_lines_is_a_clear_error() -> None:
    assert split_turns("a || b\nc", 3) == ["a", "b", "c"]
    with pytest.raises(DrillError, match="3 turns"):
        split_turns("a || b || c || d", 3)


def test_briefing_shows_issues_and_opening(bank: DrillBank, service: PracticeService) -> None:
    drill = bank.get("meso-micro-supplier")
    prompt = str(ServedItem(1, drill, "weak").public()["prompt"])
    assert drill.prompt in prompt and "Net 60" in prompt and "They open:" in prompt


def test_debrief_tags_from_the_roleplay_store_format(bank: DrillBank) -> None:
    results = [{"scenario": "job-offer", "date": "2025-03-01T10:00:00+00:00", "share_of_max": 0.7,
                "pareto_optimal": False, "own_share": 0.5,
                "tags": {"helped": ["rationale"], "hurt": ["meso", "asked-interests-priorities"]}},
               {"scenario": "saas-sale", "date": "2025-03-02T10:00:00+00:00", "share_of_max": 0.9,
                "pareto_optimal": True, "own_share": 0.5,
                "tags": {"helped": ["asked-interests-priorities"], "hurt": ["meso"]}}]
    assert mistakes([], results) == {"meso": 2, "asked-interests-priorities": 1}
    # asked-interests-priorities was done well in the later role-play: fixed; meso stays open
    assert open_mistake_tags([], results, bank, bank.practices()) == ["meso"]
