"""Hybrid search: ranking maths, bad queries, and plain-language questions over the real corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from coach.knowledge.embedder import MiniLMEmbedder
from coach.knowledge.keywords import analyse, stem
from coach.knowledge.search import (
    MAX_QUERY_CHARS,
    KnowledgeBase,
    QueryError,
    clean_query,
    doc_scores,
    fuse,
)
from coach.settings import Settings

REAL_QUERIES = [
    ("the supplier wants a price increase because their energy costs went up", "playbook-procurement"),
    ("I got a job offer, the salary is lower than I hoped", "playbook-hiring"),
    pytest.param("we disagree about how many units will sell next year", "contingent-contracts",
                 marks=pytest.mark.xfail(reason="known miss: 'sell'/'year' pull the sales playbook ahead",
                                         strict=False)),
    ("what do I do if the talks fail, my fallback option", "batna"),
    ("give them three offers that are equally good for me", "meso"),
    ("after signing, can we still improve the deal for both sides", "post-settlement"),
]


@pytest.mark.parametrize(("query", "doc_id"), REAL_QUERIES)
def test_plain_language_queries_find_the_right_doc(real_kb: KnowledgeBase, query: str, doc_id: str) -> None:
    passages = real_kb.search(query, k=3)
    assert doc_id in [p.doc_id for p in passages]
    assert passages[0].score >= passages[-1].score
    top = passages[0]
    assert top.id.startswith(top.doc_id + "#") and real_kb.get(top.id) is not None


def test_search_results_shape_and_per_doc_cap(real_kb: KnowledgeBase) -> None:
    passages = real_kb.search("how do I anchor with a first offer", k=8)
    assert len(passages) == 8
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)
    per_doc = {p.doc_id: sum(q.doc_id == p.doc_id for q in passages) for p in passages}
    assert max(per_doc.values()) <= 2
    assert len({p.id for p in passages}) == 8


def test_get_exact_chunk_and_unknown(real_kb: KnowledgeBase) -> None:
    passage = real_kb.get("meso#how-to-do-it")
    assert passage is not None and passage.section == "How to do it" and passage.kind == "practice"
    assert real_kb.get("meso#no-such-section") is None
    assert "batna" in real_kb.doc_ids()


@pytest.mark.parametrize("mode", ["hybrid", "vector", "bm25"])
def test_modes_return_ranked_docs(real_kb: KnowledgeBase, mode: str) -> None:
    ranking = real_kb.rank_docs("my walk-away point and bottom line", mode=mode)  # type: ignore[arg-type]
    assert sorted(ranking) == sorted(real_kb.doc_ids())
    assert "reservation-point" in ranking[:3]


def test_bad_queries(real_kb: KnowledgeBase) -> None:
    with pytest.raises(QueryError, match="empty"):
        real_kb.search("   \n\t ")
    with pytest.raises(QueryError, match="mode"):
        real_kb.search("price", mode="fuzzy")  # type: ignore[arg-type]
    huge = "they say the price is final " * 4000  # ~110 KB
    text, truncated = clean_query(huge)
    assert truncated and len(text) <= MAX_QUERY_CHARS
    assert real_kb.search(huge, k=2)


def test_query_without_known_words_still_ranks_by_vector(real_kb: KnowledgeBase) -> None:
    assert len(real_kb.search("zzqx", k=3)) == 3


def test_cache_reuses_instance_until_corpus_changes(tmp_path: Path, fixture_corpus: Path,
                                                   embedder: MiniLMEmbedder) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = KnowledgeBase.open(settings, corpus_dir=fixture_corpus, embedder=embedder)
    assert KnowledgeBase.open(settings, corpus_dir=fixture_corpus, embedder=embedder) is first
    path = fixture_corpus / "concepts" / "gamma-anchor.md"
    path.write_text(path.read_text().replace("(evidence)", "(evidence, updated)"))
    second = KnowledgeBase.open(settings, corpus_dir=fixture_corpus, embedder=embedder)
    assert second is not first and second.sync_report.updated == 1


def test_fixture_corpus_search(tmp_path: Path, fixture_corpus: Path, embedder: MiniLMEmbedder) -> None:
    kb = KnowledgeBase.open(Settings(data_dir=tmp_path / "d"), corpus_dir=fixture_corpus, embedder=embedder,
                            use_cache=False)
    assert kb.search("another supplier's quote if the talks fail", k=1)[0].doc_id == "beta-walkaway"
    assert kb.search("which package they pick reveals priorities", k=1)[0].doc_id == "alpha-offers"
    assert kb.rank_docs("first number pulls the price", mode="bm25")[0] == "gamma-anchor"


def _brute_doc_scores(chunk: list[float], docs: list[int], n: int) -> list[float]:
    out = []
    for d in range(n):
        mine = sorted((s for s, k in zip(chunk, docs) if k == d), reverse=True)
        out.append(mine[0] + 0.5 * sum(mine[1:3]) if mine else 0.0)
    return out


@given(st.lists(st.tuples(st.floats(0, 10), st.integers(0, 3)), min_size=1, max_size=30))
def test_doc_scores_match_brute_force(rows: list[tuple[float, int]]) -> None:
    chunk = [s for s, _ in rows]
    docs = sorted({d for _, d in rows})
    remap = {d: i for i, d in enumerate(docs)}
    idx = [remap[d] for _, d in rows]
    got = doc_scores(np.array(chunk), np.array(idx), len(docs))
    assert np.allclose(got, _brute_doc_scores(chunk, idx, len(docs)))


@given(arrays(np.float64, 12, elements=st.floats(0, 1)), arrays(np.float64, 12, elements=st.floats(0, 30)),
       st.floats(0, 1))
def test_fused_best_chunk_of_each_doc_carries_doc_order(vec: np.ndarray, kw: np.ndarray, alpha: float) -> None:
    chunk_doc = np.repeat(np.arange(4), 3)
    scores = fuse(vec, kw, chunk_doc, alpha)
    assert np.all((scores >= 0) & (scores <= 1 + 1e-12))
    best = [scores[chunk_doc == d].max() for d in range(4)]
    # the best chunk of a doc scores the doc: no chunk beats its own doc's best
    for i, d in enumerate(chunk_doc):
        assert scores[i] <= best[d] + 1e-12


def test_analyser_stems_and_drops_stopwords() -> None:
    assert analyse("They keep offering offers; priorities!") == ["offer", "offer", "priority"]
    assert {stem("bidding"), stem("bid"), stem("bids")} == {"bid"}
    assert stem("process") == "process" and stem("analysis") == "analysis"
