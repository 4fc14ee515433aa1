"""A numpy brute-force Pareto oracle: enumerate every package, keep the undominated score pairs.

Used by the engine benchmark and by tests as an independent check of
``coach.analysis.pareto.pareto_frontier``. It enumerates, so it is only for tables whose
package count fits in time; large tables are processed in chunks so memory stays bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from coach.domain import Table

ScorePair = tuple[float, float]
DEFAULT_CHUNK = 1 << 21  # packages per chunk (~2M): two float64 arrays of 16 MB each


def _all_scores(points: list[tuple[tuple[float, ...], tuple[float, ...]]]) -> tuple[np.ndarray, np.ndarray]:
    """Both parties' scores for every package over ``points`` (outer sums, C order)."""
    import numpy as np

    s0 = np.zeros(1)
    s1 = np.zeros(1)
    for p0, p1 in points:
        s0 = np.add.outer(s0, np.asarray(p0, dtype=float)).ravel()
        s1 = np.add.outer(s1, np.asarray(p1, dtype=float)).ravel()
    return s0, s1


def undominated(s0: np.ndarray, s1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct undominated score pairs among the given pairs (exact comparison).

    Sort by party 0 descending then party 1 descending: a pair survives iff its party-1
    score beats every pair before it (those have at least as much for party 0).
    """
    import numpy as np

    if s0.size == 0:
        return s0, s1
    packed = _sorted_integer_pairs(s0, s1)
    if packed is not None:
        a, b = packed
    else:
        order = np.lexsort((-s1, -s0))
        a, b = s0[order], s1[order]
    best_before = np.maximum.accumulate(np.concatenate(([-np.inf], b[:-1])))
    keep = b > best_before
    return a[keep], b[keep]


def _sorted_integer_pairs(s0: np.ndarray, s1: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path for integer scores: pack each pair into one int64, sort once (party 0, then 1, descending).

    None when a score is fractional or the ranges are too wide to pack.
    """
    import numpy as np

    lo0, hi0, lo1, hi1 = s0.min(), s0.max(), s1.min(), s1.max()
    span = float(hi1 - lo1 + 1)
    if (hi0 - lo0 + 1) * span >= 2.0**52 or np.any(s0 % 1) or np.any(s1 % 1):
        return None
    key = np.sort((s0 - lo0) * span + (s1 - lo1))[::-1]  # exact in float64 below 2**52
    a, b = np.divmod(key, span)
    return a + lo0, b + lo1


def brute_force_frontier(table: Table, chunk: int = DEFAULT_CHUNK) -> set[ScorePair]:
    """Every package of ``table`` scored, the undominated distinct score pairs returned as a set.

    Args:
        table: the two-party table.
        chunk: maximum packages scored at once; the leading issues are looped over in Python
            when the table is larger, merging each chunk's undominated pairs.
    """
    import itertools

    import numpy as np

    issues = [(tuple(i.points[0]), tuple(i.points[1])) for i in table.issues]
    split = len(issues)
    inner = 1
    while split > 0 and inner * len(issues[split - 1][0]) <= chunk:
        split -= 1
        inner *= len(issues[split][0])
    in0, in1 = _all_scores(issues[split:])
    kept0: list[np.ndarray] = []
    kept1: list[np.ndarray] = []
    for combo in itertools.product(*(range(len(p0)) for p0, _ in issues[:split])):
        off0 = sum(issues[n][0][k] for n, k in enumerate(combo))
        off1 = sum(issues[n][1][k] for n, k in enumerate(combo))
        a, b = undominated(in0 + off0, in1 + off1)
        kept0.append(a)
        kept1.append(b)
    a, b = undominated(np.concatenate(kept0), np.concatenate(kept1))
    return {(float(x), float(y)) for x, y in zip(a.tolist(), b.tolist())}


def package_count(table: Table) -> int:
    """Number of packages the brute force would enumerate."""
    count = 1
    for issue in table.issues:
        count *= len(issue.options)
    return count
