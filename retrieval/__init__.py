"""Iqtibas retrieval: Arabic news articles -> passages -> hybrid index -> quoted answers.

The public API used by the bot and the CLI is re-exported here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .corpus.chunking import ChunkingParams
from .corpus.intake import IntakeReport, add_sources
from .errors import BuildError, CorruptIndex, IndexMismatch, IndexNotFound, IndexUnavailable, RetrievalError
from .index.build import BuildReport, build_index
from .index.location import IndexLocation, index_stamp, parse_location
from .index.manifest import MANIFEST, ArticleEntry, Manifest
from .index.pg.url import DatabaseUrl
from .index.swap import recover_interrupted_swap
from .models import Embedder, make_embedder
from .search.followup import EARLIER_TURNS
from .search.passages import ResolvedDay
from .search.query import Query, understand
from .search.retriever import MAX_QUESTION_CHARS, Passage, Retriever, SearchConfig, SearchResult, Verdict
from .search.time import TimeNote, date_label
from .settings import RetrievalSettings

__all__ = [
    "EARLIER_TURNS", "MAX_QUESTION_CHARS", "ArticleEntry", "BuildError", "BuildReport", "ChunkingParams", "CorruptIndex", "Embedder",
    "DatabaseUrl", "IndexLocation", "IndexMismatch", "IntakeReport", "IndexNotFound", "IndexUnavailable", "Manifest", "Passage", "Query", "ResolvedDay", "RetrievalError", "RetrievalSettings",
    "Retriever", "SearchConfig", "SearchResult", "TimeNote", "Verdict", "add_sources", "build", "build_index", "date_label", "index_stamp", "parse_location",
    "make_embedder", "open_retriever", "understand",
]

log = logging.getLogger(__name__)


def build(settings: RetrievalSettings, embedder: Embedder, progress: bool = False) -> BuildReport:
    """Build the index of `settings.corpus_dir` into `settings.index_dir` (the old one stays on failure)."""
    return build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        chunking=ChunkingParams(max_chars=settings.chunk_chars),
        index_type=settings.index_type,
        approximate_from=settings.approximate_from,
        batch_size=settings.batch_size,
        progress=progress,
    )


def open_retriever(settings: RetrievalSettings, embedder: Embedder | None = None, build_missing: bool = True) -> Retriever:
    """The retriever over `settings.index_dir`, building the index from the corpus first if there is none."""
    embedder = embedder or settings.make_embedder()
    index_dir = settings.index_dir
    if build_missing and _missing(index_dir):
        log.info("no index at %s: building it from %s", settings.index_dir, settings.corpus_dir)
        log.info("%s", build(settings, embedder, progress=True).summary())
    return Retriever.load(settings.index_dir, embedder)


def _missing(index: IndexLocation) -> bool:
    """Whether there is no index at `index` (a directory's interrupted swap is put back first)."""
    if isinstance(index, DatabaseUrl):
        from .index.pg.status import exists

        return not exists(index)
    return not (Path(index) / MANIFEST).exists() and not recover_interrupted_swap(Path(index))
