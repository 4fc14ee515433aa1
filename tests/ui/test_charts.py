"""Chart specs built from service results (pure functions, no Streamlit)."""

from __future__ import annotations

from datetime import date

from ui import charts


def test_zopa_rows_without_a_zone_say_the_gap() -> None:
    from coach.analysis.zopa import zopa

    result = zopa(9000, 9500, 11000, role="buyer").to_dict()
    rows = {r["row"]: r for r in charts.zopa_rows(result)}
    assert rows["Zone of possible agreement"]["start"] is None
    assert rows["Zone of possible agreement"]["label"] == f"none: gap of {result['gap']:,.0f}"
    spec = charts.zopa_chart(result)
    assert spec["datasets"][charts.DATA] == charts.zopa_rows(result)
    assert spec["layer"][0]["encoding"]["x2"] == {"field": "end"}


def test_frontier_rows_order_axes_by_party_and_merge_labels_at_one_spot() -> None:
    frontier = [{"scores": {"a": 0, "b": 10}}, {"scores": {"a": 10, "b": 0}}]
    markers = [{"kind": "MESO option", "label": "MESO 1", "scores": [5, 5]},
               {"kind": "Max joint value", "label": "max joint", "scores": {"b": 5, "a": 5}},
               {"kind": "Your offer", "label": "T1", "scores": {"a": 8, "b": 1}, "package": {"price": "high"}}]
    rows = charts.frontier_rows(frontier, markers, parties=("a", "b"))
    assert [(r["x"], r["y"]) for r in rows] == [(0, 10), (10, 0), (5, 5), (5, 5), (8, 1)]
    assert [r["label"] for r in rows] == ["", "", "MESO 1, max joint", "", "T1"]
    assert rows[-1]["package"] == "price: high"
    spec = charts.frontier_chart(frontier, markers, parties=("a", "b"), batnas=(1.0, 2.0))
    colour = spec["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert colour == ["Pareto frontier", "Max joint value", "MESO option", "Your offer"]
    assert spec["layer"][-1]["data"] == {"values": [{"x": 1.0, "y": 2.0}]}


def test_close_reference_lines_share_one_label() -> None:
    refs = [{"label": "A", "value": 95.0}, {"label": "B", "value": 95.2}, {"label": "C", "value": 67.0}]
    assert charts._merge_close(refs) == [{"label": "C", "value": 67.0}, {"label": "A · B", "value": 95.0}]


def test_streak_rows_cover_whole_weeks_up_to_today() -> None:
    today = date(2026, 11, 25)  # a Wednesday
    rows = charts.streak_rows({"2026-11-24": 2, date(2026, 11, 2): 1}, today.isoformat(), weeks=4)
    assert rows[0]["date"] == "2026-11-02" and rows[0]["weekday"] == "Mon" and rows[0]["drills"] == 1
    assert rows[-1]["date"] == "2026-11-25" and rows[-1]["week"] == 3
    assert sum(r["drills"] for r in rows) == 3 and len(rows) == 24
