"""The index a running bot answers from: opened at start-up, followed on disk, rebuilt on request, swapped whole."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np

import retrieval
from retrieval import (
    BUILD_PATIENCE_SECONDS,
    BUILD_RETRY_SECONDS,
    BuildBusy,
    BuildError,
    BuildReport,
    CorruptIndex,
    IndexLocation,
    Retriever,
    build,
    open_retriever,
)

from .background import Background
from .settings import BotSettings

log = logging.getLogger(__name__)

# How often a running bot looks for an index rebuilt by `python -m retrieval build` (one stat call).
INDEX_POLL_SECONDS = 3.0
# A build hands the embedder thousands of sentences a call (seconds to a minute on 2 busy cores): a stopping bot
# looks between parts this large, so that it stops within seconds.
STOP_CHECK_TEXTS = 128


def index_stamp(index_dir: IndexLocation) -> tuple | None:
    """What changes when a build replaces the index (its manifest's inode, time, size; a database's current
    version); None without one."""
    return retrieval.index_stamp(index_dir)


def file_stamps(index_dir: IndexLocation, retriever: Retriever) -> dict[str, tuple[int, int]]:
    """Inode and size of each file of the index `retriever` was loaded from, as they are now (none in a database)."""
    stamps = {}
    if not isinstance(index_dir, Path):
        return stamps
    for name in retriever.manifest.files:
        with contextlib.suppress(OSError):
            st = (Path(index_dir) / name).stat()
            stamps[name] = (st.st_ino, st.st_size)
    return stamps


class LiveIndex:
    """Owns `retriever`: a question reads it once and keeps that index even if a rebuild swaps it meanwhile."""

    def __init__(self, settings: BotSettings, retriever: Retriever | None = None,
                 background: Background | None = None) -> None:
        self.settings = settings
        self.background = background or Background()  # builds run in its threads and stop when it stops
        self._retriever = retriever
        self._stamp: tuple[int, ...] | None = None  # of the index `_retriever` was loaded from
        self._rebuilding = False
        self._follower: asyncio.Task | None = None
        self._files: dict[str, tuple[int, int]] = {}  # of the files `_retriever` memory-maps
        self._changed_in_place: str | None = None

    @property
    def retriever(self) -> Retriever:
        """The index to answer from; CorruptIndex while its files were changed in place (not replaced whole)."""
        if self._retriever is None:
            raise RuntimeError("the index is not open yet (LiveIndex.open)")
        self._check_in_place()
        return self._retriever

    def _check_in_place(self) -> None:
        """Refuse to touch memory-mapped files that were cut or rewritten under the loaded index: reading past
        a truncated map kills the process (SIGBUS). A build swaps in new files (new inodes): those are fine."""
        for name, (inode, size) in self._files.items():
            try:
                st = (Path(self.settings.index_dir) / name).stat()
            except OSError:
                continue  # unlinked or moved aside: the loaded index keeps its own copy
            if st.st_ino == inode and st.st_size != size:
                problem = f"{name} has {st.st_size:,} bytes, not {size:,}"
                if self._changed_in_place != problem:
                    self._changed_in_place = problem
                    log.error("the index at %s was changed in place (%s): refusing questions until it is rebuilt "
                              "or replaced whole (python -m retrieval build)", self.settings.index_dir, problem)
                raise CorruptIndex(f"index at {self.settings.index_dir} was changed in place: {problem}")

    @property
    def rebuilding(self) -> bool:
        return self._rebuilding

    async def open(self) -> None:
        """Open the index (building it first if there is none) unless given one; then follow its rebuilds."""
        self._stamp = index_stamp(self.settings.index_dir)
        if self._retriever is None:
            self._retriever = await self.background.run(self._open)
            self._stamp = self._stamp or index_stamp(self.settings.index_dir)  # just built
        self._files = file_stamps(self.settings.index_dir, self._retriever)
        manifest = self._retriever.manifest
        log.info("answering from %d articles (%d passages), index built %s", len(manifest.articles), manifest.chunks,
                 manifest.built_at)
        self._follower = asyncio.create_task(self._follow(), name="follow the index")

    def _open(self) -> Retriever:
        return open_retriever(self.settings, StopsWith(self.settings.make_embedder(), self.background.stopping))

    async def close(self) -> None:
        """Stop following the index, and any build (see `StopsWith`)."""
        self.background.stopping.set()
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower

    def claim_rebuild(self) -> bool:
        """Reserve the one rebuild at a time; False while one runs. Synchronous, so a second /reindex sees it."""
        if self._rebuilding:
            return False
        self._rebuilding = True
        return True

    def release_rebuild(self) -> None:
        self._rebuilding = False

    async def rebuild(self, waiting: Callable[[str], Awaitable[None]] | None = None) -> BuildReport:
        """Build into the index directory (replaced on disk atomically), load it and swap it in (after
        `claim_rebuild`); questions keep using the current index meanwhile. While another process builds the same
        index, waits for it (`waiting` is told once): what it read may lack what this build is for. Raises what
        the build raises; a build stopped with the bot removes what it wrote."""
        current = self._retriever
        embedder = StopsWith(current.embedder, self.background.stopping)
        started = time.monotonic()
        while True:
            try:
                report = await self.background.run(build, self.settings, embedder)
                break
            except BuildBusy as e:
                if time.monotonic() - started >= BUILD_PATIENCE_SECONDS:
                    raise BuildBusy(f"{e}; gave up after waiting {BUILD_PATIENCE_SECONDS:g} s") from None
                if waiting is not None:
                    log.info("waiting: %s", e)
                    await waiting(str(e))
                    waiting = None
                await asyncio.sleep(BUILD_RETRY_SECONDS)
        stamp = index_stamp(self.settings.index_dir)
        self._swap(await self.background.run(Retriever.load, self.settings.index_dir, current.embedder, current.config),
                   stamp)
        return report

    async def _follow(self) -> None:
        """Every INDEX_POLL_SECONDS: when `python -m retrieval build` replaced the index, load it and swap it in."""
        index_dir = self.settings.index_dir
        while True:
            await asyncio.sleep(INDEX_POLL_SECONDS)
            with contextlib.suppress(CorruptIndex):
                self._check_in_place()  # logs it once, even before anyone asks
            stamp = index_stamp(index_dir)
            if stamp is None or stamp == self._stamp or self._rebuilding:
                continue
            current = self._retriever
            try:
                fresh = await asyncio.to_thread(Retriever.load, index_dir, current.embedder, current.config)
            except Exception as e:  # keep answering from the loaded index, and keep following
                log.warning("the index at %s changed but cannot be loaded (%s); still answering from the one built %s",
                            index_dir, e, current.manifest.built_at)
                self._stamp = stamp
                continue
            if _same_build(fresh, current) and not self._changed_in_place:
                self._stamp = stamp
            else:
                self._swap(fresh, stamp)

    def _swap(self, fresh: Retriever, stamp: tuple[int, ...] | None) -> None:
        self._retriever, self._stamp = fresh, stamp
        self._files, self._changed_in_place = file_stamps(self.settings.index_dir, fresh), None
        manifest = fresh.manifest
        log.info("the index at %s was rebuilt (built %s): now answering from %d articles (%d passages)",
                 self.settings.index_dir, manifest.built_at, len(manifest.articles), manifest.chunks)


class StopsWith:
    """An embedder whose next batch raises BuildError once `stopping` is set: a build in a thread cannot be
    cancelled otherwise, and on that error it removes its staging directory (the old index stays)."""

    def __init__(self, embedder, stopping: threading.Event) -> None:
        self._embedder, self._stopping = embedder, stopping
        self.id, self.dim = embedder.id, embedder.dim

    def embed_passages(self, texts: list[str]):
        parts = []
        for at in range(0, max(len(texts), 1), STOP_CHECK_TEXTS):
            if self._stopping.is_set():
                raise BuildError("stopped: the bot is shutting down; the previous index is unchanged")
            parts.append(self._embedder.embed_passages(texts[at: at + STOP_CHECK_TEXTS]))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def embed_query(self, text: str):
        return self._embedder.embed_query(text)

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)


def _same_build(a: Retriever, b: Retriever) -> bool:
    return (a.manifest.built_at, a.manifest.corpus_fingerprint) == (b.manifest.built_at, b.manifest.corpus_fingerprint)
