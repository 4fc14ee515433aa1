"""Adapter between micro-roleplay drills and the role-play engine (``coach.roleplay``).

A micro-roleplay is a short exchange (default three turns) on a library scenario. The learner's
lines are played against the engine's counterparty, then the debrief's skill tags score them:
the score is the share of the drill's ``focus`` tags the debrief lists as *helped*. Everything
role-play specific stays in this module, so a change in the role-play API touches one file.
In ``--answer`` mode the response holds the lines separated by new lines or ``||``.
"""

from __future__ import annotations

import re
import zlib
from typing import TYPE_CHECKING, Any

from coach.practice.drills import DrillError, MicroRoleplayDrill
from coach.practice.grading import Grade

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def available() -> bool:
    """Whether the role-play engine is importable (micro-roleplays are served only then)."""
    try:
        import coach.roleplay.debrief
        import coach.roleplay.session  # noqa: F401
    except ImportError:
        return False
    return True


def start(drill: MicroRoleplayDrill, model: BaseChatModel | None = None) -> Any:
    """A fresh role-play session for the drill (seeded by the drill id, so it replays identically)."""
    from coach.errors import CoachError

    if not available():
        raise DrillError("micro-roleplay drills need the role-play engine (coach.roleplay), which is missing")
    from coach.roleplay.library import load
    from coach.roleplay.session import RolePlaySession

    try:
        scenario = load(drill.scenario)
        return RolePlaySession(scenario, drill.side, seed=zlib.crc32(drill.id.encode()) % 10_000, model=model)
    except CoachError as err:
        raise DrillError(f"drill '{drill.id}': {err}") from None


def split_turns(response: str, turns: int) -> list[str]:
    """The learner's lines: split on new lines or ``||``; more than ``turns`` lines is an error."""
    lines = [part.strip() for part in re.split(r"\|\||\n", response) if part.strip()]
    if not lines:
        raise DrillError("the answer is empty; write one line per turn, separated by '||'")
    if len(lines) > turns:
        raise DrillError(f"this micro-roleplay has {turns} turns; you wrote {len(lines)} lines (separate them with '||')")
    return lines


def score_session(drill: MicroRoleplayDrill, session: Any) -> Grade:
    """Debrief the session and score the drill's focus tags."""
    from coach.roleplay.debrief import debrief

    report = debrief(session)
    helped = {t["tag"]: t["why"] for t in report["skills"]["helped"]}
    hurt = {t["tag"]: t["why"] for t in report["skills"]["hurt"]}
    hits = [tag for tag in drill.focus if tag in helped]
    score = len(hits) / len(drill.focus)
    notes = [f"+ {helped[t]}" if t in helped else f"- {hurt.get(t, f'{t}: not shown in these turns')}"
             for t in drill.focus]
    feedback = f"Debrief: {'; '.join(notes)}. {drill.explanation}"
    criteria = {tag: tag in helped for tag in drill.focus}
    return Grade(drill.id, None, round(score, 3), feedback, drill.model_answer, drill.citation, "debrief", criteria)


def grade_micro_roleplay(drill: MicroRoleplayDrill, response: str, model: BaseChatModel | None = None) -> Grade:
    """Play the learner's lines (at most ``drill.turns``) and score them with the debrief."""
    lines = split_turns(response, drill.turns)
    session = start(drill, model)
    for line in lines:
        session.send(line)
        if session.finished:
            break
    return score_session(drill, session)


def briefing(drill: MicroRoleplayDrill) -> str:
    """The drill prompt plus what the learner needs: their brief, the issues and options, the opening line."""
    try:
        session = start(drill)
    except DrillError:
        return drill.prompt
    party = session.scenario.party(drill.side)
    issues = "\n".join(f"- {issue.name}: {', '.join(issue.options)}" for issue in session.table.issues)
    return (f"{drill.prompt}\n\nScenario: {session.scenario.title}. You are {party.name} ({party.role}). "
            f"{party.brief}\nIssues and options:\n{issues}\n\nThey open: \"{session.opening}\"")
