"""The embedded offline coach: deterministic, fast, always available, clearly labelled.

One turn: route the intent (practice question, live-deal facts, analysis request, prep sheet),
fill slots through the ``update_deal_sheet`` tool, run the same engine tools the model would,
compose a short reply from retrieved passages with ``[chunk-id]`` citations and the tool
results, and end with the diagnostic question of the first unmet checklist item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from coach.agent.dealsheet import DealSheet
from coach.agent.describe import describe_result, money
from coach.agent.progress import first_unmet
from coach.agent.slots import fill_slots
from coach.agent.tools import ToolContext, ToolRecord, build_tools, invoke_tool

FOOTER = "_(offline coach)_"
QUESTION_PASSAGES = 2

_PREP = re.compile(r"\bprep(?:aration)?[\s-]*sheet\b|\bone[\s-]*pager\b|\bprepare me\b|\bexport\b|"
                   r"\bsummar(?:y|ise|ize)\s+(?:of\s+)?(?:my|our|the)\s+(?:deal|prep)", re.IGNORECASE)
_ANALYSIS = {
    "zopa": re.compile(r"\bzopa\b|zone of (?:possible )?agreement|bargaining (?:zone|range)|is there (?:room|a deal)", re.IGNORECASE),
    "pareto": re.compile(r"\bpareto\b|\bfrontier\b|\bnash\b|max(?:imum)? joint|efficient (?:deal|package)", re.IGNORECASE),
    "find_trades": re.compile(r"\btrades?\b|\blogroll|\bswap\b|what (?:can|could) (?:i|we) (?:give|trade)", re.IGNORECASE),
    "build_mesos": re.compile(r"\bmesos?\b|equivalent (?:simultaneous )?offers|(?:three|3|several) (?:offers|packages)", re.IGNORECASE),
    "contingent_contract": re.compile(r"\bcontingen|\bearn[\s-]?out|\bbet\b|\bclawback|\bbonus clause", re.IGNORECASE),
    "improve_deal": re.compile(r"\b(?:we|i) (?:agreed|settled|signed)\b|\bpost[\s-]?settlement\b|"
                               r"\bimprove (?:the|our|my) (?:deal|agreement)\b", re.IGNORECASE),
}
_VERBS = (r"(?:run|check|build|draft|find|compute|calculate|make|create|show|give|suggest|propose|generate|update|"
          r"analy[sz]e|prepare|try|work out|figure out|look for|evaluate|assess|improve|review)")
_IMPERATIVE = re.compile(r"^\s*is\s+there\b|(?:^|[.!?]\s+)(?:(?:please|ok|okay|now|so|and)[\s,]+)*(?:(?:can|could|would|will)\s+(?:you|we)\s+|"
                         r"let'?s\s+|i\s+(?:want|need|would like)\s+(?:you\s+)?to\s+|help\s+me\s+)?" + _VERBS + r"\b|"
                         r"\b(?:my|our|this)\s+(?:\w+\s+)?(?:deal|negotiation|numbers|case|situation|sheet|offer)\b|\bfor (?:me|us)\b", re.IGNORECASE)
_QUESTION = re.compile(r"^\s*(?:what|why|how|when|where|which|who|should|is|are|does|do|can|could|would|explain|"
                       r"tell me|define)\b|\?\s*$", re.IGNORECASE)
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|thanks|thank you|ok|okay|good (?:morning|afternoon|evening))\b[\s!.]*$", re.IGNORECASE)
_AGREED = re.compile(r"(?P<issue>[\w -]{2,30}?)\s*=\s*(?P<option>[^,;.?!\n]+)")
_AGREED_COLON = re.compile(r"(?P<issue>[\w -]{2,30}?)\s*:\s*(?P<option>[^,;.?!\n]+)")
_SECTION_FOR = {"zopa": "map-the-zopa#how-to-do-it", "pareto": "package-deals#why-it-works",
                "find_trades": "logrolling#how-to-do-it", "build_mesos": "meso#how-to-do-it",
                "contingent_contract": "contingent-contracts#how-to-do-it", "improve_deal": "post-settlement#how-to-do-it",
                "update_deal_sheet": None, "search_practices": None}


@dataclass
class OfflineResult:
    """What the offline engine produced for one turn."""

    text: str
    citations: list[str]
    tool_calls: list[ToolRecord]
    sheet: DealSheet
    intents: list[str] = field(default_factory=list)


def route(message: str, found_facts: bool) -> list[str]:
    """Intents of a message, in the order they are handled: facts, analysis tools, prep, question."""
    intents: list[str] = ["facts"] if found_facts else []
    if _PREP.search(message):
        return intents + ["prep"]
    is_question = message.rstrip().endswith("?") or (bool(_QUESTION.search(message)) and not found_facts)
    wants_action = bool(_IMPERATIVE.search(message))
    tools = [name for name, pattern in _ANALYSIS.items() if pattern.search(message)]
    if tools and (wants_action or not is_question):
        intents += [f"tool:{name}" for name in tools]
    elif is_question or (not found_facts and not _GREETING.search(message)):
        intents.append("question")
    return intents or ["greeting"]


class OfflineCoach:
    """The deterministic coach. Stateless: every call gets the sheet and returns the new one."""

    def __init__(self, kb: Any | None, mode: str = "live") -> None:
        self.kb = kb
        self.mode = mode

    def respond(self, message: str, sheet: DealSheet) -> OfflineResult:
        """Answer one message: slot filling, tools, passages, next diagnostic question."""
        ctx = ToolContext(sheet=sheet, kb=self.kb)
        tools = {t.name: t for t in build_tools(ctx)}
        records: list[ToolRecord] = []
        parts: list[str] = []
        citations: list[str] = []
        fill = fill_slots(message, sheet) if self.mode == "live" else None
        intents = route(message, bool(fill and fill.found))
        if fill and fill.found:
            record = invoke_tool(tools, "update_deal_sheet", fill.update.model_dump(exclude_defaults=True))
            records.append(record)
            parts.append(self._noted(record, ctx.sheet))
            records += self._auto_tools(tools, ctx, record, intents)
        for intent in intents:
            if intent.startswith("tool:"):
                name = intent.split(":", 1)[1]
                records.append(invoke_tool(tools, name, self._args_for(name, message)))
            elif intent == "prep":
                records += self._prep_tools(tools, ctx)
        for record in records:
            if record.name != "update_deal_sheet" and "prep" not in intents:
                parts.append(self._describe(record, ctx.sheet, citations))
        if "prep" in intents:
            from coach.agent.prepsheet import prep_sheet_markdown

            parts.append(prep_sheet_markdown(ctx.sheet))
            for record in records:
                if record.error:
                    parts.append(f"**{record.name.replace('_', ' ')}:** not yet — {record.error}")
                else:
                    self._cite(_SECTION_FOR.get(record.name), citations)
        if "question" in intents or "greeting" in intents and not records:
            parts.append(self._answer(message, tools, records, citations, greeting="greeting" in intents))
        parts.append(self._next_question(ctx.sheet, citations))
        parts.append(FOOTER)
        text = "\n\n".join(p for p in parts if p)
        return OfflineResult(text, list(dict.fromkeys(citations)), records, ctx.sheet, intents)

    # -- tools ---------------------------------------------------------------------------------
    def _auto_tools(self, tools: dict[str, Any], ctx: ToolContext, update: ToolRecord,
                    intents: list[str]) -> list[ToolRecord]:
        """Run the engine when a fact that feeds it just arrived (ZOPA, contingent clause)."""
        changed = set((update.result or {}).get("changed", []))
        sheet = ctx.sheet
        out: list[ToolRecord] = []
        zopa_inputs = {"reservation", "their_reservation_low", "their_reservation_high", "role"}
        ready = sheet.reservation is not None and sheet.their_reservation_low is not None and sheet.role
        if changed & zopa_inputs and ready and "tool:zopa" not in intents and "prep" not in intents:
            out.append(invoke_tool(tools, "zopa", {
                "reservation": sheet.reservation, "their_low": sheet.their_reservation_low,
                "their_high": sheet.their_reservation_high, "role": sheet.role}))
        new_forecast = any(c.startswith("forecast:") for c in changed)
        if new_forecast and sheet.differing_forecasts and "tool:contingent_contract" not in intents:
            f = sheet.differing_forecasts[0]
            out.append(invoke_tool(tools, "contingent_contract", {
                "outcome": f.outcome, "my_probability": f.my_probability, "their_probability": f.their_probability}))
        return out

    def _prep_tools(self, tools: dict[str, Any], ctx: ToolContext) -> list[ToolRecord]:
        """Run every tool the prep sheet needs whose inputs are present."""
        sheet = ctx.sheet
        plan: list[tuple[str, dict[str, Any]]] = []
        if sheet.reservation is not None and sheet.their_reservation_low is not None and sheet.role:
            plan.append(("zopa", {}))
        if len(sheet.issues) >= 2:
            plan += [("find_trades", {}), ("build_mesos", {"k": 3})]
        if sheet.differing_forecasts:
            plan.append(("contingent_contract", {"outcome": sheet.differing_forecasts[0].outcome}))
        return [invoke_tool(tools, name, args) for name, args in plan]

    @staticmethod
    def _args_for(name: str, message: str) -> dict[str, Any]:
        if name == "improve_deal":
            found = list(_AGREED.finditer(message)) or list(_AGREED_COLON.finditer(message))
            return {"agreed": {re.sub(r"^(?:and|we agreed|agreed)\s+", "", m.group("issue").strip(), flags=re.IGNORECASE):
                               m.group("option").strip() for m in found}}
        if name == "build_mesos":
            return {"k": 3}
        return {}

    # -- text ----------------------------------------------------------------------------------
    def _cite(self, chunk_id: str | None, citations: list[str]) -> str:
        if not chunk_id or self.kb is None or self.kb.get(chunk_id) is None:
            return ""
        citations.append(chunk_id)
        return f" [{chunk_id}]"

    @staticmethod
    def _noted(record: ToolRecord, sheet: DealSheet) -> str:
        if record.error:
            return f"I could not record that: {record.error}"
        changed = record.result.get("changed", [])
        cur = sheet.currency
        facts = []
        for key in changed:
            if key in ("reservation", "target", "my_batna_value"):
                facts.append(f"{key.replace('_', ' ').replace('my batna value', 'BATNA value')} {money(getattr(sheet, key), cur)}")
            elif key == "their_reservation_low" or (key == "their_reservation_high" and "their_reservation_low" not in changed):
                low, high = sheet.their_reservation_low, sheet.their_reservation_high
                est = money(low, cur) if high in (None, low) else f"{money(low)}-{money(high, cur)}"
                facts.append(f"their likely limit {est}")
            elif key in ("role", "counterparty", "my_batna", "their_batna"):
                facts.append(f"{key.replace('_', ' ').replace('my batna', 'BATNA')}: {getattr(sheet, key)}")
            elif key.startswith(("issue:", "priority:", "forecast:", "interest:")) or key == "open_questions":
                facts.append(_describe_change(key, sheet))
        unique = [f for f in dict.fromkeys(facts) if f]
        return "**Noted on your deal sheet:** " + "; ".join(unique) + "." if unique else ""

    def _describe(self, record: ToolRecord, sheet: DealSheet, citations: list[str]) -> str:
        label = record.name.replace("_", " ")
        if record.error:
            return f"**{label}:** not yet — {record.error}"
        text = describe_result(record.name, record.result, sheet.currency)
        return text + self._cite(_SECTION_FOR.get(record.name), citations)

    def _answer(self, message: str, tools: dict[str, Any], records: list[ToolRecord], citations: list[str],
                greeting: bool) -> str:
        if greeting:
            return ("I help you prepare a negotiation: tell me what the deal is about, your walk-away point, "
                    "and what they seem to want, or ask about a practice (MESOs, logrolling, ZOPA).")
        record = invoke_tool(tools, "search_practices", {"query": message[:300], "k": 4})
        records.append(record)
        if record.error or not record.result["passages"]:
            return "I found nothing in the practices library for that; try naming a practice (MESO, ZOPA, logrolling)."
        lines: list[str] = []
        seen_docs: set[str] = set()
        for passage in record.result["passages"]:
            doc = passage["id"].split("#", 1)[0]
            if doc in seen_docs or len(lines) >= QUESTION_PASSAGES:
                continue
            seen_docs.add(doc)
            lines.append(f"**{passage['title']} — {passage['section']}:** {_gist(passage['text'])}"
                         + self._cite(passage["id"], citations))
        return "\n\n".join(lines)

    def _next_question(self, sheet: DealSheet, citations: list[str]) -> str:
        if self.mode != "live":
            return ""
        entry = first_unmet(sheet)
        if entry is None:
            return "**Next:** your preparation checklist is complete; ask me for the prep sheet."
        return f"**Next:** {entry.question}" + self._cite(f"{entry.practice}#how-to-do-it", citations)


def _describe_change(key: str, sheet: DealSheet) -> str:
    kind, _, rest = key.partition(":")
    if kind == "issue":
        return f"issue {rest}"
    if kind == "priority":
        side, _, issue_id = rest.partition(":")
        issue = sheet.issue(issue_id)
        level = (issue.my_priority if side == "me" else issue.their_priority) if issue else None
        return f"{'your' if side == 'me' else 'their'} priority on {issue_id}: {level}"
    if kind == "forecast":
        f = next((f for f in sheet.forecasts if rest in key), None)
        return f"forecast on {f.outcome}" if f is not None else f"forecast {rest}"
    if kind == "interest":
        return f"an interest of {'yours' if rest == 'me' else 'theirs'}"
    return "questions to ask"


def _gist(text: str, sentences: int = 2) -> str:
    """The first sentences of a passage (or its first numbered steps), on one line."""
    steps = re.findall(r"^\s*\d+\.\s+(.+)$", text, flags=re.MULTILINE)
    if steps:
        return " ".join(f"({n}) {s.strip()}" for n, s in enumerate(steps[:3], start=1))
    flat = " ".join(text.split())
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", flat)
    return " ".join(parts[:sentences])
