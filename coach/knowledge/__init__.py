"""Knowledge corpus and retrieval: corpus.py (load, chunk), embedder.py (numpy MiniLM), index.py
(Chroma), keywords.py (BM25), search.py (hybrid KnowledgeBase), langchain_retriever.py."""
