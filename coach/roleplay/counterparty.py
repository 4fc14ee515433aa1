"""The counterparty engine: every decision of the simulated other side, deterministic.

Given (scenario, difficulty, seed, user moves) the decisions are always the same. The engine keeps a
hidden table and BATNA and an aspiration that concedes over the offer rounds along a curve set by the
difficulty (Boulware for hard, linear for normal, conceder for easy; Faratin et al. 1998):

    target(tau) = high - (high - floor) * (tau / deadline) ** (1 / beta)

``tau`` advances once per user offer, scaled by reciprocity: more after a real concession or trade by
the user, less after a hard-line repeat. It accepts an offer iff it is worth at least the current
target and at least its BATNA; otherwise it counters with a frontier package on its side of the target,
the one closest to the user's last offer (so the trades it needs become visible). Out of a MESO it
picks its best (which reveals information). It reveals priorities/interests only to good questions.
The ``Decision`` it returns names options and issues, never a point value, target or BATNA.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from coach.analysis.pareto import FrontierPoint, nash_point, pareto_frontier
from coach.analysis.scoring import EPS, score
from coach.domain import Package, Table
from coach.errors import ScenarioError
from coach.roleplay.intents import UserMove

Action = Literal["accept", "counter", "answer", "walk_away", "improve", "keep", "closed"]
Mood = Literal["warmer", "neutral", "cooler"]
DIFFICULTIES = ("easy", "normal", "hard")
MAX_USER_TURNS = 40
BIG_CONCESSION_SHARE = 0.03  # of its score range: a user move at least this much better counts as a concession


@dataclass(frozen=True, slots=True)
class Profile:
    """How a difficulty behaves."""

    beta: float  # < 1 Boulware (holds then caves), 1 linear, > 1 conceder
    deadline: int  # offer rounds until the target reaches the floor
    floor_share: float  # floor = BATNA + share * (best - BATNA), capped at its Nash-point score
    patience: int  # extra offer rounds at the floor before walking away
    full_reveal: bool  # reveals the whole ranking (else top and bottom only)
    question_rate: float  # chance per turn of asking the user a hard question


PROFILES = {
    "easy": Profile(beta=2.5, deadline=6, floor_share=0.10, patience=8, full_reveal=True, question_rate=0.15),
    "normal": Profile(beta=1.0, deadline=8, floor_share=0.30, patience=5, full_reveal=True, question_rate=0.25),
    "hard": Profile(beta=0.35, deadline=10, floor_share=0.50, patience=2, full_reveal=False, question_rate=0.35),
}
HARD_QUESTIONS = ("budget", "alternative", "final", "why_issue", "deadline")
AFTER_OFFER = ("final", "why_issue")  # only make sense once the user has put an offer on the table


@dataclass(frozen=True, slots=True)
class Reveal:
    """One piece of information the counterparty lets out (issue ids, option text, interest sentence)."""

    kind: Literal["ranking", "top", "least", "preference", "interest"]
    issues: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    option: str | None = None
    text: str | None = None

    def key(self) -> str:
        """Identity used to avoid repeating the same reveal."""
        return f"{self.kind}:{','.join(self.issues)}:{self.option or ''}:{self.text or ''}"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the counterparty does this turn. Public: contains no points, targets or BATNA."""

    action: Action
    package: Package | None = None
    meso_choice: int | None = None
    reveals: tuple[Reveal, ...] = ()
    vague: bool = False
    deflect: bool = False
    reciprocity: Mood = "neutral"
    hard_question: str | None = None
    question_issue: str | None = None
    completed_partial: bool = False
    agreement: bool = False
    repeated: bool = False  # the counter is the same package as its previous counter
    confirmed: bool = False  # the user accepted its standing counter (not its acceptance of a user offer)
    acknowledge: bool = False  # the user shared their priorities
    clarify: bool = False  # the user tried an offer that names no option of the table
    clarify_issues: tuple[str, ...] = ()  # the issues that offer named (all issues when it named none)
    on_final: bool = False  # answers "is that your final offer?"
    on_alternative: bool = False  # answers the user's mention of an alternative
    probe: bool = False  # the deflection is of a plain question about its limits, not of an attack
    stuck_on: tuple[str, ...] = ()  # issue ids the user keeps haggling over alone while its counter stands

    def to_dict(self, table: Table | None = None) -> dict[str, Any]:
        """JSON-ready; with a table the package is named ``{issue id: option}``."""
        out = asdict(self)
        if table is not None and self.package is not None:
            out["package"] = {i.id: i.options[o] for i, o in zip(table.issues, self.package)}
        out["reveals"] = [asdict(r) for r in self.reveals]
        return out


