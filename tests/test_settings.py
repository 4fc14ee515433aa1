"""Settings: COACH_* names, the key fallback and secrecy, and bad values named by their variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coach.settings import Settings, SettingsError, get_settings


def test_names_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COACH_LLM_PROVIDER", "ollama")
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "12.5")
    monkeypatch.setenv("COACH_CHROMA_PORT", "9000")
    s = Settings()
    assert (s.data_dir, s.llm_provider, s.llm_timeout, s.chroma_port) == (tmp_path, "ollama", 12.5, 9000)
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'coach.db'}"


def test_api_key_falls_back_and_never_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-fallback-123")
    s = Settings()
    assert s.llm_api_key is not None and s.llm_api_key.get_secret_value() == "sk-secret-fallback-123"
    assert "sk-secret" not in repr(s) and "sk-secret" not in str(s.redacted())


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("COACH_LLM_TIMEOUT", "abc", "COACH_LLM_TIMEOUT"),
        ("COACH_LLM_PROVIDER", "gpt", "COACH_LLM_PROVIDER"),
        ("COACH_LLM_BASE_URL", "localhost:1234", "COACH_LLM_BASE_URL: must be an http(s) URL"),
        ("COACH_CHROMA_PORT", "70000", "COACH_CHROMA_PORT"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, var: str, value: str, expected: str) -> None:
    monkeypatch.setenv(var, value)
    get_settings.cache_clear()
    with pytest.raises(SettingsError) as info:
        get_settings()
    assert expected in str(info.value)


def test_cli_reports_bad_setting_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "abc")
    proc = subprocess.run(
        [sys.executable, "-m", "coach.cli", "ask", "hello"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: COACH_LLM_TIMEOUT: Input should be a valid number, unable to parse string as a number"
    ]
    assert "Traceback" not in proc.stderr
