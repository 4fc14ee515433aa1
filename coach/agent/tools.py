"""The coach's tools: typed LangChain tools that wrap the engine through the deal sheet.

Each tool reads (and may store a result in) the session's ``DealSheet`` held by a
``ToolContext``. Numbers come only from ``coach.analysis``; the point tables come from the
sheet's priorities via ``priorities.table_from_priorities``. Bad arguments raise a pydantic
``ValidationError`` or a ``CoachError`` with a one-line message: the tool loop sends it back to
the model as a correctable tool error (never a traceback); the offline engine reports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from coach.agent.dealsheet import (
    DealSheet,
    DealSheetUpdate,
    Role,
    Side,
    apply_update,
    sheet_table,
    with_result,
)
from coach.errors import AnalysisError, CoachError
from coach.llm.agent_loop import ToolCallRecord

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

    from coach.domain import Package, Table

PASSAGE_CHARS = 700  # text of a passage handed to the model
POINTS_NOTE = "approximate points from the priorities: 100 = a side's best package on every issue"
STAKE_SHARE = 0.05  # illustrative contingent stake: this share of the deal's price


class ToolArgs(BaseModel):
    """Base of every tool's arguments: unknown fields are errors the model can correct."""

    model_config = ConfigDict(extra="forbid")


class SearchArgs(ToolArgs):
    query: str = Field(min_length=2, max_length=300, description="what to look up, in plain words")
    k: int = Field(default=4, ge=1, le=6, description="how many passages")


class ZopaArgs(ToolArgs):
    reservation: float | None = Field(default=None, description="my walk-away number; default: the deal sheet's")
    their_low: float | None = Field(default=None, description="their reservation estimate, low end; default: sheet")
    their_high: float | None = Field(default=None, description="their reservation estimate, high end; default: sheet")
    role: Role | None = Field(default=None, description="my role: buyer or seller; default: the sheet's")


class EmptyArgs(ToolArgs):
    pass


class TradesArgs(ToolArgs):
    current: dict[str, str] | None = Field(
        default=None, description="issue id -> option of the package on the table; default: the sheet's current "
                                  "offer, else the middle option of every issue")
    limit: int = Field(default=5, ge=1, le=10)


class MesoArgs(ToolArgs):
    k: int = Field(default=3, ge=2, le=5, description="how many equivalent offers")
    tolerance: float | None = Field(default=None, ge=0, le=50, description="allowed spread of my points")


class ContingentArgs(ToolArgs):
    outcome: str | None = Field(default=None, description="the uncertain event; default: the first forecast that differs")
    my_probability: float | None = Field(default=None, ge=0, le=1)
    their_probability: float | None = Field(default=None, ge=0, le=1)
    pay_if_true: float | None = Field(default=None, description="what they pay me if the event happens (negative: I pay)")
    pay_if_false: float | None = Field(default=None, description="what they pay me if it does not happen")
    controlled_by: Side | None = Field(default=None, description="who can influence the outcome, if anyone")
    measurable: bool = True
    verifiable: bool = True


class ImproveArgs(ToolArgs):
    agreed: dict[str, str] = Field(description="the agreed package: issue id -> option, every issue")


# The loop and the offline engine record tool calls the same way.
ToolRecord = ToolCallRecord


@dataclass
class ToolContext:
    """Mutable per-turn state the tools share: the current sheet, the knowledge base, passages seen."""

    sheet: DealSheet
    kb: Any | None = None
    passages: dict[str, Any] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)

    def store(self, name: str, result: dict[str, Any]) -> dict[str, Any]:
        self.sheet = with_result(self.sheet, name, result)
        return result


# --------------------------------------------------------------------------------------------
# Engine wrappers (plain functions; the LangChain tools below are thin shells around them).


def search_practices(ctx: ToolContext, query: str, k: int = 4) -> dict[str, Any]:
    """Search the practices library; cite passages by their bracketed id, e.g. [meso#how-to-do-it]."""
    if ctx.kb is None:
        raise CoachError("search_practices: the knowledge base is not available in this session")
    found = ctx.kb.search(query, k=k)
    for passage in found:
        ctx.passages[passage.id] = passage
    return {"passages": [{"id": p.id, "title": p.title, "section": p.section, "text": _clip(p.text)} for p in found]}


