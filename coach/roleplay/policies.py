"""Built-in negotiators that play the user's side in self-play: naive, hardliner, integrative.

Each policy sees only its own side: ``own_view(table, me)`` blanks the other side's points, and the
counterparty's replies arrive as public ``Decision`` objects (options, issue ids, priority levels,
which MESO option it picked). The integrative policy asks about priorities and interests, builds an
ESTIMATE of the other side's points from what was revealed (``table_from_priorities``), makes MESOs
(``build_mesos``), learns from each pick (``update_priorities``) and, after agreement, proposes
post-settlement trades (``find_trades``) the other side may take or leave.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from coach.analysis.meso import build_mesos, update_priorities
from coach.analysis.pareto import max_joint, pareto_frontier
from coach.analysis.priorities import IssuePriority, table_from_priorities
from coach.analysis.scoring import EPS, score
from coach.analysis.trades import find_trades
from coach.domain import Issue, Package, Table
from coach.roleplay.counterparty import Decision
from coach.roleplay.offers import describe_package

POLICIES = ("naive", "hardliner", "integrative")
LEVEL_WEIGHT = {"High": 3.0, "Medium": 2.0, "Low": 1.0}


def own_view(table: Table, me: int) -> Table:
    """The table as one side knows it: its own points, zeros for the other side's."""
    issues = []
    for issue in table.issues:
        blank = tuple(0.0 for _ in issue.options)
        points = (issue.points[0], blank) if me == 0 else (blank, issue.points[1])
        issues.append(replace(issue, points=points))
    batnas = (table.batnas[0], 0.0) if me == 0 else (0.0, table.batnas[1])
    return replace(table, issues=tuple(issues), batnas=batnas)


class Policy(Protocol):
    """A negotiator: the next user line given the last counterparty decision (None = stop)."""

    name: str

    def next_message(self, last: Decision | None) -> str | None: ...

    def plan(self) -> tuple[float, float]: ...


class _Base:
    name = "base"

    def __init__(self, view: Table, me: int) -> None:
        self.view = view
        self.me = me
        self.batna = view.batnas[me]
        self.best = tuple(max(range(len(i.options)), key=lambda o: (i.points[me][o], -o)) for i in view.issues)
        self.top = self.mine(self.best)
        self.round = 0
        self.last_offer: Package | None = None
        self.agreed = False

    def mine(self, package: Package) -> float:
        return score(self.view, package)[self.me]

    def plan(self) -> tuple[float, float]:
        """Walk-away (BATNA) and target (most of the way to the best)."""
        return self.batna, self.batna + 0.7 * (self.top - self.batna)

    def say(self, package: Package, lead: str = "We propose") -> str:
        return f"{lead}: {describe_package(self.view, package)}."


class Naive(_Base):
    """Haggles issue by issue and splits the difference with the other side's last counter."""

    name = "naive"

    def next_message(self, last: Decision | None) -> str | None:
        if last is not None and last.action in ("accept", "walk_away", "closed", "improve", "keep"):
            return None
        self.round += 1
        if self.last_offer is None:
            self.last_offer = self.best
            first = self.view.issues[0]
            return f"Let's start with {first.name}: {first.options[self.best[0]]}."
        if last is None or last.package is None:
            return self.say(self.last_offer)
        counter = last.package
        split = tuple((a + b + (1 if a > b else 0)) // 2 if self.round % 2 else (a + b) // 2
                      for a, b in zip(self.last_offer, counter))
        if self.mine(counter) >= max(self.batna, self.mine(split)) - EPS:
            return "Deal, we accept your offer."
        if split == self.last_offer or self.mine(split) < self.batna - EPS:
            split = counter if self.mine(counter) >= self.batna - EPS else self.last_offer
        self.last_offer = split
        return self.say(split, "Let's split the difference")


class Hardliner(_Base):
    """Anchors at its best package and concedes little; accepts only near its aspiration."""

    name = "hardliner"
    STEP = 0.04  # share of its range given up per round
    RESERVE = 0.5  # never below BATNA + this share of the range

    def aspiration(self) -> float:
        span = self.top - self.batna
        return max(self.batna + self.RESERVE * span, self.top - self.STEP * span * self.round)

    def next_message(self, last: Decision | None) -> str | None:
        if last is not None and last.action in ("accept", "walk_away", "closed", "improve", "keep"):
            return None
        self.round += 1
        goal = self.aspiration()
        if last is not None and last.package is not None and self.mine(last.package) >= goal - EPS:
            return "Deal, we accept your offer."
        ref = self.last_offer or self.best
        offer = min((p for p in _packages(self.view) if self.mine(p) >= goal - EPS),
                    key=lambda p: (sum(a != b for a, b in zip(p, ref)), self.mine(p), p))
        self.last_offer = offer
        return self.say(offer, "This is our position, take it or leave it")


