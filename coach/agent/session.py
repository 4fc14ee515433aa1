"""``CoachSession``: one conversation with the coach, persisted turn by turn.

Flow of a turn: load the deal sheet -> store the user's message (committed before any model
call) -> answer with the chat model and its tools, or the offline engine (no model, or the model
failed: the turn is then marked ``fallback=<reason>``) -> validate citations against the
knowledge base -> save the deal sheet and the assistant turn with its trace -> return.
Dependencies arrive in one ``CoachDeps`` so tests replace them at this seam.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coach.agent.dealsheet import DealSheet, load_sheet
from coach.agent.offline import FOOTER, OfflineCoach
from coach.agent.progress import CHECKLIST, progress
from coach.agent.tools import TOOL_NAMES, ToolContext, ToolRecord, build_tools
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.llm.backends import ResolvedBackend
    from coach.settings import Settings
    from coach.store.chat import ChatStore

log = logging.getLogger(__name__)

HISTORY_TURNS = 4  # previous messages sent to the model
HISTORY_CHARS = 400  # each previous message is clipped to this
PASSAGES_PER_TURN = 3
PASSAGE_PROMPT_CHARS = 450
CHECKLIST_OPEN_SHOWN = 3
SHEET_PROMPT_CHARS = 2400
MAX_STEPS = 6
MAX_MESSAGE_CHARS = 8000
QA_TOOLS = ("search_practices", "zopa")
_CITATION = re.compile(r"\[([a-z0-9][a-z0-9-]*#[a-z0-9][a-z0-9-]*)\]")
_BRACKETED = re.compile(r"( ?)\[([^\[\]]*#[^\[\]]*)\]")


@dataclass
class CoachDeps:
    """Everything a coach session needs, passed in explicitly."""

    settings: Settings
    backend: ResolvedBackend
    kb: Any | None  # coach.knowledge.search.KnowledgeBase (None: no retrieval)
    store: ChatStore
    clock: Callable[[], float] = time.perf_counter


def build_deps(settings: Settings | None = None, *, backend: ResolvedBackend | None = None,
               kb: Any | None = None, store: ChatStore | None = None) -> CoachDeps:
    """Production dependencies from settings (the knowledge index is built on first use)."""
    from coach.knowledge.search import KnowledgeBase
    from coach.llm.backends import resolve_backend
    from coach.settings import get_settings
    from coach.store.chat import ChatStore

    settings = settings or get_settings()
    return CoachDeps(settings=settings, backend=backend or resolve_backend(settings),
                     kb=kb if kb is not None else KnowledgeBase.open(settings),
                     store=store or ChatStore.from_settings(settings))


@dataclass
class CoachReply:
    """One answer with its trace."""

    text: str
    citations: list[str]
    tool_calls: list[dict[str, Any]]
    deal_sheet: dict[str, Any]
    backend: str
    fallback: str | None
    progress: dict[str, Any]
    session_id: str = ""
    turn_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        """The ``coach ask --json`` shape."""
        return {"reply": self.text, "citations": self.citations, "tool_calls": self.tool_calls,
                "deal_sheet": self.deal_sheet, "backend": self.backend, "session": self.session_id,
                "progress": self.progress}


def _record_dict(record: Any) -> dict[str, Any]:
    """``{"name", "args", "result"}``; a failed call's result is ``{"error": message}``."""
    result = record.result if not record.error else {"error": record.error}
    return {"name": record.name, "args": dict(record.args or {}), "result": result}


