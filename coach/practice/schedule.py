"""Spaced repetition with FSRS (``fsrs`` 6.x), per drill and per skill, and the day's session plan.

The scheduler works in days (no same-day learning steps, no fuzzing), which suits a once-a-day
routine and keeps schedules reproducible: a failed drill comes back the next day, a passed one
after FSRS's interval. Calculation drills share one card per template, so a due review brings
fresh numbers. A session mixes, in this order: due reviews (most overdue first), drills for the
open mistake tags from recent role-play debriefs, then the weakest skills (lowest mastery).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from coach.practice.drills import Drill, DrillBank
from coach.store.practice import CardState

if TYPE_CHECKING:
    from fsrs import Rating, Scheduler

DEFAULT_COUNT = 5
CORE_PRACTICES = ("probe-interests", "meso", "post-settlement", "logrolling", "contingent-contracts",
                  "debrief", "map-the-zopa")
MAX_COUNT = 50
MISTAKE_SHARE = 0.4  # at most this share of a session goes to open role-play mistakes
Reason = str  # "due" | "mistake" | "weak"

# Words in a role-play debrief tag -> the practice or concept that trains it.
TAG_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("meso", "meso"), ("single-offer", "meso"), ("one-offer", "meso"),
    ("logroll", "logrolling"), ("trade", "logrolling"),
    ("contingen", "contingent-contracts"), ("bet", "contingent-contracts"),
    ("zopa", "map-the-zopa"), ("reservation", "reservation-point"), ("batna", "batna"),
    ("bottom-line", "information-sharing"), ("reveal", "information-sharing"), ("disclos", "information-sharing"),
    ("anchor", "first-offers-anchoring"), ("first-offer", "first-offers-anchoring"),
    ("question", "probe-interests"), ("interest", "probe-interests"), ("priorit", "probe-interests"),
    ("diagnos", "diagnostic-questions"),
    ("pareto", "pareto-efficiency"), ("dominated", "pareto-efficiency"),
    ("value-left", "post-settlement"), ("post-settlement", "post-settlement"), ("left-on-table", "post-settlement"),
    ("single-issue", "package-deals"), ("one-issue", "package-deals"), ("piecemeal", "package-deals"),
    ("package", "package-deals"), ("fixed-pie", "fixed-pie-bias"), ("concession", "claiming-value"),
    ("claim", "claiming-value"), ("split", "claiming-value"), ("ultimatum", "ethics-and-relationships"),
    ("threat", "ethics-and-relationships"), ("add-issue", "adding-issues"), ("new-issue", "adding-issues"),
    ("debrief", "debrief"), ("document", "document-trades"),
)


def make_scheduler() -> Scheduler:
    """FSRS with day-level intervals and no fuzzing (deterministic, once-a-day cadence)."""
    from fsrs import Scheduler

    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def rating_for(value: float, passed: bool) -> Rating:
    """Answer quality -> FSRS rating: a clear miss (value < 0.5) is Again, a near miss Hard, a pass
    Good. Easy is not used."""
    from fsrs import Rating

    if not passed:
        return Rating.Again if value < 0.5 else Rating.Hard
    return Rating.Good


def _card_id(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) + 1


def review(scheduler: Scheduler, scope: str, key: str, state: CardState | None, rating: Rating,
           now: datetime) -> CardState:
    """The card after one review at ``now`` (a new card when ``state`` is None)."""
    from fsrs import Card, Rating

    card = Card.from_dict(state.card) if state else Card(card_id=_card_id(f"{scope}:{key}"), due=now)  # type: ignore[arg-type]
    new, _log = scheduler.review_card(card, rating, review_datetime=now)
    return CardState(scope, key, dict(new.to_dict()), new.due, (state.reviews if state else 0) + 1,
                     (state.lapses if state else 0) + (1 if rating == Rating.Again else 0))


def retrievability(scheduler: Scheduler, state: CardState | None, now: datetime) -> float:
    """FSRS's predicted recall probability now (0 for a card never reviewed)."""
    from fsrs import Card

    if state is None:
        return 0.0
    return float(scheduler.get_card_retrievability(Card.from_dict(state.card), now))  # type: ignore[arg-type]


# The role-play debrief's skill tags (coach/roleplay/skills.py) -> the doc that trains them.
DEBRIEF_TAGS: dict[str, str] = {
    "walk-away-and-target": "reservation-point",
    "ambitious-first-offer": "first-offers-anchoring",
    "rationale": "first-offers-anchoring",
    "concession-pace": "claiming-value",
    "asked-interests-priorities": "probe-interests",
    "shared-priorities": "information-sharing",
    "package-offers": "package-deals",
    "meso": "meso",
    "logrolled": "logrolling",
    "compatible-issue": "issue-types",
}


