"""``python -m evals coach [--json] [--backend offline|openai]``: score the coach on evals/coach/cases.yaml.

Deterministic checks only: expected tool calls with key arguments, forbidden tools, expected
citations (doc ids or chunk-id prefixes) that must also exist in the knowledge base, deal-sheet
fields, expected/forbidden text, and grounding: every number in the reply must come from the
user's words, the prior sheet, or a tool's arguments/results. Writes evals/results/coach-<backend>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
CASES = ROOT / "coach" / "cases.yaml"
RESULTS = ROOT / "results"
SMALL_INTEGERS = 12  # list numbering, "three MESOs", "A/B/C": not claims
_NUMBER = re.compile(r"(?<![\w#.-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(%|k\b|m\b)?", re.IGNORECASE)
_CHUNK_ID = re.compile(r"\[[^\]]*#[^\]]*\]")


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    """The cases list of the YAML file (anchors resolved)."""
    import yaml

    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])


# -- matching ------------------------------------------------------------------------------------

def matches(expected: Any, actual: Any) -> bool:
    """Subset match: dict keys recursively, each expected list item matched by some actual item,
    numbers approximately, strings case-insensitively."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, (list, tuple)) and all(any(matches(e, a) for a in actual) for e in expected)
    if isinstance(expected, bool) or expected is None:
        return expected == actual
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and not isinstance(actual, bool) and \
            math.isclose(float(expected), float(actual), rel_tol=1e-6, abs_tol=1e-9)
    return str(expected).strip().casefold() == str(actual).strip().casefold()


def _numbers_in(obj: Any, out: set[float]) -> None:
    if isinstance(obj, bool) or obj is None:
        return
    if isinstance(obj, (int, float)):
        value = float(obj)
        if math.isfinite(value):
            for digits in (0, 1, 2):
                for shown in (value, abs(value), value * 100):  # signs are words; probabilities are %
                    out.add(round(shown, digits))
        return
    if isinstance(obj, dict):
        for value in obj.values():
            _numbers_in(value, out)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            _numbers_in(value, out)
    else:
        for value in text_numbers(str(obj)):
            _numbers_in(value, out)


def text_numbers(text: str) -> list[float]:
    """Numbers written in text (``131,500``, ``1.2m``, ``45%``, ``120k``), chunk ids ignored."""
    values = []
    for match in _NUMBER.finditer(_CHUNK_ID.sub(" ", text)):
        value = float(match.group(1).replace(",", "") + (match.group(2) or ""))
        suffix = (match.group(3) or "").casefold()
        value *= {"k": 1e3, "m": 1e6}.get(suffix, 1.0)
        values.append(value)
    return values


def ungrounded_numbers(reply: str, sources: Sequence[Any]) -> list[float]:
    """Numbers in the reply that no source (message, prior sheet, tool calls) contains."""
    known: set[float] = set()
    for source in sources:
        _numbers_in(source, known)
    bad = []
    for value in text_numbers(reply):
        if value <= SMALL_INTEGERS and value == int(value):
            continue
        if not any(math.isclose(value, k, rel_tol=1e-6, abs_tol=0.051) for k in known):
            bad.append(value)
    return bad


# -- running ------------------------------------------------------------------------------------

def _check(case: dict[str, Any], reply: Any, kb: Any, history: list[str], prior: dict[str, Any]) -> dict[str, bool]:
    calls = reply.tool_calls
    checks: dict[str, bool] = {}
    for n, want in enumerate(case.get("expect_tools", [])):
        checks[f"tool:{want['name']}#{n}"] = any(
            c["name"] == want["name"] and matches(want.get("args", {}), c["args"]) for c in calls)
    for name in case.get("forbid_tools", []):
        checks[f"no-tool:{name}"] = all(c["name"] != name for c in calls)
    for prefix in case.get("expect_citations", []):
        checks[f"cite:{prefix}"] = any(c.startswith(prefix) for c in reply.citations)
    checks["citations-exist"] = all(kb is not None and kb.get(c) is not None for c in reply.citations)
    if case.get("expect_sheet"):
        checks["sheet"] = matches(case["expect_sheet"], reply.deal_sheet)
    for text in case.get("expect_text", []):
        checks[f"text:{text[:30]}"] = text in reply.text
    for text in case.get("forbid_text", []):
        checks[f"no-text:{text[:30]}"] = text not in reply.text
    sources = [case["message"], *history, prior, reply.progress, [c["args"] for c in calls],
               [c["result"] for c in calls]]
    checks["grounded-numbers"] = not ungrounded_numbers(reply.text, sources)
    return checks


