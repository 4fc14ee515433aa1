"""Session-state wiring and process-wide loaders for the Streamlit pages.

Two kinds of state, kept apart on purpose:

* process-wide (``st.cache_resource``): the ``Database`` per URL, the knowledge base per index
  folder, the drill bank. Built once, shared by every browser session.
* per user (``st.session_state``): the ``Settings`` in force (including an API key typed on the
  Settings page, which lives only here: never in the database, never on disk), the live coach
  session, the practice run, the role-play session.

No business logic here: only construction, caching and error presentation.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st
from pydantic import ValidationError

from coach.errors import CoachError
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.knowledge.search import KnowledgeBase
    from coach.store.base import Database

T = TypeVar("T")

SETTINGS_KEY = "settings"
OVERRIDES_KEY = "settings_overrides"
EDITABLE_FIELDS = ("llm_provider", "llm_base_url", "llm_model", "llm_api_key", "llm_timeout", "data_dir",
                   "timezone", "user_id")
FIELD_LABELS = {"llm_provider": "Backend", "llm_base_url": "Base URL", "llm_model": "Model",
                "llm_api_key": "API key", "llm_timeout": "Timeout (seconds)", "data_dir": "Data directory",
                "timezone": "Time zone", "user_id": "User id", "database_url": "Database URL"}


# --------------------------------------------------------------------------------------------
# Settings: one ``Settings`` per browser session, built from the environment plus the form.


def settings() -> Settings:
    """The settings in force for this browser session (environment + Settings-page overrides)."""
    current = st.session_state.get(SETTINGS_KEY)
    if current is None:
        current = Settings()
        st.session_state[SETTINGS_KEY] = current
    return current


def validation_messages(err: ValidationError) -> list[str]:
    """One readable line per invalid field, naming the field as the form labels it."""
    lines = []
    for problem in err.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "settings"
        label = FIELD_LABELS.get(field, field)
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"{label} ({field}): {message}")
    return lines


def build_settings(overrides: dict[str, Any]) -> tuple[Settings | None, list[str]]:
    """Validate the form through ``Settings(**overrides)``; (settings, []) or (None, messages)."""
    try:
        built = Settings(**overrides)
    except ValidationError as err:
        return None, validation_messages(err)
    problems = _boundary_checks(built)
    return (None, problems) if problems else (built, [])


def _boundary_checks(cfg: Settings) -> list[str]:
    """Checks ``Settings`` does not make itself yet (base URL shape, time zone name).

    TODO(lead): move the URL check into ``Settings`` as a field validator; the UI would then
    only show its message.
    """
    from urllib.parse import urlsplit

    problems = []
    if cfg.llm_base_url:
        parts = urlsplit(cfg.llm_base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{FIELD_LABELS['llm_base_url']} (llm_base_url): '{cfg.llm_base_url[:80]}' is not an "
                            "http(s) URL; use e.g. http://127.0.0.1:11434/v1 or https://api.openai.com/v1")
    try:
        from coach.practice.progress import zone

        zone(cfg.timezone)
    except CoachError as err:
        problems.append(f"{FIELD_LABELS['timezone']} (timezone): {err}")
    return problems


def apply_settings(new: Settings, overrides: dict[str, Any]) -> None:
    """Make ``new`` the settings of this session and drop what was built from the old ones."""
    st.session_state[SETTINGS_KEY] = new
    st.session_state[OVERRIDES_KEY] = overrides
    st.session_state.pop("backend_notice", None)
    for key in list(st.session_state.keys()):
        if str(key).startswith("svc:"):
            del st.session_state[key]


# --------------------------------------------------------------------------------------------
# Process-wide resources.


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    from coach.store.base import Database

    db = Database(url)
    db.create_all()
    return db


def database() -> Database:
    """The shared ``Database`` for the session's database URL (created once per process)."""
    return _database(settings().resolved_database_url)


@st.cache_resource(show_spinner=False)
def _kb_registry() -> dict[str, Any]:
    """Process-wide knowledge bases by index key, plus the lock that guards building them."""
    return {"lock": threading.Lock(), "bases": {}}


def _kb_key(cfg: Settings) -> str:
    return f"{cfg.index_dir}|{cfg.chroma_host}|{cfg.chroma_port}"


