"""MESOs: several packages of (near-)equal value to me that differ as much as possible for them,
and the update of my estimate of their priorities from the one they pick.

``table`` is MY view: my true points and my ESTIMATE of theirs. Candidates come from exact
restricted frontiers (for each issue they value, the best package for them that gives them
their favourite option there while keeping my score near the target), plus the frontier points
inside my band; the k offers are then picked greedily for spread in what they get per issue,
undominated ones first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from coach.analysis.pareto import (
    FrontierPoint,
    dominates,
    frontier_arrays,
    max_joint,
    nash_point,
    pareto_frontier,
)
from coach.analysis.scoring import DECIMALS, EPS, check_package, package_to_dict, score
from coach.domain import Issue, Package, Table
from coach.errors import AnalysisError

DEFAULT_TOLERANCE_SHARE = 0.03  # of my whole score range
UPDATE_RATE = 0.5  # largest relative change of one issue's weight per observed choice


@dataclass(frozen=True, slots=True)
class Meso:
    """One offer of a MESO set: the package, my score, my estimate of theirs."""

    package: Package
    my_score: float
    their_score: float
    pareto_optimal: bool = True  # w.r.t. my estimate of their points
    concedes_on: str | None = None  # issue where this offer gives them most compared with the others

    def to_dict(self, table: Table | None = None) -> dict[str, Any]:
        """JSON-ready; with a table, issues and options are named."""
        package: Any = list(self.package) if table is None else package_to_dict(table, self.package)
        return {"package": package, "my_score": self.my_score, "their_score": self.their_score,
                "pareto_optimal": self.pareto_optimal, "concedes_on": self.concedes_on}


def _check_me(me: int) -> None:
    if me not in (0, 1):
        raise AnalysisError(f"me must be 0 or 1 (the party index), got {me!r}")


def default_target(table: Table, me: int, frontier: list[FrontierPoint]) -> float:
    """A high but reachable aspiration: my score at the Nash point (else at the max-joint point)."""
    point = nash_point(table, frontier) or max_joint(table, frontier)
    return point.scores[me]


def _my_range(table: Table, me: int) -> float:
    return sum(max(i.points[me]) - min(i.points[me]) for i in table.issues)


def _pick(s_me: Any, s_them: Any, low: float, high: float, target: float) -> int | None:
    """Index of the point with my score in [low, high] closest to target (ties: more for them)."""
    import numpy as np

    inside = np.nonzero((s_me >= low - EPS) & (s_me <= high + EPS))[0]
    if len(inside) == 0:
        return None
    key = np.lexsort((-s_them[inside], np.abs(s_me[inside] - target)))
    return int(inside[key[0]])


def _restricted_fronts(table: Table, me: int) -> list[tuple[int, int, Any, Any, Any]]:
    """For each issue they value: the exact frontier when they get their favourite option there.

    Returns ``(issue index, option, my scores, their scores, packages)`` per issue.
    """
    them = 1 - me
    fronts = []
    for n, issue in enumerate(table.issues):
        theirs = issue.points[them]
        if max(theirs) - min(theirs) <= EPS:
            continue
        best = max(range(len(theirs)), key=lambda o: (theirs[o], issue.points[me][o]))
        fixed = Issue(issue.id, issue.name, (issue.options[best],),
                      ((issue.points[0][best],), (issue.points[1][best],)))
        s0, s1, packages = frontier_arrays(table.issues[:n] + (fixed,) + table.issues[n + 1:])
        s_me, s_them = (s0, s1) if me == 0 else (s1, s0)
        fronts.append((n, best, s_me, s_them, packages))
    return fronts


def _candidates(table: Table, me: int, frontier: list[FrontierPoint], fronts: list[tuple[int, int, Any, Any, Any]],
                low: float, high: float, target: float) -> list[tuple[Package, str | None]]:
    """Frontier points in the band, plus one restricted-frontier package per issue they value."""
    found: list[tuple[Package, str | None]] = [
        (p.package, None) for p in frontier if low - EPS <= p.scores[me] <= high + EPS
    ]
    for n, best, s_me, s_them, packages in fronts:
        k = _pick(s_me, s_them, low, high, target)
        if k is not None:
            row = packages[k].tolist()
            row[n] = best
            found.append((tuple(row), table.issues[n].id))
    return found


def _select(table: Table, me: int, options: list[Meso], k: int) -> list[Meso]:
    """Greedy: undominated first, then the largest L1 distance in their per-issue points."""
    them = 1 - me

    def vector(m: Meso) -> list[float]:
        return [i.points[them][o] for i, o in zip(table.issues, m.package)]

    chosen: list[Meso] = []
    vectors: list[list[float]] = []
    pool = sorted(options, key=lambda m: (not m.pareto_optimal, -m.their_score, m.package))
    while pool and len(chosen) < k:
        def spread(m: Meso) -> float:
            v = vector(m)
            return min((sum(abs(a - b) for a, b in zip(v, w)) for w in vectors), default=0.0)

        best = max(pool, key=lambda m: (m.pareto_optimal, spread(m) > EPS, spread(m), m.their_score))
        if chosen and spread(best) <= EPS:
            break  # nothing left that is different for them
        chosen.append(best)
        vectors.append(vector(best))
        pool.remove(best)
    return chosen


def build_mesos(table: Table, me: int, k: int = 3, tolerance: float | None = None,
                target: float | None = None) -> list[Meso]:
    """Up to ``k`` packages worth ``target`` +- ``tolerance`` to me, as different as possible for them.

    Defaults: target = my score at the Nash point; tolerance = 3% of my whole score range.
    When fewer than ``k`` distinct offers fit, the band is widened (doubled, up to 3 times).
    """
    _check_me(me)
    if k < 1:
        raise AnalysisError(f"k must be at least 1, got {k}")
    frontier = pareto_frontier(table)
    goal = default_target(table, me, frontier) if target is None else float(target)
    tol = DEFAULT_TOLERANCE_SHARE * _my_range(table, me) if tolerance is None else abs(float(tolerance))
    chosen: list[Meso] = []
    fronts = _restricted_fronts(table, me)
    for _ in range(4):
        seen: dict[Package, Meso] = {}
        for package, issue_id in _candidates(table, me, frontier, fronts, goal - tol, goal + tol, goal):
            if package in seen:
                continue
            s = score(table, package)
            optimal = not any(dominates(p.scores, s) for p in frontier)
            seen[package] = Meso(package, s[me], s[1 - me], optimal, issue_id)
        chosen = _select(table, me, list(seen.values()), k)
        if len(chosen) >= k:
            break
        tol = max(2 * tol, EPS)
    return _label(table, me, chosen)


def _label(table: Table, me: int, mesos: list[Meso]) -> list[Meso]:
    """Name, for each offer, the issue where it gives them the most compared with the other offers."""
    if len(mesos) < 2:
        return mesos
    them = 1 - me
    labelled = []
    for m in mesos:
        others = [o for o in mesos if o is not m]
        diffs = [
            (issue.points[them][m.package[n]] - sum(issue.points[them][o.package[n]] for o in others) / len(others), n)
            for n, issue in enumerate(table.issues)
        ]
        gap, n = max(diffs)
        labelled.append(replace(m, concedes_on=table.issues[n].id if gap > EPS else None))
    return labelled


def update_priorities(table: Table, me: int, offered: Sequence[Package], chosen: int) -> Table:
    """New estimate of the other side's points after they picked ``offered[chosen]``.

    Rule: for each issue, d = their estimated points there in the chosen package minus the mean
    over the rejected ones. Issues where the choice gave them more are weighted up, the others
    down: factor = 1 + UPDATE_RATE * d / max|d|. Their points are then rescaled so the sum of
    their per-issue ranges is unchanged (same overall scale against their BATNA). My points
    are untouched.
    """
    _check_me(me)
    if len(offered) < 2:
        raise AnalysisError("offered needs at least two packages to learn from a choice")
    if not 0 <= chosen < len(offered):
        raise AnalysisError(f"chosen must be an index 0..{len(offered) - 1}, got {chosen}")
    for package in offered:
        check_package(table, package)
    them = 1 - me
    rejected = [p for n, p in enumerate(offered) if n != chosen]
    diffs = []
    for n, issue in enumerate(table.issues):
        pts = issue.points[them]
        mean_rejected = sum(pts[p[n]] for p in rejected) / len(rejected)
        diffs.append(pts[offered[chosen][n]] - mean_rejected)
    largest = max(abs(d) for d in diffs)
    if largest <= EPS:
        return table
    factors = [1 + UPDATE_RATE * d / largest for d in diffs]
    old_span = sum(max(i.points[them]) - min(i.points[them]) for i in table.issues)
    new_span = sum(f * (max(i.points[them]) - min(i.points[them])) for f, i in zip(factors, table.issues))
    scale = old_span / new_span if new_span > EPS else 1.0
    issues = []
    for f, issue in zip(factors, table.issues):
        theirs = tuple(round(x * f * scale, DECIMALS) for x in issue.points[them])
        points = (issue.points[0], theirs) if me == 0 else (theirs, issue.points[1])
        issues.append(replace(issue, points=points))
    return replace(table, issues=tuple(issues))
