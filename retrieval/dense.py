"""FAISS vector indexes: exact inner product for small corpora, IVF or HNSW above a size threshold."""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

HNSW_M = 32
HNSW_EF_SEARCH = 128
IVF_NPROBE = 32
# IVF centroids are trained on at most this many vectors per list, as FAISS itself recommends.
IVF_TRAIN_PER_LIST = 64


def choose_type(requested: str, count: int, approximate_from: int) -> str:
    """The index type for `count` vectors: the requested one, or for "auto" flat below the threshold, else IVF."""
    if requested != "auto":
        return requested
    return "flat" if count < approximate_from else "ivf"


def build(vectors: np.ndarray, kind: str, trained: faiss.Index | None = None) -> faiss.Index:
    """A FAISS index of `kind` over unit `vectors` (inner product = cosine).

    `trained` is a previous IVF index whose centroids may be reused, which skips training.
    """
    count, dim = vectors.shape
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    elif kind == "ivf":
        if trained is not None and isinstance(trained, faiss.IndexIVFFlat) and trained.d == dim:
            index = faiss.clone_index(trained)
            index.reset()
        else:
            nlist = max(1, min(int(4 * math.sqrt(count)), count // 39 or 1))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = _sample(vectors, nlist * IVF_TRAIN_PER_LIST)
            index.train(sample)
    else:
        raise ValueError(f"unknown index type {kind!r}")
    if count:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _sample(vectors: np.ndarray, limit: int) -> np.ndarray:
    if len(vectors) <= limit:
        return np.ascontiguousarray(vectors, dtype=np.float32)
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=limit, replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def save(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load(path: Path) -> faiss.Index:
    """Read an index; IVF lists are memory-mapped, so even a large one opens in milliseconds."""
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    configure(index)
    return index


def configure(index: faiss.Index) -> None:
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = min(IVF_NPROBE, index.nlist)
    elif isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH


def search(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of the `k` nearest vectors, best first; missing slots dropped."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
