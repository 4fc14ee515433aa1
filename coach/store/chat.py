"""Chat persistence: sessions, turns (with their trace) and the deal sheet of each session.

The one place chat data touches the database. Every write is its own committed transaction, so a
process that dies loses at most the turn being written: the user's message is committed before
the model is called (status ``pending``) and marked ``complete`` when the reply is stored.
Everything written passes through ``redact_secrets`` first: API keys never reach the database.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from coach.errors import CoachError
from coach.llm.redaction import configured_secrets, redact_secrets
from coach.settings import Settings
from coach.store.base import Base, Database

__all__ = ["ChatSessionRow", "ChatStore", "DealSheetRow", "TurnRow", "UnknownSessionError", "redact_secrets"]

MODES = ("live", "qa")
ROLES = ("user", "assistant")
STATUSES = ("pending", "complete", "failed")


def _now() -> datetime:
    return datetime.now(UTC)


class UnknownSessionError(CoachError):
    """A session id that is not in the database."""


class ChatSessionRow(Base):
    """One conversation with the coach."""

    __tablename__ = "chat_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), index=True, default="local")
    mode: Mapped[str] = mapped_column(String(20), default="live")
    title: Mapped[str] = mapped_column(String(200), default="")
    turn_count: Mapped[int] = mapped_column(Integer, default=0)  # also the seq allocator
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class TurnRow(Base):
    """One message of a session; assistant turns carry the trace (citations, tool calls, backend)."""

    __tablename__ = "chat_turns"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_chat_turn_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    trace: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="complete")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DealSheetRow(Base):
    """The latest deal sheet of a session (JSON), with a version bumped on every save."""

    __tablename__ = "chat_deal_sheets"
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _session_dict(row: ChatSessionRow) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "mode": row.mode, "title": row.title,
            "turn_count": row.turn_count, "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at)}


_TURN_COLUMNS = (TurnRow.id, TurnRow.session_id, TurnRow.seq, TurnRow.role, TurnRow.text, TurnRow.trace,
                 TurnRow.status, TurnRow.created_at)


def _turn_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "session_id": row.session_id, "seq": row.seq, "role": row.role, "text": row.text,
            "trace": row.trace or {}, "status": row.status, "created_at": _iso(row.created_at)}


class ChatStore:
    """Repository for chat sessions, turns and deal sheets. Thread-safe: one DB session per call."""

    def __init__(self, db: Database, settings: Settings | None = None) -> None:
        self.db = db
        self._settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatStore:
        """A store on ``settings.resolved_database_url`` (tables created if missing)."""
        db = Database(settings.resolved_database_url)
        db.create_all()
        return cls(db, settings)

    # -- cleaning -------------------------------------------------------------------------
    def clean(self, obj: Any) -> Any:
        """``obj`` as plain JSON data with every secret removed (what is actually written)."""
        plain = json.loads(json.dumps(obj, ensure_ascii=False, default=_default))
        return redact_secrets(plain, configured_secrets(self._settings))

    # -- sessions -------------------------------------------------------------------------
    def create_session(self, mode: str = "live", user_id: str = "local", title: str = "") -> str:
        """Create a session and return its id (a uuid4 string)."""
        if not mode or len(mode) > 20:
            raise CoachError(f"mode {mode!r} is not valid: use a short name such as {' or '.join(MODES)}")
        session_id = str(uuid.uuid4())
        with self.db.session() as s:
            s.add(ChatSessionRow(id=session_id, user_id=user_id, mode=mode, title=self.clean(title)[:200]))
        return session_id

    def get_session(self, session_id: str) -> dict[str, Any] | None:
        """The session as a dict, or None if there is no such id."""
        with self.db.session() as s:
            row = s.get(ChatSessionRow, session_id)
            return _session_dict(row) if row else None

    def require_session(self, session_id: str) -> dict[str, Any]:
        """Like ``get_session`` but an unknown id raises ``UnknownSessionError``."""
        found = self.get_session(session_id)
        if found is None:
            raise UnknownSessionError(self._unknown(session_id))
        return found

    def list_sessions(self, user_id: str = "local", limit: int = 50) -> list[dict[str, Any]]:
        """A user's sessions, most recently active first."""
        with self.db.session() as s:
            rows = s.scalars(select(ChatSessionRow).where(ChatSessionRow.user_id == user_id)
                             .order_by(ChatSessionRow.updated_at.desc()).limit(limit))
            return [_session_dict(row) for row in rows]

    def set_title(self, session_id: str, title: str) -> None:
        """Rename a session."""
        with self.db.session() as s:
            result = s.execute(update(ChatSessionRow).where(ChatSessionRow.id == session_id)
                               .values(title=self.clean(title)[:200]))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise UnknownSessionError(self._unknown(session_id))

    # -- turns ----------------------------------------------------------------------------
    def _next_seq(self, s: Session, session_id: str) -> int:
        """Allocate the next seq: the UPDATE takes the write lock first, so writers never collide."""
        seq = s.scalar(update(ChatSessionRow).where(ChatSessionRow.id == session_id)
                       .values(turn_count=ChatSessionRow.turn_count + 1, updated_at=_now())
                       .returning(ChatSessionRow.turn_count)
                       .execution_options(synchronize_session=False))
        if seq is None:
            raise UnknownSessionError(self._unknown(session_id))
        return int(seq)

    def _add_turn(self, session_id: str, role: str, text: str, trace: dict[str, Any], status: str) -> int:
        text, trace = self.clean(text), self.clean(trace)
        with self.db.session() as s:
            seq = self._next_seq(s, session_id)
            turn_id = s.scalar(insert(TurnRow).values(session_id=session_id, seq=seq, role=role, text=text,
                                                      trace=trace, status=status, created_at=_now())
                               .returning(TurnRow.id))
            if role == "assistant":  # the reply answers every pending user turn, in the same commit
                s.execute(update(TurnRow).where(TurnRow.session_id == session_id, TurnRow.role == "user",
                                                TurnRow.status == "pending").values(status="complete")
                          .execution_options(synchronize_session=False))
            return int(turn_id or 0)

    def add_user_turn(self, session_id: str, text: str) -> int:
        """Store the user's message (status ``pending``) and commit; call BEFORE the model. Returns the turn id."""
        return self._add_turn(session_id, "user", text, {}, "pending")

    def add_assistant_turn(self, session_id: str, text: str, trace: dict[str, Any], status: str = "complete") -> int:
        """Store the reply with its trace, mark pending user turns ``complete``; returns the turn id."""
        if status not in STATUSES:
            raise CoachError(f"status {status!r} is not valid: use one of {', '.join(STATUSES)}")
        return self._add_turn(session_id, "assistant", text, trace, status)

    def mark_turn_failed(self, turn_id: int, reason: str = "") -> None:
        """Mark a turn ``failed`` (e.g. a user turn whose reply could not be produced at all)."""
        with self.db.session() as s:
            row = s.get(TurnRow, turn_id)
            if row is None:
                raise CoachError(f"turn {turn_id} does not exist")
            row.status = "failed"
            if reason:
                row.trace = {**(row.trace or {}), "failure": self.clean(reason)}

    def turns(self, session_id: str) -> list[dict[str, Any]]:
        """Every turn of a session in order (seq ascending). Unknown id -> ``UnknownSessionError``."""
        return self.recent_turns(session_id, limit=None)

    def recent_turns(self, session_id: str, limit: int | None = 20) -> list[dict[str, Any]]:
        """The last ``limit`` turns (all if None), oldest first: the cheap way to build a prompt history."""
        with self.db.session() as s:
            if s.get(ChatSessionRow, session_id) is None:
                raise UnknownSessionError(self._unknown(session_id))
            query = select(*_TURN_COLUMNS).where(TurnRow.session_id == session_id).order_by(TurnRow.seq.desc())
            if limit is not None:
                query = query.limit(limit)
            rows = s.execute(query).all()
        return [_turn_dict(row) for row in reversed(rows)]

    # -- deal sheets ----------------------------------------------------------------------
    def save_deal_sheet(self, session_id: str, data: dict[str, Any]) -> None:
        """Replace the session's deal sheet (version + 1), committed.

        The session row is locked first (``FOR UPDATE``; SQLite locks the whole file anyway), so
        two first saves of one session run one after the other instead of both inserting.
        """
        clean = self.clean(data)
        with self.db.session() as s:
            locked = s.scalar(select(ChatSessionRow.id).where(ChatSessionRow.id == session_id).with_for_update())
            if locked is None:
                raise UnknownSessionError(self._unknown(session_id))
            changed = s.execute(update(DealSheetRow).where(DealSheetRow.session_id == session_id)
                                .values(data=clean, version=DealSheetRow.version + 1, updated_at=_now())
                                .execution_options(synchronize_session=False))
            if changed.rowcount:  # type: ignore[attr-defined]
                return
            s.add(DealSheetRow(session_id=session_id, data=clean, version=1, updated_at=_now()))

    def load_deal_sheet(self, session_id: str) -> dict[str, Any] | None:
        """The saved deal sheet, or None if the session has none yet."""
        with self.db.session() as s:
            row = s.get(DealSheetRow, session_id)
            return dict(row.data) if row is not None else None

    def deal_sheet_version(self, session_id: str) -> int:
        """How many times the deal sheet was saved (0 if never)."""
        with self.db.session() as s:
            row = s.get(DealSheetRow, session_id)
            return row.version if row is not None else 0

    @staticmethod
    def _unknown(session_id: str) -> str:
        return f"session {session_id!r} does not exist: list sessions with `coach chat --list` or omit --session"
