"""Answer rules and persistence: bad input leaves the database unchanged; answers are committed
before the call returns (visible to a fresh connection), so a killed process loses nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from coach.practice.drills import DrillError
from coach.practice.service import PracticeService
from coach.store.base import Database
from coach.store.practice import PracticeAnswerRow, PracticeCardRow, PracticeServedRow
from tests.practice.conftest import correct_answer


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every practice row, as plain tuples."""
    with db.session() as s:
        return {
            "served": [(r.id, r.drill_id, r.answered_at) for r in s.scalars(select(PracticeServedRow))],
            "answers": [(r.id, r.served_id, r.drill_id, r.value) for r in s.scalars(select(PracticeAnswerRow))],
            "cards": [(r.scope, r.key, r.due, r.reviews, str(r.card)) for r in s.scalars(select(PracticeCardRow))],
        }


def test_served_drills_are_recorded(service: PracticeService, db: Database) -> None:
    served = service.start_session(5)
    assert len(served) == 5
    rows = snapshot(db)["served"]
    assert [r[1] for r in rows] == [item.drill.id for item in served]
    assert all(r[2] is None for r in rows)


def test_answer_is_committed_before_the_call_returns(service: PracticeService, db: Database) -> None:
    item = service.start_session(3)[0]
    result = service.answer(item.drill.id, correct_answer(item.drill))
    other = Database(db.url)  # a separate engine: sees only committed data
    try:
        with other.session() as s:
            row = s.scalars(select(PracticeAnswerRow).where(PracticeAnswerRow.drill_id == item.drill.id)).one()
            assert row.value == result.value and row.served_id == item.served_id
            served = s.get(PracticeServedRow, item.served_id)
            assert served is not None and served.answered_at is not None
            keys = {(c.scope, c.key) for c in s.scalars(select(PracticeCardRow))}
            assert ("drill", item.drill.card_key) in keys and ("skill", item.drill.practice) in keys
    finally:
        other.dispose()


def test_second_answer_is_rejected_and_changes_nothing(service: PracticeService, db: Database) -> None:
    item = service.start_session(2)[0]
    service.answer(item.drill.id, correct_answer(item.drill))
    before = snapshot(db)
    with pytest.raises(DrillError, match="already answered"):
        service.answer(item.drill.id, correct_answer(item.drill))
    assert snapshot(db) == before


@pytest.mark.parametrize("drill_id, response, message", [
    ("no-such-drill", "B", "unknown drill id"),
    ("calc-zopa-notanumber", "B", "unknown drill id"),
    ("", "B", "empty"),
    ("meso-what", "", "empty"),
    ("meso-what", "   ", "empty"),
    ("meso-what", "x" * 50_000, "characters"),
    ("logroll-what", "B", "has not been served"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(service: PracticeService, db: Database,
                                                        drill_id: str, response: str, message: str) -> None:
    from coach.practice.schedule import Planned

    service.serve([Planned(service.bank.get("meso-what"), "weak")])
    before = snapshot(db)
    with pytest.raises(DrillError, match=message):
        service.answer(drill_id, response)
    assert snapshot(db) == before


def test_re_served_drill_can_be_answered_again(service: PracticeService, db: Database) -> None:
    from coach.practice.schedule import Planned

    drill = service.bank.get("meso-what")
    service.serve([Planned(drill, "weak")])
    service.answer(drill.id, "A")
    service.serve([Planned(drill, "due")])
    service.answer(drill.id, "B")
    answers = snapshot(db)["answers"]
    assert [a[3] for a in answers] == [0.0, 1.0]
    assert len({a[1] for a in answers}) == 2  # one answer per serving


def test_generated_drill_answered_by_id(service: PracticeService) -> None:
    item = next(i for i in service.start_session(10) if i.drill.kind == "calculation")
    again = service.bank.get(item.drill.id)  # rebuilt from the id alone
    assert again == item.drill
    assert service.answer(item.drill.id, item.drill.model_answer).correct  # type: ignore[union-attr]


def test_users_are_separate(make_service, db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from coach.settings import Settings

    alice = make_service(settings=Settings(data_dir=tmp_path, user_id="alice", llm_provider="offline"))
    bob = make_service(settings=Settings(data_dir=tmp_path, user_id="bob", llm_provider="offline"))
    item = alice.start_session(1)[0]
    with pytest.raises(DrillError, match="has not been served"):
        bob.answer(item.drill.id, correct_answer(item.drill))
    alice.answer(item.drill.id, correct_answer(item.drill))
    assert bob.progress()["reviews_total"] == 0 and alice.progress()["reviews_total"] == 1
