"""Engine benchmark: frontier speed vs a numpy brute force, analysis tools, CLI start-up.

``python -m evals bench-engine [--json] [--quick] [--out FILE]``

Random tables with fixed seeds and integer points 0..100 per option and party. Prints each
issue's target with PASS/FAIL and writes ``evals/results/bench-engine.json``. Timings are medians
of a few runs on this machine; nothing here is asserted in the unit tests.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from coach.domain import Issue, Table

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "evals" / "results" / "bench-engine.json"
SIZES = ((6, 6), (8, 5), (10, 6))
LARGE = (40, 10)
BRUTE_MAX_PACKAGES = 100_000_000  # 10x6 = 60.5M runs chunked in ~10 s; beyond this, skip
HEAVY_MODULES = ("torch", "langchain", "langchain_core", "langchain_openai", "chromadb", "openai",
                 "streamlit", "transformers")
TARGETS = {  # name -> (limit, unit, "max" = value must be <= limit, "min" = >= limit)
    "frontier 10x6": (0.3, "s", "max"),
    "frontier 40x10 end to end": (2.0, "s", "max"),
    "better_for_both 10x6": (0.1, "s", "max"),
    "find_trades 10x6": (0.1, "s", "max"),
    "build_mesos 10x6": (0.1, "s", "max"),
    "coach analyze start-up": (1.0, "s", "max"),
    "coach zopa start-up": (1.0, "s", "max"),
    "speed-up vs brute force 8x5": (100.0, "x", "min"),
}


def random_table(n_issues: int, n_options: int, seed: int, batnas: tuple[float, float] = (0.0, 0.0)) -> Table:
    """A reproducible table: integer points 0..100 per option, independently for both parties."""
    rng = random.Random(seed)
    issues = tuple(
        Issue(f"i{n}", f"Issue {n}", tuple(f"o{k}" for k in range(n_options)),
              (tuple(float(rng.randint(0, 100)) for _ in range(n_options)),
               tuple(float(rng.randint(0, 100)) for _ in range(n_options))))
        for n in range(n_issues)
    )
    return Table(("a", "b"), issues, batnas)


def clear_engine_caches() -> None:
    """Empty every ``functools`` cache in the loaded analysis modules so each timed run is cold."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("coach.analysis"):
            continue
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def median_time(fn: Callable[[], Any], runs: int, cold: bool = True) -> float:
    """Median wall time in seconds of ``runs`` calls (engine caches emptied first when ``cold``)."""
    times = []
    for _ in range(runs):
        if cold:
            clear_engine_caches()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_pairs(table: Table) -> set[tuple[float, float]]:
    """The engine's frontier as a set of score pairs (rounded to absorb summation order)."""
    from coach.analysis.pareto import pareto_frontier

    return {(round(p.scores[0], 6), round(p.scores[1], 6)) for p in pareto_frontier(table)}


def frontier_matches_brute_force(table: Table) -> bool:
    """True when the engine and the numpy brute force give the same undominated score pairs."""
    from evals.brute import brute_force_frontier

    brute = {(round(a, 6), round(b, 6)) for a, b in brute_force_frontier(table)}
    return brute == engine_pairs(table)


def bench_size(n_issues: int, n_options: int, seed: int, runs: int,
               brute_max: int = BRUTE_MAX_PACKAGES) -> dict[str, Any]:
    """Engine vs brute force on one random table."""
    from coach.analysis.pareto import pareto_frontier
    from evals.brute import brute_force_frontier, package_count

    table = random_table(n_issues, n_options, seed)
    packages = package_count(table)
    row: dict[str, Any] = {"size": f"{n_issues}x{n_options}", "seed": seed, "packages": packages}
    row["frontier_s"] = median_time(lambda: pareto_frontier(table), runs)
    row["frontier_points"] = len(pareto_frontier(table))
    if packages > brute_max:
        row.update(brute_s=None, ratio=None, equal=None, brute_note=f"skipped: {packages:,} packages")
        return row
    brute_runs = runs if packages <= 1_000_000 else 1
    found: dict[str, set[tuple[float, float]]] = {}
    row["brute_s"] = median_time(lambda: found.update(s=brute_force_frontier(table)), brute_runs)
    row["brute_note"] = "chunked" if packages > 1 << 21 else "in memory"
    row["ratio"] = row["brute_s"] / row["frontier_s"] if row["frontier_s"] > 0 else None
    brute = {(round(a, 6), round(b, 6)) for a, b in found["s"]}
    row["equal"] = brute == engine_pairs(table)
    return row


