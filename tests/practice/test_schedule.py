"""FSRS scheduling per drill and per skill, and the day's session plan."""

from __future__ import annotations

from datetime import timedelta

from coach.practice.drills import DrillBank
from coach.practice.schedule import (
    PlanInputs,
    make_scheduler,
    plan_session,
    practices_for_tag,
    rating_for,
    review,
)
from coach.practice.service import PracticeService
from tests.practice.conftest import FakeClock, correct_answer, wrong_answer


def _serve_and_answer(service: PracticeService, drill_id: str, response: str) -> None:
    drill = service.bank.get(drill_id)
    from coach.practice.schedule import Planned

    service.serve([Planned(drill, "weak")])
    service.answer(drill_id, response)


def test_failed_drill_is_due_sooner_than_passed(service: PracticeService, clock: FakeClock) -> None:
    passed, failed = service.bank.get("meso-what"), service.bank.get("logroll-what")
    _serve_and_answer(service, passed.id, correct_answer(passed))
    _serve_and_answer(service, failed.id, wrong_answer(failed))
    cards = service.store.cards("drill")
    assert cards[failed.id].due < cards[passed.id].due
    assert cards[failed.id].due - clock.now <= timedelta(days=1)
    assert cards[passed.id].due - clock.now >= timedelta(days=2)
    assert cards[failed.id].lapses == 1 and cards[passed.id].lapses == 0
    skills = service.store.cards("skill")
    assert {"meso", "package-deals", "logrolling", "sources-of-value"} <= set(skills)


def test_a_second_pass_pushes_the_card_further_out(service: PracticeService, clock: FakeClock) -> None:
    drill = service.bank.get("meso-what")
    start = clock.now
    _serve_and_answer(service, drill.id, correct_answer(drill))
    first_due = service.store.cards("drill")[drill.id].due
    clock.now = first_due
    _serve_and_answer(service, drill.id, correct_answer(drill))
    second_due = service.store.cards("drill")[drill.id].due
    assert second_due - first_due > first_due - start


def test_due_reviews_come_first(service: PracticeService, clock: FakeClock) -> None:
    failed = [service.bank.get("logroll-what"), service.bank.get("batna-example")]
    for drill in failed:
        _serve_and_answer(service, drill.id, wrong_answer(drill))
    clock.advance(days=1, hours=1)
    plan = service.plan(5)
    assert len(plan) == 5
    assert [p.reason for p in plan[:2]] == ["due", "due"]
    assert {p.drill.id for p in plan[:2]} == {d.id for d in failed}
    assert all(p.reason == "weak" for p in plan[2:])


def test_calculation_cards_bring_fresh_numbers(service: PracticeService, clock: FakeClock) -> None:
    plan = service.plan(10)
    calc = next(p.drill for p in plan if p.drill.kind == "calculation")
    _serve_and_answer(service, calc.id, "definitely not right")
    clock.advance(days=2)
    due = [p.drill for p in service.plan(5) if p.reason == "due"]
    assert [d.card_key for d in due] == [calc.card_key]
    assert due[0].id != calc.id  # new seed, same template


def test_mistake_tags_from_roleplays_enter_the_session(make_service, roleplays, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    roleplays.append({"scenario": "job-offer", "date": clock.now.isoformat(), "share_of_max": 0.6,
                      "pareto_optimal": False, "own_share": 0.5, "tags": ["no-meso", "revealed-bottom-line"]})
    service = make_service()
    plan = service.plan(5)
    mistakes = [p for p in plan if p.reason == "mistake"]
    assert {p.drill.practice for p in mistakes} == {"meso", "information-sharing"}
    assert [p.reason for p in plan] == ["mistake", "mistake", "weak", "weak", "weak"]


def test_mistake_comes_back_until_fixed(make_service, roleplays, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    roleplays.append({"scenario": "job-offer", "date": clock.now.isoformat(), "share_of_max": 0.6,
                      "pareto_optimal": False, "own_share": 0.5, "tags": ["no-meso"]})
    clock.advance(minutes=5)
    service = make_service()
    first = next(p.drill for p in service.plan(5) if p.reason == "mistake")
    _serve_and_answer(service, first.id, wrong_answer(first))
    clock.advance(days=1)
    assert any(p.reason == "mistake" for p in service.plan(5))  # still open
    again = next(p.drill for p in service.plan(5) if p.reason == "mistake")
    _serve_and_answer(service, again.id, correct_answer(again))
    assert not any(p.reason == "mistake" for p in service.plan(5))  # fixed


def test_tag_mapping() -> None:
    known = {"meso", "information-sharing", "probe-interests", "logrolling"}
    assert practices_for_tag("meso", known) == {"meso"}
    assert practices_for_tag("revealed-bottom-line", known) == {"information-sharing"}
    assert practices_for_tag("no-interest-questions", known) == {"probe-interests"}
    assert practices_for_tag("weird", known) == set()


def test_plan_count_and_uniqueness(bank: DrillBank, clock: FakeClock) -> None:
    from coach.practice.generators import generate

    inputs = PlanInputs(bank=bank, drill_cards={}, mastery={}, open_tags=[], now=clock.now,
                        make_calc=lambda template, slot: generate(template, 1000 + slot))
    for count in (1, 5, 12):
        plan = plan_session(inputs, count)
        assert len(plan) == count
        assert len({p.drill.card_key for p in plan}) == count
    kinds = {p.drill.kind for p in plan_session(inputs, 5)}
    assert len(kinds) >= 2  # a mix, not five of one kind


def test_weakest_skills_first(bank: DrillBank, clock: FakeClock) -> None:
    from coach.practice.generators import generate

    mastery = {p: 90 for p in bank.practices()}
    mastery["document-trades"] = 5
    inputs = PlanInputs(bank=bank, drill_cards={}, mastery=mastery, open_tags=[], now=clock.now,
                        make_calc=lambda template, slot: generate(template, slot))
    assert plan_session(inputs, 1)[0].drill.practice == "document-trades"


def test_rating_and_review_are_deterministic(clock: FakeClock) -> None:
    scheduler = make_scheduler()
    a = review(scheduler, "drill", "x", None, rating_for(1.0, True), clock.now)
    b = review(scheduler, "drill", "x", None, rating_for(1.0, True), clock.now)
    assert a == b
