"""Trade finder: every trade helps both; the best equals a brute-force best over 1-2 issue changes."""

from __future__ import annotations

import itertools

from hypothesis import given, settings

from coach.analysis.scoring import score
from coach.analysis.trades import find_trades
from coach.domain import Issue, Package, Table
from tests.analysis.conftest import brute_scores, random_table, tables_with_package

FAST = settings(max_examples=150, deadline=None)


def _brute_moves(table: Table, package: Package) -> list[tuple[float, float, tuple[int, ...]]]:
    """(min gain, joint gain, changed issues) of every 1- or 2-issue change helping both."""
    base = brute_scores(table, package)
    moves = []
    for k in (1, 2):
        for issues in itertools.combinations(range(len(table.issues)), k):
            for opts in itertools.product(*(range(len(table.issues[i].options)) for i in issues)):
                if any(o == package[i] for i, o in zip(issues, opts)):
                    continue
                new = list(package)
                for i, o in zip(issues, opts):
                    new[i] = o
                s = brute_scores(table, tuple(new))
                g0, g1 = s[0] - base[0], s[1] - base[1]
                if g0 > 1e-9 and g1 > 1e-9:
                    moves.append((min(g0, g1), g0 + g1, issues))
    return moves


@FAST
@given(tables_with_package())
def test_trades_help_both_and_best_equals_brute_force(case: tuple[Table, Package]) -> None:
    table, package = case
    trades = find_trades(table, package, limit=50)
    base = score(table, package)
    for t in trades:
        assert 1 <= len(t.changes) <= 2
        assert len({i for i, _ in t.changes}) == len(t.changes)
        assert all(package[i] != o for i, o in t.changes)
        s = score(table, t.package)
        assert abs(s[0] - base[0] - t.gains[0]) < 1e-9 and abs(s[1] - base[1] - t.gains[1]) < 1e-9
        assert t.gains[0] > 0 and t.gains[1] > 0
        changed = [i for i, (a, b) in enumerate(zip(package, t.package)) if a != b]
        assert changed == sorted(i for i, _ in t.changes)
    keys = [(min(t.gains), t.joint_gain) for t in trades]
    assert all(a[0] > b[0] - 1e-9 for a, b in itertools.pairwise(keys))  # ranked by min gain
    moves = _brute_moves(table, package)
    if not moves:
        assert trades == []
    else:
        best = max((m[0], m[1]) for m in moves)
        assert trades and abs(keys[0][0] - best[0]) < 1e-9 and abs(keys[0][1] - best[1]) < 1e-9


def test_logroll_and_single_kinds() -> None:
    table = Table(
        ("me", "you"),
        (
            Issue("price", "Price", ("low", "high"), ((0.0, 10.0), (10.0, 0.0))),   # I care little... equal
            Issue("delivery", "Delivery", ("slow", "fast"), ((0.0, 2.0), (6.0, 0.0))),
            Issue("warranty", "Warranty", ("1y", "3y"), ((0.0, 8.0), (3.0, 0.0))),
            Issue("training", "Training", ("none", "on-site"), ((0.0, 4.0), (0.0, 5.0))),
        ),
        (0.0, 0.0),
    )
    start = (0, 1, 0, 0)  # fast delivery (I get 2, you lose 6), 1y warranty, no training
    trades = find_trades(table, start)
    kinds = {t.changes: t.kind for t in trades}
    assert kinds[((3, 1),)] == "single"                    # training helps both: compatible
    assert kinds[((1, 0), (2, 1))] == "logroll"            # slow delivery for 3y warranty: +6, +3
    trade = next(t for t in trades if t.changes == ((1, 0), (2, 1)))
    assert trade.gains == (6.0, 3.0)
    d = trade.to_dict(table)
    assert d["changes"][0] == {"issue": "delivery", "from": "fast", "to": "slow"}
    assert d["gains"] == {"me": 6.0, "you": 3.0}


def test_no_trades_from_a_pareto_optimal_package() -> None:
    table = random_table(6, 4, seed=5)
    from coach.analysis.pareto import max_joint

    assert find_trades(table, max_joint(table).package) == []


def test_trades_on_10x6_are_bounded() -> None:
    table = random_table(10, 6, seed=11)
    trades = find_trades(table, (0,) * 10, limit=10)
    assert len(trades) == 10
    assert all(t.gains[0] > 0 and t.gains[1] > 0 for t in trades)
