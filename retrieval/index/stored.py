"""An index directory opened for search: memory-mapped tables, vectors read by row, a page-cache warm-up."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import numpy as np

from ..errors import REBUILD, CorruptIndex, IndexMismatch
from ..models import Embedder, can_query
from . import dense
from .integrity import bad_rows, problems
from .layout import CHUNKS, DENSE, LEXICAL, SENTENCES, TEXT_RANGES, TEXTS, VECTORS
from .lexical import POSTINGS, LexicalIndex
from .manifest import Manifest
from .swap import recover_interrupted_swap

# Vectors checked at every load, evenly spaced (pread, ~1 ms).
VECTOR_SAMPLE = 256


class StoredIndex:
    """An index directory opened for search; large arrays are memory-mapped or read on demand.

    With `prefetch`, a background thread reads the files queries jump around in (vectors, IVF lists,
    BM25 postings) once, so that the first queries after a start find them in the page cache.
    """

    def __init__(self, directory: Path, prefetch: bool = True) -> None:
        self.directory = Path(directory)
        recover_interrupted_swap(self.directory)
        self.manifest = Manifest.load(self.directory)
        if damage := problems(self.directory, self.manifest):
            more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
            raise CorruptIndex(f"index at {directory} is damaged: {damage[0]}{more}; {REBUILD}")
        try:
            self.dense = dense.load(self.directory / DENSE)
            self.lexical = LexicalIndex.load(self.directory / LEXICAL)
            # plain arrays over the memory map: element access on np.memmap costs ~3x more, per candidate
            self.chunks = np.asarray(np.load(self.directory / CHUNKS, mmap_mode="r"))
            self.sentences = np.asarray(np.load(self.directory / SENTENCES, mmap_mode="r"))
            # read with pread, not memory-mapped: see RowFile
            self.vectors = RowFile(self.directory / VECTORS)
            self._offsets = np.load(self.directory / TEXT_RANGES)
            self._texts = os.open(self.directory / TEXTS, os.O_RDONLY)
        except Exception as e:
            raise CorruptIndex(f"index at {directory} is damaged ({type(e).__name__}: {' '.join(str(e).split())}); {REBUILD}") from None
        m = self.manifest
        sizes = {
            "dense vectors": (self.dense.ntotal, m.sentences, "sentences"),
            "stored vectors": (len(self.vectors), m.sentences, "sentences"),
            "sentence records": (len(self.sentences), m.sentences, "sentences"),
            "lexical documents": (self.lexical.num_docs, m.chunks, "passages"),
            "passage records": (len(self.chunks), m.chunks, "passages"),
        }
        for what, (size, expected, unit) in sizes.items():
            if size != expected:
                raise CorruptIndex(f"index at {directory} is damaged: {size} {what} for {expected} {unit}; {REBUILD}")
        if len(self._offsets) != len(self.manifest.articles) or self.vectors.shape[1] != self.manifest.dimension:
            raise CorruptIndex(f"index at {directory} is damaged: article or vector tables do not match the manifest; {REBUILD}")
        # a sample, not all: `info --verify` reads every vector; a build that wrote garbage wrote it everywhere
        sample = np.unique(np.linspace(0, len(self.vectors) - 1, min(len(self.vectors), VECTOR_SAMPLE)).astype(np.int64))
        if len(self.vectors) and bad_rows(self.vectors[sample]).size:
            raise CorruptIndex(f"index at {directory} is damaged: its vectors are not finite and unit-length; {REBUILD}")
        if prefetch:
            lexical = self.directory / LEXICAL
            # what every query reads first (IVF lists, postings), then the vectors and texts of candidate passages
            _warm_page_cache([self.directory / DENSE, *(lexical / name for name in POSTINGS),
                              self.directory / VECTORS, self.directory / TEXTS])

    def check_embedder(self, embedder: Embedder) -> None:
        m = self.manifest
        if not can_query(m.embedder_id, embedder.id) or m.dimension != embedder.dim:
            raise IndexMismatch(
                f"index at {self.directory} was built by {m.embedder_id} ({m.dimension}-d), "
                f"but the configured embedder is {embedder.id} ({embedder.dim}-d); rebuild it or set EMBEDDER"
            )

    def nearest_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, cosines) of the `k` sentences nearest `vector`, best first."""
        return dense.search(self.dense, vector, k)

    def sentence_vectors(self, spans: list[tuple[int, int]]) -> list[np.ndarray]:
        """The vectors of sentences first..last of each span."""
        return [self.vectors[first: last + 1] for first, last in spans]

    def prefetch_texts(self, articles) -> None:
        """Nothing to do: texts are read from the memory map on demand."""

    def article_text(self, article: int) -> str:
        start, length = (int(x) for x in self._offsets[article])
        return os.pread(self._texts, length, start).decode("utf-8")

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError, OSError, TypeError):
            os.close(self._texts)


def _warm_page_cache(paths: list[Path]) -> None:
    """Read `paths` once in a daemon thread: into the kernel's page cache, not into this process (read, not mapped).

    Without it, queries on a cold 1M-passage index wait on disk reads (IVF lists, postings, candidate
    vectors: ~10 MB per query) until thousands of queries have warmed the cache (52 ms p50 instead of
    30 ms); with it, the first ~10 s after a start are slow and then every query is warm.
    """

    def run() -> None:
        buffer = bytearray(1 << 22)
        for path in paths:
            with contextlib.suppress(OSError), open(path, "rb", buffering=0) as f:
                while f.readinto(buffer):
                    pass

    threading.Thread(target=run, name="iqtibas-page-cache", daemon=True).start()


class RowFile:
    """The rows of a 2-d `.npy` array, read on demand with pread (thread-safe, no shared file position).

    Not a memory map on purpose: mapping a file maps the kernel's page-cache folios, which on current
    kernels are up to 2 MB, so reading 1,000 scattered rows of a 3 GB vector file put ~1.7 GB into the
    process's resident set. Read like this, the pages stay in the (shared, reclaimable) page cache only.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(f)
            self._offset = f.tell()
        if len(shape) != 2 or fortran:
            raise ValueError(f"{path}: expected a 2-d C-order array, found shape {shape}")
        self.shape, self.dtype = shape, np.dtype(dtype)
        self._row = shape[1] * self.dtype.itemsize
        if os.path.getsize(path) < self._offset + shape[0] * self._row:
            raise ValueError(f"{path}: shorter than its {shape} header says")
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def _read(self, start: int, stop: int) -> np.ndarray:
        data = os.pread(self._fd, (stop - start) * self._row, self._offset + start * self._row) if stop > start else b""
        if len(data) != (stop - start) * self._row:
            raise OSError(f"short read of rows {start}..{stop}")
        return np.frombuffer(data, dtype=self.dtype).reshape(stop - start, self.shape[1])

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            rows = self._read(start, max(start, stop))
            return rows if step == 1 else rows[::step]
        if isinstance(key, (int, np.integer)):
            row = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= row < len(self):
                raise IndexError(f"row {key} out of range for {len(self)} rows")
            return self._read(row, row + 1)[0]
        rows = np.asarray(key, dtype=np.int64).reshape(-1)
        if len(rows) and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError(f"rows out of range for {len(self)} rows")
        out = np.empty((len(rows), self.shape[1]), dtype=self.dtype)
        for i, row in enumerate(rows % len(self) if len(self) else rows):
            out[i] = self._read(int(row), int(row) + 1)[0]
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        rows = self._read(0, len(self))
        return rows if dtype is None else rows.astype(dtype)

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError, OSError, TypeError):
            os.close(self._fd)
