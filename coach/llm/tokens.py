"""Approximate token counting without tokenizer downloads.

Why approximate: tiktoken fetches its encodings at run time, and local models use other
tokenizers anyway. For budgeting prompts (the ~3,000-token target per LLM turn) a blend of
character and word counts is within ~10-15% of BPE counts on English prose and JSON.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

_WORD = re.compile(r"\w+|[^\w\s]")
# Per-message overhead of the chat format (role markers, separators), as OpenAI documents it.
MESSAGE_OVERHEAD = 4


def _text_tokens(text: str) -> int:
    """Tokens in one string: the mean of chars/4 and (words+punctuation)*0.75-ish BPE merges."""
    if not text:
        return 0
    by_chars = len(text) / 4.0
    by_words = len(_WORD.findall(text)) * 0.9
    return max(1, math.ceil((by_chars + by_words) / 2.0))


def _message_text(message: Any) -> str:
    """Everything of a message that is sent to the model: content plus tool-call names/arguments."""
    if isinstance(message, Mapping):
        content = message.get("content", "")
        calls = message.get("tool_calls") or []
    else:
        content = getattr(message, "content", message)
        calls = getattr(message, "tool_calls", None) or []
    if not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False, default=str)
    if calls:
        content += " " + json.dumps(calls, ensure_ascii=False, default=str)
    return content


def approx_tokens(text_or_messages: str | Any | Iterable[Any]) -> int:
    """Approximate token count of a string, a message, a dict (JSON) or a list of messages.

    Args:
        text_or_messages: a ``str``; a LangChain ``BaseMessage`` or ``{"role", "content"}`` dict;
            a list of those (each adds ``MESSAGE_OVERHEAD``); any other JSON-able object
            (e.g. a tool schema) is counted on its JSON text.
    """
    value = text_or_messages
    if value is None:
        return 0
    if isinstance(value, str):
        return _text_tokens(value)
    if hasattr(value, "content") or (isinstance(value, Mapping) and "content" in value):
        return _text_tokens(_message_text(value)) + MESSAGE_OVERHEAD
    if isinstance(value, Mapping):
        return _text_tokens(json.dumps(value, ensure_ascii=False, default=str))
    if isinstance(value, Iterable):
        return sum(approx_tokens(item) for item in value)
    return _text_tokens(str(value))
