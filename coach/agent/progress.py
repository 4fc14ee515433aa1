"""The preparation checklist computed from a deal sheet, with its completion share.

Each item names the practice (knowledge doc id) it comes from and the diagnostic question the
coach asks when it is unmet; the offline engine asks the question of the first unmet item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coach.agent.dealsheet import DealSheet

MIN_ISSUES_BEYOND_PRICE = 8
MIN_QUESTIONS = 3


@dataclass(frozen=True)
class ChecklistItem:
    """One preparation step: id, label, source practice, completion test, diagnostic question."""

    id: str
    label: str
    practice: str
    done: Callable[[DealSheet], bool]
    question: str


def _both_priorities(sheet: DealSheet) -> bool:
    ranked = [i for i in sheet.issues if i.my_priority is not None and i.their_priority is not None]
    return len(sheet.issues) >= 2 and len(ranked) == len(sheet.issues)


def _contingencies(sheet: DealSheet) -> bool:
    if "contingent" in sheet.results:
        return True
    return sheet.forecasts_checked and not sheet.differing_forecasts


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("walkaway", "Walk-away (BATNA) and reservation set", "batna",
                  lambda s: bool(s.my_batna or s.my_batna_value is not None) and s.reservation is not None,
                  "If this deal falls through, what exactly will you do instead, and at what number would you "
                  "rather walk away than sign?"),
    ChecklistItem("target", "Target set", "first-offers-anchoring",
                  lambda s: s.target is not None,
                  "What is your ambitious but justifiable target: the number you would open near?"),
    ChecklistItem("issues", f"{MIN_ISSUES_BEYOND_PRICE}-12 issues mapped beyond price", "adding-issues",
                  lambda s: len(s.non_price_issues) >= MIN_ISSUES_BEYOND_PRICE,
                  "Besides price, what else could be on the table: timing, term, volume, payment, support, "
                  "scope, risk-sharing?"),
    ChecklistItem("priorities", "Priorities ranked for both sides", "logrolling",
                  _both_priorities,
                  "If you could flex on only one issue, which would it be, and which issue do you think they "
                  "care about most?"),
    ChecklistItem("interests", "Interests probed (at least one 'why' answered)", "probe-interests",
                  lambda s: any(i.party == "them" and i.why for i in s.interests),
                  "Why do they want what they are asking for? What would have to be true for this to be a clear "
                  "win for them?"),
    ChecklistItem("their_reservation", "Counterparty's likely reservation estimated", "reservation-point",
                  lambda s: s.their_reservation_low is not None or s.their_reservation_high is not None,
                  "What is the most they could pay (or the least they could accept) before walking away, as a "
                  "number or a range?"),
    ChecklistItem("zopa", "ZOPA checked", "map-the-zopa",
                  lambda s: "zopa" in s.results,
                  "Shall I check the zone of possible agreement between your walk-away and your estimate of theirs?"),
    ChecklistItem("trades", "Trades found", "logrolling",
                  lambda s: "trades" in s.results,
                  "Which issue could you give on, in exchange for something you value more? Shall I look for trades?"),
    ChecklistItem("mesos", "Three MESOs drafted", "meso",
                  lambda s: len((s.results.get("mesos") or {}).get("mesos", [])) >= 3,
                  "Shall I draft three equally good packages (MESOs) for you to put on the table at once?"),
    ChecklistItem("contingencies", "Contingencies considered where forecasts differ", "contingent-contracts",
                  _contingencies,
                  "Is there an outcome you and they predict differently (delivery, volume, adoption) that a "
                  "contingent clause could bet on?"),
    ChecklistItem("questions", "Questions ready", "probe-interests",
                  lambda s: len(s.open_questions) >= MIN_QUESTIONS,
                  "What are the three questions you most need them to answer at the table?"),
)


def item(item_id: str) -> ChecklistItem:
    """A checklist item by id."""
    for entry in CHECKLIST:
        if entry.id == item_id:
            return entry
    raise KeyError(item_id)


def progress(sheet: DealSheet) -> dict[str, Any]:
    """``{"done": [ids], "todo": [ids], "share": 0..1}`` in checklist order."""
    done = [entry.id for entry in CHECKLIST if entry.done(sheet)]
    todo = [entry.id for entry in CHECKLIST if entry.id not in done]
    return {"done": done, "todo": todo, "share": round(len(done) / len(CHECKLIST), 4)}


def first_unmet(sheet: DealSheet) -> ChecklistItem | None:
    """The first checklist item not yet done (``None`` when everything is done)."""
    return next((entry for entry in CHECKLIST if not entry.done(sheet)), None)


def next_question(sheet: DealSheet) -> tuple[str, str] | None:
    """``(question, practice id)`` for the first unmet item."""
    entry = first_unmet(sheet)
    return (entry.question, entry.practice) if entry else None
