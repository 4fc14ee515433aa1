"""A role-play session: the user plays one side, the engine the other, turn by turn, with branches.

Each branch keeps its turns and the counterparty state after every turn (states are immutable), so
``rewind(to_turn)`` starts a new branch from the exact state after that turn; the debrief compares
branches. The engine decides; rendering (templates or an LLM in persona) only phrases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from coach.errors import CoachError
from coach.roleplay.counterparty import Counterparty, CounterpartyState, Decision, check_difficulty
from coach.roleplay.intents import UserMove, read_move
from coach.roleplay.offers import Offer, parse_offer, parse_offer_llm
from coach.roleplay.render import llm_text, opening_text, secret_numbers, template_text

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.domain import Package, Table
    from coach.scenario import Scenario

Phase = Literal["opening", "information exchange", "offers", "closing"]
MAX_TEXT = 4000


class RolePlayError(CoachError):
    """A role-play command cannot be applied (unknown branch, bad turn number, ...)."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One exchange: the user's line, how it was read, the engine's decision and the reply."""

    index: int
    user_text: str
    move: UserMove
    effective: Package | None  # the user's offer as the counterparty read it (completed, MESO pick)
    offered: tuple[Package, ...]  # every package of the user's offer, completed
    decision: Decision
    reply: str

    def to_dict(self, table: Table) -> dict[str, Any]:
        """JSON-ready record of the turn."""
        named = lambda p: {i.id: i.options[o] for i, o in zip(table.issues, p)}
        return {"index": self.index, "user": self.user_text, "reply": self.reply, "move": self.move.to_dict(),
                "offered": [named(p) for p in self.offered],
                "effective": None if self.effective is None else named(self.effective),
                "decision": self.decision.to_dict(table)}


@dataclass
class Branch:
    """A line of play: turns and the counterparty state after each (``states[0]`` = start)."""

    name: str
    parent: str | None
    from_turn: int
    turns: list[Turn] = field(default_factory=list)
    states: list[CounterpartyState] = field(default_factory=lambda: [CounterpartyState()])

    @property
    def state(self) -> CounterpartyState:
        """The counterparty state after the last turn."""
        return self.states[-1]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the user set before starting: walk-away and target (own points), and calibration guesses."""

    walk_away: float | None = None
    target: float | None = None


class RolePlaySession:
    """Role-play against the engine. ``side`` is the party the user plays."""

    def __init__(self, scenario: Scenario, side: str, difficulty: str | None = None, seed: int = 0,
                 model: BaseChatModel | None = None) -> None:
        self.scenario = scenario
        self.table = scenario.table()
        self.side = scenario.party(side).id
        self.user = self.table.party_index(self.side)
        self.other = 1 - self.user
        self.difficulty = check_difficulty(difficulty or scenario.difficulty)
        self.seed = seed
        self.model = model
        party = scenario.parties[self.other]
        self.counterparty_party = party
        self.engine = Counterparty(self.table, self.other, self.difficulty, seed, tuple(party.interests))
        self.opening = opening_text(party, seed)
        self.branches: dict[str, Branch] = {"main": Branch("main", None, 0)}
        self.current = "main"
        self.plan = Plan()
        self._secrets = secret_numbers(scenario)

    # ------------------------------------------------------------------ reading
    @property
    def branch(self) -> Branch:
        """The branch being played."""
        return self.branches[self.current]

    @property
    def turns(self) -> list[Turn]:
        """Turns of the current branch."""
        return self.branch.turns

    @property
    def turn_count(self) -> int:
        """Number of user turns in the current branch."""
        return len(self.branch.turns)

    @property
    def state(self) -> CounterpartyState:
        """Counterparty state now (current branch)."""
        return self.branch.state

    @property
    def agreement(self) -> Package | None:
        """The agreed package, if any."""
        return self.state.agreement

    @property
    def finished(self) -> bool:
        """True after a walk-away or timeout (an agreement can still be improved post-settlement)."""
        return self.state.ended

    @property
    def phase(self) -> Phase:
        """opening, information exchange, offers or closing."""
        st = self.state
        if st.agreement is not None or st.ended:
            return "closing"
        if st.offers or st.last_counter is not None:
            return "offers"
        if any(t.move.good_question or t.move.shares_priorities for t in self.turns):
            return "information exchange"
        return "opening"

    def set_plan(self, walk_away: float | None = None, target: float | None = None) -> None:
        """Record the user's walk-away and target (own points) before negotiating."""
        self.plan = Plan(walk_away, target)

    # ------------------------------------------------------------------ playing
    def read(self, text: str, offer: Offer | None = None) -> UserMove:
        """How the engine reads a user line (LLM offer parsing when a model is set)."""
        if offer is None:
            offer = parse_offer_llm(self.model, self.table, text) if self.model else parse_offer(self.table, text)
        return read_move(self.table, text, offer)

    def send(self, text: str, offer: Offer | None = None) -> Turn:
        """Play one user line (optionally with a structured offer) and get the counterparty's turn."""
        text = (text or "").strip()[:MAX_TEXT]
        if not text and offer is None:
            raise RolePlayError("empty message: type what you want to say or build an offer")
        move = self.read(text, offer)
        before = self.state
        fill = before.agreement if before.agreement is not None else self.engine.fill(before)
        offered = move.offer.completed(fill) if move.offer is not None else ()
        state, decision = self.engine.decide(before, move)
        effective = state.last_user if move.offer is not None and before.agreement is None else (
            offered[decision.meso_choice or 0] if offered else None)
        index = self.turn_count + 1
        reply = template_text(self.table, decision, self.counterparty_party, index, self.seed)
        if self.model is not None:
            reply = llm_text(self.model, self.scenario, self.counterparty_party, reply, decision.package, self._secrets)
        turn = Turn(index, text, move, effective, offered, decision, reply)
        self.branch.turns.append(turn)
        self.branch.states.append(state)
        return turn

    def rewind(self, to_turn: int) -> str:
        """Start a new branch from the state after ``to_turn`` (0 = the start); returns its name."""
        if not 0 <= to_turn <= self.turn_count:
            raise RolePlayError(f"to_turn must be between 0 and {self.turn_count}, got {to_turn}")
        name = f"branch-{len(self.branches)}"
        src = self.branch
        self.branches[name] = Branch(name, src.name, to_turn, list(src.turns[:to_turn]), list(src.states[: to_turn + 1]))
        self.current = name
        return name

    def switch(self, name: str) -> None:
        """Continue another branch."""
        if name not in self.branches:
            raise RolePlayError(f"no branch '{name}'; choose one of {list(self.branches)}")
        self.current = name

    # ------------------------------------------------------------------ serializing
    def transcript(self, branch: str | None = None) -> list[dict[str, str]]:
        """``[{"speaker": "user"|"counterparty", "text"}]`` including the opening line."""
        out = [{"speaker": "counterparty", "text": self.opening}]
        for t in self.branches[branch or self.current].turns:
            out += [{"speaker": "user", "text": t.user_text}, {"speaker": "counterparty", "text": t.reply}]
        return out

    def state_dict(self, branch: str | None = None) -> dict[str, Any]:
        """The exact state of a branch: engine state, turns and phase (compare after a rewind)."""
        b = self.branches[branch or self.current]
        return {"scenario": self.scenario.id, "side": self.side, "difficulty": self.difficulty, "seed": self.seed,
                "engine": b.state.to_dict(), "turns": [t.to_dict(self.table) for t in b.turns]}
