"""Chat persistence: round trips, durability under SIGKILL, concurrency, and no secrets on disk."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from coach.errors import CoachError
from coach.settings import Settings
from coach.store.base import Database
from coach.store.chat import ChatStore, UnknownSessionError
from tests.store.conftest import start_writer

MISSING = "00000000-0000-0000-0000-000000000000"


def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_turn_round_trip_and_statuses(store: ChatStore) -> None:
    sid = store.create_session(mode="live", title="Vendor renewal")
    user_id = store.add_user_turn(sid, "They offered $120k, my walk-away is $100k.")
    assert [(t["role"], t["status"]) for t in store.turns(sid)] == [("user", "pending")]
    trace = {"citations": ["zopa#what-it-is"], "tool_calls": [{"name": "zopa", "args": {"mine": 100000},
             "result": {"exists": True, "low": 100000.0}}], "backend": "offline", "fallback": None}
    reply_id = store.add_assistant_turn(sid, "The ZOPA is $100k to $120k [zopa#what-it-is].", trace)
    turns = store.turns(sid)
    assert [(t["id"], t["seq"], t["role"], t["status"]) for t in turns] == [
        (user_id, 1, "user", "complete"), (reply_id, 2, "assistant", "complete")]
    assert turns[1]["trace"] == trace and turns[0]["text"] == "They offered $120k, my walk-away is $100k."
    session = store.get_session(sid)
    assert session is not None and (session["title"], session["mode"], session["turn_count"]) == (
        "Vendor renewal", "live", 2)


def test_failed_turn_is_marked(store: ChatStore) -> None:
    sid = store.create_session()
    turn_id = store.add_user_turn(sid, "hello")
    store.mark_turn_failed(turn_id, "model-error")
    turn = store.turns(sid)[0]
    assert (turn["status"], turn["trace"]) == ("failed", {"failure": "model-error"})


def test_deal_sheet_versions(store: ChatStore) -> None:
    sid = store.create_session()
    assert store.load_deal_sheet(sid) is None and store.deal_sheet_version(sid) == 0
    store.save_deal_sheet(sid, {"issues": [{"id": "price"}], "my_batna": 100})
    store.save_deal_sheet(sid, {"issues": [{"id": "price"}, {"id": "term"}], "my_batna": 110})
    assert store.load_deal_sheet(sid) == {"issues": [{"id": "price"}, {"id": "term"}], "my_batna": 110}
    assert store.deal_sheet_version(sid) == 2


def test_list_sessions_most_recent_first_and_per_user(store: ChatStore) -> None:
    first = store.create_session(title="a")
    second = store.create_session(title="b")
    other = store.create_session(user_id="someone-else")
    store.add_user_turn(first, "bump")  # most recently active now
    assert [s["id"] for s in store.list_sessions()] == [first, second]
    assert [s["id"] for s in store.list_sessions("someone-else")] == [other]
    assert len(store.list_sessions(limit=1)) == 1


@pytest.mark.parametrize("action", ["add_user_turn", "add_assistant_turn", "turns", "save_deal_sheet", "set_title"])
def test_unknown_session_is_a_clear_error(store: ChatStore, action: str) -> None:
    calls = {"add_user_turn": lambda: store.add_user_turn(MISSING, "x"),
             "add_assistant_turn": lambda: store.add_assistant_turn(MISSING, "x", {}),
             "turns": lambda: store.turns(MISSING), "save_deal_sheet": lambda: store.save_deal_sheet(MISSING, {}),
             "set_title": lambda: store.set_title(MISSING, "t")}
    with pytest.raises(UnknownSessionError, match=f"session '{MISSING}' does not exist"):
        calls[action]()
    assert issubclass(UnknownSessionError, CoachError)
    assert store.get_session(MISSING) is None


def test_sigkill_mid_stream_loses_no_committed_turn(backend_url: str) -> None:
    proc = start_writer(backend_url, "loop", "2", "0")
    reported: list[tuple[str, str, int]] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        _, sid, role, count = line.split()
        reported.append((sid, role, int(count)))
        if len(reported) >= 60:
            break
    os.kill(proc.pid, signal.SIGKILL)  # while it keeps writing
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    db = Database(backend_url)
    sessions = {sid for sid, _, _ in reported}
    stored = {sid: ChatStore(db).turns(sid) for sid in sessions}
    db.dispose()
    for sid, role, n in reported:
        assert any(t["role"] == role and t["text"] == f"{role} {n}" for t in stored[sid]), (sid, role, n)
    for turns in stored.values():  # whatever made it is whole and gap-free
        assert [t["seq"] for t in turns] == list(range(1, len(turns) + 1))
        assert all(t["text"] in (f"user {(t['seq'] + 1) // 2}", f"assistant {t['seq'] // 2}") for t in turns)


def test_sigkill_while_model_thinks_keeps_the_user_message(backend_url: str) -> None:
    proc = start_writer(backend_url, "midturn", "1", "0")
    assert proc.stdout is not None
    _, sid, turn_id = proc.stdout.readline().split()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    db = Database(backend_url)
    turns = ChatStore(db).turns(sid)
    db.dispose()
    assert [(t["id"], t["role"], t["text"], t["status"]) for t in turns] == [
        (int(turn_id), "user", "What should I ask first?", "pending")]


def test_twenty_concurrent_sessions_in_threads_lose_nothing(store: ChatStore) -> None:
    per_session = 15
    ids = [store.create_session(title=f"t{i}") for i in range(20)]
    errors: list[BaseException] = []

    def chat(sid: str) -> None:
        try:
            for n in range(per_session):
                store.add_user_turn(sid, f"u{n}")
                store.add_assistant_turn(sid, f"a{n}", {"n": n})
                store.save_deal_sheet(sid, {"n": n})
        except BaseException as err:  # noqa: BLE001 - surfaced below
            errors.append(err)

    threads = [threading.Thread(target=chat, args=(sid,)) for sid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for sid in ids:
        turns = store.turns(sid)
        assert [t["text"] for t in turns] == [x for n in range(per_session) for x in (f"u{n}", f"a{n}")]
        assert [t["seq"] for t in turns] == list(range(1, 2 * per_session + 1))
        assert store.deal_sheet_version(sid) == per_session


def test_threads_sharing_one_session_get_unique_gap_free_seqs(store: ChatStore) -> None:
    sid = store.create_session()
    threads = [threading.Thread(target=lambda k=k: [store.add_user_turn(sid, f"{k}-{n}") for n in range(10)])
               for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    turns = store.turns(sid)
    assert [t["seq"] for t in turns] == list(range(1, 81))
    assert Counter(t["text"].split("-")[0] for t in turns) == {str(k): 10 for k in range(8)}


def test_twenty_sessions_across_processes_lose_nothing(db: Database, db_url: str) -> None:
    # Tables exist before the writers start (concurrent create_all on a fresh file races; see report).
    assert db.url == db_url
    procs = [start_writer(db_url, "loop", "10", "5") for _ in range(2)]  # 2 processes x 10 sessions = 20
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [p.returncode for p in procs] == [0] * 2, [err for _, err in outputs]
    store = ChatStore(Database(db_url))
    sessions = store.list_sessions(limit=100)
    assert len(sessions) == 20
    for session in sessions:
        turns = store.turns(session["id"])
        assert [t["text"] for t in turns] == [x for n in range(1, 6) for x in (f"user {n}", f"assistant {n}")]


def test_api_keys_never_reach_the_database_file(tmp_path: Path) -> None:
    key = "sk-live-Sup3rSecretValue0042"
    odd_key = "az0123456789abcdefXYZ"  # a configured key with no sk- shape
    settings = Settings(llm_api_key=odd_key, data_dir=tmp_path)
    store = ChatStore.from_settings(settings)
    sid = store.create_session(title=f"title {key}")
    store.add_user_turn(sid, f"my key is {key} and {odd_key}")
    store.add_assistant_turn(sid, "ok", {"request": {"api_key": key, "headers": {"Authorization": f"Bearer {odd_key}"}},
                                         "note": f"token {odd_key}", "tool_calls": [{"args": {"k": key}}]})
    store.save_deal_sheet(sid, {"notes": [key, odd_key]})
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("coach.db*"))
    assert b"my key is" in raw  # the rows are really in these files
    assert key.encode() not in raw and odd_key.encode() not in raw
    assert "[REDACTED]" in store.turns(sid)[0]["text"]


@pytest.mark.postgres
def test_postgresql_by_url(pg_schema_url: str) -> None:
    """PostgreSQL works by URL: a real server (local throwaway, or COACH_TEST_POSTGRES_URL), tables in a
    fresh schema, data visible from a second independent engine (a new process would see the same)."""
    db = Database(pg_schema_url)
    db.create_all()
    assert db.engine.dialect.name == "postgresql"
    store = ChatStore(db)
    sid = store.create_session(title="pg")
    store.add_user_turn(sid, "hello")
    store.add_assistant_turn(sid, "hi", {"citations": ["a#b"]})
    store.save_deal_sheet(sid, {"x": 1})
    db.dispose()
    again = Database(pg_schema_url)
    reread = ChatStore(again)
    turns = reread.turns(sid)
    assert [(t["seq"], t["role"], t["text"], t["status"]) for t in turns] == [
        (1, "user", "hello", "complete"), (2, "assistant", "hi", "complete")]
    assert turns[1]["trace"] == {"citations": ["a#b"]} and reread.load_deal_sheet(sid) == {"x": 1}
    with again.engine.connect() as conn:  # timestamps are stored with their zone (timestamptz)
        kind = conn.execute(text("SELECT data_type FROM information_schema.columns WHERE table_schema = "
                                 "current_schema() AND table_name = 'chat_turns' AND column_name = 'created_at'"))
        assert kind.scalar() == "timestamp with time zone"
    created = datetime.fromisoformat(reread.get_session(sid)["created_at"])  # type: ignore[index]
    assert created.utcoffset() is not None  # an instant, whatever the server's TimeZone setting
    again.dispose()


def test_recent_turns_are_the_last_ones_oldest_first(store: ChatStore) -> None:
    sid = store.create_session()
    for n in range(7):
        store.add_user_turn(sid, f"u{n}")
    assert [t["text"] for t in store.recent_turns(sid, 3)] == ["u4", "u5", "u6"]
    assert [t["seq"] for t in store.recent_turns(sid, None)] == list(range(1, 8)) == [t["seq"] for t in store.turns(sid)]
    with pytest.raises(UnknownSessionError):
        store.recent_turns(MISSING)
