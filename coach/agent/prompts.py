"""The strict prompt loader: one Markdown file per prompt in ``prompts/``, rendered at call time.

Placeholders are ``{{variable}}`` (letters, digits, underscores; spaces inside the braces are
allowed). Strict both ways: a placeholder with no value is an error, and so is a value with no
placeholder (it is almost always a typo in the variable name). A literal ``{{`` is written ``{{{{``.
Files are read on every call (no caching at import) so prompt edits apply without a restart.
"""

from __future__ import annotations

import re
from pathlib import Path

from coach.errors import CoachError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ESCAPED_OPEN = "{{{{"
_SENTINEL = "\x00LBRACE2\x00"


class PromptError(CoachError):
    """A prompt is missing, or its variables do not match its placeholders."""


def _prompt_path(name: str, directory: Path | None) -> Path:
    if not _NAME.match(name):
        raise PromptError(f"prompt name {name!r} is invalid: use lowercase letters, digits, '_' or '-'")
    path = (directory or PROMPTS_DIR) / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"prompt {name!r} not found: expected the file {path}")
    return path


def prompt_variables(name: str, directory: Path | None = None) -> set[str]:
    """The placeholder names a prompt expects."""
    text = _prompt_path(name, directory).read_text(encoding="utf-8").replace(_ESCAPED_OPEN, _SENTINEL)
    return set(_PLACEHOLDER.findall(text))


def render_prompt(name: str, /, directory: Path | None = None, **variables: object) -> str:
    """Render ``prompts/<name>.md`` with ``{{variable}}`` substitution.

    Args:
        name: the file stem, e.g. ``"coach_system_live"`` (positional-only, so a prompt may
            itself use a variable called ``name``).
        directory: another prompts folder (tests); default the repository's ``prompts/``.
        **variables: one value per placeholder; values are converted with ``str()``.

    Raises:
        PromptError: the file is missing, a placeholder has no value, or a value is unused.
    """
    text = _prompt_path(name, directory).read_text(encoding="utf-8").replace(_ESCAPED_OPEN, _SENTINEL)
    expected = set(_PLACEHOLDER.findall(text))
    missing = sorted(expected - variables.keys())
    if missing:
        raise PromptError(f"prompt {name!r} is missing variable(s): {', '.join(missing)}")
    unused = sorted(variables.keys() - expected)
    if unused:
        raise PromptError(
            f"prompt {name!r} has no placeholder for variable(s): {', '.join(unused)} "
            f"(it expects: {', '.join(sorted(expected)) or 'none'})"
        )
    rendered = _PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), text)
    return rendered.replace(_SENTINEL, "{{")


def list_prompts(directory: Path | None = None) -> list[str]:
    """Names of the available prompts (file stems), sorted; ``README.md`` is not a prompt."""
    folder = directory or PROMPTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.md") if p.name != "README.md" and _NAME.match(p.stem))
