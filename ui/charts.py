"""Vega-Lite charts drawn from coach service results (no numbers are computed here).

Every function takes the JSON-ready dicts the services return (``ZopaResult.to_dict()``,
frontier points, MESOs, role-play offers, practice progress) and returns a Vega-Lite spec
(a dict, the grammar Altair emits). The specs are written directly rather than through Altair
because building an Altair chart costs ~50 ms, a third of the 150 ms rerun budget, on every new
tool result; a dict costs well under 1 ms. Pages draw them with ``ui.components.chart``.
Free of Streamlit, so the tests check the specs directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

Spec = dict[str, Any]
DATA = "data"  # name of each chart's one named dataset (Streamlit ships it as Arrow)

# Kinds of points on the frontier plot, in legend order, with their colours and shapes.
POINT_STYLES: dict[str, tuple[str, str]] = {
    "Pareto frontier": ("#9aa5b1", "circle"),
    "Max joint value": ("#2ca02c", "diamond"),
    "Current deal": ("#d62728", "square"),
    "MESO option": ("#1f77b4", "triangle-up"),
    "Your offer": ("#1f77b4", "circle"),
    "Their offer": ("#ff7f0e", "circle"),
    "Agreement": ("#d62728", "square"),
    "Better for both": ("#2ca02c", "circle"),
    "No deal": ("#555555", "cross"),
}


def _money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return "?"
    text = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {currency}".strip() if currency else text


def _spec(rows: list[dict[str, Any]], layers: list[Spec], height: int, **extra: Any) -> Spec:
    """A layered spec over one named dataset."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "datasets": {DATA: rows},
            "data": {"name": DATA}, "layer": layers, "height": height, **extra}


# --------------------------------------------------------------------------------------------
# ZOPA bar.


def zopa_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of the ZOPA bar: my walk-away, their estimated walk-away, the zone, the first offer."""
    cur = result.get("currency")
    mine, low, high = result["mine"], result["theirs_low"], result["theirs_high"]
    rows = [
        {"row": "Your walk-away", "start": mine, "end": mine, "label": _money(mine, cur)},
        {"row": "Their walk-away (your estimate)", "start": low, "end": high,
         "label": _money(low, cur) if low == high else f"{_money(low)} – {_money(high, cur)}"},
    ]
    if result.get("exists") and result.get("low") is not None:
        rows.append({"row": "Zone of possible agreement", "start": result["low"], "end": result["high"],
                     "label": f"{_money(result['low'])} – {_money(result['high'], cur)}"})
    else:
        rows.append({"row": "Zone of possible agreement", "start": None, "end": None,
                     "label": f"none: gap of {_money(result.get('gap'), cur)}"})
    rows.append({"row": "Suggested first offer", "start": result["first_offer"], "end": result["first_offer"],
                 "label": _money(result["first_offer"], cur)})
    return rows


def zopa_chart(result: Mapping[str, Any]) -> Spec:
    """A horizontal number line: both reservation points, the zone, and the suggested first offer."""
    rows = zopa_rows(result)
    order = [r["row"] for r in rows]
    values = [v for r in rows for v in (r["start"], r["end"]) if v is not None]
    span = (max(values) - min(values)) or max(abs(max(values)), 1.0)
    scale = {"domain": [min(values) - 0.08 * span, max(values) + 0.55 * span], "nice": False}  # room for labels
    x = {"field": "start", "type": "quantitative", "scale": scale,
         "title": f"Price ({result.get('currency') or 'amount'})"}
    y = {"field": "row", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 260}}
    colour = {"field": "row", "type": "nominal", "legend": None,
              "scale": {"domain": order, "range": ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4"]}}
    tooltip = [{"field": "row", "type": "nominal"}, {"field": "label", "type": "nominal"}]
    base = {"y": y, "color": colour, "tooltip": tooltip}
    layers = [
        {"transform": [{"filter": "datum.start != null && datum.end > datum.start"}],
         "mark": {"type": "bar", "height": 16, "opacity": 0.75},
         "encoding": {**base, "x": x, "x2": {"field": "end"}}},
        {"transform": [{"filter": "datum.start != null && datum.end == datum.start"}],
         "mark": {"type": "point", "filled": True, "size": 170, "shape": "diamond"}, "encoding": {**base, "x": x}},
        {"transform": [{"filter": "datum.start != null"}], "mark": {"type": "text", "align": "left", "dx": 9, "fontSize": 12},
         "encoding": {**base, "x": {**x, "field": "end"}, "text": {"field": "label", "type": "nominal"}}},
        {"transform": [{"filter": "datum.start == null"}],
         "mark": {"type": "text", "align": "left", "fontSize": 12, "color": "#d62728"},
         "encoding": {"y": y, "x": {"value": 8}, "text": {"field": "label", "type": "nominal"}}},
    ]
    return _spec(rows, layers, 190)


# --------------------------------------------------------------------------------------------
# Pareto frontier scatter.


def _xy(point: Mapping[str, Any], parties: Sequence[str]) -> tuple[float, float]:
    scores = point.get("scores", point)
    if isinstance(scores, Mapping):
        if parties and parties[0] in scores:
            return float(scores[parties[0]]), float(scores[parties[1]])
        values = list(scores.values())
        return float(values[0]), float(values[1])
    return float(scores[0]), float(scores[1])


def frontier_rows(frontier: Iterable[Mapping[str, Any]], markers: Iterable[Mapping[str, Any]],
                  parties: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Points of the plot. ``markers``: dicts with ``kind`` (a ``POINT_STYLES`` key), ``label``,
    and ``scores`` (``{party: x}`` or ``[x, y]``), optionally ``package`` for the tooltip."""
    rows = []
    for point in frontier:
        x, y = _xy(point, parties)
        rows.append({"kind": "Pareto frontier", "x": x, "y": y, "label": "",
                     "package": _package_text(point.get("package"))})
    labelled: dict[tuple[float, float], dict[str, Any]] = {}
    for marker in markers:
        x, y = _xy(marker, parties)
        row = {"kind": marker["kind"], "x": x, "y": y, "label": marker.get("label", ""),
               "package": _package_text(marker.get("package"))}
        first = labelled.get((x, y))
        if first is not None and row["label"]:  # same spot: one combined label, not overprinted text
            first["label"] = f"{first['label']}, {row['label']}"
            row["label"] = ""
        elif row["label"]:
            labelled[(x, y)] = row
        rows.append(row)
    return rows


