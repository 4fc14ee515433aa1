"""Live deal page (AppTest): a chat turn with tool results drawn, citations, deal-sheet edits,
the checklist, the prep sheet, and a failing model falling back to the offline coach."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.ui.conftest import APP, APP_TIMEOUT, EXAMPLE_DEAL, button, charts


def _sheet(at):  # type: ignore[no-untyped-def]
    """The deal sheet as stored by the coach session of this AppTest."""
    return at.session_state["svc:coach"].sheet


def test_default_page_is_live_deal_with_a_welcome(app) -> None:  # type: ignore[no-untyped-def]
    assert [t.value for t in app.title] == ["Live deal"]
    assert "Tell me about a negotiation" in app.chat_message[0].markdown[0].value
    assert not app.error


def test_chat_turn_draws_the_zopa_from_the_tool_result(app) -> None:  # type: ignore[no-untyped-def]
    from coach.analysis.zopa import zopa

    app.chat_input[0].set_value(EXAMPLE_DEAL).run()
    assert not app.exception
    reply = app.session_state["live_turns"][-1]
    calls = {c["name"]: c for c in reply["trace"]["tool_calls"]}
    assert "zopa" in calls, calls.keys()
    expected = zopa(12000, 9500, 11000, role="buyer")
    assert calls["zopa"]["result"]["first_offer"] == pytest.approx(expected.first_offer)
    zopa_frames = [frames[0] for _spec, frames in charts(app) if frames and "row" in frames[0].columns]
    assert zopa_frames, "no ZOPA chart drawn"
    rows = zopa_frames[0].set_index("row")
    assert rows.loc["Your walk-away", "start"] == 12000
    assert rows.loc["Their walk-away (your estimate)", "start"] == 9500
    assert rows.loc["Their walk-away (your estimate)", "end"] == 11000
    assert rows.loc["Zone of possible agreement", "start"] == expected.low
    assert rows.loc["Zone of possible agreement", "end"] == expected.high
    assert rows.loc["Suggested first offer", "start"] == pytest.approx(expected.first_offer)
    sheet = _sheet(app)
    assert (sheet.reservation, sheet.target, sheet.role) == (12000, 10000, "buyer")


def test_citation_expands_to_the_passage_text(app) -> None:  # type: ignore[no-untyped-def]
    app.chat_input[0].set_value(EXAMPLE_DEAL).run()
    citations = app.session_state["live_turns"][-1]["trace"]["citations"]
    assert citations
    kb = app.session_state["svc:coach"].deps.kb
    first = citations[0]
    passage = kb.get(first)
    expander = next(e for e in app.expander if e.label == f"{passage.title} — {passage.section}")
    assert passage.text in [m.value for m in expander.markdown]
    assert f"Source: `{first}` ({passage.kind})" in [c.value for c in expander.caption]


def test_deal_sheet_numbers_form_edits_through_the_session(app) -> None:  # type: ignore[no-untyped-def]
    app.number_input(key="num_reservation").set_value(50000)
    app.number_input(key="num_target").set_value(42000)
    app.selectbox[0].set_value("seller")
    button(app, "Save numbers").click().run()
    assert not app.exception
    sheet = _sheet(app)
    assert (sheet.reservation, sheet.target, sheet.role) == (50000, 42000, "seller")
    assert any("Saved:" in s.value for s in app.success)


def test_deal_sheet_issue_table_edit_sets_priorities(app) -> None:  # type: ignore[no-untyped-def]
    app.chat_input[0].set_value(EXAMPLE_DEAL).run()
    app.session_state["issues_editor"] = {
        "edited_rows": {1: {"their priority": "High", "my priority": "Low", "options": "none, 1 year, 2 years"}},
        "added_rows": [{"issue": "Payment terms", "options": "cash, 30 days", "my priority": "Medium"}],
        "deleted_rows": [],
    }
    button(app, "Save issues").click().run()
    assert not app.exception, app.exception
    sheet = _sheet(app)
    warranty = sheet.issue("warranty")
    assert (warranty.their_priority, warranty.my_priority) == ("High", "Low")
    assert warranty.options == ("none", "1 year", "2 years")
    payment = sheet.issue("Payment terms")
    assert payment is not None and payment.options == ("cash", "30 days") and payment.my_priority == "Medium"


def test_checklist_tracks_the_sheet_and_links_practices(app) -> None:  # type: ignore[no-untyped-def]
    from coach.agent.progress import CHECKLIST, progress

    app.chat_input[0].set_value(EXAMPLE_DEAL).run()
    report = progress(_sheet(app))
    bar = app.get("progress")[0]
    assert f"Preparation {report['share']:.0%} complete" in bar.proto.text
    icons = {e.label: e.icon for e in app.expander}
    for item in CHECKLIST:
        if item.id in report["done"]:
            assert icons[f":green[{item.label}]"] == ":material/check_circle:"
        else:
            assert icons[item.label] == ":material/radio_button_unchecked:"
    assert "zopa" in report["done"]


def test_quick_action_and_prep_sheet_downloads(app) -> None:  # type: ignore[no-untyped-def]
    app.chat_input[0].set_value(EXAMPLE_DEAL).run()
    button(app, "Draft 3 MESOs").click().run()
    assert not app.exception
    names = [c["name"] for c in app.session_state["live_turns"][-1]["trace"]["tool_calls"]]
    assert "build_mesos" in names
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["Download Markdown", "Download PDF"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_failing_model_shows_notice_and_offline_answer(ui_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COACH_LLM_PROVIDER", "openai")
    monkeypatch.setenv("COACH_LLM_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "3")
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    at.chat_input[0].set_value("What is a MESO?").run()
    assert not at.exception
    assert any("did not answer" in w.value and "offline coach" in w.value for w in at.warning)
    reply = at.session_state["live_turns"][-1]
    assert reply["trace"]["fallback"]
    assert "offline coach" in reply["text"]


def test_new_deal_starts_an_empty_conversation(app) -> None:  # type: ignore[no-untyped-def]
    app.chat_input[0].set_value(EXAMPLE_DEAL).run()
    first = app.session_state["live_session_id"]
    button(app, "New deal").click().run()
    assert app.session_state["live_session_id"] != first
    assert app.session_state["live_turns"] == []
    assert _sheet(app).reservation is None
    assert "Tell me about a negotiation" in app.chat_message[0].markdown[0].value


def test_unavailable_library_is_a_notice_not_a_traceback(ui_env: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from coach.errors import CoachError
    from coach.knowledge.search import KnowledgeBase

    def broken(cls, settings, progress=None, **kwargs):  # type: ignore[no-untyped-def]
        if progress is not None:
            progress(1, 2)
        raise CoachError("index folder is not writable")

    monkeypatch.setattr(KnowledgeBase, "open", classmethod(broken))
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "fresh"))  # a data dir nobody indexed yet
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    assert any("practices library is unavailable (index folder is not writable)" in w.value for w in at.warning)
    at.chat_input[0].set_value("My walk-away is 12,000 EUR and my target is 10,000.").run()
    assert not at.exception
    assert at.session_state["svc:coach"].sheet.reservation == 12000


def test_streamed_model_reply_with_a_tool_call_is_drawn(ui_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real client stack against the loopback scripted server: a zopa tool call, then text."""
    from streamlit.testing.v1 import AppTest

    from tests.llm_server import TEST_API_KEY, TEST_MODEL, ScriptedLLMServer, text, tool_call

    with ScriptedLLMServer() as server:
        server.enqueue(tool_call("zopa", {"reservation": 50000, "their_low": 40000, "their_high": 45000,
                                          "role": "seller"}),
                       text("No zone on price alone: a gap of 5,000 [map-the-zopa#how-to-do-it]."))
        for name, value in (("COACH_LLM_PROVIDER", "openai"), ("COACH_LLM_BASE_URL", server.base_url),
                            ("COACH_LLM_API_KEY", TEST_API_KEY), ("COACH_LLM_MODEL", TEST_MODEL)):
            monkeypatch.setenv(name, value)
        at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
        at.chat_input[0].set_value("Is there a ZOPA? I sell at 50,000 minimum; they can pay 40-45k.").run()
    assert not at.exception and not at.warning
    reply = at.session_state["live_turns"][-1]
    assert reply["trace"]["fallback"] is None
    assert reply["text"].startswith("No zone on price alone")
    assert reply["trace"]["citations"] == ["map-the-zopa#how-to-do-it"]
    assert reply["trace"]["tool_calls"][0]["args"] == {"reservation": 50000, "their_low": 40000,
                                                       "their_high": 45000, "role": "seller"}
    zopa_rows = next(f[0] for _s, f in charts(at) if f and "row" in f[0].columns).set_index("row")
    assert zopa_rows.loc["Your walk-away", "start"] == 50000
    assert zopa_rows.loc["Their walk-away (your estimate)", "end"] == 45000
    assert "No zone on price alone" in at.chat_message[-1].markdown[0].value
