"""``coach analyze`` and ``coach zopa``: the negotiation maths on the command line.

Only the scenario loader, the analysis modules (numpy) and rich are imported, inside the
commands, so these start fast (no LangChain, Chroma or model code).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coach.cli.common import fail, print_json, user_errors

if TYPE_CHECKING:
    from coach.domain import Table

_NUMBER = r"[-+]?[$€£]?\s*\d[\d,_]*(?:\.\d+)?\s*[kKmM]?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*(?:\.\.|–|—|-|to)\s*({_NUMBER})\s*$")
_FRONTIER_ROWS = 15


def parse_number(text: str, field: str) -> float:
    """``"150000"``, ``"150,000"``, ``"$150k"``, ``"1.2m"``, ``"-5"`` -> float; else exit 2."""
    raw = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    sign = -1.0 if raw.startswith("-") else 1.0
    raw = raw.lstrip("+-").lstrip("$€£")
    scale = {"k": 1e3, "m": 1e6}.get(raw[-1:].lower(), 1.0)
    if scale != 1.0:
        raw = raw[:-1]
    try:
        value = float(raw) * scale * sign
    except ValueError:
        fail(f"{field}: {text!r} is not a number; write e.g. 150000, 150k or $150,000")
    if not math.isfinite(value):
        fail(f"{field}: {text!r} must be a finite number")
    return value


def parse_theirs(text: str) -> tuple[float, float | None]:
    """``N`` or ``LOW-HIGH`` (also ``LOW..HIGH``, ``LOW to HIGH``)."""
    match = _RANGE.match(text)
    if match and not re.fullmatch(rf"\s*{_NUMBER}\s*", text):
        return parse_number(match.group(1), "--theirs"), parse_number(match.group(2), "--theirs")
    return parse_number(text, "--theirs"), None


def parse_deal(items: list[str]) -> dict[str, str]:
    """``["salary=$155k", "start=1"]`` -> ``{"salary": "$155k", "start": "1"}``; exit 2 on bad form."""
    choices: dict[str, str] = {}
    for item in items:
        issue, sep, option = item.partition("=")
        if not sep or not issue.strip():
            fail(f"--deal {item!r}: write ISSUE=OPTION (option text or 0-based index)")
        if issue.strip() in choices:
            fail(f"--deal: issue '{issue.strip()}' is given twice")
        choices[issue.strip()] = option.strip()
    return choices


def analysis_report(scenario_id: str, table: Table, choices: dict[str, str] | None) -> dict[str, Any]:
    """The JSON document of ``coach analyze`` (also used by the UI and evals)."""
    from coach.analysis.deal import check_deal
    from coach.analysis.issues import issue_kind
    from coach.analysis.pareto import max_joint, nash_point, pareto_frontier
    from coach.analysis.scoring import package_from_choices, package_to_dict, scores_to_dict

    package = package_from_choices(table, choices) if choices is not None else None
    frontier = pareto_frontier(table)
    nash = nash_point(table, frontier)
    report: dict[str, Any] = {
        "scenario": scenario_id,
        "packages": table.package_count,
        "frontier": [
            {"scores": scores_to_dict(table, p.scores), "package": package_to_dict(table, p.package)}
            for p in frontier
        ],
        "max_joint": max_joint(table, frontier).to_dict(table),
        "nash": nash.to_dict(table) if nash is not None else None,
        "issues": [{"id": issue.id, "kind": issue_kind(issue)} for issue in table.issues],
    }
    if package is not None:
        report["deal"] = check_deal(table, package, frontier).to_dict(table)
    return report


def _num(x: float | None) -> str:
    from coach.analysis.numbers import format_amount

    return "-" if x is None else format_amount(x)


def _package_text(package: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in package.items())


def _print_report(report: dict[str, Any], table: Table) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    a, b = table.parties
    console.print(f"[bold]{report['scenario']}[/bold]: {report['packages']:,} packages, "
                  f"{len(report['frontier'])} Pareto-optimal score pairs (BATNAs {a} {_num(table.batnas[0])}, "
                  f"{b} {_num(table.batnas[1])})")
    kinds = RichTable("issue", "kind", title="Issues")
    for item in report["issues"]:
        kinds.add_row(item["id"], item["kind"])
    console.print(kinds)
    front = RichTable("#", a, b, "total", "package", title="Pareto frontier")
    rows = report["frontier"]
    step = max(1, -(-len(rows) // _FRONTIER_ROWS))
    for n in range(0, len(rows), step):
        p = rows[n]
        front.add_row(str(n), _num(p["scores"][a]), _num(p["scores"][b]),
                      _num(p["scores"][a] + p["scores"][b]), _package_text(p["package"]))
    console.print(front)
    if step > 1:
        console.print(f"(every {step}th point shown; use --json for all)")
    for label, key in (("Max joint", "max_joint"), ("Nash", "nash")):
        p = report[key]
        if p is None:
            console.print(f"[bold]{label}[/bold]: no package beats both BATNAs")
        else:
            console.print(f"[bold]{label}[/bold]: {a} {_num(p['scores'][a])}, {b} {_num(p['scores'][b])}, "
                          f"total {_num(p['total'])} - {_package_text(p['package'])}")
    deal = report.get("deal")
    if deal is not None:
        share = "-" if deal["share_of_max"] is None else f"{deal['share_of_max']:.0%}"
        console.print(f"[bold]Deal[/bold]: {a} {_num(deal['scores'][a])}, {b} {_num(deal['scores'][b])}, "
                      f"total {_num(deal['total'])}; Pareto-optimal: {'yes' if deal['pareto_optimal'] else 'no'}; "
                      f"value left {_num(deal['value_left'])}; share of max {share}")
        for p in deal["better_for_both"]:
            console.print(f"  better for both: {a} {_num(p['scores'][a])}, {b} {_num(p['scores'][b])} - "
                          f"{_package_text(p['package'])}")


def analyze(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    deal: Annotated[
        list[str] | None,
        typer.Option("--deal", help="ISSUE=OPTION (option text or 0-based index); repeat for every issue."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Pareto frontier, max-joint and Nash packages, issue kinds, and a deal check."""
    with user_errors():
        from coach.scenario import load_scenario

        scenario = load_scenario(file)
        table = scenario.table()
        report = analysis_report(scenario.id, table, parse_deal(deal) if deal else None)
    if as_json:
        print_json(report)
    else:
        _print_report(report, table)


