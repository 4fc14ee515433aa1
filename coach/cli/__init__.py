"""The ``coach`` command line: a thin typer app. Each use registers its commands from its own module.

Command modules import heavy libraries (LangChain, Chroma, numpy models) inside the command
functions only, so ``coach analyze`` and ``coach zopa`` start fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="coach",
    help="Pie Coach: expand the pie before you split it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines ``register(app)``; a missing module is skipped so the CLI always starts.
COMMAND_MODULES = (
    "coach.cli.analysis_cmds",   # analyze, zopa
    "coach.cli.knowledge_cmds",  # search, ingest
    "coach.cli.chat_cmds",       # chat, ask
    "coach.cli.roleplay_cmds",   # roleplay, selfplay
    "coach.cli.practice_cmds",   # practice, progress
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:
                continue
            raise
        module.register(app)


def main() -> None:
    """Console-script entry point: a user error that escapes a command is one line and exit code 2."""
    from coach.errors import CoachError

    _register_all()
    try:
        app()
    except CoachError as err:
        typer.echo(f"error: {err}", err=True)
        raise SystemExit(2) from None
