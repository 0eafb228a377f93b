"""BM25 over passage terms (Lucene's variant), stored as our own files, plus document frequencies.

On disk (directory LEXICAL of an index; the layout bm25s 0.2-0.3 wrote, so older indexes load): the
BM25 matrix by term as CSC arrays (`indptr`; `indices`, passage ids; `data`, each passage's score part
for the term), the vocabulary as JSON {term: id}, the parameters as JSON, and the forward index: each
passage's distinct term ids and their counts (`forward.*.npy`), so a rebuild can take an unchanged
passage's terms from it instead of analyzing the passage again.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1, B = 1.5, 0.75  # Lucene's (and bm25s's) defaults
INDPTR, INDICES, DATA = "indptr.csc.index.npy", "indices.csc.index.npy", "data.csc.index.npy"
POSTINGS = (INDICES, DATA)  # the files every query reads
VOCAB, PARAMS = "vocab.index.json", "params.index.json"
FORWARD = ("forward.ptr.npy", "forward.terms.npy", "forward.counts.npy")


def lucene_idf(n_docs: int, df: np.ndarray) -> np.ndarray:
    """Lucene's idf of terms found in `df` of `n_docs` documents (never negative)."""
    return np.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def length_norm(lengths: np.ndarray, average: float) -> np.ndarray:
    """K1 * (1 - B + B * length / average length) of each document: where its term counts saturate."""
    return K1 * ((1 - B) + B * lengths / average) if average else np.full(len(lengths), K1 * (1 - B))


@dataclass
class Forward:
    """Per passage, its distinct term ids (into `vocab`) and their counts, as CSR rows."""

    vocab: list[str]
    ptr: np.ndarray  # int64, passages + 1
    terms: np.ndarray  # int32
    counts: np.ndarray  # int32

    def __len__(self) -> int:
        return len(self.ptr) - 1


class ForwardBuilder:
    """Collects passages' terms in order: analyzed term lists, or rows of a previous forward index."""

    def __init__(self, vocab: list[str] | None = None) -> None:
        self.vocab = list(vocab or [])
        self._ids = {t: i for i, t in enumerate(self.vocab)}
        self._lengths: list[np.ndarray] = []
        self._terms: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._pending_terms: list[int] = []
        self._pending_counts: list[int] = []
        self._pending_lengths: list[int] = []

    def add(self, terms: list[str]) -> None:
        """One passage's terms, as the analyzer made them (repeats count)."""
        ids = self._ids
        counted = Counter(terms)
        for term, n in counted.items():
            i = ids.get(term)
            if i is None:
                i = ids[term] = len(self.vocab)
                self.vocab.append(term)
            self._pending_terms.append(i)
            self._pending_counts.append(n)
        self._pending_lengths.append(len(counted))

    def add_rows(self, forward: Forward, start: int, end: int) -> None:
        """Passages `start..end-1` of a forward index whose vocabulary is this builder's (a prefix of it)."""
        self._flush()
        lo, hi = int(forward.ptr[start]), int(forward.ptr[end])
        self._lengths.append(np.diff(np.asarray(forward.ptr[start: end + 1])))
        self._terms.append(np.asarray(forward.terms[lo:hi]))
        self._counts.append(np.asarray(forward.counts[lo:hi]))

    def _flush(self) -> None:
        if self._pending_lengths:
            self._lengths.append(np.array(self._pending_lengths, dtype=np.int64))
            self._terms.append(np.array(self._pending_terms, dtype=np.int32))
            self._counts.append(np.array(self._pending_counts, dtype=np.int32))
            self._pending_terms, self._pending_counts, self._pending_lengths = [], [], []

    def finish(self) -> Forward:
        self._flush()
        lengths = np.concatenate(self._lengths) if self._lengths else np.empty(0, dtype=np.int64)
        ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=ptr[1:])
        terms = np.concatenate(self._terms).astype(np.int32, copy=False) if self._terms else np.empty(0, np.int32)
        counts = np.concatenate(self._counts).astype(np.int32, copy=False) if self._counts else np.empty(0, np.int32)
        return Forward(self.vocab, ptr, terms, counts)


