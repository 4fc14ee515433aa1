"""Numbers at the edge of the maths: checking the ones a user gives, formatting the ones shown.

One place so the ZOPA, contingent-contract and CLI code agree on what a valid amount is and how
an amount reads ("150,000" for whole numbers, two decimals otherwise).
"""

from __future__ import annotations

import math

from coach.errors import AnalysisError


def finite_number(name: str, value: object) -> float:
    """``value`` as a finite float; ``AnalysisError`` naming ``name`` for text, NaN or infinity."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise AnalysisError(f"{name} must be a finite number, got {value!r}")
    return number


def format_amount(x: float) -> str:
    """Thousands separators; no decimals for a whole number, two otherwise."""
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.2f}"
