"""Store fixtures: a SQLite file database in tmp_path (WAL), a PostgreSQL server, and a child-process launcher.

PostgreSQL: ``pg_url`` is COACH_TEST_POSTGRES_URL when set, else a throwaway local server started once per
test session (tests/pg_server.py); without PostgreSQL binaries the PostgreSQL tests are skipped, never
failed. ``pg_schema_url`` gives a test an empty schema of its own (no tables); ``pg_clean_url`` a shared schema
with every table created once and emptied before each test. ``backend_url``/``store`` run the ChatStore tests
on both backends (ids ``[sqlite]`` and ``[postgres]``; ``-m "not postgres"`` deselects the latter).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from coach.store.base import Base, Database
from coach.store.chat import ChatStore
from tests.pg_server import PostgresServer, PostgresUnavailable, drop_schema, fresh_schema

REPO = Path(__file__).resolve().parents[2]
POSTGRES_URL_ENV = "COACH_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs against a PostgreSQL server (started locally or by URL)")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL SQLAlchemy URL for the whole session: COACH_TEST_POSTGRES_URL, else a local throwaway server."""
    external = os.environ.get(POSTGRES_URL_ENV)
    if external:
        yield external
        return
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as err:
        pytest.skip(f"PostgreSQL not available ({err}); set {POSTGRES_URL_ENV}=postgresql+psycopg://... to use a server")
    with server:
        yield server.url()


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """An empty schema of this test's own on the PostgreSQL server (dropped afterwards)."""
    url = fresh_schema(pg_url)
    yield url
    drop_schema(pg_url, url)


@pytest.fixture(scope="session")
def pg_shared_url(pg_url: str) -> Iterator[str]:
    """One schema with every table, shared by the ChatStore tests that run on both backends (see pg_clean_url)."""
    url = fresh_schema(pg_url)
    database = Database(url)
    database.create_all()
    database.dispose()
    yield url
    drop_schema(pg_url, url)


@pytest.fixture
def pg_clean_url(pg_shared_url: str) -> str:
    """The shared schema with every table emptied: as independent as a fresh schema, ~10x cheaper."""
    engine = create_engine(pg_shared_url, poolclass=NullPool)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()
    return pg_shared_url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'coach.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, db_url: str) -> str:
    """The same tests on both backends: SQLite in tmp_path, and PostgreSQL (the shared schema, emptied)."""
    return db_url if request.param == "sqlite" else str(request.getfixturevalue("pg_clean_url"))


@pytest.fixture
def store_db(backend_url: str) -> Iterator[Database]:
    database = Database(backend_url)
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def store(store_db: Database) -> ChatStore:
    return ChatStore(store_db)


def start_writer(*args: str) -> subprocess.Popen[str]:
    """Start ``tests.store.writer`` in a child Python with the repo on its path."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tests.store.writer", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
