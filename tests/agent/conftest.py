"""Fixtures for the coach agent: the real knowledge base (built once), a temp chat store, deps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.agent.session import CoachDeps, CoachSession
from coach.llm.backends import ResolvedBackend
from coach.settings import Settings
from coach.store.base import Database
from coach.store.chat import ChatStore

SALES_DEAL = ("I'm selling a SaaS license to Acme. The issues are price, contract length, support level and "
              "payment terms. My BATNA is another offer of $90k. We can walk away at $100k. "
              "Their budget is probably 110-130k.")


@pytest.fixture(scope="session")
def kb(shared_index_dir: Path) -> Any:
    """The real practices index, built once per test session in the shared data dir."""
    from coach.knowledge.search import KnowledgeBase

    return KnowledgeBase.open(Settings(data_dir=shared_index_dir))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChatStore]:
    db = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    db.create_all()
    yield ChatStore(db)
    db.dispose()


@pytest.fixture
def offline_deps(kb: Any, store: ChatStore, tmp_path: Path) -> CoachDeps:
    settings = Settings(data_dir=tmp_path, llm_provider="offline")
    return CoachDeps(settings=settings, backend=ResolvedBackend("offline", None, "offline (tests)"), kb=kb, store=store)


@pytest.fixture
def offline_session(offline_deps: CoachDeps) -> CoachSession:
    return CoachSession(offline_deps)
