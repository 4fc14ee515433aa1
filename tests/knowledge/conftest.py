"""Fixtures for the knowledge tests: a tiny on-disk corpus, a shared embedder, the real index."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from coach.knowledge.corpus import SECTION_HEADINGS
from coach.knowledge.embedder import MiniLMEmbedder
from coach.knowledge.search import KnowledgeBase
from coach.settings import Settings

FIXTURE_DOCS = {
    "practices/alpha-offers.md": ("alpha-offers", "Alpha offers", "practice", ["offers", "packages"],
                                  "Make several equal offers at once and watch which one they pick."),
    "concepts/beta-walkaway.md": ("beta-walkaway", "Beta walk-away alternative", "concept", ["batna"],
                                  "Know your best alternative before you sit down."),
    "concepts/gamma-anchor.md": ("gamma-anchor", "Gamma anchoring", "concept", ["anchoring"],
                                 "The first number on the table pulls the final price toward it."),
}
SECTION_TEXT = {
    "alpha-offers": "Put three packages on the table that are worth the same to you; their choice reveals priorities.",
    "beta-walkaway": "Your walk-away alternative is what happens if talks fail, such as another supplier's quote.",
    "gamma-anchor": "An ambitious first number sets the reference point and the counteroffer moves toward it.",
}


def write_doc(root: Path, rel: str, doc_id: str, title: str, kind: str, tags: list[str], summary: str,
              sections: dict[str, str] | None = None) -> Path:
    """Write one knowledge file with front matter and the eight standard sections."""
    body = sections or {h: f"{SECTION_TEXT.get(doc_id, 'Text.')} ({h.lower()})" for h in SECTION_HEADINGS}
    text = textwrap.dedent(f"""\
        ---
        id: {doc_id}
        title: {title}
        kind: {kind}
        tags: [{", ".join(tags)}]
        related: []
        summary: {summary}
        ---
        # {title}

        """) + "\n".join(f"## {heading}\n{content}\n" for heading, content in body.items())
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fixture_corpus(tmp_path: Path) -> Path:
    """Three valid documents in practices/ and concepts/ under a temp folder."""
    root = tmp_path / "knowledge"
    for rel, (doc_id, title, kind, tags, summary) in FIXTURE_DOCS.items():
        write_doc(root, rel, doc_id, title, kind, tags, summary)
    return root


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    """One embedder for the session; tests read the change in ``embedded_texts``."""
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def real_kb(shared_index_dir: Path, embedder: MiniLMEmbedder) -> KnowledgeBase:
    """The index of the real knowledge/ corpus, built once per test session."""
    kb = KnowledgeBase.open(Settings(data_dir=shared_index_dir), embedder=embedder)
    if len(kb.doc_ids()) < 5:
        pytest.skip("the knowledge/ corpus is not written yet")
    return kb
