"""Tools: typed LangChain tools over the engine; argument errors come back as correctable messages."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.agent.dealsheet import DealSheet, DealSheetUpdate, apply_update, sheet_table
from coach.agent.tools import (
    TOOL_NAMES,
    ToolContext,
    build_tools,
    illustrative_payments,
    invoke_tool,
)
from coach.analysis.contingent import binary_contingent
from coach.analysis.meso import build_mesos
from coach.analysis.scoring import package_to_dict
from coach.analysis.trades import find_trades
from coach.analysis.zopa import zopa

DEAL = {"role": "seller", "currency": "USD", "reservation": 100_000, "target": 140_000,
        "their_reservation_low": 110_000, "their_reservation_high": 130_000,
        "issues": [{"name": "price"}, {"name": "term", "options": ["1y", "2y", "3y"]},
                   {"name": "support", "options": ["basic", "premium"]}],
        "priorities": [{"issue": "price", "side": "me", "level": "High"}, {"issue": "price", "side": "them", "level": "Low"},
                       {"issue": "term", "side": "me", "level": "Low"}, {"issue": "term", "side": "them", "level": "High"},
                       {"issue": "support", "side": "me", "level": "Medium"},
                       {"issue": "support", "side": "them", "level": "Medium"}],
        "forecasts": [{"outcome": "on-time delivery", "my_probability": 0.9, "their_probability": 0.6}]}


def _ctx(**update: Any) -> tuple[ToolContext, dict[str, Any]]:
    sheet = apply_update(DealSheet(), DealSheetUpdate.model_validate(update))[0] if update else DealSheet()
    ctx = ToolContext(sheet=sheet)
    return ctx, {t.name: t for t in build_tools(ctx)}


def test_tools_are_typed_and_described() -> None:
    _, tools = _ctx()
    assert tuple(tools) == TOOL_NAMES
    for tool in tools.values():
        assert len(tool.description) > 40
        assert tool.args_schema is not None
    assert "reservation" in tools["zopa"].tool_call_schema["properties"]


def test_zopa_uses_the_sheet_and_equals_the_engine() -> None:
    ctx, tools = _ctx(**DEAL)
    record = invoke_tool(tools, "zopa", {})
    expected = zopa(100_000, 110_000, 130_000, role="seller").to_dict()
    assert record.error is None
    assert {k: record.result[k] for k in expected} == expected
    assert ctx.sheet.results["zopa"]["first_offer"] == expected["first_offer"]


@pytest.mark.parametrize(("args", "message"), [
    ({"role": "boss"}, "role"),
    ({"reservation": "lots"}, "reservation"),
    ({"unknown": 1}, "unknown"),
])
def test_bad_arguments_become_messages(args: dict[str, Any], message: str) -> None:
    _, tools = _ctx(**DEAL)
    record = invoke_tool(tools, "zopa", args)
    assert record.result is None
    assert record.error is not None and message in record.error and "Traceback" not in record.error


def test_missing_facts_name_what_to_ask() -> None:
    _, tools = _ctx()
    record = invoke_tool(tools, "zopa", {})
    assert "missing reservation, their_low, role" in (record.error or "")
    assert "add at least 2" in (invoke_tool(tools, "build_mesos", {}).error or "")


def test_trades_and_mesos_equal_the_engine() -> None:
    ctx, tools = _ctx(**DEAL)
    table, _ = sheet_table(ctx.sheet)
    trades = invoke_tool(tools, "find_trades", {"limit": 3}).result
    start = tuple(len(i.options) // 2 for i in table.issues)
    assert trades["from"] == package_to_dict(table, start)
    assert trades["trades"] == [t.to_dict(table) for t in find_trades(table, start, limit=3)]
    mesos = invoke_tool(tools, "build_mesos", {}).result
    assert mesos["mesos"] == [m.to_dict(table) for m in build_mesos(table, 0, k=3)]
    assert len(mesos["mesos"]) == 3
    assert set(ctx.sheet.results) == {"trades", "mesos"}


def test_update_deal_sheet_tool_is_the_way_in() -> None:
    ctx, tools = _ctx()
    record = invoke_tool(tools, "update_deal_sheet", {"reservation": 5, "priorities": [
        {"issue": "term", "side": "them", "level": "High"}]})
    assert record.result["changed"] == ["reservation", "priority:them:term"]
    assert ctx.sheet.reservation == 5
    bad = invoke_tool(tools, "update_deal_sheet", {"reservation": 6, "priorities": [{"issue": "x", "side": "us",
                                                                                   "level": "High"}]})
    assert bad.error is not None and "priorities" in bad.error
    assert ctx.sheet.reservation == 5  # a rejected update changes nothing


def test_contingent_default_clause_creates_value() -> None:
    _, tools = _ctx(**DEAL)
    result = invoke_tool(tools, "contingent_contract", {}).result
    clause = result["clause"]
    engine = binary_contingent("on-time delivery", 0.9, 0.6, clause["pay_if_true"], clause["pay_if_false"],
                               parties=("me", "them")).to_dict()
    assert result["expected_values"] == engine["expected_values"]
    assert result["creates_value"] and clause["illustrative"]


def test_improve_deal_reports_better_packages() -> None:
    _, tools = _ctx(**DEAL)
    record = invoke_tool(tools, "improve_deal", {"agreed": {"price": "middle", "term": "2y", "support": "basic"}})
    assert record.error is None
    assert record.result["pareto_optimal"] is False and record.result["better_for_both"]
    missing = invoke_tool(tools, "improve_deal", {"agreed": {"price": "middle"}})
    assert "term" in (missing.error or "")


@given(st.floats(0.01, 0.99), st.floats(0.01, 0.99), st.floats(1, 1e6))
def test_illustrative_payments_help_both_sides(mine: float, theirs: float, stake: float) -> None:
    if abs(mine - theirs) < 0.05:
        return
    t, f = illustrative_payments(mine, theirs, stake)
    result = binary_contingent("e", mine, theirs, t, f)
    assert result.creates_value