@dataclass(frozen=True, slots=True)
class CounterpartyState:
    """Everything that changes during a negotiation; immutable, so branches can share history."""

    tau: float = 0.0
    offers: int = 0
    turns: int = 0
    last_user: Package | None = None
    last_user_value: float | None = None
    last_user_partial: bool = False
    seen: tuple[Package, ...] = ()  # every complete package the user has offered
    last_counter: Package | None = None
    agreement: Package | None = None
    outcome: str | None = None  # agreement | walked_away | user_walked | timeout
    revealed: tuple[str, ...] = ()
    interest_cursor: int = 0
    asked: tuple[str, ...] = ()
    improvements: int = 0

    @property
    def ended(self) -> bool:
        """No more moves change the outcome (walk-away or timeout)."""
        return self.outcome in ("walked_away", "user_walked", "timeout")

    def to_dict(self) -> dict[str, Any]:
        """Exact serialization (round-trips through ``from_dict``)."""
        out = asdict(self)
        for key in ("last_user", "last_counter", "agreement"):
            out[key] = None if out[key] is None else list(out[key])
        out["revealed"], out["asked"] = list(self.revealed), list(self.asked)
        out["seen"] = [list(p) for p in self.seen]
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CounterpartyState:
        """Inverse of ``to_dict``."""
        data = dict(raw)
        for key in ("last_user", "last_counter", "agreement"):
            data[key] = None if data[key] is None else tuple(data[key])
        data["revealed"], data["asked"] = tuple(data["revealed"]), tuple(data["asked"])
        data["seen"] = tuple(tuple(p) for p in data["seen"])
        return cls(**data)


def check_difficulty(difficulty: str) -> str:
    """The difficulty, or a ``ScenarioError`` naming the valid ones."""
    if difficulty not in PROFILES:
        raise ScenarioError(f"difficulty '{difficulty}' is not valid; choose one of {', '.join(DIFFICULTIES)}")
    return difficulty


