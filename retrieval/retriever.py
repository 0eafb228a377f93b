"""Hybrid search over a stored index: dense + BM25 fusion, diversity, abstention, best-sentence spans."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from . import dense
from .analyzer import Analyzer
from .chunking import sentence_spans
from .embedding import Embedder
from .errors import IndexMismatch
from .index import StoredIndex
from .manifest import ArticleEntry, Manifest

BM25_K1 = 1.5  # bm25s's default, used to bound a query's best possible BM25 score


@dataclass(frozen=True)
class SearchConfig:
    """Fusion weights and the abstention rule, tuned on `eval/seed_qa.jsonl` and ARCD (see README)."""

    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    candidates: int = 50
    lexical_weight: float = 0.3
    # answerable when dense + abstain_lexical_weight * lexical of the best passage reaches this
    abstain_below: float = 0.0
    abstain_lexical_weight: float = 0.3
    # a second passage of an article ranks among the first ones only if this close to the best score
    same_article_margin: float = 0.02


@dataclass(frozen=True)
class Passage:
    """A quoted passage: `text` is exactly `article_text[start:end]`; the highlight is the best sentence."""

    id: int
    text: str
    score: float
    source: str
    title: str
    outlet: str | None
    date: str | None
    url: str | None
    start: int
    end: int
    highlight_start: int
    highlight_end: int

    @property
    def highlight(self) -> tuple[int, int]:
        """The best sentence's span within `text`."""
        return self.highlight_start - self.start, self.highlight_end - self.start


@dataclass(frozen=True)
class SearchResult:
    query: str
    answerable: bool
    passages: list[Passage]
    confidence: float = 0.0


@dataclass
class _Candidate:
    id: int
    dense: float
    lexical: float
    score: float = 0.0


