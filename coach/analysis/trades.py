"""Logroll trade finder: changes on one or two issues that make both parties strictly better off.

All single-option changes from the current package are tabulated once (a few hundred at most),
then every pair of changes on two different issues is scored at once with numpy outer sums,
so the search costs O(changes^2) instead of enumerating packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from coach.analysis.scoring import DECIMALS, EPS, check_package, scores_to_dict
from coach.domain import Package, Scores, Table

if TYPE_CHECKING:
    import numpy as np

TradeKind = Literal["single", "logroll", "combined"]


@dataclass(frozen=True, slots=True)
class Trade:
    """A move from the current package: ``changes`` = ((issue index, new option index), ...).

    ``kind``: ``single`` (one issue that helps both, e.g. a compatible issue), ``logroll``
    (two issues where each side gives on one to get more on the other), ``combined`` (two
    changes that each already help both).
    """

    changes: tuple[tuple[int, int], ...]
    package: Package
    gains: Scores
    kind: TradeKind = "logroll"
    before: tuple[tuple[int, int], ...] = ()  # (issue index, option index before the move)

    @property
    def joint_gain(self) -> float:
        """Sum of both parties' gains."""
        return round(self.gains[0] + self.gains[1], DECIMALS)

    def to_dict(self, table: Table | None = None) -> dict[str, Any]:
        """JSON-ready; with a table, issues, options and parties are named."""
        if table is None:
            return {"kind": self.kind, "changes": [list(c) for c in self.changes],
                    "package": list(self.package), "gains": list(self.gains), "joint_gain": self.joint_gain}
        old = dict(self.before)
        return {
            "kind": self.kind,
            "changes": [
                {"issue": table.issues[i].id, "from": table.issues[i].options[old.get(i, o)],
                 "to": table.issues[i].options[o]}
                for i, o in self.changes
            ],
            "package": {iss.id: iss.options[o] for iss, o in zip(table.issues, self.package)},
            "gains": scores_to_dict(table, self.gains),
            "joint_gain": self.joint_gain,
        }


def _single_changes(table: Table, package: Package) -> tuple[np.ndarray, ...]:
    """Arrays (issue, option, gain0, gain1) for every one-issue change from ``package``."""
    import numpy as np

    rows = [
        (n, o, issue.points[0][o] - issue.points[0][package[n]], issue.points[1][o] - issue.points[1][package[n]])
        for n, issue in enumerate(table.issues)
        for o in range(len(issue.options))
        if o != package[n]
    ]
    if not rows:
        return tuple(np.zeros(0) for _ in range(4))
    cols = np.array(rows, dtype=float)
    return (cols[:, 0].astype(np.int64), cols[:, 1].astype(np.int64),
            np.round(cols[:, 2], DECIMALS), np.round(cols[:, 3], DECIMALS))


def find_trades(table: Table, package: Package, limit: int = 10) -> list[Trade]:
    """Moves on one or two issues that make both strictly better off, best first.

    Ranked by the smaller of the two gains, then the joint gain, then fewer changes. A two-issue
    move that is no better for either party than one of its own single changes is left out.
    """
    import numpy as np

    check_package(table, package)
    issue, option, g0, g1 = _single_changes(table, package)
    n = len(issue)
    if n == 0 or limit <= 0:
        return []
    p0 = np.round(np.add.outer(g0, g0), DECIMALS)
    p1 = np.round(np.add.outer(g1, g1), DECIMALS)
    ok = (issue[:, None] < issue[None, :]) & (p0 > EPS) & (p1 > EPS)
    # drop pairs weakly worse for both than either component alone
    for part0, part1 in ((g0[:, None], g1[:, None]), (g0[None, :], g1[None, :])):
        ok &= ~((p0 <= part0 + EPS) & (p1 <= part1 + EPS))
    a_idx, b_idx = np.nonzero(ok)
    single = np.nonzero((g0 > EPS) & (g1 > EPS))[0]
    first = np.concatenate([single, a_idx])
    second = np.concatenate([np.full(len(single), -1), b_idx])
    gain0 = np.concatenate([g0[single], p0[a_idx, b_idx]])
    gain1 = np.concatenate([g1[single], p1[a_idx, b_idx]])
    size = np.concatenate([np.ones(len(single)), np.full(len(a_idx), 2)])
    order = np.lexsort((second, first, size, -(gain0 + gain1), -np.minimum(gain0, gain1)))[:limit]
    helps_both = (g0 > EPS) & (g1 > EPS)
    trades = []
    for k in order.tolist():
        picks = [int(first[k])] + ([int(second[k])] if second[k] >= 0 else [])
        changes = tuple((int(issue[j]), int(option[j])) for j in picks)
        new = list(package)
        for i, o in changes:
            new[i] = o
        kind: TradeKind = "single" if len(picks) == 1 else (
            "combined" if all(helps_both[j] for j in picks) else "logroll")
        trades.append(Trade(changes=changes, package=tuple(new), gains=(float(gain0[k]), float(gain1[k])),
                            kind=kind, before=tuple((i, package[i]) for i, _ in changes)))
    return trades
