"""Every store module on PostgreSQL: the schema ``create_all`` makes, a ChatStore round trip, and concurrency.

Each test gets an empty schema of its own (``pg_schema_url``) on the session's PostgreSQL server, so
tests are independent. Store modules that do not exist yet are skipped, not failed.
"""

from __future__ import annotations

import functools
import importlib
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, event, inspect, text

from coach.store.base import TABLE_MODULES, Base, Database
from coach.store.chat import ChatStore
from tests import pg_server

pytestmark = pytest.mark.postgres


def _tables_of(module_name: str) -> list[Table]:
    """The tables mapped by classes defined in ``module_name`` (skips if the module does not exist)."""
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise
        pytest.skip(f"{module_name} does not exist yet")
    tables = [m.local_table for m in Base.registry.mappers if m.class_.__module__ == module_name]
    assert tables, f"{module_name} defines no tables on coach.store.base.Base"
    return [t for t in tables if isinstance(t, Table)]


def _same_type(declared: Any, reflected: Any) -> bool:
    """Declared SQLAlchemy type vs the type PostgreSQL reports (same family, length and time zone)."""
    if declared._type_affinity is not reflected._type_affinity:
        return False
    if getattr(declared, "length", None) not in (None, getattr(reflected, "length", None)):
        return False
    return bool(getattr(declared, "timezone", False)) == bool(getattr(reflected, "timezone", False))


