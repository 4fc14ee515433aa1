"""Store fixtures: a SQLite file database in tmp_path (WAL), and a child-process launcher."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.store.base import Database
from coach.store.chat import ChatStore

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'coach.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database) -> ChatStore:
    return ChatStore(db)


def start_writer(*args: str) -> subprocess.Popen[str]:
    """Start ``tests.store.writer`` in a child Python with the repo on its path."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tests.store.writer", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