def practices_for_tag(tag: str, known: Iterable[str]) -> set[str]:
    """Practice/concept ids a debrief tag points to: itself if it is one, the debrief map, else keywords."""
    known = set(known)
    if tag in known:
        return {tag}
    if tag in DEBRIEF_TAGS and DEBRIEF_TAGS[tag] in known:
        return {DEBRIEF_TAGS[tag]}
    return {practice for word, practice in TAG_KEYWORDS if word in tag and practice in known}


def drill_matches_tag(drill: Drill, tag: str, known: Iterable[str]) -> bool:
    """True when the drill trains the skill a tag names."""
    return tag in drill.skills or drill.practice in practices_for_tag(tag, known)


@dataclass(frozen=True)
class Planned:
    """One drill of the day's session and why it was chosen."""

    drill: Drill
    reason: Reason


@dataclass
class PlanInputs:
    """What the planner needs; built by the service from the store (tests build it directly)."""

    bank: DrillBank
    drill_cards: dict[str, CardState]
    mastery: dict[str, int]
    open_tags: Sequence[str]
    now: datetime
    make_calc: Callable[[str, int], Drill]  # (template, slot) -> a fresh calculation drill
    allow_roleplay: bool = False


def _candidates(inputs: PlanInputs, practice: str) -> list[Drill]:
    from coach.practice.generators import TEMPLATE_PRACTICES

    drills: list[Drill] = [d for d in inputs.bank.by_practice(practice)
                           if inputs.allow_roleplay or d.kind != "micro-roleplay"]
    for template, owner in TEMPLATE_PRACTICES.items():
        if owner == practice:
            drills.append(inputs.make_calc(template, len(drills)))
    return drills


def _fresh_first(inputs: PlanInputs, drills: Sequence[Drill], kinds: set[str]) -> Drill | None:
    """Prefer drills never reviewed, then a kind not yet in the session, then the earliest due."""
    day = inputs.now.date().isoformat()

    def key(d: Drill) -> tuple[bool, bool, bool, datetime, int]:
        card = inputs.drill_cards.get(d.card_key)
        rotation = zlib.crc32(f"{day}|{d.card_key}".encode())  # a different fresh drill each day
        return (card is not None, d.kind in kinds, d.kind == "calculation", card.due if card else inputs.now,
                rotation)

    return min(drills, key=key) if drills else None


def plan_session(inputs: PlanInputs, count: int = DEFAULT_COUNT) -> list[Planned]:
    """The day's drills: due reviews first, then open mistakes, then the weakest skills."""
    from coach.practice.generators import TEMPLATE_PRACTICES

    count = max(1, min(int(count), MAX_COUNT))
    chosen: list[Planned] = []
    used: set[str] = set()  # card keys already in the session

    def take(drill: Drill | None, reason: Reason) -> bool:
        if drill is None or drill.card_key in used or len(chosen) >= count:
            return False
        chosen.append(Planned(drill, reason))
        used.add(drill.card_key)
        return True

    known = set(inputs.bank.practices())
    tags = list(dict.fromkeys(inputs.open_tags))
    n_mistakes = min(len(tags), max(1, round(count * MISTAKE_SHARE))) if tags else 0
    due = sorted((c for c in inputs.drill_cards.values() if c.due <= inputs.now), key=lambda c: (c.due, c.key))
    for card in due:
        if len(chosen) >= count - n_mistakes:
            break
        if card.key.startswith("calc-") and card.key[5:] in TEMPLATE_PRACTICES:
            take(inputs.make_calc(card.key[5:], len(chosen)), "due")
        elif card.key in inputs.bank.drills:
            drill = inputs.bank.drills[card.key]
            if inputs.allow_roleplay or drill.kind != "micro-roleplay":
                take(drill, "due")
    for tag in tags:
        if sum(p.reason == "mistake" for p in chosen) >= n_mistakes:
            break
        pool = [d for p in sorted(practices_for_tag(tag, known) or {tag}) for d in _candidates(inputs, p)]
        pool += [d for d in inputs.bank if tag in d.skills]
        pool = [d for d in pool if d.card_key not in used and drill_matches_tag(d, tag, known)]
        take(_fresh_first(inputs, pool, {p.drill.kind for p in chosen}), "mistake")
    weakest = sorted(known, key=lambda p: (inputs.mastery.get(p, 0), p not in CORE_PRACTICES, p))
    rounds = 0
    while len(chosen) < count and rounds < 3:
        before = len(chosen)
        for practice in weakest:
            if len(chosen) >= count:
                break
            pool = [d for d in _candidates(inputs, practice) if d.card_key not in used]
            take(_fresh_first(inputs, pool, {p.drill.kind for p in chosen}), "weak")
        rounds += 1
        if len(chosen) == before:
            break
    return chosen
