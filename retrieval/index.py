"""Building an index directory from a corpus, and reading one back.

Passages (chunks) are what is quoted and what BM25 indexes; sentences are what is embedded, so a
passage's dense score is its best sentence's. Layout: `manifest.json`, `chunks.npy` (article, start,
end, first and last sentence), `sentences.npy` (article, start, end, first chunk holding it),
`vectors.npy` (one per sentence; also the embedding cache), `keys.npy` (sentence content hashes),
`dense.faiss` (over the sentence vectors), `bm25/`, and `texts.bin` + `texts.npy` (article texts
and their byte ranges). A build writes a staging directory beside the live one and swaps it in.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import dense
from .analyzer import Analyzer
from .chunking import ChunkingParams, chunk_article
from .embedding import Embedder
from .errors import BuildError, CorruptIndex, IndexMismatch
from .ingest import Article, Skipped, read_corpus
from .lexical import ForwardBuilder, LexicalIndex
from .manifest import ArticleEntry, Manifest

log = logging.getLogger(__name__)

CHUNK_DTYPE = np.dtype([("article", "<i4"), ("start", "<i4"), ("end", "<i4"), ("first", "<i4"), ("last", "<i4")])
SENTENCE_DTYPE = np.dtype([("article", "<i4"), ("start", "<i4"), ("end", "<i4"), ("chunk", "<i4")])
KEY_DTYPE = np.dtype("S20")


@dataclass
class BuildReport:
    index_dir: Path
    articles: int
    chunks: int
    sentences: int
    embedded: int
    cached: int
    seconds: float
    index_type: str
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"built {self.index_dir}: {self.articles} articles, {self.chunks} passages, {self.sentences} sentences "
            f"({self.embedded} embedded, {self.cached} from cache), {self.index_type} index, {self.seconds:.1f} s"
        ]
        lines += [f"skipped {s.source}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    chunking: ChunkingParams = ChunkingParams(),
    index_type: str = "auto",
    approximate_from: int = dense.APPROXIMATE_FROM,
    batch_size: int = 16,
    progress: bool = True,
) -> BuildReport:
    """Build the index of `corpus_dir` and swap it into `index_dir`; on any failure the old index stays.

    An article whose input is unchanged since the live index was built is not parsed, chunked, embedded
    or analyzed again: its passages, sentences, vectors and terms are copied from the live index.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if index_dir.exists() and not (index_dir / "manifest.json").is_file() and any(index_dir.iterdir()):
        raise BuildError(f"refusing to replace {index_dir}: it is not empty and holds no index (no manifest.json)")
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(index_dir):
        analyzer = Analyzer()
        previous = _Previous.open(index_dir, embedder, chunking, analyzer.id)
        try:
            corpus = read_corpus(Path(corpus_dir), reuse=previous.article if previous else None)
        except OSError as e:
            raise BuildError(f"cannot read corpus {corpus_dir}: {e.strerror or e}") from None
        skipped = list(corpus.skipped)
        articles: list[Article] = []
        chunk_parts: list[np.ndarray] = []
        sentence_parts: list[np.ndarray] = []
        key_parts: list[np.ndarray] = []
        copied: list[tuple[int, int, int]] = []  # (first new sentence, first old sentence, count): vectors to copy
        pending: list[tuple[int, str]] = []  # (sentence row, text to embed) of sentences not copied
        terms = ForwardBuilder(previous.forward.vocab if previous else None)
        n_chunks = n_sentences = 0
        for article in corpus.articles:
            number, base, chunk_base = len(articles), n_sentences, n_chunks
            old = previous.reused.get(article.source) if previous else None
            if old is not None:
                (c0, c1), (s0, s1) = previous.chunk_range(old), previous.sentence_range(old)
                rows = np.array(previous.chunks[c0:c1])
                rows["article"] = number
                rows["first"] += base - s0
                rows["last"] += base - s0
                sentence_rows = np.array(previous.sentences[s0:s1])
                sentence_rows["article"] = number
                sentence_rows["chunk"] += chunk_base - c0
                keys = np.array(previous.keys[s0:s1])
                copied.append((base, s0, s1 - s0))
                terms.add_rows(previous.forward, c0, c1)
            else:
                found = chunk_article(article, chunking)
                if not found.chunks:
                    skipped.append(Skipped(article.source, "no body text found"))
                    continue
                holder = [0] * len(found.sentences)
                for i, c in reversed(list(enumerate(found.chunks))):
                    holder[c.first: c.last + 1] = [chunk_base + i] * (c.last - c.first + 1)
                rows = np.array([(number, c.start, c.end, base + c.first, base + c.last) for c in found.chunks],
                                dtype=CHUNK_DTYPE)
                sentence_rows = np.array([(number, x.start, x.end, h) for x, h in zip(found.sentences, holder)],
                                         dtype=SENTENCE_DTYPE)
                keys = np.array([x.key for x in found.sentences], dtype=KEY_DTYPE)
                pending += [(base + i, x.embed_text) for i, x in enumerate(found.sentences)]
                for c in found.chunks:
                    terms.add(analyzer(f"{article.title}\n{c.heading or ''}\n{c.text}"))
            articles.append(article)
            chunk_parts.append(rows)
            sentence_parts.append(sentence_rows)
            key_parts.append(keys)
            n_chunks += len(rows)
            n_sentences += len(sentence_rows)
        if not n_chunks:
            raise BuildError(f"no articles to index in {corpus_dir} ({len(skipped)} file(s) skipped)")

        table = np.concatenate(chunk_parts)
        sentence_table = np.concatenate(sentence_parts)
        keys = np.concatenate(key_parts)
        del chunk_parts, sentence_parts, key_parts
        cache = EmbeddingCache(index_dir, embedder.id, embedder.dim)
        vectors = np.empty((n_sentences, embedder.dim), dtype=np.float32)
        for at, old_at, count in copied:
            vectors[at: at + count] = previous.vectors[old_at: old_at + count]
        embedded = _embed(vectors, pending, keys, cache, embedder, batch_size, progress)
        kind = dense.choose_type(index_type, n_sentences, approximate_from)
        dense_index = dense.build(vectors, kind, trained=cache.trained_index if kind == "ivf" else None)
        lexical = LexicalIndex.from_forward(terms.finish())
        counts = np.bincount(table["article"], minlength=len(articles))
        manifest = Manifest(
            embedder_id=embedder.id,
            dimension=embedder.dim,
            index_type=kind,
            chunk_chars=chunking.max_chars,
            overlap_sentences=chunking.overlap_sentences,
            analyzer=analyzer.id,
            articles=[
                ArticleEntry(source=a.source, sha256=a.sha256, title=a.title, outlet=a.outlet, date=a.date,
                             published=a.published, url=a.url, chunks=int(n))
                for a, n in zip(articles, counts)
            ],
            skipped={s.source: s.reason for s in skipped},
            chunks=n_chunks,
            sentences=n_sentences,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=0.0,
            embedded=embedded,
            cached=n_sentences - embedded,
        )
        staging = index_dir.parent / f".{index_dir.name}.staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir()
            _write(staging, manifest, articles, table, sentence_table, keys, vectors, dense_index, lexical, started)
            _write_reuse_info(staging, articles, chunking)
            _swap(staging, index_dir)
        except OSError as e:
            raise BuildError(f"cannot write index {index_dir}: {e.strerror or e}; the previous index is unchanged") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        cache.discard_partial()
    return BuildReport(index_dir, len(articles), n_chunks, n_sentences, embedded, n_sentences - embedded,
                       time.perf_counter() - started, kind, skipped)


