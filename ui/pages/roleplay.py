"""Role-play page: pick a scenario, play one side against the engine, rewind, then the debrief.

Stages (kept in ``st.session_state``): setup -> play (chat, offer builder, offers tracker,
rewind) -> calibration questions -> debrief. The counterparty's decisions, the phase and the
debrief all come from ``coach.roleplay``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from coach.errors import CoachError
from ui import roleplay_views as views
from ui import state

SESSION_KEY = "rp_session"
STAGE_KEY = "rp_stage"  # play | calibrate | debrief
RESULT_KEY = "rp_result"
PLAYED_KEY = "rp_played"
COUNTERPARTY_AVATAR = ":material/person:"
SOURCES = ("Scenario library", "Upload a scenario (YAML)", "From my live deal")


def _scenario_picker() -> Any:
    """The chosen scenario, or None (with a readable message) when there is none yet."""
    saved = st.session_state.get("rp_source_saved", SOURCES[0])  # survives a visit to another page
    source = st.radio("Scenario", SOURCES, index=SOURCES.index(saved), horizontal=True, key="rp_source",
                      on_change=lambda: st.session_state.update(rp_source_saved=st.session_state["rp_source"]))
    if source == SOURCES[0]:
        library = state.scenario_library()
        if not library:
            st.error("The scenario library is empty (knowledge/scenarios/*.yaml).")
            return None
        ids = list(library)
        labels = {sid: f"{s.title} · {s.context} · {s.difficulty}" for sid, s in library.items()}
        chosen = st.selectbox("Choose a scenario", ids, format_func=labels.__getitem__, key="rp_library_id")
        return library[chosen]
    if source == SOURCES[1]:
        upload = st.file_uploader("Scenario file", type=["yaml", "yml"], key="rp_upload",
                                  help="Same format as knowledge/scenarios/*.yaml: two parties, issues with points.")
        if upload is None:
            st.caption("Upload a YAML scenario to practise your own case.")
            return None
        return state.parse_uploaded_scenario(upload.getvalue(), upload.name)
    return state.scenario_from_live_deal()


def _setup() -> None:
    st.write("Rehearse against a counterparty with a hidden scoring table. It reveals priorities only "
             "when you ask good questions.")
    scenario = _scenario_picker()
    if scenario is None:
        return
    st.markdown(f"### {scenario.title}")
    if scenario.description:
        st.caption(scenario.description)
    parties = {p.id: f"{p.name} ({p.role})" for p in scenario.parties}
    c1, c2 = st.columns(2)
    side = c1.radio("Your side", list(parties), format_func=parties.__getitem__, key=f"rp_side_{scenario.id}")
    difficulties = ["easy", "normal", "hard"]
    difficulty = c2.radio("Difficulty", difficulties, index=difficulties.index(scenario.difficulty),
                          horizontal=True, key="rp_difficulty")
    views.brief(scenario, side)
    with st.expander("Plan before you start (optional): your walk-away and target, in your points"):
        p1, p2 = st.columns(2)
        walk_away = p1.number_input("Walk-away (points)", value=None, key="rp_walk_away")
        target = p2.number_input("Target (points)", value=None, key="rp_target")
    if st.button("Start the role-play", type="primary"):
        with state.user_errors("Cannot start: "):
            from coach.roleplay.session import RolePlaySession

            played = st.session_state.get(PLAYED_KEY, 0)
            session = RolePlaySession(scenario, side, difficulty, seed=played, model=state.chat_model())
            session.set_plan(walk_away, target)
            st.session_state[SESSION_KEY] = session
            st.session_state[STAGE_KEY] = "play"
            st.session_state[PLAYED_KEY] = played + 1
            st.rerun()


def _transcript(session: Any) -> None:
    other = session.counterparty_party
    with st.chat_message("assistant", avatar=COUNTERPARTY_AVATAR):
        st.markdown(f"**{other.name}:** {session.opening}")
    for turn in session.turns:
        with st.chat_message("user"):
            st.markdown(turn.user_text or "_(offer only)_")
            if turn.offered:
                st.caption("Offer: " + " | ".join(
                    "; ".join(f"{i.name}: {i.options[o]}" for i, o in zip(session.table.issues, p))
                    for p in turn.offered))
            st.button(f"Rewind to before turn {turn.index}", icon=":material/undo:", key=f"rp_rewind_{session.current}_{turn.index}",
                      on_click=_rewind, args=(turn.index - 1,), type="tertiary")
        with st.chat_message("assistant", avatar=COUNTERPARTY_AVATAR):
            st.markdown(f"**{other.name}:** {turn.reply}")


def _rewind(to_turn: int) -> None:
    session = st.session_state[SESSION_KEY]
    try:
        name = session.rewind(to_turn)
    except CoachError as err:
        st.session_state["rp_notice"] = f"Cannot rewind: {err}"
        return
    st.session_state["rp_notice"] = f"Rewound to after turn {to_turn}: you are now on {name}. Try a different move."


def _send(session: Any, text: str, packages: list[dict[str, str]] | None = None) -> None:
    with state.user_errors():
        offer = None
        if packages:
            from coach.roleplay.offers import structured_offer

            offer = structured_offer(session.table, packages)
        session.send(text or ("Here is my offer." if offer else ""), offer)
        st.rerun()


def _branch_switcher(session: Any) -> None:
    if len(session.branches) < 2:
        return
    names = list(session.branches)
    chosen = st.selectbox("Branch", names, index=names.index(session.current), key=f"rp_branch_{len(names)}",
                          help="After a rewind, each retry is a branch; the debrief compares them.")
    if chosen != session.current:
        session.switch(chosen)
        st.rerun()


def _play(session: Any) -> None:
    scenario = session.scenario
    me = scenario.party(session.side)
    st.markdown(f"### {scenario.title}")
    st.caption(f"You play {me.name} ({me.role}) against {session.counterparty_party.name} "
               f"({session.counterparty_party.role}) · difficulty {session.difficulty}")
    views.phase_indicator(session)
    notice = st.session_state.pop("rp_notice", None)
    if notice:
        st.info(notice)
    chat_col, side_col = st.columns([3, 2], gap="large")
    over = session.finished or session.agreement is not None
    with side_col:
        _branch_switcher(session)
        st.markdown("**Offers exchanged**")
        views.offers_tracker(session)
        if not over:
            st.markdown("**Build an offer**")
            built = views.offer_builder(session)
            if built is not None:
                _send(session, built[0], built[1])
        views.brief(scenario, session.side)
    with chat_col:
        _transcript(session)
        if over:
            st.success(views.ENDED_BY.get(session.state.outcome or "agreement", "The negotiation is over."))
    text = None if over else st.chat_input(f"Say something to {session.counterparty_party.name}")
    if text:
        _send(session, text)
    label = "Go to the debrief" if over else "End and debrief"
    if st.button(label, type="primary" if over else "secondary", key="rp_end"):
        st.session_state[STAGE_KEY] = "calibrate"
        st.rerun()


def _calibrate(session: Any) -> None:
    st.markdown(f"### {session.scenario.title}: before the reveal")
    answers = views.calibration_form(session)
    if answers is None:
        return
    from coach.roleplay.debrief import Calibration, debrief

    with state.user_errors("Debrief failed: "):
        result = debrief(session, Calibration(own_share=answers[0], top_priorities=tuple(answers[1])))
        st.session_state[RESULT_KEY] = result
        st.session_state[STAGE_KEY] = "debrief"
        views.save_result(session)
        st.rerun()


def _debrief(session: Any) -> None:
    st.markdown(f"### {session.scenario.title}")
    views.debrief_view(session, st.session_state[RESULT_KEY])
    c1, c2 = st.columns(2)
    turn = c1.number_input("Rewind to after turn", min_value=0, max_value=session.turn_count,
                           value=max(0, session.turn_count - 1), step=1, key="rp_debrief_rewind")
    if c1.button("Rewind and retry"):
        _rewind(int(turn))
        st.session_state[STAGE_KEY] = "play"
        st.rerun()
    if c2.button("New role-play", type="primary"):
        for key in (SESSION_KEY, STAGE_KEY, RESULT_KEY):
            st.session_state.pop(key, None)
        st.rerun()


st.title("Role-play")
rp_session = st.session_state.get(SESSION_KEY)
stage = st.session_state.get(STAGE_KEY)
if rp_session is None:
    _setup()
elif stage == "calibrate":
    _calibrate(rp_session)
elif stage == "debrief":
    _debrief(rp_session)
else:
    _play(rp_session)