def zopa_cmd(
    mine: Annotated[str, typer.Option("--mine", help="My reservation point (walk-away number).")],
    theirs: Annotated[str, typer.Option("--theirs", help="Their reservation point: N or LOW-HIGH.")],
    role: Annotated[str, typer.Option("--role", help="My role: buyer or seller.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Is there a zone of possible agreement on one number? Bounds, probability, first offer."""
    with user_errors():
        from coach.analysis.zopa import zopa

        if role not in ("buyer", "seller"):
            fail(f"--role must be buyer or seller, got {role!r}")
        low, high = parse_theirs(theirs)
        result = zopa(parse_number(mine, "--mine"), low, high, role=role)  # type: ignore[arg-type]
    if as_json:
        print_json(result.to_dict())
        return
    from rich.console import Console

    console = Console()
    if result.exists:
        console.print(f"[bold]ZOPA[/bold]: {_num(result.low)} to {_num(result.high)} (width {_num(result.width)}), "
                      f"probability {result.probability:.0%}")
    else:
        console.print(f"[bold]No ZOPA[/bold]: gap {_num(result.gap)}")
    console.print(f"First offer: {_num(result.first_offer)}. {result.rationale}")
    console.print(result.advice)


def register(app: typer.Typer) -> None:
    """Add ``analyze`` and ``zopa`` to the ``coach`` app."""
    app.command("analyze")(analyze)
    app.command("zopa")(zopa_cmd)
