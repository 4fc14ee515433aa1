"""``coach practice`` and ``coach progress``: the daily drills on the command line.

``coach practice --count N --json`` serves the day's drills (recorded as served),
``coach practice --answer ID --response TEXT`` grades one of them and updates the schedule,
``coach practice`` alone runs an interactive session. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from coach.cli.common import fail, print_json, user_errors

if TYPE_CHECKING:
    from coach.practice.service import PracticeService


def _service(with_model: bool) -> PracticeService:
    from coach.practice.service import PracticeService
    from coach.settings import get_settings
    from coach.store.base import Database

    settings = get_settings()
    model = _model(settings) if with_model else None
    service = PracticeService(Database(settings.resolved_database_url), settings, model=model)
    for problem in service.bank.errors:
        typer.echo(f"warning: {problem}", err=True)
    return service


def _model(settings: Any) -> Any:
    """The chat model for rubric grading, or None (offline). A misconfigured model grades offline."""
    from coach.errors import CoachError

    if settings.llm_provider == "offline":
        return None
    from coach.llm.backends import resolve_backend

    try:
        return resolve_backend(settings).model
    except CoachError as err:
        typer.echo(f"warning: {err}; grading offline", err=True)
        return None


def _read_response(response: str) -> str:
    if response == "-":
        return sys.stdin.read(1_000_000)
    return response


def _print_grade(result: dict[str, Any]) -> None:
    from rich.console import Console

    console = Console()
    if "correct" in result:
        head = "[green]Correct[/green]" if result["correct"] else "[red]Not quite[/red]"
    else:
        head = f"Score [bold]{round(100 * result['score'])}[/bold]/100"
    console.print(head)
    console.print(result["feedback"])
    console.print(f"[bold]Model answer:[/bold] {result['model_answer']}")
    console.print(f"[dim]See {result['citation']}[/dim]")


def practice(
    count: int = typer.Option(5, "--count", "-n", min=1, max=50, help="How many drills (default 5)."),
    as_json: bool = typer.Option(False, "--json", help="Print the day's drills as JSON and record them as served."),
    answer: str | None = typer.Option(None, "--answer", help="Grade an answer to this drill id."),
    response: str | None = typer.Option(None, "--response", help="Your answer text ('-' reads stdin)."),
) -> None:
    """Daily practice: drills picked by spaced repetition and your recent mistakes."""
    if response is not None and answer is None:
        fail("--response needs --answer DRILL_ID (the drill you are answering)")
    with user_errors():
        if answer is not None:
            if response is None:
                fail("--answer needs --response TEXT (your answer)")
            result = _service(with_model=True).answer(answer, _read_response(str(response))).to_dict()
            print_json(result) if as_json else _print_grade(result)
            return
        if as_json:
            served = _service(with_model=False).start_session(count)
            print_json({"drills": [item.public() for item in served]})
            return
        _interactive(_service(with_model=True), count)


def _interactive(service: PracticeService, count: int) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.prompt import Prompt

    from coach.errors import CoachError

    console = Console()
    planned = service.plan(count)
    console.print(f"[bold]Today's practice[/bold]: {len(planned)} drills. Type 'skip' to skip, 'quit' to stop.")
    done = 0
    for n, plan in enumerate(planned, 1):
        item = service.serve([plan])[0]  # recorded as served only when shown
        drill = item.public()
        body = str(drill["prompt"])
        choices: list[str] = list(drill.get("choices") or [])  # type: ignore[call-overload]
        for letter, choice in zip("ABCD", choices):
            body += f"\n  {letter}. {choice}"
        console.print(Panel(body, title=f"{n}/{len(planned)} · {drill['kind']} · {drill['practice']}"))
        while True:
            if item.drill.kind == "micro-roleplay":
                text = _play_turns(service, item.drill, console)
            else:
                text = Prompt.ask("Your answer", console=console, default="", show_default=False)
            if text.strip().lower() in ("skip", "quit"):
                break
            try:
                result = service.answer(item.drill.id, text).to_dict()  # committed before the next drill
            except CoachError as err:
                console.print(f"[yellow]{err}[/yellow]")
                continue
            _print_grade(result)
            done += 1
            break
        if text.strip().lower() == "quit":
            break
    report = service.progress()
    console.print(f"Done: {done} answered. Streak: {report['streak_days']} day(s); reviews due: {report['reviews_due']}.")


def _play_turns(service: PracticeService, drill: Any, console: Any) -> str:
    """Play a micro-roleplay live, one line per turn; returns the lines joined for grading."""
    from rich.prompt import Prompt

    from coach.practice.microroleplay import start

    session = start(drill, service.model)
    lines: list[str] = []
    for turn in range(1, drill.turns + 1):
        line = Prompt.ask(f"Turn {turn}/{drill.turns}", console=console, default="", show_default=False)
        if line.strip().lower() in ("skip", "quit"):
            return line
        if not line.strip():
            break
        lines.append(line.replace("||", " "))
        console.print(f"[cyan]They:[/cyan] {session.send(line).reply}")
        if session.finished:
            break
    return " || ".join(lines)


def progress(
    as_json: bool = typer.Option(False, "--json", help="Print the progress report as JSON."),
) -> None:
    """Streak, mastery per practice, reviews due, role-play outcomes and mistakes per tag."""
    with user_errors():
        report = _service(with_model=False).progress()
        if as_json:
            print_json(report)
            return
        _print_progress(report)


def _print_progress(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Streak[/bold]: {report['streak_days']} day(s)   "
                  f"[bold]Reviews due[/bold]: {report['reviews_due']}")
    table = Table("Practice", "Mastery")
    for practice, value in sorted(report["mastery"].items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(practice, f"{value:3d} " + "#" * (value // 10))
    console.print(table)
    if report["mistakes"]:
        console.print("[bold]Mistakes[/bold]: " + ", ".join(f"{t} x{n}" for t, n in report["mistakes"].items()))
    for row in report["roleplays"][-5:]:
        share = row["share_of_max"]
        console.print(f"  {row['date']}  {row['scenario']}: "
                      f"{'-' if share is None else f'{share:.0%}'} of max, "
                      f"{'Pareto-optimal' if row['pareto_optimal'] else 'value left on the table'}")


def register(app: typer.Typer) -> None:
    """Add ``practice`` and ``progress`` to the ``coach`` app."""
    app.command("practice")(practice)
    app.command("progress")(progress)
