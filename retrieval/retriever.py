"""Hybrid search over a stored index: dense + BM25 fusion, diversity, abstention, best-sentence spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from . import dense, followup
from .analyzer import Analyzer, CharGrams
from .embedding import Embedder
from .errors import IndexMismatch
from .stored import StoredIndex
from .lexical import K1, bm25_among
from .manifest import ArticleEntry, Manifest
from .names import NameBridge

BACKGROUND_SIZE = 1024
# The longest question the bot and the CLI accept: longer ones cost seconds to embed and match nothing better.
MAX_QUESTION_CHARS = 1000


def _is_arabic(text: str) -> bool:
    """Whether most letters of `text` are Arabic."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum("\u0600" <= ch <= "\u06ff" for ch in letters) * 2 >= len(letters)


def _leading_words(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, cut before a word rather than inside one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit]


@dataclass(frozen=True)
class SearchConfig:
    """Fusion weight and abstention rule, tuned by `benchmarks/tune_fusion.py` on the seed dev set and ARCD."""

    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    candidates: int = 50
    lexical_weight: float = 0.8
    # Hybrid then adds character 3-gram BM25 among its best candidates (see `Retriever._char_scores`).
    char_weight: float = 0.4
    char_candidates: int = 50
    # Answerable when confidence = best dense + w_lex * its lexical score + w_gap * (best dense - the
    # question's median similarity to the corpus) reaches the threshold. Questions in another script
    # than the corpus (English) get their own threshold: cross-lingual similarities run lower.
    confidence_lexical_weight: float = 0.8
    confidence_gap_weight: float = 1.5
    answer_from: float = 0.9275
    answer_from_cross_lingual: float = 0.8445
    # A second passage of an article ranks among the first ones only this close to the best score:
    # on a corpus of one topic the article that answers often holds the next-best passages too.
    same_article_margin: float = 0.05
    # The question's vector embeds at most its first this many characters (whole words; as many again of
    # earlier questions for a follow-up): embedding costs ~1.6 ms a token, and one long pasted question
    # must not hold a CPU for a second. BM25 reads all of it.
    query_chars: int = 300


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
    best_sentence: int = -1


