"""Issue kinds: compatible, distributive or integrative.

Precedence (documented, applied consistently): ``compatible`` is tested first, so an issue
where both parties share a best option is compatible even if it is also zero-sum; that
overlap only happens when every option is worth the same to both (including 1-option issues).
"""

from __future__ import annotations

from typing import Literal

from coach.analysis.scoring import EPS
from coach.domain import Issue, Table

IssueKind = Literal["compatible", "distributive", "integrative"]


def best_options(points: tuple[float, ...]) -> set[int]:
    """Indexes of the options with the highest points (ties kept)."""
    top = max(points)
    return {n for n, x in enumerate(points) if x >= top - EPS}


def issue_kind(issue: Issue) -> IssueKind:
    """``compatible`` when a common best option exists; ``distributive`` when every option has
    the same joint points (zero-sum); ``integrative`` otherwise."""
    p0, p1 = issue.points
    if best_options(p0) & best_options(p1):
        return "compatible"
    joints = [a + b for a, b in zip(p0, p1)]
    if max(joints) - min(joints) <= EPS * max(1.0, max(abs(j) for j in joints)):
        return "distributive"
    return "integrative"


def issue_kinds(table: Table) -> dict[str, IssueKind]:
    """``issue id -> kind`` for a table."""
    return {issue.id: issue_kind(issue) for issue in table.issues}
