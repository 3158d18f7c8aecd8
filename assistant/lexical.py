"""BM25 over clause texts (bm25s with an English stemmer). bm25s is imported here only.

Filters are applied as a weight mask over the corpus, so a platform filter ranks only that
platform's clauses instead of cutting a global top-k.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

_STEMMER = None


def stem(word: str) -> str:
    """English Snowball stem, the same the BM25 index uses."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return str(_STEMMER.stemWord(word))


# words whose stems differ from the policy wording people search for
EXPANSIONS = {
    "scraper": "scraping scrape", "scrapers": "scraping scrape", "scrape": "scraping",
    "bot": "robots automated", "bots": "robots automated", "crawl": "crawling spiders",
    "ai": "artificial intelligence", "ml": "machine learning", "sell": "sale sold selling",
    "delete": "deletion", "ban": "suspend terminate", "kid": "children minors",
    "kids": "children minors", "lawsuit": "court claims", "sue": "court claims legal action",
}


def expand(query: str) -> str:
    extra = [EXPANSIONS[w] for w in query.lower().replace("?", " ").split() if w in EXPANSIONS]
    return " ".join([query, *extra])


class LexicalIndex:
    def __init__(self, ids: list[str], texts: list[str] | None = None, bm25: Any = None):
        """BM25 over ``texts`` (row-aligned with ``ids``), or the index ``bm25`` as loaded."""
        import bm25s
        import Stemmer

        self.ids = ids
        self._stemmer = Stemmer.Stemmer("english")
        if bm25 is None:
            bm25 = bm25s.BM25()
            tokens = bm25s.tokenize(texts or [], stopwords="en", stemmer=self._stemmer,
                                    show_progress=False)
            bm25.index(tokens, show_progress=False)
        self._bm25 = bm25

    def save(self, folder: Path) -> None:
        """bm25s's own format: the scores as .npy arrays, memory-mapped by ``load``."""
        self._bm25.save(str(folder))

    @classmethod
    def load(cls, folder: Path, ids: list[str]) -> LexicalIndex:
        import bm25s

        return cls(ids, bm25=bm25s.BM25.load(str(folder), mmap=True))

    def search(self, query: str, k: int, mask: np.ndarray | None = None
               ) -> list[tuple[int, float]]:
        """(row, score) of the best ``k`` rows with a positive score, within ``mask``."""
        import bm25s

        tokens = bm25s.tokenize([expand(query)], stopwords="en", stemmer=self._stemmer,
                                show_progress=False, return_ids=False)[0]
        if not tokens or not self.ids:
            return []
        scores = self._bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
