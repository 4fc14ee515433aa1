"""Contingent contracts: a bet on an uncertain outcome on which the two sides disagree.

Payments are what party 1 pays party 0 under each outcome (negative: party 0 pays), relative to
the deal without the clause (``baseline``: the fixed payment it replaces). Each side values the
bet with its OWN probabilities; when beliefs differ, both can expect to gain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from coach.analysis.numbers import finite_number
from coach.errors import AnalysisError

_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class ContingentResult:
    """Each side's expected value under its own belief, whether the bet creates value, and flags."""

    parties: tuple[str, str]
    outcomes: tuple[str, ...]
    expected_values: tuple[float, float]  # relative to no clause, each under its own belief
    creates_value: bool  # both expected values > 0
    betting_gain: float  # sum of both expected values: the value created by differing beliefs
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (expected values keyed by party)."""
        data = asdict(self)
        data["expected_values"] = dict(zip(self.parties, self.expected_values))
        return data


def _probabilities(name: str, values: Sequence[float], n: int) -> list[float]:
    probs = [finite_number(f"{name}: each probability", v) for v in values]
    if len(probs) != n:
        raise AnalysisError(f"{name}: give one probability per outcome ({n}), got {len(probs)}")
    if any(p < 0 or p > 1 for p in probs):
        raise AnalysisError(f"{name}: probabilities must be between 0 and 1")
    if abs(sum(probs) - 1) > 1e-6:
        raise AnalysisError(f"{name}: probabilities must add up to 1 (they add up to {sum(probs):g})")
    return probs


def _controller(parties: tuple[str, str], controlled_by: str | int | None) -> int | None:
    if controlled_by is None:
        return None
    if controlled_by in (0, 1):
        return int(controlled_by)
    if controlled_by in parties:
        return parties.index(str(controlled_by))
    raise AnalysisError(f"controlled_by must be one of {list(parties)} (or 0/1), got {controlled_by!r}")


def evaluate_contingent(
    outcomes: Sequence[str],
    beliefs: tuple[Sequence[float], Sequence[float]],
    payments: Sequence[float],
    *,
    parties: tuple[str, str] = ("party0", "party1"),
    baseline: float = 0.0,
    measurable: bool = True,
    verifiable: bool = True,
    controlled_by: str | int | None = None,
) -> ContingentResult:
    """Evaluate a contingent clause.

    Args:
        outcomes: names of the mutually exclusive outcomes (e.g. ["on time", "late"]).
        beliefs: each party's probability for every outcome (each list sums to 1).
        payments: what party 1 pays party 0 under each outcome.
        baseline: the fixed payment (party 1 to party 0) the clause replaces.
        measurable, verifiable: whether the outcome can be measured and checked by both.
        controlled_by: the party that can influence the outcome (moral hazard), if any.
    """
    names = tuple(str(o) for o in outcomes)
    if len(names) < 2:
        raise AnalysisError("outcomes: a contingent clause needs at least two outcomes")
    pay = [finite_number("payments: each amount", x) for x in payments]
    if len(pay) != len(names):
        raise AnalysisError(f"payments: give one finite amount per outcome ({len(names)})")
    baseline = finite_number("baseline", baseline)
    p0 = _probabilities(f"beliefs of {parties[0]}", beliefs[0], len(names))
    p1 = _probabilities(f"beliefs of {parties[1]}", beliefs[1], len(names))
    ev0 = sum(p * x for p, x in zip(p0, pay)) - baseline
    ev1 = baseline - sum(p * x for p, x in zip(p1, pay))
    ev = (round(ev0, 9), round(ev1, 9))
    flags = []
    if not measurable:
        flags.append(f"outcome is not measurable: define a number both can observe for '{names[0]}'")
    if not verifiable:
        flags.append("outcome is not verifiable: name the data source or third party that settles it")
    who = _controller(parties, controlled_by)
    if who is not None:
        flags.append(f"moral hazard: {parties[who]} controls the outcome; its belief is also a promise, "
                     "so cap the payment or add a monitoring clause")
    if max(abs(a - b) for a, b in zip(p0, p1)) <= _TOL:
        flags.append("beliefs agree: the bet moves value from one side to the other but creates none")
    return ContingentResult(parties, names, ev, ev0 > _TOL and ev1 > _TOL, round(ev0 + ev1, 9), tuple(flags))


def binary_contingent(
    event: str, p0: float, p1: float, pay_if_true: float, pay_if_false: float, **kwargs: Any
) -> ContingentResult:
    """Convenience for a yes/no event: each side's probability that it happens."""
    return evaluate_contingent([event, f"not {event}"], ([p0, 1 - p0], [p1, 1 - p1]),
                               [pay_if_true, pay_if_false], **kwargs)
