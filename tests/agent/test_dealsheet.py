"""Deal sheet: validated, frozen, changed only by updates; the point table it feeds the engine."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coach.agent.dealsheet import (
    DealSheet,
    DealSheetUpdate,
    apply_update,
    load_sheet,
    sheet_table,
    with_result,
)
from coach.analysis.priorities import table_from_priorities
from coach.errors import AnalysisError


def test_sheet_is_frozen_and_strict() -> None:
    sheet = DealSheet()
    with pytest.raises(ValidationError):
        sheet.reservation = 5.0  # type: ignore[misc]
    with pytest.raises(ValidationError):
        DealSheet.model_validate({"reservaton": 5})
    with pytest.raises(ValidationError):
        DealSheetUpdate.model_validate({"their_reservation_low": float("nan")})
    with pytest.raises(ValidationError):
        DealSheet(their_reservation_low=10, their_reservation_high=5)


def test_apply_update_merges_and_reports_changes() -> None:
    sheet, changed = apply_update(DealSheet(), DealSheetUpdate.model_validate({
        "reservation": 100, "issues": [{"name": "Start date", "options": ["May", "June"]}],
        "priorities": [{"issue": "start date", "side": "me", "level": "high"},
                       {"issue": "Equity", "side": "them", "level": "L"}],
        "interests": [{"party": "them", "text": "speed", "why": "a launch in June"}],
        "open_questions": ["Why June?"]}))
    assert sheet.reservation == 100
    start = sheet.issue("start-date")
    assert start is not None and start.options == ("May", "June") and start.my_priority == "High"
    equity = sheet.issue("equity")
    assert equity is not None and equity.their_priority == "Low"
    assert "reservation" in changed and "priority:me:start-date" in changed
    again, changed_again = apply_update(sheet, DealSheetUpdate.model_validate({"open_questions": ["Why June?"]}))
    assert again == sheet and changed_again == []


def test_round_trip_through_json() -> None:
    sheet, _ = apply_update(DealSheet(), DealSheetUpdate.model_validate({
        "target": 5, "forecasts": [{"outcome": "on time", "my_probability": 0.9, "their_probability": 0.5}]}))
    sheet = with_result(sheet, "zopa", {"exists": True})
    assert load_sheet(sheet.model_dump(mode="json")) == sheet
    assert sheet.differing_forecasts[0].outcome == "on time"


def test_sheet_table_matches_the_priorities_engine() -> None:
    sheet, _ = apply_update(DealSheet(), DealSheetUpdate.model_validate({
        "issues": [{"name": "price", "options": ["100", "110", "120"]}, {"name": "term", "options": ["1y", "3y"]}],
        "priorities": [{"issue": "price", "side": "me", "level": "High", "prefer": "higher"},
                       {"issue": "price", "side": "them", "level": "Low"},
                       {"issue": "term", "side": "me", "level": "Low"},
                       {"issue": "term", "side": "them", "level": "High"}]}))
    table, assumptions = sheet_table(sheet)
    expected = table_from_priorities(("me", "them"), [
        {"id": "price", "options": ["100", "110", "120"], "ratings": ["High", "Low"],
         "preferences": ["ascending", "descending"], "name": "price"},
        {"id": "term", "options": ["1y", "3y"], "ratings": ["Low", "High"],
         "preferences": ["descending", "ascending"], "name": "term"}])
    assert table == expected
    assert assumptions == []


def test_sheet_table_needs_two_issues() -> None:
    with pytest.raises(AnalysisError, match="at least 2"):
        sheet_table(DealSheet())
