"""The practice service: serve the day's drills, grade answers, report progress.

One object with its dependencies passed in (database, settings, bank, clock, chat model,
role-play results) so the CLI, the UI and the tests call the same code.

Answer rules: a drill is answered once per serving. ``answer`` grades the latest unanswered
serving of the drill; a drill never served, or whose servings are all answered, is rejected with
a clear message and nothing is written (get it served again with ``coach practice``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from coach.practice.drills import Drill, DrillBank, DrillError, MicroRoleplayDrill, load_bank
from coach.practice.grading import Grade, clean_response, grade
from coach.practice.progress import mastery, mistakes, open_mistake_tags, roleplay_rows, streak_days
from coach.practice.schedule import (
    CORE_PRACTICES,
    DEFAULT_COUNT,
    PlanInputs,
    Planned,
    make_scheduler,
    plan_session,
    rating_for,
    review,
)
from coach.settings import Settings
from coach.store.base import Database
from coach.store.practice import AlreadyAnswered, PracticeStore

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def load_roleplay_results(db: Database, user_id: str) -> list[dict[str, Any]]:
    """Role-play outcomes from area F's store; empty when that module is not installed."""
    try:
        from coach.store.roleplay import roleplay_results
    except ImportError:
        return []
    return list(roleplay_results(db, user_id))


@dataclass(frozen=True)
class ServedItem:
    """A drill as handed to the learner, with the serving id and why it was chosen."""

    served_id: int
    drill: Drill
    reason: str

    def public(self) -> dict[str, object]:
        """What the learner sees; a micro-roleplay carries its scenario briefing."""
        data = self.drill.public()
        if isinstance(self.drill, MicroRoleplayDrill):
            from coach.practice.microroleplay import briefing

            data["prompt"] = briefing(self.drill)
        return data


class PracticeService:
    """Daily practice for one user."""

    def __init__(self, db: Database, settings: Settings, *, bank: DrillBank | None = None,
                 clock: Clock = utc_now, model: BaseChatModel | None = None,
                 roleplays: Callable[[], list[dict[str, Any]]] | None = None) -> None:
        self.db = db
        self.settings = settings
        self.bank = bank if bank is not None else load_bank()
        self.clock = clock
        self.model = model
        self.store = PracticeStore(db, settings.user_id)
        self._roleplays = roleplays or (lambda: load_roleplay_results(db, settings.user_id))

    def now(self) -> datetime:
        now = self.clock()
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    # --- planning and serving -------------------------------------------------------------

    def _calc_maker(self, now: datetime) -> Callable[[str, int], Drill]:
        from coach.practice.generators import MAX_SEED, generate

        def make(template: str, slot: int) -> Drill:
            seed = zlib.crc32(f"{self.settings.user_id}|{now.isoformat()}|{template}|{slot}".encode()) % MAX_SEED
            return generate(template, seed)

        return make

    def plan(self, count: int = DEFAULT_COUNT) -> list[Planned]:
        """The day's session (not recorded)."""
        from coach.practice.microroleplay import available as roleplay_available

        now = self.now()
        answers = self.store.answers()
        known = self.bank.practices()
        inputs = PlanInputs(
            bank=self.bank, drill_cards=self.store.cards("drill"),
            mastery=mastery(answers, self.store.cards("skill"), known, now),
            open_tags=open_mistake_tags(answers, self._roleplays(), self.bank, known),
            now=now, make_calc=self._calc_maker(now), allow_roleplay=roleplay_available(),
        )
        return plan_session(inputs, count)

    def serve(self, planned: list[Planned]) -> list[ServedItem]:
        """Record drills as served (committed) and return them with their serving ids."""
        ids = self.store.serve(
            [(p.drill.id, p.drill.card_key, p.drill.practice, p.drill.kind_name, p.reason) for p in planned],
            self.now(),
        )
        return [ServedItem(i, p.drill, p.reason) for i, p in zip(ids, planned)]

    def start_session(self, count: int = DEFAULT_COUNT) -> list[ServedItem]:
        """Plan and record the day's drills (the JSON command)."""
        return self.serve(self.plan(count))

    # --- answering ------------------------------------------------------------------------

    def _open_serving(self, drill_id: str) -> int:
        servings = self.store.servings(drill_id)
        open_ = [s for s in servings if s.answered_at is None]
        if open_:
            return open_[0].id
        if servings:
            raise DrillError(
                f"drill '{drill_id}' was already answered; each serving takes one answer "
                "(run `coach practice` to get it served again)"
            )
        raise DrillError(f"drill '{drill_id}' has not been served yet; get it with `coach practice --json` first")

    def answer(self, drill_id: str, response: str) -> Grade:
        """Grade one answer and update the schedule, all in one committed transaction."""
        drill = self.bank.get(drill_id)
        text = clean_response(response)
        served_id = self._open_serving(drill.id)
        result = grade(drill, text, self.model)
        now = self.now()
        rating = rating_for(result.value, result.passed)
        scheduler = make_scheduler()
        drill_cards, skill_cards = self.store.cards("drill"), self.store.cards("skill")
        cards = [review(scheduler, "drill", drill.card_key, drill_cards.get(drill.card_key), rating, now)]
        cards += [review(scheduler, "skill", tag, skill_cards.get(tag), rating, now) for tag in drill.skill_tags]
        answer = {
            "drill_id": drill.id, "card_key": drill.card_key, "practice": drill.practice, "kind": drill.kind_name,
            "skills": list(drill.skills), "response": text, "correct": result.correct, "score": result.score,
            "value": result.value, "passed": result.passed, "rating": int(rating), "graded_by": result.graded_by,
            "feedback": result.feedback, "answered_at": now,
        }
        try:
            self.store.record_answer(served_id, answer, cards)
        except AlreadyAnswered:
            raise DrillError(f"drill '{drill.id}' was already answered; each serving takes one answer") from None
        return result

    # --- progress ---------------------------------------------------------------------------

    def progress(self) -> dict[str, Any]:
        """The ``coach progress --json`` report."""
        now = self.now()
        answers = self.store.answers()
        drill_cards = self.store.cards("drill")
        practices = sorted(set(self.bank.practices()) | set(CORE_PRACTICES))
        roleplays = self._roleplays()
        return {
            "streak_days": streak_days([a.answered_at for a in answers], self.settings.timezone, now),
            "mastery": mastery(answers, self.store.cards("skill"), practices, now),
            "reviews_due": sum(1 for c in drill_cards.values() if c.due <= now),
            "roleplays": roleplay_rows(roleplays),
            "mistakes": mistakes(answers, roleplays),
            "reviews_total": len(answers),
        }
