"""The offline coach through CoachSession: citations, slot filling via the tool, engine numbers."""

from __future__ import annotations

from typing import Any

import pytest

from coach.agent.offline import FOOTER, route
from coach.agent.session import CoachSession
from coach.analysis.zopa import zopa
from tests.agent.conftest import SALES_DEAL


def test_meso_question_cites_meso_chunks(offline_session: CoachSession, kb: Any) -> None:
    reply = offline_session.respond("What is a MESO and how do I use one?")
    assert any(c.startswith("meso#") for c in reply.citations)
    assert all(kb.get(c) is not None for c in reply.citations)
    assert all(f"[{c}]" in reply.text for c in reply.citations)
    assert reply.text.rstrip().endswith(FOOTER)
    assert reply.backend == "offline" and reply.fallback is None
    assert [c["name"] for c in reply.tool_calls] == ["search_practices"]
    assert reply.deal_sheet == offline_session.sheet.model_dump(mode="json")
    assert reply.progress["share"] == 0.0  # a question changes nothing on the sheet


def test_live_deal_fills_sheet_and_runs_zopa(offline_session: CoachSession) -> None:
    reply = offline_session.respond(SALES_DEAL)
    names = [c["name"] for c in reply.tool_calls]
    assert names == ["update_deal_sheet", "zopa"]
    update, zopa_call = reply.tool_calls
    assert update["args"]["reservation"] == 100_000
    assert zopa_call["args"] == {"reservation": 100_000, "their_low": 110_000, "their_high": 130_000, "role": "seller"}
    expected = zopa(100_000, 110_000, 130_000, role="seller")
    assert zopa_call["result"]["low"] == expected.low and zopa_call["result"]["high"] == expected.high
    assert zopa_call["result"]["first_offer"] == expected.first_offer
    assert "131,500 USD" in reply.text  # the engine's first offer, formatted
    sheet = offline_session.sheet
    assert (sheet.reservation, sheet.their_reservation_low, sheet.role) == (100_000, 110_000, "seller")
    assert sheet.counterparty == "Acme" and len(sheet.issues) == 4
    assert "map-the-zopa#how-to-do-it" in reply.citations
    assert {"walkaway", "their_reservation", "zopa"} <= set(reply.progress["done"])


def test_next_question_targets_first_unmet_item(offline_session: CoachSession) -> None:
    reply = offline_session.respond(SALES_DEAL)
    assert reply.progress["todo"][0] == "target"
    assert "**Next:** What is your ambitious but justifiable target" in reply.text
    assert "first-offers-anchoring#how-to-do-it" in reply.citations


def test_sheet_changes_only_through_update_tool(offline_session: CoachSession) -> None:
    offline_session.respond(SALES_DEAL)
    before = offline_session.sheet
    reply = offline_session.respond("Why does anchoring work so well?")
    assert "update_deal_sheet" not in [c["name"] for c in reply.tool_calls]
    assert offline_session.sheet == before


def test_qa_mode_never_fills_the_sheet(offline_deps: Any) -> None:
    session = CoachSession(offline_deps, mode="qa")
    reply = session.respond("We can walk away at $120k. What is a BATNA?")
    assert session.sheet.reservation is None
    assert [c["name"] for c in reply.tool_calls] == ["search_practices"]
    assert any(c.startswith("batna#") for c in reply.citations)


def test_offline_stream_ends_with_the_reply(offline_session: CoachSession) -> None:
    *pieces, reply = list(offline_session.stream("What is logrolling?"))
    assert "".join(pieces) == reply.text  # type: ignore[union-attr]


def test_prep_sheet_has_zopa_and_three_mesos(offline_session: CoachSession) -> None:
    offline_session.respond(SALES_DEAL)
    offline_session.respond("Price matters most to me. They care about support level.")
    reply = offline_session.respond("Please give me my prep sheet")
    names = [c["name"] for c in reply.tool_calls]
    assert {"zopa", "find_trades", "build_mesos"} <= set(names)
    assert "## ZOPA" in reply.text and "100,000 USD to 130,000 USD" in reply.text
    mesos = next(c for c in reply.tool_calls if c["name"] == "build_mesos")["result"]["mesos"]
    assert len(mesos) == 3
    section = reply.text.split("## Three MESOs", 1)[1].split("##", 1)[0]
    assert [line[:4] for line in section.strip().splitlines()] == ["- A:", "- B:", "- C:"]


def test_analysis_request_runs_the_tool(offline_session: CoachSession) -> None:
    offline_session.respond(SALES_DEAL)
    reply = offline_session.respond("Can you find trades for my deal?")
    assert [c["name"] for c in reply.tool_calls] == ["find_trades"]
    assert "logrolling#how-to-do-it" in reply.citations


def test_tool_error_is_reported_not_raised(offline_session: CoachSession) -> None:
    reply = offline_session.respond("Check the ZOPA for my deal")
    (call,) = reply.tool_calls
    assert call["name"] == "zopa" and "missing" in call["result"]["error"]
    assert "not yet" in reply.text


def test_routing() -> None:
    assert route("What is a MESO?", False) == ["question"]
    assert route("Draft three MESOs for my deal", False) == ["tool:build_mesos"]
    assert route("we can walk away at 100k", True) == ["facts"]
    assert route("prep sheet please", False) == ["prep"]
    assert route("hi", False) == ["greeting"]


def test_every_turn_is_committed(offline_session: CoachSession) -> None:
    offline_session.respond("What is a BATNA?")
    offline_session.respond(SALES_DEAL)
    turns = offline_session.history()
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert all(t["status"] == "complete" for t in turns)
    assert turns[-1]["trace"]["tool_calls"][1]["name"] == "zopa"


def test_a_crash_marks_the_stored_user_turn_failed(offline_session: CoachSession,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.agent import offline

    def boom(self: Any, message: str, sheet: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(offline.OfflineCoach, "respond", boom)
    with pytest.raises(RuntimeError):
        offline_session.respond("We can walk away at $120k.")
    (turn,) = offline_session.history()
    assert (turn["role"], turn["text"], turn["status"]) == ("user", "We can walk away at $120k.", "failed")
