"""``coach roleplay`` (interactive or scripted rehearsal) and ``coach selfplay`` (a built-in negotiator).

The counterparty's decisions come from the engine; an LLM (if configured) only phrases them.
In a script, lines starting with ``/`` are commands: ``/rewind N``, ``/switch BRANCH``, ``/plan WALK TARGET``
(your walk-away and target in your points, scored as a skill) and ``/guess SHARE TOP,TOP`` (before the reveal:
your share of the pie in percent and the other side's top issue ids, scored in the debrief's calibration).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coach.cli.common import fail, print_json, user_errors

if TYPE_CHECKING:
    from coach.roleplay.debrief import Calibration
    from coach.roleplay.session import RolePlaySession

HELP = ("commands: /rewind N (restart from after turn N as a new branch), /branches, /switch NAME, "
        "/plan WALK TARGET, /state, /debrief, /quit")
SCRIPT_HELP = "script commands: /rewind N, /switch NAME, /plan WALK TARGET, /guess SHARE% TOP1,TOP2, /quit"


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
    if name == "plan":
        numbers = arg.split()
        if len(numbers) != 2 or not all(_is_number(x) for x in numbers):
            raise RolePlayError("/plan needs your walk-away and target in your points, e.g. /plan 3000 5000")
        session.set_plan(float(numbers[0]), float(numbers[1]))
        return f"plan recorded: walk-away {numbers[0]}, target {numbers[1]}"
    if name == "state":
        return f"phase: {session.phase}; turn {session.turn_count}; branch {session.current}"
    if name == "quit":
        return None
    return HELP


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _guess(session: RolePlaySession, arg: str) -> Calibration:
    """``/guess 45 price,term``: own share of the pie in percent, then the other side's top issue ids."""
    from coach.roleplay.debrief import Calibration
    from coach.roleplay.session import RolePlayError

    share, _, top = arg.strip().partition(" ")
    share = share.rstrip("%")
    ids = tuple(x.strip() for x in top.split(",") if x.strip())
    known = [i.id for i in session.table.issues]
    if not _is_number(share) or not 0 <= float(share) <= 100 or any(x not in known for x in ids):
        raise RolePlayError(f"/guess needs your share of the pie in % (0-100) and their top issue ids from {known}, "
                            "e.g. /guess 45 price,term")
    return Calibration(float(share) / 100, ids)


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


def _run_script(session: RolePlaySession, script: Path) -> Calibration | None:
    """Play the script's lines; returns the calibration guess from a ``/guess`` line, if any."""
    if not script.is_file():
        fail(f"--script: no such file {script}; give a text file with one user line per line")
    guess = None
    for raw in script.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("/guess"):
            guess = _guess(session, line[len("/guess"):])
        elif line.startswith("/"):
            if line.split()[0] not in ("/rewind", "/switch", "/plan", "/branches", "/state", "/quit"):
                fail(f"--script: unknown command {line.split()[0]!r}; {SCRIPT_HELP}")
            if _command(session, line) is None:
                break
        else:
            session.send(line)
    return guess


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
            report = debrief(session, _run_script(session, script))
        else:
            report = _interactive(session)
        if save:
            _save(session)
        if json_out:
            print_json({"transcript": session.transcript(), "debrief": report})
        else:
            _print_report(session, report)


def _print_report(session: RolePlaySession, report: dict[str, Any]) -> None:
    for said in session.transcript():
        typer.echo(f"{'you' if said['speaker'] == 'user' else 'them'}: {said['text']}")
    for line in report_lines(session, report):
        typer.echo(line)


def report_lines(session: RolePlaySession, report: dict[str, Any]) -> list[str]:
    """The debrief in words (the JSON has the same figures)."""
    me, them = session.side, session.table.parties[session.other]
    scores = report["scores"]
    out = ["", "DEBRIEF"]
    if report["agreement"]:
        out.append("deal: " + "; ".join(f"{k}: {v}" for k, v in report["package"].items()))
    else:
        out.append(f"no deal ({report['ended_by'] or 'not finished'}): both sides take their alternatives")
    out.append(f"you ({me}): {scores[me]:g} points, them ({them}): {scores[them]:g} points; "
               f"joint {report['joint']:g} of a possible {report['max_joint']:g} (share of max: {report['share_of_max']})")
    if report["agreement"] and not report["beats_own_batna"]:
        out.append("WARNING: this deal is worth less to you than no deal; walking away was better.")
    if report["pareto_optimal"]:
        out.append("Pareto-optimal: no other package is better for both of you."
                   + (f" The max-joint package has {report['value_left']:g} more joint points, but is worse for one of you."
                      if report["value_left"] > 0 else ""))
    else:
        out.append(f"not Pareto-optimal: {report['value_left']:g} joint points left on the table. Packages better for both:")
    for p in report["better_for_both"]:
        gain_me, gain_them = p["scores"][me] - scores[me], p["scores"][them] - scores[them]
        words = "; ".join(f"{k}: {v}" for k, v in p["package"].items())
        out.append(f"  - {words} (you +{gain_me:g}, them +{gain_them:g})")
    for kind in ("helped", "hurt"):
        out.extend(f"{kind}: {t['tag']}: {t['why']}" for t in report["skills"][kind])
    calibration = report.get("calibration")
    if calibration:
        out.append("calibration: " + ", ".join(f"{k}={v}" for k, v in calibration.items()))
    if len(report["branches"]) > 1:
        out.append("branches:")
        out.extend(f"  {b['branch']} (from turn {b['from_turn']}): agreement={b['agreement']} "
                   f"you {b['scores'][me]:g}, them {b['scores'][them]:g}, share of max {b['share_of_max']}, "
                   f"Pareto-optimal {b['pareto_optimal']}" for b in report["branches"])
    out.append("read: " + ", ".join(report["citations"]))
    return out


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
