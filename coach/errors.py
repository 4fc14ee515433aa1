"""Errors a user can cause. Each carries a one-line message naming the place and the fix."""

from __future__ import annotations


class CoachError(Exception):
    """Base of every user-facing error: the CLI prints ``str(err)`` and exits with code 2."""


class ScenarioError(CoachError):
    """A scenario file or dict is malformed."""


class AnalysisError(CoachError):
    """The analysis cannot answer (bad arguments, or a frontier beyond the stated limit)."""