class LexicalIndex:
    """BM25 (Lucene variant) whose documents are term lists made by `Analyzer`."""

    def __init__(self, vocab: list[str], indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, num_docs: int,
                 forward: Forward | None = None) -> None:
        self._vocab = vocab
        self._ids = {t: i for i, t in enumerate(vocab)}
        self._indptr = np.asarray(indptr)
        self._indices = indices
        self._data = data
        self.num_docs = num_docs
        self._df = np.diff(self._indptr)
        self.forward = forward

    @classmethod
    def build(cls, docs: list[list[str]]) -> LexicalIndex:
        builder = ForwardBuilder()
        for terms in docs:
            builder.add(terms)
        return cls.from_forward(builder.finish())

    @classmethod
    def from_forward(cls, forward: Forward) -> LexicalIndex:
        """The BM25 matrix of a forward index: Lucene idf times each passage's saturated term frequency."""
        # terms no passage uses any more are dropped from the vocabulary
        used = np.bincount(forward.terms, minlength=len(forward.vocab)) > 0
        remap = np.cumsum(used) - 1
        vocab = [t for t, u in zip(forward.vocab, used) if u]
        terms = remap[forward.terms].astype(np.int32) if len(forward.terms) else forward.terms
        forward = Forward(vocab, forward.ptr, terms, forward.counts)

        n_docs, n_vocab = len(forward), len(vocab)
        row_lengths = np.diff(forward.ptr)
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), row_lengths)
        doc_len = np.bincount(docs, weights=forward.counts, minlength=n_docs) if n_docs else np.zeros(0)
        avg_len = float(doc_len.mean()) if n_docs else 0.0
        df = np.bincount(terms, minlength=n_vocab)
        idf = lucene_idf(n_docs, df).astype(np.float32)
        tf = forward.counts.astype(np.float32)
        norm = length_norm(doc_len[docs], avg_len)
        data = (idf[terms] * (tf / (norm + tf))).astype(np.float32)
        order = np.argsort(terms, kind="stable")  # rows are in document order: columns stay sorted
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        return cls(vocab, indptr, docs[order], data[order], n_docs, forward)

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, array in ((INDPTR, self._indptr), (INDICES, self._indices), (DATA, self._data)):
            np.save(directory / name, array)
        vocab = {t: i for i, t in enumerate(self._vocab)}
        (directory / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        params = {"method": "lucene", "k1": K1, "b": B, "num_docs": self.num_docs}
        (directory / PARAMS).write_text(json.dumps(params), encoding="utf-8")
        if self.forward is not None:
            for name, array in zip(FORWARD, (self.forward.ptr, self.forward.terms, self.forward.counts)):
                np.save(directory / name, array)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """The BM25 matrix saved in `directory`, its postings memory-mapped (the forward index is not read)."""
        directory = Path(directory)
        params = json.loads((directory / PARAMS).read_text(encoding="utf-8"))
        if (params.get("method"), params.get("k1"), params.get("b")) != ("lucene", K1, B):
            raise ValueError(f"{directory / PARAMS}: BM25 parameters {params}, this program scores with {K1}, {B}")
        indptr = np.load(directory / INDPTR)
        vocab = _vocabulary(directory, len(indptr) - 1)
        indices, data = (np.load(directory / name, mmap_mode="r") for name in (INDICES, DATA))
        if not len(indices) == len(data) == int(indptr[-1]):
            raise ValueError(f"{directory}: postings do not match their pointers")
        return cls(vocab, indptr, indices, data, int(params["num_docs"]))

    @staticmethod
    def load_forward(directory: Path) -> Forward | None:
        """The forward index saved with a BM25 index (memory-mapped), or None if it has none."""
        directory = Path(directory)
        if not all((directory / name).is_file() for name in FORWARD):
            return None
        ptr, terms, counts = (np.load(directory / name, mmap_mode="r") for name in FORWARD)
        return Forward(_vocabulary(directory, len(np.load(directory / INDPTR, mmap_mode="r")) - 1), ptr, terms, counts)

    def __contains__(self, term: str) -> bool:
        i = self._ids.get(term)
        return i is not None and self._df[i] > 0

    def vocabulary(self) -> list[str]:
        return list(self._vocab)

    def term_ids(self, terms: list[str]) -> list[int]:
        """The id of each of `terms` the index knows, in order (repeats kept)."""
        ids = self._ids
        return [ids[t] for t in terms if t in ids]

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the query `terms` (unknown terms contribute nothing)."""
        scores = np.zeros(self.num_docs, dtype=np.float32)
        for docs, data in self.postings(self.term_ids(terms)):
            # a term's postings name each document once, so plain fancy-index addition is exact
            # (and ~10x faster than np.add.at)
            scores[docs] += data
        return scores

    def postings(self, ids: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each term's (passage ids, score parts), in the order of `ids`: where a store reads its postings."""
        indptr = self._indptr
        return [(self._indices[indptr[t]: indptr[t + 1]], self._data[indptr[t]: indptr[t + 1]]) for t in ids]

    def best(self, scores: np.ndarray, terms: list[str], k: int) -> np.ndarray:
        """Ids of the `k` highest positive `scores` (those of `terms`), unordered; ties at the k-th broken arbitrarily.

        Selecting among a million scores costs ~10 ms; so the k-th best score is first bounded from
        below by the documents of the query's rarest terms (every one of them has its true score in
        `scores`), and only documents at or above that bound are compared.
        """
        if k <= 0 or not len(scores):
            return np.empty(0, dtype=np.int64)
        floor = 0.0
        ids = sorted(set(self.term_ids(terms)), key=lambda t: self._df[t])
        seen: list[np.ndarray] = []
        for docs, _ in self.postings(ids):
            seen.append(np.asarray(docs))
            if sum(len(x) for x in seen) >= k:
                docs = np.unique(np.concatenate(seen))
                if len(docs) >= k:
                    floor = float(np.partition(scores[docs], len(docs) - k)[len(docs) - k])
                    break
        found = np.flatnonzero(scores >= floor) if floor > 0 else np.flatnonzero(scores > 0)
        if len(found) > k:
            found = found[np.argpartition(-scores[found], k - 1)[:k]]
        return found[scores[found] > 0].astype(np.int64)

    def idf(self, terms: list[str]) -> np.ndarray:
        """Inverse document frequency of each term; a term the corpus never uses gets the highest."""
        ids = self._ids
        df = np.array([self._df[ids[t]] if t in ids else 0 for t in terms], dtype=np.float64)
        return lucene_idf(self.num_docs, df)


def _vocabulary(directory: Path, n_terms: int) -> list[str]:
    """The terms of the `n_terms` postings columns, by id (bm25s added an empty term after them: dropped)."""
    ids = json.loads((Path(directory) / VOCAB).read_text(encoding="utf-8"))
    vocab = [""] * n_terms
    for term, i in ids.items():
        if i < n_terms:
            vocab[i] = term
        elif term:
            raise ValueError(f"{Path(directory) / VOCAB}: term id {i} beyond the {n_terms} postings columns")
    return vocab


def bm25_among(docs: list[list[str]], query: list[str]) -> np.ndarray:
    """BM25 of `query` in each of a few `docs` with idf from those docs alone, divided by the query's
    best possible score (as the retriever scales `LexicalIndex` scores)."""
    if not docs or not query:
        return np.zeros(len(docs))
    counts = [Counter(d) for d in docs]
    lengths = np.array([len(d) for d in docs], dtype=np.float64)
    norm = length_norm(lengths, lengths.mean())
    df = {t: sum(1 for c in counts if t in c) for t in set(query)}
    weights = lucene_idf(len(docs), np.array([df[t] for t in query], dtype=np.float64))
    tf = np.array([[c.get(t, 0) for t in query] for c in counts], dtype=np.float64)
    scores = (tf / (norm[:, None] + tf)) @ weights
    return scores / (weights.sum() * (K1 + 1))
