"""Role-play persistence: sessions, branches, turns and per-branch results (for the progress dashboard)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.base import Base

if TYPE_CHECKING:
    from coach.roleplay.session import RolePlaySession
    from coach.store.base import Database


def _now() -> datetime:
    return datetime.now(UTC)


class RolePlaySessionRow(Base):
    """One role-play: who played which side of which scenario, at what difficulty and seed."""

    __tablename__ = "roleplay_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(120), index=True)
    scenario_id: Mapped[str] = mapped_column(String(120))
    scenario_title: Mapped[str] = mapped_column(String(300), default="")
    side: Mapped[str] = mapped_column(String(120))
    difficulty: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class RolePlayBranchRow(Base):
    """A line of play; rewinds create branches with a parent and the turn they start from."""

    __tablename__ = "roleplay_branches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("roleplay_sessions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    parent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    from_turn: Mapped[int] = mapped_column(Integer, default=0)


class RolePlayTurnRow(Base):
    """One exchange of a branch."""

    __tablename__ = "roleplay_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("roleplay_sessions.id", ondelete="CASCADE"), index=True)
    branch: Mapped[str] = mapped_column(String(40))
    index: Mapped[int] = mapped_column(Integer)
    user_text: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)


class RolePlayResultRow(Base):
    """The debrief figures of one branch, with user and date for progress over time."""

    __tablename__ = "roleplay_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("roleplay_sessions.id", ondelete="CASCADE"), index=True)
    branch: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(120), index=True)
    scenario_id: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    agreement: Mapped[bool] = mapped_column(Boolean)
    share_of_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    pareto_optimal: Mapped[bool] = mapped_column(Boolean)
    own_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON)


def save_session(db: Database, session: RolePlaySession, user_id: str, when: datetime | None = None) -> str:
    """Store a session with all branches, turns and one result per branch; returns the session id."""
    from coach.roleplay.debrief import branch_debrief

    sid = str(uuid.uuid4())
    stamp = when or _now()
    with db.session() as s:
        s.add(RolePlaySessionRow(id=sid, user_id=user_id, scenario_id=session.scenario.id,
                                 scenario_title=session.scenario.title, side=session.side,
                                 difficulty=session.difficulty, seed=session.seed, created_at=stamp))
        s.flush()
        for name, branch in session.branches.items():
            s.add(RolePlayBranchRow(session_id=sid, name=name, parent=branch.parent, from_turn=branch.from_turn))
            for turn in branch.turns:
                s.add(RolePlayTurnRow(session_id=sid, branch=name, index=turn.index, user_text=turn.user_text,
                                      reply=turn.reply, decision=turn.decision.to_dict(session.table)))
            d = branch_debrief(session, name)
            s.add(RolePlayResultRow(
                session_id=sid, branch=name, user_id=user_id, scenario_id=session.scenario.id, created_at=stamp,
                agreement=d["agreement"], share_of_max=d["share_of_max"], pareto_optimal=d["pareto_optimal"],
                own_share=d["own_share"],
                tags={"helped": [t["tag"] for t in d["skills"]["helped"]], "hurt": [t["tag"] for t in d["skills"]["hurt"]]}))
    return sid


def roleplay_results(db: Database, user_id: str) -> list[dict[str, Any]]:
    """Results of one user, oldest first: ``{scenario, date, share_of_max, pareto_optimal, own_share, tags}``."""
    with db.session() as s:
        rows = s.execute(select(RolePlayResultRow).where(RolePlayResultRow.user_id == user_id)
                         .order_by(RolePlayResultRow.created_at, RolePlayResultRow.id)).scalars().all()
        return [{"scenario": r.scenario_id, "date": r.created_at.isoformat(), "share_of_max": r.share_of_max,
                 "pareto_optimal": r.pareto_optimal, "own_share": r.own_share, "tags": r.tags,
                 "agreement": r.agreement, "branch": r.branch, "session_id": r.session_id} for r in rows]


def session_turns(db: Database, session_id: str) -> list[dict[str, Any]]:
    """Stored turns of a session (all branches), in order."""
    with db.session() as s:
        rows = s.execute(select(RolePlayTurnRow).where(RolePlayTurnRow.session_id == session_id)
                         .order_by(RolePlayTurnRow.branch, RolePlayTurnRow.index)).scalars().all()
        return [{"branch": r.branch, "index": r.index, "user": r.user_text, "reply": r.reply,
                 "decision": r.decision} for r in rows]
