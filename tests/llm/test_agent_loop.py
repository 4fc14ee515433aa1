"""The tool loop over the real openai SDK + langchain-openai stack against the scripted loopback server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool

from coach.llm.agent_loop import BackendFailure, LoopResult, run_tool_loop
from coach.llm.backends import resolve_backend
from tests.llm_server import (
    TEST_API_KEY,
    ScriptedLLMServer,
    empty,
    hang,
    http_error,
    rate_limited,
    settings_for,
    stream_cut,
    text,
    tool_call,
    tool_calls,
)


@tool
def add(a: int, b: int) -> int:
    """Add two integers and return the sum."""
    return a + b


@tool
def explode(reason: str) -> str:
    """A tool that always fails (to test error reporting)."""
    raise RuntimeError(f"engine refused: {reason}")


TOOLS = [add, explode]
STREAM_MODES = pytest.mark.parametrize("streaming", [False, True], ids=["invoke", "stream"])
MALFORMED = "a=2, b=3"  # not JSON, and not repairable as partial JSON


def run(server: ScriptedLLMServer, streaming: bool, *, max_retries: int = 2, timeout: float = 2.0,
        max_steps: int = 6) -> tuple[LoopResult, list[str]]:
    backend = resolve_backend(settings_for(server, llm_timeout=timeout), max_retries=max_retries)
    assert backend.model is not None
    tokens: list[str] = []
    on_token: Callable[[str], None] | None = tokens.append if streaming else None
    messages = [SystemMessage("You are a test."), HumanMessage("What is 2 + 3?")]
    result = run_tool_loop(backend.model, messages, TOOLS, max_steps=max_steps, on_token=on_token)
    return result, tokens


def fail_reason(server: ScriptedLLMServer, streaming: bool, **kwargs: Any) -> str:
    with pytest.raises(BackendFailure) as info:
        run(server, streaming, **kwargs)
    return info.value.reason


@STREAM_MODES
def test_plain_reply_sends_tools_messages_and_no_key_in_body(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(text("Five, from the engine."))
    result, tokens = run(llm_server, streaming)
    assert result.text == "Five, from the engine."
    assert result.tool_calls == [] and result.model_calls == 1 and result.prompt_tokens > 0
    request = llm_server.requests[0]
    assert llm_server.tool_names(0) == ["add", "explode"]
    assert request["model"] == "scripted" and bool(request.get("stream")) is streaming
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert request["messages"][1]["content"] == "What is 2 + 3?"
    assert TEST_API_KEY.encode() not in llm_server.raw_bodies[0]
    assert llm_server.headers[0]["authorization"] == f"Bearer {TEST_API_KEY}"  # the key goes only in the header
    if streaming:
        assert "".join(tokens) == "Five, from the engine." and len(tokens) == 4


@STREAM_MODES
def test_tool_call_then_reply(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(tool_call("add", {"a": 2, "b": 3}, call_id="call_add_1"), text("It is 5."))
    result, _ = run(llm_server, streaming)
    assert result.text == "It is 5." and result.model_calls == 2
    assert [(r.name, r.args, r.result, r.error) for r in result.tool_calls] == [("add", {"a": 2, "b": 3}, 5, None)]
    second = llm_server.messages(1)
    assert second[-2]["role"] == "assistant"
    assert second[-2]["tool_calls"][0]["function"] == {"name": "add", "arguments": json.dumps({"a": 2, "b": 3})}
    assert second[-1] == {"role": "tool", "tool_call_id": "call_add_1", "content": "5"}


def test_parallel_tool_calls_each_get_a_result(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(tool_calls([("add", {"a": 1, "b": 1}, "c1"), ("add", {"a": 2, "b": 2}, "c2")]), text("2 and 4"))
    result, _ = run(llm_server, False)
    assert [r.result for r in result.tool_calls] == [2, 4]
    tool_msgs = [m for m in llm_server.messages(1) if m["role"] == "tool"]
    assert [(m["tool_call_id"], m["content"]) for m in tool_msgs] == [("c1", "2"), ("c2", "4")]


@STREAM_MODES
def test_validation_error_goes_back_to_model_as_correctable_text(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(tool_call("add", {"a": "two"}), tool_call("add", {"a": 2, "b": 3}), text("5"))
    result, _ = run(llm_server, streaming)
    assert result.text == "5"
    first, second = result.tool_calls
    assert first.result is None and first.error is not None and "a:" in first.error and "b: Field required" in first.error
    assert (second.result, second.error) == (5, None)
    feedback = llm_server.messages(1)[-1]
    assert feedback["role"] == "tool" and feedback["content"].startswith("error: invalid arguments")
    assert "Traceback" not in feedback["content"]


def test_tool_exception_becomes_error_message_not_traceback(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(tool_call("explode", {"reason": "no table"}), text("The engine could not answer."))
    result, _ = run(llm_server, False)
    assert result.tool_calls[0].error == "RuntimeError: engine refused: no table"
    content = llm_server.messages(1)[-1]["content"]
    assert content == "error: RuntimeError: engine refused: no table"


def test_server_error_then_success_is_retried_by_the_sdk(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(http_error(500), text("recovered"))
    result, _ = run(llm_server, False)
    assert result.text == "recovered"
    assert len(llm_server.requests) == 2
    assert [h.get("x-stainless-retry-count") for h in llm_server.headers] == ["0", "1"]


@STREAM_MODES
def test_rate_limited_with_retry_after_then_success(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(rate_limited("0.05"), text("after the wait"))
    result, _ = run(llm_server, streaming)
    assert result.text == "after the wait" and len(llm_server.requests) == 2


def test_exhausted_retries_raise_with_status(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(http_error(503), http_error(503))
    assert fail_reason(llm_server, False, max_retries=1) == "http-503"
    assert len(llm_server.requests) == 2 and llm_server.unexpected == 0


def test_exhausted_rate_limit_retries(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(rate_limited("0.01"), rate_limited("0.01"))
    assert fail_reason(llm_server, False, max_retries=1) == "rate-limited"


@STREAM_MODES
def test_hang_past_timeout_is_a_timeout_failure(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(hang(10), hang(10))
    assert fail_reason(llm_server, streaming, max_retries=1, timeout=0.3) == "timeout"
    assert len(llm_server.requests) == 2  # the SDK retried the timeout once before giving up


@STREAM_MODES
def test_malformed_arguments_twice_fail(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(tool_call("add", MALFORMED, call_id="bad1"), tool_call("add", MALFORMED, call_id="bad2"))
    assert fail_reason(llm_server, streaming) == "malformed-tool-call"
    correction = llm_server.messages(1)[-1]
    assert correction["role"] == "tool" and correction["tool_call_id"] == "bad1"
    assert "not valid JSON" in correction["content"]


def test_malformed_arguments_once_then_corrected(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(tool_call("add", MALFORMED), tool_call("add", {"a": 1, "b": 2}), text("3"))
    result, _ = run(llm_server, False)
    assert result.text == "3"
    assert [(r.name, r.result, r.error) for r in result.tool_calls] == [
        ("add", None, "malformed arguments"), ("add", 3, None)]


@STREAM_MODES
def test_unknown_tool_twice_fails(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(tool_call("multiply", {"a": 2}), tool_call("multiply", {"a": 2}))
    assert fail_reason(llm_server, streaming) == "unknown-tool"
    correction = llm_server.messages(1)[-1]
    assert correction["content"] == "error: there is no tool named 'multiply'; available: add, explode"


def test_unknown_tool_once_then_valid(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(tool_call("multiply", {"a": 2}), tool_call("add", {"a": 2, "b": 2}), text("4"))
    result, _ = run(llm_server, False)
    assert result.text == "4" and [r.error for r in result.tool_calls] == ["unknown tool", None]


def test_stream_cut_mid_way_fails_after_partial_tokens(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(stream_cut("Let me think about your"))
    tokens: list[str] = []
    backend = resolve_backend(settings_for(llm_server))
    assert backend.model is not None
    with pytest.raises(BackendFailure) as info:
        run_tool_loop(backend.model, [HumanMessage("hi")], TOOLS, on_token=tokens.append)
    assert info.value.reason == "stream-cut"
    assert "".join(tokens) == "Let me think about your"  # the user saw the partial text before the cut


def test_cut_body_without_streaming_is_retried_by_the_sdk(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(stream_cut(), text("whole"))
    result, _ = run(llm_server, False)
    assert result.text == "whole" and len(llm_server.requests) == 2


@STREAM_MODES
def test_empty_reply_fails(llm_server: ScriptedLLMServer, streaming: bool) -> None:
    llm_server.enqueue(empty())
    assert fail_reason(llm_server, streaming) == "empty-reply"


def test_tool_calls_forever_hit_max_steps(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(*[tool_call("add", {"a": i, "b": 1}) for i in range(3)])
    assert fail_reason(llm_server, False, max_steps=3) == "max-steps"


def test_failure_detail_never_carries_a_key() -> None:
    err = BackendFailure("http-401", "Incorrect API key provided: sk-live-abcdef123456. Bearer sk-live-abcdef123456")
    assert "abcdef123456" not in str(err) and err.reason == "http-401"
