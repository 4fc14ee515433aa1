"""``coach practice`` / ``coach progress``: JSON shapes, exit codes, interactive session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from coach.cli.practice_cmds import register
from coach.practice.drills import load_bank
from coach.settings import get_settings
from coach.store.base import Database
from coach.store.practice import PracticeAnswerRow
from tests.practice.conftest import correct_answer

SEVEN = {"probe-interests", "meso", "post-settlement", "logrolling", "contingent-contracts", "debrief",
         "map-the-zopa"}


@pytest.fixture
def run() -> Any:
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Any:
        return runner.invoke(app, list(args), input=input)

    return invoke


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_practice_json_serves_drills(run: Any) -> None:
    data = _json(run("practice", "--count", "4", "--json"))
    assert list(data) == ["drills"] and len(data["drills"]) == 4
    for drill in data["drills"]:
        assert {"id", "practice", "kind", "prompt"} <= set(drill) <= {"id", "practice", "kind", "prompt", "choices"}
        assert drill["kind"] in {"concept", "rephrase", "calculation", "micro-roleplay"}
        if "choices" in drill:
            assert isinstance(drill["choices"], list) and len(drill["choices"]) >= 2


def test_answer_json_and_schedule_update(run: Any) -> None:
    drills = _json(run("practice", "--count", "5", "--json"))["drills"]
    bank = load_bank()
    for item in drills:
        drill = bank.get(item["id"])
        result = _json(run("practice", "--answer", item["id"], "--response", correct_answer(drill), "--json"))
        assert ("correct" in result) != ("score" in result)
        assert result["feedback"] and result["model_answer"] and "#" in result["citation"]
        if "correct" in result:
            assert result["correct"] is True
        else:
            assert result["score"] == 1.0
    # committed: a fresh connection sees every answer
    db = Database(get_settings().resolved_database_url)
    with db.session() as s:
        assert len(s.scalars(select(PracticeAnswerRow)).all()) == 5
    db.dispose()
    progress = _json(run("progress", "--json"))
    assert {"streak_days", "mastery", "reviews_due", "roleplays", "mistakes"} <= set(progress)
    assert progress["streak_days"] == 1 and progress["reviews_due"] == 0
    assert SEVEN <= set(progress["mastery"])
    assert all(0 <= v <= 100 for v in progress["mastery"].values())
    assert sum(progress["mastery"].values()) > 0
    assert progress["roleplays"] == [] and progress["mistakes"] == {}


@pytest.mark.parametrize("args, message", [
    (("practice", "--answer", "nope", "--response", "B"), "unknown drill id"),
    (("practice", "--answer", "meso-what", "--response", ""), "empty"),
    (("practice", "--answer", "meso-what", "--response", "y" * 50_000), "characters"),
    (("practice", "--answer", "meso-what", "--response", "B"), "has not been served"),
    (("practice", "--answer", "meso-what"), "--response"),
    (("practice", "--response", "B"), "--answer"),
])
def test_bad_input_exits_2_with_a_message(run: Any, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "error:" in result.stderr and message in result.stderr


def test_answering_twice_exits_2(run: Any) -> None:
    item = _json(run("practice", "--count", "1", "--json"))["drills"][0]
    drill = load_bank().get(item["id"])
    assert run("practice", "--answer", item["id"], "--response", correct_answer(drill)).exit_code == 0
    again = run("practice", "--answer", item["id"], "--response", correct_answer(drill))
    assert again.exit_code == 2 and "already answered" in again.stderr


def test_count_out_of_range_is_rejected(run: Any) -> None:
    assert run("practice", "--count", "0", "--json").exit_code == 2
    assert run("practice", "--count", "500", "--json").exit_code == 2


def test_interactive_session(run: Any, _isolated_env: Path) -> None:
    result = run("practice", "--count", "3", input="\nskip\nB\nquit\n")
    assert result.exit_code == 0, result.output
    assert "Today's practice" in result.stdout and "Done:" in result.stdout
    db = Database(get_settings().resolved_database_url)
    with db.session() as s:
        answers = s.scalars(select(PracticeAnswerRow)).all()
    db.dispose()
    assert len(answers) == 1  # empty line re-asked, 'skip' skipped drill 1, 'B' answered drill 2, quit


def test_progress_human_output(run: Any) -> None:
    result = run("progress")
    assert result.exit_code == 0 and "Streak" in result.stdout and "meso" in result.stdout
