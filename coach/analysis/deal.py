"""Deal check (post-settlement): how a package compares with the Pareto frontier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.analysis.pareto import FrontierPoint, dominates, max_joint, pareto_frontier
from coach.analysis.scoring import DECIMALS, EPS, score, scores_to_dict
from coach.domain import Package, Scores, Table


@dataclass(frozen=True, slots=True)
class DealCheck:
    """Both scores, joint total, Pareto status, value left on the table and better packages."""

    scores: Scores
    total: float
    pareto_optimal: bool
    value_left: float
    share_of_max: float | None
    better_for_both: list[FrontierPoint]

    def to_dict(self, table: Table | None = None) -> dict[str, Any]:
        """JSON-ready; with a table, parties and issues are named."""
        scores: Any = list(self.scores) if table is None else scores_to_dict(table, self.scores)
        return {
            "scores": scores,
            "total": self.total,
            "pareto_optimal": self.pareto_optimal,
            "value_left": self.value_left,
            "share_of_max": self.share_of_max,
            "better_for_both": [p.to_dict(table) for p in self.better_for_both],
        }


def dominating_points(deal: Scores, frontier: list[FrontierPoint]) -> list[FrontierPoint]:
    """Frontier points that dominate ``deal``: best joint first, then the most even improvement."""
    better = [p for p in frontier if dominates(p.scores, deal)]
    better.sort(key=lambda p: (-p.total, -min(p.scores[0] - deal[0], p.scores[1] - deal[1]), p.scores[0]))
    return better


def check_deal(
    table: Table, package: Package, frontier: list[FrontierPoint] | None = None, limit: int = 5
) -> DealCheck:
    """Score a package against the frontier.

    ``share_of_max`` = (deal total - sum of BATNAs) / (max joint - sum of BATNAs), ``None`` when
    no package beats the BATNAs together (denominator 0 or negative: a ratio there would be
    meaningless, e.g. above 1 for a deal worse than walking away); ``better_for_both`` = up to
    ``limit`` frontier points dominating the deal.
    """
    points = pareto_frontier(table) if frontier is None else frontier
    scores = score(table, package)
    total = round(scores[0] + scores[1], DECIMALS)
    best = max_joint(table, points)
    better = dominating_points(scores, points)
    base = sum(table.batnas)
    denominator = best.total - base
    share = None if denominator <= EPS else round((total - base) / denominator, DECIMALS)
    return DealCheck(
        scores=scores,
        total=total,
        pareto_optimal=not better,
        value_left=round(max(0.0, best.total - total), DECIMALS),
        share_of_max=share,
        better_for_both=better[:limit],
    )
