"""``coach roleplay`` (interactive or scripted rehearsal) and ``coach selfplay`` (a built-in negotiator).

The counterparty's decisions come from the engine; an LLM (if configured) only phrases them.
In a script, lines starting with ``/`` are commands: ``/rewind N``, ``/switch BRANCH``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coach.cli.common import fail, print_json, user_errors

if TYPE_CHECKING:
    from coach.roleplay.session import RolePlaySession

HELP = ("commands: /rewind N (restart from after turn N as a new branch), /branches, /switch NAME, "
        "/state, /debrief, /quit")


def _model() -> Any:
    """The chat model for phrasing, or None (offline)."""
    from coach.settings import get_settings

    settings = get_settings()
    if settings.llm_provider == "offline":
        return None
    from coach.llm.backends import resolve_backend

    return resolve_backend(settings, probe_ollama=False).model


def _session(ref: str, side: str | None, difficulty: str | None, seed: int, model: Any = None) -> RolePlaySession:
    from coach.roleplay.library import load
    from coach.roleplay.session import RolePlaySession

    scenario = load(ref)
    chosen = side or scenario.parties[0].id
    return RolePlaySession(scenario, chosen, difficulty, seed, model=model)


def _command(session: RolePlaySession, line: str) -> str | None:
    """Run a /command; returns a message to print (None for /quit)."""
    from coach.roleplay.session import RolePlayError

    name, _, arg = line[1:].partition(" ")
    if name == "rewind":
        if not arg.strip().isdigit():
            raise RolePlayError("/rewind needs a turn number, e.g. /rewind 2")
        return f"rewound to turn {arg.strip()}: now on {session.rewind(int(arg))}"
    if name == "switch":
        session.switch(arg.strip())
        return f"now on {session.current}"
    if name == "branches":
        return ", ".join(f"{b.name} ({len(b.turns)} turns)" for b in session.branches.values())
    if name == "state":
        return f"phase: {session.phase}; turn {session.turn_count}; branch {session.current}"
    if name == "quit":
        return None
    return HELP


def _save(session: RolePlaySession) -> None:
    from coach.settings import get_settings
    from coach.store.base import Database
    from coach.store.roleplay import save_session

    settings = get_settings()
    db = Database(settings.resolved_database_url)
    try:
        save_session(db, session, settings.user_id)
    finally:
        db.dispose()


def _run_script(session: RolePlaySession, script: Path) -> None:
    if not script.is_file():
        fail(f"--script: no such file {script}; give a text file with one user line per line")
    for raw in script.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("/"):
            if _command(session, line) is None:
                break
            continue
        session.send(line)


def _show_brief(session: RolePlaySession) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    me = session.scenario.party(session.side)
    console.print(f"[bold]{session.scenario.title}[/bold] ({session.difficulty})\n{me.brief}")
    grid = RichTable(title=f"Your points ({me.id}); no deal = {me.batna:g}")
    grid.add_column("Issue")
    grid.add_column("Options (points)")
    for issue in session.scenario.issues:
        grid.add_row(issue.name, ", ".join(f"{o} ({p:g})" for o, p in zip(issue.options, issue.points[me.id])))
    console.print(grid)
    console.print(HELP)


def _interactive(session: RolePlaySession) -> dict[str, Any]:
    from coach.roleplay.debrief import Calibration, debrief
    from coach.roleplay.session import RolePlayError

    _show_brief(session)
    walk = typer.prompt("Your walk-away (points, Enter to skip)", default="", show_default=False)
    target = typer.prompt("Your target (points, Enter to skip)", default="", show_default=False)
    try:
        session.set_plan(float(walk) if walk else None, float(target) if target else None)
    except ValueError:
        typer.echo("(plan not recorded: give numbers)")
    typer.echo(f"them: {session.opening}")
    while not session.finished:
        line = typer.prompt("you", default="/quit", show_default=False).strip()
        try:
            if line.startswith("/"):
                if line == "/debrief":
                    break
                message = _command(session, line)
                if message is None:
                    break
                typer.echo(message)
                continue
            typer.echo(f"them: {session.send(line).reply}")
        except RolePlayError as err:
            typer.echo(f"error: {err}")
    share = typer.prompt("Before the reveal: your share of the pie, 0-100%", default="", show_default=False)
    top = typer.prompt("Their top priorities (issue ids, comma-separated)", default="", show_default=False)
    guess = Calibration(float(share) / 100 if share.replace(".", "", 1).isdigit() else None,
                        tuple(x.strip() for x in top.split(",") if x.strip()))
    return debrief(session, guess)


def roleplay(
    scenario: Annotated[str, typer.Argument(help="Scenario file or library id (e.g. saas-sale)")] = "",
    side: Annotated[str | None, typer.Option(help="The party you play (default: the first)")] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy | normal | hard (default: the scenario's)")] = None,
    script: Annotated[Path | None, typer.Option(help="Play user lines from this file, one per line")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print transcript and debrief as JSON")] = False,
    seed: Annotated[int, typer.Option(help="Seed for the counterparty's wording and questions")] = 0,
    list_all: Annotated[bool, typer.Option("--list", help="List the scenario library")] = False,
    save: Annotated[bool, typer.Option(help="Store the result for the progress dashboard")] = True,
) -> None:
    """Rehearse a negotiation against an engine-driven counterparty, then get a scored debrief."""
    from coach.roleplay.debrief import debrief

    with user_errors():
        if list_all:
            from coach.roleplay.library import list_scenarios

            items = [s.to_dict() for s in list_scenarios()]
            if json_out:
                print_json(items)
            for s in [] if json_out else items:
                typer.echo(f"{s['id']:24} {s['difficulty']:7} {s['title']}")
            return
        if not scenario:
            fail("give a scenario file or library id (see `coach roleplay --list`)")
        if script is not None and side is None:
            fail("--side is required with --script; name the party you play")
        session = _session(scenario, side, difficulty, seed, _model())
        if script is not None:
            _run_script(session, script)
            report = debrief(session)
        else:
            report = _interactive(session)
        if save:
            _save(session)
        if json_out:
            print_json({"transcript": session.transcript(), "debrief": report})
        else:
            _print_report(session, report)


def _print_report(session: RolePlaySession, report: dict[str, Any]) -> None:
    for line in session.transcript():
        typer.echo(f"{'you' if line['speaker'] == 'user' else 'them'}: {line['text']}")
    typer.echo(f"\nagreement: {report['agreement']}  scores: {report['scores']}  joint: {report['joint']}")
    typer.echo(f"share of max: {report['share_of_max']}  Pareto-optimal: {report['pareto_optimal']}  "
               f"value left: {report['value_left']}")
    for p in report["better_for_both"]:
        typer.echo(f"  better for both: {p['package']} -> {p['scores']}")
    typer.echo("helped: " + ", ".join(t["tag"] for t in report["skills"]["helped"]))
    typer.echo("hurt: " + ", ".join(t["tag"] for t in report["skills"]["hurt"]))
    typer.echo("read: " + ", ".join(report["citations"]))


def selfplay(
    scenario: Annotated[str, typer.Argument(help="Scenario file or library id")],
    policy: Annotated[str, typer.Option(help="naive | hardliner | integrative")] = "integrative",
    side: Annotated[str | None, typer.Option(help="The party the policy plays (default: the first)")] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy | normal | hard")] = None,
    seed: Annotated[int, typer.Option(help="Counterparty seed")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Let a built-in negotiator play one side against the counterparty engine."""
    from coach.roleplay.policies import POLICIES
    from coach.roleplay.selfplay import run_selfplay

    with user_errors():
        if policy not in POLICIES:
            fail(f"--policy '{policy}' is not valid; choose one of {', '.join(POLICIES)}")
        from coach.roleplay.library import load

        loaded = load(scenario)
        result = run_selfplay(loaded, policy, side or loaded.parties[0].id, difficulty, seed)
        out = result.to_dict()
        if json_out:
            print_json({k: out[k] for k in ("agreement", "scores", "joint", "share_of_max", "pareto_optimal", "turns")})
        else:
            typer.echo(" ".join(f"{k}={out[k]}" for k in ("agreement", "scores", "joint", "share_of_max",
                                                          "pareto_optimal", "turns")))


def register(app: typer.Typer) -> None:
    """Add ``roleplay`` and ``selfplay`` to the ``coach`` app."""
    app.command("roleplay")(roleplay)
    app.command("selfplay")(selfplay)