class Integrative(_Base):
    """Asks, shares, estimates, makes MESOs, learns from picks, and improves the deal after agreement."""

    name = "integrative"
    QUESTIONS = 4
    ROUNDS = 10
    POST_ROUNDS = 8
    MAX_KEEPS = 4
    ALTERNATIVES = 4

    def __init__(self, view: Table, me: int) -> None:
        super().__init__(view, me)
        self.levels: dict[str, str] = {}
        self.preferred: dict[str, str] = {}
        self.asked = 0
        self.estimate: Table | None = None
        self.offered: list[Package] = []
        self.agreement: Package | None = None
        self.post = 0
        self.keeps = 0
        self.rejected: set[Package] = set()
        self.start = self.floor = 0.0

    def next_message(self, last: Decision | None) -> str | None:
        if last is not None:
            self.learn(last)
        if last is not None and last.action in ("walk_away", "closed"):
            return None
        if self.agreement is not None:
            return self.improve()
        if self.asked < self.QUESTIONS and self.needs_info():
            return self.ask()
        if self.estimate is None:
            self.estimate = self.build_estimate()
            self.set_curve()
        return self.offer(last)

    # -------------------------------------------------------------- information
    def needs_info(self) -> bool:
        return self.asked == 0 or len(self.preferred) < len(self.view.issues)

    def ask(self) -> str:
        self.asked += 1
        if self.asked == 1:
            return "Before we talk numbers, what matters most to you here, and how would you rank these issues?"
        mine = sorted(self.view.issues, key=lambda i: -(max(i.points[self.me]) - min(i.points[self.me])))
        share = f"For us, the most important issue is {mine[0].name}. " if self.asked == 2 else ""
        return share + "What are you trying to achieve, and what would work best for you on the remaining issues?"

    def learn(self, last: Decision) -> None:
        for r in last.reveals:
            for k, issue_id in enumerate(r.issues):
                if k < len(r.levels):
                    self.levels[issue_id] = r.levels[k]
            if r.kind == "preference" and r.option is not None:
                self.preferred[r.issues[0]] = r.option
        if last.action in ("accept", "improve", "keep") and last.package is not None:
            self.agreement = last.package
            self.keeps = self.keeps + 1 if last.action == "keep" else 0
            if last.action in ("keep", "improve") and self.offered:
                self.rejected.update(p for p in self.offered if p != last.package)
        if self.estimate is not None and last.meso_choice is not None and len(self.offered) > 1:
            self.estimate = update_priorities(self.estimate, self.me, self.offered, last.meso_choice)

    def build_estimate(self) -> Table:
        """My true points plus an estimate of theirs from revealed levels and preferred options."""
        them = 1 - self.me
        items = []
        for issue in self.view.issues:
            mine = issue.points[self.me]
            if issue.id in self.preferred:
                best = issue.options.index(self.preferred[issue.id])
                order = sorted(range(len(mine)), key=lambda o: (abs(o - best), o))
            else:  # assume they want the opposite of what I want
                order = sorted(range(len(mine)), key=lambda o: (mine[o], o))
            ratings = ["none", "none"]
            ratings[them] = str(LEVEL_WEIGHT.get(self.levels.get(issue.id, ""), 1.5))
            ratings[self.me] = "1"
            prefs: list[object] = ["descending", "descending"]
            prefs[them] = [issue.options[o] for o in order]
            items.append(IssuePriority(issue.id, issue.options, (ratings[0], ratings[1]),
                                       (prefs[0], prefs[1]), issue.name))  # type: ignore[arg-type]
        span = sum(max(i.points[self.me]) - min(i.points[self.me]) for i in self.view.issues)
        rough = table_from_priorities(self.view.parties, items, total=max(1.0, span))
        issues = tuple(Issue(i.id, i.name, i.options, _merge(i, r, self.me)) for i, r in zip(self.view.issues, rough.issues))
        return replace(self.view, issues=issues)

    # -------------------------------------------------------------- offers
    def set_curve(self) -> None:
        assert self.estimate is not None
        frontier = pareto_frontier(self.estimate)
        best = max_joint(self.estimate, frontier)
        centre = best.scores[self.me]
        self.start = max(centre, self.batna) + 0.5 * (self.top - max(centre, self.batna))
        self.floor = self.batna + 0.25 * (centre - self.batna) if centre > self.batna else self.batna

    def aspiration(self) -> float:
        progress = min(1.0, self.round / self.ROUNDS)
        return self.start - (self.start - self.floor) * progress

    def offer(self, last: Decision | None) -> str:
        assert self.estimate is not None
        goal = self.aspiration()
        countered = last is not None and last.action == "counter" and last.package is not None
        if countered and self.mine(last.package) >= goal - EPS:  # type: ignore[union-attr, arg-type]
            return "That works for us. Deal, we accept your offer."
        self.round += 1
        goal = self.aspiration()
        mesos = build_mesos(self.estimate, self.me, k=3, target=goal)
        self.offered = [m.package for m in mesos]
        if len(self.offered) == 1:
            return self.say(self.offered[0], "We propose, because it gives you what you told us matters most")
        labels = "ABCDE"
        body = " ".join(f"Option {labels[k]}: {describe_package(self.view, p)}." for k, p in enumerate(self.offered))
        return f"Here are packages that work equally well for us, because they protect what matters to you. {body}"

    def improve(self) -> str | None:
        """Post-settlement: propose trades that are better for me and, by my estimate, for them."""
        assert self.agreement is not None
        if self.post >= self.POST_ROUNDS or self.keeps >= self.MAX_KEEPS or self.estimate is None:
            return None
        self.post += 1
        candidates = [p for p in _improvements(self.estimate, self.me, self.agreement) if p not in self.rejected]
        if not candidates:
            return None
        self.offered = [self.agreement] + candidates[: self.ALTERNATIVES]
        labels = "ABCDE"
        body = " ".join(f"Option {labels[k]}: {describe_package(self.view, p)}." for k, p in enumerate(self.offered))
        return f"Before we sign, could one of these work even better for you? Option A is what we agreed. {body}"


