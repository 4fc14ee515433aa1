"""Fixtures for practice tests: a SQLite database in a temp dir, an injectable clock, a service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coach.practice.drills import DrillBank, load_bank
from coach.practice.service import PracticeService
from coach.settings import Settings
from coach.store.base import Database


class FakeClock:
    """A clock tests move by hand (always UTC-aware)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now = self.now + timedelta(**kwargs)


@pytest.fixture(scope="session")
def bank() -> DrillBank:
    return load_bank()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, user_id="tester", timezone="UTC", llm_provider="offline")


@pytest.fixture
def roleplays() -> list[dict[str, Any]]:
    """Role-play results the service sees (tests append to it)."""
    return []


@pytest.fixture
def make_service(db: Database, settings: Settings, bank: DrillBank, clock: FakeClock,
                 roleplays: list[dict[str, Any]]) -> Callable[..., PracticeService]:
    def make(**overrides: Any) -> PracticeService:
        kwargs: dict[str, Any] = {"bank": bank, "clock": clock, "roleplays": lambda: list(roleplays)}
        kwargs.update(overrides)
        return PracticeService(db, overrides.pop("settings", settings), **{k: v for k, v in kwargs.items()
                                                                          if k != "settings"})

    return make


@pytest.fixture
def service(make_service: Callable[..., PracticeService]) -> PracticeService:
    return make_service()


def correct_answer(drill: Any) -> str:
    """A response that the exact grader accepts for a concept or calculation drill."""
    if drill.kind == "concept":
        return chr(65 + drill.answer) if drill.choices is not None else drill.accepted[0]
    if drill.kind == "calculation":
        return drill.model_answer
    return drill.model_answer


def wrong_answer(drill: Any) -> str:
    """A response the grader rejects."""
    if drill.kind == "concept" and drill.choices is not None:
        return chr(65 + (drill.answer + 1) % len(drill.choices))
    if drill.kind == "calculation" and drill.choices:
        from coach.practice.generators import LETTERS

        return next(x for x in LETTERS[: len(drill.choices)] if x != drill.model_answer)
    if drill.kind == "calculation":
        return "I am not sure"
    if drill.kind == "concept":
        return "something unrelated entirely"
    return "Take it or leave it: 100k is our final offer."
