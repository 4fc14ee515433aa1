"""Self-play: a built-in policy plays the user's side of a scenario against the counterparty engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.roleplay.debrief import outcome
from coach.roleplay.policies import make_policy, own_view
from coach.roleplay.session import RolePlaySession
from coach.scenario import Scenario

MAX_TURNS = 40


@dataclass(frozen=True, slots=True)
class SelfPlayResult:
    """Outcome of one self-play game (the CLI's JSON shape plus context)."""

    scenario: str
    policy: str
    side: str
    difficulty: str
    agreement: bool
    scores: dict[str, float]
    joint: float
    share_of_max: float | None
    pareto_optimal: bool
    own_share: float | None
    turns: int

    def to_dict(self) -> dict[str, Any]:
        """``{"agreement", "scores", "joint", "share_of_max", "pareto_optimal", "turns"}`` plus context."""
        return {"agreement": self.agreement, "scores": self.scores, "joint": self.joint,
                "share_of_max": self.share_of_max, "pareto_optimal": self.pareto_optimal, "turns": self.turns,
                "own_share": self.own_share, "scenario": self.scenario, "policy": self.policy, "side": self.side,
                "difficulty": self.difficulty}


def play(session: RolePlaySession, policy_name: str, max_turns: int = MAX_TURNS) -> RolePlaySession:
    """Let a policy play ``session`` until it stops, the counterparty ends, or ``max_turns``."""
    policy = make_policy(policy_name, own_view(session.table, session.user), session.user)
    session.set_plan(*policy.plan())
    last = None
    while session.turn_count < max_turns and not session.finished:
        message = policy.next_message(last)
        if message is None:
            break
        last = session.send(message).decision
    return session


def run_selfplay(scenario: Scenario, policy: str, side: str, difficulty: str | None = None,
                 seed: int = 0) -> SelfPlayResult:
    """One game; the result is scored against the engine's frontier."""
    session = play(RolePlaySession(scenario, side, difficulty, seed), policy)
    out = outcome(session.table, session.user, session.agreement)
    return SelfPlayResult(
        scenario=scenario.id, policy=policy, side=session.side, difficulty=session.difficulty,
        agreement=out["agreement"], scores=out["scores"], joint=out["joint"], share_of_max=out["share_of_max"],
        pareto_optimal=out["pareto_optimal"], own_share=out["own_share"], turns=session.turn_count,
    )