class Counterparty:
    """The hidden side: its table index ``me`` in ``table``; decisions are pure functions of state + move."""

    def __init__(self, table: Table, me: int, difficulty: str = "normal", seed: int = 0,
                 interests: tuple[str, ...] = ()) -> None:
        self.table = table
        self.me = me
        self.difficulty = check_difficulty(difficulty)
        self.profile = PROFILES[difficulty]
        self.seed = seed
        self.interests = tuple(interests)
        self.frontier: list[FrontierPoint] = pareto_frontier(table)
        self.best = max(p.scores[me] for p in self.frontier)
        self.batna = table.batnas[me]
        nash = nash_point(table, self.frontier)
        cap = nash.scores[me] if nash is not None else self.best
        self.floor = max(self.batna, min(cap, self.batna + self.profile.floor_share * (self.best - self.batna)))
        self.weights = [max(i.points[me]) - min(i.points[me]) for i in table.issues]

    # ------------------------------------------------------------------ values
    def value(self, package: Package) -> float:
        """Its own points for a package (hidden)."""
        return score(self.table, package)[self.me]

    def target(self, tau: float) -> float:
        """Aspiration after ``tau`` effective offer rounds (never below the floor or BATNA)."""
        p = self.profile
        progress = min(1.0, max(0.0, tau / p.deadline)) ** (1.0 / p.beta)
        return max(self.batna, self.best - (self.best - self.floor) * progress)

    def acceptable(self, package: Package, tau: float) -> bool:
        """The acceptance rule: at least the current target and at least its BATNA."""
        v = self.value(package)
        return v >= self.target(tau) - EPS and v >= self.batna - EPS

    def ranking(self) -> list[int]:
        """Issue indexes from most to least important to it (largest point range first)."""
        return sorted(range(len(self.table.issues)), key=lambda n: (-self.weights[n], n))

    def level(self, n: int) -> str:
        """High / Medium / Low importance of an issue, relative to its most important one."""
        top = max(self.weights) or 1.0
        share = self.weights[n] / top
        return "High" if share >= 0.67 else "Medium" if share >= 0.34 else "Low"

    def preferred_option(self, n: int) -> int:
        """Its favourite option on an issue."""
        pts = self.table.issues[n].points[self.me]
        return max(range(len(pts)), key=lambda o: (pts[o], -o))

    def fill(self, state: CounterpartyState) -> Package:
        """Reference for unmentioned issues: the user's last offer, its last counter, else its favourites."""
        if state.last_user is not None:
            return state.last_user
        if state.last_counter is not None:
            return state.last_counter
        return tuple(self.preferred_option(n) for n in range(len(self.table.issues)))

    # ------------------------------------------------------------------ counters
    def counter(self, tau: float, reference: Package | None) -> Package:
        """The frontier package worth at least the target that is closest to ``reference``."""
        goal = self.target(tau)
        mine = [p for p in self.frontier if p.scores[self.me] >= goal - EPS] or [
            max(self.frontier, key=lambda p: p.scores[self.me])]
        if reference is None:
            return min(mine, key=lambda p: (p.scores[self.me], p.package)).package

        def distance(p: FrontierPoint) -> tuple[float, float, Package]:
            d = sum(abs(a - b) / max(1, len(i.options) - 1)
                    for a, b, i in zip(p.package, reference, self.table.issues))
            return (round(d, 9), p.scores[self.me], p.package)

        return min(mine, key=distance).package

    def reciprocity(self, state: CounterpartyState, offered_value: float, fresh: bool) -> tuple[float, Mood]:
        """How far tau advances for this offer, and the mood it sets.

        A real concession or trade (its best option is clearly better for it) -> 1.5; a small gain, or
        new packages of the same value (exploring, e.g. a fresh MESO) -> 1.0; a retreat or a hard-line
        repeat of packages already offered -> 0.5.
        """
        if state.last_user_value is None or state.last_user_partial:
            return 1.0, "neutral"
        gain = offered_value - state.last_user_value
        if gain >= BIG_CONCESSION_SHARE * max(EPS, self.best - self.batna):
            return 1.5, "warmer"
        if gain > EPS or (fresh and gain >= -EPS):
            return 1.0, "neutral"
        return 0.5, "cooler"

    def rng(self, turn: int) -> random.Random:
        """A generator fixed by (seed, turn), for the choices that are random in form only."""
        return random.Random(f"{self.seed}:{turn}:{self.difficulty}")

    # ------------------------------------------------------------------ decisions
    def decide(self, state: CounterpartyState, move: UserMove) -> tuple[CounterpartyState, Decision]:
        """The next state and the decision for one user move (pure: ``state`` is not modified)."""
        state = replace(state, turns=state.turns + 1)
        if state.ended:
            return state, Decision("closed", package=state.agreement, agreement=state.agreement is not None)
        reveals = self.reveals(state, move)
        state = self._remember(state, reveals, move)
        common: dict[str, Any] = {"reveals": tuple(reveals), "deflect": move.injection,
                                  "vague": move.position_only and not reveals,
                                  "acknowledge": move.shares_priorities, "clarify": move.unclear_offer,
                                  "clarify_issues": tuple(self.table.issues[n].id for n in move.unclear_issues),
                                  "probe": move.limit_probe, "on_final": move.asks_final,
                                  "on_alternative": move.mentions_alternative}
        if move.walks_away and move.offer is None:
            return replace(state, outcome="user_walked", agreement=None), Decision("closed", **common)
        if state.agreement is not None:
            return self._post_settlement(state, move, common)
        if move.offer is not None:
            state, decision = self._on_offer(state, move, common)
        elif move.accepts and state.last_counter is not None and self.value(state.last_counter) >= self.batna - EPS:
            agreed = state.last_counter
            state = replace(state, agreement=agreed, outcome="agreement")
            decision = Decision("accept", package=agreed, agreement=True, confirmed=True, **common)
        elif state.turns >= MAX_USER_TURNS:
            state = replace(state, outcome="timeout")
            decision = Decision("walk_away", **common)
        else:
            decision = Decision("answer", package=None, **common)
        return self._maybe_question(state, decision, move)

    def _on_offer(self, state: CounterpartyState, move: UserMove,
                  common: dict[str, Any]) -> tuple[CounterpartyState, Decision]:
        assert move.offer is not None
        packages = move.offer.completed(self.fill(state))
        values = [self.value(p) for p in packages]
        choice = max(range(len(packages)), key=lambda k: (values[k], -k))
        chosen = packages[choice]
        partial = not move.offer.is_complete()
        fresh = not partial and any(p not in state.seen for p in packages)
        step, mood = self.reciprocity(state, values[choice], fresh)
        tau = state.tau + step
        seen = state.seen if partial else state.seen + tuple(p for p in packages if p not in state.seen)
        state = replace(state, tau=tau, offers=state.offers + 1, last_user=chosen, last_user_value=values[choice],
                        last_user_partial=partial, seen=seen)
        meso = choice if move.offer.is_meso else None
        if not partial and self.acceptable(chosen, tau):
            state = replace(state, agreement=chosen, outcome="agreement")
            return state, Decision("accept", package=chosen, meso_choice=meso, reciprocity=mood, agreement=True, **common)
        no_zopa = self.best < self.batna - EPS  # nothing on the table beats its alternative
        if no_zopa or state.offers >= self.profile.deadline + self.profile.patience or state.turns >= MAX_USER_TURNS:
            state = replace(state, outcome="walked_away")
            return state, Decision("walk_away", meso_choice=meso, reciprocity=mood, **common)
        counter = chosen if partial and self.acceptable(chosen, tau) else self.counter(tau, chosen)
        repeated = counter == state.last_counter
        named = sorted(move.offer.mentioned())
        haggling = repeated and partial and not move.offer.is_meso and len(named) <= 2
        stuck = tuple(self.table.issues[n].id for n in named) if haggling else ()
        state = replace(state, last_counter=counter)
        return state, Decision("counter", package=counter, meso_choice=meso, reciprocity=mood,
                               completed_partial=partial, repeated=repeated, stuck_on=stuck, **common)

    def _post_settlement(self, state: CounterpartyState, move: UserMove,
                         common: dict[str, Any]) -> tuple[CounterpartyState, Decision]:
        """After agreement: switch to a proposed alternative only if it is at least as good for it."""
        agreed = state.agreement
        assert agreed is not None
        if move.offer is None:
            return state, Decision("closed", package=agreed, agreement=True, **common)
        packages = move.offer.completed(agreed)
        values = [self.value(p) for p in packages]
        floor = self.value(agreed) - EPS
        # best for it; on a tie it takes the user's alternative (no worse for it, better for the user)
        choice = max(range(len(packages)), key=lambda k: (round(values[k], 9), packages[k] != agreed, -k))
        meso = choice if move.offer.is_meso else None
        if values[choice] >= floor and packages[choice] != agreed:
            state = replace(state, agreement=packages[choice], improvements=state.improvements + 1)
            return state, Decision("improve", package=packages[choice], meso_choice=meso, agreement=True, **common)
        return state, Decision("keep", package=agreed, meso_choice=meso, agreement=True, **common)

    # ------------------------------------------------------------------ information
    def reveals(self, state: CounterpartyState, move: UserMove) -> list[Reveal]:
        """What a move earns: ranking to priority questions, interests and preferences to interest
        questions, the least important issue to flexibility questions; nothing to position-only talk."""
        ids = [i.id for i in self.table.issues]
        order = self.ranking()
        out: list[Reveal] = []
        if move.asks_priorities:
            if self.profile.full_reveal:
                out.append(Reveal("ranking", tuple(ids[n] for n in order), tuple(self.level(n) for n in order)))
            else:
                out.append(Reveal("top", (ids[order[0]],), (self.level(order[0]),)))
        if move.asks_flex or (move.asks_priorities and not self.profile.full_reveal):
            out.append(Reveal("least", (ids[order[-1]],), (self.level(order[-1]),)))
        asked = list(move.asked_issues)
        if move.asks_interests:
            if self.interests:
                text = self.interests[state.interest_cursor % len(self.interests)]
                out.append(Reveal("interest", text=text))
            known = {k.split(":")[1] for k in state.revealed if k.startswith("preference:")}
            fresh = [n for n in order if ids[n] not in known and n not in asked]
            asked += fresh[: 2 if self.profile.full_reveal else 1]
        for n in asked:
            option = self.table.issues[n].options[self.preferred_option(n)]
            out.append(Reveal("preference", (ids[n],), (self.level(n),), option=option))
        told = any(k.startswith(("ranking:", "top:")) for k in state.revealed)
        if move.shares_priorities and not out and self.profile.full_reveal and not told:
            out.append(Reveal("top", (ids[order[0]],), (self.level(order[0]),)))  # reciprocates, once
        return out

    def _remember(self, state: CounterpartyState, reveals: list[Reveal], move: UserMove) -> CounterpartyState:
        keys = tuple(dict.fromkeys(state.revealed + tuple(r.key() for r in reveals)))
        cursor = state.interest_cursor + (1 if move.asks_interests and self.interests else 0)
        return replace(state, revealed=keys, interest_cursor=cursor)

    def _maybe_question(self, state: CounterpartyState, decision: Decision,
                        move: UserMove) -> tuple[CounterpartyState, Decision]:
        """Sometimes ask the user a hard question (budget, alternative, 'is that final?')."""
        if decision.action not in ("counter", "answer") or move.injection or move.asks_final:
            return state, decision
        rng = self.rng(state.turns)
        if rng.random() >= self.profile.question_rate:
            return state, decision
        fits = [q for q in HARD_QUESTIONS if q not in AFTER_OFFER or state.last_user is not None]
        left = [q for q in fits if q not in state.asked] or fits
        key = left[rng.randrange(len(left))]
        issue = None
        if key == "why_issue" and state.last_user is not None:
            ref = state.last_user
            losses = [(self.table.issues[n].points[self.me][self.preferred_option(n)]
                       - self.table.issues[n].points[self.me][o], -n) for n, o in enumerate(ref)]
            issue = self.table.issues[-max(losses)[1]].id
        state = replace(state, asked=state.asked + (key,))
        return state, replace(decision, hard_question=key, question_issue=issue)