def knowledge_base() -> KnowledgeBase | None:
    """The knowledge base, built on first use behind a progress bar; ``None`` (with a notice) if it fails."""
    import numpy  # noqa: F401  - imported here first: KnowledgeBase.open's preload thread races this import

    from coach.knowledge.search import KnowledgeBase

    cfg = settings()
    registry = _kb_registry()
    key = _kb_key(cfg)
    found = registry["bases"].get(key)
    if found is not None:
        return found
    with registry["lock"]:
        found = registry["bases"].get(key)
        if found is None:
            bar = st.progress(0.0, text="Preparing the practices library (first use only)…")

            def tick(done: int, total: int) -> None:
                if total:
                    bar.progress(min(1.0, done / total), text=f"Indexing the practices library: {done}/{total} passages")

            try:
                found = KnowledgeBase.open(cfg, progress=tick)
            except (CoachError, OSError, ValueError) as err:
                bar.empty()
                st.warning(f"The practices library is unavailable ({err}); answers will have no citations.")
                return None
            bar.empty()
            registry["bases"][key] = found
    return found


@st.cache_resource(show_spinner=False)
def drill_bank() -> Any:
    """The drill bank from ``knowledge/drills`` (parsed once per process)."""
    from coach.practice.drills import load_bank

    return load_bank()


# --------------------------------------------------------------------------------------------
# Per-session services, rebuilt when the settings change (``apply_settings`` drops them).


def service(name: str, build: Callable[[], T]) -> T:
    """A per-session object under ``svc:<name>``, built once with ``build``."""
    key = f"svc:{name}"
    if key not in st.session_state:
        st.session_state[key] = build()
    return st.session_state[key]


def drop_service(name: str) -> None:
    """Forget a per-session object (e.g. to start a new chat)."""
    st.session_state.pop(f"svc:{name}", None)


def backend() -> Any:
    """The session's ``ResolvedBackend``; a configuration error shows a notice and goes offline."""

    def build() -> Any:
        from coach.llm.backends import ResolvedBackend, resolve_backend

        try:
            return resolve_backend(settings())
        except CoachError as err:
            st.session_state["backend_notice"] = f"Model not configured ({err}); the offline coach answers."
            return ResolvedBackend("offline", None, "offline engine (the configured model is unusable)")

    return service("backend", build)


def chat_model() -> Any:
    """The session's chat model (``None`` = offline engine)."""
    return backend().model


def backend_label() -> str:
    """Short human label of the backend in force."""
    backend = st.session_state.get("svc:backend")
    if backend is None:
        cfg = settings()
        return "offline coach" if cfg.llm_provider == "offline" else f"{cfg.llm_provider} (not used yet)"
    return backend.detail


# --------------------------------------------------------------------------------------------
# Errors and layout helpers.


@contextmanager
def user_errors(prefix: str = "") -> Iterator[None]:
    """Show a user-caused error as one readable line (``st.error``) instead of a traceback."""
    try:
        yield
    except CoachError as err:
        st.error(f"{prefix}{err}")
    except ValidationError as err:
        st.error(prefix + "; ".join(validation_messages(err)))


def sidebar_status() -> None:
    """A one-line footer in the sidebar: which backend answers, where data lives."""
    cfg = settings()
    with st.sidebar:
        st.caption(f"Backend: {backend_label()}  \nData: `{cfg.data_dir}`")
        notice = st.session_state.get("backend_notice")
        if notice:
            st.warning(notice)


def practice_service() -> Any:
    """The practice service for this session's settings and model."""
    from coach.practice.service import PracticeService

    return service("practice", lambda: PracticeService(database(), settings(), bank=drill_bank(),
                                                       model=chat_model()))


# --------------------------------------------------------------------------------------------
# The live coach session.

LIVE_ID_KEY = "live_session_id"
LIVE_TURNS_KEY = "live_turns"


def chat_store() -> Any:
    """The chat store on the shared database; it redacts this session's API key before writing."""
    from coach.store.chat import ChatStore

    return ChatStore(database(), settings())


def coach_session() -> Any:
    """This browser session's ``CoachSession`` (a new persisted conversation on first use)."""

    def build() -> Any:
        from coach.agent.session import CoachDeps, CoachSession
        from coach.store.chat import UnknownSessionError

        deps = CoachDeps(settings=settings(), backend=backend(), kb=knowledge_base(), store=chat_store())
        session_id = st.session_state.get(LIVE_ID_KEY)
        if session_id:
            try:
                return CoachSession(deps, session_id=session_id)
            except UnknownSessionError:  # e.g. the data directory changed
                st.session_state.pop(LIVE_TURNS_KEY, None)
        return CoachSession(deps, mode="live")

    session = service("coach", build)
    st.session_state[LIVE_ID_KEY] = session.session_id
    return session