def bench_large(runs: int) -> dict[str, Any]:
    """40x10 end to end in process: frontier, max joint, Nash, issue kinds."""
    from coach.analysis.issues import issue_kind
    from coach.analysis.pareto import max_joint, nash_point, pareto_frontier

    table = random_table(*LARGE, seed=40, batnas=(500.0, 500.0))

    def run() -> int:
        frontier = pareto_frontier(table)
        max_joint(table, frontier)
        nash_point(table, frontier)
        [issue_kind(issue) for issue in table.issues]
        return len(frontier)

    return {"size": f"{LARGE[0]}x{LARGE[1]}", "packages": float(10**40), "frontier_points": run(),
            "end_to_end_s": median_time(run, runs)}


def bench_tools(runs: int) -> dict[str, Any]:
    """better_for_both (check_deal), find_trades and build_mesos on a 10x6 table."""
    from coach.analysis.deal import check_deal
    from coach.analysis.meso import build_mesos
    from coach.analysis.trades import find_trades

    table = random_table(10, 6, seed=106)
    rng = random.Random(7)
    package = tuple(rng.randrange(6) for _ in range(10))
    check = check_deal(table, package)
    return {
        "size": "10x6",
        "package": list(package),
        "better_for_both_found": len(check.better_for_both),
        "better_for_both_s": median_time(lambda: check_deal(table, package), runs),
        "better_for_both_warm_s": median_time(lambda: check_deal(table, package), runs, cold=False),
        "trades_found": len(find_trades(table, package)),
        "find_trades_s": median_time(lambda: find_trades(table, package), runs),
        "mesos_found": len(build_mesos(table, 0)),
        "build_mesos_s": median_time(lambda: build_mesos(table, 0), runs),
    }


