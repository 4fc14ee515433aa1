"""Choose the chat model behind the coach: an OpenAI-compatible server, a local Ollama, or offline.

Every remote backend is LangChain's ``ChatOpenAI`` pointed at a base URL, so OpenAI, Azure
OpenAI (its v1 endpoint ``https://<resource>.openai.azure.com/openai/v1/``), Ollama, vLLM,
LM Studio and llama.cpp server all share one code path: tool calling, streaming, timeouts, and
the openai SDK's own retries (exponential backoff with jitter on 408/409/429/5xx and connection
errors, honouring ``retry-after``). ``model=None`` means the offline engine answers.

The API key is only ever handed to the client as a ``SecretStr``; it is never logged, stored,
or included in ``detail`` or error messages.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from coach.errors import CoachError
from coach.llm.redaction import configured_secrets, redact_text
from coach.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_OLLAMA_MODEL = "llama3.1"
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
DEFAULT_MAX_RETRIES = 2
OLLAMA_PROBE_TIMEOUT = 0.3
_NO_KEY = "not-needed"  # local servers ignore the key but the SDK requires one


class BackendConfigError(CoachError):
    """The configured LLM backend cannot be used as set (missing key, bad URL)."""


@dataclass
class ResolvedBackend:
    """The backend in force. ``model is None`` means the offline engine answers."""

    name: str  # "offline" | "openai" | "ollama"
    model: BaseChatModel | None
    detail: str  # human-readable, key-free: "openai model gpt-4o-mini at https://..."


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def probe_ollama(url: str = DEFAULT_OLLAMA_URL, timeout: float = OLLAMA_PROBE_TIMEOUT) -> bool:
    """True if an Ollama server answers ``GET /api/version`` at ``url`` (loopback hosts only)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 11434
    if not _is_loopback(host):
        return False
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/api/version")
        return conn.getresponse().status == 200
    except (TimeoutError, OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _api_key(settings: Settings) -> str | None:
    key = settings.llm_api_key
    return key.get_secret_value() if key is not None else None


def build_chat_model(
    base_url: str | None,
    api_key: str | None,
    model: str,
    timeout: float,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> BaseChatModel:
    """A ``ChatOpenAI`` on the Chat Completions API (the one every compatible server speaks)."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(api_key or _NO_KEY),
        timeout=timeout,
        max_retries=max_retries,
        use_responses_api=False,
        stream_usage=False,
    )


def _openai_backend(settings: Settings, max_retries: int) -> ResolvedBackend:
    key = _api_key(settings)
    if not key and not settings.llm_base_url:
        raise BackendConfigError(
            "COACH_LLM_API_KEY is not set: set it (or OPENAI_API_KEY), set COACH_LLM_BASE_URL for a "
            "keyless local server, or use COACH_LLM_PROVIDER=offline"
        )
    model_name = settings.llm_model or DEFAULT_OPENAI_MODEL
    model = build_chat_model(settings.llm_base_url, key, model_name, settings.llm_timeout, max_retries)
    where = settings.llm_base_url or "api.openai.com"
    return ResolvedBackend("openai", model, f"openai-compatible model {model_name} at {where}")


def _ollama_backend(settings: Settings, max_retries: int, root_url: str) -> ResolvedBackend:
    base_url = settings.llm_base_url or root_url.rstrip("/") + "/v1"
    model_name = settings.llm_model or DEFAULT_OLLAMA_MODEL
    model = build_chat_model(base_url, _api_key(settings), model_name, settings.llm_timeout, max_retries)
    return ResolvedBackend("ollama", model, f"ollama model {model_name} at {base_url}")


def resolve_backend(
    settings: Settings,
    probe_ollama: bool = True,
    *,
    ollama_url: str = DEFAULT_OLLAMA_URL,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> ResolvedBackend:
    """The backend ``settings.llm_provider`` asks for.

    ``auto``: ``openai`` if a key or base URL is set, else a local Ollama if one answers at
    ``ollama_url`` (loopback only, 0.3 s probe; skipped when ``probe_ollama`` is False), else
    ``offline``. ``openai`` without key or base URL raises ``BackendConfigError``.

    Args:
        settings: the settings in force.
        probe_ollama: whether ``auto`` may probe for a local Ollama.
        ollama_url: the Ollama root URL to probe/use (tests point it at a loopback server).
        max_retries: the SDK's retry budget for 429/5xx/connection errors and timeouts.
    """
    provider = settings.llm_provider
    if provider == "offline":
        return ResolvedBackend("offline", None, "offline engine (COACH_LLM_PROVIDER=offline)")
    if provider == "openai":
        return _openai_backend(settings, max_retries)
    if provider == "ollama":
        return _ollama_backend(settings, max_retries, ollama_url)
    if _api_key(settings) or settings.llm_base_url:
        return _openai_backend(settings, max_retries)
    if probe_ollama and _probe(ollama_url):
        return _ollama_backend(settings, max_retries, ollama_url)
    return ResolvedBackend("offline", None, "offline engine (no model configured)")


def _probe(url: str) -> bool:
    # Indirection so the module-level function can be monkeypatched in tests.
    return probe_ollama(url)


def describe_failure(err: BaseException, secrets: list[str] | None = None) -> str:
    """One key-free line explaining a failed model call and what to check."""
    from coach.llm.agent_loop import classify_exception

    reason = classify_exception(err)
    hints = {
        "timeout": "the model did not answer in time: raise COACH_LLM_TIMEOUT or check the server",
        "connection": "cannot reach the server: check COACH_LLM_BASE_URL and that the server runs",
        "rate-limited": "rate limited (HTTP 429) even after retries: wait or check your quota",
        "http-401": "authentication failed (HTTP 401): check COACH_LLM_API_KEY",
        "http-403": "permission denied (HTTP 403): check the key's access to this model",
        "http-404": "not found (HTTP 404): check COACH_LLM_MODEL and COACH_LLM_BASE_URL (…/v1)",
    }
    message = hints.get(reason, f"model call failed ({reason}): {type(err).__name__}: {err}")
    return redact_text(message, secrets or [])[:300]


def test_connection(settings: Settings, *, ollama_url: str = DEFAULT_OLLAMA_URL) -> tuple[bool, str]:
    """Send one tiny request to the configured backend; ``(ok, message)`` for the UI button.

    No retries, so a broken setup answers fast. The message never contains the key.
    """
    secrets = configured_secrets(settings)
    try:
        backend = resolve_backend(settings, ollama_url=ollama_url, max_retries=0)
    except CoachError as err:
        return False, redact_text(str(err), secrets)
    if backend.model is None:
        return True, f"{backend.detail}: nothing to connect to, the embedded engine answers"
    try:
        reply = backend.model.invoke("Reply with the single word OK.")
    except Exception as err:  # noqa: BLE001 - every failure becomes a message for the user
        log.info("test connection failed: %s", type(err).__name__)
        return False, f"{backend.detail}: {describe_failure(err, secrets)}"
    text = str(getattr(reply, "text", "") or "").strip()
    return True, redact_text(f"connected to {backend.detail}; it replied {text[:40]!r}", secrets)


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported
