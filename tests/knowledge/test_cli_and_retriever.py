"""``coach search`` / ``coach ingest`` output and exit codes, and the LangChain retriever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from coach.cli import knowledge_cmds
from coach.knowledge.search import KnowledgeBase
from coach.settings import get_settings
from tests.knowledge.conftest import write_doc

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, shared_index_dir: Path, real_kb: KnowledgeBase) -> typer.Typer:
    """A typer app with only the knowledge commands, pointed at the shared (already built) index."""
    monkeypatch.setenv("COACH_DATA_DIR", str(shared_index_dir))
    get_settings.cache_clear()
    app = typer.Typer()
    knowledge_cmds.register(app)
    return app


def test_search_json_shape(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["search", "they keep saying the price is final", "--k", "4", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 4
    assert all(list(row) == ["id", "title", "kind", "score", "text"] for row in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert all("#" in r["id"] and r["kind"] in {"practice", "concept", "playbook"} for r in rows)


def test_search_plain_output(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["search", "salary negotiation for a job offer", "-k", "2"])
    assert result.exit_code == 0
    assert result.stdout.startswith("1. [playbook-hiring#")


@pytest.mark.parametrize("args", [["search", ""], ["search", "   "], ["search", "price", "--k", "0"],
                                  ["search", "price", "--k", "500"]])
def test_bad_input_exits_2(cli: typer.Typer, args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2


def test_empty_query_message(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["search", "  "])
    assert result.exit_code == 2 and "error: query is empty" in result.stderr


def test_huge_query_is_cut_with_a_warning(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["search", "price is final " * 7000, "--json"])  # ~100 KB
    assert result.exit_code == 0
    assert "warning: query cut to its first 2000 characters" in result.stderr
    assert len(json.loads(result.stdout)) == 5


def test_ingest_reports_problems_and_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            fixture_corpus: Path) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    (fixture_corpus / "concepts" / "broken.md").write_text("---\nid: x\ntitle: [\n---\n## What it is\nx\n")
    write_doc(fixture_corpus, "concepts/copy.md", "beta-walkaway", "Copy", "concept", [], "dup")
    app = typer.Typer()
    knowledge_cmds.register(app)
    result = CliRunner().invoke(app, ["ingest", "--corpus", str(fixture_corpus)])
    assert result.exit_code == 0, result.output
    assert "broken.md [front matter]" in result.stderr and "not valid YAML" in result.stderr
    assert "copy.md [id]" in result.stderr and "duplicate id 'beta-walkaway'" in result.stderr
    assert "required knowledge ids missing: probe-interests" in result.stderr
    assert "Indexed 3 documents, 24 chunks (embedded 24, unchanged 0, removed 0)." in result.stdout
    again = CliRunner().invoke(app, ["ingest", "--changed-only", "--corpus", str(fixture_corpus)])
    assert "(embedded 0, unchanged 24, removed 0)" in again.stdout


def test_fresh_process_search_json(shared_index_dir: Path, real_kb: KnowledgeBase) -> None:
    env = {**os.environ, "COACH_DATA_DIR": str(shared_index_dir), "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.run([sys.executable, "-m", "coach.cli", "search", "my fallback if there is no deal",
                           "--json", "--k", "3"], check=False, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert "batna" in [r["id"].split("#")[0] for r in rows]


def test_langchain_retriever_returns_cited_documents(real_kb: KnowledgeBase) -> None:
    from langchain_core.documents import Document

    from coach.knowledge.langchain_retriever import PracticesRetriever

    retriever = PracticesRetriever(real_kb, k=3)
    docs = retriever.invoke("they agreed the price and now want to reopen payment terms")
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    meta = docs[0].metadata
    assert set(meta) == {"id", "doc_id", "title", "kind", "section", "score"}
    assert meta["id"] == docs[0].id and real_kb.get(meta["id"]).text == docs[0].page_content  # type: ignore[union-attr]
    assert [d.metadata["score"] for d in docs] == sorted((d.metadata["score"] for d in docs), reverse=True)