def write_scenario(table: Table, path: Path) -> Path:
    """Write ``table`` in the scenario YAML format (for the CLI subprocess runs)."""
    import yaml

    raw = {
        "id": "bench", "title": "Benchmark table",
        "parties": [{"id": p, "name": p.upper(), "batna": b} for p, b in zip(table.parties, table.batnas)],
        "issues": [{"id": i.id, "name": i.name, "options": list(i.options),
                    "points": {table.parties[0]: list(i.points[0]), table.parties[1]: list(i.points[1])}}
                   for i in table.issues],
    }
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def coach_command() -> list[str]:
    """The venv ``coach`` console script when present, else ``python -m coach.cli``."""
    script = Path(sys.executable).with_name("coach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "coach.cli"]


_PROBE = """
import json, sys
sys.argv = ["coach", *sys.argv[1:]]
from coach.cli import main
try:
    main()
except SystemExit as exit_:
    code = exit_.code
except Exception as err:
    code = type(err).__name__
else:
    code = 0
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
sys.stderr.write("BENCH_PROBE " + json.dumps({{"heavy": sorted({{m.split(".")[0] for m in heavy}}), "code": code}}) + "\\n")
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(COACH_DATA_DIR=str(home), COACH_LLM_PROVIDER="offline")
    return env


def bench_cli(workdir: Path, runs: int) -> dict[str, Any]:
    """Fresh-process wall time of ``coach analyze`` / ``coach zopa`` and their heavy imports."""
    small = write_scenario(random_table(3, 3, seed=3), workdir / "small.yaml")
    large = write_scenario(random_table(*LARGE, seed=40, batnas=(500.0, 500.0)), workdir / "large.yaml")
    commands = {
        "analyze": ["analyze", str(small), "--json"],
        "zopa": ["zopa", "--mine", "100", "--theirs", "90-120", "--role", "buyer", "--json"],
        "analyze_40x10": ["analyze", str(large), "--json"],
    }
    env = _env(workdir)
    out: dict[str, Any] = {"command": " ".join(Path(c).name for c in coach_command())}
    out["python_baseline_s"] = median_time(
        lambda: subprocess.run([sys.executable, "-c", "pass"], check=False, env=env, capture_output=True, timeout=60),
        runs, cold=False)
    for name, args in commands.items():
        codes: list[int] = []
        cpu: list[float] = []

        def run(args: list[str] = args, codes: list[int] = codes, cpu: list[float] = cpu) -> None:
            before = _child_cpu()
            done = subprocess.run([*coach_command(), *args], check=False, env=env,
                                  capture_output=True, timeout=120)
            cpu.append(_child_cpu() - before)
            codes.append(done.returncode)

        out[f"{name}_s"] = median_time(run, runs)
        out[f"{name}_cpu_s"] = statistics.median(cpu)  # user + sys: less sensitive to machine load
        out[f"{name}_exit_codes"] = sorted(set(codes))
        out[f"{name}_heavy_imports"] = heavy_imports(args, env)
    return out


def _child_cpu() -> float:
    """User + system CPU seconds used so far by finished child processes (0.0 where unsupported)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def heavy_imports(args: Sequence[str], env: dict[str, str]) -> list[str] | str:
    """Top-level heavy packages present in ``sys.modules`` after running the CLI with ``args``."""
    probe = _PROBE.format(heavy=set(HEAVY_MODULES))
    done = subprocess.run([sys.executable, "-c", probe, *args], check=False, env=env, capture_output=True,
                          text=True, timeout=120, cwd=REPO_ROOT)
    for line in done.stderr.splitlines():
        if line.startswith("BENCH_PROBE "):
            return list(json.loads(line.split(" ", 1)[1])["heavy"])
    return f"probe failed: {done.stderr.strip()[-200:]}"


def bench_negmas(rows: list[dict[str, Any]]) -> dict[str, Any] | str:
    """Time NegMAS's ``pareto_frontier`` when it happens to be installed (AGPL: never a dependency)."""
    try:
        import negmas  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return "not installed"
    try:
        return _negmas_times(rows)
    except Exception as err:  # noqa: BLE001 - third-party API drift must not break the benchmark
        return f"failed: {type(err).__name__}: {err}"


def _negmas_times(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from negmas.outcomes import make_issue, make_os  # type: ignore[import-not-found]
    from negmas.preferences import LinearAdditiveUtilityFunction as LUF  # type: ignore[import-not-found]
    from negmas.preferences.ops import pareto_frontier  # type: ignore[import-not-found]

    times: dict[str, Any] = {}
    for row in rows:
        if row["packages"] > 1_000_000:
            times[row["size"]] = f"skipped: {row['packages']:,} packages"
            continue
        n_issues, n_options = (int(x) for x in row["size"].split("x"))
        table = random_table(n_issues, n_options, seed=row["seed"])
        issues = [make_issue(list(i.options), name=i.id) for i in table.issues]
        space = make_os(issues)
        ufuns = [LUF(values={i.id: dict(zip(i.options, i.points[p])) for i in table.issues},
                     outcome_space=space) for p in (0, 1)]
        times[row["size"]] = median_time(functools.partial(pareto_frontier, ufuns, issues=issues), 1)
    return times


def verdicts(rows: list[dict[str, Any]], large: dict[str, Any], tools: dict[str, Any],
             cli: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value and PASS/FAIL."""
    by = {r["size"]: r for r in rows}
    values = {
        "frontier 10x6": by["10x6"]["frontier_s"],
        "frontier 40x10 end to end": large["end_to_end_s"],
        "better_for_both 10x6": tools["better_for_both_s"],
        "find_trades 10x6": tools["find_trades_s"],
        "build_mesos 10x6": tools["build_mesos_s"],
        "coach analyze start-up": cli.get("analyze_s"),
        "coach zopa start-up": cli.get("zopa_s"),
        "speed-up vs brute force 8x5": by["8x5"]["ratio"],
    }
    out = []
    for name, (limit, unit, kind) in TARGETS.items():
        value = values[name]
        ok = value is not None and (value <= limit if kind == "max" else value >= limit)
        if name.startswith("coach "):  # a start-up only counts when the command succeeded
            ok = ok and cli.get(f"{name.split()[1]}_exit_codes") == [0]
        out.append({"target": name, "limit": limit, "unit": unit, "value": value,
                    "result": "PASS" if ok else "FAIL"})
    for name in ("analyze", "zopa"):
        heavy = cli.get(f"{name}_heavy_imports")
        out.append({"target": f"coach {name}: no heavy imports", "limit": [], "unit": "modules",
                    "value": heavy, "result": "PASS" if heavy == [] else "FAIL"})
    out.append({"target": "frontier equals brute force", "limit": True, "unit": "",
                "value": all(r["equal"] is not False for r in rows),
                "result": "PASS" if all(r["equal"] is not False for r in rows) else "FAIL"})
    return out


def run_all(quick: bool) -> dict[str, Any]:
    """Every measurement; ``quick`` skips the chunked 10x6 brute force and uses fewer runs."""
    runs = 3 if quick else 5
    rows = []
    for seed, (n, m) in enumerate(SIZES, start=1):
        brute_max = 1_000_000 if quick else BRUTE_MAX_PACKAGES
        rows.append(bench_size(n, m, seed, runs, brute_max))
    large = bench_large(3)
    tools = bench_tools(runs)
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        cli = bench_cli(Path(tmp), 3)
    machine = {"python": platform.python_version(), "platform": platform.platform(),
               "cpus": os.cpu_count()}
    return {"machine": machine, "tables": rows, "large": large, "tools": tools, "cli": cli,
            "negmas": bench_negmas(rows), "targets": verdicts(rows, large, tools, cli)}


def _fmt(value: Any, unit: str = "s") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value * 1000:.1f} ms" if unit == "s" and value < 1 else f"{value:,.2f} {unit}".strip()
    return str(value)


def readable(result: dict[str, Any]) -> list[str]:
    """The human summary printed without ``--json``."""
    lines = ["size   packages        frontier   brute          ratio      equal  points"]
    for r in result["tables"]:
        brute = _fmt(r["brute_s"]) if r["brute_s"] is not None else r["brute_note"]
        ratio = f"{r['ratio']:,.0f}x" if r["ratio"] else "-"
        lines.append(f"{r['size']:<6} {r['packages']:<15,} {_fmt(r['frontier_s']):<10} {brute:<14} "
                     f"{ratio:<10} {r['equal']!s:<6} {r['frontier_points']}")
    lg, tl, cli = result["large"], result["tools"], result["cli"]
    lines.append(f"40x10 end to end: {_fmt(lg['end_to_end_s'])} ({lg['frontier_points']} frontier points)")
    lines.append(f"10x6 better_for_both {_fmt(tl['better_for_both_s'])}, find_trades "
                 f"{_fmt(tl['find_trades_s'])}, build_mesos {_fmt(tl['build_mesos_s'])}")
    lines.append(f"start-up ({cli['command']}): analyze {_fmt(cli['analyze_s'])}, zopa "
                 f"{_fmt(cli['zopa_s'])}, analyze 40x10 {_fmt(cli['analyze_40x10_s'])} "
                 f"(bare python: {_fmt(cli['python_baseline_s'])}); CPU: analyze "
                 f"{_fmt(cli['analyze_cpu_s'])}, zopa {_fmt(cli['zopa_cpu_s'])}")
    lines.append(f"heavy imports: analyze {cli['analyze_heavy_imports']}, zopa {cli['zopa_heavy_imports']}")
    lines.append(f"negmas: {result['negmas']}")
    for t in result["targets"]:
        kind = TARGETS.get(t["target"], (0, "", "equal"))[2]
        bound = {"max": "<=", "min": ">="}.get(kind, "=")
        lines.append(f"{t['result']}  {t['target']}: {_fmt(t['value'], t['unit'])} "
                     f"(target {bound} {_fmt(t['limit'], t['unit'])})")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry for ``python -m evals bench-engine``."""
    parser = argparse.ArgumentParser(prog="python -m evals bench-engine", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quick", action="store_true", help="skip the chunked 10x6 brute force")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    args = parser.parse_args(list(argv) if argv is not None else None)
    result = run_all(args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else "\n".join(readable(result)))
    return 0 if all(t["result"] == "PASS" for t in result["targets"]) else 1
