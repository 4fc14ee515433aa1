"""Progress page: streak calendar, mastery per practice, share of max joint over time, mistakes trend.

Numbers come from ``PracticeService.progress()`` (streak, mastery, role-play outcomes, mistakes)
and the stored answers; the human reference lines come from ``evals/results/external.json``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from ui import charts, components, state


def _day_counts(answers: list[Any], tz: str) -> Counter[str]:
    from coach.practice.progress import zone

    local = zone(tz)
    return Counter(a.answered_at.astimezone(local).date().isoformat() for a in answers)


def _hurt_tags(tags: Any) -> list[str]:
    """Debrief tags that hurt (stored as ``{"helped": [...], "hurt": [...]}`` or a plain list)."""
    return list(tags.get("hurt") or []) if isinstance(tags, dict) else list(tags or [])


def _mistake_rows(answers: list[Any], roleplays: list[dict[str, Any]], tz: str) -> list[dict[str, Any]]:
    """Mistakes per week and skill: failed drills (by practice) plus role-play tags that hurt."""
    from coach.practice.progress import zone

    local = zone(tz)
    counts: Counter[tuple[str, str]] = Counter()

    def week_of(moment: datetime) -> str:
        day = moment.astimezone(local).date()
        return (day - timedelta(days=day.weekday())).isoformat()

    for a in answers:
        if not a.passed:
            counts[(week_of(a.answered_at), a.practice)] += 1
    for r in roleplays:
        if not r.get("date"):
            continue
        when = datetime.fromisoformat(str(r["date"]))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        for tag in _hurt_tags(r.get("tags")):
            counts[(week_of(when), tag)] += 1
    return [{"week": w, "tag": t, "count": n} for (w, t), n in sorted(counts.items())]


st.title("Progress")
svc = state.practice_service()
cfg = state.settings()
try:
    report = svc.progress()
    answers = svc.store.answers()
    today = svc.now().astimezone(ZoneInfo(cfg.timezone)).date()
except Exception as err:  # noqa: BLE001 - a readable message, never a traceback
    st.error(f"Could not read your progress: {err}")
    st.stop()

cols = st.columns(4)
cols[0].metric("Streak", f"{report['streak_days']} day{'' if report['streak_days'] == 1 else 's'}")
cols[1].metric("Drills answered", report["reviews_total"])
cols[2].metric("Reviews due", report["reviews_due"])
cols[3].metric("Role-plays", len(report["roleplays"]))

st.subheader("Streak calendar")
components.chart(charts.streak_calendar, _day_counts(answers, cfg.timezone), today.isoformat())

left, right = st.columns(2)
with left:
    st.subheader("Mastery per practice")
    learned = {k: v for k, v in report["mastery"].items() if v}
    if learned:
        components.chart(charts.mastery_chart, learned)
    elif report["reviews_total"]:
        st.info("Mastery is still 0: it grows with correct answers, reviewed over several days.")
    else:
        st.info("No mastery yet: answer a few drills on the Practice page.")
with right:
    st.subheader("Mistakes trend")
    from coach.practice.service import load_roleplay_results

    rows = _mistake_rows(answers, load_roleplay_results(svc.db, cfg.user_id), cfg.timezone)
    if rows:
        components.chart(charts.mistakes_chart, rows)
    else:
        st.info("No mistakes recorded yet.")
    if report["mistakes"]:
        top = list(report["mistakes"].items())[:5]
        st.caption("Most frequent: " + ", ".join(f"{tag} ({n})" for tag, n in top))

st.subheader("Role-play outcomes: share of the maximum joint value")
refs = state.human_references()
roleplays = report["roleplays"]
if roleplays:
    components.chart(charts.share_chart, roleplays, refs["share"])
    optimal = [r for r in roleplays if r.get("pareto_optimal") is not None]
    if optimal:
        pct = 100 * sum(1 for r in optimal if r["pareto_optimal"]) / len(optimal)
        st.caption(f"Your deals Pareto-optimal: {pct:.0f}% of {len(optimal)}. "
                   + "; ".join(r["label"] for r in refs["pareto"]) + ".")
else:
    st.info("No role-plays yet: play one on the Role-play page to see how much of the pie you find.")
    st.caption("Reference: " + "; ".join(r["label"] for r in refs["pareto"] + refs["share"]) + ".")
