"""Self-play eval: every policy x difficulty x side over every library scenario and unseen random ones.

``python -m evals selfplay [--json] [--unseen N] [--out FILE]``

Per policy and difficulty (library and unseen reported separately): agreement rate, mean share of
the maximum joint value (no deal counts 0), % of games ending Pareto-optimal (no deal counts as
not), % of deals that are Pareto-optimal, mean own share of the pie. Targets: ``integrative`` at
normal difficulty reaches share >= 0.95 and Pareto-optimal >= 90% on library AND unseen scenarios.
Human reference: Deal or No Deal (Lewis et al. 2017) human deals, Pareto-optimal share as measured
by ``python -m evals external`` (77%), read from ``evals/results/external.json`` when present.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "evals" / "results" / "selfplay.json"
EXTERNAL = REPO_ROOT / "evals" / "results" / "external.json"
DIFFICULTIES = ("easy", "normal", "hard")
UNSEEN_SEEDS_START = 9000  # random scenarios nobody looked at while tuning
DEFAULT_UNSEEN = 10
DEFAULT_STRESS = 4  # unbalanced random tables: reported, no target (see generator.random_scenario)
TARGET_SHARE = 0.95
TARGET_PARETO = 0.90
HUMAN_DND_PARETO = 0.77  # fallback when external.json is absent


def _games(scenarios: Iterable[Any], group: str) -> list[dict[str, Any]]:
    from coach.roleplay.policies import POLICIES
    from coach.roleplay.selfplay import run_selfplay

    rows = []
    for scenario in scenarios:
        for policy in POLICIES:
            for difficulty in DIFFICULTIES:
                for party in scenario.parties:
                    result = run_selfplay(scenario, policy, party.id, difficulty).to_dict()
                    rows.append({**result, "group": group})
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Agreement rate, mean share of max, % Pareto-optimal (games and deals), own share, turns."""
    n = len(rows)
    deals = [r for r in rows if r["agreement"]]
    return {
        "games": n,
        "agreement_rate": round(len(deals) / n, 4) if n else None,
        "mean_share_of_max": round(statistics.mean((r["share_of_max"] or 0.0) for r in rows), 4) if n else None,
        "pareto_optimal_rate": round(sum(r["pareto_optimal"] for r in rows) / n, 4) if n else None,
        "pareto_optimal_of_deals": round(sum(r["pareto_optimal"] for r in deals) / len(deals), 4) if deals else None,
        "mean_own_share": round(statistics.mean((r["own_share"] or 0.0) for r in rows), 4) if n else None,
        "mean_turns": round(statistics.mean(r["turns"] for r in rows), 2) if n else None,
    }


def _table(rows: list[dict[str, Any]], group: str) -> dict[str, dict[str, Any]]:
    from coach.roleplay.policies import POLICIES

    out: dict[str, dict[str, Any]] = {}
    for policy in POLICIES:
        for difficulty in DIFFICULTIES:
            picked = [r for r in rows if r["group"] == group and r["policy"] == policy and r["difficulty"] == difficulty]
            out[f"{policy}/{difficulty}"] = summarize(picked)
    return out


def human_reference() -> dict[str, Any]:
    """The DND human Pareto-optimal share (from the external eval when it has been run)."""
    try:
        data = json.loads(EXTERNAL.read_text(encoding="utf-8"))
        pct = float(data["dealornodeal"]["pareto_optimal_pct"]) / 100
        return {"dnd_human_pareto_optimal": round(pct, 4), "source": "evals/results/external.json"}
    except (OSError, KeyError, ValueError, TypeError):
        return {"dnd_human_pareto_optimal": HUMAN_DND_PARETO, "source": "Lewis et al. 2017 via evals external (77%)"}


def run(unseen: int = DEFAULT_UNSEEN, stress: int = DEFAULT_STRESS) -> dict[str, Any]:
    """Play every game and summarize."""
    from coach.roleplay.generator import random_scenario
    from coach.roleplay.library import list_scenarios, load

    started = time.perf_counter()
    library = [load(info.path) for info in list_scenarios()]
    generated = [random_scenario(UNSEEN_SEEDS_START + k) for k in range(unseen)]
    unbalanced = [random_scenario(UNSEEN_SEEDS_START + 500 + k, balanced=False) for k in range(stress)]
    rows = _games(library, "library") + _games(generated, "unseen") + _games(unbalanced, "stress")
    tables = {"library": _table(rows, "library"), "unseen": _table(rows, "unseen"),
              "stress": _table(rows, "stress")}
    checks = {}
    for group in ("library", "unseen"):
        table = tables[group]
        cell = table["integrative/normal"]
        checks[group] = {"share_of_max": cell["mean_share_of_max"], "pareto_optimal": cell["pareto_optimal_rate"],
                         "meets_target": bool(cell["games"]) and cell["mean_share_of_max"] >= TARGET_SHARE
                         and cell["pareto_optimal_rate"] >= TARGET_PARETO}
    return {
        "scenarios": {"library": [s.id for s in library], "unseen": [s.id for s in generated],
                      "stress": [s.id for s in unbalanced]},
        "results": tables,
        "targets": {"integrative_normal_share_of_max": TARGET_SHARE, "integrative_normal_pareto": TARGET_PARETO,
                    "checks": checks},
        "human_reference": human_reference(),
        "games": len(rows),
        "seconds": round(time.perf_counter() - started, 2),
        "per_game": rows,
    }


def _readable(result: dict[str, Any]) -> Iterable[str]:
    yield f"{result['games']} games in {result['seconds']} s"
    for group, table in result["results"].items():
        yield f"\n{group}{' (no target)' if group == 'stress' else ''}: policy/difficulty  agree  share_of_max  pareto(games)  pareto(deals)  own_share  turns"
        for key, r in table.items():
            yield (f"  {key:22} {r['agreement_rate']:.2f}   {r['mean_share_of_max']:.3f}        "
                   f"{r['pareto_optimal_rate']:.2f}           {r['pareto_optimal_of_deals'] or 0:.2f}          "
                   f"{r['mean_own_share']:+.3f}    {r['mean_turns']}")
    ref = result["human_reference"]
    yield f"\nhuman reference: {ref['dnd_human_pareto_optimal']:.0%} of Deal or No Deal human deals are Pareto-optimal"
    for group, check in result["targets"]["checks"].items():
        yield f"integrative/normal on {group}: share {check['share_of_max']}, Pareto {check['pareto_optimal']}" \
              f" -> {'meets' if check['meets_target'] else 'MISSES'} target"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m evals selfplay``."""
    parser = argparse.ArgumentParser(prog="python -m evals selfplay", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--unseen", type=int, default=DEFAULT_UNSEEN, help="random unseen scenarios to add")
    parser.add_argument("--stress", type=int, default=DEFAULT_STRESS, help="unbalanced random scenarios (no target)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    args = parser.parse_args(list(argv or []))
    result = run(args.unseen, args.stress)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    summary = {k: v for k, v in result.items() if k != "per_game"}
    print(json.dumps(summary, indent=2) if args.json else "\n".join(_readable(result)))
    return 0 if all(c["meets_target"] for c in result["targets"]["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