def _package_text(package: Any) -> str:
    if isinstance(package, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in package.items())
    return "" if package is None else str(package)


def frontier_chart(frontier: Iterable[Mapping[str, Any]], markers: Iterable[Mapping[str, Any]] = (),
                   parties: Sequence[str] = (), axis_titles: tuple[str, str] = ("You", "Them"),
                   batnas: tuple[float, float] | None = None) -> Spec:
    """The frontier as a dashed line, every other point (deal, max joint, MESOs, offers) as a marker."""
    rows = frontier_rows(frontier, markers, parties)
    present = {r["kind"] for r in rows}
    kinds = [k for k in POINT_STYLES if k in present]
    x = {"field": "x", "type": "quantitative", "title": f"Points for {axis_titles[0]}"}
    y = {"field": "y", "type": "quantitative", "title": f"Points for {axis_titles[1]}"}
    colour = {"field": "kind", "type": "nominal", "title": None,
              "scale": {"domain": kinds, "range": [POINT_STYLES[k][0] for k in kinds]},
              "legend": {"orient": "bottom", "columns": 3, "labelLimit": 140}}
    shape = {"field": "kind", "type": "nominal", "legend": None,
             "scale": {"domain": kinds, "range": [POINT_STYLES[k][1] for k in kinds]}}
    tooltip = [{"field": "kind", "type": "nominal"}, {"field": "label", "type": "nominal"},
               {"field": "x", "type": "quantitative", "format": ",.0f"},
               {"field": "y", "type": "quantitative", "format": ",.0f"}, {"field": "package", "type": "nominal"}]
    layers: list[Spec] = [
        {"transform": [{"filter": "datum.kind == 'Pareto frontier'"}],
         "mark": {"type": "line", "color": "#9aa5b1", "strokeDash": [4, 3]},
         "encoding": {"x": x, "y": y, "order": {"field": "x", "type": "quantitative"}}},
        {"mark": {"type": "point", "filled": True, "size": 90, "opacity": 0.9},
         "encoding": {"x": x, "y": y, "color": colour, "shape": shape, "tooltip": tooltip}},
        {"transform": [{"filter": "datum.label != ''"}],
         "mark": {"type": "text", "align": "left", "dx": 7, "dy": -7, "fontSize": 11},
         "encoding": {"x": x, "y": y, "text": {"field": "label", "type": "nominal"}}},
    ]
    if batnas is not None:
        rule = {"type": "rule", "strokeDash": [2, 2], "color": "#bbb"}
        walls = {"values": [{"x": batnas[0], "y": batnas[1]}]}
        layers.append({"data": walls, "mark": rule, "encoding": {"x": {"field": "x", "type": "quantitative"}}})
        layers.append({"data": walls, "mark": rule, "encoding": {"y": {"field": "y", "type": "quantitative"}}})
    return _spec(rows, layers, 360)


# --------------------------------------------------------------------------------------------
# Progress charts.


def mastery_chart(mastery: Mapping[str, int | float]) -> Spec:
    """Mastery (0-100) per practice as horizontal bars, weakest first."""
    rows = [{"practice": k, "mastery": float(v)} for k, v in mastery.items()]
    return _spec(rows, [{
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "mastery", "type": "quantitative", "title": "Mastery (0-100)", "scale": {"domain": [0, 100]}},
            "y": {"field": "practice", "type": "nominal", "sort": "x", "title": None, "axis": {"labelLimit": 220}},
            "color": {"field": "mastery", "type": "quantitative", "legend": None,
                      "scale": {"domain": [0, 100], "scheme": "greens"}},
            "tooltip": [{"field": "practice", "type": "nominal"}, {"field": "mastery", "type": "quantitative"}]}}],
        max(120, 22 * len(rows)))