class Retriever:
    """Answers questions from one index directory with one embedder; thread-safe for concurrent searches."""

    def __init__(self, index: StoredIndex, embedder: Embedder, config: SearchConfig = SearchConfig()) -> None:
        index.check_embedder(embedder)
        self.index = index
        self.embedder = embedder
        self.config = config
        self.analyzer = Analyzer()
        if self.analyzer.id != index.manifest.analyzer:
            raise IndexMismatch(f"index uses analyzer {index.manifest.analyzer}, this program {self.analyzer.id}; rebuild it")

    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder, config: SearchConfig = SearchConfig()) -> Retriever:
        return cls(StoredIndex(Path(index_dir)), embedder, config)

    @property
    def manifest(self) -> Manifest:
        return self.index.manifest

    @property
    def articles(self) -> list[ArticleEntry]:
        return self.index.manifest.articles

    def search(self, question: str, k: int = 5) -> SearchResult:
        """The `k` best passages for `question`, diverse across articles, and whether they answer it."""
        question = question.strip()
        if not question:
            raise ValueError("empty question")
        candidates, terms = self._candidates(question)
        if not candidates:
            return SearchResult(question, False, [])
        best = candidates[0]
        cfg = self.config
        confidence = best.dense + cfg.abstain_lexical_weight * best.lexical
        chosen = self._diverse(candidates, k)
        passages = [self._passage(c, terms) for c in chosen]
        return SearchResult(question, confidence >= cfg.abstain_below, passages, float(confidence))

    def _candidates(self, question: str) -> tuple[list[_Candidate], list[str]]:
        cfg = self.config
        terms = self.analyzer(question)
        ids: set[int] = set()
        query = None
        if cfg.mode != "lexical":
            query = self.embedder.embed_query(question)
            dense_ids, _ = dense.search(self.index.dense, query, cfg.candidates)
            ids.update(int(i) for i in dense_ids)
        lexical_scores = self.index.lexical.scores(terms) if terms else None
        if lexical_scores is not None and cfg.mode != "dense":
            top = np.argpartition(-lexical_scores, min(cfg.candidates, len(lexical_scores)) - 1)[: cfg.candidates]
            ids.update(int(i) for i in top if lexical_scores[i] > 0)
        if not ids:
            return [], terms
        order = np.array(sorted(ids))
        dense_scores = np.asarray(self.index.vectors[order] @ query) if query is not None else np.zeros(len(order))
        bound = self._lexical_bound(terms)
        lexical = lexical_scores[order] / bound if lexical_scores is not None and bound else np.zeros(len(order))
        candidates = [_Candidate(int(i), float(d), float(s)) for i, d, s in zip(order, dense_scores, lexical)]
        for c in candidates:
            if cfg.mode == "dense":
                c.score = c.dense
            elif cfg.mode == "lexical":
                c.score = c.lexical
            else:
                c.score = c.dense + cfg.lexical_weight * c.lexical
        candidates.sort(key=lambda c: (-c.score, c.id))
        return candidates, terms

    def _lexical_bound(self, terms: list[str]) -> float:
        """The BM25 score of a passage holding every query term many times: makes scores comparable across queries."""
        return float(self.index.lexical.idf(terms).sum() * (BM25_K1 + 1))

    def _diverse(self, candidates: list[_Candidate], k: int) -> list[_Candidate]:
        """No two overlapping passages; a second passage of an article only if it is strong on its own."""
        chunks = self.index.chunks
        chosen: list[_Candidate] = []
        deferred: list[_Candidate] = []
        best = candidates[0].score
        for c in candidates:
            article, start, end = (int(x) for x in chunks[c.id])
            same = [o for o in chosen + deferred if int(chunks[o.id]["article"]) == article]
            if any(start < int(chunks[o.id]["end"]) and int(chunks[o.id]["start"]) < end for o in same):
                continue
            if any(o in chosen for o in same) and c.score < best - self.config.same_article_margin:
                deferred.append(c)
            else:
                chosen.append(c)
        return (chosen + deferred)[:k]

    def _passage(self, c: _Candidate, terms: list[str]) -> Passage:
        article_no, start, end = (int(x) for x in self.index.chunks[c.id])
        article = self.index.manifest.articles[article_no]
        text = self.index.article_text(article_no)
        h_start, h_end = self._best_sentence(text, start, end, terms)
        return Passage(
            id=c.id,
            text=text[start:end],
            score=round(c.score, 4),
            source=article.source,
            title=article.title,
            outlet=article.outlet,
            date=article.date,
            url=article.url,
            start=start,
            end=end,
            highlight_start=h_start,
            highlight_end=h_end,
        )

    def _best_sentence(self, text: str, start: int, end: int, terms: list[str]) -> tuple[int, int]:
        """The sentence holding the most IDF weight of the question's terms; the first one if none match."""
        spans = sentence_spans(text, start, end) or [(start, end)]
        if not terms:
            return spans[0]
        weights = dict(zip(terms, self.index.lexical.idf(terms)))
        scores = [sum(weights[t] for t in set(self.analyzer(text[s:e])) if t in weights) for s, e in spans]
        return spans[int(np.argmax(scores))]

    def context(self, passage_id: int, before: int = 1, after: int = 1) -> list[Passage]:
        """The passage with its neighbours in the article, overlapping ones merged: each an exact article span."""
        chunks = self.index.chunks
        article = int(chunks[passage_id]["article"])
        lo, hi = passage_id, passage_id
        while lo > 0 and passage_id - lo < before and int(chunks[lo - 1]["article"]) == article:
            lo -= 1
        while hi + 1 < len(chunks) and hi - passage_id < after and int(chunks[hi + 1]["article"]) == article:
            hi += 1
        spans: list[list[int]] = []
        for i in range(lo, hi + 1):
            start, end = int(chunks[i]["start"]), int(chunks[i]["end"])
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        entry = self.index.manifest.articles[article]
        text = self.index.article_text(article)
        return [
            Passage(passage_id, text[s:e], 0.0, entry.source, entry.title, entry.outlet, entry.date, entry.url, s, e, s, s)
            for s, e in spans
        ]
