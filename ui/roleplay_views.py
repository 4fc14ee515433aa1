"""Pieces of the Role-play page: your brief, the phase indicator, the offer builder, the offers
tracker and the debrief. Every number comes from ``coach.roleplay`` / ``coach.analysis``."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import charts, components, state

PHASES = ("opening", "information exchange", "offers", "closing")
NOT_MENTIONED = "—"
MAX_MESO = 3
ENDED_BY = {"agreement": "You reached an agreement.", None: "You ended the role-play before an agreement.", "walked_away": "The counterparty walked away.",
            "user_walked": "You walked away.", "timeout": "Time ran out (too many turns)."}


def brief(scenario: Any, side: str) -> None:
    """What the player of ``side`` may see: their brief, BATNA and their own points per option."""
    party = scenario.party(side)
    st.markdown(f"**You are {party.name}, {party.role}.** {party.brief}")
    st.caption(f"Your BATNA (points if there is no deal): {party.batna:g}")
    rows = []
    for issue in scenario.issues:
        for option, points in zip(issue.options, issue.points[side]):
            rows.append({"issue": issue.name, "option": option, "your points": points})
    with st.expander("Your points per option (private to you)", expanded=False):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def phase_indicator(session: Any) -> None:
    """Opening → information exchange → offers → closing, with the current one highlighted."""
    current = session.phase
    parts = [f"**:blue-background[{p.capitalize()}]**" if p == current else f":gray[{p.capitalize()}]"
             for p in PHASES]
    st.markdown(" → ".join(parts) + f"  ·  Turn **{session.turn_count}**")


def _named(table: Any, package: Any) -> dict[str, str]:
    return {i.name: i.options[o] for i, o in zip(table.issues, package)}


def offer_rows(session: Any) -> list[dict[str, Any]]:
    """Every offer exchanged in the current branch with YOUR points (theirs stay hidden)."""
    from coach.analysis.scoring import score

    table, user = session.table, session.user
    rows = []
    for turn in session.turns:
        for n, package in enumerate(turn.offered):
            label = "You" + (f" (MESO {n + 1})" if len(turn.offered) > 1 else "")
            rows.append({"turn": turn.index, "from": label, **_named(table, package),
                         "your points": score(table, package)[user]})
        if turn.decision.package is not None:
            who = "Agreement" if turn.decision.agreement else "Them"
            rows.append({"turn": turn.index, "from": who, **_named(table, turn.decision.package),
                         "your points": score(table, turn.decision.package)[user]})
    return rows


def offers_tracker(session: Any) -> None:
    """A live table of the offers exchanged."""
    rows = offer_rows(session)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No offers yet. Ask questions first, then make a package offer.")


def offer_builder(session: Any) -> tuple[str, list[dict[str, str]]] | None:
    """A form to build 1-3 complete or partial packages (several = a MESO); returns (text, packages)."""
    table = session.table
    count = st.segmented_control("Packages in this offer", [1, 2, 3], default=1, key="rp_meso_count",
                                 help="Two or three packages of equal value to you = a MESO")
    count = int(count or 1)
    with st.form("rp_offer_form", clear_on_submit=True):
        cols = st.columns(count)
        packages: list[dict[str, str]] = []
        for n, col in enumerate(cols):
            choice: dict[str, str] = {}
            with col:
                if count > 1:
                    st.markdown(f"**Option {n + 1}**")
                for issue in table.issues:
                    picked = st.selectbox(issue.name, [NOT_MENTIONED, *issue.options], key=f"rp_offer_{n}_{issue.id}")
                    if picked != NOT_MENTIONED:
                        choice[issue.id] = picked
            packages.append(choice)
        text = st.text_input("What you say with it (optional)", placeholder="e.g. Here is a package that works for us")
        sent = st.form_submit_button("Send offer", type="primary")
    if not sent:
        return None
    packages = [p for p in packages if p]
    if not packages:
        st.error("Pick at least one option on one issue before sending an offer.")
        return None
    return text, packages


# --------------------------------------------------------------------------------------------
# Debrief.


def _frontier_markers(session: Any, result: dict[str, Any]) -> list[dict[str, Any]]:
    from coach.analysis.scoring import score

    table = session.table
    markers: list[dict[str, Any]] = []
    for turn in session.turns:
        for package in turn.offered:
            markers.append({"kind": "Your offer", "label": f"T{turn.index}", "scores": list(score(table, package)),
                            "package": _named(table, package)})
        decision = turn.decision
        if decision.package is not None and not decision.agreement:
            markers.append({"kind": "Their offer", "label": f"T{turn.index}",
                            "scores": list(score(table, decision.package)), "package": _named(table, decision.package)})
    for point in result.get("better_for_both") or []:
        markers.append({**point, "kind": "Better for both", "label": ""})
    if result.get("agreement"):
        markers.append({"kind": "Agreement", "label": "deal", "scores": result["scores"], "package": result["package"]})
    else:
        markers.append({"kind": "No deal", "label": "no deal", "scores": result["scores"], "package": None})
    return markers


def frontier_plot(session: Any, result: dict[str, Any]) -> None:
    """The frontier with every offer of the branch, the agreement and the better-for-both packages."""
    from coach.analysis.pareto import pareto_frontier

    table = session.table
    frontier = [p.to_dict(table) for p in pareto_frontier(table)]
    user_id, other_id = table.parties[session.user], table.parties[session.other]
    names = (session.scenario.party(user_id).name + " (you)", session.scenario.party(other_id).name)
    batnas = (table.batnas[session.user], table.batnas[session.other])
    markers = [_swap(m, session.user) for m in _frontier_markers(session, result)]
    components.chart(charts.frontier_chart, frontier, markers, parties=(user_id, other_id), axis_titles=names,
                     batnas=batnas)
    st.caption("Each dot is a package. The dashed line is the Pareto frontier: no package beyond it is better "
               "for one side without being worse for the other. Grey lines: each side's BATNA.")


def _swap(marker: dict[str, Any], user: int) -> dict[str, Any]:
    """Markers scored as (party 0, party 1) lists -> dicts keyed by position for the user's view."""
    scores = marker.get("scores")
    if isinstance(scores, list) and user == 1:
        return {**marker, "scores": [scores[1], scores[0]]}
    return marker


