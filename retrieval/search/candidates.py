"""Stage 1: candidate passages for a question, from the dense index and BM25, each with both scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..arabic.analyzer import Analyzer
from ..index.lexical import K1
from ..index.stored import StoredIndex  # or a PgIndex: the same reads
from . import followup


@dataclass
class Candidate:
    """A passage being ranked: its best sentence's cosine, its scaled BM25, and the fused score so far."""

    id: int
    dense: float
    lexical: float
    score: float = 0.0
    best_sentence: int = -1
    evidence: bool = False
    chars: float = 0.0  # character 3-gram BM25 among the head (hybrid only)
    # Other articles whose passage states the same (another outlet's report, a copy): named, not quoted again.
    restated_by: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class LexicalQuery:
    """BM25 terms of the question, and of the earlier questions for a follow-up (weighed lower)."""

    terms: list[str]
    earlier: list[str]

    @classmethod
    def of(cls, terms: list[str], earlier_text: str, analyzer: Analyzer) -> LexicalQuery:
        earlier = [t for t in dict.fromkeys(analyzer(earlier_text)) if t not in terms] if earlier_text else []
        return cls(terms, earlier)


# A time window's passages are all scored when there are at most this many; above, the best of a wider search.
SCORED_IN_WINDOW = 2_000


def gather(index: StoredIndex, vector: np.ndarray | None, lexical: LexicalQuery, limit: int,
           use_lexical: bool = True, articles: Sequence[int] | None = None) -> list[Candidate]:
    """Up to `limit` passages by each signal (dense when `vector` is given, BM25 when `use_lexical`), each
    scored by both: its best sentence's cosine and its BM25 scaled by the question's best possible score.
    `articles`: only passages of these articles (a time window's)."""
    scores = index.lexical.scores(lexical.terms) if lexical.terms or lexical.earlier else None
    if lexical.earlier:
        scores += followup.EARLIER_TERM_WEIGHT * index.lexical.scores(lexical.earlier)
    allowed = None if articles is None else np.isin(np.asarray(index.chunks["article"]), np.asarray(articles, dtype=np.int64))
    if allowed is not None and int(allowed.sum()) <= SCORED_IN_WINDOW:
        ids = {int(i) for i in np.flatnonzero(allowed)}
    else:
        wider = limit if allowed is None else limit * 20
        ids = set()
        if vector is not None:
            sentence_ids, _ = index.nearest_sentences(vector, wider)
            ids.update(chunks_holding(index, sentence_ids))
        if scores is not None and use_lexical:
            ids.update(int(i) for i in index.lexical.best(scores, lexical.terms + lexical.earlier, wider))
        if allowed is not None:
            ids = {i for i in ids if allowed[i]}
    if not ids:
        return []
    order = np.array(sorted(ids))
    bound = lexical_bound(index, lexical.terms) + followup.EARLIER_TERM_WEIGHT * lexical_bound(index, lexical.earlier)
    scaled = scores[order] / bound if scores is not None and bound else np.zeros(len(order))
    spans = [(int(index.chunks[chunk]["first"]), int(index.chunks[chunk]["last"])) for chunk in order]
    # read together: one round trip each for an index in a database (the texts are quoted and reranked next)
    rows = index.sentence_vectors(spans) if vector is not None else [None] * len(spans)
    index.prefetch_texts({int(index.chunks[chunk]["article"]) for chunk in order})
    candidates = []
    for chunk, lex, (first, _), vectors in zip(order, scaled, spans, rows):
        if vector is None:
            best, score = -1, 0.0  # the passage's best sentence is then found lexically
        else:
            sims = np.asarray(vectors) @ vector
            best, score = first + int(np.argmax(sims)), float(sims.max())
        candidates.append(Candidate(int(chunk), score, float(lex), best_sentence=best))
    return candidates


def term_coverage(index: StoredIndex, terms: list[str], chunk_ids: Sequence[int]) -> np.ndarray:
    """For each passage, the share of the terms' idf weight it holds (terms the index never uses left out)."""
    known = [t for t in dict.fromkeys(terms) if t in index.lexical]
    covered = np.zeros(len(chunk_ids))
    if not known:
        return covered
    idf = index.lexical.idf(known)
    ids = np.asarray(chunk_ids, dtype=np.int64)
    for term, weight in zip(known, idf):
        covered += weight * (index.lexical.scores([term])[ids] > 0)
    return covered / float(idf.sum())


def chunks_holding(index: StoredIndex, sentence_ids: np.ndarray) -> set[int]:
    """Every passage that holds one of the sentences (a shared sentence is in two)."""
    chunks, sentences = index.chunks, index.sentences
    found = set()
    for s in sentence_ids:
        c = int(sentences[s]["chunk"])
        found.add(c)
        if c + 1 < len(chunks) and int(chunks[c + 1]["first"]) <= s <= int(chunks[c + 1]["last"]):
            found.add(c + 1)
    return found


def lexical_bound(index: StoredIndex, terms: list[str]) -> float:
    """The BM25 score of a passage holding every query term many times: makes scores comparable across queries."""
    return float(index.lexical.idf(terms).sum() * (K1 + 1))
