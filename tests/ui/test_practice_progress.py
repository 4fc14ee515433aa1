"""Practice and Progress pages (AppTest): a drill answered with immediate feedback, the count of
today's drills, the streak, and the progress charts with human reference lines."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import button, charts, page


def _correct_answer(drill: Any) -> str:
    if getattr(drill, "choices", None) and getattr(drill, "answer", None) is not None:
        return drill.choices[drill.answer]
    if getattr(drill, "accepted", None):
        return drill.accepted[0]
    return drill.model_answer


def _answer_current(at, right: bool = True) -> Any:  # type: ignore[no-untyped-def]
    run = at.session_state["practice_run"]
    item = run["items"][run["pos"]]
    drill = item.drill
    if at.radio:
        labels = at.radio[0].options
        target = _correct_answer(drill) if right else next(
            c for n, c in enumerate(drill.choices) if n != drill.answer)
        at.radio[0].set_value(next(label for label in labels if label.endswith(f". {target}")))
    else:
        at.text_area[0].set_value(_correct_answer(drill) if right else "no idea")
    button(at, "Check my answer").click().run()
    assert not at.exception, at.exception
    return item


def test_drill_answered_gives_feedback_and_counts(app) -> None:  # type: ignore[no-untyped-def]
    from coach.practice.service import PracticeService

    page(app, "practice")
    assert [m.label for m in app.metric][:2] == ["Streak", "Reviews due"]
    button(app, "Start today's drills").click().run()
    run = app.session_state["practice_run"]
    total = len(run["items"])
    assert total >= 1
    assert app.get("progress")[0].proto.text == f"0 of {total} done today"
    item = _answer_current(app)
    grade = run["grades"][item.served_id]
    assert grade.passed, grade
    assert app.success and grade.feedback in app.success[0].value
    assert any(grade.model_answer in m.value for m in app.markdown)
    assert app.get("progress")[0].proto.text == f"1 of {total} done today"
    svc: PracticeService = app.session_state["svc:practice"]
    assert svc.store.counts()["answers"] == 1
    assert svc.progress()["streak_days"] == 1
    assert any(f"Source: `{grade.citation}`" in c.value for e in app.expander for c in e.caption)
    if total > 1:
        button(app, "Next drill").click().run()
        assert app.subheader[0].value == f"Drill 2 of {total}"


def test_empty_answer_is_a_readable_error(app) -> None:  # type: ignore[no-untyped-def]
    page(app, "practice")
    button(app, "Start today's drills").click().run()
    button(app, "Check my answer").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == ["Your answer is empty: pick an option or type an answer."]


def test_progress_page_empty_then_with_drills(app) -> None:  # type: ignore[no-untyped-def]
    page(app, "progress")
    assert [t.value for t in app.title] == ["Progress"]
    assert any("No role-plays yet" in i.value for i in app.info)
    assert any("77% of human deals Pareto-optimal" in c.value for c in app.caption)
    assert any("67% of human deals Pareto-optimal" in c.value for c in app.caption)
    page(app, "practice")
    button(app, "Start today's drills").click().run()
    _answer_current(app, right=True)
    page(app, "progress")
    assert not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Streak"] == "1 day" and metrics["Drills answered"] == "1"
    calendar = next(frames[0] for _s, frames in charts(app) if frames and "weekday" in frames[0].columns)
    assert calendar["drills"].sum() == 1
    mastery = [frames[0] for _s, frames in charts(app) if frames and "mastery" in frames[0].columns]
    report = app.session_state["svc:practice"].progress()
    learned = {k: float(v) for k, v in report["mastery"].items() if v}
    if learned:
        assert mastery and dict(zip(mastery[0]["practice"], mastery[0]["mastery"])) == learned
    else:
        assert any("Mastery is still 0" in i.value for i in app.info)


def test_human_references_come_from_the_external_eval(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from ui.state import EXTERNAL_RESULTS, human_references

    data = json.loads(EXTERNAL_RESULTS.read_text())
    refs = human_references.__wrapped__(str(EXTERNAL_RESULTS))
    assert [r["value"] for r in refs["share"]] == [
        round(100 * data[k]["mean_share_of_max_joint"], 1) for k in ("dealornodeal", "casino")]
    assert [r["value"] for r in refs["pareto"]] == [data[k]["pareto_optimal_pct"] for k in ("dealornodeal", "casino")]
    missing = human_references.__wrapped__(str(tmp_path / "none.json"))
    assert missing["share"] == [] and [r["value"] for r in missing["pareto"]] == [77.0, 67.0]
