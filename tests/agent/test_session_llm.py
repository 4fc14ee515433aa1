"""The LLM path against the scripted OpenAI-compatible loopback server (real openai + langchain stack)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.agent.dealsheet import DealSheet, DealSheetUpdate, apply_update
from coach.agent.session import CoachDeps, CoachReply, CoachSession, validate_citations
from coach.analysis.zopa import zopa
from coach.llm.backends import resolve_backend
from coach.store.chat import ChatStore
from tests.llm_server import (
    TEST_API_KEY,
    ScriptedLLMServer,
    hang,
    http_error,
    running_server,
    settings_for,
    text,
    tool_call,
)

ZOPA_ARGS = {"reservation": 100_000, "their_low": 110_000, "their_high": 130_000, "role": "seller"}
FINAL = ("**ZOPA:** 100,000 to 130,000 USD [map-the-zopa#how-to-do-it] [made-up#nothing]. "
         "What is your target?")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedLLMServer]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield from running_server()


def _deps(server: ScriptedLLMServer, kb: Any, store: ChatStore, tmp_path: Path, timeout: float = 2.0,
          retries: int = 0) -> CoachDeps:
    settings = settings_for(server, llm_timeout=timeout, data_dir=tmp_path)
    backend = resolve_backend(settings, probe_ollama=False, max_retries=retries)
    return CoachDeps(settings=settings, backend=backend, kb=kb, store=store)


def _seeded(deps: CoachDeps) -> CoachSession:
    session = CoachSession(deps)
    sheet = apply_update(DealSheet(), DealSheetUpdate(reservation=100_000, role="seller", currency="USD"))[0]
    deps.store.save_deal_sheet(session.session_id, sheet.model_dump(mode="json"))
    return session


def test_tool_call_then_cited_reply(server: ScriptedLLMServer, kb: Any, store: ChatStore, tmp_path: Path) -> None:
    server.enqueue(tool_call("zopa", ZOPA_ARGS), text(FINAL))
    session = _seeded(_deps(server, kb, store, tmp_path))
    reply = session.respond("Their budget is 110-130k. Is there a ZOPA?")
    assert reply.backend == "openai" and reply.fallback is None
    (call,) = reply.tool_calls
    assert call["name"] == "zopa" and call["args"] == ZOPA_ARGS
    expected = zopa(100_000, 110_000, 130_000, role="seller").to_dict()
    assert {k: call["result"][k] for k in expected} == expected
    assert reply.citations == ["map-the-zopa#how-to-do-it"]
    assert "made-up#nothing" not in reply.text and "[map-the-zopa#how-to-do-it]" in reply.text
    assert session.sheet.results["zopa"]["first_offer"] == expected["first_offer"]
    tool_message = server.messages(1)[-1]
    assert tool_message["role"] == "tool" and json.loads(tool_message["content"])["first_offer"] == expected["first_offer"]
    assert server.unexpected == 0


def test_system_prompt_has_rules_and_sheet_but_no_key(server: ScriptedLLMServer, kb: Any, store: ChatStore,
                                                      tmp_path: Path) -> None:
    server.enqueue(text("Noted. What is your walk-away alternative? [batna#how-to-do-it]"))
    session = _seeded(_deps(server, kb, store, tmp_path))
    session.respond("What should I prepare first?")
    system = server.messages(0)[0]
    assert system["role"] == "system"
    assert "Never state a number you did not get from a tool" in system["content"]
    assert "reservation: 100,000 USD" in system["content"] and "my role: seller" in system["content"]
    assert "[batna#" in system["content"] or "Passages from the practices library" in system["content"]
    assert set(server.tool_names(0)) == {"search_practices", "update_deal_sheet", "zopa", "pareto", "find_trades",
                                         "build_mesos", "contingent_contract", "improve_deal"}
    assert all(TEST_API_KEY.encode() not in body for body in server.raw_bodies)
    stored = json.dumps(store.turns(session.session_id)) + json.dumps(store.load_deal_sheet(session.session_id))
    assert TEST_API_KEY not in stored


def test_model_free_text_never_edits_the_sheet(server: ScriptedLLMServer, kb: Any, store: ChatStore,
                                               tmp_path: Path) -> None:
    server.enqueue(text("Got it: your reservation is 250,000 and their budget is 300,000."))
    session = _seeded(_deps(server, kb, store, tmp_path))
    before = session.sheet
    reply = session.respond("We can walk away at 250k and their budget is 300k.")
    assert reply.tool_calls == [] and session.sheet == before  # no update_deal_sheet call, no change
    assert session.sheet.reservation == 100_000


def test_bad_tool_arguments_go_back_to_the_model(server: ScriptedLLMServer, kb: Any, store: ChatStore,
                                                 tmp_path: Path) -> None:
    server.enqueue(tool_call("zopa", {"role": "boss"}), tool_call("zopa", ZOPA_ARGS), text("Done [map-the-zopa#what-it-is]."))
    session = _seeded(_deps(server, kb, store, tmp_path))
    reply = session.respond("zopa please")
    first, second = reply.tool_calls
    assert "role" in first["result"]["error"] and "Traceback" not in first["result"]["error"]
    assert second["result"]["exists"] is True
    assert server.messages(1)[-1]["content"].startswith("error:")


@pytest.mark.parametrize(("script", "timeout", "retries", "reason"), [
    ([http_error(500), http_error(500)], 2.0, 1, "http-500"),
    ([hang(10)], 0.5, 0, "timeout"),
])
def test_faults_fall_back_to_offline(server: ScriptedLLMServer, kb: Any, store: ChatStore, tmp_path: Path,
                                     script: list[Any], timeout: float, retries: int, reason: str) -> None:
    server.enqueue(*script)
    session = CoachSession(_deps(server, kb, store, tmp_path, timeout=timeout, retries=retries))
    reply = session.respond("We can walk away at $120k; I'm the seller.")
    assert reply.fallback == reason and reply.backend == "openai"
    assert "(offline coach)" in reply.text and "could not answer" in reply.text
    assert session.sheet.reservation == 120_000  # the offline engine filled the sheet
    turns = store.turns(session.session_id)
    assert [t["role"] for t in turns] == ["user", "assistant"]
    assert turns[0]["text"] == "We can walk away at $120k; I'm the seller." and turns[0]["status"] == "complete"
    assert turns[1]["trace"]["fallback"] == reason
    assert len(server.requests) == len(script)


def test_user_turn_is_committed_before_the_model_answers(server: ScriptedLLMServer, kb: Any, store: ChatStore,
                                                         tmp_path: Path) -> None:
    server.enqueue(hang(10))
    session = CoachSession(_deps(server, kb, store, tmp_path, timeout=1.5))
    done: list[CoachReply] = []
    worker = threading.Thread(target=lambda: done.append(session.respond("hello there coach")))
    worker.start()
    deadline = time.monotonic() + 10
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    pending = store.turns(session.session_id)
    worker.join()
    assert [(t["role"], t["text"], t["status"]) for t in pending] == [("user", "hello there coach", "pending")]
    assert done[0].fallback == "timeout"


def test_stream_yields_tokens_then_reply(server: ScriptedLLMServer, kb: Any, store: ChatStore, tmp_path: Path) -> None:
    server.enqueue(text("Use three packages [meso#how-to-do-it]."))
    session = CoachSession(_deps(server, kb, store, tmp_path))
    items = list(session.stream("How do MESOs work?"))
    *tokens, reply = items
    assert isinstance(reply, CoachReply) and all(isinstance(t, str) for t in tokens)
    assert "".join(tokens) == "Use three packages [meso#how-to-do-it]."
    assert reply.citations == ["meso#how-to-do-it"]
    assert server.requests[0]["stream"] is True


def test_validate_citations_without_kb() -> None:
    cleaned, ids = validate_citations("A [a#b, zz#yy] B [c#d].", None, {"a#b": 1, "c#d": 1})
    assert ids == ["a#b", "c#d"] and cleaned == "A [a#b] B [c#d]."


def test_system_prompt_stays_within_budget(offline_deps: CoachDeps, kb: Any) -> None:
    from coach.llm.tokens import approx_tokens

    big = DealSheetUpdate.model_validate({
        "reservation": 1, "target": 2, "my_batna": "x" * 300,
        "issues": [{"name": f"issue number {n}", "options": [f"option {k} of issue {n}" for k in range(5)]}
                   for n in range(12)],
        "interests": [{"party": "them", "text": "t" * 100, "why": "w" * 100} for _ in range(5)],
        "open_questions": [f"question {n} " + "q" * 80 for n in range(10)]})
    sheet = apply_update(DealSheet(), big)[0]
    prompt = CoachSession(offline_deps).system_prompt(sheet, kb.search("how do I build MESOs", k=3))
    assert approx_tokens(prompt) <= 3000
    assert "Never state a number you did not get from a tool" in prompt
