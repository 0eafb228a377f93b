"""BM25 over passage terms (bm25s), plus document frequencies for term-coverage scores."""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np

# bm25s logs and draws progress bars by default; a build reports its own progress.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 (Lucene variant) whose documents are term lists made by `Analyzer`."""

    def __init__(self, bm25: bm25s.BM25) -> None:
        self._bm25 = bm25
        indptr = np.asarray(bm25.scores["indptr"])
        self.num_docs = int(bm25.scores["num_docs"])
        self._df = np.diff(indptr)

    @classmethod
    def build(cls, docs: list[list[str]]) -> LexicalIndex:
        bm25 = bm25s.BM25(method="lucene")
        # bm25s needs at least one term overall; the empty token keeps term-less passages indexable.
        bm25.index(docs, show_progress=False, create_empty_token=True)
        return cls(bm25)

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(directory), mmap=True, show_progress=False))

    def term_ids(self, terms: list[str]) -> list[int]:
        return self._bm25.get_tokens_ids(terms)

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the query `terms` (unknown terms contribute nothing)."""
        ids = self.term_ids(terms)
        if not ids:
            return np.zeros(self.num_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def top(self, terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, scores) of the best `k` documents with a positive score, best first."""
        scores = self.scores(terms)
        k = min(k, len(scores))
        if k == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        ids = np.argpartition(-scores, k - 1)[:k]
        ids = ids[np.argsort(-scores[ids], kind="stable")]
        keep = scores[ids] > 0
        return ids[keep].astype(np.int64), scores[ids][keep]

    def idf(self, terms: list[str]) -> np.ndarray:
        """Inverse document frequency of each term; a term the corpus never uses gets the highest."""
        n = self.num_docs
        vocab = self._bm25.vocab_dict
        df = np.array([self._df[vocab[t]] if t in vocab else 0 for t in terms], dtype=np.float64)
        return np.log(1 + (n - df + 0.5) / (df + 0.5))
