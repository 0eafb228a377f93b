"""The `Retriever`: a question through the search stages, from reading it to the quoted passages.

    read the question (query.py) -> candidates (candidates.py) -> fusion and reranks (fusion.py)
    -> confidence and verdict (verdict.py) -> diverse passages, quoted (passages.py)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import TypeVar

import numpy as np

from ..arabic.analyzer import Analyzer, CharGrams
from ..arabic.names import NameBridge
from ..errors import IndexMismatch
from ..index.lexical import bm25_among
from ..index.location import IndexLocation, open_index, parse_location
from ..index.manifest import ArticleEntry, Manifest
from ..index.stored import StoredIndex
from ..models import Embedder
from . import followup, fusion, passages, time
from .answer_check import AnswerCheck, idf_share, load_default
from .candidates import Candidate, LexicalQuery, gather, term_coverage
from .config import SearchConfig
from .evidence import SPECIFIC, holds, matching_form
from .passages import Passage
from .query import AnswerType, Query, understand
from .spelling import Spelling
from .time import Calendar, TimeNote, TimePlan
from .verdict import Verdict, confidence, decide, threshold

__all__ = ["MAX_QUESTION_CHARS", "Passage", "Retriever", "SearchConfig", "SearchResult", "Verdict", "decide"]

BACKGROUND_SIZE = 1024
SENTENCE_FORMS_CACHED = 100_000
T = TypeVar("T")
# A follow-up names something of the passages its earlier question finds among this many (BM25).
FOLLOWUP_TOPIC_PASSAGES = 20
# The longest question the bot and the CLI accept: longer ones cost seconds to embed and match nothing better.
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class SearchResult:
    """`verdict`: answered (the passages state it), related (they discuss it but do not state what was
    asked) or none (the corpus does not cover it: the passages are only the closest, not to be quoted).
    `answerable`: the verdict is answered."""

    query: str
    verdict: Verdict
    passages: list[Passage]
    confidence: float = 0.0
    asks: AnswerType = "what"
    understood: str = ""
    # Whether one of the first quotes holds a fact of the kind asked (a date for "when" …).
    holds_asked: bool = True
    # The question's time (latest, a window …) when it asks one, and what the answer says of it.
    time: TimeNote | None = None

    @property
    def answerable(self) -> bool:
        return self.verdict == "answered"


def _leading_words(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, cut before a word rather than inside one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit]


class Retriever:
    """Answers questions from one index directory with one embedder; thread-safe for concurrent searches."""

    def __init__(self, index: StoredIndex, embedder: Embedder, config: SearchConfig = SearchConfig()) -> None:
        index.check_embedder(embedder)
        self.index = index
        self.embedder = embedder
        self.config = config
        self.check: AnswerCheck | None = load_default() if config.answer_check else None
        self.analyzer = Analyzer()
        self._char_grams = CharGrams()
        if self.analyzer.id != index.manifest.analyzer:
            raise IndexMismatch(f"index uses analyzer {index.manifest.analyzer}, this program {self.analyzer.id}; rebuild it")
        # Evenly spread corpus sentences: the baseline a question's best match must stand out from.
        rows = np.linspace(0, len(index.vectors) - 1, num=min(len(index.vectors), BACKGROUND_SIZE)).astype(np.int64)
        self._background = np.asarray(index.vectors[np.unique(rows)], dtype=np.float32)
        self._sentence_forms: dict[int, str] = {}
        self._words_cache: dict[int, frozenset[str]] = {}
        self.calendar = Calendar(index.manifest.articles)

    @classmethod
    def load(cls, index_dir: IndexLocation, embedder: Embedder, config: SearchConfig = SearchConfig()) -> Retriever:
        """The retriever over the index at `index_dir`: a directory, or a postgresql:// URL."""
        return cls(open_index(parse_location(index_dir)), embedder, config)

    @property
    def manifest(self) -> Manifest:
        return self.index.manifest

    @property
    def articles(self) -> list[ArticleEntry]:
        return self.index.manifest.articles

    def is_followup(self, question: str, context: Sequence[str] = ()) -> bool:
        """Whether `question` only makes sense after the one before it (see `followup.looks_like_followup`). Given
        the earlier questions (`context`), one that names two things or more of its own, without pointing back,
        follows up only when one of them is in the passages the earlier questions find: "طيب كيف أسوي كبسة لحم؟"
        after a question on the talks is a new one."""
        if not followup.looks_like_followup(question, self._known_terms, self.analyzer):
            return False
        own = [t for t in dict.fromkeys(followup.own_terms(question, self.analyzer)) if not t.isascii()]
        # One word of its own is the usual follow-up ("ولمين صرّح؟", a dialect verb the corpus never writes);
        # two or more that the earlier story never mentions name a subject of their own ("كيف أسوي كبسة لحم؟").
        if not context or len(own) < 2 or followup.points_back(question):
            return True
        return self._on_topic_of(own, followup.earlier_questions(context))

    def _on_topic_of(self, terms: list[str], earlier: str) -> bool:
        """Whether one of `terms` (or a mended spelling of one) is in the passages BM25 finds for `earlier`."""
        lexical = self.index.lexical
        asked = self._terms(understand(earlier))
        if not asked:
            return True
        scores = lexical.scores(asked)
        found = lexical.best(scores, asked, FOLLOWUP_TOPIC_PASSAGES)
        if not len(found):
            return True
        own = [t for t in dict.fromkeys(terms + self._spelling.mend(terms)) if t in lexical]
        return any(lexical.scores([t])[found].any() for t in own)

    def search(self, question: str, k: int = 5, context: Sequence[str] = (), today: date | None = None) -> SearchResult:
        """The `k` best passages for `question`, diverse across articles, and whether they answer it.

        `context`: the conversation's earlier questions, oldest first; a `question` that looks like a
        follow-up (`is_followup`) is read with them, and the answer decision is made for the two together;
        one that names its own subject starts a new topic and is read alone. `today` (default: the real
        date) anchors the question's time words: "latest", "last month", "في ديسمبر" …"""
        question = question.strip()
        if not question:
            raise ValueError("empty question")
        cfg = self.config
        query = understand(question)
        nothing = SearchResult(question, "none", [], asks=query.asks, understood=query.search_text)
        if query.chatter:
            return nothing
        follows = bool(context) and self.is_followup(question, context)
        # A corpus without a dated article (an encyclopedia) has no time to ask about: "عام 1945" is a word.
        when = time.plan(question, context if follows else (), today or date.today(),
                         query.asks == "when") if self.calendar.any_dated else None
        if when is not None:
            return self._search_in_time(question, query, when, k)
        earlier = followup.earlier_questions(context) if follows else ""
        earlier_text = understand(earlier).search_text if earlier else ""
        lexical, vector, candidates = self._ranked(query, earlier_text)
        if not candidates:
            return nothing
        sure = confidence(cfg, candidates[0], vector, self._background)
        margin = cfg.followup_same_article_margin if earlier else cfg.same_article_margin
        chosen = passages.diverse(self.index, candidates, k, margin, self._sentence_words)
        holds_asked = self._holds_asked(query, vector, chosen)
        verdict = decide(cfg, sure, query, holds_asked, self.knows_asked_noun(query))
        if self._names_nothing_known(query, lexical.terms):
            verdict = "none"
        elif self.check is not None:
            verdict = self.check.decide(self.check_features(query, candidates, vector, lexical.terms, holds_asked), verdict)
        quoted = [passages.quote(self.index, c, self._bold_sentence(c, lexical.terms)) for c in chosen]
        return SearchResult(question, verdict, quoted, round(sure, 4), query.asks, query.search_text, holds_asked)

    def _ranked(self, query: Query, earlier_text: str, withheld: Collection[int] = ()
                ) -> tuple[LexicalQuery, np.ndarray | None, list[Candidate]]:
        """The question's BM25 terms, its vector and its candidates ranked (none of the passages `withheld`)."""
        lexical = LexicalQuery.of(self._terms(query), earlier_text, self.analyzer)
        vector = self._embed(query, earlier_text)
        candidates = [c for c in gather(self.index, vector, lexical, self.config.candidates,
                                        use_lexical=self.config.mode != "dense") if c.id not in withheld]
        return lexical, vector, self._rank(candidates, query, vector) if candidates else []

    def _holds_asked(self, query: Query, vector: np.ndarray | None, chosen: list[Candidate]) -> bool:
        """Whether one of the first quotes holds a fact of the kind asked (True when none is weighed)."""
        weighed = vector is not None and fusion.weighs_evidence(query)
        return not weighed or any(c.evidence for c in chosen[: self.config.evidence_quotes])

    @property
    def answer_rule(self) -> str:
        """Which rule decides answered / related / none: the learned check or the hand thresholds."""
        return f"learned answer check ({self.check.about})" if self.check else "hand thresholds (no answer check model)"

    def check_features(self, query: Query, candidates: list[Candidate], vector: np.ndarray | None,
                       terms: list[str], holds_asked: bool) -> dict[str, float]:
        """What the answer check reads of the ranked candidates (see `answer_check.FEATURES`)."""
        best = candidates[0]
        gap = best.score - candidates[1].score if len(candidates) > 1 else 1.0
        typical = float(np.median(self._background @ vector)) if vector is not None else 0.0
        distinct = list(dict.fromkeys(terms))
        weights = dict(zip(distinct, self.index.lexical.idf(distinct).tolist()))
        sentence = self._bold_sentence(best, terms)
        row = self.index.chunks[best.id]
        passage = self.index.article_text(int(row["article"]))[int(row["start"]): int(row["end"])]
        known = self._known_terms
        specific = query.asks in SPECIFIC or query.focus is not None
        article = self.articles[int(row["article"])]
        titled = set(self.analyzer(article.title))
        return {
            "dense": best.dense, "lexical": best.lexical, "chars": best.chars,
            "margin": best.dense - typical if vector is not None else 0.0, "gap": gap,
            "evidence": float(holds_asked), "specific": float(specific),
            "missing": float(specific and not holds_asked),
            "noun_known": float(self.knows_asked_noun(query)),
            "sentence_cover": idf_share(weights, set(self.analyzer(self._sentence_text(sentence)))),
            "passage_cover": idf_share(weights, set(self.analyzer(passage))),
            "known_terms": sum(t in known for t in distinct) / len(distinct) if distinct else 0.0,
            "few_terms": 1.0 / (1 + len(distinct)),
            "title_cover": idf_share(weights, titled),
        }

    def check_features_of(self, question: str, withheld: Collection[int] = ()) -> tuple[dict[str, float], int] | None:
        """The answer check's features for `question` asked alone, and the best passage's id, as if the passages
        `withheld` were not in the index (for training: withhold the answering passages for a near-topic
        negative); None when the question is chatter or nothing is found."""
        query = understand(question.strip())
        if query.chatter:
            return None
        lexical, vector, candidates = self._ranked(query, "", withheld)
        if not candidates:
            return None
        chosen = passages.diverse(self.index, candidates, 5, self.config.same_article_margin, self._sentence_words)
        holds_asked = self._holds_asked(query, vector, chosen)
        return self.check_features(query, candidates, vector, lexical.terms, holds_asked), candidates[0].id

    def _search_in_time(self, question: str, query: Query, when: TimePlan, k: int) -> SearchResult:
        """A question that asks about time: its window's articles (or, for an empty window, the nearest dated
        ones, never as an answer), ordered by date for latest, earliest, "when next" and timelines."""
        cfg, ask, calendar = self.config, when.ask, self.calendar
        topic_text = ask.topic(question) if when.topic is None else when.topic
        # The topic without the time words, still asking what the question asks ("إمتى رح …" asks a date).
        topic = replace(understand(topic_text), asks=query.asks, focus=query.focus) if topic_text.strip() else query
        allowed = calendar.within(ask.window) if ask.window else None
        empty = allowed is not None and not allowed
        nearest = calendar.nearest(ask.window) if empty else []
        if empty:
            allowed = nearest
        lexical = LexicalQuery.of(self._terms(topic), "", self.analyzer)
        topic_terms = [term for term in lexical.terms if term not in self._news_terms]
        untopical = not topic_terms  # "شو آخر الأخبار؟": every article is on the topic
        vector = self._embed(topic, "")
        candidates = gather(self.index, vector, lexical, cfg.candidates, use_lexical=cfg.mode != "dense",
                            articles=allowed if allowed is not None else (calendar.dated() if untopical else None))
        note = calendar.note(when, empty, nearest)
        if not candidates:
            return SearchResult(question, "none", [], asks=topic.asks, understood=topic.search_text, time=note)
        candidates = self._rank(candidates, topic, vector)
        sure = confidence(cfg, candidates[0], vector, self._background)
        coverage = dict(zip((c.id for c in candidates),
                            term_coverage(self.index, topic_terms, [c.id for c in candidates])))
        margin, share = (9.0, 0.0) if untopical else (cfg.time_topic_margin, cfg.time_topic_share)
        # "When next": the newest article that states a date, so only passages holding one are ranked by date.
        pool = [c for c in candidates if c.evidence] if ask.future else []
        topical = time.on_topic(pool or candidates, self._article_of, coverage, margin, share)
        if ask.timeline:
            dated = [c for c in topical if calendar.published[self._article_of(c)] is not None]
            chosen = sorted(dated, key=lambda c: calendar.published[self._article_of(c)])[:time.TIMELINE_QUOTES]
        elif ask.order or ask.future:
            candidates = time.by_date(candidates, topical, self._article_of, calendar.published,
                                      ask.order != "earliest", when.skip)
            chosen = passages.diverse(self.index, candidates, k, 9.0, self._sentence_words)
        else:
            chosen = passages.diverse(self.index, candidates, k, cfg.same_article_margin, self._sentence_words)
        holds_asked = self._holds_asked(topic, vector, chosen)
        verdict = decide(cfg, sure, topic, holds_asked, self.knows_asked_noun(topic))
        news = coverage.get(chosen[0].id, 0.0) >= cfg.time_news_coverage if chosen else False
        if verdict != "answered" and chosen and (untopical or self._news_of_the_time(topic, sure, news)):
            verdict = "answered"
        if empty and verdict == "answered":
            verdict = "related"  # the window holds nothing: the nearest articles are context, not the answer
        quoted = [passages.quote(self.index, c, self._bold_sentence(c, lexical.terms)) for c in chosen]
        return SearchResult(question, verdict, quoted, round(sure, 4), topic.asks, topic.search_text, holds_asked, note)

    def _news_of_the_time(self, topic: Query, sure: float, covered: bool) -> bool:
        """Whether a question asking what happened (in a window, lately) is answered by its first passage, which
        holds the question's topic words (`covered`): any passage on the topic of that time tells what happened,
        so it needs less confidence than a fact does."""
        if topic.asks != "what" or topic.focus is not None or not covered:
            return False
        answer_from, _ = threshold(self.config, topic)
        return sure >= answer_from - self.config.time_news_band

    def _names_nothing_known(self, query: Query, terms: list[str]) -> bool:
        """English (or gibberish) naming nothing the corpus names, not even through a transliterated name: its
        cosines alone would answer random letters and tomorrow's weather."""
        return query.cross_lingual and not any(t in self._known_terms for t in terms)

    def _article_of(self, c: Candidate) -> int:
        return int(self.index.chunks[c.id]["article"])

    def knows_asked_noun(self, query: Query) -> bool:
        """Whether the corpus ever uses the noun the question asks about (True when it names none)."""
        return query.focus is None or query.focus in self.index.lexical

    def context(self, passage_id: int, before: int = 1, after: int = 1) -> list[Passage]:
        """The passage with its neighbours in the article, overlapping ones merged: each an exact article span."""
        return passages.context(self.index, passage_id, before, after)

    def _embed(self, query: Query, earlier: str) -> np.ndarray | None:
        """The question's vector (with the earlier questions for a follow-up), None in lexical mode."""
        if self.config.mode == "lexical":
            return None
        limit = self.config.query_chars
        return self.embedder.embed_query(followup.with_earlier(_leading_words(query.search_text, limit),
                                                               _leading_words(earlier, limit)))

    def _terms(self, query: Query) -> list[str]:
        """BM25 terms of the question as understood, plus index terms for its names and misspellings."""
        terms = self.analyzer(query.search_text)
        if query.script == "latin":
            terms += self._names(query.text)
        return terms + self._spelling.mend(terms, by_consonants=query.script == "arabizi")

    def _rank(self, candidates: list[Candidate], query: Query, vector: np.ndarray | None) -> list[Candidate]:
        """Fused scores, then character 3-grams and the kind of fact asked rerank the head."""
        cfg = self.config
        ranked = fusion.fuse(candidates, cfg)
        if cfg.mode == "hybrid" and cfg.char_weight:
            ranked = fusion.rerank_head(ranked, cfg.char_candidates, lambda head: fusion.add_char_grams(
                head, cfg.char_weight, lambda ids: self._char_scores(query.search_text, ids)))
        if vector is not None and fusion.weighs_evidence(query):
            ranked = fusion.rerank_head(ranked, cfg.evidence_candidates,
                                        lambda head: [self._weigh_evidence(c, query, vector) for c in head])
        return ranked

    def _weigh_evidence(self, c: Candidate, query: Query, vector: np.ndarray) -> None:
        chunk = self.index.chunks[c.id]
        first, last = int(chunk["first"]), int(chunk["last"])
        sims = np.asarray(self.index.vectors[first: last + 1]) @ vector
        held = np.array([holds(query.asks, self._sentence_form(s), query.focus) for s in range(first, last + 1)])
        fusion.weigh_evidence(c, sims, held, first, self.config.evidence_weight)

    def _sentence_words(self, sentence: int) -> frozenset[str]:
        """A sentence's words (matching forms), cached like its matching form: restatements compare them."""
        return _cached(self._words_cache, sentence, lambda: passages.sentence_words(self.index, sentence))

    def _sentence_form(self, sentence: int) -> str:
        return _cached(self._sentence_forms, sentence, lambda: matching_form(self._sentence_text(sentence)))

    def _sentence_text(self, sentence: int) -> str:
        row = self.index.sentences[sentence]
        text = self.index.article_text(int(self.index.chunks[int(row["chunk"])]["article"]))
        return text[int(row["start"]): int(row["end"])]

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

    def _bold_sentence(self, c: Candidate, terms: list[str]) -> int:
        """The candidate's best sentence; in lexical-only search, the one holding the most IDF weight of `terms`."""
        if c.best_sentence >= 0:
            return c.best_sentence
        chunk = self.index.chunks[c.id]
        first, last = int(chunk["first"]), int(chunk["last"])
        if not terms:
            return first
        weights = dict(zip(terms, self.index.lexical.idf(terms)))
        scores = [sum(weights.get(t, 0.0) for t in set(self.analyzer(self._sentence_text(s))))
                  for s in range(first, last + 1)]
        return first + int(np.argmax(scores))

    @cached_property
    def _news_terms(self) -> frozenset[str]:
        return frozenset(self.analyzer(time.NEWS_WORDS))

    @cached_property
    def _known_terms(self) -> frozenset[str]:
        return frozenset(self.index.lexical.vocabulary())

    @cached_property
    def _names(self) -> NameBridge:
        """Built on the first question in Latin script: most indexes never need it."""
        return NameBridge(self.index.lexical.vocabulary())

    @cached_property
    def _spelling(self) -> Spelling:
        return Spelling(self.index.lexical, self._names)


def _cached(cache: dict[int, T], key: int, make: Callable[[], T]) -> T:
    """`make()` kept in `cache` under `key`; a full cache (SENTENCE_FORMS_CACHED entries) starts over."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= SENTENCE_FORMS_CACHED:
            cache.clear()
        found = cache[key] = make()
    return found
