"""Incremental rebuilds: the live index, read so that unchanged articles are copied instead of rebuilt."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from ..arabic.analyzer import content_version, terms_version
from ..corpus import chunking as _chunking
from ..corpus import ingest as _ingest
from ..corpus import scraped as _scraped
from ..corpus.chunking import ChunkingParams
from ..corpus.ingest import Article
from ..errors import CorruptIndex
from ..models import Embedder
from .integrity import bad_rows
from .layout import CHUNKS, INPUTS, KEY_DTYPE, KEYS, LEXICAL, PROVISIONAL, REUSE_INFO, SENTENCES, TEXT_RANGES, TEXTS, VECTORS
from .lexical import LexicalIndex
from .manifest import Manifest

log = logging.getLogger(__name__)

# Vectors of the live index checked before its rows are copied, evenly spaced.
VECTOR_SAMPLE = 4096


def pipeline_version() -> str:
    """The version of passages and their terms: the analyzer's (its word lists, normalize and analyzer source)
    and the source of the modules that read and chunk articles. Rebuilds reuse an article's passages only if
    it is unchanged; else the next build parses, chunks and analyzes everything again (vectors stay cached)."""
    return content_version([[terms_version()]], [_ingest, _scraped, _chunking])


def _limits(chunking: ChunkingParams) -> list[int]:
    return [chunking.max_chars, chunking.overlap_sentences, chunking.hard_limit]


def write_reuse_info(directory: Path, articles: list[Article], chunking: ChunkingParams) -> None:
    np.save(directory / INPUTS, np.array([a.input_hash for a in articles], dtype=KEY_DTYPE))
    info = {"pipeline": pipeline_version(), "chunking": _limits(chunking)}
    (directory / REUSE_INFO).write_text(json.dumps(info), encoding="utf-8")


class PreviousIndex:
    """The live index, read for a rebuild: articles by input hash, with their rows, vectors and terms.

    Used only if the index was made by the same embedder, chunking, analyzer and pipeline code.
    `article` is the `read_corpus` reuse hook; `reused` maps each source it supplied to the old article.
    """

    def __init__(self, directory: Path, manifest: Manifest, forward) -> None:
        self.manifest = manifest
        self.forward = forward
        # plain ndarray views of the memory maps: np.memmap's per-slice overhead adds up over every article
        self.chunks = np.asarray(np.load(directory / CHUNKS, mmap_mode="r"))
        self.sentences = np.asarray(np.load(directory / SENTENCES, mmap_mode="r"))
        self.keys = np.asarray(np.load(directory / KEYS, mmap_mode="r"))
        self.vectors = np.asarray(np.load(directory / VECTORS, mmap_mode="r"))
        self._offsets = np.load(directory / TEXT_RANGES)
        self._texts = np.memmap(directory / TEXTS, dtype=np.uint8, mode="r") if self._offsets[:, 1].sum() else None
        inputs = np.load(directory / INPUTS)
        counts = np.array([a.chunks for a in manifest.articles], dtype=np.int64)
        self._chunk_start = np.concatenate([[0], np.cumsum(counts)])
        ok = (len(inputs) == len(manifest.articles) == len(self._offsets) and len(self.forward) == manifest.chunks
              == len(self.chunks) == int(self._chunk_start[-1]) and len(self.keys) == len(self.vectors) == manifest.sentences)
        if not ok:
            raise CorruptIndex("inconsistent tables")
        sample = np.unique(np.linspace(0, len(self.vectors) - 1, min(len(self.vectors), VECTOR_SAMPLE)).astype(np.int64))
        if len(sample) and bad_rows(self.vectors[sample]).size:
            # built by a broken model or version (every batch is checked before it is kept, so garbage is everywhere)
            raise CorruptIndex("vectors that are not finite and unit-length")
        usable = np.ones(len(inputs), bool)
        if manifest.provisional:  # an early index: its articles with stand-in vectors are built again
            stand_in = np.load(directory / PROVISIONAL)
            usable[np.unique(self.sentences["article"][stand_in])] = False
        self._numbers = {bytes(h): i for i, h in enumerate(inputs) if h and usable[i]}
        self.reused: dict[str, int] = {}

    @classmethod
    def open(cls, directory: Path, embedder: Embedder, chunking: ChunkingParams, analyzer_id: str) -> PreviousIndex | None:
        try:
            m = Manifest.load(directory)
            info = json.loads((directory / REUSE_INFO).read_text(encoding="utf-8"))
            if (m.embedder_id, m.dimension, m.analyzer) != (embedder.id, embedder.dim, analyzer_id):
                return None
            if info.get("pipeline") != pipeline_version() or info.get("chunking") != _limits(chunking):
                return None
            forward = LexicalIndex.load_forward(directory / LEXICAL)
            return cls(directory, m, forward) if forward is not None else None
        except Exception as e:  # no usable previous index: everything is built afresh (vectors may still be cached)
            log.debug("previous index at %s not reusable: %s", directory, e)
            return None

    def article(self, key: bytes, source: str) -> Article | None:
        number = self._numbers.get(key.rstrip(b"\0"))  # as numpy reads an S20 value back: trailing NULs dropped
        if number is None:
            return None
        entry = self.manifest.articles[number]
        start, length = (int(x) for x in self._offsets[number])
        text = bytes(self._texts[start: start + length]).decode("utf-8") if length else ""
        self.reused[source] = number
        return Article(id=source, source=source, text=text, title=entry.title,
                       outlet=entry.outlet, date=entry.date, published=entry.published, url=entry.url,
                       input_hash=key)

    def chunk_range(self, number: int) -> tuple[int, int]:
        return int(self._chunk_start[number]), int(self._chunk_start[number + 1])

    def sentence_range(self, number: int) -> tuple[int, int]:
        c0, c1 = self.chunk_range(number)
        return int(self.chunks[c0]["first"]), int(self.chunks[c1 - 1]["last"]) + 1
