"""The debrief: outcome against the frontier, the offer dance, skill tags, calibration, citations.

Every figure comes from the engine (``check_deal``, ``pareto_frontier``); the offer dance follows
Hindriks, Jonker & Tykhonov's step classes, computed against both tables. Branches of a rewound
session are compared side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coach.analysis.deal import check_deal, dominating_points
from coach.analysis.pareto import max_joint, pareto_frontier
from coach.analysis.scoring import DECIMALS, EPS, package_to_dict, score
from coach.domain import Package, Table
from coach.roleplay.skills import CITATIONS, skill_tags

if TYPE_CHECKING:
    from coach.roleplay.session import Branch, RolePlaySession

DANCE_CLASSES = ("concession", "selfish", "fortunate", "unfortunate", "nice", "silent")


@dataclass(frozen=True, slots=True)
class Calibration:
    """The user's guesses before the reveal: own share of the pie (0..1) and the other side's top issues."""

    own_share: float | None = None
    top_priorities: tuple[str, ...] = ()


def outcome(table: Table, user: int, package: Package | None) -> dict[str, Any]:
    """Agreement, both scores, joint, share_of_max, pareto_optimal, value_left, better-for-both packages."""
    frontier = pareto_frontier(table)
    best = max_joint(table, frontier)
    base = sum(table.batnas)
    names = table.parties
    if package is not None:
        check = check_deal(table, package, frontier)
        scores, total, share = check.scores, check.total, check.share_of_max
        optimal, left, better = check.pareto_optimal, check.value_left, check.better_for_both
    else:
        scores = (table.batnas[0], table.batnas[1])
        total = round(base, DECIMALS)
        denominator = best.total - base
        share = 0.0 if abs(denominator) > EPS else None
        optimal, left = False, round(max(0.0, best.total - total), DECIMALS)
        better = dominating_points(scores, frontier)[:5]
    pie = best.total - base
    own = None if abs(pie) <= EPS else round((scores[user] - table.batnas[user]) / pie, 4)
    return {
        "agreement": package is not None,
        "package": None if package is None else package_to_dict(table, package),
        "scores": {names[0]: scores[0], names[1]: scores[1]},
        "joint": total,
        "max_joint": best.total,
        "share_of_max": share,
        "pareto_optimal": optimal,
        "value_left": left,
        "own_share": own,
        "beats_own_batna": package is not None and scores[user] >= table.batnas[user] - EPS,
        "better_for_both": [p.to_dict(table) for p in better],
    }


def classify_step(d_self: float, d_other: float) -> str:
    """Hindriks/Jonker/Tykhonov step class from the change in own and other utility."""
    if abs(d_self) <= EPS and abs(d_other) <= EPS:
        return "silent"
    if d_self <= EPS and d_other < -EPS:
        return "unfortunate"
    if d_self < -EPS:
        return "concession"
    if abs(d_self) <= EPS:
        return "nice"
    return "fortunate" if d_other > EPS else "selfish"


def offer_dance(table: Table, user: int, branch: Branch) -> list[dict[str, Any]]:
    """Each user offer after the first, classified against both tables."""
    steps: list[dict[str, Any]] = []
    previous: Package | None = None
    for turn in branch.turns:
        if turn.effective is None or not turn.offered:
            continue
        now = score(table, turn.effective)
        if previous is None:
            steps.append({"turn": turn.index, "class": "opening", "own": now[user], "other": now[1 - user]})
        else:
            before = score(table, previous)
            d_self, d_other = now[user] - before[user], now[1 - user] - before[1 - user]
            steps.append({"turn": turn.index, "class": classify_step(d_self, d_other), "own": now[user],
                          "other": now[1 - user], "d_own": round(d_self, DECIMALS), "d_other": round(d_other, DECIMALS)})
        previous = turn.effective
    return steps


def calibration_score(table: Table, user: int, result: dict[str, Any], guess: Calibration | None) -> dict[str, Any] | None:
    """How close the guesses were: share error, and hits among the other side's actual top issues."""
    if guess is None:
        return None
    other = 1 - user
    weights = [(max(i.points[other]) - min(i.points[other]), -n, i.id) for n, i in enumerate(table.issues)]
    k = max(1, min(len(guess.top_priorities) or 2, len(table.issues)))
    actual = [w[2] for w in sorted(weights, reverse=True)[:k]]
    out: dict[str, Any] = {"actual_own_share": result["own_share"], "actual_top_priorities": actual}
    if guess.own_share is not None and result["own_share"] is not None:
        error = round(abs(guess.own_share - result["own_share"]), 4)
        out.update(guessed_own_share=guess.own_share, share_error=error, share_well_calibrated=error <= 0.1)
    if guess.top_priorities:
        hits = [x for x in guess.top_priorities if x in actual]
        out.update(guessed_top_priorities=list(guess.top_priorities), priority_hits=len(hits),
                   priority_precision=round(len(hits) / len(guess.top_priorities), 4))
    return out


def branch_debrief(session: RolePlaySession, name: str, guess: Calibration | None = None) -> dict[str, Any]:
    """The full debrief of one branch."""
    branch = session.branches[name]
    table, user = session.table, session.user
    result = outcome(table, user, branch.state.agreement)
    dance = offer_dance(table, user, branch)
    tags = skill_tags(table, user, branch, dance, result, session.plan)
    cites = citations(tags, result, table)
    return {
        "branch": name,
        "parent": branch.parent,
        "from_turn": branch.from_turn,
        "turns": len(branch.turns),
        "ended_by": branch.state.outcome,
        **result,
        "offer_dance": dance,
        "skills": tags,
        "calibration": calibration_score(table, user, result, guess),
        "citations": cites,
    }


def citations(tags: dict[str, list[dict[str, str]]], result: dict[str, Any], table: Table) -> list[str]:
    """Practice chunk ids that would have helped (for each skill that hurt), most useful first."""
    out: list[str] = []
    for tag in tags["hurt"]:
        out.extend(CITATIONS.get(tag["tag"], ()))
    if result["agreement"] and not result["pareto_optimal"]:
        out.append("post-settlement#how-to-do-it")
    if len(table.issues) == 1:
        out.append("when-not-to-expand#what-it-is")
    out.append("debrief#how-to-do-it")
    return list(dict.fromkeys(out))


def debrief(session: RolePlaySession, guess: Calibration | None = None) -> dict[str, Any]:
    """Debrief of the current branch, with every branch compared when the session was rewound."""
    main = branch_debrief(session, session.current, guess)
    compared = [_summary(branch_debrief(session, name)) for name in session.branches]
    main["branches"] = compared
    main["scenario"] = session.scenario.id
    main["side"] = session.side
    main["difficulty"] = session.difficulty
    return main


def _summary(d: dict[str, Any]) -> dict[str, Any]:
    keys = ("branch", "parent", "from_turn", "turns", "agreement", "scores", "joint", "share_of_max",
            "pareto_optimal", "value_left", "own_share")
    return {k: d[k] for k in keys}


def dance_counts(dance: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many user moves fell in each class."""
    counts = {c: 0 for c in DANCE_CLASSES}
    for step in dance:
        if step["class"] in counts:
            counts[step["class"]] += 1
    return counts
