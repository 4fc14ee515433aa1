"""UI benchmark: time of one Streamlit rerun per page, model time excluded.

``python -m evals bench-ui [--reruns N] [--data-dir DIR] [--out FILE] [--json]``

Each page is loaded with ``streamlit.testing.v1.AppTest`` (offline coach), brought to a
realistic state (a live deal with tool results, a drill answered, a role-play in progress and
its debrief, progress with data, the settings form), then rerun N times. A plain rerun calls no
model, so its time is UI time. For the chat turn itself the coach's own time
(``CoachReply.timings["total_ms"]``: retrieval, engine, and the model when there is one) is
subtracted. Target: p95 <= 150 ms per page. Writes ``evals/results/bench-ui.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = str(REPO_ROOT / "ui" / "app.py")
DEFAULT_OUT = REPO_ROOT / "evals" / "results" / "bench-ui.json"
TARGET_MS = 150.0
DEAL = ("I'm buying a used van. My walk-away is 12,000 EUR and my target is 10,000. I think their floor is between "
        "9,500 and 11,000. The issues are price, warranty, delivery date, winter tyres.")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _summary(samples: list[float]) -> dict[str, Any]:
    return {"n": len(samples), "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(_percentile(samples, 0.95), 1), "max_ms": round(max(samples), 1),
            "meets_target": _percentile(samples, 0.95) <= TARGET_MS}


def _timed_reruns(at: Any, reruns: int) -> list[float]:
    samples = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.run()
        samples.append((time.perf_counter() - start) * 1000)
        if at.exception:
            raise RuntimeError(f"page raised: {at.exception[0].value}")
    return samples


def _button(at: Any, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _live_deal(at: Any) -> list[float]:
    """The chat turn (coach time subtracted), then the 'Draft 3 MESOs' quick action."""
    overheads = []
    for message in (DEAL, "Build three MESOs for my deal", "Find trades for my deal"):
        start = time.perf_counter()
        at.chat_input[0].set_value(message).run()
        total = (time.perf_counter() - start) * 1000
        coach_ms = at.session_state["svc:coach"].deps.store.turns(at.session_state["live_session_id"])[-1][
            "trace"]["timings"]["total_ms"]
        overheads.append(total - coach_ms)
    return overheads


def _practice(at: Any) -> None:
    at.switch_page("pages/practice.py").run()
    _button(at, "Start today's drills").click().run()
    run = at.session_state["practice_run"]
    drill = run["items"][0].drill
    if at.radio:
        at.radio[0].set_value(at.radio[0].options[0])
    else:
        at.text_area[0].set_value(getattr(drill, "model_answer", "") or "an answer")
    _button(at, "Check my answer").click().run()


def _roleplay(at: Any) -> None:
    at.switch_page("pages/roleplay.py").run()
    _button(at, "Start the role-play").click().run()
    for line in ("What matters most to you, and why?", "I can offer a package: title and a 5% raise."):
        at.chat_input[0].set_value(line).run()


def _debrief(at: Any) -> None:
    _button(at, "End and debrief").click().run()
    _button(at, "Reveal the debrief").click().run()


def measure(reruns: int) -> dict[str, Any]:
    """Rerun timings per page, in one AppTest session that carries state across pages."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    results: dict[str, Any] = {}
    turn_overheads = _live_deal(at)
    results["Live deal"] = _summary(_timed_reruns(at, reruns))
    steps: list[tuple[str, Callable[[Any], None]]] = [
        ("Practice", _practice), ("Role-play", _roleplay), ("Role-play debrief", _debrief),
        ("Progress", lambda a: a.switch_page("pages/progress.py").run()),
        ("Settings", lambda a: a.switch_page("pages/settings.py").run()),
    ]
    for name, prepare in steps:
        prepare(at)
        if at.exception:
            raise RuntimeError(f"{name} raised: {at.exception[0].value}")
        results[name] = _summary(_timed_reruns(at, reruns))
    results["Live deal chat turn (coach time excluded)"] = _summary(turn_overheads)
    return results


def _prepare_data_dir(data_dir: Path | None) -> Path:
    """A data dir with the practices index: the given one, or a temp dir seeded from the user's index."""
    import numpy  # noqa: F401  - import before KnowledgeBase.open's preload thread does (import race)

    from coach.knowledge.search import KnowledgeBase
    from coach.settings import Settings

    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="pie-bench-ui-"))
        user_index = Settings().index_dir
        if user_index.is_dir() and not (data_dir / "index").exists():
            shutil.copytree(user_index, data_dir / "index")
    print(f"data dir {data_dir}: opening the practices index (built on first use)…", file=sys.stderr)
    KnowledgeBase.open(Settings(data_dir=data_dir, llm_provider="offline"))
    return data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals bench-ui", description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=20, help="reruns timed per page (default 20)")
    parser.add_argument("--data-dir", type=Path, default=None, help="data dir to use (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    args = parser.parse_args(argv)
    data_dir = _prepare_data_dir(args.data_dir)
    os.environ.update({"COACH_DATA_DIR": str(data_dir), "COACH_LLM_PROVIDER": "offline",
                       "COACH_DATABASE_URL": f"sqlite:///{data_dir / 'bench-ui.db'}"})
    try:
        pages = measure(max(1, args.reruns))
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    report = {"target_p95_ms": TARGET_MS, "reruns_per_page": args.reruns, "pages": pages,
              "all_meet_target": all(p["meets_target"] for p in pages.values()),
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count()},
              "method": "AppTest reruns with no model call (offline coach); chat turn minus the coach's total_ms"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, p in pages.items():
            flag = "PASS" if p["meets_target"] else "FAIL"
            print(f"{flag}  {name:<42} p50 {p['p50_ms']:>7.1f} ms  p95 {p['p95_ms']:>7.1f} ms  (n={p['n']})")
        print(f"target p95 <= {TARGET_MS:.0f} ms; written to {args.out}")
    return 0
