"""Streaks in the user's time zone, mastery from review history, mistakes per tag."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from coach.errors import CoachError
from coach.practice.progress import mastery, mistakes, streak_days
from coach.practice.schedule import Planned
from coach.practice.service import PracticeService
from coach.settings import Settings
from coach.store.practice import AnswerRecord
from tests.practice.conftest import FakeClock, correct_answer, wrong_answer


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_streak_counts_calendar_days_in_the_users_zone() -> None:
    # 23:30 UTC on Mar 9 is Mar 10 in Tokyo; 00:30 UTC on Mar 10 is still Mar 9 in New York.
    done = [at("2025-03-08T12:00:00+00:00"), at("2025-03-09T23:30:00+00:00"), at("2025-03-10T12:00:00+00:00")]
    now = at("2025-03-10T13:00:00+00:00")
    assert streak_days(done, "UTC", now) == 3
    # Tokyo days: Mar 8 (21:00), Mar 10 (08:30), Mar 10 (21:00): nothing on Mar 9, so only today counts
    assert streak_days(done, "Asia/Tokyo", now) == 1
    ny = [at("2025-03-09T03:00:00+00:00"), at("2025-03-10T00:30:00+00:00"), at("2025-03-10T16:00:00+00:00")]
    # New York days: Mar 8 (22:00), Mar 9 (20:30), Mar 10 (12:00)
    assert streak_days(ny, "America/New_York", at("2025-03-10T17:00:00+00:00")) == 3
    assert streak_days(ny, "UTC", at("2025-03-10T17:00:00+00:00")) == 2  # Mar 9, Mar 10


def test_gap_day_resets_and_yesterday_keeps_it_alive() -> None:
    days = [at(f"2025-03-0{d}T10:00:00+00:00") for d in (1, 2, 4, 5)]
    assert streak_days(days, "UTC", at("2025-03-05T20:00:00+00:00")) == 2  # gap on Mar 3
    assert streak_days(days, "UTC", at("2025-03-06T08:00:00+00:00")) == 2  # not practised yet today
    assert streak_days(days, "UTC", at("2025-03-07T08:00:00+00:00")) == 0  # missed a whole day
    assert streak_days([], "UTC", at("2025-03-07T08:00:00+00:00")) == 0


def test_bad_time_zone_is_a_clear_error() -> None:
    with pytest.raises(CoachError, match="COACH_TIMEZONE"):
        streak_days([], "Mars/Olympus", at("2025-03-07T08:00:00+00:00"))


def _answer(service: PracticeService, drill_id: str, good: bool) -> None:
    drill = service.bank.get(drill_id)
    service.serve([Planned(drill, "weak")])
    service.answer(drill_id, correct_answer(drill) if good else wrong_answer(drill))


def test_streak_through_the_service_with_an_injected_clock(make_service, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(at("2025-03-10T23:30:00+00:00"))
    tokyo = Settings(data_dir=tmp_path, user_id="tz", timezone="Asia/Tokyo", llm_provider="offline")
    service = make_service(clock=clock, settings=tokyo)
    _answer(service, "meso-what", True)  # Mar 11 in Tokyo
    clock.advance(hours=12)  # Mar 11 11:30 UTC = Mar 11 20:30 Tokyo
    _answer(service, "logroll-what", True)
    assert service.progress()["streak_days"] == 1
    clock.advance(hours=12)  # Mar 12 08:30 Tokyo
    _answer(service, "batna-example", False)  # a wrong answer still completes a drill
    assert service.progress()["streak_days"] == 2
    clock.advance(days=2)
    assert service.progress()["streak_days"] == 0


def test_mastery_rises_with_correct_answers(service: PracticeService, clock: FakeClock) -> None:
    drills = [d.id for d in service.bank.by_practice("meso") if d.kind == "concept"]
    values = [service.progress()["mastery"]["meso"]]
    for drill_id in drills[:4]:
        _answer(service, drill_id, True)
        clock.advance(hours=1)
        values.append(service.progress()["mastery"]["meso"])
    assert values[0] == 0
    assert all(b > a for a, b in itertools.pairwise(values)), values
    assert 0 < values[-1] <= 100
    before = values[-1]
    for drill_id in drills[:2]:
        _answer(service, drill_id, False)  # second serving of the same drills, answered wrong
    assert service.progress()["mastery"]["meso"] < before


def test_mastery_fades_without_practice(service: PracticeService, clock: FakeClock) -> None:
    for drill_id in ("meso-what", "meso-why-reveals", "meso-equal-value", "meso-after-choice"):
        _answer(service, drill_id, True)
    fresh = service.progress()["mastery"]["meso"]
    clock.advance(days=60)
    assert service.progress()["mastery"]["meso"] < fresh


def test_mastery_and_mistakes_unit() -> None:
    now = at("2025-03-10T10:00:00+00:00")
    answers = [AnswerRecord("a", "a", "meso", "concept", ("meso", "package-deals"), 0.0, False, now),
               AnswerRecord("b", "b", "meso", "concept", ("meso",), 1.0, True, now + timedelta(minutes=1))]
    assert mastery(answers, {}, ["meso", "batna"], now) == {"meso": 0, "batna": 0}  # no skill card: recall 0
    counts = mistakes(answers, [{"tags": ["no-meso", "no-meso"]}, {"tags": ["no-meso"]}])
    assert counts == {"no-meso": 2, "meso": 1, "package-deals": 1}


@pytest.mark.parametrize(("tags", "hurt", "helped"), [
    ({"hurt": "meso", "helped": "rationale"}, ["meso"], ["rationale"]),
    ("meso", ["meso"], []),
    (["meso", "batna"], ["meso", "batna"], []),
    ({"hurt": None}, [], []),
    (None, [], []),
])
def test_debrief_tags_accept_a_bare_string(tags: object, hurt: list[str], helped: list[str]) -> None:
    # A single tag written as a string used to become one tag per character ("m", "e", "s", "o").
    from coach.practice.progress import helped_tags, hurt_tags

    result = {"scenario": "job-offer", "tags": tags}
    assert hurt_tags(result) == hurt and helped_tags(result) == helped
    assert mistakes([], [result]) == dict.fromkeys(hurt, 1)
