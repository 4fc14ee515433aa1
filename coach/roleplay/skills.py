"""Skill tags for the debrief: which distributive and integrative habits helped or hurt.

Distributive: set a walk-away and target, ambitious first offer, rationale, concession size and pace,
kept the bottom line private, and (the first thing to check) a deal that beats the user's BATNA.
Integrative: asked about interests and priorities, shared own priorities, package offers instead of
issue by issue, MESO used, logrolled, left a compatible issue on the table. Each tag says why, from
the turns and the engine's figures; single-issue scenarios get the distributive tags only.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from coach.analysis.issues import best_options, issue_kind
from coach.analysis.scoring import EPS, score
from coach.domain import Table

if TYPE_CHECKING:
    from coach.roleplay.session import Branch, Plan

AMBITIOUS = 0.7  # first offer at least this share of the way from BATNA to the best
TIMID = 0.4
BIG_CONCESSION = 0.25  # one concession larger than this share of the own range is too fast

CITATIONS: dict[str, tuple[str, ...]] = {
    "walk-away-and-target": ("batna#how-to-do-it", "reservation-point#how-to-do-it"),
    "beat-your-batna": ("batna#what-it-is", "reservation-point#how-to-do-it"),
    "kept-bottom-line-private": ("reservation-point#common-mistakes", "claiming-value#how-to-do-it"),
    "ambitious-first-offer": ("first-offers-anchoring#how-to-do-it",),
    "rationale": ("first-offers-anchoring#phrases-to-say",),
    "concession-pace": ("claiming-value#how-to-do-it",),
    "asked-interests-priorities": ("probe-interests#how-to-do-it",),
    "shared-priorities": ("information-sharing#how-to-do-it",),
    "package-offers": ("package-deals#how-to-do-it",),
    "meso": ("meso#how-to-do-it",),
    "logrolled": ("logrolling#how-to-do-it",),
    "compatible-issue": ("issue-types#how-to-do-it",),
}


def _tag(out: dict[str, list[dict[str, str]]], helped: bool | None, tag: str, kind: str, why: str) -> None:
    if helped is not None:
        out["helped" if helped else "hurt"].append({"tag": tag, "kind": kind, "why": why})


def distributive_tags(table: Table, user: int, branch: Branch, dance: list[dict[str, Any]], plan: Plan,
                      out: dict[str, list[dict[str, str]]]) -> None:
    """Walk-away and target, first offer, rationale, concession pace."""
    planned = plan.walk_away is not None and plan.target is not None
    _tag(out, planned, "walk-away-and-target", "distributive",
         "set a walk-away and a target before negotiating" if planned else "no walk-away and target set beforehand")
    told = [t.index for t in branch.turns if t.move.reveals_limit]
    if told:
        _tag(out, False, "kept-bottom-line-private", "distributive",
             f"turn {told[0]}: you told them your limit, so they can hold out for exactly that")
    best = sum(max(i.points[user]) for i in table.issues)
    span = max(EPS, best - table.batnas[user])
    if dance:
        first, why = _first_offer_share(table, user, branch, dance[0], span)
        verdict = True if first >= AMBITIOUS else False if first < TIMID else None
        _tag(out, verdict, "ambitious-first-offer", "distributive", why)
    offer_turns = [t for t in branch.turns if t.offered]
    if offer_turns:
        reasons = any(t.move.rationale for t in offer_turns)
        verdict = True if reasons else (False if len(offer_turns) >= 2 else None)
        _tag(out, verdict, "rationale", "distributive",
             "gave reasons with offers" if reasons else "offers came without a rationale")
    sizes = [-s["d_own"] for s in dance if s["class"] in ("concession", "unfortunate") and s.get("d_own", 0) < -EPS]
    if sizes:
        too_big = max(sizes) > BIG_CONCESSION * span
        growing = any(b > a + EPS for a, b in pairwise(sizes))
        ok = not too_big and not growing
        why = ("concessions were small and shrinking" if ok else
               "a single concession gave away a large share" if too_big else "concessions grew instead of shrinking")
        _tag(out, ok, "concession-pace", "distributive", why)


def _first_offer_share(table: Table, user: int, branch: Branch, step: dict[str, Any], span: float) -> tuple[float, str]:
    """How ambitious the first offer was, and why. A partial offer is judged on the issues it named
    (the rest was filled in from the other side's position, which says nothing about the user's anchor)."""
    turn = next(t for t in branch.turns if t.index == step["turn"])
    offer = turn.move.offer
    if offer is not None and not offer.is_complete() and turn.effective is not None:
        named = sorted(offer.mentioned())
        rows = [table.issues[n].points[user] for n in named]
        low, high = sum(min(r) for r in rows), sum(max(r) for r in rows)
        got = sum(r[turn.effective[n]] for r, n in zip(rows, named))
        share = (got - low) / max(EPS, high - low)
        names = ", ".join(table.issues[n].name for n in named)
        return share, f"first offer asked for {share:.0%} of the best you could get on {names}"
    share = (step["own"] - table.batnas[user]) / span
    return share, f"first offer kept {share:.0%} of the way from your walk-away to your best"


def integrative_tags(table: Table, user: int, branch: Branch, dance: list[dict[str, Any]],
                     result: dict[str, Any], out: dict[str, list[dict[str, str]]]) -> None:
    """Questions, sharing, packages, MESOs, logrolling, compatible issues."""
    turns = branch.turns
    asked = any(t.move.good_question for t in turns)
    _tag(out, asked, "asked-interests-priorities", "integrative",
         "asked about interests and priorities" if asked else "never asked what the other side needs or values")
    shared = any(t.move.shares_priorities for t in turns)
    _tag(out, shared, "shared-priorities", "integrative",
         "shared your own priorities" if shared else "did not say what matters most to you")
    offers = [t for t in turns if t.move.offer is not None]
    if offers:
        partial = sum(1 for t in offers if t.move.offer is not None and not t.move.offer.is_complete())
        packages = partial * 2 <= len(offers)
        _tag(out, packages, "package-offers", "integrative",
             "offered whole packages" if packages else "haggled issue by issue")
        meso = any(t.move.offer is not None and t.move.offer.is_meso for t in offers)
        _tag(out, meso, "meso", "integrative", "made several equivalent offers at once" if meso else "never offered a MESO")
    rolled = any(s["class"] in ("fortunate", "nice") for s in dance) or any(
        t.decision.action == "improve" for t in turns)
    if offers:
        verdict = True if rolled else (False if result["agreement"] and not result["pareto_optimal"] else None)
        _tag(out, verdict, "logrolled", "integrative",
             "made trades that helped both sides" if rolled else "no trade across issues; value was left on the table")
    _compatible_tag(table, branch, out)


def _compatible_tag(table: Table, branch: Branch, out: dict[str, list[dict[str, str]]]) -> None:
    agreed = branch.state.agreement
    compatible = [n for n, i in enumerate(table.issues) if issue_kind(i) == "compatible" and len(i.options) > 1]
    if agreed is None or not compatible:
        return
    missed = [table.issues[n].name for n in compatible
              if agreed[n] not in best_options(table.issues[n].points[0]) & best_options(table.issues[n].points[1])]
    _tag(out, not missed, "compatible-issue", "integrative",
         "settled the shared-interest issues at the option both prefer" if not missed else
         f"left a compatible issue on the table: {', '.join(missed)}")


def skill_tags(table: Table, user: int, branch: Branch, dance: list[dict[str, Any]], result: dict[str, Any],
               plan: Plan) -> dict[str, list[dict[str, str]]]:
    """``{"helped": [...], "hurt": [...]}``, each ``{"tag", "kind", "why"}``."""
    out: dict[str, list[dict[str, str]]] = {"helped": [], "hurt": []}
    if result["agreement"] and not result["beats_own_batna"]:
        _tag(out, False, "beat-your-batna", "distributive",
             f"you agreed to a deal worth {result['scores'][table.parties[user]]:g} points to you, "
             f"less than your no-deal alternative ({table.batnas[user]:g}); walking away was better")
    distributive_tags(table, user, branch, dance, plan, out)
    if len(table.issues) > 1:
        integrative_tags(table, user, branch, dance, result, out)
    return out


def own_score(table: Table, user: int, package: tuple[int, ...]) -> float:
    """The user's points for a package."""
    return score(table, package)[user]
