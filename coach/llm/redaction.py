"""Remove anything that looks like a secret before it is written to a database, log or export.

Two nets: the exact configured key values (whatever their shape), and patterns of well-known
key formats (``sk-...``, bearer tokens, ``api_key=...``). Dict entries whose key names a secret
(``api_key``, ``authorization``, ``password``, ...) are replaced whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[REDACTED]"

_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"),  # OpenAI-style keys: sk-..., sk-proj-...
    re.compile(r"(?i)\bbearer\s+(?=[A-Za-z._\-~+/=]*\d)[A-Za-z0-9._\-~+/=]{8,}"),  # tokens carry digits
    # key=value, key: value and JSON text ("api_key": "value"): the quote may close the key name.
    re.compile(r"(?i)\b(api[_-]?key|access[_-]?token|client[_-]?secret)([\"']?\s*[:=]\s*[\"']?)([^\s\"',}]{6,})"),
)
_SECRET_KEY_NAMES = re.compile(
    r"(?i)^(.*api[_-]?key|authorization|password|passwd|client[_-]?secret|secret[_-]?key"
    r"|access[_-]?token|refresh[_-]?token|auth[_-]?token|bearer)$"
)
_ENV_SECRETS = ("COACH_LLM_API_KEY", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")


def configured_secrets(settings: Any | None = None) -> list[str]:
    """Secret values in force: the settings' API key plus API-key environment variables."""
    values: list[str] = []
    key = getattr(settings, "llm_api_key", None) if settings is not None else None
    if key is not None:
        values.append(key.get_secret_value() if hasattr(key, "get_secret_value") else str(key))
    values.extend(os.environ.get(name, "") for name in _ENV_SECRETS)
    return [value for value in values if value and len(value) >= 4]


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secret values and key-shaped substrings replaced by ``[REDACTED]``."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(REDACTED, text)
    text = _PATTERNS[1].sub("Bearer " + REDACTED, text)
    return _PATTERNS[2].sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)


def redact_secrets(obj: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of ``obj`` (str / dict / list / tuple / scalars) with every secret removed.

    Args:
        obj: the value to clean; containers are copied, other objects pass through unchanged.
        secrets: exact secret values to remove in addition to the built-in patterns
            (see ``configured_secrets``).
    """
    known = [s for s in secrets if s]
    if isinstance(obj, str):
        return redact_text(obj, known)
    if isinstance(obj, Mapping):
        clean: dict[Any, Any] = {}
        for key, value in obj.items():
            if isinstance(key, str) and _SECRET_KEY_NAMES.match(key) and value not in (None, "", False):
                clean[key] = REDACTED
            else:
                clean[redact_text(key, known) if isinstance(key, str) else key] = redact_secrets(value, known)
        return clean
    if isinstance(obj, list):
        return [redact_secrets(item, known) for item in obj]
    if isinstance(obj, tuple):
        return tuple(redact_secrets(item, known) for item in obj)
    return obj
