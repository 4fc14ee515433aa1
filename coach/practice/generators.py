"""Calculation drills generated from a seed and graded by the analysis engine.

A drill id ``calc-<template>-<seed>`` is enough to rebuild the same small scenario, so
``coach practice --answer calc-zopa-4711`` regrades by recomputing with the engine; nothing
about the expected answer is stored. Templates: ``zopa``, ``trade`` (pick the move that helps
both), ``dominated`` (spot the dominated package), ``meso`` (three equal-value packages),
``contingent`` (price a contingent clause).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from coach.domain import Issue, Package, Table
from coach.practice.drills import CalculationDrill, DrillError

MAX_SEED = 10**9
TEMPLATE_PRACTICES = {
    "zopa": "map-the-zopa",
    "trade": "logrolling",
    "dominated": "pareto-efficiency",
    "meso": "meso",
    "contingent": "contingent-contracts",
}
TEMPLATE_SKILLS = {
    "zopa": ("map-the-zopa", "reservation-point", "batna"),
    "trade": ("logrolling", "sources-of-value", "fixed-pie-bias"),
    "dominated": ("pareto-efficiency", "post-settlement"),
    "meso": ("meso", "package-deals"),
    "contingent": ("contingent-contracts", "sources-of-value"),
}
CITATIONS = {
    "zopa": "map-the-zopa#how-to-do-it",
    "trade": "logrolling#how-to-do-it",
    "dominated": "pareto-efficiency#what-it-is",
    "meso": "meso#how-to-do-it",
    "contingent": "contingent-contracts#how-to-do-it",
}
_ID_RE = re.compile(r"^calc-(zopa|trade|dominated|meso|contingent)-(\d{1,9})$")
_NUMBER_RE = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*[kK]\b)?")
LETTERS = "ABCD"


@dataclass(frozen=True)
class CalcGrade:
    """Outcome of grading one calculation answer."""

    correct: bool
    feedback: str
    model_answer: str


# --- ids -----------------------------------------------------------------------------------


def is_generated_id(drill_id: str) -> bool:
    """True for ids shaped like ``calc-<template>-<seed>``."""
    return bool(_ID_RE.match(drill_id))


def generated_id(template: str, seed: int) -> str:
    return f"calc-{template}-{seed}"


def generate_from_id(drill_id: str) -> CalculationDrill:
    """Rebuild a calculation drill from its id; ``DrillError`` for a malformed id."""
    match = _ID_RE.match(drill_id)
    if not match:
        raise DrillError(f"unknown drill id '{drill_id[:80]}'; calculation ids look like calc-zopa-123")
    return generate(match.group(1), int(match.group(2)))


def generate(template: str, seed: int) -> CalculationDrill:
    """The drill for ``template`` and ``seed`` (deterministic)."""
    if template not in TEMPLATE_PRACTICES:
        raise DrillError(f"unknown calculation template '{template}'; choose one of {sorted(TEMPLATE_PRACTICES)}")
    if not 0 <= seed < MAX_SEED:
        raise DrillError(f"seed {seed} out of range; use 0..{MAX_SEED - 1}")
    return _template(template)[0](seed)


def grade_calculation(drill: CalculationDrill, response: str) -> CalcGrade:
    """Grade by recomputing the problem from its seed with the engine."""
    return _template(drill.template)[1](drill.seed, response)


def _drill(template: str, seed: int, prompt: str, explanation: str, model_answer: str,
           answer_format: str, choices: tuple[str, ...] | None = None) -> CalculationDrill:
    return CalculationDrill(
        id=generated_id(template, seed), kind="calculation", template=template, seed=seed,
        practice=TEMPLATE_PRACTICES[template], skills=TEMPLATE_SKILLS[template], prompt=prompt,
        explanation=explanation, citation=CITATIONS[template], choices=choices,
        answer_format=answer_format, model_answer=model_answer,
    )


# --- parsing helpers -------------------------------------------------------------------------


def parse_numbers(text: str) -> list[float]:
    """Numbers in free text: ``$120,000``, ``120k``, ``-5``, ``12.5``."""
    values = []
    for raw in _NUMBER_RE.findall(text):
        token = raw.replace(",", "").strip()
        factor = 1000.0 if token[-1:] in "kK" else 1.0
        token = token.rstrip("kK").strip()
        try:
            values.append(float(token) * factor)
        except ValueError:
            continue
    return values


def parse_choice(text: str, count: int) -> int | None:
    """A letter (A-D, optionally with '.' or ')') or a 1-based number; ``None`` if unclear."""
    cleaned = text.strip().upper().rstrip(".)").strip()
    if len(cleaned) == 1 and cleaned in LETTERS[:count]:
        return LETTERS.index(cleaned)
    if cleaned.isdigit() and 1 <= int(cleaned) <= count:
        return int(cleaned) - 1
    match = re.match(r"^(?:OPTION|ANSWER|CHOICE)?\s*([A-D])\b", cleaned)
    if match and LETTERS.index(match.group(1)) < count:
        return LETTERS.index(match.group(1))
    return None


def money(value: float) -> str:
    return f"${value:,.0f}"


# --- small scenario tables -------------------------------------------------------------------

_THEMES: tuple[tuple[str, tuple[tuple[str, str, tuple[str, str, str]], ...]], ...] = (
    ("You are a candidate negotiating a job offer with the hiring manager.", (
        ("salary", "Salary", ("$120k", "$130k", "$140k")),
        ("start", "Start date", ("in 2 weeks", "in 1 month", "in 2 months")),
        ("remote", "Remote days", ("1 a week", "3 a week", "5 a week")),
        ("bonus", "Signing bonus", ("none", "$5k", "$10k")),
    )),
    ("You are a supplier negotiating a contract with a buyer.", (
        ("price", "Unit price", ("$90", "$100", "$110")),
        ("delivery", "Delivery", ("2 weeks", "4 weeks", "6 weeks")),
        ("warranty", "Warranty", ("1 year", "2 years", "3 years")),
        ("payment", "Payment terms", ("30 days", "60 days", "90 days")),
    )),
    ("You are a startup negotiating a partnership with a larger firm.", (
        ("share", "Revenue share to you", ("20%", "30%", "40%")),
        ("term", "Exclusivity", ("none", "1 year", "2 years")),
        ("marketing", "Marketing budget", ("$50k", "$100k", "$150k")),
        ("launch", "Launch date", ("Q1", "Q2", "Q3")),
    )),
)


def random_table(rng: random.Random) -> tuple[str, Table]:
    """A 3-issue, 3-option table with round points; you are party 0, they are party 1."""
    context, pool = rng.choice(_THEMES)
    picked = rng.sample(pool, 3)
    issues = []
    kinds = ["opposed", "opposed", rng.choice(["opposed", "opposed", "same"])]
    rng.shuffle(kinds)
    for (issue_id, name, options), kind in zip(picked, kinds):
        w0, w1 = rng.choice((10, 20, 30, 40, 50, 60)), rng.choice((10, 20, 30, 40, 50, 60))
        mine = (0.0, w0 / 2, float(w0))
        theirs = (float(w1), w1 / 2, 0.0) if kind == "opposed" else (0.0, w1 / 2, float(w1))
        if rng.random() < 0.5:
            mine, theirs = mine[::-1], theirs[::-1]
        issues.append(Issue(issue_id, name, options, (mine, theirs)))
    return context, Table(("you", "them"), tuple(issues), (0.0, 0.0))


def render_table(table: Table, show_theirs: bool = True, their_label: str = "them") -> str:
    """One line per issue: ``Salary: $120k = you 0 / them 40; ...``."""
    lines = []
    for issue in table.issues:
        cells = []
        for o, option in enumerate(issue.options):
            cell = f"{option} = you {issue.points[0][o]:g}"
            if show_theirs:
                cell += f" / {their_label} {issue.points[1][o]:g}"
            cells.append(cell)
        lines.append(f"- {issue.name}: " + "; ".join(cells))
    return "\n".join(lines)


def describe_package(table: Table, package: Package) -> str:
    return ", ".join(f"{issue.name} {issue.options[o]}" for issue, o in zip(table.issues, package))


def _template(name: str) -> tuple[Callable[[int], CalculationDrill], Callable[[int, str], CalcGrade]]:
    """(build, grade) functions of one template, imported on first use."""
    from coach.practice import calc_templates as t

    registry = {
        "zopa": (t.zopa_drill, t.grade_zopa),
        "trade": (t.trade_drill, t.grade_trade),
        "dominated": (t.dominated_drill, t.grade_dominated),
        "meso": (t.meso_drill, t.grade_meso),
        "contingent": (t.contingent_drill, t.grade_contingent),
    }
    return registry[name]


TEMPLATES = tuple(TEMPLATE_PRACTICES)
