"""The tool-calling loop between a chat model and LangChain tools, with faults made explicit.

The model proposes tool calls; the loop runs them and sends the results back until the model
answers in text. Anything that means "this backend cannot answer this turn" becomes a
``BackendFailure`` with a short ``reason`` so the caller can fall back to the offline engine and
mark the turn: timeouts and exhausted SDK retries, connection errors, a stream cut mid-way, an
empty reply, and malformed or unknown tool calls that persist after one correction round.
A tool's own validation error is not a backend failure: it goes back to the model as a
``ToolMessage`` it can correct (a short message, never a traceback).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coach.llm.redaction import redact_text
from coach.llm.tokens import approx_tokens

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.tools import BaseTool

log = logging.getLogger(__name__)

MAX_TOOL_RESULT_CHARS = 6000  # a tool result longer than this is truncated before the model sees it


class BackendFailure(Exception):
    """The model backend could not produce this turn; ``reason`` says why.

    Reasons: ``timeout``, ``connection``, ``rate-limited``, ``http-<status>`` (e.g. ``http-500``),
    ``stream-cut``, ``empty-reply``, ``malformed-tool-call``, ``unknown-tool``, ``max-steps``,
    ``model-error`` (anything else raised by the client).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = redact_text(detail)[:300]
        super().__init__(f"{reason}: {self.detail}" if self.detail else reason)


