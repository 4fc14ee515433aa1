"""Keyword side of hybrid search: a small English analyser (stopwords, light stemming) and BM25.

No downloads and no extra packages: the stemmer is a handful of suffix rules, enough to make
"offers"/"offering"/"offered" meet "offer" and "priorities" meet "priority".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "i'm", "i've", "i'd", "we're", "we've", "they're", "they've", "it's", "don't", "doesn't", "didn't", "can't", "won't", "isn't", "aren't", "wasn't", "weren't", "let's", "get", "got", "gets", "getting", "also", "really", "just", "like", "want", "wants", "wanted", "keep", "keeps", "kept", "say", "says", "said", "thing", "things", "way", "ways", "something", "anything", "lot", "much", "many"]
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_VOWEL = re.compile(r"[aeiouy]")
_DOUBLE = re.compile(r"([bdfgklmnprt])\1$")


def stem(word: str) -> str:
    """Light suffix stripping (plural, -ing, -ed, -ly, -ies); stable and idempotent enough for BM25."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and _VOWEL.search(word[: -len(suffix)]):
            base = word[: -len(suffix)]
            if _DOUBLE.search(base):
                base = base[:-1]
            return base
    if word.endswith("ly") and len(word) > 5:
        return word[:-2]
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("es") and word[-3] in "sxz" and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def analyse(text: str) -> list[str]:
    """Lowercase word tokens without stopwords, stemmed."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word.split("'")[0] if word.endswith("'s") else word
        if word in STOPWORDS or len(word) < 2:
            continue
        out.append(stem(word))
    return out


class KeywordIndex:
    """BM25 (``bm25s``, Lucene variant) over a fixed list of texts, built in memory.

    ``bm25s`` builds the sparse (token x text) score matrix; scoring a query only sums its
    columns, done here in numpy so an index restored with ``from_state`` (the search snapshot)
    needs neither ``bm25s`` nor its import time.
    """

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        import bm25s

        self.size = len(texts)
        bm25: Any = bm25s.BM25(k1=k1, b=b)
        tokens = [analyse(text) or ["__empty__"] for text in texts]
        bm25.index(tokens, show_progress=False)
        self._set_state({"size": self.size, "vocab": dict(bm25.vocab_dict), "data": bm25.scores["data"],
                         "indices": bm25.scores["indices"], "indptr": bm25.scores["indptr"]})

    def _set_state(self, state: dict[str, Any]) -> None:
        import numpy as np

        self.size = int(state["size"])
        self.vocab: dict[str, int] = state["vocab"]
        self._data = np.asarray(state["data"], dtype=np.float32)
        self._indices = np.asarray(state["indices"])
        self._indptr = np.asarray(state["indptr"])

    def state(self) -> dict[str, Any]:
        """Plain data (dict, numpy arrays) that ``from_state`` turns back into this index."""
        return {"size": self.size, "vocab": self.vocab, "data": self._data, "indices": self._indices,
                "indptr": self._indptr}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> KeywordIndex:
        index = cls.__new__(cls)
        index._set_state(state)
        return index

    def scores(self, query: str) -> NDArray[np.float32]:
        """BM25 score of every text for ``query`` (zeros when no query word is in the vocabulary).

        The sum over the query's tokens (repeats count again) of their score columns, as
        ``bm25s.BM25.get_scores`` computes it.
        """
        import numpy as np

        out = np.zeros(self.size, dtype=np.float32)
        ids = [self.vocab[t] for t in analyse(query) if t in self.vocab]
        if not ids or not self.size:
            return out
        spans = [(int(self._indptr[i]), int(self._indptr[i + 1])) for i in ids]
        rows = np.concatenate([self._indices[a:b] for a, b in spans])
        values = np.concatenate([self._data[a:b] for a, b in spans])
        np.add.at(out, rows, values)
        return out
