"""Sentence-aware chunking of article bodies into passages with exact character offsets."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .ingest import Article

# A sentence ends at . ! ? ؟ ؛ … (with any closing quotes or brackets) followed by white space, or
# at a line break. A full stop between digits (3.5) is not followed by white space, so it stays.
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?؟؛…]+[\"'»”’)\]]*(?=\s)|$)", re.M)


@dataclass(frozen=True)
class ChunkingParams:
    """Passages are packed from whole sentences up to `max_chars`; consecutive ones share sentences."""

    max_chars: int = 500
    overlap_sentences: int = 1
    hard_limit: int = 1200


@dataclass(frozen=True)
class Chunk:
    """A passage of one article: `article.text[start:end]`, made of sentences `first..last` of that article."""

    start: int
    end: int
    text: str
    first: int
    last: int
    heading: str | None = None


@dataclass(frozen=True)
class Sentence:
    """The unit that is embedded: one sentence, with the article title before it for context."""

    start: int
    end: int
    embed_text: str

    @property
    def key(self) -> bytes:
        """Content hash of what is embedded: the embedding-cache key (with the embedder id)."""
        return hashlib.sha1(self.embed_text.encode("utf-8")).digest()


@dataclass(frozen=True)
class ChunkedArticle:
    sentences: list[Sentence]
    chunks: list[Chunk]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences of `text[start:end]`, stripped of surrounding white space."""
    end = len(text) if end is None else end
    spans = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return [piece for span in spans for piece in _split_long(text, span)]


def _split_long(text: str, span: tuple[int, int], limit: int = ChunkingParams.hard_limit) -> list[tuple[int, int]]:
    """A run-on "sentence" longer than `limit` is cut at commas, else at spaces, to stay embeddable."""
    s, e = span
    pieces = []
    while e - s > limit:
        window = text[s: s + limit]
        cut = max(window.rfind("،"), window.rfind(","), window.rfind("؛"))
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit - 1
        pieces.append((s, s + cut + 1))
        s += cut + 1
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        pieces.append((s, e))
    return [(a, b) for a, b in ((a, _rstrip(text, a, b)) for a, b in pieces) if b > a]


def _rstrip(text: str, s: int, e: int) -> int:
    while e > s and text[e - 1].isspace():
        e -= 1
    return e


def chunk_article(article: Article, params: ChunkingParams = ChunkingParams()) -> ChunkedArticle:
    """Sentences and passages of `article`: packed sentences within each body block, never across chrome.

    Each sentence is embedded after the article title and its section heading, which it is read under.
    """
    sentences: list[Sentence] = []
    chunks: list[Chunk] = []
    headings = article.headings or (None,) * len(article.blocks)
    for (block_start, block_end), heading in zip(article.blocks, headings):
        spans = sentence_spans(article.text, block_start, block_end)
        offset = len(sentences)
        context = f"{article.title}\n{heading}\n" if heading else f"{article.title}\n"
        sentences += [Sentence(s, e, context + article.text[s:e]) for s, e in spans]
        for first, last in _pack(spans, params):
            start, end = spans[first][0], spans[last][1]
            chunks.append(Chunk(start, end, article.text[start:end], offset + first, offset + last, heading))
    return ChunkedArticle(sentences, chunks)


def _pack(sentences: list[tuple[int, int]], params: ChunkingParams) -> list[tuple[int, int]]:
    """Index ranges (first, last) of sentences per passage, each starting with the previous one's tail."""
    groups: list[tuple[int, int]] = []
    i, previous_last = 0, -1
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][1] - sentences[i][0] <= params.max_chars:
            j += 1
        if j <= previous_last:  # only the overlap fits: start afresh after it
            i = previous_last + 1
            continue
        groups.append((i, j))
        previous_last = j
        i = max(j + 1 - params.overlap_sentences, i + 1)
    return groups
