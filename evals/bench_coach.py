"""``python -m evals bench-coach``: per-turn overhead of the coach, offline latency, prompt size.

- Warm per-turn overhead excluding the model (retrieval + tools + store + prompt rendering) on the
  LLM path, measured against the scripted loopback server from ``tests/llm_server.py``: the time
  of ``respond`` minus the time spent inside model calls (LangChain callbacks). Target p95 <= 50 ms.
- Offline reply end to end (``respond`` with the embedded engine). Target p95 <= 150 ms.
- Mean approximate prompt tokens per LLM turn (``coach.llm.tokens``; system prompt, history, tool
  schemas; summed over the model calls of the turn) and per model call. Target <= 3,000.
Writes evals/results/bench-coach.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
OFFLINE_MESSAGES = (
    "What is a MESO?",
    ("I'm selling a SaaS license to Acme. The issues are price, contract length, support level and payment "
     "terms. We can walk away at $100k. Their budget is probably 110-130k."),
    "Price matters most to me. They care about support level.",
    "Can you draft three MESOs for my deal?",
    "Find trades for my deal.",
    "How do I probe their interests?",
    "I'm 90% sure we'll deliver on time but they think it's only 60%.",
    "Give me my prep sheet.",
)
LLM_MESSAGES = (
    "Their budget is probably 110-130k. Is there a ZOPA?",
    "What should I ask them about support?",
    "How do I present three offers at once?",
    "They said the price is final. What now?",
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 3)


def _stats(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": _percentile(values, 0.5), "p95": _percentile(values, 0.95),
            "mean": round(statistics.fmean(values), 3), "max": round(max(values), 3)}


def _model_timer() -> Any:
    """A LangChain callback handler summing the wall time spent inside chat-model calls."""
    from langchain_core.callbacks import BaseCallbackHandler

    class ModelTimer(BaseCallbackHandler):
        def __init__(self) -> None:
            self.total = 0.0
            self._started: dict[Any, float] = {}

        def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: Any, **kwargs: Any) -> None:
            self._started[run_id] = time.perf_counter()

        def on_llm_end(self, response: Any, *, run_id: Any, **kwargs: Any) -> None:
            self.total += time.perf_counter() - self._started.pop(run_id, time.perf_counter())

        def on_llm_error(self, error: BaseException, *, run_id: Any, **kwargs: Any) -> None:
            self.total += time.perf_counter() - self._started.pop(run_id, time.perf_counter())

    return ModelTimer()


def _store(tmp: Path, name: str) -> Any:
    from coach.store.base import Database
    from coach.store.chat import ChatStore

    db = Database(f"sqlite:///{tmp / name}")
    db.create_all()
    return ChatStore(db)


def bench_offline(kb: Any, settings: Any, tmp: Path, rounds: int) -> dict[str, Any]:
    """Offline replies end to end over a scripted conversation, repeated in fresh sessions."""
    from coach.agent.session import CoachDeps, CoachSession
    from coach.llm.backends import ResolvedBackend

    deps = CoachDeps(settings, ResolvedBackend("offline", None, "offline (bench)"), kb, _store(tmp, "offline.db"))
    CoachSession(deps).respond(OFFLINE_MESSAGES[0])  # warm-up (embedder, BM25, SQLite)
    times: list[float] = []
    for _ in range(rounds):
        session = CoachSession(deps)
        for message in OFFLINE_MESSAGES:
            started = time.perf_counter()
            session.respond(message)
            times.append((time.perf_counter() - started) * 1000)
    return _stats(times)


def _seed(deps: Any, session: Any) -> None:
    from coach.agent.dealsheet import DealSheet, DealSheetUpdate, apply_update

    sheet = apply_update(DealSheet(), DealSheetUpdate.model_validate({
        "role": "seller", "currency": "USD", "counterparty": "Acme", "reservation": 100000, "target": 140000,
        "issues": [{"name": "price"}, {"name": "term", "options": ["1y", "2y", "3y"]},
                   {"name": "support", "options": ["basic", "premium"]}],
        "priorities": [{"issue": "price", "side": "me", "level": "High"},
                       {"issue": "term", "side": "them", "level": "High"}]}))[0]
    deps.store.save_deal_sheet(session.session_id, sheet.model_dump(mode="json"))


def bench_llm(kb: Any, tmp: Path, turns: int) -> dict[str, Any]:
    """LLM-path turns against the loopback server: a zopa tool call, then a cited text reply."""
    from coach.agent.session import CoachDeps, CoachSession
    from coach.llm.backends import resolve_backend
    from tests.llm_server import ScriptedLLMServer, settings_for, text, tool_call

    overhead: list[float] = []
    retrieval: list[float] = []
    rest: list[float] = []
    tokens: list[int] = []
    per_call: list[float] = []
    with ScriptedLLMServer() as server:
        settings = settings_for(server, data_dir=tmp)
        backend = resolve_backend(settings, probe_ollama=False, max_retries=0)
        timer = _model_timer()
        backend.model = backend.model.model_copy(update={"callbacks": [timer]})  # type: ignore[union-attr]
        deps = CoachDeps(settings, backend, kb, _store(tmp, "llm.db"))
        session = CoachSession(deps)
        _seed(deps, session)
        for n in range(turns + 1):
            server.enqueue(tool_call("zopa", {"their_low": 110000, "their_high": 130000}),
                           text("**ZOPA:** 100,000 to 130,000 USD [map-the-zopa#how-to-do-it]. What is your target?"))
            before = timer.total
            started = time.perf_counter()
            reply = session.respond(LLM_MESSAGES[n % len(LLM_MESSAGES)])
            elapsed = time.perf_counter() - started
            if reply.fallback:
                raise RuntimeError(f"bench turn fell back: {reply.fallback}")
            if n == 0:
                continue  # warm-up
            overhead.append((elapsed - (timer.total - before)) * 1000)
            retrieval.append(reply.timings.get("retrieval_ms", 0.0))
            rest.append(overhead[-1] - retrieval[-1])
            tokens.append(reply.prompt_tokens)
            per_call.append(reply.prompt_tokens / 2)
    return {"overhead_ms": _stats(overhead), "retrieval_ms": _stats(retrieval), "rest_ms": _stats(rest), "prompt_tokens_per_turn": _stats([float(t) for t in tokens]),
            "prompt_tokens_per_model_call": _stats(per_call), "model_calls_per_turn": 2}


def _load() -> float | None:
    try:
        import os

        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry for ``python -m evals bench-coach``."""
    parser = argparse.ArgumentParser(prog="python -m evals bench-coach", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="offline conversations (8 turns each)")
    parser.add_argument("--turns", type=int, default=40, help="LLM-path turns against the loopback server")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench-coach.json")
    args = parser.parse_args(list(argv) if argv is not None else None)
    from coach.knowledge.search import KnowledgeBase
    from coach.settings import get_settings

    settings = get_settings()
    kb = KnowledgeBase.open(settings)
    with tempfile.TemporaryDirectory(prefix="bench-coach-") as tmp:
        offline = bench_offline(kb, settings, Path(tmp), args.rounds)
        llm = bench_llm(kb, Path(tmp), args.turns)
    result = {
        "suite": "bench-coach",
        "offline_reply_ms": offline,
        "llm_turn_overhead_ms": llm["overhead_ms"],
        "llm_turn_retrieval_ms": llm["retrieval_ms"],
        "llm_turn_overhead_without_retrieval_ms": llm["rest_ms"],
        "machine_load_1min": _load(),
        "llm_prompt_tokens_per_turn": llm["prompt_tokens_per_turn"],
        "llm_prompt_tokens_per_model_call": llm["prompt_tokens_per_model_call"],
        "targets": {"overhead_p95_ms": 50, "offline_p95_ms": 150, "mean_prompt_tokens": 3000},
        "meets": {"overhead": llm["overhead_ms"]["p95"] <= 50, "offline": offline["p95"] <= 150,
                  "prompt_tokens_per_model_call": llm["prompt_tokens_per_model_call"]["mean"] <= 3000,
                  "prompt_tokens_per_turn_of_two_calls": llm["prompt_tokens_per_turn"]["mean"] <= 3000},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