def new_coach_session() -> None:
    """Forget the current conversation; the next ``coach_session()`` starts a new one."""
    drop_service("coach")
    st.session_state.pop(LIVE_ID_KEY, None)
    st.session_state.pop(LIVE_TURNS_KEY, None)


def live_turns() -> list[dict[str, Any]]:
    """The conversation's turns (loaded from the store once, then appended as replies arrive)."""
    turns = st.session_state.get(LIVE_TURNS_KEY)
    if turns is None:
        turns = [{"role": t["role"], "text": t["text"], "trace": t.get("trace") or {}}
                 for t in coach_session().history()]
        st.session_state[LIVE_TURNS_KEY] = turns
    return turns


def edit_sheet(update: dict[str, Any]) -> list[str]:
    """Apply a direct deal-sheet edit through the coach session; returns what changed.

    Uses ``CoachSession.update_sheet`` when the session offers it; otherwise the coach's own
    ``apply_update`` plus the session's store (the same validation and persistence path).
    """
    from coach.agent.dealsheet import DealSheetUpdate, apply_update

    session = coach_session()
    parsed = DealSheetUpdate.model_validate(update)
    if hasattr(session, "update_sheet"):
        result = session.update_sheet(parsed)
        return list(result[1] if isinstance(result, tuple) else result or [])
    sheet, changed = apply_update(session.sheet, parsed)
    if changed:
        session.deps.store.save_deal_sheet(session.session_id, sheet.model_dump(mode="json"))
    return changed


# --------------------------------------------------------------------------------------------
# Role-play scenarios.


@st.cache_resource(show_spinner=False)
def _library() -> dict[str, Any]:
    """Library scenarios by id, sorted by title (parsed once per process)."""
    from coach.roleplay.library import list_scenarios, load

    infos = sorted(list_scenarios(), key=lambda info: info.title)
    return {info.id: load(info.id) for info in infos}


def scenario_library() -> dict[str, Any]:
    """The scenario library; a broken file shows its validation message instead of a traceback."""
    try:
        return _library()
    except CoachError as err:
        st.error(f"The scenario library has a broken file: {err}")
        return {}


def parse_uploaded_scenario(data: bytes, name: str) -> Any:
    """An uploaded scenario, or None after showing the validation message (``st.error``)."""
    from coach.scenario import parse_scenario_text

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        st.error(f"{name}: not UTF-8 text; save the scenario as UTF-8 YAML")
        return None
    try:
        return parse_scenario_text(text, name)
    except CoachError as err:
        st.error(str(err))
        return None


def scenario_from_live_deal() -> Any:
    """A scenario from the live deal sheet, or None after showing what to add."""
    from coach.roleplay.library import scenario_from_deal_sheet

    sheet = coach_session().sheet
    try:
        return scenario_from_deal_sheet(sheet)
    except CoachError as err:
        st.info(f"Your live deal cannot become a scenario yet: {err}. Describe your deal on the Live deal page "
                "first (at least two issues, with priorities if you can).")
        return None


# --------------------------------------------------------------------------------------------
# Human reference figures for the Progress page.

EXTERNAL_RESULTS = Path(__file__).resolve().parents[1] / "evals" / "results" / "external.json"
# Published figures, used when the external eval has not been run (percent of human deals).
FALLBACK_PARETO = {"dealornodeal": 77.0, "casino": 67.0}
DATASET_NAMES = {"dealornodeal": "Deal or No Deal", "casino": "CaSiNo"}


@st.cache_data(show_spinner=False)
def human_references(path: str = str(EXTERNAL_RESULTS)) -> dict[str, list[dict[str, Any]]]:
    """Reference lines from human negotiation data: mean share of max joint and % Pareto-optimal."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    share, pareto = [], []
    for key, name in DATASET_NAMES.items():
        entry = data.get(key) or {}
        if entry.get("mean_share_of_max_joint") is not None:
            value = round(100 * float(entry["mean_share_of_max_joint"]), 1)
            share.append({"label": f"{name} humans: mean {value:g}%", "value": value})
        value = float(entry.get("pareto_optimal_pct", FALLBACK_PARETO[key]))
        pareto.append({"label": f"{name}: {value:.0f}% of human deals Pareto-optimal", "value": value})
    return {"share": share, "pareto": pareto}
