"""The numpy MiniLM against sentence-transformers' golden vectors, plus its building blocks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.knowledge import embedder as emb
from coach.knowledge.embedder import DIMENSIONS, EmbeddingModelMissing, MiniLMEmbedder, erf, gelu_

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


def test_matches_sentence_transformers_reference(embedder: MiniLMEmbedder) -> None:
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(ref["embeddings"], dtype=np.float64)
    got = embedder.embed(ref["sentences"])
    assert got.shape == (len(ref["sentences"]), DIMENSIONS)
    assert float(np.abs(got - expected).max()) <= 1e-5


def test_batch_composition_does_not_change_vectors(embedder: MiniLMEmbedder) -> None:
    texts = ["short", "a much longer sentence about packages, priorities and price", "x y z"]
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed_one(t) for t in texts])
    assert float(np.abs(together - alone).max()) <= 1e-5
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_empty_matrix(embedder: MiniLMEmbedder) -> None:
    assert embedder.embed([]).shape == (0, DIMENSIONS)


def test_erf_matches_math_erf_on_dense_grid() -> None:
    grid = np.linspace(-7.0, 7.0, 140_001)
    exact = np.array([math.erf(v) for v in grid])
    assert float(np.abs(erf(grid) - exact).max()) <= 1.5e-7


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-30, max_value=30, width=32), min_size=1, max_size=300))
def test_gelu_is_exact_erf_gelu(values: list[float]) -> None:
    x = np.array(values, dtype=np.float32)
    expected = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x.astype(np.float64)])
    got = gelu_(x.copy())
    assert np.all(np.abs(got - expected) <= 3e-7 * np.maximum(1.0, np.abs(expected)))


def test_gelu_across_block_and_thread_boundaries() -> None:
    x = np.linspace(-9, 9, emb._GELU_BLOCK * 3 + 17, dtype=np.float32).reshape(-1, 1)
    expected = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x.ravel().astype(np.float64)])
    assert float(np.abs(gelu_(x.copy()).ravel() - expected).max()) <= 3e-6


def test_missing_model_wheel_is_a_clear_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emb.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EmbeddingModelMissing, match="make run"):
        emb.model_dir()


def test_model_loads_lazily() -> None:
    fresh = MiniLMEmbedder()
    assert fresh._weights is None  # nothing read until the first embed call
