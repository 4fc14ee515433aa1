"""Sessions: phases, turns, rewind to an exact earlier state, branches compared in the debrief."""

from __future__ import annotations

import copy

import pytest

from coach.roleplay.debrief import debrief
from coach.roleplay.session import RolePlayError, RolePlaySession

LINES = [
    "Hello!",
    "What matters most to you, and how would you rank these issues?",
    "For us, what matters most is monthly payments.",
    "$30, 1 year, Dedicated manager, Monthly, In 2 weeks",
    "$34, 2 years, Dedicated manager, Monthly, In 2 weeks",
    "$38, 3 years, Dedicated manager, Monthly, In 2 weeks",
]


def _play(saas, lines=LINES, seed=5) -> RolePlaySession:
    session = RolePlaySession(saas, "buyer", "normal", seed=seed)
    for line in lines:
        session.send(line)
    return session


def test_phases_follow_the_conversation(saas) -> None:
    session = RolePlaySession(saas, "buyer", "normal")
    assert session.phase == "opening"
    session.send("Hello!")
    assert session.phase == "opening"
    session.send("What matters most to you?")
    assert session.phase == "information exchange"
    session.send("$30, 1 year, Dedicated manager, Monthly, In 2 weeks")
    assert session.phase == "offers" and session.turn_count == 3
    session.send("deal")
    assert session.phase == "closing" and session.agreement is not None


def test_rewind_restores_the_exact_state(saas) -> None:
    reference = _play(saas, LINES[:3])
    snapshot = copy.deepcopy(reference.state_dict())
    session = _play(saas)
    assert session.state_dict() != snapshot
    name = session.rewind(3)
    assert session.current == name and session.turn_count == 3
    assert session.state_dict() == snapshot
    # continuing the branch equals playing the same lines from scratch
    for line in LINES[3:]:
        session.send(line)
    assert session.state_dict() == _play(saas).state_dict()
    # the original branch is untouched
    session.switch("main")
    assert session.turn_count == len(LINES)


def test_branch_takes_a_different_path_and_debrief_compares(saas) -> None:
    session = _play(saas)
    session.send("deal")
    main_scores = session.state.agreement
    session.rewind(3)
    meso = ("Option A: $38, 3 years, Dedicated manager, Monthly, In 2 weeks | "
            "Option B: $42, 3 years, Dedicated manager, Monthly, In 6 weeks")
    for line in [meso, "deal"]:
        session.send(line)
    report = debrief(session)
    branches = {b["branch"]: b for b in report["branches"]}
    assert set(branches) == {"main", "branch-1"}
    assert branches["branch-1"]["from_turn"] == 3 and branches["branch-1"]["parent"] == "main"
    assert report["branch"] == "branch-1"
    assert main_scores is not None


def test_rewind_bounds_and_unknown_branch(saas) -> None:
    session = _play(saas, LINES[:2])
    with pytest.raises(RolePlayError, match="between 0 and 2"):
        session.rewind(3)
    with pytest.raises(RolePlayError, match="no branch"):
        session.switch("nope")
    with pytest.raises(RolePlayError, match="empty message"):
        session.send("   ")
    session.rewind(0)
    assert session.turn_count == 0 and session.phase == "opening"


def test_transcript_shape(saas) -> None:
    session = _play(saas, LINES[:2])
    transcript = session.transcript()
    assert [t["speaker"] for t in transcript] == ["counterparty", "user", "counterparty", "user", "counterparty"]
    assert transcript[1]["text"] == LINES[0]
