"""Frozen domain values shared by the analysis, the counterparty and the coach.

A ``Table`` is what the maths needs: two party ids, issues with per-party points, BATNAs.
A package is a tuple of option indexes, one per issue, in the table's issue order.
"""

from __future__ import annotations

from dataclasses import dataclass

Package = tuple[int, ...]
Scores = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Issue:
    """One negotiable issue: options and points per option for party 0 and party 1."""

    id: str
    name: str
    options: tuple[str, ...]
    points: tuple[tuple[float, ...], tuple[float, ...]]


@dataclass(frozen=True, slots=True)
class Table:
    """A two-party scoring table with linear additive points and BATNAs."""

    parties: tuple[str, str]
    issues: tuple[Issue, ...]
    batnas: tuple[float, float]

    def party_index(self, party_id: str) -> int:
        """0 or 1 for a party id; ``ValueError`` naming the valid ids otherwise."""
        if party_id == self.parties[0]:
            return 0
        if party_id == self.parties[1]:
            return 1
        raise ValueError(f"unknown party '{party_id}'; choose one of {list(self.parties)}")

    def issue_index(self, issue_id: str) -> int:
        """Position of an issue id; ``ValueError`` naming the valid ids otherwise."""
        for n, issue in enumerate(self.issues):
            if issue.id == issue_id:
                return n
        raise ValueError(f"unknown issue '{issue_id}'; choose one of {[i.id for i in self.issues]}")

    @property
    def package_count(self) -> int:
        """Number of distinct packages (product of option counts)."""
        count = 1
        for issue in self.issues:
            count *= len(issue.options)
        return count
