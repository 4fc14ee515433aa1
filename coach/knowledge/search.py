"""Hybrid search over the practices corpus: embeddings (Chroma) + BM25, fused per document.

``KnowledgeBase.open(settings)`` loads the corpus, brings the Chroma index up to date (first use
builds it; later opens re-embed only changed chunks), builds BM25 in memory and is cached per
process, so the CLI, the agent and the UI share one warm instance.

After each sync a snapshot (the parsed corpus and the BM25 arrays) is pickled next to the local
Chroma index, keyed by a hash of the corpus files' bytes and of the parsing code. A new process
whose corpus matches the snapshot skips YAML parsing, BM25 building and the per-chunk hash check
against Chroma (it still opens the Chroma collection and checks its id and size): this is what
keeps a fresh ``coach search`` fast.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from coach.errors import CoachError
from coach.knowledge.corpus import Chunk, Corpus, CorpusProblem, default_corpus_dir, load_corpus

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from coach.knowledge.embedder import MiniLMEmbedder
    from coach.knowledge.index import SyncReport
    from coach.knowledge.keywords import KeywordIndex
    from coach.settings import Settings

Mode = Literal["hybrid", "vector", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "vector", "bm25")
MAX_QUERY_CHARS = 2000  # longer queries are cut (the embedder reads ~256 word pieces anyway)
MAX_K = 50
VECTOR_WEIGHT = 0.4  # share of the vector signal in the hybrid score (the rest is BM25)
DOC_TOP = 3  # chunks pooled into a document's score
DOC_DECAY = 0.5  # weight of the 2nd and 3rd best chunks in that pool
MAX_PER_DOC = 2  # passages per document in one result list, for variety
SNAPSHOT_FILE = "knowledge-snapshot.pickle"  # in settings.index_dir, next to Chroma's files
SNAPSHOT_VERSION = 1


class QueryError(CoachError):
    """The query cannot be searched (empty, or an unknown mode)."""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its citation id (``DOC_ID#section``) and fused score."""

    id: str
    doc_id: str
    title: str
    kind: str
    section: str
    score: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_query(query: str) -> tuple[str, bool]:
    """Strip and bound a query; returns (query, was_truncated). Empty -> ``QueryError``."""
    text = " ".join(str(query).split())
    if not text:
        raise QueryError("query is empty; ask a question, e.g. coach search \"they say the price is final\"")
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    cut = text[:MAX_QUERY_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_QUERY_CHARS // 2 else cut), True


def _corpus_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.rglob("*.md")))


