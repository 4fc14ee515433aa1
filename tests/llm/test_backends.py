"""Backend resolution per provider, the Ollama probe, the connection test, and key hygiene."""

from __future__ import annotations

import logging
import socket

import pytest
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI

from coach.llm import backends
from coach.llm.agent_loop import run_tool_loop
from coach.llm.backends import BackendConfigError, probe_ollama, resolve_backend
from coach.settings import Settings
from tests.llm_server import TEST_API_KEY, ScriptedLLMServer, http_error, settings_for, text


def closed_port_url() -> str:
    """A loopback URL on which nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def test_offline_has_no_model() -> None:
    backend = resolve_backend(Settings(llm_provider="offline", llm_api_key="sk-ignored-999"))
    assert (backend.name, backend.model) == ("offline", None)


def test_openai_builds_chat_openai_with_settings() -> None:
    settings = Settings(llm_provider="openai", llm_api_key="sk-real-looking-0001", llm_model="gpt-x",
                        llm_timeout=7, llm_base_url="https://example.invalid/v1")
    backend = resolve_backend(settings, max_retries=4)
    model = backend.model
    assert backend.name == "openai" and isinstance(model, ChatOpenAI)
    assert (model.model_name, model.openai_api_base, model.request_timeout, model.max_retries) == (
        "gpt-x", "https://example.invalid/v1", 7, 4)
    assert model.openai_api_key is not None and model.openai_api_key.get_secret_value() == "sk-real-looking-0001"
    assert "sk-real" not in backend.detail and "sk-real" not in repr(backend)


def test_openai_defaults_model_name() -> None:
    backend = resolve_backend(Settings(llm_provider="openai", llm_api_key="k-123456"))
    assert isinstance(backend.model, ChatOpenAI) and backend.model.model_name == "gpt-4o-mini"


def test_openai_without_key_or_url_is_a_config_error() -> None:
    with pytest.raises(BackendConfigError, match="COACH_LLM_API_KEY"):
        resolve_backend(Settings(llm_provider="openai"))


def test_openai_keyless_local_server_gets_a_dummy_key(llm_server: ScriptedLLMServer) -> None:
    backend = resolve_backend(Settings(llm_provider="openai", llm_base_url=llm_server.base_url))
    assert backend.model is not None
    llm_server.enqueue(text("hi"))
    assert run_tool_loop(backend.model, [HumanMessage("hello")], []).text == "hi"
    assert llm_server.headers[0]["authorization"] == "Bearer not-needed"


def test_ollama_defaults() -> None:
    backend = resolve_backend(Settings(llm_provider="ollama"))
    assert backend.name == "ollama" and isinstance(backend.model, ChatOpenAI)
    assert (backend.model.openai_api_base, backend.model.model_name) == ("http://127.0.0.1:11434/v1", "llama3.1")


@pytest.mark.parametrize("overrides", [{"llm_api_key": "sk-abc-123456"}, {"llm_base_url": "http://127.0.0.1:9/v1"}])
def test_auto_with_key_or_url_is_openai(overrides: dict[str, str]) -> None:
    backend = resolve_backend(Settings(llm_provider="auto", **overrides), ollama_url=closed_port_url())
    assert backend.name == "openai"


def test_auto_reads_openai_api_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-777777")
    assert resolve_backend(Settings(llm_provider="auto"), probe_ollama=False).name == "openai"


def test_auto_with_nothing_and_no_ollama_is_offline() -> None:
    backend = resolve_backend(Settings(llm_provider="auto"), ollama_url=closed_port_url())
    assert (backend.name, backend.model) == ("offline", None)


def test_auto_without_probe_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "probe_ollama", lambda url: pytest.fail("probed"))
    assert resolve_backend(Settings(llm_provider="auto"), probe_ollama=False).name == "offline"


def test_auto_finds_a_local_ollama_and_talks_to_it(llm_server: ScriptedLLMServer) -> None:
    # The scripted server answers GET /api/version like Ollama does.
    backend = resolve_backend(Settings(llm_provider="auto", llm_model="scripted"), ollama_url=llm_server.url)
    assert backend.name == "ollama" and backend.model is not None
    llm_server.enqueue(text("from ollama"))
    assert run_tool_loop(backend.model, [HumanMessage("hello")], []).text == "from ollama"
    assert llm_server.requests[0]["model"] == "scripted"


def test_probe_never_leaves_loopback() -> None:
    # A non-loopback host is refused before any socket is opened (the suite's guard would raise otherwise).
    assert probe_ollama("http://10.1.2.3:11434") is False
    assert probe_ollama(closed_port_url()) is False


def test_connection_ok(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(text("OK"))
    ok, message = backends.test_connection(settings_for(llm_server))
    assert ok and "'OK'" in message and "scripted" in message and TEST_API_KEY not in message


@pytest.mark.parametrize(("status", "hint"), [(401, "COACH_LLM_API_KEY"), (404, "COACH_LLM_MODEL"), (500, "http-500")])
def test_connection_failure_names_the_fix(llm_server: ScriptedLLMServer, status: int, hint: str) -> None:
    llm_server.enqueue(http_error(status, f"bad key {TEST_API_KEY}"))
    ok, message = backends.test_connection(settings_for(llm_server))
    assert not ok and hint in message and TEST_API_KEY not in message
    assert len(llm_server.requests) == 1  # no retries for the button


def test_connection_unreachable() -> None:
    settings = Settings(llm_provider="openai", llm_base_url=closed_port_url() + "/v1", llm_api_key=TEST_API_KEY)
    ok, message = backends.test_connection(settings)
    assert not ok and "COACH_LLM_BASE_URL" in message and TEST_API_KEY not in message


def test_connection_offline_and_misconfigured() -> None:
    assert backends.test_connection(Settings(llm_provider="offline"))[0] is True
    ok, message = backends.test_connection(Settings(llm_provider="openai"))
    assert not ok and "COACH_LLM_API_KEY" in message


def test_key_never_in_logs_or_settings_repr(llm_server: ScriptedLLMServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = settings_for(llm_server)
    llm_server.enqueue(http_error(500), text("fine"), http_error(401, "nope"))
    backend = resolve_backend(settings)
    assert backend.model is not None
    run_tool_loop(backend.model, [HumanMessage("hello")], [])
    backends.test_connection(settings)
    assert caplog.records, "expected the SDK's debug logs to be captured"
    for shown in (caplog.text, repr(settings), str(settings), str(settings.redacted()), repr(backend), backend.detail):
        assert TEST_API_KEY not in shown
