"""Database engine and declarative base shared by every table module."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from coach.errors import CoachError

# Modules that define tables on ``Base``; imported before ``create_all``.
TABLE_MODULES = ("coach.store.chat", "coach.store.roleplay", "coach.store.practice")


class Base(DeclarativeBase):
    """Declarative base for all Pie Coach tables."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _parse_url(url: str) -> URL:
    """The parsed URL, or a ``CoachError`` naming the setting to fix."""
    try:
        return make_url(url)
    except ArgumentError:
        raise CoachError(
            f"database URL {url!r} is not valid: set COACH_DATABASE_URL to a SQLAlchemy URL such as "
            "sqlite:///path/to/coach.db or postgresql+psycopg://user@host/db"
        ) from None


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for in-memory databases and other backends)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = (url.database or "").removeprefix("file:")  # URI form: sqlite:///file:path?uri=true
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(database)


class Database:
    """An engine plus a session factory; create one per process and pass it in."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = _parse_url(url)
        sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, object] = {"future": True}
        if sqlite:
            path = _sqlite_file(parsed)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        self.engine: Engine = create_engine(parsed, **kwargs)  # type: ignore[arg-type]
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._created = False

    def create_all(self) -> None:
        """Create every table that does not exist yet (idempotent)."""
        for name in TABLE_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name != name:
                    raise
        try:
            Base.metadata.create_all(self.engine)
        except (OperationalError, ProgrammingError, IntegrityError):
            # Another process created the same tables between our check and our CREATE (PostgreSQL
            # reports that as a unique violation on its catalog: IntegrityError); retry once.
            Base.metadata.create_all(self.engine)
        self._created = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        if not self._created:
            self.create_all()
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
