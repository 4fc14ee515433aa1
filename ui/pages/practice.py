"""Practice page: today's drills one at a time, immediate feedback, streak and due reviews.

The drills, the grading and the schedule come from ``coach.practice.service.PracticeService``;
this page only keeps which drill of today's run is on screen.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui import state
from ui.components import citation_expander

RUN_KEY = "practice_run"
KIND_LABELS = {"concept": "Concept check", "calculation": "Calculation", "rephrase": "Rephrase",
               "micro-roleplay": "Micro role-play"}
REASON_LABELS = {"due": "due for review", "mistake": "to fix a recent mistake", "weak": "to build a weak skill"}


def _header(report: dict[str, Any]) -> None:
    cols = st.columns(3)
    cols[0].metric("Streak", f"{report['streak_days']} day{'s' if report['streak_days'] != 1 else ''}")
    cols[1].metric("Reviews due", report["reviews_due"])
    cols[2].metric("Drills answered (all time)", report["reviews_total"])


def _start(svc: Any) -> None:
    st.write("Ten minutes a day: drills picked by spaced repetition, your recent mistakes and your weakest skills.")
    if st.button("Start today's drills", type="primary"):
        with state.user_errors("Could not start practice: "):
            items = svc.start_session()
            st.session_state[RUN_KEY] = {"items": items, "grades": {}, "pos": 0}
            st.rerun()


def _answer_form(item: Any) -> None:
    drill = item.drill
    public = item.public()
    st.markdown(f"**{KIND_LABELS.get(public['kind'], public['kind'])}** · practice `{drill.practice}` · "
                f"{REASON_LABELS.get(item.reason, item.reason)}")
    st.markdown(public["prompt"])
    fmt = getattr(drill, "answer_format", "")
    if fmt:
        st.caption(f"Answer format: {fmt}")
    with st.form(f"drill_{item.served_id}"):
        choices = public.get("choices")
        if choices:
            labels = [f"{chr(65 + n)}. {text}" for n, text in enumerate(choices)]
            picked = st.radio("Your answer", labels, index=None)
            response = picked.split(".", 1)[0] if picked else ""
        else:
            picked = None
            response = st.text_area("Your answer", height=120)
        submitted = st.form_submit_button("Check my answer", type="primary")
    if submitted:
        if not response.strip():
            st.error("Your answer is empty: pick an option or type an answer.")
            return
        run = st.session_state[RUN_KEY]
        with state.user_errors():
            run["grades"][item.served_id] = state.practice_service().answer(drill.id, response)
            run.setdefault("responses", {})[item.served_id] = picked if choices else response.strip()
            st.rerun()


def _feedback(item: Any, grade: Any) -> None:
    st.markdown(item.public()["prompt"])
    response = st.session_state[RUN_KEY].get("responses", {}).get(item.served_id)
    if response:
        st.markdown(f"**Your answer:** {response}")
    score = "" if grade.score is None else f"Score {grade.score:.0%}. "
    (st.success if grade.passed else st.error)(score + grade.feedback)
    if grade.criteria:
        st.caption("  ·  ".join(f"{':material/check:' if ok else ':material/close:'} {name}"
                               for name, ok in grade.criteria.items()))
    st.markdown(f"**Model answer:** {grade.model_answer}")
    citation_expander(grade.citation)


run: dict[str, Any] | None = st.session_state.get(RUN_KEY)
svc = state.practice_service()
st.title("Practice")
try:
    report = svc.progress()
except Exception as err:  # noqa: BLE001 - e.g. a bad time zone in settings: show, don't crash
    st.error(f"Could not read your progress: {err}")
    report = {"streak_days": 0, "reviews_due": 0, "reviews_total": 0}
_header(report)

if run is None:
    _start(svc)
else:
    items, grades = run["items"], run["grades"]
    done = len(grades)
    total = len(items)
    st.progress(done / total if total else 1.0, text=f"{done} of {total} done today")
    pos = min(run["pos"], total - 1) if total else 0
    if not total:
        st.info("No drills to serve right now.")
    elif done == total and pos == total - 1 and items[pos].served_id in grades and run.get("finished"):
        passed = sum(1 for g in grades.values() if g.passed)
        st.success(f"All {total} drills done for today: {passed} passed. Come back tomorrow to keep the streak.")
        if st.button("Practice more"):
            del st.session_state[RUN_KEY]
            st.rerun()
    else:
        item = items[pos]
        st.subheader(f"Drill {pos + 1} of {total}", anchor=False)
        if item.served_id in grades:
            _feedback(item, grades[item.served_id])
            last = pos == total - 1
            if st.button("Finish" if last else "Next drill", type="primary"):
                if last:
                    run["finished"] = True
                else:
                    run["pos"] = pos + 1
                st.rerun()
        else:
            _answer_form(item)
