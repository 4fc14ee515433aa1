"""Settings page (AppTest): validation messages name the field; the API key stays in the session."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.ui.conftest import button, page

SECRET = "sk-test-UIKEY-0123456789abcdef"


def _field(at, label: str):  # type: ignore[no-untyped-def]
    return next(w for w in at.text_input if w.label == label)


@pytest.mark.parametrize(("label", "value", "expected"), [
    ("Base URL", "localhost:11434", "Base URL (llm_base_url)"),
    ("Base URL", "ftp://example.org/v1", "Base URL (llm_base_url)"),
    ("Timeout (seconds)", "abc", "Timeout (seconds) (llm_timeout)"),
    ("Timeout (seconds)", "0", "Timeout (seconds) (llm_timeout)"),
    ("Timeout (seconds)", "9000", "Timeout (seconds) (llm_timeout)"),
    ("Time zone", "Mars/Olympus", "Time zone (timezone)"),
])
def test_bad_values_show_a_readable_error_naming_the_field(app, label: str, value: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    page(app, "settings")
    before = app.session_state["settings"]
    _field(app, label).set_value(value)
    button(app, "Save for this session").click().run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and errors[0].startswith(expected), errors
    assert app.session_state["settings"] is before  # nothing applied


def test_valid_form_builds_settings_used_by_the_services(app) -> None:  # type: ignore[no-untyped-def]
    page(app, "settings")
    app.selectbox[0].set_value("ollama")
    _field(app, "Model").set_value("llama3.1")
    _field(app, "Base URL").set_value("http://127.0.0.1:11434/v1")
    _field(app, "Timeout (seconds)").set_value("12.5")
    button(app, "Save for this session").click().run()
    assert not app.error
    cfg = app.session_state["settings"]
    assert (cfg.llm_provider, cfg.llm_model, cfg.llm_base_url, cfg.llm_timeout) == (
        "ollama", "llama3.1", "http://127.0.0.1:11434/v1", 12.5)
    assert not any(str(k).startswith("svc:") for k in app.session_state.to_dict())  # services rebuilt


def test_test_connection_offline_reports_ok(app) -> None:  # type: ignore[no-untyped-def]
    page(app, "settings")
    app.selectbox[0].set_value("offline")
    button(app, "Test connection").click().run()
    assert any(s.value.startswith("Connection OK") for s in app.success)


def _fill_openai_form_for_a_closed_port(app) -> None:  # type: ignore[no-untyped-def]
    """Settings page filled for an OpenAI-compatible server on a loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    page(app, "settings")
    app.selectbox[0].set_value("openai")
    _field(app, "Base URL").set_value(f"http://127.0.0.1:{port}/v1")
    _field(app, "API key").set_value(SECRET)
    _field(app, "Timeout (seconds)").set_value("3")


def test_test_connection_failure_is_a_message(app) -> None:  # type: ignore[no-untyped-def]
    _fill_openai_form_for_a_closed_port(app)
    button(app, "Test connection").click().run()
    assert not app.exception
    failures = [e.value for e in app.error]
    assert failures and failures[0].startswith("Connection failed:")
    assert SECRET not in failures[0]


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_api_key_stays_in_the_session(app, ui_env: Path, ui_index_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _fill_openai_form_for_a_closed_port(app)
    button(app, "Save for this session").click().run()
    assert app.session_state["settings"].llm_api_key.get_secret_value() == SECRET
    assert SECRET not in str(app.session_state["settings"].redacted())
    page(app, "live_deal")
    app.chat_input[0].set_value(f"My walk-away is 12,000 EUR. Is my key {SECRET} safe?").run()
    assert not app.exception
    assert app.session_state["live_turns"][-1]["trace"]["fallback"]  # the model was tried and failed
    app.session_state["svc:coach"].deps.store.db.dispose()
    leaked = _files_containing(ui_env.parent, SECRET.encode()) + _files_containing(ui_index_dir, SECRET.encode())
    assert leaked == []
    assert ui_env.exists()  # the database was written (with the key redacted)