@dataclass
class ToolCallRecord:
    """One executed (or rejected) tool call, for the reply trace."""

    name: str
    args: dict[str, Any]
    result: Any
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for traces: ``error`` only when there is one."""
        data: dict[str, Any] = {"name": self.name, "args": self.args, "result": self.result}
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class LoopResult:
    """The final text, every tool call made on the way, and the prompt size sent."""

    text: str
    tool_calls: list[ToolCallRecord]
    prompt_tokens: int  # approximate, summed over every model call of the turn (incl. tool schemas)
    model_calls: int = 0
    messages: list[Any] = field(default_factory=list)  # the full transcript, ending with the final AIMessage


def classify_exception(err: BaseException) -> str:
    """A short fault reason for an exception raised by the openai SDK / httpx / langchain."""
    import openai

    if isinstance(err, openai.APITimeoutError):
        return "timeout"
    if isinstance(err, openai.APIConnectionError):
        return "connection"
    if isinstance(err, openai.RateLimitError):
        return "rate-limited"
    if isinstance(err, openai.APIStatusError):
        return f"http-{err.status_code}"
    if isinstance(err, TimeoutError):
        return "timeout"
    module = type(err).__module__.split(".")[0]
    if module.startswith("httpx"):
        name = type(err).__name__
        if "Timeout" in name:
            return "timeout"
        if name in ("RemoteProtocolError", "ReadError"):
            return "stream-cut"
        return "connection"
    if isinstance(err, openai.APIError):
        return "api-error"
    return "model-error"


def _call_model(bound: Any, messages: list[BaseMessage], on_token: Callable[[str], None] | None) -> AIMessage:
    """One model call; streaming (aggregated chunks, text deltas to ``on_token``) if asked."""
    from langchain_core.messages import AIMessage

    if on_token is None:
        try:
            reply = bound.invoke(messages)
        except Exception as err:
            raise BackendFailure(classify_exception(err), f"{type(err).__name__}: {err}") from err
        return reply if isinstance(reply, AIMessage) else AIMessage(content=str(reply))
    aggregate = None
    try:
        for chunk in bound.stream(messages):
            aggregate = chunk if aggregate is None else aggregate + chunk
            delta = chunk.text if isinstance(chunk.content, (str, list)) else ""
            if delta:
                on_token(str(delta))
    except Exception as err:
        reason = classify_exception(err)
        if aggregate is not None and reason in ("connection", "api-error", "model-error", "stream-cut"):
            reason = "stream-cut"
        raise BackendFailure(reason, f"{type(err).__name__}: {err}") from err
    if aggregate is None:
        raise BackendFailure("empty-reply", "the stream carried no chunks")
    if not aggregate.response_metadata.get("finish_reason"):
        raise BackendFailure("stream-cut", "the stream ended without a finish reason")
    return AIMessage(
        content=aggregate.content,
        tool_calls=aggregate.tool_calls,
        invalid_tool_calls=aggregate.invalid_tool_calls,
        response_metadata=aggregate.response_metadata,
        usage_metadata=aggregate.usage_metadata,
        id=aggregate.id,
    )


def _result_text(result: Any) -> str:
    text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_TOOL_RESULT_CHARS else text[:MAX_TOOL_RESULT_CHARS] + " …(truncated)"


def tool_error_text(err: BaseException) -> str:
    """A short, correctable description of a tool failure (validation errors field by field)."""
    from pydantic import ValidationError

    if isinstance(err, ValidationError):
        parts = []
        for item in err.errors()[:5]:
            where = ".".join(str(p) for p in item.get("loc", ())) or "arguments"
            parts.append(f"{where}: {item.get('msg', 'invalid')}")
        return "invalid arguments: " + "; ".join(parts)
    message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return f"{type(err).__name__}: {message}"[:500]


def _run_tool(tool: BaseTool, args: dict[str, Any]) -> ToolCallRecord:
    try:
        result = tool.invoke(args)
    except Exception as err:  # noqa: BLE001 - the model gets a message it can act on, not a traceback
        log.info("tool %s failed: %s", tool.name, type(err).__name__)
        return ToolCallRecord(tool.name, args, None, tool_error_text(err))
    return ToolCallRecord(tool.name, args, result, None)


def _tool_faults(reply: AIMessage, tools_by_name: dict[str, BaseTool]) -> tuple[list[Any], str | None]:
    """Error ``ToolMessage``s for malformed/unknown calls in ``reply``, and the fault kind (or None)."""
    from langchain_core.messages import ToolMessage

    errors: list[Any] = []
    fault = None
    for bad in reply.invalid_tool_calls:
        fault = "malformed-tool-call"
        errors.append(ToolMessage(
            content=f"error: the arguments of {bad.get('name')!r} are not valid JSON; send a JSON object "
                    "matching the tool's schema",
            tool_call_id=bad.get("id") or "", name=bad.get("name") or "unknown", status="error",
        ))
    for call in reply.tool_calls:
        if call["name"] not in tools_by_name:
            fault = fault or "unknown-tool"
            errors.append(ToolMessage(
                content=f"error: there is no tool named {call['name']!r}; available: "
                        + ", ".join(sorted(tools_by_name)),
                tool_call_id=call.get("id") or "", name=call["name"], status="error",
            ))
    return errors, fault


def run_tool_loop(
    model: BaseChatModel,
    messages: list[BaseMessage],
    tools: Sequence[BaseTool],
    max_steps: int = 6,
    on_token: Callable[[str], None] | None = None,
) -> LoopResult:
    """Run model ⇄ tools until the model answers in text.

    Args:
        model: any LangChain chat model that supports ``bind_tools``.
        messages: the prompt (system, history, user); not modified.
        tools: the tools the model may call; their docstrings/schemas are what the model sees.
        max_steps: model calls allowed in this turn before giving up (``max-steps``).
        on_token: if given, the model is streamed and every text delta is passed here.

    Raises:
        BackendFailure: see the class docstring for the reasons.
    """
    from langchain_core.messages import ToolMessage

    tools_by_name = {tool.name: tool for tool in tools}
    bound: Any = model.bind_tools(list(tools)) if tools else model
    schema_tokens = approx_tokens([_tool_schema(t) for t in tools]) if tools else 0
    transcript = list(messages)
    records: list[ToolCallRecord] = []
    prompt_tokens = 0
    last_fault: str | None = None
    for step in range(max_steps):
        prompt_tokens += approx_tokens(transcript) + schema_tokens
        reply = _call_model(bound, transcript, on_token)
        transcript.append(reply)
        if not reply.tool_calls and not reply.invalid_tool_calls:
            text = str(reply.text or "").strip()
            if not text:
                raise BackendFailure("empty-reply", "the model returned no text and no tool call")
            return LoopResult(text, records, prompt_tokens, step + 1, transcript)
        errors, fault = _tool_faults(reply, tools_by_name)
        if fault is not None and fault == last_fault:
            raise BackendFailure(fault, "the model repeated the fault after a correction message")
        last_fault = fault
        for call in reply.tool_calls:
            tool = tools_by_name.get(call["name"])
            if tool is None:
                records.append(ToolCallRecord(call["name"], dict(call["args"]), None, "unknown tool"))
                continue
            record = _run_tool(tool, dict(call["args"]))
            records.append(record)
            content = f"error: {record.error}" if record.error else _result_text(record.result)
            transcript.append(ToolMessage(content=content, tool_call_id=call.get("id") or "", name=tool.name,
                                          status="error" if record.error else "success"))
        for bad in reply.invalid_tool_calls:
            records.append(ToolCallRecord(bad.get("name") or "", {}, None, "malformed arguments"))
        transcript.extend(errors)
    raise BackendFailure("max-steps", f"no final answer after {max_steps} model calls")


def _tool_schema(tool: BaseTool) -> dict[str, Any]:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    try:
        return convert_to_openai_tool(tool)
    except Exception:  # noqa: BLE001 - only used for a token estimate
        return {"name": tool.name, "description": tool.description}
