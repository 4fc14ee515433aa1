"""``coach chat`` (interactive terminal chat) and ``coach ask`` (one turn, optionally JSON).

Both run ``CoachSession`` over the configured backend; the session id is printed so a later
``--session ID`` continues the same conversation and deal sheet. Heavy imports stay inside.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from coach.cli.common import print_json, user_errors

if TYPE_CHECKING:
    from rich.console import Console

    from coach.agent.session import CoachReply, CoachSession

EXIT_WORDS = {"exit", "quit", ":q", "/exit", "/quit"}


def _session(session_id: str | None, mode: str) -> CoachSession:
    from coach.agent.session import CoachSession, build_deps
    from coach.settings import get_settings

    settings = get_settings()
    if not settings.chroma_host and not settings.index_dir.exists():
        typer.echo("building the knowledge index (first run, about a minute)...", err=True)
    deps = build_deps(settings)
    return CoachSession(deps, session_id=session_id, mode=mode)


def _result_line(result: Any) -> str:
    text = json.dumps(result, ensure_ascii=False, default=str)
    return text if len(text) <= 160 else text[:157] + "..."


def render_reply(console: Console, reply: CoachReply, show_text: bool = True) -> None:
    """Print a reply: Markdown text, then tool calls (name, args, short result) and citations."""
    from rich.markdown import Markdown

    if show_text:
        console.print(Markdown(reply.text))
    for call in reply.tool_calls:
        args = json.dumps(call["args"], ensure_ascii=False, default=str)
        console.print(f"[dim]tool[/dim] [bold]{call['name']}[/bold]({args[:120]}) -> {_result_line(call['result'])}",
                      markup=True, highlight=False, soft_wrap=True)
    if reply.citations:
        console.print("[dim]sources:[/dim] " + ", ".join(reply.citations), highlight=False)
    share = reply.progress.get("share", 0.0)
    note = f" · fallback: {reply.fallback}" if reply.fallback else ""
    console.print(f"[dim]backend {reply.backend}{note} · preparation {share:.0%}[/dim]")


def ask(
    message: str = typer.Argument(..., help="What to tell or ask the coach."),
    session: str | None = typer.Option(None, "--session", help="Continue this session id."),
    mode: str = typer.Option("live", "--mode", help="live (a deal you are preparing) or qa (questions)."),
    as_json: bool = typer.Option(False, "--json", help="Print the reply and its trace as JSON."),
) -> None:
    """One turn with the coach."""
    with user_errors():
        if mode not in ("live", "qa"):
            raise typer.BadParameter("--mode must be live or qa")
        chat = _session(session, mode)
        reply = chat.respond(message)
    if as_json:
        print_json(reply.to_json())
        return
    from rich.console import Console

    console = Console()
    render_reply(console, reply)
    console.print(f"[dim]session {reply.session_id}[/dim]", highlight=False)


def chat(
    session: str | None = typer.Option(None, "--session", help="Continue this session id."),
    mode: str = typer.Option("live", "--mode", help="live or qa."),
    list_sessions: bool = typer.Option(False, "--list", help="List your sessions and exit."),
) -> None:
    """Interactive chat in the terminal (type 'exit' to leave, '/sheet' for the deal sheet, '/prep' for the prep sheet)."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    with user_errors():
        if list_sessions:
            _print_sessions(console)
            return
        coach = _session(session, mode)
    console.print(f"[bold]Pie Coach[/bold] · session {coach.session_id} · backend {coach.deps.backend.name}",
                  highlight=False)
    while True:
        try:
            message = console.input("[bold cyan]you>[/bold cyan] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            break
        if not message:
            continue
        if message.casefold() in EXIT_WORDS:
            break
        if message == "/sheet":
            console.print(coach.sheet.summary() or "(empty)", highlight=False)
            continue
        if message == "/prep":
            from coach.agent.prepsheet import prep_sheet_markdown

            console.print(Markdown(prep_sheet_markdown(coach.sheet)))
            continue
        with user_errors():
            reply = _stream_turn(console, coach, message)
        render_reply(console, reply, show_text=reply.fallback is not None or reply.backend == "offline")
    console.print(f"[dim]session {coach.session_id} saved[/dim]", highlight=False)


def _stream_turn(console: Console, coach: CoachSession, message: str) -> CoachReply:
    """Print tokens as they stream; return the final reply."""
    from coach.agent.session import CoachReply

    streamed = coach.deps.backend.model is not None
    for item in coach.stream(message):
        if isinstance(item, CoachReply):
            if streamed:
                console.print()
            return item
        if streamed:
            console.print(item, end="", markup=False, highlight=False, soft_wrap=True)
    raise RuntimeError("the coach produced no reply")


def _print_sessions(console: Console) -> None:
    from coach.settings import get_settings
    from coach.store.chat import ChatStore

    settings = get_settings()
    for row in ChatStore.from_settings(settings).list_sessions(settings.user_id):
        console.print(f"{row['id']}  {row['mode']:<5} {row['turn_count']:>3} turns  {row['updated_at']}  {row['title']}",
                      highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``chat`` and ``ask`` to the ``coach`` app."""
    app.command("chat")(chat)
    app.command("ask")(ask)