def _merge(mine: Issue, rough: Issue, me: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return (mine.points[0], rough.points[1]) if me == 0 else (rough.points[0], mine.points[1])


def _packages(table: Table) -> list[Package]:
    """Every package (tables here are small: at most a few thousand)."""
    out: list[Package] = [()]
    for issue in table.issues:
        out = [p + (o,) for p in out for o in range(len(issue.options))]
    return out


def _improvements(estimate: Table, me: int, agreed: Package) -> list[Package]:
    """Packages better for me (or equal) that may be no worse for them, most promising first.

    Trades from ``find_trades`` (better for both by my estimate) come first; then one- and two-issue
    moves that are no worse for me, ranked by their estimated cost to them. They may take or leave each.
    """
    them = 1 - me
    base = score(estimate, agreed)
    found = [t.package for t in find_trades(estimate, agreed, limit=6)]
    ranked: list[tuple[float, float, Package]] = []
    moves = [(n, o) for n, issue in enumerate(estimate.issues) for o in range(len(issue.options)) if o != agreed[n]]
    for a, (n, o) in enumerate(moves):
        for extra in [None, *moves[a + 1:]]:
            if extra is not None and extra[0] == n:
                continue
            row = list(agreed)
            row[n] = o
            if extra is not None:
                row[extra[0]] = extra[1]
            s = score(estimate, tuple(row))
            gain_me, gain_them = s[me] - base[me], s[them] - base[them]
            if gain_me >= -EPS:
                ranked.append((-round(gain_them, 6), -round(gain_me, 6), tuple(row)))
    for _, _, package in sorted(ranked):
        if package not in found:
            found.append(package)
    return found


def make_policy(name: str, view: Table, me: int) -> Policy:
    """A policy by name; ``view`` must be ``own_view(...)`` (the other side's points blanked)."""
    from coach.errors import CoachError

    classes: dict[str, type[Naive | Hardliner | Integrative]] = {
        "naive": Naive, "hardliner": Hardliner, "integrative": Integrative}
    if name not in classes:
        raise CoachError(f"policy '{name}' is not valid; choose one of {', '.join(POLICIES)}")
    if any(x != 0 for issue in view.issues for x in issue.points[1 - me]) or view.batnas[1 - me] != 0:
        raise ValueError("a policy may only see its own side: pass own_view(table, me)")
    return classes[name](view, me)
