"""FAISS vector indexes: exact inner product for small corpora, IVF or HNSW above a size threshold.

Sizes are counted in vectors (one per sentence, ~2.2 per passage). The approximate default is IVF
with 8-bit scalar-quantized residuals: a quarter of the float32 size (2.2M vectors: 0.85 GB instead
of 3.4 GB), its lists memory-mapped, so a million-passage index loads in milliseconds and stays well
within a few GiB. The retriever rescores every candidate passage exactly from `vectors.npy`, so the
quantization only decides which sentences become candidates, not their scores.
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

# "auto" switches from exact search to IVF at this many vectors (~45k passages): exact search over 100k
# vectors takes ~12 ms on one core, and below that IVF saves little and loses some recall.
APPROXIMATE_FROM = 100_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# Lists probed per query. On the clustered synthetic vectors at 1M passages (2.2M vectors, ~6000 lists;
# benchmarks/ivf_params.py): raw recall@10 0.88 at 32, 0.91 at 64, 0.93 at 128, in 3.0 / 4.4 / 5.4 ms;
# the retriever's passages (exact rescoring, fused with BM25) agree with exact search far more often.
IVF_NPROBE = 64
# IVF centroids are trained on at most this many vectors per list, as FAISS itself recommends.
IVF_TRAIN_PER_LIST = 64
IVF_QUANTIZER = faiss.ScalarQuantizer.QT_8bit

# Builds use every core; a single query is faster on one thread (OpenMP start-up costs more than it
# saves: exact search over 1M vectors takes ~108 ms on one thread, ~165 ms on two). The setting is
# per calling thread, so searches and builds in one process do not disturb each other.
BUILD_THREADS = faiss.omp_get_max_threads()
QUERY_THREADS = 1


def choose_type(requested: str, count: int, approximate_from: int) -> str:
    """The index type for `count` vectors: the requested one, or for "auto" flat below the threshold, else IVF."""
    if requested != "auto":
        return requested
    return "flat" if count < approximate_from else "ivf"


def ivf_lists(count: int) -> int:
    """Number of IVF lists for `count` vectors: ~4 sqrt(n), with at least 39 training vectors per list."""
    return max(1, min(int(4 * math.sqrt(count)), count // 39 or 1))


def build(vectors: np.ndarray, kind: str, trained: faiss.Index | None = None) -> faiss.Index:
    """A FAISS index of `kind` over unit `vectors` (inner product = cosine).

    `trained` is a previous IVF index whose centroids and quantizer may be reused (training is the
    slow part of an IVF build); it is reused while its list count still suits the corpus size.
    """
    faiss.omp_set_num_threads(BUILD_THREADS)
    count, dim = vectors.shape
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "ivf":
        nlist = ivf_lists(count)
        index = _empty_like(trained, dim, nlist)
        if index is None:
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist, IVF_QUANTIZER, faiss.METRIC_INNER_PRODUCT)
            index.train(_sample(vectors, nlist * IVF_TRAIN_PER_LIST))
    else:
        raise ValueError(f"unknown index type {kind!r}")
    if count:
        # in slices: FAISS converts what it adds at once, and 2M vectors at once double the memory
        for at in range(0, count, 262_144):
            index.add(np.ascontiguousarray(vectors[at: at + 262_144], dtype=np.float32))
    configure(index)
    return index


def _empty_like(trained: faiss.Index | None, dim: int, nlist: int) -> faiss.Index | None:
    """An empty IVF index with `trained`'s centroids and quantizer, if they suit `nlist` lists of `dim`-d vectors."""
    if not isinstance(trained, faiss.IndexIVFScalarQuantizer) or trained.d != dim or trained.sq.qtype != IVF_QUANTIZER:
        return None
    if not nlist / 2 <= trained.nlist <= nlist * 2:  # the corpus grew or shrank too much: train afresh
        return None
    quantizer = faiss.IndexFlatIP(dim)
    quantizer.add(trained.quantizer.reconstruct_n(0, trained.nlist))
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, trained.nlist, IVF_QUANTIZER, faiss.METRIC_INNER_PRODUCT)
    index.by_residual = trained.by_residual
    index.sq = trained.sq  # copies the trained ranges
    index.is_trained = True
    return index


def _sample(vectors: np.ndarray, limit: int) -> np.ndarray:
    if len(vectors) <= limit:
        return np.ascontiguousarray(vectors, dtype=np.float32)
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=limit, replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def save(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load(path: Path) -> faiss.Index:
    """Read an index memory-mapped: IVF lists, or flat/HNSW vector storage, so it opens in milliseconds."""
    with open(path, "rb") as f:
        ivf = f.read(2) == b"Iw"  # FAISS's four-character code of every IVF index starts so
    mmap = faiss.IO_FLAG_MMAP if ivf else faiss.IO_FLAG_MMAP_IFC
    index = faiss.read_index(str(path), mmap | faiss.IO_FLAG_READ_ONLY)
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
    faiss.omp_set_num_threads(QUERY_THREADS)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
