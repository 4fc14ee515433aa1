"""The Chroma index: incremental re-embedding, removals, and reopening in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.knowledge.embedder import MiniLMEmbedder
from coach.knowledge.index import COLLECTION_NAME, EMBEDDING_FUNCTION_NAME
from coach.knowledge.search import KnowledgeBase
from coach.settings import Settings
from tests.knowledge.conftest import write_doc

REPO = Path(__file__).resolve().parents[2]


def _open(settings: Settings, corpus: Path, embedder: MiniLMEmbedder, **kw: object) -> KnowledgeBase:
    return KnowledgeBase.open(settings, corpus_dir=corpus, embedder=embedder, use_cache=False, **kw)  # type: ignore[arg-type]


def test_reindex_embeds_only_changed_chunks(tmp_path: Path, fixture_corpus: Path,
                                            embedder: MiniLMEmbedder) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    progress: list[tuple[int, int]] = []
    start = embedder.embedded_texts
    kb = _open(settings, fixture_corpus, embedder, progress=lambda d, t: progress.append((d, t)))
    assert embedder.embedded_texts - start == 24 and kb.sync_report.added == 24
    assert progress[0] == (0, 24) and progress[-1] == (24, 24)
    assert kb.collection.count() == 24

    start = embedder.embedded_texts
    kb = _open(settings, fixture_corpus, embedder)
    assert embedder.embedded_texts == start and kb.sync_report.unchanged == 24

    path = fixture_corpus / "concepts" / "beta-walkaway.md"
    path.write_text(path.read_text().replace("summary: Know", "summary: Always know"))
    start = embedder.embedded_texts
    kb = _open(settings, fixture_corpus, embedder)
    assert embedder.embedded_texts - start == 8  # the summary is part of every chunk of that doc only
    assert (kb.sync_report.updated, kb.sync_report.unchanged) == (8, 16)
    stored = kb.collection.get(ids=["beta-walkaway#what-it-is"], include=["metadatas", "documents"])
    chunk = next(c for c in kb.chunks if c.id == "beta-walkaway#what-it-is")
    assert stored["metadatas"][0]["hash"] == chunk.content_hash
    assert stored["documents"][0] == chunk.text


def test_removed_doc_chunks_are_deleted_and_new_doc_added(tmp_path: Path, fixture_corpus: Path,
                                                          embedder: MiniLMEmbedder) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    _open(settings, fixture_corpus, embedder)
    (fixture_corpus / "concepts" / "gamma-anchor.md").unlink()
    write_doc(fixture_corpus, "playbooks/delta-hiring.md", "delta-hiring", "Delta hiring", "playbook", [],
              "Negotiate the whole offer, not only salary.",
              sections={"What it is": "Salary, start date and remote days negotiated together."})
    start = embedder.embedded_texts
    kb = _open(settings, fixture_corpus, embedder)
    assert embedder.embedded_texts - start == 1
    assert (kb.sync_report.added, kb.sync_report.removed) == (1, 8)
    ids = set(kb.collection.get()["ids"])
    assert not any(i.startswith("gamma-anchor#") for i in ids) and "delta-hiring#what-it-is" in ids
    assert kb.collection.count() == 17


def test_rebuild_reembeds_everything(tmp_path: Path, fixture_corpus: Path, embedder: MiniLMEmbedder) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    _open(settings, fixture_corpus, embedder)
    start = embedder.embedded_texts
    kb = _open(settings, fixture_corpus, embedder, rebuild=True)
    assert embedder.embedded_texts - start == 24 and kb.collection.count() == 24


def test_collection_reopens_in_new_process_with_registered_embedding_function(
        tmp_path: Path, fixture_corpus: Path, embedder: MiniLMEmbedder) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    _open(settings, fixture_corpus, embedder)
    script = f"""
import json, sys
import chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
question = ["what happens if the talks fail and I walk away"]
try:
    client.get_collection("{COLLECTION_NAME}").query(query_texts=question, n_results=3)
    unregistered = "worked"
except ValueError as err:
    unregistered = str(err)
from coach.knowledge.index import embedding_function_class
embedding_function_class()  # registers the function under its name
collection = client.get_collection("{COLLECTION_NAME}")
found = collection.query(query_texts=question, n_results=3)
print(json.dumps({{"unregistered": unregistered, "ids": found["ids"][0],
                  "config": collection.configuration_json["embedding_function"]}}))
"""
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.run([sys.executable, "-c", script, str(settings.index_dir)], check=False, capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert EMBEDDING_FUNCTION_NAME in out["unregistered"]  # without registration Chroma cannot rebuild it
    assert out["config"]["name"] == EMBEDDING_FUNCTION_NAME
    assert out["config"]["config"]["model"] == "all-MiniLM-L6-v2"
    assert out["ids"][0].startswith("beta-walkaway#")


def test_unreachable_chroma_server_is_a_user_error(tmp_path: Path, embedder: MiniLMEmbedder,
                                                   fixture_corpus: Path) -> None:
    from coach.errors import CoachError

    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=9)
    with pytest.raises(CoachError, match="COACH_CHROMA_HOST"):
        _open(settings, fixture_corpus, embedder)