def update_deal_sheet(ctx: ToolContext, **fields: Any) -> dict[str, Any]:
    """Record deal facts the user stated: issues, priorities, BATNA, reservation, target, their likely
    limit, forecasts (0..1), interests and why, questions. Only what the user said."""
    from coach.agent.progress import progress

    update = DealSheetUpdate.model_validate(fields)
    ctx.sheet, changed = apply_update(ctx.sheet, update)
    ctx.changes.extend(changed)
    return {"changed": changed, "progress": progress(ctx.sheet)}


def zopa(ctx: ToolContext, reservation: float | None = None, their_low: float | None = None,
         their_high: float | None = None, role: str | None = None) -> dict[str, Any]:
    """Zone of possible agreement on the price: my reservation vs my estimate of theirs. Missing
    arguments are taken from the deal sheet. Returns the zone, its width, probability, a first offer."""
    from coach.analysis.zopa import zopa as engine_zopa

    sheet = ctx.sheet
    mine = reservation if reservation is not None else sheet.reservation
    low = their_low if their_low is not None else sheet.their_reservation_low
    high = their_high if their_high is not None else sheet.their_reservation_high
    if low is None and high is not None:
        low = high
    side = role or sheet.role
    missing = [name for name, value in (("reservation", mine), ("their_low", low), ("role", side)) if value is None]
    if missing:
        raise AnalysisError(f"zopa: missing {', '.join(missing)}; ask the user (my walk-away number, an estimate of "
                            "their limit, and whether I am buying or selling) or pass the arguments")
    result = engine_zopa(float(mine), float(low), None if high is None else float(high), role=side)  # type: ignore[arg-type]
    data = {**result.to_dict(), "currency": sheet.currency}
    return ctx.store("zopa", data)


def _table(ctx: ToolContext) -> tuple[Table, list[str]]:
    return sheet_table(ctx.sheet)


def pareto(ctx: ToolContext) -> dict[str, Any]:
    """Pareto frontier of the deal sheet's issues (approximate points from priorities): size, the
    max-joint package, the Nash package and each issue's kind (compatible/distributive/integrative)."""
    from coach.analysis.issues import issue_kind
    from coach.analysis.pareto import max_joint, nash_point, pareto_frontier

    table, assumptions = _table(ctx)
    frontier = pareto_frontier(table)
    nash = nash_point(table, frontier)
    data = {"frontier_size": len(frontier), "max_joint": max_joint(table, frontier).to_dict(table),
            "nash": nash.to_dict(table) if nash else None,
            "issue_kinds": {issue.id: issue_kind(issue) for issue in table.issues},
            "points": POINTS_NOTE, "assumptions": assumptions}
    return ctx.store("pareto", data)


