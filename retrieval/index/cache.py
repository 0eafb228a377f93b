"""Sentence vectors a build need not compute again: the live index's, and an interrupted build's batches."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

from ..errors import BuildError
from ..models import Embedder
from . import dense
from .integrity import bad_rows
from .layout import DENSE, KEYS, VECTORS, partial_dir
from .manifest import Manifest


class EmbeddingCache:
    """Vectors by (embedder id, hash of the sentence's embed text): the live index's vectors, plus an interrupted build's batches.

    A build appends each embedded batch to `<index>.partial/<embedder>/`, so an interrupted build
    resumes where it stopped; a successful build discards those batches.
    """

    def __init__(self, index_dir: Path, embedder_id: str, dim: int) -> None:
        self._rows: dict[bytes, tuple[np.ndarray, int]] = {}
        self.trained_index = None
        slug = hashlib.sha1(embedder_id.encode()).hexdigest()[:16]
        self._partial_root = partial_dir(index_dir)
        self._partial = self._partial_root / slug
        self._shards = 0
        with contextlib.suppress(Exception):
            manifest = Manifest.load(index_dir)
            if manifest.embedder_id == embedder_id and manifest.dimension == dim:
                vectors = np.load(index_dir / VECTORS, mmap_mode="r")
                for row, key in enumerate(np.load(index_dir / KEYS)):
                    self._rows[bytes(key)] = (vectors, row)
                if manifest.index_type == "ivf":
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

    def get(self, key: bytes) -> np.ndarray | None:
        """The cached vector of `key`; None if there is none, or only one that is not finite and unit-length."""
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


def embed_pending(vectors, pending, keys, cache: EmbeddingCache, embedder: Embedder, batch_size: int, progress: bool) -> int:
    """Fill the `pending` rows of `vectors` from the cache or the embedder; returns how many were embedded."""
    missing: list[tuple[int, str]] = []
    for row, text in pending:
        cached = cache.get(keys[row])
        if cached is None:
            missing.append((row, text))
        else:
            vectors[row] = cached
    if missing:
        from tqdm import tqdm

        bar = tqdm(total=len(missing), desc="embedding", unit="sentence", disable=not progress, smoothing=0.1)
        with bar:
            for at in range(0, len(missing), batch_size):
                rows = [row for row, _ in missing[at: at + batch_size]]
                batch = embedder.embed_passages([text for _, text in missing[at: at + batch_size]])
                if batch.shape != (len(rows), embedder.dim):
                    raise BuildError(f"embedder {embedder.id} returned shape {batch.shape} for {len(rows)} texts")
                if (bad := bad_rows(batch)).size:  # never cached, never indexed: a model's NaN would live on
                    raise BuildError(f"embedder {embedder.id} returned {bad.size} of {len(rows)} vectors that are not "
                                     f"finite and unit-length (a broken model?); nothing was written")
                vectors[rows] = batch
                cache.add(keys[rows], batch)
                bar.update(len(rows))
    return len(missing)
