"""Iqtibas retrieval: Arabic news articles -> passages -> hybrid index -> quoted answers.

The public API used by the bot and the CLI is re-exported here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from .corpus.chunking import ChunkingParams
from .corpus.destinations import Destinations
from .corpus.intake import IntakeLimits, IntakeReport, add_sources, poll_feeds, remove_partial_writes
from .errors import BuildBusy, BuildError, CorruptIndex, IndexMismatch, IndexNotFound, IndexUnavailable, RetrievalError
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
    "BUILD_PATIENCE_SECONDS", "BUILD_RETRY_SECONDS", "EARLIER_TURNS", "MAX_QUESTION_CHARS", "ArticleEntry", "BuildBusy", "BuildError", "BuildReport", "ChunkingParams",
    "CorruptIndex", "DatabaseUrl", "Destinations", "Embedder", "IndexLocation", "IndexMismatch", "IntakeLimits", "IntakeReport", "IndexNotFound", "IndexUnavailable", "Manifest", "Passage", "Query", "ResolvedDay", "RetrievalError", "RetrievalSettings",
    "Retriever", "SearchConfig", "SearchResult", "TimeNote", "Verdict", "add_sources", "build", "build_index", "build_when_free",
    "date_label", "index_stamp", "make_embedder", "not_indexed", "open_retriever", "parse_location", "poll_feeds", "remove_partial_writes", "understand",
]

log = logging.getLogger(__name__)

# How long a build waits for another build of the same index to end, and how often it looks.
BUILD_PATIENCE_SECONDS = 3600.0
BUILD_RETRY_SECONDS = 1.0


def build(settings: RetrievalSettings, embedder: Embedder, progress: bool = False) -> BuildReport:
    """Build the index of `settings.corpus_dir` into `settings.index_dir` (the old one stays on failure)."""
    return build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        chunking=ChunkingParams(max_chars=settings.chunk_chars),
        index_type=settings.index_type,
        approximate_from=settings.approximate_from,
        progress=progress,
        staged=settings.early_index,
    )


def build_when_free(settings: RetrievalSettings, embedder: Embedder, progress: bool = False,
                    waiting: Callable[[str], None] | None = None,
                    patience: float = BUILD_PATIENCE_SECONDS) -> BuildReport:
    """`build`, after waiting for another build of the same index (another process's) to end: the corpus it read
    may lack what this one is for. `waiting` is told once, with why; BuildBusy after `patience` seconds."""
    started = time.monotonic()
    while True:
        try:
            return build(settings, embedder, progress)
        except BuildBusy as e:
            if time.monotonic() - started >= patience:
                raise BuildBusy(f"{e}; gave up after waiting {patience:g} s") from None
            if waiting is not None:
                waiting(str(e))
                waiting = None
            time.sleep(BUILD_RETRY_SECONDS)


def not_indexed(index_dir: IndexLocation, articles: set[str]) -> set[str]:
    """Those of `articles` (corpus sources) that the index at `index_dir` does not hold: all of them without one."""
    from .index.location import load_manifest

    try:
        indexed = {a.source for a in load_manifest(index_dir).articles}
    except (IndexNotFound, CorruptIndex, IndexMismatch):
        return set(articles)
    return set(articles) - indexed


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
