"""The preparation checklist: items, their practices, completion share, the next question."""

from __future__ import annotations

from typing import Any

import pytest

from coach.agent.dealsheet import DealSheet, DealSheetUpdate, apply_update, with_result
from coach.agent.progress import CHECKLIST, first_unmet, next_question, progress


def _sheet(**update: Any) -> DealSheet:
    return apply_update(DealSheet(), DealSheetUpdate.model_validate(update))[0]


def test_items_know_their_practice(kb: Any) -> None:
    ids = [item.id for item in CHECKLIST]
    assert ids == ["walkaway", "target", "issues", "priorities", "interests", "their_reservation", "zopa",
                   "trades", "mesos", "contingencies", "questions"]
    for item in CHECKLIST:
        assert kb.get(f"{item.practice}#how-to-do-it") is not None, item.practice


def test_empty_sheet() -> None:
    state = progress(DealSheet())
    assert state == {"done": [], "todo": [i.id for i in CHECKLIST], "share": 0.0}
    assert next_question(DealSheet()) == (CHECKLIST[0].question, "batna")


@pytest.mark.parametrize(("update", "done"), [
    ({"my_batna": "other offer", "reservation": 100}, "walkaway"),
    ({"target": 150}, "target"),
    ({"issues": [{"name": f"issue {n}"} for n in range(8)]}, "issues"),
    ({"interests": [{"party": "them", "text": "speed", "why": "launch"}]}, "interests"),
    ({"their_reservation_low": 90}, "their_reservation"),
    ({"open_questions": ["a?", "b?", "c?"]}, "questions"),
    ({"forecasts_checked": True}, "contingencies"),
])
def test_each_fact_completes_its_item(update: dict[str, Any], done: str) -> None:
    assert progress(_sheet(**update))["done"] == [done]


def test_partial_facts_do_not_complete() -> None:
    assert progress(_sheet(reservation=100))["done"] == []
    assert progress(_sheet(issues=[{"name": "price"}] + [{"name": f"i{n}"} for n in range(6)]))["done"] == []
    assert progress(_sheet(interests=[{"party": "them", "text": "speed"}]))["done"] == []
    differing = _sheet(forecasts_checked=True, forecasts=[{"outcome": "x", "my_probability": 0.9,
                                                           "their_probability": 0.5}])
    assert "contingencies" not in progress(differing)["done"]


def test_tool_results_complete_items_and_share() -> None:
    sheet = _sheet(my_batna="x", reservation=1, target=2)
    sheet = with_result(with_result(sheet, "zopa", {}), "mesos", {"mesos": [{}, {}, {}]})
    state = progress(sheet)
    assert state["done"] == ["walkaway", "target", "zopa", "mesos"]
    assert state["share"] == pytest.approx(4 / 11, abs=1e-4)
    assert first_unmet(sheet).id == "issues"  # type: ignore[union-attr]
