"""Sentence vectors a build need not compute again (the live index's, an interrupted build's batches), and the
sentences it must embed: each distinct text once, newest articles first."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BuildError
from ..models import Embedder
from . import dense
from .integrity import bad_rows
from .layout import DENSE, KEYS, PROVISIONAL, VECTORS, partial_dir
from .manifest import Manifest

# Distinct sentences embedded per call, and per batch kept for resuming: a few seconds of work each.
CHUNK = 2048


class EmbeddingCache:
    """Vectors by (embedder id, hash of the sentence's embed text): the live index's vectors, plus an interrupted build's batches.

    A build appends each embedded batch to `<index>.partial/<embedder>/`, so an interrupted build
    resumes where it stopped; a successful build discards those batches. The stand-in vectors of an early
    index (its PROVISIONAL rows) are never taken for a sentence's own.
    """

    def __init__(self, index_dir: Path, embedder_id: str, dim: int) -> None:
        self._rows: dict[bytes, tuple[np.ndarray, int]] = {}  # an interrupted build's batches
        # the live index's keys, sorted, with their rows (found by binary search: 300,000 keys need no dict)
        self._live_keys, self._live_rows, self._live_vectors = np.empty(0, "S20"), np.empty(0, np.int64), None
        self.trained_index = None
        slug = hashlib.sha1(embedder_id.encode()).hexdigest()[:16]
        self._partial_root = partial_dir(index_dir)
        self._partial = self._partial_root / slug
        self._shards = 0
        with contextlib.suppress(Exception):
            manifest = Manifest.load(index_dir)
            if manifest.embedder_id == embedder_id and manifest.dimension == dim:
                vectors = np.load(index_dir / VECTORS, mmap_mode="r")
                keys = np.load(index_dir / KEYS)
                own = np.flatnonzero(~np.load(index_dir / PROVISIONAL)) if manifest.provisional else np.arange(len(keys))
                order = own[np.argsort(keys[own], kind="stable")]
                self._live_keys, self._live_rows, self._live_vectors = keys[order], order, vectors
                if manifest.index_type == "ivf" and not manifest.provisional:
                    self.trained_index = dense.load(index_dir / DENSE)
        for shard in sorted(self._partial.glob("*.npz")) if self._partial.is_dir() else []:
            try:
                with np.load(shard) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except Exception:  # a batch cut off mid-write is simply embedded again
                continue
            if vectors.ndim == 2 and vectors.shape[1] == dim:
                for row, key in enumerate(keys):
                    self._rows[bytes(key)] = (vectors, row)
            self._shards += 1

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in `keys`, their vectors) of the keys the cache holds a good vector for."""
        keys = np.asarray(keys, dtype=self._live_keys.dtype if len(self._live_keys) else "S20")
        found = np.zeros(len(keys), dtype=bool)
        vectors = []
        if len(self._live_keys) and len(keys):
            at = np.minimum(np.searchsorted(self._live_keys, keys), len(self._live_keys) - 1)
            hit = self._live_keys[at] == keys
            rows = self._live_rows[at[hit]]
            if len(rows):
                live = np.asarray(self._live_vectors[np.sort(rows)])[np.argsort(np.argsort(rows))]
                good = np.ones(len(rows), dtype=bool)
                good[bad_rows(live)] = False
                hit[np.flatnonzero(hit)[~good]] = False
                vectors.append(live[good])
            found = hit
        positions = [np.flatnonzero(found)]
        for i in np.flatnonzero(~found) if self._rows else []:
            if (vector := self.get(keys[i])) is not None:
                positions.append(np.array([i]))
                vectors.append(vector[None])
        positions = np.concatenate(positions)
        return positions, (np.concatenate(vectors) if vectors else np.empty((0, 0), np.float32))

    def get(self, key: bytes) -> np.ndarray | None:
        """The vector an interrupted build's batches hold for `key`; None if none, or one not finite and unit-length."""
        found = self._rows.get(bytes(key))
        if found is None:
            return None
        vector = found[0][found[1]]
        return vector if not bad_rows(vector[None]).size else None

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self._partial.mkdir(parents=True, exist_ok=True)
        tmp = self._partial / f"{self._shards:06d}-{os.getpid()}.tmp.npz"
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.rename(self._partial / f"{self._shards:06d}-{os.getpid()}.npz")
        self._shards += 1

    def discard_partial(self) -> None:
        shutil.rmtree(self._partial_root, ignore_errors=True)


@dataclass
class Todo:
    """The distinct sentences to embed, in the order they will be: each text with the rows that share it."""

    texts: list[str]
    keys: np.ndarray  # KEY_DTYPE, one per text
    rows: list[np.ndarray]  # per text, the sentence rows it fills

    def __len__(self) -> int:
        return len(self.texts)


def todo(vectors: np.ndarray, pending: list[tuple[int, str]], keys: np.ndarray, cache: EmbeddingCache,
         priority: np.ndarray) -> Todo:
    """Fill the `pending` rows of `vectors` the cache holds; the rest, one entry per distinct text, by `priority`
    of their rows (lower first: the build embeds the newest articles first), then row."""
    if not pending:
        return Todo([], np.empty(0, keys.dtype), [])
    rows = np.array([row for row, _ in pending], dtype=np.int64)
    positions, found = cache.lookup(keys[rows])
    if len(positions):
        vectors[rows[positions]] = found
    missing = np.ones(len(rows), dtype=bool)
    missing[positions] = False
    by_key: dict[bytes, list[int]] = {}
    texts: dict[bytes, str] = {}
    for i in np.flatnonzero(missing):
        row, text = pending[i]
        key = bytes(keys[row])
        if key in by_key:
            by_key[key].append(row)
        else:
            by_key[key] = [row]
            texts[key] = text
    order = sorted(texts, key=lambda k: (priority[by_key[k][0]], by_key[k][0]))
    return Todo([texts[k] for k in order], np.array(order, dtype=keys.dtype),
                [np.array(by_key[k], dtype=np.int64) for k in order])


def embed(vectors: np.ndarray, work: Todo, embedder: Embedder, cache: EmbeddingCache,
          after_chunk: Callable[[int], None] = lambda done: None, chunk: int = CHUNK) -> None:
    """Embed `work` into `vectors` `chunk` texts at a time, keeping each chunk in the cache; `after_chunk(done)`
    runs after each (progress, and an early index swapped in now and then)."""
    for at in range(0, len(work), chunk):
        texts = work.texts[at: at + chunk]
        batch = embedder.embed_passages(texts)
        if batch.shape != (len(texts), embedder.dim):
            raise BuildError(f"embedder {embedder.id} returned shape {batch.shape} for {len(texts)} texts")
        if (bad := bad_rows(batch)).size:  # never cached, never indexed: a model's NaN would live on
            raise BuildError(f"embedder {embedder.id} returned {bad.size} of {len(texts)} vectors that are not "
                             f"finite and unit-length (a broken model?); nothing was written")
        for vector, rows in zip(batch, work.rows[at: at + chunk]):
            vectors[rows] = vector
        cache.add(work.keys[at: at + chunk], batch)
        after_chunk(at + len(texts))