@pytest.mark.parametrize("module_name", TABLE_MODULES)
def test_create_all_makes_every_table_of_the_module(pg_schema_url: str, module_name: str) -> None:
    tables = _tables_of(module_name)
    db = Database(pg_schema_url)
    db.create_all()
    db.create_all()  # idempotent: a second start on an existing database changes nothing
    inspector = inspect(db.engine)
    assert set(inspector.get_table_names()) == set(Base.metadata.tables)  # every module's tables, nothing else
    for table in tables:
        reflected = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(reflected) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            got = reflected[column.name]
            assert _same_type(column.type, got["type"]), (table.name, column.name, column.type, got["type"])
            assert got["nullable"] == column.nullable, (table.name, column.name)
        assert inspector.get_pk_constraint(table.name)["constrained_columns"] == [c.name for c in table.primary_key]
        fks = {(tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in inspector.get_foreign_keys(table.name)}
        assert fks == {(tuple(c.name for c in fk.columns), fk.referred_table.name)
                       for fk in table.foreign_key_constraints}, table.name
    db.dispose()


def test_chat_round_trip_with_every_table_created(pg_schema_url: str) -> None:
    db = Database(pg_schema_url)
    db.create_all()
    store = ChatStore(db)
    sid = store.create_session(mode="qa", title="Ünïcode & quotes ' \" ok")
    store.add_user_turn(sid, "What is a MESO? 💡")
    trace = {"citations": ["meso#what-it-is"], "tool_calls": [{"name": "search_practices", "args": {"query": "meso"},
             "result": [{"id": "meso#what-it-is", "score": 0.93}]}], "backend": "offline", "nested": {"a": [1, 2.5, None]}}
    store.add_assistant_turn(sid, "Offer several equal packages at once [meso#what-it-is].", trace)
    store.save_deal_sheet(sid, {"issues": [{"id": "price", "options": ["100k", "120k"]}], "my_batna": 95000.5})
    db.dispose()

    reread = ChatStore(Database(pg_schema_url))  # a second engine: what another process would see
    turns = reread.turns(sid)
    assert [(t["seq"], t["role"], t["status"]) for t in turns] == [(1, "user", "complete"), (2, "assistant", "complete")]
    assert turns[0]["text"] == "What is a MESO? 💡" and turns[1]["trace"] == trace
    assert reread.get_session(sid)["title"] == "Ünïcode & quotes ' \" ok"  # type: ignore[index]
    assert reread.load_deal_sheet(sid) == {"issues": [{"id": "price", "options": ["100k", "120k"]}], "my_batna": 95000.5}
    assert [s["id"] for s in reread.list_sessions()] == [sid]
    reread.db.dispose()


def _run_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


def test_ten_writers_with_their_own_engines_lose_no_turn(pg_schema_url: str) -> None:
    """10 threads, each with its own engine (like 10 processes): own session + one shared session."""
    setup = Database(pg_schema_url)
    setup.create_all()
    shared = ChatStore(setup).create_session(title="shared")
    writers, per_writer = 10, 12
    own: dict[int, str] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(k: int) -> None:
        db = Database(pg_schema_url)
        store = ChatStore(db)
        try:
            own[k] = store.create_session(title=f"w{k}")
            start.wait(timeout=30)
            for n in range(per_writer):
                store.add_user_turn(shared, f"{k}:{n}")
                store.add_user_turn(own[k], f"u{n}")
                store.add_assistant_turn(own[k], f"a{n}", {"k": k, "n": n})
        except BaseException as err:  # noqa: BLE001 - surfaced below
            errors.append(err)
        finally:
            db.dispose()

    _run_threads([functools.partial(write, k) for k in range(writers)])
    assert errors == []
    store = ChatStore(setup)
    shared_turns = store.turns(shared)
    assert [t["seq"] for t in shared_turns] == list(range(1, writers * per_writer + 1))
    assert sorted(t["text"] for t in shared_turns) == sorted(f"{k}:{n}" for k in range(writers) for n in range(per_writer))
    for k in range(writers):  # each writer's own turns in its order
        assert [t["text"] for t in shared_turns if t["text"].startswith(f"{k}:")] == [f"{k}:{n}" for n in range(per_writer)]
        turns = store.turns(own[k])
        assert [t["text"] for t in turns] == [x for n in range(per_writer) for x in (f"u{n}", f"a{n}")]
        assert {t["status"] for t in turns} == {"complete"} and turns[-1]["trace"] == {"k": k, "n": per_writer - 1}
    assert store.get_session(shared)["turn_count"] == writers * per_writer  # type: ignore[index]
    setup.dispose()


# -- races that only PostgreSQL exposes (SQLite serialises writers with one file lock). Both failed with
# IntegrityError before coach/store fixed them: create_all now retries on it, save_deal_sheet locks the session row.
def _wait_for_lock_wait(db: Database, done: threading.Event, timeout: float = 20.0) -> bool:
    """True once another backend of this database waits on a lock (False if ``done`` is set first)."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as conn:
        while time.monotonic() < deadline and not done.is_set():
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar()
            conn.rollback()
            if waiting:
                return True
            time.sleep(0.02)
    return False


def test_create_all_while_another_process_creates_the_same_tables(pg_schema_url: str) -> None:
    """Another writer's create_all is in flight (tables created, not committed) when we start ours."""
    other = Database(pg_schema_url)
    ours = Database(pg_schema_url)
    errors: list[BaseException] = []
    done = threading.Event()

    def start_ours() -> None:
        try:
            ours.create_all()
        except BaseException as err:  # noqa: BLE001 - re-raised below
            errors.append(err)
        finally:
            done.set()

    with other.engine.begin() as conn:
        Base.metadata.create_all(conn)  # in flight: PostgreSQL DDL is transactional, nobody sees it yet
        thread = threading.Thread(target=start_ours)
        thread.start()
        assert _wait_for_lock_wait(other, done), "our create_all should wait for the other one's CREATE TABLE"
    thread.join(timeout=60)
    other.dispose()
    if errors:
        ours.dispose()
        raise errors[0]
    assert set(inspect(ours.engine).get_table_names()) == set(Base.metadata.tables)
    ours.dispose()


def test_two_first_deal_sheet_saves_of_one_session_both_land(pg_schema_url: str) -> None:
    """The first save of a session is paused after its INSERT (uncommitted) while a second save starts."""
    db = Database(pg_schema_url)
    db.create_all()
    store = ChatStore(db)
    sid = store.create_session()
    first_inserted, release, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    @event.listens_for(db.engine, "after_cursor_execute")
    def pause_first_save(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name == "first" and statement.startswith("INSERT INTO chat_deal_sheets"):
            first_inserted.set()
            release.wait(timeout=30)  # hold the uncommitted first save until the second one is under way

    def save(payload: dict[str, int], finished: threading.Event | None) -> None:
        try:
            store.save_deal_sheet(sid, payload)
        except BaseException as err:  # noqa: BLE001 - re-raised below
            errors.append(err)
        finally:
            if finished is not None:
                finished.set()

    first = threading.Thread(target=save, args=({"n": 1}, None), name="first")
    first.start()
    assert first_inserted.wait(timeout=30)
    second = threading.Thread(target=save, args=({"n": 2}, done), name="second")
    second.start()
    try:
        assert _wait_for_lock_wait(db, done), "the second save should wait for the first one's transaction"
    finally:
        release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    if errors:
        db.dispose()
        raise errors[0]
    assert (store.load_deal_sheet(sid), store.deal_sheet_version(sid)) == ({"n": 2}, 2)
    db.dispose()


# -- the test server helper itself: a missing or broken PostgreSQL is a clear "unavailable", never a crash --------
def test_missing_binaries_are_reported_as_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pg_server.shutil, "which", lambda _name: None)
    monkeypatch.setattr(pg_server, "PG_LIB_DIR", tmp_path)
    with pytest.raises(pg_server.PostgresUnavailable, match="binaries .* not found"):
        pg_server.PostgresServer.start()


def test_failing_initdb_is_reported_with_its_log_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not tmp_path: as root the server account must be able to reach the binaries and the cluster dir.
    with tempfile.TemporaryDirectory(prefix="coach-pg-test-") as scratch:
        root = Path(scratch)
        root.chmod(0o755)
        fake = root / "bin"
        fake.mkdir()
        for name, body in (("initdb", "echo 'initdb: error: disk on fire' >&2; exit 1"), ("postgres", "exit 1")):
            (fake / name).write_text(f"#!/bin/sh\n{body}\n")
            (fake / name).chmod(0o755)
        monkeypatch.setattr(pg_server, "find_binaries", lambda: (fake / "initdb", fake / "postgres"))
        monkeypatch.setattr(pg_server.tempfile, "tempdir", scratch)
        with pytest.raises(pg_server.PostgresUnavailable, match=r"initdb failed \(exit 1\):\ninitdb: error: disk on"):
            pg_server.PostgresServer.start(timeout=10)
        assert sorted(p.name for p in root.iterdir()) == ["bin"]  # the temp cluster dir was removed
