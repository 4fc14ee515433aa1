"""Exact Pareto frontier of a two-party additive table, without enumerating packages.

The frontier of a sum of issues lies inside the sum of the per-issue frontiers, so we merge
issue by issue: ``F := pareto(F (+) frontier(issue))`` (a Minkowski sum filtered with numpy),
keeping back-pointers to recover one representative package per frontier point. Sums are
rounded to ``DECIMALS`` places so float noise cannot create phantom points.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from coach.analysis.scoring import DECIMALS, EPS, package_to_dict, scores_to_dict
from coach.domain import Issue, Package, Scores, Table
from coach.errors import AnalysisError

if TYPE_CHECKING:
    import numpy as np

FRONTIER_LIMIT = 250_000
_BLOCK = 4_000_000  # candidate sums formed at once; bounds memory of one merge step


@dataclass(frozen=True, slots=True)
class FrontierPoint:
    """One distinct Pareto-optimal score pair and one package that reaches it."""

    scores: Scores
    package: Package

    @property
    def total(self) -> float:
        """Joint points of the two parties."""
        return round(self.scores[0] + self.scores[1], DECIMALS)

    def to_dict(self, table: Table | None = None) -> dict[str, Any]:
        """JSON-ready; with a table, parties and issues are named (``{party: x}``, ``{issue: option}``)."""
        if table is None:
            return {"scores": list(self.scores), "package": list(self.package), "total": self.total}
        return {
            "total": self.total,
            "scores": scores_to_dict(table, self.scores),
            "package": package_to_dict(table, self.package),
        }


def dominates(a: Scores, b: Scores) -> bool:
    """True when ``a`` is at least as good as ``b`` for both parties and better for one (EPS slack)."""
    return a[0] >= b[0] - EPS and a[1] >= b[1] - EPS and (a[0] > b[0] + EPS or a[1] > b[1] + EPS)


def pareto_order(s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """Indexes of the non-dominated distinct points, sorted by ``s0`` descending.

    Sort by party 0 descending then party 1 descending; keep a point when its party-1 score
    is strictly above the running maximum of everything before it.
    """
    import numpy as np

    if len(s0) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((-s1, -s0))
    ordered = s1[order]
    keep = np.empty(len(order), dtype=bool)
    keep[0] = True
    keep[1:] = ordered[1:] > np.maximum.accumulate(ordered)[:-1]
    return order[keep]


def merge_fronts(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    limit: int = FRONTIER_LIMIT,
    round_sums: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pareto filter of the Minkowski sum of two point sets.

    Returns ``(s0, s1, index_in_a, index_in_b)`` sorted by ``s0`` descending. ``round_sums=False``
    skips the rounding, which only integer-valued points (exact sums) can afford.
    """
    import numpy as np

    a0, a1 = a
    b0, b1 = b
    step = max(1, _BLOCK // max(1, len(a0)))
    parts = []
    for start in range(0, len(b0), step):
        c0 = np.add.outer(a0, b0[start : start + step]).ravel()
        c1 = np.add.outer(a1, b1[start : start + step]).ravel()
        if round_sums:
            c0, c1 = np.round(c0, DECIMALS), np.round(c1, DECIMALS)
        width = min(step, len(b0) - start)
        keep = pareto_order(c0, c1)
        parts.append((c0[keep], c1[keep], keep // width, keep % width + start))
    if len(parts) == 1:
        s0, s1, ia, ib = parts[0]
    else:
        s0, s1, ia, ib = (np.concatenate(col) for col in zip(*parts))
        keep = pareto_order(s0, s1)
        s0, s1, ia, ib = s0[keep], s1[keep], ia[keep], ib[keep]
    if len(s0) > limit:
        raise AnalysisError(
            f"the Pareto frontier has more than {limit:,} points; this table is too fine-grained "
            "to answer exactly (use fewer options or rounder points)"
        )
    return s0, s1, ia, ib


def issue_front(issue: Issue) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-dominated options of one issue: ``(points0, points1, option_indexes)``, party 0 descending.

    Plain Python: an issue has a handful of options, where numpy's per-call overhead dominates.
    """
    import numpy as np

    pts = [(round(x, DECIMALS), round(y, DECIMALS), k) for k, (x, y) in enumerate(zip(*issue.points))]
    pts.sort(key=lambda p: (-p[0], -p[1]))
    kept: list[tuple[float, float, int]] = []
    max_so_far = float("-inf")
    for point in pts:
        if point[1] > max_so_far:  # strictly better for party 1 than every option before it
            kept.append(point)
            max_so_far = point[1]
    p0, p1, options = zip(*kept)
    return np.array(p0, dtype=float), np.array(p1, dtype=float), np.array(options, dtype=np.int64)


def frontier_arrays(
    issues: tuple[Issue, ...], limit: int = FRONTIER_LIMIT
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frontier of a list of issues as arrays: ``(s0, s1, packages)`` sorted by ``s0`` ascending.

    ``packages`` has one row per point and one column per issue (option indexes).
    """
    import numpy as np

    s0, s1 = np.zeros(1), np.zeros(1)
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    # Integer points add up exactly (below 2**53), so their sums need no rounding.
    integral = all(float(x).is_integer() for issue in issues for row in issue.points for x in row)
    for issue in issues:
        b0, b1, options = issue_front(issue)
        s0, s1, ia, ib = merge_fronts((s0, s1), (b0, b1), limit, round_sums=not integral)
        steps.append((ia, options[ib]))
    packages = np.zeros((len(s0), len(issues)), dtype=np.int64)
    idx = np.arange(len(s0))
    for n in range(len(issues) - 1, -1, -1):
        parents, options = steps[n]
        packages[:, n] = options[idx]
        idx = parents[idx]
    return s0[::-1].copy(), s1[::-1].copy(), packages[::-1].copy()


@lru_cache(maxsize=32)
def _frontier_cached(table: Table, limit: int) -> tuple[FrontierPoint, ...]:
    s0, s1, packages = frontier_arrays(table.issues, limit)
    rows = packages.tolist()
    return tuple(
        FrontierPoint(scores=(float(x), float(y)), package=tuple(row))
        for x, y, row in zip(s0.tolist(), s1.tolist(), rows)
    )


def pareto_frontier(table: Table, limit: int = FRONTIER_LIMIT) -> list[FrontierPoint]:
    """Distinct Pareto-optimal score pairs (one package each), party-0 score ascending.

    Raises ``AnalysisError`` when the frontier grows beyond ``limit`` points.
    """
    return list(_frontier_cached(table, limit))


def _frontier(table: Table, frontier: list[FrontierPoint] | None) -> list[FrontierPoint]:
    return pareto_frontier(table) if frontier is None else frontier


def max_joint(table: Table, frontier: list[FrontierPoint] | None = None) -> FrontierPoint:
    """The frontier point with the largest joint total (ties: the most even gains over BATNAs)."""
    points = _frontier(table, frontier)
    b0, b1 = table.batnas
    return max(points, key=lambda p: (p.total, min(p.scores[0] - b0, p.scores[1] - b1), -p.scores[0]))


def nash_point(table: Table, frontier: list[FrontierPoint] | None = None) -> FrontierPoint | None:
    """The Nash bargaining package: max product of both gains over BATNAs (both gains > 0).

    ``None`` when no package beats both BATNAs.
    """
    b0, b1 = table.batnas
    best: FrontierPoint | None = None
    best_key: tuple[float, float] = (-1.0, 0.0)
    for p in _frontier(table, frontier):
        g0, g1 = p.scores[0] - b0, p.scores[1] - b1
        if g0 > EPS and g1 > EPS:
            key = (round(g0 * g1, DECIMALS), -abs(g0 - g1))
            if key > best_key:
                best, best_key = p, key
    return best
