"""Hybrid search over a stored index: dense + BM25 fusion, diversity, abstention, best-sentence spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from ..arabic.analyzer import Analyzer, CharGrams
from ..arabic.names import NameBridge
from ..errors import IndexMismatch
from ..index import dense
from ..index.lexical import K1, bm25_among
from ..index.manifest import ArticleEntry, Manifest
from ..index.stored import StoredIndex
from ..models import Embedder
from . import followup
from .evidence import SPECIFIC, holds, matching_form
from .query import AnswerType, Query, understand
from .spelling import Spelling

BACKGROUND_SIZE = 1024
SENTENCE_FORMS_CACHED = 100_000
# The longest question the bot and the CLI accept: longer ones cost seconds to embed and match nothing better.
MAX_QUESTION_CHARS = 1000

Verdict = Literal["answered", "related", "none"]


def _leading_words(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, cut before a word rather than inside one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit]


@dataclass(frozen=True)
class SearchConfig:
    """Fusion weights and the verdict rule, tuned by `benchmarks/tune_fusion.py` on both dev sets and ARCD."""

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
    # Arabizi is read after transliteration, whose misspellings lower every similarity: its own threshold.
    answer_from: float = 0.91
    answer_from_arabizi: float = 0.78
    answer_from_cross_lingual: float = 0.82
    # Below answering but this close to it, the corpus discusses the topic ("related"); further, "none".
    # Cross-lingual scores are too coarse for a band: an English question is answered or not covered.
    related_band: float = 0.02
    related_band_cross_lingual: float = 0.0
    # Among the best candidates, a sentence holding the kind of fact asked (a date for "when" …) gains
    # this much cosine; an answer to a question asking for such a fact needs one among its first quotes.
    evidence_weight: float = 0.02
    evidence_candidates: int = 10
    evidence_quotes: int = 3
    # A second passage of an article ranks among the first ones only this close to the best score:
    # on a corpus of one topic the article that answers often holds the next-best passages too.
    same_article_margin: float = 0.05
    # A follow-up usually asks another fact of the article the earlier question was about
    # (benchmarks/followups.py: one follow-up more of 48 answered with 0.15 than with 0.05).
    followup_same_article_margin: float = 0.15
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
    """`verdict`: answered (the passages state it), related (they discuss it but do not state what was
    asked) or none (the corpus does not cover it: the passages are only the closest, not to be quoted).
    `answerable` is verdict == answered."""

    query: str
    answerable: bool
    passages: list[Passage]
    confidence: float = 0.0
    verdict: Verdict | None = None
    asks: AnswerType = "what"
    understood: str = ""
    # Whether one of the first quotes holds a fact of the kind asked (a date for "when" …).
    holds_asked: bool = True

    def __post_init__(self) -> None:
        if self.verdict is None or (self.verdict == "answered") != self.answerable:  # `answerable` wins
            object.__setattr__(self, "verdict", "answered" if self.answerable else "none")


def decide(cfg: SearchConfig, confidence: float, query: Query, holds_asked: bool, noun_known: bool = True) -> Verdict:
    """Answered when confident and, for a question asking a date, number, name or place, one of the first
    quotes holds one; related when the topic is there but not that; none below the related band, and in
    the band too when the noun asked about (a price, an age …) is a word the corpus never uses."""
    if query.cross_lingual:
        answer_from, band = cfg.answer_from_cross_lingual, cfg.related_band_cross_lingual
    else:
        answer_from = cfg.answer_from_arabizi if query.script == "arabizi" else cfg.answer_from
        band = cfg.related_band
    if confidence < answer_from - band or (confidence < answer_from and not noun_known):
        return "none"
    if confidence < answer_from or ((query.asks in SPECIFIC or query.focus) and not holds_asked):
        return "related"
    return "answered"


def _weighs_evidence(query: Query) -> bool:
    """Whether the question asks a kind of fact (or names a noun) that candidate sentences are checked for."""
    return query.asks in SPECIFIC | {"why"} or query.focus is not None


@dataclass
class _Candidate:
    id: int
    dense: float
    lexical: float
    score: float = 0.0
    best_sentence: int = -1
    evidence: bool = False


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
        self._sentence_forms: dict[int, str] = {}

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
        query = understand(question)
        nothing = SearchResult(question, False, [], verdict="none", asks=query.asks, understood=query.search_text)
        if query.chatter:
            return nothing
        earlier = followup.earlier_questions(context) if context and self.is_followup(question) else ""
        candidates, terms, vector = self._candidates(query, understand(earlier).search_text if earlier else "")
        if not candidates:
            return nothing
        confidence = self._confidence(candidates[0], vector)
        margin = self.config.followup_same_article_margin if earlier else self.config.same_article_margin
        chosen = self._diverse(candidates, k, margin)
        weighed = vector is not None and _weighs_evidence(query)
        holds_asked = not weighed or any(c.evidence for c in chosen[: self.config.evidence_quotes])
        verdict = decide(self.config, confidence, query, holds_asked, self.knows_asked_noun(query))
        passages = [self._passage(c, terms) for c in chosen]
        return SearchResult(question, verdict == "answered", passages, round(confidence, 4), verdict, query.asks,
                            query.search_text, holds_asked)

    def knows_asked_noun(self, query: Query) -> bool:
        """Whether the corpus ever uses the noun the question asks about (True when it names none)."""
        return query.focus is None or query.focus in self.index.lexical

    def _confidence(self, best: _Candidate, query: np.ndarray | None) -> float:
        """How much the best passage stands out: its scores, plus its margin over a typical corpus sentence."""
        cfg = self.config
        gap = best.dense - float(np.median(self._background @ query)) if query is not None else 0.0
        return best.dense + cfg.confidence_lexical_weight * best.lexical + cfg.confidence_gap_weight * gap

    def _terms(self, query: Query) -> list[str]:
        """BM25 terms of the question as understood, plus index terms for its names and misspellings."""
        terms = self.analyzer(query.search_text)
        if query.script == "latin":
            terms += self._names(query.text)
        return terms + self._spelling.mend(terms, by_consonants=query.script == "arabizi")

    def _candidates(self, query: Query, earlier: str = "") -> tuple[list[_Candidate], list[str], np.ndarray | None]:
        cfg = self.config
        index = self.index
        terms = self._terms(query)
        # A follow-up's BM25 query also holds the earlier questions' other terms, at a lower weight.
        earlier_terms = [t for t in dict.fromkeys(self.analyzer(earlier)) if t not in terms] if earlier else []
        ids: set[int] = set()
        vector = None
        if cfg.mode != "lexical":
            bounded = followup.with_earlier(_leading_words(query.search_text, cfg.query_chars),
                                            _leading_words(earlier, cfg.query_chars))
            vector = self.embedder.embed_query(bounded)
            sentence_ids, _ = dense.search(index.dense, vector, cfg.candidates)
            ids.update(self._chunks_holding(sentence_ids))
        lexical_scores = index.lexical.scores(terms) if terms or earlier_terms else None
        if earlier_terms:
            lexical_scores += followup.EARLIER_TERM_WEIGHT * index.lexical.scores(earlier_terms)
        if lexical_scores is not None and cfg.mode != "dense":
            ids.update(int(i) for i in index.lexical.best(lexical_scores, terms + earlier_terms, cfg.candidates))
        if not ids:
            return [], terms, vector
        order = np.array(sorted(ids))
        bound = self._lexical_bound(terms) + followup.EARLIER_TERM_WEIGHT * self._lexical_bound(earlier_terms)
        lexical = lexical_scores[order] / bound if lexical_scores is not None and bound else np.zeros(len(order))
        candidates = []
        for chunk, lex in zip(order, lexical):
            first, last = int(index.chunks[chunk]["first"]), int(index.chunks[chunk]["last"])
            if vector is None:
                best, score = -1, 0.0  # the passage's best sentence is then found lexically
            else:
                sims = np.asarray(index.vectors[first: last + 1]) @ vector
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
            for c, chars in zip(head, self._char_scores(query.search_text, np.array([c.id for c in head]))):
                c.score += cfg.char_weight * float(chars)
            candidates[: len(head)] = sorted(head, key=lambda c: (-c.score, c.id))
        if vector is not None and _weighs_evidence(query):
            head = candidates[: cfg.evidence_candidates]
            for c in head:
                self._weigh_evidence(c, query, vector)
            candidates[: len(head)] = sorted(head, key=lambda c: (-c.score, c.id))
        return candidates, terms, vector

    def _weigh_evidence(self, c: _Candidate, query: Query, vector: np.ndarray) -> None:
        """Re-pick the passage's best sentence with a bonus for holding the kind of fact asked."""
        chunk = self.index.chunks[c.id]
        first, last = int(chunk["first"]), int(chunk["last"])
        sims = np.asarray(self.index.vectors[first: last + 1]) @ vector
        held = np.array([holds(query.asks, self._sentence_form(s), query.focus) for s in range(first, last + 1)])
        boosted = sims + self.config.evidence_weight * held
        best = int(np.argmax(boosted))
        c.score += float(boosted[best]) - c.dense
        c.dense = float(sims[best])
        c.best_sentence = first + best
        c.evidence = bool(held[best])

    def _sentence_form(self, sentence: int) -> str:
        forms = self._sentence_forms
        form = forms.get(sentence)
        if form is None:
            if len(forms) >= SENTENCE_FORMS_CACHED:
                forms.clear()
            row = self.index.sentences[sentence]
            text = self.index.article_text(int(self.index.chunks[int(row["chunk"])]["article"]))
            form = forms[sentence] = matching_form(text[int(row["start"]): int(row["end"])])
        return form

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

    @cached_property
    def _spelling(self) -> Spelling:
        return Spelling(self.index.lexical, self._names)

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

    def _diverse(self, candidates: list[_Candidate], k: int, margin: float) -> list[_Candidate]:
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
            if any(was_chosen for _, _, was_chosen in same) and c.score < best - margin:
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
