"""UI fixtures: a knowledge index built once per test session, a fresh database per test, AppTest.

The index is the slow part (embedding the corpus); every UI test reads the same one through
``COACH_DATA_DIR`` while ``COACH_DATABASE_URL`` points at a per-test SQLite file, so tests never
see each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "ui" / "app.py")
APP_TIMEOUT = 120  # seconds for one script run (the first run imports the stack)
EXAMPLE_DEAL = ("I'm buying a used van. My walk-away is 12,000 EUR and my target is 10,000. I think their floor "
                "is between 9,500 and 11,000. The issues are price, warranty, delivery date, winter tyres.")


@pytest.fixture(scope="session")
def ui_index_dir(shared_index_dir: Path) -> Path:
    """A data dir whose practices index is built (once per test session)."""
    import numpy  # noqa: F401  - first import in this thread: KnowledgeBase.open's preload thread races it

    from coach.knowledge.search import KnowledgeBase
    from coach.settings import Settings

    KnowledgeBase.open(Settings(data_dir=shared_index_dir, llm_provider="offline"))
    return shared_index_dir


@pytest.fixture
def ui_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ui_index_dir: Path) -> Iterator[Path]:
    """Environment of one UI test: shared index, own database; returns the database file."""
    db_file = tmp_path / "ui.db"
    monkeypatch.setenv("COACH_DATA_DIR", str(ui_index_dir))
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{db_file}")
    monkeypatch.setenv("COACH_LLM_PROVIDER", "offline")
    yield db_file


@pytest.fixture
def app(ui_env: Path):  # type: ignore[no-untyped-def]
    """A fresh ``AppTest`` of ``ui/app.py`` run once (Live deal page)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def page(at, name: str):  # type: ignore[no-untyped-def]
    """Switch ``at`` to ``ui/pages/<name>.py`` and run it."""
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at, label: str):  # type: ignore[no-untyped-def]
    """The (first) button or form submit button with this label."""
    for widget in list(at.button) + list(at.get("button")):
        if getattr(widget, "label", None) == label:
            return widget
    raise AssertionError(f"no button {label!r}; buttons: {[b.label for b in at.button]}")


def charts(at) -> list[tuple[dict, list]]:  # type: ignore[no-untyped-def]
    """(Vega-Lite spec, data frames) of every Altair chart on the page."""
    import json

    from streamlit import dataframe_util

    out = []
    for el in at.get("vega_lite_chart"):
        frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in el.proto.datasets]
        out.append((json.loads(el.proto.spec), frames))
    return out
