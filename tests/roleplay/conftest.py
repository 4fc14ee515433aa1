"""Fixtures for the role-play tests: library scenarios, random tables, a loopback LLM server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import strategies as st

from coach.domain import Issue, Table
from coach.roleplay.library import load
from coach.scenario import Scenario


@pytest.fixture
def saas() -> Scenario:
    return load("saas-sale")


@pytest.fixture
def llm_server() -> Iterator[object]:
    from tests.llm_server import running_server

    yield from running_server()


@st.composite
def random_tables(draw: st.DrawFn) -> Table:
    """Small two-party tables with integer points (may be negative) and any BATNAs."""
    issues = []
    for n in range(draw(st.integers(1, 4))):
        m = draw(st.integers(2, 4))
        row = st.lists(st.integers(-50, 200).map(float), min_size=m, max_size=m)
        issues.append(Issue(f"i{n}", f"Issue {n}", tuple(f"opt{n}-{k}" for k in range(m)),
                            (tuple(draw(row)), tuple(draw(row)))))
    batnas = (float(draw(st.integers(-50, 400))), float(draw(st.integers(-50, 400))))
    return Table(("a", "b"), tuple(issues), batnas)