def _merge_close(references: Sequence[Mapping[str, Any]], gap: float = 3.0) -> list[dict[str, Any]]:
    """Reference lines closer than ``gap`` points share one line and one label (no overlapping text)."""
    merged: list[dict[str, Any]] = []
    for ref in sorted(references, key=lambda r: float(r["value"])):
        if merged and float(ref["value"]) - merged[-1]["value"] < gap:
            merged[-1]["label"] += f" · {ref['label']}"
        else:
            merged.append({"label": str(ref["label"]), "value": float(ref["value"])})
    return merged


def share_chart(rows: Sequence[Mapping[str, Any]], references: Sequence[Mapping[str, Any]]) -> Spec:
    """Share of the maximum joint value per role-play (percent), with human reference lines.

    ``rows``: the progress report's role-play rows (``date``, ``scenario``, ``share_of_max``).
    ``references``: ``{"label", "value"}`` in percent.
    """
    data = [{"n": i + 1, "date": str(r.get("date") or "")[:10], "scenario": r.get("scenario"),
             "share": round(100 * float(r["share_of_max"]), 1)}
            for i, r in enumerate(rows) if r.get("share_of_max") is not None]
    y = {"field": "share", "type": "quantitative", "title": "Share of max joint value (%)", "scale": {"domain": [0, 100]}}
    refs = {"values": _merge_close(references)}
    layers: list[Spec] = [
        {"mark": {"type": "line", "point": True},
         "encoding": {"x": {"field": "n", "type": "ordinal", "title": "Role-play #", "axis": {"labelAngle": 0}}, "y": y,
                      "tooltip": [{"field": f, "type": t} for f, t in
                                  (("n", "ordinal"), ("date", "nominal"), ("scenario", "nominal"), ("share", "quantitative"))]}},
        {"data": refs, "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#888"},
         "encoding": {"y": {"field": "value", "type": "quantitative"}}},
        {"data": refs, "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6, "color": "#555", "fontSize": 11},
         "encoding": {"y": {"field": "value", "type": "quantitative"}, "x": {"value": 4},
                      "text": {"field": "label", "type": "nominal"}}},
    ]
    return _spec(data, layers, 280)


def streak_rows(day_counts: Mapping[date | str, int], today: date | str, weeks: int = 12) -> list[dict[str, Any]]:
    """One row per day of the last ``weeks`` weeks (Monday-based), with its drill count (ISO or date keys)."""
    counts = {date.fromisoformat(k) if isinstance(k, str) else k: v for k, v in day_counts.items()}
    end = date.fromisoformat(today) if isinstance(today, str) else today
    start = end - timedelta(days=end.weekday() + 7 * (weeks - 1))
    rows = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        rows.append({"date": day.isoformat(), "week": offset // 7, "weekday": day.strftime("%a"),
                     "drills": int(counts.get(day, 0))})
    return rows


def streak_calendar(day_counts: Mapping[date | str, int], today: date | str, weeks: int = 12) -> Spec:
    """A GitHub-style calendar: a square per day, darker with more drills answered."""
    rows = streak_rows(day_counts, today, weeks)
    top = max(3, max((r["drills"] for r in rows), default=0))
    return _spec(rows, [{
        "mark": {"type": "rect", "cornerRadius": 3, "stroke": "white", "strokeWidth": 2},
        "encoding": {
            "x": {"field": "week", "type": "ordinal", "title": None, "axis": None},
            "y": {"field": "weekday", "type": "ordinal", "title": None,
                  "sort": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]},
            "color": {"field": "drills", "type": "quantitative", "title": "Drills",
                      "scale": {"domain": [0, top], "range": ["#ebedf0", "#216e39"]},
                      "legend": {"gradientLength": 90, "tickCount": 2}},
            "tooltip": [{"field": "date", "type": "nominal"}, {"field": "drills", "type": "quantitative"}]}}], 170)


def mistakes_chart(rows: Sequence[Mapping[str, Any]]) -> Spec:
    """Mistakes per week (stacked by skill). ``rows``: ``{"week", "tag", "count"}``."""
    return _spec([dict(r) for r in rows], [{
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "week", "type": "ordinal", "title": "Week starting", "axis": {"labelAngle": 0}},
            "y": {"field": "count", "type": "quantitative", "title": "Mistakes"},
            "color": {"field": "tag", "type": "nominal", "title": "Skill"},
            "tooltip": [{"field": f, "type": t} for f, t in
                        (("week", "ordinal"), ("tag", "nominal"), ("count", "quantitative"))]}}], 240)
