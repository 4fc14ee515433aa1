"""Draw the coach's tool results (from a reply's trace): charts and tables, not only text.

Each view reads one ``{"name", "args", "result"}`` record. The frontier for the plots comes from
``coach.analysis.pareto`` on the deal sheet's table (``coach.agent.dealsheet.sheet_table``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd
import streamlit as st

from ui import charts, components

TOOL_TITLES = {"zopa": "ZOPA check", "pareto": "Pareto frontier", "find_trades": "Trades", "build_mesos": "MESOs",
               "contingent_contract": "Contingent clause", "improve_deal": "Post-settlement check",
               "update_deal_sheet": "Deal sheet update", "search_practices": "Practices searched"}


@lru_cache(maxsize=32)
def _frontier(table: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Frontier points and the max-joint point of a (hashable, frozen) table, computed once."""
    from coach.analysis.pareto import max_joint, pareto_frontier

    frontier = pareto_frontier(table)
    return [p.to_dict(table) for p in frontier], max_joint(table, frontier).to_dict(table)


def sheet_frontier(sheet: Any) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]], list[str]] | None:
    """(frontier, max joint, markers, assumptions) for the deal sheet, or None when it has too few issues."""
    from coach.agent.dealsheet import sheet_table
    from coach.analysis.scoring import package_from_choices, score
    from coach.errors import CoachError

    try:
        table, assumptions = sheet_table(sheet)
        frontier, best = _frontier(table)
    except CoachError:
        return None
    markers: list[dict[str, Any]] = [{**best, "kind": "Max joint value", "label": "max joint"}]
    mesos = (sheet.results.get("mesos") or {}).get("mesos") or []
    for n, meso in enumerate(mesos, start=1):
        markers.append({"kind": "MESO option", "label": f"MESO {n}", "scores": [meso["my_score"], meso["their_score"]],
                        "package": meso.get("package")})
    offer = sheet.current_offer
    if offer and {i.id for i in table.issues} <= set(offer):
        try:
            package = package_from_choices(table, {i.id: offer[i.id] for i in table.issues})
            markers.append({"kind": "Current deal", "label": "on the table", "scores": list(score(table, package)),
                            "package": offer})
        except CoachError:
            pass
    return frontier, best, markers, assumptions


def frontier_view(sheet: Any) -> None:
    """The Pareto plot for the live deal: frontier, current deal, max joint, MESOs."""
    found = sheet_frontier(sheet)
    if found is None:
        st.info("Add at least two issues to the deal sheet to see the Pareto frontier.")
        return
    frontier, _best, markers, assumptions = found
    components.chart(charts.frontier_chart, frontier, markers, parties=("me", "them"))
    st.caption("Approximate points from the priorities (100 = a side's best on every issue). "
               + ("Assumed: " + "; ".join(assumptions) if assumptions else ""))


def _zopa(result: dict[str, Any]) -> None:
    components.chart(charts.zopa_chart, result)
    if result.get("advice"):
        st.caption(result["advice"])


def _mesos(result: dict[str, Any], sheet: Any) -> None:
    rows = [{"MESO": n, **(m.get("package") or {}), "you": m["my_score"], "them": m["their_score"]}
            for n, m in enumerate(result.get("mesos", []), start=1)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if sheet is not None:
        frontier_view(sheet)


def _trades(result: dict[str, Any]) -> None:
    rows = []
    for n, trade in enumerate(result.get("trades", []), start=1):
        gains = trade.get("gains") or {}
        rows.append({"#": n, "move": _changes(trade), **{f"gain for {k}": v for k, v in gains.items()}})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No trade improves both sides from this package.")


def _changes(trade: dict[str, Any]) -> str:
    changes = trade.get("changes") or []
    return "; ".join(f"{c['issue']}: {c['from']} → {c['to']}" if isinstance(c, dict) else str(c) for c in changes)


def _improve(result: dict[str, Any]) -> None:
    cols = st.columns(3)
    cols[0].metric("Pareto-optimal", "yes" if result.get("pareto_optimal") else "no")
    cols[1].metric("Value left on the table", f"{result.get('value_left', 0):g}")
    share = result.get("share_of_max")
    cols[2].metric("Share of max joint", f"{share:.0%}" if share is not None else "–")
    better = result.get("better_for_both") or []
    if better:
        st.dataframe(pd.DataFrame([{**p.get("package", {}), **{f"pts {k}": v for k, v in p["scores"].items()}}
                                   for p in better]), hide_index=True, width="stretch")


def _generic(result: Any) -> None:
    st.json(result, expanded=False)


def tool_view(record: dict[str, Any], sheet: Any = None) -> None:
    """Render one tool call of a reply: its chart or table, or its error message."""
    name = record.get("name", "?")
    result: Any = record.get("result") or {}
    if isinstance(result, dict) and "error" in result and len(result) == 1:
        st.warning(f"{TOOL_TITLES.get(name, name)}: {result['error']}")
        return
    if name in ("update_deal_sheet", "search_practices"):
        return  # the reply says what was noted; passages are shown as citations
    st.markdown(f"**{TOOL_TITLES.get(name, name)}**")
    if name == "zopa":
        _zopa(result)
    elif name == "build_mesos":
        _mesos(result, sheet)
    elif name == "find_trades":
        _trades(result)
    elif name == "pareto":
        if sheet is not None:
            frontier_view(sheet)
        else:
            _generic(result)
    elif name == "improve_deal":
        _improve(result)
    else:
        _generic(result)