def _embed(vectors, pending, keys, cache, embedder, batch_size, progress) -> int:
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
                vectors[rows] = batch
                cache.add(keys[rows], batch)
                bar.update(len(rows))
    return len(missing)


# Rebuilds reuse an article's passages only if the code that made them is the same: a change to any of
# these modules makes the next build parse, chunk and analyze everything again (vectors stay cached).
def _pipeline_version() -> str:
    from . import analyzer, chunking, ingest, normalize, scraped

    digest = hashlib.sha1()
    for module in (ingest, scraped, normalize, chunking, analyzer):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


REUSE_INFO = "reuse.json"  # pipeline version and chunking limits the passages were made with
INPUTS = "inputs.npy"  # each article's input hash


def _write_reuse_info(directory: Path, articles: list[Article], chunking: ChunkingParams) -> None:
    np.save(directory / INPUTS, np.array([a.input_hash for a in articles], dtype=KEY_DTYPE))
    info = {"pipeline": _pipeline_version(), "chunking": [chunking.max_chars, chunking.overlap_sentences, chunking.hard_limit]}
    (directory / REUSE_INFO).write_text(json.dumps(info), encoding="utf-8")
    for name in (INPUTS, REUSE_INFO):
        with open(directory / name, "rb") as f:
            os.fsync(f.fileno())


