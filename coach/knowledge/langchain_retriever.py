"""LangChain adapter: ``PracticesRetriever(kb)`` is a ``BaseRetriever`` over the hybrid search.

Each LangChain ``Document`` carries the passage text and the citation metadata the agent needs:
``id`` (``DOC_ID#section``), ``doc_id``, ``title``, ``kind``, ``section`` and the fused ``score``.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from coach.knowledge.search import KnowledgeBase, Mode, Passage


def passage_to_document(passage: Passage) -> Document:
    """A LangChain document with the passage's citation metadata."""
    return Document(
        id=passage.id,
        page_content=passage.text,
        metadata={"id": passage.id, "doc_id": passage.doc_id, "title": passage.title, "kind": passage.kind,
                  "section": passage.section, "score": passage.score},
    )


class PracticesRetriever(BaseRetriever):
    """Retrieve cited passages from the practices corpus (hybrid: MiniLM vectors + BM25)."""

    kb: Any = Field(description="An open coach.knowledge.search.KnowledgeBase")
    k: int = Field(default=4, ge=1, le=50, description="Passages per query")
    mode: Mode = "hybrid"

    def __init__(self, kb: KnowledgeBase | None = None, /, **data: Any) -> None:
        if kb is not None:
            data["kb"] = kb
        super().__init__(**data)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                ) -> list[Document]:
        return [passage_to_document(p) for p in self.kb.search(query, k=self.k, mode=self.mode)]
