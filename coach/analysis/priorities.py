"""Priorities to points: turn High/Medium/Low ratings and preferred option orders into a table.

For a live deal nobody has exact points. Each side rates each issue (high/medium/low, none, or a
number) and says which options it prefers; weights 3/2/1 are scaled so each side's best package
is worth ``total`` points, and points fall linearly from the best option to the worst.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coach.domain import Issue, Table
from coach.errors import AnalysisError

WEIGHTS = {"high": 3.0, "h": 3.0, "medium": 2.0, "med": 2.0, "m": 2.0, "low": 1.0, "l": 1.0, "none": 0.0}
Preference = str | Sequence[str]  # "ascending" | "descending" | explicit options best first


@dataclass(frozen=True, slots=True)
class IssuePriority:
    """One issue of a deal sheet with both sides' rating and preferred option order.

    ``preferences[p]`` is ``"descending"`` (the first listed option is best; default),
    ``"ascending"`` (the last is best) or the option texts ordered best first (unlisted options
    rank below the listed ones, equally).
    """

    id: str
    options: tuple[str, ...]
    ratings: tuple[str | float, str | float]
    preferences: tuple[Preference, Preference] = ("descending", "descending")
    name: str = ""


def weight_of(rating: str | float, where: str) -> float:
    """3/2/1/0 for high/medium/low/none, or a non-negative number as given."""
    if isinstance(rating, str):
        key = rating.strip().casefold()
        if key in WEIGHTS:
            return WEIGHTS[key]
        try:
            rating = float(key)
        except ValueError:
            raise AnalysisError(f"{where}: rating {rating!r} must be high, medium, low, none or a number") from None
    value = float(rating)
    if not math.isfinite(value) or value < 0:
        raise AnalysisError(f"{where}: rating must be a finite number >= 0, got {rating!r}")
    return value


def ranks(options: Sequence[str], preference: Preference, where: str) -> list[float]:
    """Position of each option from best (0) to worst (1), linear in the preferred order."""
    n = len(options)
    if n == 1:
        return [0.0]
    if isinstance(preference, str):
        key = preference.strip().casefold()
        if key in ("descending", "desc", "first", "lower"):
            return [k / (n - 1) for k in range(n)]
        if key in ("ascending", "asc", "last", "higher"):
            return [(n - 1 - k) / (n - 1) for k in range(n)]
        raise AnalysisError(f"{where}: preference {preference!r} must be 'ascending', 'descending' "
                            "or a list of options best first")
    order = list(dict.fromkeys(str(o) for o in preference))  # a repeated option counts once
    unknown = [o for o in order if o not in options]
    if unknown:
        raise AnalysisError(f"{where}: preferred option {unknown[0]!r} is not one of {list(options)}")
    levels = len(order) + (1 if len(order) < n else 0)
    step = 1 / max(1, levels - 1)
    return [order.index(o) * step if o in order else 1.0 for o in options]


def table_from_priorities(
    parties: tuple[str, str],
    issues: Sequence[IssuePriority | Mapping[str, Any]],
    batnas: tuple[float, float] = (0.0, 0.0),
    total: float = 100.0,
) -> Table:
    """An approximate point table: each side's best package is worth ``total`` points."""
    items = [i if isinstance(i, IssuePriority) else _from_mapping(i) for i in issues]
    if not items:
        raise AnalysisError("issues: list at least one issue with its options")
    _check_unique(items)
    weights = [[weight_of(i.ratings[p], f"issue '{i.id}' rating of {parties[p]}") for i in items] for p in (0, 1)]
    built = []
    for n, item in enumerate(items):
        if not item.options:
            raise AnalysisError(f"issue '{item.id}': options needs at least one option")
        points = []
        for p in (0, 1):
            scale = total * weights[p][n] / sum(weights[p]) if sum(weights[p]) > 0 else 0.0
            position = ranks(item.options, item.preferences[p], f"issue '{item.id}' preference of {parties[p]}")
            points.append(tuple(round(scale * (1 - r), 6) for r in position))
        built.append(Issue(item.id, item.name or item.id, tuple(item.options), (points[0], points[1])))
    return Table(parties, tuple(built), (float(batnas[0]), float(batnas[1])))


def _check_unique(items: Sequence[IssuePriority]) -> None:
    """Issue ids and the options of each issue must be distinct: choices are looked up by name."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise AnalysisError(f"issue '{item.id}' is listed twice; give each issue once")
        seen.add(item.id)
        repeated = [o for n, o in enumerate(item.options) if o in item.options[:n]]
        if repeated:
            raise AnalysisError(f"issue '{item.id}': option {repeated[0]!r} is listed twice; give each option once")


def _from_mapping(raw: Mapping[str, Any]) -> IssuePriority:
    """Accept ``{"id", "options", "ratings": [r0, r1], "preferences": [p0, p1], "name"}``."""
    try:
        ratings = tuple(raw["ratings"])
        prefs = tuple(raw.get("preferences", ("descending", "descending")))
        if len(ratings) != 2 or len(prefs) != 2:
            raise AnalysisError(f"issue '{raw.get('id')}': ratings and preferences need one entry per party")
        return IssuePriority(id=str(raw["id"]), options=tuple(str(o) for o in raw["options"]),
                             ratings=(ratings[0], ratings[1]), preferences=(prefs[0], prefs[1]),
                             name=str(raw.get("name", "")))
    except KeyError as err:
        raise AnalysisError(f"issue {dict(raw).get('id', '?')!r}: missing field {err.args[0]!r}") from None
