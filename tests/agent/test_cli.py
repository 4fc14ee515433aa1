"""``coach ask --json`` shape and persistence across invocations with ``--session``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from coach.cli import chat_cmds
from tests.agent.conftest import SALES_DEAL


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, shared_index_dir: Path, tmp_path: Path, kb: Any) -> typer.Typer:
    from coach.settings import get_settings

    monkeypatch.setenv("COACH_DATA_DIR", str(shared_index_dir))  # reuse the built index (cached per process)
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    app = typer.Typer()
    chat_cmds.register(app)
    return app


def _ask(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["ask", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_json_shape_and_session_persistence(app: typer.Typer) -> None:
    first = _ask(app, SALES_DEAL)
    assert set(first) == {"reply", "citations", "tool_calls", "deal_sheet", "backend", "session", "progress"}
    assert set(first["progress"]) == {"done", "todo", "share"}
    assert all(set(call) == {"name", "args", "result"} for call in first["tool_calls"])
    assert first["backend"] == "offline" and first["deal_sheet"]["reservation"] == 100_000
    second = _ask(app, "My target is $140k.", "--session", first["session"])
    assert second["session"] == first["session"]
    assert second["deal_sheet"]["reservation"] == 100_000 and second["deal_sheet"]["target"] == 140_000
    assert second["progress"]["share"] > first["progress"]["share"]
    assert "target" in second["progress"]["done"]


def test_unknown_session_is_a_user_error(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["ask", "hi", "--session", "nope"])
    assert result.exit_code == 2
    assert "session 'nope' does not exist" in result.output


def test_chat_reads_until_exit(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["chat"], input="What is a BATNA?\n/sheet\nexit\n")
    assert result.exit_code == 0, result.output
    assert "sources:" in result.output and "batna#" in result.output and "saved" in result.output
