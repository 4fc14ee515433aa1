"""Helpers shared by the command modules: user errors become one line on stderr and exit code 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from coach.errors import CoachError


def fail(message: str) -> None:
    """Print a one-line error and exit 2 (bad input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn ``CoachError`` (and pydantic/value errors raised on user input) into exit code 2."""
    try:
        yield
    except CoachError as err:
        fail(str(err))
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(code=130) from None


def print_json(data: Any) -> None:
    """Write JSON to stdout (UTF-8, stable key order as given)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def _default(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


Handler = Callable[..., Any]