def run_case(case: dict[str, Any], deps: Any) -> dict[str, Any]:
    """Run one case in a fresh session; returns the checks and a short trace."""
    from coach.agent.dealsheet import DealSheet, DealSheetUpdate, apply_update
    from coach.agent.session import CoachSession

    session = CoachSession(deps, mode=case.get("mode", "live"))
    prior = case.get("sheet") or {}
    if prior:
        sheet = apply_update(DealSheet(), DealSheetUpdate.model_validate(prior))[0]
        deps.store.save_deal_sheet(session.session_id, sheet.model_dump(mode="json"))
    history = [str(m) for m in case.get("history", [])]
    earlier = [session.respond(m) for m in history]
    started = time.perf_counter()
    reply = session.respond(case["message"])
    elapsed = time.perf_counter() - started
    context = [{"args": c["args"], "result": c["result"]} for r in earlier for c in r.tool_calls]
    checks = _check(case, reply, deps.kb, history + [json.dumps(context, default=str)], prior)
    return {"id": case["id"], "passed": all(checks.values()), "checks": checks,
            "failed": [k for k, v in checks.items() if not v],
            "tools": [c["name"] for c in reply.tool_calls], "citations": reply.citations,
            "fallback": reply.fallback, "ms": round(elapsed * 1000, 2),
            "ungrounded": ungrounded_numbers(reply.text, [case["message"], *history, prior, context, reply.progress,
                                                          [c["args"] for c in reply.tool_calls],
                                                          [c["result"] for c in reply.tool_calls]])}


def _deps(backend_name: str, data_dir: Path) -> Any:
    from coach.agent.session import CoachDeps
    from coach.knowledge.search import KnowledgeBase
    from coach.llm.backends import ResolvedBackend, resolve_backend
    from coach.settings import Settings, get_settings
    from coach.store.base import Database
    from coach.store.chat import ChatStore

    settings = get_settings()
    if backend_name == "offline":
        backend = ResolvedBackend("offline", None, "offline engine (eval)")
    else:
        backend = resolve_backend(Settings(**{**settings.model_dump(), "llm_provider": backend_name}))
    db = Database(f"sqlite:///{data_dir / 'coach-eval.db'}")
    db.create_all()
    return CoachDeps(settings=settings, backend=backend, kb=KnowledgeBase.open(settings), store=ChatStore(db, settings))


def summarize(results: list[dict[str, Any]], backend: str) -> dict[str, Any]:
    """Pass rate plus per-check-kind rates."""
    kinds: dict[str, list[bool]] = {}
    for r in results:
        for name, ok in r["checks"].items():
            kinds.setdefault(name.split(":", 1)[0].split("#", 1)[0], []).append(ok)
    rates = {k: round(sum(v) / len(v), 4) for k, v in sorted(kinds.items())}
    ms = sorted(r["ms"] for r in results)
    return {"suite": "coach", "backend": backend, "cases": len(results),
            "passed": sum(r["passed"] for r in results),
            "pass_rate": round(sum(r["passed"] for r in results) / max(1, len(results)), 4),
            "check_rates": rates, "fallbacks": sum(1 for r in results if r["fallback"]),
            "reply_ms_p50": ms[len(ms) // 2] if ms else None,
            "failures": [{"id": r["id"], "failed": r["failed"], "ungrounded": r["ungrounded"]}
                         for r in results if not r["passed"]],
            "results": results}


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry for ``python -m evals coach``."""
    parser = argparse.ArgumentParser(prog="python -m evals coach", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--backend", choices=("offline", "openai", "ollama"), default="offline")
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--out", type=Path, default=None, help="default evals/results/coach-<backend>.json")
    args = parser.parse_args(list(argv) if argv is not None else None)
    from coach.errors import CoachError

    try:
        cases = load_cases(args.cases)
        with tempfile.TemporaryDirectory(prefix="coach-eval-") as tmp:
            deps = _deps(args.backend, Path(tmp))
            results = [run_case(case, deps) for case in cases]
            deps.store.db.dispose()
    except (CoachError, OSError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    summary = summarize(results, args.backend)
    out = args.out or RESULTS / f"coach-{args.backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        print(f"coach eval ({args.backend}): {summary['passed']}/{summary['cases']} cases passed "
              f"({summary['pass_rate']:.0%}); check rates: {summary['check_rates']}")
        for failure in summary["failures"]:
            print(f"  FAIL {failure['id']}: {', '.join(failure['failed'])}")
    return 0
