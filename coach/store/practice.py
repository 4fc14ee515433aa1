"""Practice persistence: drills served, answers (reviews) and FSRS card state per drill and per skill.

Every write is one committed transaction. An answer, its review row and the updated cards are
written together, before the next drill is served, so a process that dies loses nothing that
was answered. A served row can be answered once: the ``answered_at IS NULL`` guard in the
update (and a unique ``served_id`` on answers) make a second answer to the same serving fail
without touching any row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.base import Base, Database

__all__ = ["CardState", "PracticeAnswerRow", "PracticeCardRow", "PracticeServedRow", "PracticeStore", "utc"]


def utc(value: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands back naive values that were stored as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PracticeServedRow(Base):
    """One drill shown to a user (by the JSON command or the interactive session)."""

    __tablename__ = "practice_served"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(100), index=True)
    drill_id: Mapped[str] = mapped_column(String(120), index=True)
    card_key: Mapped[str] = mapped_column(String(120))
    practice: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))  # due | mistake | weak | new
    served_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, default=None)


class PracticeAnswerRow(Base):
    """One graded answer: the review history mastery and streaks are computed from."""

    __tablename__ = "practice_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(100), index=True)
    served_id: Mapped[int] = mapped_column(ForeignKey("practice_served.id", ondelete="CASCADE"), unique=True)
    drill_id: Mapped[str] = mapped_column(String(120), index=True)
    card_key: Mapped[str] = mapped_column(String(120))
    practice: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    response: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float] = mapped_column(Float)  # 0..1
    passed: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int] = mapped_column(Integer)  # fsrs Rating
    graded_by: Mapped[str] = mapped_column(String(20))
    feedback: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PracticeCardRow(Base):
    """FSRS state of one card: ``scope`` 'drill' (key = drill id or calc template) or 'skill'."""

    __tablename__ = "practice_cards"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key", name="uq_practice_card"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(100), index=True)
    scope: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(120))
    card: Mapped[dict[str, Any]] = mapped_column(JSON)  # fsrs Card.to_dict()
    due: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class CardState:
    """A card as the scheduler sees it."""

    scope: str
    key: str
    card: dict[str, Any]
    due: datetime
    reviews: int
    lapses: int


@dataclass(frozen=True)
class ServedDrill:
    """A serving: which drill, when, why, and whether it was answered."""

    id: int
    drill_id: str
    card_key: str
    practice: str
    kind: str
    reason: str
    served_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class AnswerRecord:
    """One review, as progress and scheduling read it."""

    drill_id: str
    card_key: str
    practice: str
    kind: str
    skills: tuple[str, ...]
    value: float
    passed: bool
    answered_at: datetime


class AlreadyAnswered(Exception):
    """The serving was answered in the meantime (the guard update touched no row)."""


def _served(row: PracticeServedRow) -> ServedDrill:
    return ServedDrill(row.id, row.drill_id, row.card_key, row.practice, row.kind, row.reason,
                       utc(row.served_at), utc(row.answered_at) if row.answered_at else None)


class PracticeStore:
    """The one place practice data touches the database, scoped to one user."""

    def __init__(self, db: Database, user_id: str) -> None:
        self.db = db
        self.user_id = user_id

    def serve(self, items: Sequence[tuple[str, str, str, str, str]], now: datetime) -> list[int]:
        """Record drills as served: ``(drill_id, card_key, practice, kind, reason)``; returns row ids."""
        with self.db.session() as s:
            rows = [PracticeServedRow(user_id=self.user_id, drill_id=d, card_key=c, practice=p, kind=k,
                                      reason=r, served_at=now) for d, c, p, k, r in items]
            s.add_all(rows)
            s.flush()
            return [row.id for row in rows]

    def servings(self, drill_id: str) -> list[ServedDrill]:
        """Every serving of a drill for this user, newest first."""
        with self.db.session() as s:
            rows = s.scalars(select(PracticeServedRow).where(
                PracticeServedRow.user_id == self.user_id, PracticeServedRow.drill_id == drill_id,
            ).order_by(PracticeServedRow.id.desc())).all()
            return [_served(r) for r in rows]

    def record_answer(self, served_id: int, answer: dict[str, Any], cards: Iterable[CardState]) -> int:
        """Write the answer, mark the serving answered and store the new cards, atomically.

        Raises ``AlreadyAnswered`` (and writes nothing) if the serving already has an answer.
        """
        with self.db.session() as s:
            guard = s.execute(update(PracticeServedRow).where(
                PracticeServedRow.id == served_id, PracticeServedRow.user_id == self.user_id,
                PracticeServedRow.answered_at.is_(None),
            ).values(answered_at=answer["answered_at"]))
            if guard.rowcount != 1:  # type: ignore[attr-defined]
                raise AlreadyAnswered(served_id)
            row = PracticeAnswerRow(user_id=self.user_id, served_id=served_id, **answer)
            s.add(row)
            for card in cards:
                self._upsert_card(s, card)
            s.flush()
            return row.id

    def _upsert_card(self, s: Any, card: CardState) -> None:
        existing = s.scalars(select(PracticeCardRow).where(
            PracticeCardRow.user_id == self.user_id, PracticeCardRow.scope == card.scope,
            PracticeCardRow.key == card.key)).first()
        if existing is None:
            s.add(PracticeCardRow(user_id=self.user_id, scope=card.scope, key=card.key, card=card.card,
                                  due=card.due, reviews=card.reviews, lapses=card.lapses))
        else:
            existing.card, existing.due = card.card, card.due
            existing.reviews, existing.lapses = card.reviews, card.lapses

    def cards(self, scope: str) -> dict[str, CardState]:
        """All cards of a scope ('drill' or 'skill') by key."""
        with self.db.session() as s:
            rows = s.scalars(select(PracticeCardRow).where(
                PracticeCardRow.user_id == self.user_id, PracticeCardRow.scope == scope)).all()
            return {r.key: CardState(r.scope, r.key, dict(r.card), utc(r.due), r.reviews, r.lapses) for r in rows}

    def answers(self) -> list[AnswerRecord]:
        """Every review of this user, oldest first."""
        with self.db.session() as s:
            rows = s.scalars(select(PracticeAnswerRow).where(PracticeAnswerRow.user_id == self.user_id)
                             .order_by(PracticeAnswerRow.answered_at, PracticeAnswerRow.id)).all()
            return [AnswerRecord(r.drill_id, r.card_key, r.practice, r.kind, tuple(r.skills or ()), r.value,
                                 r.passed, utc(r.answered_at)) for r in rows]

    def counts(self) -> dict[str, int]:
        """Row counts for this user (tests use them to show a rejected answer changed nothing)."""
        from sqlalchemy import func

        with self.db.session() as s:
            return {
                name: int(s.scalar(select(func.count()).select_from(model).where(model.user_id == self.user_id)) or 0)
                for name, model in (("served", PracticeServedRow), ("answers", PracticeAnswerRow),
                                    ("cards", PracticeCardRow))
            }
