"""ZOPA for a single quantity (price, salary...): is there a zone of possible agreement?

``role`` is MY role. A buyer's reservation point is the most they will pay; a seller's the least
they will accept. Their reservation point may be a number or a range (uniform belief).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from coach.analysis.numbers import finite_number, format_amount
from coach.errors import AnalysisError

Role = Literal["buyer", "seller"]
ANCHOR_MARGIN = 0.05  # first offer goes this share of the zone beyond their likely reservation point


@dataclass(frozen=True, slots=True)
class ZopaResult:
    """Whether a zone exists, its bounds, the chance it exists, a first offer and advice."""

    role: str
    mine: float
    theirs_low: float
    theirs_high: float
    exists: bool  # possible under the belief (certain for a point estimate)
    low: float | None
    high: float | None
    width: float
    probability: float  # chance the zone exists under a uniform belief over their range
    first_offer: float
    rationale: str
    gap: float | None
    advice: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def _probability(mine: float, low: float, high: float, role: str) -> float:
    """P(their reservation point leaves room) with their point uniform on [low, high]."""
    if high - low <= 0:
        ok = low <= mine if role == "buyer" else low >= mine
        return 1.0 if ok else 0.0
    share = (mine - low) / (high - low) if role == "buyer" else (high - mine) / (high - low)
    return min(1.0, max(0.0, share))


def zopa(mine: float, theirs_low: float, theirs_high: float | None = None, role: Role = "buyer") -> ZopaResult:
    """ZOPA between my reservation point and theirs (a number, or a uniform range low..high)."""
    if role not in ("buyer", "seller"):
        raise AnalysisError(f"role must be 'buyer' or 'seller', got {role!r}")
    mine = finite_number("mine", mine)
    low = finite_number("theirs", theirs_low)
    high = low if theirs_high is None else finite_number("theirs (high end)", theirs_high)
    if high < low:
        low, high = high, low
    probability = _probability(mine, low, high, role)
    buyer = role == "buyer"
    # Best case for me: the seller's lowest plausible floor, or the buyer's highest plausible ceiling.
    edge = low if buyer else high
    exists = (edge <= mine) if buyer else (edge >= mine)
    if not exists:
        gap = (low - mine) if buyer else (mine - high)
        advice = (f"No ZOPA on this number alone: a gap of {format_amount(gap)}. Add issues (payment terms, "
                  "volume, timing, scope, warranty) or a contingent clause so both sides can gain, "
                  "or improve your BATNA; do not cross your reservation point.")
        return ZopaResult(role, mine, low, high, False, None, None, 0.0, probability, mine,
                          f"There is no zone to anchor in; state your position at your limit ({format_amount(mine)}) "
                          "only if you want to close, otherwise explore other issues first.", gap, advice)
    zone_low, zone_high = (edge, mine) if buyer else (mine, edge)
    width = zone_high - zone_low
    margin = ANCHOR_MARGIN * width
    first = zone_low - margin if buyer else zone_high + margin
    side = "low" if buyer else "high"
    rationale = (f"Open {side} at {format_amount(first)}: just beyond their most favourable likely reservation "
                 f"point ({format_amount(edge)}), so the anchor is ambitious but can be justified; you can concede "
                 f"across a zone of {format_amount(width)} up to your limit {format_amount(mine)}.")
    certain = probability >= 1.0
    advice = ("A ZOPA exists. Anchor first with a justified number, then trade concessions for value on other issues."
              if certain else
              f"A ZOPA exists with probability {probability:.0%} under your belief; ask questions that "
              "reveal their limit before conceding, and add issues to widen the zone.")
    return ZopaResult(role, mine, low, high, True, zone_low, zone_high, width, probability,
                      round(first, 9), rationale, None, advice)
