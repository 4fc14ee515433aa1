"""Role-play page (AppTest): play to the debrief, offers drawn on the frontier, rewind, uploads."""

from __future__ import annotations

from tests.ui.conftest import button, charts, page

GOOD_YAML = b"""
id: tiny-deal
title: Tiny deal
context: test
parties:
  - {id: a, name: Ann, role: Buyer, brief: You buy., batna: 0}
  - {id: b, name: Bob, role: Seller, brief: You sell., batna: 0}
issues:
  - id: price
    name: Price
    options: [low, high]
    points: {a: [10, 0], b: [0, 10]}
  - id: speed
    name: Speed
    options: [slow, fast]
    points: {a: [0, 5], b: [8, 0]}
"""
BAD_YAML = GOOD_YAML.replace(b"points: {a: [10, 0], b: [0, 10]}", b"points: {a: [10, 0, 3], b: [0, 10]}")


def _start(at, scenario_id: str = "saas-sale"):  # type: ignore[no-untyped-def]
    page(at, "roleplay")
    at.selectbox(key="rp_library_id").set_value(scenario_id).run()
    button(at, "Start the role-play").click().run()
    assert not at.exception
    return at.session_state["rp_session"]


def test_play_to_debrief_with_offers_on_the_frontier(app) -> None:  # type: ignore[no-untyped-def]
    from coach.roleplay.debrief import Calibration, debrief

    session = _start(app)
    assert any("Turn **0**" in m.value and "Opening" in m.value for m in app.markdown)
    app.chat_input[0].set_value("What matters most to you in this deal, and why?").run()
    assert session.turn_count == 1
    issue = session.table.issues[0]
    app.selectbox(key=f"rp_offer_0_{issue.id}").set_value(issue.options[0])
    button(app, "Send offer").click().run()
    assert not app.exception
    assert session.turn_count == 2 and session.turns[-1].offered
    assert any("Turn **2**" in m.value for m in app.markdown)
    tracker = app.dataframe[0].value
    assert (tracker["from"] == "You").sum() == 1 and issue.name in tracker.columns
    button(app, "End and debrief").click().run()
    app.slider[0].set_value(40)
    button(app, "Reveal the debrief").click().run()
    assert not app.exception and not app.error
    result = app.session_state["rp_result"]
    expected = debrief(session, Calibration(own_share=0.4, top_priorities=()))
    assert result["share_of_max"] == expected["share_of_max"]
    assert result["value_left"] == expected["value_left"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Value left on the table"] == f"{expected['value_left']:g}"
    frames = [f for _s, fs in charts(app) for f in fs if "kind" in f.columns]
    frontier = max(frames, key=len)  # the layer with every point
    offered = sum(len(t.offered) for t in session.turns)
    assert (frontier["kind"] == "Your offer").sum() == offered
    assert (frontier["kind"] == "Pareto frontier").sum() > 0
    captions = [c.value for e in app.expander for c in e.caption]
    assert any(c.startswith(f"Source: `{expected['citations'][0]}`") for c in captions)


def test_rewind_to_a_turn_starts_a_branch(app) -> None:  # type: ignore[no-untyped-def]
    session = _start(app, "used-car")
    app.chat_input[0].set_value("What matters most to you?").run()
    app.chat_input[0].set_value("I can pay $6,900").run()
    assert session.turn_count == 2
    button(app, "Rewind to before turn 2").click().run()
    assert not app.exception
    assert session.current != "main" and session.turn_count == 1
    assert any("Rewound to after turn 1" in i.value for i in app.info)
    app.chat_input[0].set_value("I can pay $7,200").run()
    assert session.turn_count == 2 and session.turns[-1].user_text == "I can pay $7,200"
    assert session.branches["main"].turns[-1].user_text == "I can pay $6,900"


def test_bad_scenario_upload_shows_the_validation_message(app) -> None:  # type: ignore[no-untyped-def]
    from coach.errors import ScenarioError
    from coach.scenario import parse_scenario_text

    page(app, "roleplay")
    app.radio(key="rp_source").set_value("Upload a scenario (YAML)").run()
    app.file_uploader[0].set_value(("broken.yaml", BAD_YAML, "application/x-yaml")).run()
    assert not app.exception
    try:
        parse_scenario_text(BAD_YAML.decode(), "broken.yaml")
    except ScenarioError as err:
        expected = str(err)
    assert [e.value for e in app.error] == [expected]
    assert "price" in expected
    app.file_uploader[0].set_value(("tiny.yaml", GOOD_YAML, "application/x-yaml")).run()
    assert not app.error
    assert any(m.value == "### Tiny deal" for m in app.markdown)


def test_not_yaml_upload_is_a_message(app) -> None:  # type: ignore[no-untyped-def]
    page(app, "roleplay")
    app.radio(key="rp_source").set_value("Upload a scenario (YAML)").run()
    app.file_uploader[0].set_value(("oops.yaml", b"id: [unclosed", "application/x-yaml")).run()
    assert not app.exception
    assert app.error and app.error[0].value.startswith("oops.yaml:")


def test_debrief_result_reaches_the_progress_page(app) -> None:  # type: ignore[no-untyped-def]
    from coach.store.roleplay import roleplay_results

    session = _start(app, "used-car")
    app.chat_input[0].set_value("I can pay $6,900").run()
    button(app, "End and debrief").click().run()
    button(app, "Reveal the debrief").click().run()
    rows = roleplay_results(app.session_state["svc:coach"].deps.store.db, "local")
    assert [r["scenario"] for r in rows] == ["used-car"]
    assert rows[0]["share_of_max"] == app.session_state["rp_result"]["share_of_max"]
    page(app, "progress")
    assert not app.error
    assert {m.label: m.value for m in app.metric}["Role-plays"] == "1"
    assert session.turn_count == 1


def test_from_my_live_deal(app) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.conftest import EXAMPLE_DEAL

    page(app, "roleplay")
    app.radio(key="rp_source").set_value("From my live deal").run()
    assert any("cannot become a scenario yet" in i.value for i in app.info)
    page(app, "live_deal")
    app.chat_input[0].set_value(EXAMPLE_DEAL).run()
    page(app, "roleplay")
    assert not app.error
    assert any(m.value.startswith("### Rehearsal:") for m in app.markdown)
    button(app, "Start the role-play").click().run()
    assert app.session_state["rp_session"].scenario.context == "live-deal"
