"""Stage 4: the passages to quote: diverse across articles, each an exact article span with its bold sentence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from ..arabic.dates import resolve_relative_days
from ..arabic.normalize import tokens
from ..index.manifest import ArticleEntry
from ..index.stored import StoredIndex
from .candidates import Candidate


@dataclass(frozen=True)
class ResolvedDay:
    """A relative day in a passage ("يوم الخميس", "الأسبوع الماضي") and the day or range it means, given its article's
    publication date: `text` is exactly the passage's `text[start:end]`; `date` for a day, `first`/`last` for a range
    (ISO); `rendering` a short Arabic gloss to show beside the quote, e.g. «الخميس = 27 فبراير 2025»."""

    start: int
    end: int
    text: str
    date: str | None
    first: str | None
    last: str | None
    rendering: str


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
    published: str | None = None  # the article's publication date (ISO); None: undated
    # Other outlets (or titles, for articles naming none) whose articles state the same, in rank order.
    also: tuple[str, ...] = ()
    restates: tuple[str, ...] = ()  # the sources of those articles: their statement is quoted here

    @property
    def highlight(self) -> tuple[int, int]:
        """The best sentence's span within `text`."""
        return self.highlight_start - self.start, self.highlight_end - self.start

    @cached_property
    def resolved(self) -> tuple[ResolvedDay, ...]:
        """The relative days in `text` resolved against `published` (none when undated); worked out when first
        asked (about 1 ms per 1000 characters), so only for the passages shown."""
        return resolved_days(self.text, self.published)

    @classmethod
    def of(cls, article: ArticleEntry, text: str, passage_id: int, score: float, span: tuple[int, int],
           highlight: tuple[int, int]) -> Passage:
        """The span `span` of the article `article` (whose full text is `text`)."""
        start, end = span
        return cls(id=passage_id, text=text[start:end], score=score, source=article.source, title=article.title,
                   outlet=article.outlet, date=article.date, url=article.url, start=start, end=end,
                   highlight_start=highlight[0], highlight_end=highlight[1], published=article.published)


def resolved_days(text: str, published: str | None) -> tuple[ResolvedDay, ...]:
    """The relative days of `text` resolved against the ISO date `published` (none for an undated article)."""
    try:
        anchor = date.fromisoformat(published) if published else None
    except ValueError:
        anchor = None
    if anchor is None:
        return ()
    found = []
    for r in resolve_relative_days(text, anchor):
        first, last = (r.range[0].isoformat(), r.range[1].isoformat()) if r.range else (None, None)
        found.append(ResolvedDay(r.start, r.end, text[r.start:r.end], r.date.isoformat() if r.date else None,
                                 first, last, r.rendering))
    return tuple(found)


def diverse(index: StoredIndex, candidates: list[Candidate], k: int, margin: float,
            words: Callable[[int], frozenset[str]] | None = None) -> list[Candidate]:
    """No two overlapping passages; a second passage of an article only if it is strong on its own; a passage of
    another article that restates one already kept (another outlet's report of the same fact, a copy of the
    article) is not kept but named on the kept one (`Candidate.restated_by`). `words`: a sentence's words
    (matching forms) by its row, cached by the caller."""
    words = words or (lambda sentence: sentence_words(index, sentence))
    chunks = index.chunks
    chosen: list[Candidate] = []
    deferred: list[Candidate] = []
    kept: dict[int, list[tuple[int, int, bool]]] = {}  # article -> (start, end, chosen?) of its kept passages
    said: list[tuple[Candidate, int, list[frozenset[str]]]] = []  # kept: (candidate, article, its sentences' words)
    best = candidates[0].score
    for c in candidates:
        if len(chosen) >= k:  # whatever follows would come after these k
            break
        row = chunks[c.id]
        article, start, end = int(row["article"]), int(row["start"]), int(row["end"])
        same = kept.setdefault(article, [])
        if any(start < e and s < end for s, e, _ in same):
            continue
        bold = _statement(index, c, words)
        restated = next((other for other, other_article, sentences in said
                         if other_article != article and any(restates(bold, s) for s in sentences)), None)
        if restated is not None:
            if article not in restated.restated_by:
                restated.restated_by.append(article)
            continue
        row_first, row_last = int(row["first"]), int(row["last"])
        said.append((c, article, [words(x) for x in range(row_first, row_last + 1)]))
        if any(was_chosen for _, _, was_chosen in same) and c.score < best - margin:
            deferred.append(c)
            same.append((start, end, False))
        else:
            chosen.append(c)
            same.append((start, end, True))
    return (chosen + deferred)[:k]


# Two sentences state the same when this share of their distinct words (matching form) is shared: outlets retell
# an agency's report in its words; different facts of one story share names but not most of a sentence.
RESTATED_SHARE = 0.6


def restates(words: frozenset[str], other: frozenset[str]) -> bool:
    """Whether two statements (their words' matching forms) say the same: Jaccard at least `RESTATED_SHARE`."""
    if not words or not other:
        return False
    return len(words & other) / len(words | other) >= RESTATED_SHARE


def _statement(index: StoredIndex, c: Candidate, words: Callable[[int], frozenset[str]]) -> frozenset[str]:
    """The words (matching forms) of the candidate's bold sentence, or of its passage in lexical-only search."""
    if c.best_sentence >= 0:
        return words(c.best_sentence)
    row = index.chunks[c.id]
    return frozenset(tokens(index.article_text(int(row["article"]))[int(row["start"]): int(row["end"])]))


def sentence_words(index: StoredIndex, sentence: int) -> frozenset[str]:
    """The words (matching forms) of a sentence of the index."""
    row = index.sentences[sentence]
    article = int(index.chunks[int(row["chunk"])]["article"])
    return frozenset(tokens(index.article_text(article)[int(row["start"]): int(row["end"])]))


def quote(index: StoredIndex, c: Candidate, best_sentence: int) -> Passage:
    """The candidate's passage, its sentence `best_sentence` in bold."""
    chunk = index.chunks[c.id]
    article = int(chunk["article"])
    sentence = index.sentences[best_sentence]
    articles = index.manifest.articles
    passage = Passage.of(articles[article], index.article_text(article), c.id, round(c.score, 4),
                         (int(chunk["start"]), int(chunk["end"])), (int(sentence["start"]), int(sentence["end"])))
    own = articles[article].outlet
    also = [articles[a].outlet or articles[a].title for a in c.restated_by]
    return replace(passage, also=tuple(dict.fromkeys(name for name in also if name and name != own)),
                   restates=tuple(articles[a].source for a in c.restated_by))


def context(index: StoredIndex, passage_id: int, before: int = 1, after: int = 1) -> list[Passage]:
    """The passage with its neighbours in the article, overlapping ones merged: each an exact article span."""
    chunks = index.chunks
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
    entry, text = index.manifest.articles[article], index.article_text(article)
    return [Passage.of(entry, text, passage_id, 0.0, (s, e), (s, s)) for s, e in spans]
