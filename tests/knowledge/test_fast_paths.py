"""The speed-ups must not change results: packed embedding, mmap weights, BM25 scoring, the snapshot."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.knowledge import embedder as emb
from coach.knowledge import search as search_mod
from coach.knowledge.embedder import MiniLMEmbedder
from coach.knowledge.keywords import KeywordIndex, analyse
from coach.knowledge.search import SNAPSHOT_FILE, KnowledgeBase
from coach.settings import Settings

WORDS = ["offer", "offers", "price", "final", "package", "priority", "priorities", "walk", "away", "anchor",
         "supplier", "salary", "the", "and", "trade", "value", "zopa", "batna"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=60),
       st.integers(min_value=1, max_value=600))
def test_groups_partition_texts_within_budget(lengths: list[int], budget: int) -> None:
    groups = emb._groups([[0] * n for n in lengths], budget)
    flat = [i for group in groups for i in group]
    assert sorted(flat) == list(range(len(lengths)))  # every text exactly once
    for group in groups:  # a group only exceeds the budget when it is a single long text
        assert sum(lengths[i] for i in group) <= budget or len(group) == 1
    firsts = [lengths[group[0]] for group in groups]
    assert firsts == sorted(firsts, reverse=True)  # longest first


def test_packed_batches_match_one_text_at_a_time() -> None:
    small = MiniLMEmbedder(batch_tokens=40)  # forces several groups on the thread pool
    texts = [" ".join(WORDS[: n % len(WORDS) + 1]) * (1 + n % 3) for n in range(23)] + ["", "x"]
    seen: list[tuple[int, int]] = []
    together = small.embed(texts, progress=lambda done, total: seen.append((done, total)))
    alone = np.stack([small.embed_one(t) for t in texts])
    assert float(np.abs(together - alone).max()) <= 1e-5
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert seen[-1] == (len(texts), len(texts)) and len(seen) > 1
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_memory_mapped_weights_equal_safetensors_loader() -> None:
    from safetensors.numpy import load_file

    path = emb.model_dir() / "model.safetensors"
    mapped = emb._read_safetensors(path)
    loaded = load_file(str(path))
    assert mapped.keys() == loaded.keys()
    for name, array in loaded.items():
        assert mapped[name].dtype == array.dtype and np.array_equal(mapped[name], array), name


texts_strategy = st.lists(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join), min_size=1, max_size=15)


@settings(max_examples=40, deadline=None)
@given(texts_strategy, st.lists(st.sampled_from(WORDS + ["unknownword"]), min_size=1, max_size=6).map(" ".join))
def test_keyword_scores_match_bm25s_and_survive_pickling(texts: list[str], query: str) -> None:
    import bm25s

    index = KeywordIndex(texts)
    oracle = bm25s.BM25(k1=1.2, b=0.75)
    oracle.index([analyse(t) or ["__empty__"] for t in texts], show_progress=False)
    known = [t for t in analyse(query) if t in oracle.vocab_dict]
    expected = oracle.get_scores(known) if known else np.zeros(len(texts))
    got = index.scores(query)
    assert got.shape == (len(texts),)
    assert np.allclose(got, expected, atol=1e-6)
    restored = KeywordIndex.from_state(pickle.loads(pickle.dumps(index.state())))
    assert np.array_equal(restored.scores(query), got)


def _open(data: Path, corpus: Path, embedder: MiniLMEmbedder, **kw: object) -> KnowledgeBase:
    return KnowledgeBase.open(Settings(data_dir=data), corpus_dir=corpus, embedder=embedder,
                              use_cache=False, **kw)  # type: ignore[arg-type]


def test_snapshot_skips_parsing_and_sync_until_a_file_changes(tmp_path: Path, fixture_corpus: Path,
                                                              embedder: MiniLMEmbedder,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    first = _open(data, fixture_corpus, embedder)
    assert any(data.rglob(SNAPSHOT_FILE))
    query = "another supplier's quote if the talks fail"
    expected = first.search(query, k=5)

    from coach.knowledge import index

    def no_parsing(*_: object, **__: object) -> None:
        raise AssertionError("corpus parsed although the snapshot is current")

    def no_sync(*_: object, **__: object) -> None:
        raise AssertionError("index synced although the snapshot is current")

    with monkeypatch.context() as patch:
        patch.setattr(search_mod, "load_corpus", no_parsing)
        patch.setattr(index, "sync", no_sync)
        patch.setattr(KeywordIndex, "__init__", no_parsing)
        start = embedder.embedded_texts
        again = _open(data, fixture_corpus, embedder)
        assert again.sync_report.unchanged == 24 and again.sync_report.embedded == 0
        assert again.search(query, k=5) == expected  # same passages, same scores
        assert [c.id for c in again.chunks] == [c.id for c in first.chunks]
        assert again.get("beta-walkaway#evidence") == first.get("beta-walkaway#evidence")
        assert embedder.embedded_texts - start == 1  # only the query

    path = fixture_corpus / "concepts" / "gamma-anchor.md"
    path.write_text(path.read_text().replace("(evidence)", "(evidence, updated)"))
    changed = _open(data, fixture_corpus, embedder)
    assert changed.sync_report.updated == 1  # the edit was seen despite the snapshot
    assert "updated" in (changed.get("gamma-anchor#evidence") or pytest.fail("chunk missing")).text


def test_refresh_and_a_changed_collection_bypass_the_snapshot(tmp_path: Path, fixture_corpus: Path,
                                                              embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "data"
    kb = _open(data, fixture_corpus, embedder)
    kb.collection.delete(ids=["alpha-offers#evidence"])  # Chroma no longer matches the snapshot
    healed = _open(data, fixture_corpus, embedder)
    assert healed.sync_report.added == 1 and healed.collection.count() == 24

    verified = _open(data, fixture_corpus, embedder, refresh=True)
    assert verified.sync_report.unchanged == 24  # went through the per-chunk hash check


def test_broken_snapshot_file_falls_back_to_a_full_load(tmp_path: Path, fixture_corpus: Path,
                                                        embedder: MiniLMEmbedder) -> None:
    data = tmp_path / "data"
    _open(data, fixture_corpus, embedder)
    snapshot = next(data.rglob(SNAPSHOT_FILE))
    snapshot.write_bytes(b"not a pickle")
    kb = _open(data, fixture_corpus, embedder)
    assert kb.sync_report.unchanged == 24 and len(kb.doc_ids()) == 3
    assert pickle.loads(snapshot.read_bytes())["key"]  # rewritten


def test_open_starts_no_background_threads(tmp_path: Path, fixture_corpus: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The old preload thread imported numpy while the main thread imported chromadb (import race)."""
    started: list[str] = []
    real_start = threading.Thread.start

    def record(self: threading.Thread) -> None:
        started.append(self.name)
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", record)
    _open(tmp_path / "data", fixture_corpus, MiniLMEmbedder())
    assert not [name for name in started if "minilm" in name]
