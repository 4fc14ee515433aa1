"""The persistent Chroma collection of corpus chunks, embedded with the local numpy MiniLM.

On disk by default (``settings.index_dir``), or a Chroma server when ``COACH_CHROMA_HOST`` is set.
Our embedding function is registered with Chroma under ``EMBEDDING_FUNCTION_NAME``, so a
collection reopened in a new process (or by any Chroma client that imports this module) embeds
query texts with the same model. ``sync`` re-embeds only chunks whose content hash changed and
deletes chunks of removed documents. Telemetry is off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError
from coach.knowledge.corpus import Chunk
from coach.knowledge.embedder import (
    DIMENSIONS,
    MAX_TOKENS,
    MODEL_NAME,
    MiniLMEmbedder,
    get_embedder,
)

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from coach.settings import Settings

COLLECTION_NAME = "pie_coach_knowledge"
EMBEDDING_FUNCTION_NAME = "pie-coach-minilm-numpy"
UPSERT_BATCH = 1000  # well under Chroma's max batch size
Progress = Callable[[int, int], None]


class KnowledgeIndexError(CoachError):
    """The index cannot be opened (server unreachable, folder not writable)."""


@dataclass(frozen=True)
class SyncReport:
    """What one ``sync`` changed in the collection."""

    added: int
    updated: int
    removed: int
    unchanged: int

    @property
    def embedded(self) -> int:
        return self.added + self.updated


@lru_cache(maxsize=1)
def embedding_function_class() -> type:
    """Define (once) and register our Chroma ``EmbeddingFunction`` without importing chromadb at import time."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    class MiniLMNumpyEmbeddingFunction(EmbeddingFunction[Documents]):
        """Chroma adapter over ``MiniLMEmbedder``; its config is enough to rebuild it anywhere."""

        def __init__(self, max_tokens: int = MAX_TOKENS, embedder: MiniLMEmbedder | None = None) -> None:
            self.max_tokens = max_tokens
            self._embedder = embedder

        @property
        def embedder(self) -> MiniLMEmbedder:
            if self._embedder is None:
                self._embedder = get_embedder() if self.max_tokens == MAX_TOKENS else MiniLMEmbedder(
                    max_tokens=self.max_tokens)
            return self._embedder

        def __call__(self, input: Documents) -> Embeddings:
            return list(self.embedder.embed(list(input)))

        @staticmethod
        def name() -> str:
            return EMBEDDING_FUNCTION_NAME

        def get_config(self) -> dict[str, Any]:
            return {"model": MODEL_NAME, "max_tokens": self.max_tokens, "dimensions": DIMENSIONS}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> MiniLMNumpyEmbeddingFunction:
            MiniLMNumpyEmbeddingFunction.validate_config(config)
            return MiniLMNumpyEmbeddingFunction(max_tokens=int(config.get("max_tokens", MAX_TOKENS)))

        @staticmethod
        def validate_config(config: dict[str, Any]) -> None:
            if config.get("model", MODEL_NAME) != MODEL_NAME:
                raise ValueError(f"collection was built with {config.get('model')!r}, not {MODEL_NAME}")

        def default_space(self) -> str:  # type: ignore[override]
            return "cosine"

        def supported_spaces(self) -> list[str]:  # type: ignore[override]
            return ["cosine", "ip", "l2"]

    register_embedding_function(MiniLMNumpyEmbeddingFunction)
    return MiniLMNumpyEmbeddingFunction


def make_embedding_function(embedder: MiniLMEmbedder | None = None) -> Any:
    """An instance of the registered Chroma embedding function (optionally over a given embedder)."""
    return embedding_function_class()(embedder=embedder)


def open_client(settings: Settings) -> ClientAPI:
    """A Chroma client: HTTP when ``chroma_host`` is set, else persistent in ``settings.index_dir``."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                       settings=chroma_settings)
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except (OSError, ValueError, ConnectionError) as err:
        where = (f"Chroma server {settings.chroma_host}:{settings.chroma_port} (COACH_CHROMA_HOST)"
                 if settings.chroma_host else f"index folder {settings.index_dir} (COACH_DATA_DIR)")
        raise KnowledgeIndexError(f"cannot open {where}: {err}") from None


def open_collection(client: ClientAPI, embedder: MiniLMEmbedder | None = None,
                    name: str = COLLECTION_NAME) -> Collection:
    """Get or create the chunk collection with our embedding function and cosine distance."""
    ef = make_embedding_function(embedder)
    return client.get_or_create_collection(
        name=name, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}},
    )


def _metadata(chunk: Chunk) -> dict[str, str]:
    return {"doc_id": chunk.doc_id, "title": chunk.title, "kind": chunk.kind, "section": chunk.section,
            "tags": ",".join(chunk.tags), "hash": chunk.content_hash}


def sync(collection: Collection, chunks: Sequence[Chunk], embedder: MiniLMEmbedder,
         progress: Progress | None = None) -> SyncReport:
    """Bring the collection in line with ``chunks``: embed new/changed ones, delete stale ones."""
    stored = collection.get(include=["metadatas"])
    have = {cid: (meta or {}).get("hash") for cid, meta in zip(stored["ids"], stored["metadatas"] or [])}
    wanted = {chunk.id for chunk in chunks}
    stale = sorted(cid for cid in have if cid not in wanted)
    todo = [chunk for chunk in chunks if have.get(chunk.id) != chunk.content_hash]
    if stale:
        collection.delete(ids=stale)
    total = len(todo)
    if progress:
        progress(0, total)
    # One embed call for everything: the embedder packs texts by length and spreads the groups over
    # the cores; then one upsert per Chroma batch (229 chunks fit in one).
    vectors = embedder.embed([chunk.embedding_text for chunk in todo], progress=progress)
    for start in range(0, total, UPSERT_BATCH):
        part = todo[start : start + UPSERT_BATCH]
        collection.upsert(ids=[c.id for c in part], embeddings=vectors[start : start + UPSERT_BATCH],
                          documents=[c.text for c in part],
                          metadatas=[_metadata(c) for c in part])  # type: ignore[arg-type]
    added = sum(1 for chunk in todo if chunk.id not in have)
    return SyncReport(added=added, updated=total - added, removed=len(stale),
                      unchanged=len(chunks) - total)


def reset(client: ClientAPI, name: str = COLLECTION_NAME) -> None:
    """Drop the collection (``coach ingest --rebuild``)."""
    from chromadb.errors import NotFoundError

    try:
        client.delete_collection(name)
    except (NotFoundError, ValueError):  # nothing to drop yet
        return