def _start_package(table: Table, sheet: DealSheet, current: dict[str, str] | None) -> Package:
    from coach.analysis.scoring import package_from_choices

    choices = current or sheet.current_offer
    if choices and set(choices) >= {i.id for i in table.issues}:
        return package_from_choices(table, {i.id: choices[i.id] for i in table.issues})
    if current:
        missing = [i.id for i in table.issues if i.id not in current]
        raise AnalysisError(f"current: give an option for every issue (missing: {', '.join(missing)})")
    return tuple(len(issue.options) // 2 for issue in table.issues)


def find_trades(ctx: ToolContext, current: dict[str, str] | None = None, limit: int = 5) -> dict[str, Any]:
    """Logroll trades from a package (default: the current offer, else the middle of every issue):
    moves on one or two issues that make both sides better off, best first."""
    from coach.analysis.scoring import package_to_dict, score, scores_to_dict
    from coach.analysis.trades import find_trades as engine_trades

    table, assumptions = _table(ctx)
    start = _start_package(table, ctx.sheet, current)
    trades = engine_trades(table, start, limit=limit)
    data = {"from": package_to_dict(table, start), "from_scores": scores_to_dict(table, score(table, start)),
            "trades": [t.to_dict(table) for t in trades], "points": POINTS_NOTE, "assumptions": assumptions}
    return ctx.store("trades", data)


def build_mesos(ctx: ToolContext, k: int = 3, tolerance: float | None = None) -> dict[str, Any]:
    """Draft k multiple equivalent simultaneous offers (MESOs): packages of equal value to me that
    differ for them, from my priorities and my estimate of theirs."""
    from coach.analysis.meso import build_mesos as engine_mesos

    table, assumptions = _table(ctx)
    mesos = engine_mesos(table, 0, k=k, tolerance=tolerance)
    data = {"mesos": [m.to_dict(table) for m in mesos], "points": POINTS_NOTE, "assumptions": assumptions}
    return ctx.store("mesos", data)


def _reference_price(sheet: DealSheet) -> float | None:
    for value in (sheet.target, sheet.reservation, sheet.their_reservation_high, sheet.their_reservation_low):
        if value:
            return abs(value)
    return None


def illustrative_payments(mine: float, theirs: float, stake: float) -> tuple[float, float]:
    """Payments (if true, if false) that both sides expect to win under their own beliefs.

    The clause is fair at the midpoint belief q: the side more optimistic about the event is paid
    ``stake * (1-q)/q`` if it happens and pays ``stake`` if not.
    """
    q = (mine + theirs) / 2
    if q <= 0 or q >= 1 or math.isclose(mine, theirs):
        raise AnalysisError("contingent_contract: beliefs agree (or are certain), so no bet helps both; "
                            "give pay_if_true and pay_if_false to evaluate a specific clause")
    bonus = round(stake * (1 - q) / q, 2)
    return (bonus, -stake) if mine > theirs else (-bonus, stake)


def contingent_contract(ctx: ToolContext, outcome: str | None = None, my_probability: float | None = None,
                        their_probability: float | None = None, pay_if_true: float | None = None,
                        pay_if_false: float | None = None, controlled_by: str | None = None,
                        measurable: bool = True, verifiable: bool = True) -> dict[str, Any]:
    """Evaluate a contingent clause (a bet on an uncertain outcome where forecasts differ): each
    side's expected value under its own belief, whether it creates value, and risk flags."""
    from coach.analysis.contingent import binary_contingent

    forecast = next((f for f in ctx.sheet.forecasts if outcome is None or f.outcome == outcome), None)
    mine = my_probability if my_probability is not None else (forecast.my_probability if forecast else None)
    theirs = their_probability if their_probability is not None else (forecast.their_probability if forecast else None)
    event = outcome or (forecast.outcome if forecast else None)
    missing = [n for n, v in (("outcome", event), ("my_probability", mine), ("their_probability", theirs)) if v is None]
    if missing:
        raise AnalysisError(f"contingent_contract: missing {', '.join(missing)}; ask how likely each side thinks "
                            "the outcome is (0..1)")
    illustrative = pay_if_true is None or pay_if_false is None
    if illustrative:
        price = _reference_price(ctx.sheet)
        if price is None:
            raise AnalysisError("contingent_contract: give pay_if_true and pay_if_false, or record a price "
                                "(reservation or target) so an illustrative stake can be sized")
        stake = float(f"{price * STAKE_SHARE:.2g}")
        pay_if_true, pay_if_false = illustrative_payments(float(mine), float(theirs), stake)  # type: ignore[arg-type]
    result = binary_contingent(str(event), float(mine), float(theirs), float(pay_if_true), float(pay_if_false),  # type: ignore[arg-type]
                               parties=("me", "them"), measurable=measurable, verifiable=verifiable,
                               controlled_by=controlled_by)
    data = {**result.to_dict(), "clause": {"outcome": event, "pay_if_true": pay_if_true, "pay_if_false": pay_if_false,
                                           "illustrative": illustrative, "currency": ctx.sheet.currency}}
    return ctx.store("contingent", data)


def improve_deal(ctx: ToolContext, agreed: dict[str, str]) -> dict[str, Any]:
    """Post-settlement check of an agreed package: is it Pareto-optimal, value left on the table,
    and packages better for both (approximate points from the deal sheet's priorities)."""
    from coach.analysis.deal import check_deal
    from coach.analysis.scoring import package_from_choices

    table, assumptions = _table(ctx)
    package = package_from_choices(table, {_issue_key(table, k): v for k, v in agreed.items()})
    data = {**check_deal(table, package).to_dict(table), "points": POINTS_NOTE, "assumptions": assumptions}
    return ctx.store("improve_deal", data)


def _issue_key(table: Table, key: str) -> str:
    from coach.agent.dealsheet import slugify

    ids = [i.id for i in table.issues]
    return key if key in ids else slugify(key)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PASSAGE_CHARS else text[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"


# --------------------------------------------------------------------------------------------
# LangChain shells.

_SPECS: tuple[tuple[str, Callable[..., dict[str, Any]], type[BaseModel]], ...] = (
    ("search_practices", search_practices, SearchArgs),
    ("update_deal_sheet", update_deal_sheet, DealSheetUpdate),
    ("zopa", zopa, ZopaArgs),
    ("pareto", pareto, EmptyArgs),
    ("find_trades", find_trades, TradesArgs),
    ("build_mesos", build_mesos, MesoArgs),
    ("contingent_contract", contingent_contract, ContingentArgs),
    ("improve_deal", improve_deal, ImproveArgs),
)
TOOL_NAMES = tuple(name for name, _, _ in _SPECS)


def _compact(node: Any, defs: dict[str, Any]) -> Any:
    """A JSON schema without titles, ``$ref``s, null branches or null defaults (fewer prompt tokens)."""
    if isinstance(node, list):
        return [_compact(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = dict(defs[node["$ref"].rsplit("/", 1)[-1]])
        target.pop("description", None)  # the nested model's docstring repeats the field description
        return _compact({**target, **{k: v for k, v in node.items() if k != "$ref"}}, defs)
    branches = node.get("anyOf")
    if branches and any(b.get("type") == "null" for b in branches):
        kept = [b for b in branches if b.get("type") != "null"]
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        node = {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}
    out = {}
    for key, value in node.items():
        if key in ("title", "$defs", "additionalProperties", "minLength", "maxLength") or \
                (key == "default" and value in (None, [], {})):
            continue
        out[key] = {k: _compact(v, defs) for k, v in value.items()} if key == "properties" else _compact(value, defs)
    return out


@cache
def tool_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The compact JSON schema the model sees for a tool's arguments (cached per process).

    Validation still uses the pydantic model, so a schema simplification never loosens a check.
    """
    full = model.model_json_schema()
    schema = _compact(full, full.get("$defs", {}))
    schema.pop("description", None)
    schema["type"] = "object"
    schema.setdefault("properties", {})
    return schema


def build_tools(ctx: ToolContext, names: tuple[str, ...] = TOOL_NAMES) -> list[BaseTool]:
    """The tools bound to ``ctx``; each one's docstring is its description for the model."""
    from langchain_core.tools import StructuredTool

    tools: list[BaseTool] = []
    for name, func, schema in _SPECS:
        if name not in names:
            continue

        def run(_func: Callable[..., dict[str, Any]] = func, _schema: type[BaseModel] = schema,
                **kwargs: Any) -> dict[str, Any]:
            args = _schema.model_validate(kwargs).model_dump(exclude_unset=True)
            return _func(ctx, **args)

        doc = " ".join((func.__doc__ or name).split())
        tools.append(StructuredTool.from_function(func=run, name=name, description=doc,
                                                  args_schema=tool_schema(schema), infer_schema=False))
    return tools


def invoke_tool(tools: dict[str, BaseTool], name: str, args: dict[str, Any]) -> ToolRecord:
    """Run one tool like the model's tool loop does; errors become a short message, not an exception."""
    from coach.llm.agent_loop import tool_error_text

    tool = tools.get(name)
    if tool is None:
        return ToolRecord(name, args, None, f"unknown tool {name!r}")
    try:
        return ToolRecord(name, args, tool.invoke(args))
    except Exception as err:  # noqa: BLE001 - a tool error is reported, never raised into the reply
        return ToolRecord(name, args, None, tool_error_text(err))