def _snapshot_key(root: Path) -> str:
    """Digest of every corpus file (path and bytes) and of the code that parses and analyses them."""
    from coach.knowledge import corpus, keywords

    digest = hashlib.sha256(f"{SNAPSHOT_VERSION}|{corpus.INDEX_FORMAT}|{root.resolve()}".encode())
    for module in (corpus, keywords):
        digest.update(Path(str(module.__file__)).read_bytes())
    for path in sorted(root.rglob("*.md")) if root.is_dir() else []:
        digest.update(b"\0" + str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read_snapshot(path: Path, key: str) -> dict[str, Any] | None:
    """The snapshot at ``path`` if it was written for ``key`` (else None; never raises)."""
    try:
        with path.open("rb") as handle:
            snapshot = pickle.load(handle)  # our own file in the data dir, like Chroma's pickles
    except Exception:  # noqa: BLE001 - missing, truncated or from older code: rebuild instead
        return None
    return snapshot if isinstance(snapshot, dict) and snapshot.get("key") == key else None


def _write_snapshot(path: Path, snapshot: dict[str, Any]) -> None:
    """Write atomically; a read-only data dir only costs the next process some speed."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            pickle.dump(snapshot, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


class KnowledgeBase:
    """The corpus, its Chroma collection and its BM25 index, ready to search."""

    _cache: ClassVar[dict[tuple[str, ...], KnowledgeBase]] = {}
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, corpus: Corpus, collection: Any, embedder: MiniLMEmbedder,
                 report: SyncReport, signature: tuple[Any, ...] = (), keywords: KeywordIndex | None = None
                 ) -> None:
        from coach.knowledge.keywords import KeywordIndex

        self.corpus = corpus
        self.collection = collection
        self.embedder = embedder
        self.sync_report = report
        self.signature = signature
        self.chunks: list[Chunk] = corpus.chunks
        self._by_id = {chunk.id: i for i, chunk in enumerate(self.chunks)}
        self._keywords = keywords or KeywordIndex([chunk.keyword_text for chunk in self.chunks])
        doc_index = {doc_id: n for n, doc_id in enumerate(dict.fromkeys(c.doc_id for c in self.chunks))}
        self._chunk_doc = _int_array([doc_index[c.doc_id] for c in self.chunks])

    @property
    def problems(self) -> list[CorpusProblem]:
        return self.corpus.problems

    @classmethod
    def open(cls, settings: Settings, progress: Callable[[int, int], None] | None = None, *,
             corpus_dir: Path | None = None, embedder: MiniLMEmbedder | None = None,
             rebuild: bool = False, refresh: bool = False, use_cache: bool = True) -> KnowledgeBase:
        """Open the index, building or updating it; cached per process unless the corpus changed.

        ``rebuild`` drops and re-embeds everything; ``refresh`` re-checks the index (every chunk's
        hash against Chroma) even when a cached instance or an up-to-date snapshot exists;
        ``use_cache=False`` neither reads nor stores the process cache.
        """
        root = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
        key = (str(settings.index_dir), str(settings.chroma_host), str(settings.chroma_port), str(root.resolve()))
        with cls._cache_lock:
            signature = _corpus_signature(root) if root.is_dir() else ()
            cached = cls._cache.get(key)
            if use_cache and not (rebuild or refresh) and cached is not None and cached.signature == signature:
                return cached
            kb = cls._build(settings, root, progress, embedder, rebuild, signature, verify=refresh)
            if use_cache:
                cls._cache[key] = kb
            return kb

    @classmethod
    def _build(cls, settings: Settings, root: Path, progress: Callable[[int, int], None] | None,
               embedder: MiniLMEmbedder | None, rebuild: bool, signature: tuple[Any, ...],
               verify: bool = False) -> KnowledgeBase:
        """Load (or restore) the corpus, sync Chroma, build BM25; ``verify`` forces the hash check."""
        from coach.knowledge import index
        from coach.knowledge.embedder import get_embedder
        from coach.knowledge.keywords import KeywordIndex

        embedder = embedder or get_embedder()  # weights load on the first embed call
        snapshot_path = settings.index_dir / SNAPSHOT_FILE
        key = _snapshot_key(root)
        snapshot = None if rebuild else _read_snapshot(snapshot_path, key)
        corpus = snapshot["corpus"] if snapshot else load_corpus(root)
        client = index.open_client(settings)
        if rebuild:
            index.reset(client)
        collection = index.open_collection(client, embedder)
        chunks = corpus.chunks
        local = not settings.chroma_host  # a shared server may be changed by other clients
        fast = bool(snapshot and local and not verify and snapshot.get("collection_id") == str(collection.id)
                    and collection.count() == len(chunks))
        if fast:
            report = index.SyncReport(added=0, updated=0, removed=0, unchanged=len(chunks))
            if progress:
                progress(0, 0)
        else:
            report = index.sync(collection, chunks, embedder, progress)
        keywords = KeywordIndex.from_state(snapshot["keywords"]) if snapshot else None
        kb = cls(corpus, collection, embedder, report, signature, keywords=keywords)
        if not fast:
            _write_snapshot(snapshot_path, {"key": key, "corpus": corpus, "keywords": kb._keywords.state(),
                                            "collection_id": str(collection.id)})
        return kb

    @classmethod
    def clear_cache(cls) -> None:
        with cls._cache_lock:
            cls._cache.clear()

    def doc_ids(self) -> list[str]:
        return self.corpus.doc_ids()

    def get(self, chunk_id: str) -> Passage | None:
        """The chunk with this exact id (e.g. ``meso#how-to-do-it``), or None."""
        i = self._by_id.get(chunk_id)
        return None if i is None else self._passage(i, 0.0)

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid", max_per_doc: int | None = MAX_PER_DOC
               ) -> list[Passage]:
        """The best ``k`` passages for a plain-language query, best first (fused score)."""
        scored = self._ranked(query, mode)
        out: list[Passage] = []
        per_doc: dict[str, int] = {}
        for i, score in scored:
            doc = self.chunks[i].doc_id
            if max_per_doc is not None and per_doc.get(doc, 0) >= max_per_doc:
                continue
            per_doc[doc] = per_doc.get(doc, 0) + 1
            out.append(self._passage(i, score))
            if len(out) >= max(1, min(int(k), MAX_K)):
                break
        return out

    def rank_docs(self, query: str, mode: Mode = "hybrid") -> list[str]:
        """Distinct document ids in the order of their best passage (used by the retrieval eval)."""
        seen: dict[str, None] = {}
        for i, _ in self._ranked(query, mode):
            seen.setdefault(self.chunks[i].doc_id, None)
        return list(seen)

    def _passage(self, i: int, score: float) -> Passage:
        c = self.chunks[i]
        return Passage(id=c.id, doc_id=c.doc_id, title=c.title, kind=c.kind, section=c.section,
                       score=round(float(score), 6), text=c.text)

    def _ranked(self, query: str, mode: Mode) -> list[tuple[int, float]]:
        """(chunk index, fused score) for every chunk, best first."""
        import numpy as np

        if mode not in MODES:
            raise QueryError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        text, _ = clean_query(query)
        if not self.chunks:
            return []
        alpha = {"hybrid": VECTOR_WEIGHT, "vector": 1.0, "bm25": 0.0}[mode]
        zeros = np.zeros(len(self.chunks), dtype=np.float64)
        vector = self._vector_scores(text) if alpha > 0 else zeros
        keyword = self._keywords.scores(text).astype(np.float64) if alpha < 1 else zeros
        scores = fuse(vector, keyword, self._chunk_doc, alpha)
        order = np.lexsort((np.arange(len(scores)), -scores))
        return [(int(i), float(scores[i])) for i in order]

    def _vector_scores(self, text: str) -> NDArray[np.float64]:
        """Cosine similarity of the query to every chunk, from the Chroma collection."""
        import numpy as np

        query_vec = self.embedder.embed_one(text)
        found = self.collection.query(query_embeddings=[query_vec], n_results=len(self.chunks),
                                      include=["distances"])
        scores = np.full(len(self.chunks), np.nan)
        for cid, dist in zip(found["ids"][0], found["distances"][0]):
            i = self._by_id.get(cid)
            if i is not None:
                scores[i] = 1.0 - float(dist)
        floor = np.nanmin(scores) if np.isfinite(scores).any() else 0.0
        return np.nan_to_num(scores, nan=floor)


def _minmax(x: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    span = float(x.max() - x.min()) if x.size else 0.0
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def doc_scores(chunk_scores: NDArray[np.float64], chunk_doc: NDArray[np.int64], n_docs: int
               ) -> NDArray[np.float64]:
    """A document's evidence: its best chunk plus half of each of the next ``DOC_TOP - 1``."""
    import numpy as np

    out = np.zeros(n_docs)
    for d in range(n_docs):
        top = np.sort(chunk_scores[chunk_doc == d])[::-1][:DOC_TOP]
        out[d] = top[:1].sum() + DOC_DECAY * top[1:].sum()
    return out


def fuse(vector: NDArray[np.float64], keyword: NDArray[np.float64], chunk_doc: NDArray[np.int64],
         alpha: float) -> NDArray[np.float64]:
    """Hybrid chunk scores in [0, 1].

    Each signal is first pooled per document (``doc_scores``) and min-max normalised; a document's
    score is ``alpha * vector + (1 - alpha) * keyword``. A chunk scores its document's score times
    ``0.75 + 0.25 * (its own fused score relative to the best chunk of that document)``, so the best
    chunk of each document carries exactly the document score and documents keep their order.
    """
    import numpy as np

    n_docs = int(chunk_doc.max()) + 1 if chunk_doc.size else 0
    doc = alpha * _minmax(doc_scores(vector, chunk_doc, n_docs)) + (1 - alpha) * _minmax(
        doc_scores(keyword, chunk_doc, n_docs))
    chunk = alpha * _minmax(vector) + (1 - alpha) * _minmax(keyword)
    best = np.zeros(n_docs)
    np.maximum.at(best, chunk_doc, chunk)
    relative = np.divide(chunk, best[chunk_doc], out=np.ones_like(chunk), where=best[chunk_doc] > 0)
    return doc[chunk_doc] * (0.75 + 0.25 * relative)


def _int_array(values: list[int]) -> NDArray[np.int64]:
    import numpy as np

    return np.asarray(values, dtype=np.int64)
