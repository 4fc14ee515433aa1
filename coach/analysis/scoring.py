"""Scoring of packages: each party's points and the joint total.

Scores are rounded to ``DECIMALS`` places so that float noise (0.1 + 0.2) never makes two
equal outcomes look different; the frontier uses the same rounding.
"""

from __future__ import annotations

from collections.abc import Mapping

from coach.domain import Package, Scores, Table
from coach.errors import AnalysisError

DECIMALS = 9
EPS = 1e-9


def check_package(table: Table, package: Package) -> None:
    """Raise ``AnalysisError`` unless ``package`` has one valid option index per issue."""
    if len(package) != len(table.issues):
        raise AnalysisError(
            f"package has {len(package)} choices but the table has {len(table.issues)} issues; "
            "give one option index per issue"
        )
    for issue, option in zip(table.issues, package):
        if not isinstance(option, int) or isinstance(option, bool) or not 0 <= option < len(issue.options):
            raise AnalysisError(
                f"issue '{issue.id}': option index {option!r} is out of range; "
                f"choose 0..{len(issue.options) - 1}"
            )


def score(table: Table, package: Package) -> Scores:
    """Points of party 0 and party 1 for a package (rounded to ``DECIMALS``)."""
    check_package(table, package)
    s0 = sum(issue.points[0][o] for issue, o in zip(table.issues, package))
    s1 = sum(issue.points[1][o] for issue, o in zip(table.issues, package))
    return (round(float(s0), DECIMALS), round(float(s1), DECIMALS))


def joint(table: Table, package: Package) -> float:
    """Sum of both parties' points for a package."""
    s0, s1 = score(table, package)
    return round(s0 + s1, DECIMALS)


def gains_over_batna(table: Table, scores: Scores) -> Scores:
    """How much each party gets above its BATNA (negative: worse than walking away)."""
    return (round(scores[0] - table.batnas[0], DECIMALS), round(scores[1] - table.batnas[1], DECIMALS))


def _option_index(table: Table, issue_index: int, choice: str | int) -> int:
    issue = table.issues[issue_index]
    options = issue.options
    if isinstance(choice, bool):
        choice = str(choice)
    if isinstance(choice, int):
        if 0 <= choice < len(options):
            return choice
    else:
        text = str(choice).strip()
        if text in options:  # exact text wins over an index (options may themselves be digits)
            return options.index(text)
        folded = [o.strip().casefold() for o in options]
        if text.casefold() in folded:
            return folded.index(text.casefold())
        if text.isdigit() and int(text) < len(options):
            return int(text)
    listing = ", ".join(f"{n}={o!r}" for n, o in enumerate(options))
    raise AnalysisError(f"issue '{issue.id}': unknown option {choice!r}; choose one of {listing}")


def package_from_choices(table: Table, choices: Mapping[str, str | int]) -> Package:
    """Build a package from ``issue id -> option text or 0-based index``; every issue is required.

    Matching order for a string: exact option text, case-insensitive text, then a digit index.
    """
    ids = [issue.id for issue in table.issues]
    unknown = [key for key in choices if key not in ids]
    if unknown:
        raise AnalysisError(f"unknown issue '{unknown[0]}'; choose one of {ids}")
    missing = [key for key in ids if key not in choices]
    if missing:
        raise AnalysisError(
            f"issue '{missing[0]}' has no option in the deal; give every issue as ISSUE=OPTION "
            f"(missing: {', '.join(missing)})"
        )
    return tuple(_option_index(table, n, choices[issue_id]) for n, issue_id in enumerate(ids))


def package_to_dict(table: Table, package: Package) -> dict[str, str]:
    """``issue id -> option text`` for a package (table order)."""
    check_package(table, package)
    return {issue.id: issue.options[o] for issue, o in zip(table.issues, package)}


def scores_to_dict(table: Table, scores: Scores) -> dict[str, float]:
    """``party id -> points``."""
    return {table.parties[0]: scores[0], table.parties[1]: scores[1]}
