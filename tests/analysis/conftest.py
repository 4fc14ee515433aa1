"""Hypothesis strategies for small random tables and brute-force oracles for the analysis maths."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from hypothesis import strategies as st

from coach.domain import Issue, Package, Scores, Table

DATA = Path(__file__).parent / "data"

# Points: integers, one-decimal floats (may be negative), and a small pool that forces ties.
_point = st.one_of(
    st.integers(min_value=-20, max_value=100).map(float),
    st.integers(min_value=-300, max_value=1000).map(lambda k: k / 10),
    st.sampled_from([0.0, 5.0, 10.0, -5.0, 2.5]),
)


@st.composite
def tables(draw: st.DrawFn, max_issues: int = 5, max_options: int = 4) -> Table:
    """A random two-party table with up to ``max_issues`` issues of up to ``max_options`` options."""
    n_issues = draw(st.integers(min_value=1, max_value=max_issues))
    issues = []
    for n in range(n_issues):
        m = draw(st.integers(min_value=1, max_value=max_options))
        p0 = tuple(draw(st.lists(_point, min_size=m, max_size=m)))
        p1 = tuple(draw(st.lists(_point, min_size=m, max_size=m)))
        issues.append(Issue(f"i{n}", f"Issue {n}", tuple(f"o{k}" for k in range(m)), (p0, p1)))
    batnas = (draw(_point) * n_issues / 3, draw(_point) * n_issues / 3)
    return Table(("a", "b"), tuple(issues), (round(batnas[0], 6), round(batnas[1], 6)))


@st.composite
def tables_with_package(draw: st.DrawFn, max_issues: int = 5, max_options: int = 4) -> tuple[Table, Package]:
    """A random table and one of its packages."""
    table = draw(tables(max_issues, max_options))
    package = tuple(draw(st.integers(0, len(i.options) - 1)) for i in table.issues)
    return table, package


def all_packages(table: Table) -> list[Package]:
    """Every package of a (small) table."""
    return list(itertools.product(*(range(len(i.options)) for i in table.issues)))


def brute_scores(table: Table, package: Package) -> Scores:
    """Independent scoring (different summation order from the engine)."""
    s0 = 0.0
    s1 = 0.0
    for issue, o in reversed(list(zip(table.issues, package))):
        s0 += issue.points[0][o]
        s1 += issue.points[1][o]
    return (round(s0, 9), round(s1, 9))


def strictly_dominates(a: Scores, b: Scores) -> bool:
    return a[0] >= b[0] and a[1] >= b[1] and a != b


def brute_pareto(table: Table) -> set[Scores]:
    """Pareto set of distinct score pairs by exhaustive enumeration."""
    pairs = {brute_scores(table, p) for p in all_packages(table)}
    return {p for p in pairs if not any(strictly_dominates(q, p) for q in pairs)}


def random_table(n_issues: int, n_options: int, seed: int = 0, low: int = 0, high: int = 100) -> Table:
    """A reproducible random integer table (benchmarks and larger examples)."""
    rng = random.Random(seed)
    issues = tuple(
        Issue(
            f"i{k}",
            f"Issue {k}",
            tuple(f"o{j}" for j in range(n_options)),
            (
                tuple(float(rng.randint(low, high)) for _ in range(n_options)),
                tuple(float(rng.randint(low, high)) for _ in range(n_options)),
            ),
        )
        for k in range(n_issues)
    )
    return Table(("a", "b"), issues, (float(n_issues * 20), float(n_issues * 20)))


@pytest.fixture
def data_dir() -> Path:
    return DATA