def _metrics(result: dict[str, Any], session: Any) -> None:
    table = session.table
    me, them = table.parties[session.user], table.parties[session.other]
    cols = st.columns(5)
    cols[0].metric("Your points", f"{result['scores'][me]:g}")
    cols[1].metric("Their points", f"{result['scores'][them]:g}")
    share = result.get("share_of_max")
    cols[2].metric("Share of max joint value", "–" if share is None else f"{share:.0%}")
    cols[3].metric("Pareto-optimal", "yes" if result.get("pareto_optimal") else "no")
    cols[4].metric("Value left on the table", f"{result.get('value_left', 0):g}")


def _skills(result: dict[str, Any]) -> None:
    skills = result.get("skills") or {}
    left, right = st.columns(2)
    with left:
        st.markdown("**What helped**")
        for tag in skills.get("helped", []) or [{"tag": "—", "why": "nothing yet"}]:
            st.markdown(f"- :green[:material/thumb_up:] **{_skill(tag['tag'])}**: {tag['why']}")
    with right:
        st.markdown("**What hurt**")
        for tag in skills.get("hurt", []) or [{"tag": "—", "why": "nothing"}]:
            st.markdown(f"- :orange[:material/warning:] **{_skill(tag['tag'])}**: {tag['why']}")


def _skill(tag: str) -> str:
    """``walk-away-and-target`` -> ``Walk away and target`` (MESO stays upper case)."""
    return "MESO" if tag == "meso" else tag.replace("-", " ").capitalize()


def _calibration(cal: dict[str, Any] | None) -> None:
    if not cal:
        return
    st.markdown("**Your calibration**")
    lines = []
    if "guessed_own_share" in cal:
        lines.append(f"You guessed you got {cal['guessed_own_share']:.0%} of the pie; actually "
                     f"{cal['actual_own_share']:.0%} ({'well calibrated' if cal['share_well_calibrated'] else 'off'}).")
    if "guessed_top_priorities" in cal:
        lines.append(f"Their top issues: {', '.join(cal['actual_top_priorities'])}; you guessed "
                     f"{', '.join(cal['guessed_top_priorities'])} ({cal['priority_hits']} right).")
    for line in lines:
        st.markdown(f"- {line}")


def debrief_view(session: Any, result: dict[str, Any]) -> None:
    """The whole debrief of the played branch."""
    st.subheader("Debrief")
    ended = "agreement" if result.get("agreement") else result.get("ended_by")
    st.markdown(ENDED_BY.get(ended, "The negotiation ended without an agreement."))
    if result.get("package"):
        st.caption("Agreed: " + "; ".join(f"{k}: {v}" for k, v in result["package"].items()))
    _metrics(result, session)
    if not result.get("agreement"):
        st.caption("Without an agreement each side gets its BATNA (its points with no deal).")
    frontier_plot(session, result)
    better = result.get("better_for_both") or []
    if better:
        st.markdown(f"**{len(better)} package(s) would have been better for both of you:**")
        me, them = session.table.parties[session.user], session.table.parties[session.other]
        st.dataframe(pd.DataFrame([{**p["package"], "your points": p["scores"][me], "their points": p["scores"][them]}
                                   for p in better]), hide_index=True, width="stretch")
    _skills(result)
    _calibration(result.get("calibration"))
    components.citations_block(result.get("citations") or [], title="Practices to review")
    if len(result.get("branches") or []) > 1:
        st.markdown("**Branches compared**")
        st.dataframe(pd.DataFrame([{k: v for k, v in b.items() if k != "scores"} for b in result["branches"]]),
                     hide_index=True, width="stretch")
    if result.get("offer_dance"):
        with st.expander("Your offer dance (how each offer moved)"):
            st.dataframe(pd.DataFrame(result["offer_dance"]), hide_index=True, width="stretch")


def calibration_form(session: Any) -> tuple[float, list[str]] | None:
    """Two questions before the reveal: your share of the pie and their top issues."""
    table = session.table
    with st.form("rp_calibration"):
        st.markdown("**Before the reveal: how well did you read them?**")
        share = st.slider("What share of the available value do you think you got?", 0, 100, 50, format="%d%%")
        names = {i.name: i.id for i in table.issues}
        top = st.multiselect("Which issues do you think mattered most to them?", list(names),
                             max_selections=max(1, min(2, len(names))))
        go = st.form_submit_button("Reveal the debrief", type="primary")
    if not go:
        return None
    return share / 100, [names[n] for n in top]


def save_result(session: Any) -> None:
    """Persist the session and one result per branch for the Progress page (once per role-play)."""
    from coach.store.roleplay import save_session

    if st.session_state.get("rp_saved") is session:
        return
    with state.user_errors("Could not save the result: "):
        save_session(state.database(), session, state.settings().user_id)
        st.session_state["rp_saved"] = session
