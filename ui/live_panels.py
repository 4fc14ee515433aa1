"""Side panels of the Live deal page: the editable deal sheet, the checklist, the prep sheet.

Edits become a ``DealSheetUpdate`` and go through the coach session (``state.edit_sheet``);
the checklist and the prep sheet are the coach's (``coach.agent.progress``, ``coach.agent.prepsheet``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import state

LEVELS = ["", "High", "Medium", "Low"]
ROLES = ["", "buyer", "seller"]
NUMBER_FIELDS = (("reservation", "My walk-away (reservation)"), ("target", "My target"),
                 ("my_batna_value", "My BATNA is worth"), ("their_reservation_low", "Their walk-away: low estimate"),
                 ("their_reservation_high", "Their walk-away: high estimate"))
ISSUE_COLUMNS = ["issue", "options", "my priority", "their priority", "I prefer"]


def _number_value(value: float | None) -> float | None:
    return None if value is None else float(value)


def key_numbers_form(sheet: Any) -> None:
    """Counterparty, role, BATNA and the price numbers; only changed fields are sent."""
    with st.form("sheet_numbers"):
        c1, c2, c3 = st.columns([2, 1.4, 1])
        counterparty = c1.text_input("Counterparty", value=sheet.counterparty or "")
        role = c2.selectbox("I am the", ROLES, index=ROLES.index(sheet.role or ""))
        currency = c3.text_input("Currency", value=sheet.currency or "", max_chars=8)
        batna = st.text_input("My BATNA (best alternative if no deal)", value=sheet.my_batna or "")
        numbers: dict[str, float | None] = {}
        cols = st.columns(2)
        for n, (field, label) in enumerate(NUMBER_FIELDS):
            numbers[field] = cols[n % 2].number_input(label, value=_number_value(getattr(sheet, field)),
                                                      step=1000.0, format="%.0f", key=f"num_{field}")
        submitted = st.form_submit_button("Save numbers")
    if not submitted:
        return
    update: dict[str, Any] = {}
    for field, value in (("counterparty", counterparty.strip()), ("role", role), ("currency", currency.strip()),
                         ("my_batna", batna.strip())):
        if value and value != (getattr(sheet, field) or ""):
            update[field] = value
    for field, value in numbers.items():
        if value is not None and value != getattr(sheet, field):
            update[field] = value
    _send(update)


def _issue_rows(sheet: Any) -> pd.DataFrame:
    rows = [{"issue": i.name, "options": ", ".join(i.options), "my priority": _level(i.my_priority),
             "their priority": _level(i.their_priority), "I prefer": i.prefer or ""} for i in sheet.issues]
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS)


def _level(value: Any) -> str:
    return "" if value is None else str(value) if isinstance(value, str) else f"{value:g}"


def issues_editor(sheet: Any) -> None:
    """The issues table: edit options and priorities, or add a row for a new issue."""
    column_config = {
        "issue": st.column_config.TextColumn("Issue", required=True, help="e.g. Price, Start date, Payment terms"),
        "options": st.column_config.TextColumn("Options", help="comma-separated, e.g. 30 days, 60 days, 90 days"),
        "my priority": st.column_config.SelectboxColumn("Mine", options=LEVELS, width="small",
                                                      help="How much this issue matters to you"),
        "their priority": st.column_config.SelectboxColumn("Theirs", options=LEVELS, width="small",
                                                           help="Your guess of how much it matters to them"),
        "I prefer": st.column_config.TextColumn("I prefer", help="higher, lower, or one of the options"),
    }
    with st.form("sheet_issues"):
        edited = st.data_editor(_issue_rows(sheet), key="issues_editor", num_rows="add", hide_index=True,
                                column_config=column_config, width="stretch", placeholder="—")
        submitted = st.form_submit_button("Save issues")
    if submitted:
        _send(_issues_update(_issue_rows(sheet), edited))


def _issues_update(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, Any]:
    """The changed rows as ``issues`` and ``priorities`` of a ``DealSheetUpdate``."""
    old = {str(r["issue"]): r for r in before.fillna("").to_dict("records")}
    issues, priorities = [], []
    for row in after.fillna("").to_dict("records"):
        name = str(row["issue"]).strip()
        if not name:
            continue
        prev = old.get(name, {})
        options = [o.strip() for o in str(row["options"]).split(",") if o.strip()]
        if name not in old or str(row["options"]) != str(prev.get("options", "")):
            issues.append({"name": name, "options": options})
        prefer = str(row["I prefer"]).strip() or None
        for side, column in (("me", "my priority"), ("them", "their priority")):
            level = str(row[column]).strip()
            changed_prefer = side == "me" and prefer and prefer != str(prev.get("I prefer", ""))
            if level and (level != str(prev.get(column, "")) or changed_prefer):
                priorities.append({"issue": name, "side": side, "level": level,
                                   **({"prefer": prefer} if side == "me" and prefer else {})})
    update: dict[str, Any] = {}
    if issues:
        update["issues"] = issues
    if priorities:
        update["priorities"] = priorities
    return update


def _send(update: dict[str, Any]) -> None:
    if not update:
        st.info("Nothing changed.")
        return
    with state.user_errors("Deal sheet not saved: "):
        changed = state.edit_sheet(update)
        st.session_state["sheet_notice"] = "Saved: " + ", ".join(changed) if changed else "Nothing changed."
        st.rerun()


def deal_sheet_panel(sheet: Any) -> None:
    """The editable deal sheet."""
    notice = st.session_state.pop("sheet_notice", None)
    if notice:
        st.success(notice)
    key_numbers_form(sheet)
    st.markdown("**Issues** (add a row for a new issue)")
    issues_editor(sheet)
    if sheet.interests or sheet.open_questions or sheet.forecasts:
        with st.expander("Interests, forecasts and open questions"):
            for i in sheet.interests:
                who = "They" if i.party == "them" else "I"
                st.markdown(f"- {who} want {i.text}" + (f", because {i.why}" if i.why else ""))
            for f in sheet.forecasts:
                st.markdown(f"- Forecast *{f.outcome}*: me {_pct(f.my_probability)}, them {_pct(f.their_probability)}")
            for q in sheet.open_questions:
                st.markdown(f"- :material/help: {q}")
    st.caption("To change a number, type a new one. Clearing a value is not supported yet; tell the coach instead.")


def _pct(p: float | None) -> str:
    return "?" if p is None else f"{p:.0%}"


def checklist_panel(sheet: Any) -> None:
    """Preparation checklist: done / to do, share complete, each item linked to its practice."""
    from coach.agent.progress import CHECKLIST, progress

    report = progress(sheet)
    done = set(report["done"])
    st.progress(report["share"], text=f"Preparation {report['share']:.0%} complete · "
                                      f"{len(done)} done, {len(report['todo'])} to do")
    for item in CHECKLIST:
        icon = ":material/check_circle:" if item.id in done else ":material/radio_button_unchecked:"
        with st.expander(f":green[{item.label}]" if item.id in done else item.label, icon=icon):
            if item.id not in done:
                st.markdown(f"*Ask yourself:* {item.question}")
            passage = _passage(f"{item.practice}#what-it-is")
            st.markdown(f"**Practice:** {passage.title if passage else item.practice} (`{item.practice}`)")
            if passage is not None:
                st.caption(passage.text[:600] + ("…" if len(passage.text) > 600 else ""))


def _passage(chunk_id: str) -> Any:
    kb = state.knowledge_base()
    return kb.get(chunk_id) if kb is not None else None


def prep_sheet_panel(sheet: Any) -> None:
    """Download the one-page prep sheet as Markdown or PDF, with a preview."""
    from coach.agent.prepsheet import prep_sheet_markdown, prep_sheet_pdf

    markdown = prep_sheet_markdown(sheet)
    name = (sheet.title or sheet.counterparty or "deal").strip().replace(" ", "-").lower()[:40] or "deal"
    c1, c2 = st.columns(2)
    c1.download_button("Download Markdown", markdown, file_name=f"prep-sheet-{name}.md", mime="text/markdown",
                       on_click="ignore")
    c2.download_button("Download PDF", lambda: prep_sheet_pdf(sheet), file_name=f"prep-sheet-{name}.pdf",
                       mime="application/pdf", on_click="ignore")
    if not sheet.results:
        st.caption("Tip: ask the coach for the ZOPA, trades and MESOs (or say 'prep sheet') to fill the analysis.")
    with st.container(height=420):
        st.markdown(markdown)