class CoachSession:
    """A persisted conversation (live deal or Q&A) with one deal sheet."""

    def __init__(self, deps: CoachDeps, session_id: str | None = None, mode: str = "live", title: str = "") -> None:
        self.deps = deps
        if session_id is None:
            self.session_id = deps.store.create_session(mode=mode, user_id=deps.settings.user_id, title=title)
            self.mode = mode
        else:
            self.session_id = session_id
            self.mode = str(deps.store.require_session(session_id)["mode"])

    @property
    def sheet(self) -> DealSheet:
        """The session's current deal sheet (empty if none saved yet)."""
        return load_sheet(self.deps.store.load_deal_sheet(self.session_id))

    def history(self) -> list[dict[str, Any]]:
        """Every stored turn of this session."""
        return self.deps.store.turns(self.session_id)

    # -- one turn ------------------------------------------------------------------------------
    def respond(self, message: str, on_token: Callable[[str], None] | None = None) -> CoachReply:
        """Answer one message; the user turn, the deal sheet and the reply are committed on return."""
        message = (message or "").strip()
        if not message:
            raise CoachError("message is empty: type what you want to ask or tell the coach")
        message = message[:MAX_MESSAGE_CHARS]
        started = self.deps.clock()
        store = self.deps.store
        stored = store.load_deal_sheet(self.session_id)
        history = store.turns(self.session_id)[-HISTORY_TURNS:]
        user_turn = store.add_user_turn(self.session_id, message)
        try:
            return self._answer(message, stored, history, on_token, started)
        except BaseException as err:
            store.mark_turn_failed(user_turn, f"{type(err).__name__}")
            raise

    def _answer(self, message: str, stored: dict[str, Any] | None, history: list[dict[str, Any]],
                on_token: Callable[[str], None] | None, started: float) -> CoachReply:
        clock = self.deps.clock
        before = load_sheet(stored)
        backend = self.deps.backend
        fallback: str | None = None
        result: _TurnResult | None = None
        model_seconds = 0.0
        if backend.model is not None:
            from coach.llm.agent_loop import BackendFailure

            model_started = clock()
            try:
                result = self._llm_turn(message, before, history, on_token)
            except BackendFailure as err:
                fallback = err.reason
                log.info("backend %s failed (%s); the offline coach answers", backend.name, err.reason)
            model_seconds = clock() - model_started
        if result is None:
            result = self._offline_turn(message, before, fallback)
        return self._commit(result, before, stored is None, backend.name, fallback, started, model_seconds)

    def stream(self, message: str) -> Iterator[str | CoachReply]:
        """Text deltas as they arrive, then the final ``CoachReply`` (whose text is authoritative:
        after a fallback it replaces whatever was streamed)."""
        if self.deps.backend.model is None:
            reply = self.respond(message)
            yield from re.split(r"(?<=\n)", reply.text)
            yield reply
            return
        tokens: queue.Queue[object] = queue.Queue()
        done = object()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["reply"] = self.respond(message, on_token=tokens.put)
            except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
                outcome["error"] = err
            finally:
                tokens.put(done)

        thread = threading.Thread(target=work, name="coach-turn", daemon=True)
        thread.start()
        while (item := tokens.get()) is not done:
            yield str(item)
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        yield outcome["reply"]

    # -- engines ---------------------------------------------------------------------------------
    def _offline_turn(self, message: str, sheet: DealSheet, fallback: str | None) -> _TurnResult:
        result = OfflineCoach(self.deps.kb, mode=self.mode).respond(message, sheet)
        text = result.text
        if fallback:
            text = (f"_The {self.deps.backend.name} model could not answer ({fallback}); the offline coach "
                    f"answered instead._\n\n{text}")
        return _TurnResult(text, result.citations, [_record_dict(r) for r in result.tool_calls], result.sheet, 0)

    def _llm_turn(self, message: str, sheet: DealSheet, history: list[dict[str, Any]],
                  on_token: Callable[[str], None] | None) -> _TurnResult:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        from coach.llm.agent_loop import run_tool_loop

        ctx = ToolContext(sheet=sheet, kb=self.deps.kb)
        started = self.deps.clock()
        passages = self._retrieve(message)
        retrieval_ms = (self.deps.clock() - started) * 1000
        for passage in passages:
            ctx.passages[passage.id] = passage
        messages: list[Any] = [SystemMessage(self.system_prompt(sheet, passages))]
        for turn in history:
            clipped = str(turn["text"])[:HISTORY_CHARS]
            messages.append(HumanMessage(clipped) if turn["role"] == "user" else AIMessage(clipped))
        messages.append(HumanMessage(message))
        names = TOOL_NAMES if self.mode == "live" else QA_TOOLS
        loop = run_tool_loop(self.deps.backend.model, messages, build_tools(ctx, names),  # type: ignore[arg-type]
                             max_steps=MAX_STEPS, on_token=on_token)
        text, citations = validate_citations(loop.text, self.deps.kb, ctx.passages)
        return _TurnResult(text, citations, [_record_dict(r) for r in loop.tool_calls], ctx.sheet, loop.prompt_tokens,
                           {"retrieval_ms": round(retrieval_ms, 3), "model_calls": loop.model_calls})

    def _retrieve(self, message: str) -> list[Any]:
        if self.deps.kb is None:
            return []
        try:
            return list(self.deps.kb.search(message, k=PASSAGES_PER_TURN))
        except CoachError:
            return []

    def system_prompt(self, sheet: DealSheet, passages: list[Any]) -> str:
        """The rendered system prompt for this session's mode (no secrets: only sheet and passages)."""
        from coach.agent.prompts import render_prompt

        rules = render_prompt("coach_citations").strip()
        shown = "\n\n".join(f"[{p.id}] {p.title} — {p.section}\n{_clip(p.text, PASSAGE_PROMPT_CHARS)}"
                            for p in passages) or "(none retrieved; call search_practices if you need one)"
        if self.mode != "live":
            return render_prompt("coach_system_qa", citation_rules=rules, passages=shown)
        state = progress(sheet)
        open_items = [c for c in CHECKLIST if c.id in state["todo"]][:CHECKLIST_OPEN_SHOWN]
        checklist = f"{len(state['done'])} of {len(CHECKLIST)} done. Open: " + (
            "; ".join(f"{c.label} [{c.practice}#how-to-do-it]" for c in open_items) or "none")
        summary = _clip(sheet.summary(), SHEET_PROMPT_CHARS) if sheet != DealSheet() else "(empty)"
        return render_prompt("coach_system_live", citation_rules=rules, deal_sheet=summary,
                             checklist=checklist, passages=shown)

    def _commit(self, result: _TurnResult, before: DealSheet, first_save: bool, backend: str,
                fallback: str | None, started: float, model_seconds: float) -> CoachReply:
        store = self.deps.store
        sheet_dict = result.sheet.model_dump(mode="json")
        if result.sheet != before or first_save:
            store.save_deal_sheet(self.session_id, sheet_dict)
        state = progress(result.sheet)
        total = self.deps.clock() - started
        timings = {"total_ms": round(total * 1000, 3), "llm_turn_ms": round(model_seconds * 1000, 3), **result.extra}
        trace = {"citations": result.citations, "tool_calls": result.tool_calls, "backend": backend,
                 "fallback": fallback, "progress": state, "timings": timings, "prompt_tokens": result.prompt_tokens}
        turn_id = store.add_assistant_turn(self.session_id, result.text, trace)
        return CoachReply(result.text, result.citations, result.tool_calls, sheet_dict, backend, fallback, state,
                          self.session_id, turn_id, timings, result.prompt_tokens)


@dataclass
class _TurnResult:
    text: str
    citations: list[str]
    tool_calls: list[dict[str, Any]]
    sheet: DealSheet
    prompt_tokens: int
    extra: dict[str, float] = field(default_factory=dict)


def validate_citations(text: str, kb: Any | None, seen: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    """Citations in ``text`` that exist in the knowledge base, in order; unknown ids are removed
    from the text. Brackets may hold several ids separated by commas or semicolons."""
    valid: list[str] = []

    def known(chunk_id: str) -> bool:
        if kb is not None:
            return kb.get(chunk_id) is not None
        return chunk_id in (seen or {})

    def keep(match: re.Match[str]) -> str:
        ids = [part.strip() for part in re.split(r"[,;]\s*", match.group(2))]
        good = [i for i in ids if _CITATION.fullmatch(f"[{i}]") and known(i)]
        valid.extend(good)
        return f"{match.group(1)}[{', '.join(good)}]" if good else ""

    cleaned = _BRACKETED.sub(keep, text).strip()
    return cleaned, list(dict.fromkeys(valid))


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


__all__ = ["FOOTER", "CoachDeps", "CoachReply", "CoachSession", "ToolRecord", "build_deps", "validate_citations"]