class _Previous:
    """The live index, read for a rebuild: articles by input hash, with their rows, vectors and terms.

    Used only if the index was made by the same embedder, chunking, analyzer and pipeline code.
    `article` is the `read_corpus` reuse hook; `reused` maps each source it supplied to the old article.
    """

    def __init__(self, directory: Path, manifest: Manifest, forward) -> None:
        self.manifest = manifest
        self.forward = forward
        # plain ndarray views of the memory maps: np.memmap's per-slice overhead adds up over every article
        self.chunks = np.asarray(np.load(directory / "chunks.npy", mmap_mode="r"))
        self.sentences = np.asarray(np.load(directory / "sentences.npy", mmap_mode="r"))
        self.keys = np.asarray(np.load(directory / "keys.npy", mmap_mode="r"))
        self.vectors = np.asarray(np.load(directory / "vectors.npy", mmap_mode="r"))
        self._offsets = np.load(directory / "texts.npy")
        self._texts = np.memmap(directory / "texts.bin", dtype=np.uint8, mode="r") if self._offsets[:, 1].sum() else None
        inputs = np.load(directory / INPUTS)
        counts = np.array([a.chunks for a in manifest.articles], dtype=np.int64)
        self._chunk_start = np.concatenate([[0], np.cumsum(counts)])
        ok = (len(inputs) == len(manifest.articles) == len(self._offsets) and len(self.forward) == manifest.chunks
              == len(self.chunks) == int(self._chunk_start[-1]) and len(self.keys) == len(self.vectors) == manifest.sentences)
        if not ok:
            raise CorruptIndex("inconsistent tables")
        self._numbers = {bytes(h): i for i, h in enumerate(inputs) if h}
        self.reused: dict[str, int] = {}

    @classmethod
    def open(cls, directory: Path, embedder: Embedder, chunking: ChunkingParams, analyzer_id: str) -> _Previous | None:
        try:
            m = Manifest.load(directory)
            info = json.loads((directory / REUSE_INFO).read_text(encoding="utf-8"))
            if (m.embedder_id, m.dimension, m.analyzer) != (embedder.id, embedder.dim, analyzer_id):
                return None
            limits = [chunking.max_chars, chunking.overlap_sentences, chunking.hard_limit]
            if info.get("pipeline") != _pipeline_version() or info.get("chunking") != limits:
                return None
            forward = LexicalIndex.load_forward(directory / "bm25")
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
                       outlet=entry.outlet, date=entry.date, published=entry.published, url=entry.url, input_hash=key)

    def chunk_range(self, number: int) -> tuple[int, int]:
        return int(self._chunk_start[number]), int(self._chunk_start[number + 1])

    def sentence_range(self, number: int) -> tuple[int, int]:
        c0, c1 = self.chunk_range(number)
        return int(self.chunks[c0]["first"]), int(self.chunks[c1 - 1]["last"]) + 1


def _write(directory, manifest, articles, table, sentence_table, keys, vectors, dense_index, lexical, started) -> None:
    offsets = np.zeros((len(articles), 2), dtype=np.int64)
    with open(directory / "texts.bin", "wb") as f:
        for i, article in enumerate(articles):
            data = article.text.encode("utf-8")
            offsets[i] = (f.tell(), len(data))
            f.write(data)
    np.save(directory / "texts.npy", offsets)
    np.save(directory / "chunks.npy", table)
    np.save(directory / "sentences.npy", sentence_table)
    np.save(directory / "keys.npy", keys)
    np.save(directory / "vectors.npy", vectors)
    dense.save(dense_index, directory / "dense.faiss")
    lexical.save(directory / "bm25")
    manifest.build_seconds = round(time.perf_counter() - started, 3)
    manifest.save(directory)
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


