"""Live deal page (default): chat with the coach beside the deal sheet it builds.

A turn goes to ``CoachSession.stream`` (text chunks, then the ``CoachReply`` with its trace);
tool results are drawn (ZOPA bar, frontier plot, tables), citations expand to the passage,
and the side panels show the editable deal sheet, the preparation checklist and the prep sheet.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from coach.errors import CoachError
from ui import components, live_panels, state, tool_views

PENDING_KEY = "live_pending_prompt"
QUICK_ACTIONS = (
    ("Check the ZOPA", "Check the ZOPA for my deal"),
    ("Find trades", "Find trades for my deal"),
    ("Draft 3 MESOs", "Build three MESOs for my deal"),
    ("Pareto frontier", "Show the Pareto frontier of my deal"),
    ("Prep sheet", "Prepare my prep sheet"),
)
WELCOME = (
    "Tell me about a negotiation you are preparing: who it is with, what you are buying or selling, "
    "your walk-away number and your target, and what else besides price could be on the table.\n\n"
    "For example: *I'm buying a used van. My walk-away is 12,000 EUR and my target is 10,000. I think their "
    "floor is between 9,500 and 11,000. The issues are price, warranty, delivery date, winter tyres.*"
)


def _queue(prompt: str) -> None:
    st.session_state[PENDING_KEY] = prompt


def _render_reply_extras(trace: dict[str, Any], sheet: Any) -> None:
    """Tool results as charts/tables, then the citations."""
    for record in trace.get("tool_calls") or []:
        tool_views.tool_view(record, sheet)
    components.citations_block(trace.get("citations") or [])


def _render_history(turns: list[dict[str, Any]], sheet: Any) -> None:
    if not turns:
        with st.chat_message("assistant"):
            st.markdown(WELCOME)
    for turn in turns:
        with st.chat_message(turn["role"]):
            if turn["role"] == "assistant":
                components.fallback_notice(turn["trace"].get("fallback"))
            st.markdown(turn["text"])
            if turn["role"] == "assistant":
                _render_reply_extras(turn["trace"], sheet)


def _run_turn(session: Any, prompt: str, turns: list[dict[str, Any]]) -> None:
    """Stream one reply into the chat, then draw its tool results; errors become one readable line."""
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        holder: dict[str, Any] = {}
        box = st.empty()

        def chunks() -> Any:
            for item in session.stream(prompt):
                if isinstance(item, str):
                    yield item
                else:
                    holder["reply"] = item

        try:
            with box.container():
                st.write_stream(chunks())
        except CoachError as err:
            box.empty()
            st.error(str(err))
            return
        except Exception as err:  # noqa: BLE001 - never a traceback in the chat
            box.empty()
            st.error(f"The coach could not answer: {type(err).__name__}: {str(err)[:200]}")
            return
        reply = holder["reply"]
        box.empty()
        components.fallback_notice(reply.fallback)
        st.markdown(reply.text)
        trace = {"tool_calls": reply.tool_calls, "citations": reply.citations, "fallback": reply.fallback}
        turns.append({"role": "user", "text": prompt, "trace": {}})
        turns.append({"role": "assistant", "text": reply.text, "trace": trace})
        _render_reply_extras(trace, session.sheet)


head, new = st.columns([5, 1])
head.title("Live deal")
if new.button("New deal", help="Start a new conversation with an empty deal sheet"):
    state.new_coach_session()
    st.rerun()

prompt = st.chat_input("Describe your deal, give numbers, or ask a question")
prompt = prompt or st.session_state.pop(PENDING_KEY, None)

session = state.coach_session()
turns = state.live_turns()
chat_col, side_col = st.columns([3, 2], gap="large")
with chat_col:
    _render_history(turns, session.sheet)
    if prompt:
        _run_turn(session, prompt, turns)
    st.caption("Quick actions")
    with st.container(horizontal=True):
        for label, message in QUICK_ACTIONS:
            st.button(label, on_click=_queue, args=(message,), key=f"quick_{label}")

sheet = session.sheet
with side_col:
    tab_sheet, tab_check, tab_plot, tab_prep = st.tabs(["Deal sheet", "Checklist", "Frontier", "Prep sheet"])
    with tab_sheet:
        live_panels.deal_sheet_panel(sheet)
    with tab_check:
        live_panels.checklist_panel(sheet)
    with tab_plot:
        tool_views.frontier_view(sheet)
    with tab_prep:
        live_panels.prep_sheet_panel(sheet)
