"""Random scenarios nobody tuned against: for the self-play eval's unseen cases and for tests.

Each has 3-6 issues with 2-5 options and at least one distributive, one integrative and one
compatible issue (by ``issue_kind``); weights and option shapes (linear, concave, convex) are
random; BATNAs sit well below what a fair deal gives each side, so agreement is possible.
"""

from __future__ import annotations

import random

from coach.scenario import Scenario, scenario_from_dict

KINDS = ("distributive", "integrative", "compatible")
STEP = 10
COLOURS = ("Red", "Blue", "Green", "Amber", "Violet", "Teal")


def _shape(rng: random.Random, n: int) -> list[float]:
    """Values from 0 (worst) to 1 (best) over ``n`` ordered options, a random monotone curve."""
    if n == 1:
        return [1.0]
    power = rng.choice((0.6, 1.0, 1.0, 1.6))
    return [(k / (n - 1)) ** power for k in range(n)]


def _points(weight: float, shape: list[float], ascending: bool) -> list[float]:
    values = [float(round(weight * v / STEP) * STEP) for v in shape]
    return values if ascending else values[::-1]


def _issue(rng: random.Random, n: int, kind: str) -> dict[str, object]:
    count = rng.randint(3, 5) if kind != "compatible" else rng.randint(2, 3)
    options = [f"{COLOURS[n % len(COLOURS)]} {k + 1}" for k in range(count)]
    if kind == "distributive":
        w = rng.randrange(60, 241, 10) * STEP
        linear = [k / (count - 1) for k in range(count)]
        a, b = _points(w, linear, True), _points(w, linear, False)
    elif kind == "integrative":
        w0, w1 = rng.randrange(20, 201, 10) * STEP, rng.randrange(20, 201, 10) * STEP
        if abs(w0 - w1) < 30 * STEP:
            w1 = w0 + 60 * STEP
        a, b = _points(w0, _shape(rng, count), True), _points(w1, _shape(rng, count), False)
    else:
        a = _points(rng.randrange(10, 81, 10) * STEP, _shape(rng, count), True)
        b = _points(rng.randrange(10, 81, 10) * STEP, _shape(rng, count), True)
    if rng.random() < 0.5:  # who wants the high end is random
        a, b = a[::-1], b[::-1]
    return {"id": f"issue-{n + 1}", "name": f"Issue {n + 1}", "options": options,
            "points": {"alpha": a, "beta": b}}


def random_scenario(seed: int, issues: int | None = None, balanced: bool = True) -> Scenario:
    """A valid random scenario (deterministic for a seed).

    ``balanced`` (default) redraws until the Nash point lies on the max-joint segment of the
    frontier, as in designed exercises: the distributive issues are large enough to pay for the
    logrolls, so the efficient deals include a fair one. Unbalanced tables are a stress case where
    a fair counterparty cannot accept the value-maximizing split.
    """
    from coach.analysis.pareto import max_joint, nash_point, pareto_frontier
    from coach.analysis.scoring import EPS

    scenario = _draw(seed, 0, issues)
    for attempt in range(1, 200):
        if not balanced:
            break
        table = scenario.table()
        frontier = pareto_frontier(table)
        nash = nash_point(table, frontier)
        if nash is not None and nash.total >= max_joint(table, frontier).total - EPS:
            break
        scenario = _draw(seed, attempt, issues)
    return scenario


def _draw(seed: int, attempt: int, issues: int | None) -> Scenario:
    rng = random.Random(f"scenario:{seed}:{attempt}" if attempt else f"scenario:{seed}")
    count = issues or rng.randint(3, 6)
    kinds = list(KINDS) + [rng.choice(KINDS) for _ in range(max(0, count - 3))]
    rng.shuffle(kinds)
    built = [_issue(rng, n, kind) for n, kind in enumerate(kinds[:count])]
    best = [sum(max(i["points"][p]) for i in built) for p in ("alpha", "beta")]  # type: ignore[index]
    batnas = [round(b * rng.uniform(0.25, 0.4) / STEP) * STEP for b in best]
    raw = {
        "id": f"random-{seed}",
        "title": f"Random scenario {seed}",
        "context": "generated",
        "description": "A generated table for unseen-scenario evaluation.",
        "tags": ["generated"],
        "parties": [
            {"id": "alpha", "name": "Alex", "role": "Party A", "brief": "Generated side A.", "batna": batnas[0],
             "interests": ["We want a deal that holds up over time."]},
            {"id": "beta", "name": "Blake", "role": "Party B", "brief": "Generated side B.", "batna": batnas[1],
             "interests": ["We need to show our team a clear win."]},
        ],
        "issues": built,
    }
    return scenario_from_dict(raw, f"random-{seed}")