def _swap(staging: Path, live: Path) -> None:
    """Put `staging` in place of `live` atomically; afterwards `staging` holds the old index, if any."""
    if not live.exists():
        os.rename(staging, live)
        return
    if _rename_exchange(staging, live):
        return
    old = live.parent / f".{live.name}.old-{os.getpid()}"
    os.rename(live, old)
    os.rename(staging, live)
    os.rename(old, staging)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): both names stay valid at every instant."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _exclusive(index_dir: Path):
    """One build per index at a time, across processes."""
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build of {index_dir} is running") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class EmbeddingCache:
    """Vectors by (embedder id, chunk hash): the live index's vectors, plus an interrupted build's batches.

    A build appends each embedded batch to `<index>.partial/<embedder>/`, so an interrupted build
    resumes where it stopped; a successful build discards those batches.
    """

    def __init__(self, index_dir: Path, embedder_id: str, dim: int) -> None:
        self._rows: dict[bytes, tuple[np.ndarray, int]] = {}
        self.trained_index = None
        slug = hashlib.sha1(embedder_id.encode()).hexdigest()[:16]
        self._partial_root = index_dir.parent / f"{index_dir.name}.partial"
        self._partial = self._partial_root / slug
        self._shards = 0
        with contextlib.suppress(Exception):
            manifest = Manifest.load(index_dir)
            if manifest.embedder_id == embedder_id and manifest.dimension == dim:
                vectors = np.load(index_dir / "vectors.npy", mmap_mode="r")
                for row, key in enumerate(np.load(index_dir / "keys.npy")):
                    self._rows[bytes(key)] = (vectors, row)
                if manifest.index_type == "ivf":
                    self.trained_index = dense.load(index_dir / "dense.faiss")
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
        found = self._rows.get(bytes(key))
        return None if found is None else found[0][found[1]]

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self._partial.mkdir(parents=True, exist_ok=True)
        tmp = self._partial / f"{self._shards:06d}-{os.getpid()}.tmp.npz"
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.rename(self._partial / f"{self._shards:06d}-{os.getpid()}.npz")
        self._shards += 1

    def discard_partial(self) -> None:
        shutil.rmtree(self._partial_root, ignore_errors=True)


class StoredIndex:
    """An index directory opened for search; large arrays are memory-mapped or read on demand.

    With `prefetch`, a background thread reads the files queries jump around in (vectors, IVF lists,
    BM25 postings) once, so that the first queries after a start find them in the page cache.
    """

    def __init__(self, directory: Path, prefetch: bool = True) -> None:
        self.directory = Path(directory)
        self.manifest = Manifest.load(self.directory)
        try:
            self.dense = dense.load(self.directory / "dense.faiss")
            self.lexical = LexicalIndex.load(self.directory / "bm25")
            # plain arrays over the memory map: element access on np.memmap costs ~3x more, per candidate
            self.chunks = np.asarray(np.load(self.directory / "chunks.npy", mmap_mode="r"))
            self.sentences = np.asarray(np.load(self.directory / "sentences.npy", mmap_mode="r"))
            # read with pread, not memory-mapped: see RowFile
            self.vectors = RowFile(self.directory / "vectors.npy")
            self._offsets = np.load(self.directory / "texts.npy")
            self._texts = os.open(self.directory / "texts.bin", os.O_RDONLY)
        except Exception as e:
            raise CorruptIndex(f"index at {directory} is damaged ({type(e).__name__}: {e}); rebuild it") from None
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
                raise CorruptIndex(f"index at {directory} is damaged: {size} {what} for {expected} {unit}; rebuild it")
        if len(self._offsets) != len(self.manifest.articles) or self.vectors.shape[1] != self.manifest.dimension:
            raise CorruptIndex(f"index at {directory} is damaged: article or vector tables do not match the manifest")
        if prefetch:
            bm25 = self.directory / "bm25"
            # what every query reads first (IVF lists, postings), then the vectors and texts of candidate passages
            _warm_page_cache([self.directory / "dense.faiss", bm25 / "indices.csc.index.npy",
                              bm25 / "data.csc.index.npy", self.directory / "vectors.npy",
                              self.directory / "texts.bin"])

    def check_embedder(self, embedder: Embedder) -> None:
        m = self.manifest
        if m.embedder_id != embedder.id or m.dimension != embedder.dim:
            raise IndexMismatch(
                f"index at {self.directory} was built by {m.embedder_id} ({m.dimension}-d), "
                f"but the configured embedder is {embedder.id} ({embedder.dim}-d); rebuild it or set EMBEDDER"
            )

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

    @property
    def ndim(self) -> int:
        return 2

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