class Retriever:
    """Answers questions from one index directory with one embedder; thread-safe for concurrent searches."""

    def __init__(self, index: StoredIndex, embedder: Embedder, config: SearchConfig = SearchConfig()) -> None:
        index.check_embedder(embedder)
        self.index = index
        self.embedder = embedder
        self.config = config
        self.analyzer = Analyzer()
        self._char_grams = CharGrams()
        if self.analyzer.id != index.manifest.analyzer:
            raise IndexMismatch(f"index uses analyzer {index.manifest.analyzer}, this program {self.analyzer.id}; rebuild it")
        # Evenly spread corpus sentences: the baseline a question's best match must stand out from.
        rows = np.linspace(0, len(index.vectors) - 1, num=min(len(index.vectors), BACKGROUND_SIZE)).astype(np.int64)
        self._background = np.asarray(index.vectors[np.unique(rows)], dtype=np.float32)

    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder, config: SearchConfig = SearchConfig()) -> Retriever:
        return cls(StoredIndex(Path(index_dir)), embedder, config)

    @property
    def manifest(self) -> Manifest:
        return self.index.manifest

    @property
    def articles(self) -> list[ArticleEntry]:
        return self.index.manifest.articles

    def is_followup(self, question: str) -> bool:
        """Whether `question` only makes sense after the one before it (see `followup.looks_like_followup`)."""
        return followup.looks_like_followup(question, self._known_terms, self.analyzer)

    @cached_property
    def _known_terms(self) -> frozenset[str]:
        return frozenset(self.index.lexical.vocabulary())

    def search(self, question: str, k: int = 5, context: Sequence[str] = ()) -> SearchResult:
        """The `k` best passages for `question`, diverse across articles, and whether they answer it.

        `context`: the conversation's earlier questions, oldest first; a `question` that looks like a
        follow-up (`is_followup`) is read with them, and the answer decision is made for the two together;
        one that names its own subject starts a new topic and is read alone."""
        question = question.strip()
        if not question:
            raise ValueError("empty question")
        earlier = followup.earlier_questions(context) if context and self.is_followup(question) else ""
        candidates, terms, query = self._candidates(question, earlier)
        if not candidates:
            return SearchResult(question, False, [])
        confidence = self._confidence(candidates[0], query)
        threshold = self.config.answer_from if _is_arabic(question) else self.config.answer_from_cross_lingual
        passages = [self._passage(c, terms) for c in self._diverse(candidates, k)]
        return SearchResult(question, confidence >= threshold, passages, round(confidence, 4))

    def _confidence(self, best: _Candidate, query: np.ndarray | None) -> float:
        """How much the best passage stands out: its scores, plus its margin over a typical corpus sentence."""
        cfg = self.config
        gap = best.dense - float(np.median(self._background @ query)) if query is not None else 0.0
        return best.dense + cfg.confidence_lexical_weight * best.lexical + cfg.confidence_gap_weight * gap

    def _candidates(self, question: str, earlier: str = "") -> tuple[list[_Candidate], list[str], np.ndarray | None]:
        cfg = self.config
        index = self.index
        terms = self.analyzer(question)
        if not _is_arabic(question):
            terms += self._names(question)
        # A follow-up's BM25 query also holds the earlier questions' other terms, at a lower weight.
        earlier_terms = [t for t in dict.fromkeys(self.analyzer(earlier)) if t not in terms] if earlier else []
        ids: set[int] = set()
        query = None
        if cfg.mode != "lexical":
            bounded = followup.with_earlier(_leading_words(question, cfg.query_chars),
                                            _leading_words(earlier, cfg.query_chars))
            query = self.embedder.embed_query(bounded)
            sentence_ids, _ = dense.search(index.dense, query, cfg.candidates)
            ids.update(self._chunks_holding(sentence_ids))
        lexical_scores = index.lexical.scores(terms) if terms or earlier_terms else None
        if earlier_terms:
            lexical_scores += followup.EARLIER_TERM_WEIGHT * index.lexical.scores(earlier_terms)
        if lexical_scores is not None and cfg.mode != "dense":
            ids.update(int(i) for i in index.lexical.best(lexical_scores, terms + earlier_terms, cfg.candidates))
        if not ids:
            return [], terms, query
        order = np.array(sorted(ids))
        bound = self._lexical_bound(terms) + followup.EARLIER_TERM_WEIGHT * self._lexical_bound(earlier_terms)
        lexical = lexical_scores[order] / bound if lexical_scores is not None and bound else np.zeros(len(order))
        candidates = []
        for chunk, lex in zip(order, lexical):
            first, last = int(index.chunks[chunk]["first"]), int(index.chunks[chunk]["last"])
            if query is None:
                best, score = -1, 0.0  # the passage's best sentence is then found lexically
            else:
                sims = np.asarray(index.vectors[first: last + 1]) @ query
                best, score = first + int(np.argmax(sims)), float(sims.max())
            candidates.append(_Candidate(int(chunk), score, float(lex), best_sentence=best))
        for c in candidates:
            if cfg.mode == "dense":
                c.score = c.dense
            elif cfg.mode == "lexical":
                c.score = c.lexical
            else:
                c.score = c.dense + cfg.lexical_weight * c.lexical
        candidates.sort(key=lambda c: (-c.score, c.id))
        if cfg.mode == "hybrid" and cfg.char_weight:
            head = candidates[: cfg.char_candidates]
            for c, chars in zip(head, self._char_scores(question, np.array([c.id for c in head]))):
                c.score += cfg.char_weight * float(chars)
            candidates[: len(head)] = sorted(head, key=lambda c: (-c.score, c.id))
        return candidates, terms, query

    def _char_scores(self, question: str, chunks: np.ndarray) -> np.ndarray:
        """Character 3-gram BM25 of the question in each candidate passage (with its article title), idf
        taken from the candidates: reaches the word forms stemming misses, and costs the index nothing."""
        index = self.index
        texts: dict[int, str] = {}
        docs = []
        for chunk in chunks:
            row = index.chunks[chunk]
            article = int(row["article"])
            if article not in texts:
                texts[article] = index.article_text(article)
            passage = texts[article][int(row["start"]): int(row["end"])]
            docs.append(self._char_grams(f"{index.manifest.articles[article].title}\n{passage}"))
        return bm25_among(docs, self._char_grams(question))

    @cached_property
    def _names(self) -> NameBridge:
        """Built on the first question in Latin script: most indexes never need it."""
        return NameBridge(self.index.lexical.vocabulary())

    def _chunks_holding(self, sentence_ids: np.ndarray) -> set[int]:
        """Every passage that holds one of the sentences (a shared sentence is in two)."""
        chunks, sentences = self.index.chunks, self.index.sentences
        found = set()
        for s in sentence_ids:
            c = int(sentences[s]["chunk"])
            found.add(c)
            if c + 1 < len(chunks) and int(chunks[c + 1]["first"]) <= s <= int(chunks[c + 1]["last"]):
                found.add(c + 1)
        return found

    def _lexical_bound(self, terms: list[str]) -> float:
        """The BM25 score of a passage holding every query term many times: makes scores comparable across queries."""
        return float(self.index.lexical.idf(terms).sum() * (K1 + 1))

    def _diverse(self, candidates: list[_Candidate], k: int) -> list[_Candidate]:
        """No two overlapping passages; a second passage of an article only if it is strong on its own."""
        chunks = self.index.chunks
        chosen: list[_Candidate] = []
        deferred: list[_Candidate] = []
        kept: dict[int, list[tuple[int, int, bool]]] = {}  # article -> (start, end, chosen?) of its kept passages
        best = candidates[0].score
        for c in candidates:
            if len(chosen) >= k:  # whatever follows would come after these k
                break
            row = chunks[c.id]
            article, start, end = int(row["article"]), int(row["start"]), int(row["end"])
            same = kept.setdefault(article, [])
            if any(start < e and s < end for s, e, _ in same):
                continue
            if any(was_chosen for _, _, was_chosen in same) and c.score < best - self.config.same_article_margin:
                deferred.append(c)
                same.append((start, end, False))
            else:
                chosen.append(c)
                same.append((start, end, True))
        return (chosen + deferred)[:k]

    def _passage(self, c: _Candidate, terms: list[str]) -> Passage:
        chunk = self.index.chunks[c.id]
        article_no, start, end = int(chunk["article"]), int(chunk["start"]), int(chunk["end"])
        article = self.index.manifest.articles[article_no]
        text = self.index.article_text(article_no)
        best = c.best_sentence if c.best_sentence >= 0 else self._best_lexical_sentence(text, chunk, terms)
        sentence = self.index.sentences[best]
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
            highlight_start=int(sentence["start"]),
            highlight_end=int(sentence["end"]),
        )

    def _best_lexical_sentence(self, text: str, chunk, terms: list[str]) -> int:
        """The passage's sentence holding the most IDF weight of the question's terms (lexical-only search)."""
        first, last = int(chunk["first"]), int(chunk["last"])
        if not terms:
            return first
        weights = dict(zip(terms, self.index.lexical.idf(terms)))
        sentences = self.index.sentences[first: last + 1]
        scores = [sum(weights.get(t, 0.0) for t in set(self.analyzer(text[int(s["start"]): int(s["end"])]))) for s in sentences]
        return first + int(np.argmax(scores))

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
            Passage(id=passage_id, text=text[s:e], score=0.0, source=entry.source, title=entry.title, outlet=entry.outlet,
                    date=entry.date, url=entry.url, start=s, end=e, highlight_start=s, highlight_end=s)
            for s, e in spans
        ]
