"""Building an index directory from a corpus: read, chunk (or copy unchanged articles), embed, index, swap in."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..arabic.analyzer import Analyzer
from ..corpus.chunking import ChunkingParams, chunk_article
from ..corpus.ingest import Article, Corpus, Skipped, read_corpus
from ..errors import BuildError
from ..models import Embedder
from . import dense, integrity
from .cache import CHUNK, EmbeddingCache, embed, todo
from .integrity import bad_rows
from .layout import (
    CHUNK_DTYPE,
    CHUNKS,
    DENSE,
    INDEX_FILES,
    KEY_DTYPE,
    KEYS,
    LEXICAL,
    MANIFEST,
    PROVISIONAL,
    SENTENCE_DTYPE,
    SENTENCES,
    TEXT_RANGES,
    TEXTS,
    VECTORS,
    staging_dir,
)
from .lexical import ForwardBuilder, LexicalIndex
from .location import parse_location
from .manifest import ArticleEntry, Manifest, is_index_manifest
from .pg.url import is_database_url
from .reuse import PreviousIndex, write_reuse_info
from .swap import exclusive, recover_interrupted_swap, remove_stale_leftovers, swap

log = logging.getLogger(__name__)


# A build with at least this many distinct sentences to embed is staged: it first swaps in an early index in which
# each of them stands in with its article's title vector (minutes for an archive), then embeds them, newest articles
# first, swapping in what it has every REFRESH_SECONDS, and at the end the complete index.
EARLY_FROM = 20_000
REFRESH_SECONDS = 600.0


@dataclass
class BuildReport:
    index_dir: Path
    articles: int
    passages: int
    sentences: int
    embedded: int
    cached: int
    seconds: float
    index_type: str
    skipped: list[Skipped] = field(default_factory=list)
    # seconds after the start at which a staged build swapped in its early index (None: not staged)
    searchable_after: float | None = None
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, in order

    def summary(self) -> str:
        lines = [
            f"built {self.index_dir}: {self.articles} articles, {self.passages} passages, {self.sentences} sentences "
            f"({self.embedded} embedded, {self.cached} from cache), {self.index_type} index, {self.seconds:.1f} s"
        ]
        if self.searchable_after is not None:
            lines.append(f"searchable after {self.searchable_after:.1f} s (an early index with title vectors standing in)")
        lines += [f"skipped {s.source}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


class _Steps:
    """Times each step of a build, and shows its progress bar."""

    def __init__(self, progress: bool) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextlib.contextmanager
    def step(self, name: str, total: int | None = None, unit: str = "it"):
        from tqdm import tqdm

        began = time.perf_counter()
        shown = self.progress and bool(total)  # a step without a count, or with nothing to do, shows no bar
        with tqdm(total=total, desc=name, unit=unit, disable=not shown, smoothing=0.1, leave=True) as bar:
            yield bar
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


@dataclass
class _Tables:
    """The corpus as index rows, before embedding: what is copied from the live index and what is to embed."""

    articles: list[Article]
    chunks: np.ndarray  # CHUNK_DTYPE
    sentences: np.ndarray  # SENTENCE_DTYPE
    keys: np.ndarray  # KEY_DTYPE, one per sentence
    copied: list[tuple[int, int, int]]  # (first new sentence, first old sentence, count): vectors to copy
    pending: list[tuple[int, str]]  # (sentence row, text to embed) of sentences not copied
    terms: ForwardBuilder
    skipped: list[Skipped]


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    chunking: ChunkingParams = ChunkingParams(),
    index_type: str = "auto",
    approximate_from: int = dense.APPROXIMATE_FROM,
    batch_size: int = CHUNK,
    progress: bool = True,
    staged: bool = True,
    early_from: int = EARLY_FROM,
    refresh_seconds: float = REFRESH_SECONDS,
) -> BuildReport:
    """Build the index of `corpus_dir` and swap it into `index_dir`; on any failure the old index stays.

    An article whose input is unchanged since the live index was built is not parsed, chunked, embedded
    or analyzed again: its passages, sentences, vectors and terms are copied from the live index. With
    `staged`, a build with `early_from` or more sentences to embed swaps in an early index first (see EARLY_FROM).
    `batch_size`: distinct sentences per embedding call, each call's vectors kept for resuming.
    """
    if is_database_url(index_dir):
        from .pg.write import build_pg_index

        return build_pg_index(corpus_dir, parse_location(index_dir), embedder, chunking=chunking, index_type=index_type,
                              approximate_from=approximate_from, batch_size=batch_size, progress=progress)
    steps = _Steps(progress)
    index_dir = Path(index_dir)
    target = index_dir.resolve()  # through a symlink: lock and replace the directory it points to
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(target):
        recover_interrupted_swap(target)
        remove_stale_leftovers(target)
        analyzer = Analyzer()
        previous = PreviousIndex.open(target, embedder, chunking, analyzer.id)
        with steps.step("read"):
            corpus = _read(corpus_dir, previous)
        with steps.step("chunk and analyze", total=len(corpus.articles), unit="article") as bar:
            tables = _tables(corpus, previous, chunking, analyzer, bar)
        if not len(tables.chunks):
            raise BuildError(f"no articles to index in {corpus_dir} ({len(tables.skipped)} file(s) skipped)")
        with steps.step("BM25"):
            lexical = LexicalIndex.from_forward(tables.terms.finish())
        with steps.step("cached vectors"):
            cache = EmbeddingCache(target, embedder.id, embedder.dim)
            vectors = np.empty((len(tables.sentences), embedder.dim), dtype=np.float32)
            for at, old_at, count in tables.copied:
                vectors[at: at + count] = previous.vectors[old_at: old_at + count]
            work = todo(vectors, tables.pending, tables.keys, cache, _newest_first(tables))
        embedded = sum(len(rows) for rows in work.rows)
        searchable_after = None
        publish = _Publisher(target, tables, embedder, chunking, analyzer, lexical, index_type, approximate_from,
                             cache.trained_index, steps)
        if staged and len(work) >= early_from:
            provisional = np.zeros(len(tables.sentences), dtype=bool)
            provisional[np.concatenate(work.rows)] = True
            with steps.step("early vectors (titles)", total=len(tables.articles), unit="article") as bar:
                _title_vectors(vectors, provisional, tables, embedder, bar)
            publish(vectors, provisional, embedded)
            searchable_after = steps.elapsed()
            log.warning("searchable after %.0f s: an early index, titles standing in for %d sentences",
                        searchable_after, int(provisional.sum()))
        with steps.step("embed", total=embedded, unit="sentence") as bar:
            seen, refreshed = [0], [time.perf_counter()]

            def after_chunk(done: int) -> None:
                bar.update(sum(len(rows) for rows in work.rows[seen[0]: done]))
                seen[0] = done
                if searchable_after is not None and done < len(work) and time.perf_counter() - refreshed[0] >= refresh_seconds:
                    provisional[np.concatenate(work.rows[:done])] = False
                    publish(vectors, provisional, embedded)
                    refreshed[0] = time.perf_counter()

            embed(vectors, work, embedder, cache, after_chunk, batch_size)
        kind = publish(vectors, None, embedded)
        cache.discard_partial()
    n_sentences = len(tables.sentences)
    return BuildReport(index_dir, len(tables.articles), len(tables.chunks), n_sentences, embedded,
                       n_sentences - embedded, steps.elapsed(), kind, tables.skipped, searchable_after, steps.seconds)


def _newest_first(tables: _Tables) -> np.ndarray:
    """Each sentence's rank by its article's publication date, newest first (undated articles last)."""
    dates = sorted({a.published for a in tables.articles if a.published}, reverse=True)
    rank = {d: i for i, d in enumerate(dates)}
    by_article = np.array([rank.get(a.published, len(dates)) for a in tables.articles], dtype=np.int64)
    return by_article[tables.sentences["article"]]


def _title_vectors(vectors: np.ndarray, provisional: np.ndarray, tables: _Tables, embedder: Embedder, bar) -> None:
    """Each provisional sentence's stand-in: its article's title, embedded as a passage."""
    articles = np.unique(tables.sentences["article"][provisional])
    titles = sorted({tables.articles[a].title for a in articles})
    found: dict[str, np.ndarray] = {}
    for at in range(0, len(titles), CHUNK):
        part = titles[at: at + CHUNK]
        batch = embedder.embed_passages(part)
        if (bad := bad_rows(batch)).size:
            raise BuildError(f"embedder {embedder.id} returned {bad.size} of {len(part)} vectors that are not "
                             f"finite and unit-length (a broken model?); nothing was written")
        found.update(zip(part, batch))
        bar.update(len(part) * len(articles) / max(1, len(titles)))
    rows = np.flatnonzero(provisional)
    by_article = {a: found[tables.articles[a].title] for a in articles}
    vectors[rows] = np.stack([by_article[a] for a in tables.sentences["article"][rows]]) if len(rows) else vectors[rows]


class _Publisher:
    """Writes the index with the vectors so far (an early index while some are `provisional`) and swaps it in."""

    def __init__(self, target: Path, tables: _Tables, embedder: Embedder, chunking: ChunkingParams,
                 analyzer: Analyzer, lexical: LexicalIndex, index_type: str, approximate_from: int, trained, steps: _Steps):
        self.target, self.tables, self.embedder, self.chunking = target, tables, embedder, chunking
        self.analyzer, self.lexical, self.index_type, self.approximate_from = analyzer, lexical, index_type, approximate_from
        self.trained, self.steps = trained, steps

    def __call__(self, vectors: np.ndarray, provisional: np.ndarray | None, embedded: int) -> str:
        kind = dense.choose_type(self.index_type, len(vectors), self.approximate_from)
        if provisional is not None and self.index_type == "auto" and self.trained is None:
            kind = "flat"  # an early index is searched for minutes: not worth training IVF lists on stand-ins
        with self.steps.step("dense index"):
            # IVF lists: the live index's when it was complete, else trained on the complete index's own vectors
            dense_index = dense.build(vectors, kind, trained=self.trained if kind == "ivf" else None)
        with self.steps.step("write and swap"):
            manifest = _manifest(self.tables, self.embedder, kind, self.chunking, self.analyzer, embedded)
            manifest.provisional = int(provisional.sum()) if provisional is not None else 0
            _write_and_swap(self.target, manifest, self.tables, vectors, dense_index, self.lexical, self.chunking,
                            self.steps.started, provisional if manifest.provisional else None)
        return kind


def _check_replaceable(index_dir: Path) -> None:
    """Refuse to replace anything but nothing, an empty directory, or an index: a build deletes what it replaces."""
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise BuildError(f"refusing to replace {index_dir}: it is not a directory")
    names = {path.name for path in index_dir.iterdir()}
    if names and MANIFEST not in names:
        raise BuildError(f"refusing to replace {index_dir}: it is not empty and holds no index (no {MANIFEST})")
    if foreign := sorted(names - INDEX_FILES):
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise BuildError(f"refusing to replace {index_dir}: it holds files that are not part of an index ({listed})")
    if names and not is_index_manifest(index_dir / MANIFEST) and not names >= {CHUNKS, VECTORS, DENSE}:
        raise BuildError(f"refusing to replace {index_dir}: its {MANIFEST} is not the manifest of an index")


def _read(corpus_dir: Path, previous: PreviousIndex | None) -> Corpus:
    try:
        return read_corpus(Path(corpus_dir), reuse=previous.article if previous else None)
    except OSError as e:
        raise BuildError(f"cannot read corpus {corpus_dir}: {e.strerror or e}") from None


def _tables(corpus: Corpus, previous: PreviousIndex | None, chunking: ChunkingParams, analyzer: Analyzer,
            bar=None) -> _Tables:
    """Each article's rows: copied from `previous` if it supplied the article, else chunked and analyzed."""
    skipped = list(corpus.skipped)
    articles: list[Article] = []
    chunk_parts: list[np.ndarray] = []
    sentence_parts: list[np.ndarray] = []
    key_parts: list[np.ndarray] = []
    copied: list[tuple[int, int, int]] = []
    pending: list[tuple[int, str]] = []
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
            if copied and copied[-1][0] + copied[-1][2] == base and copied[-1][1] + copied[-1][2] == s0:
                copied[-1] = (copied[-1][0], copied[-1][1], copied[-1][2] + s1 - s0)  # one copy for a run of articles
            else:
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
        if bar is not None:
            bar.update()
        chunk_parts.append(rows)
        sentence_parts.append(sentence_rows)
        key_parts.append(keys)
        n_chunks += len(rows)
        n_sentences += len(sentence_rows)

    def joined(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    return _Tables(articles, joined(chunk_parts, CHUNK_DTYPE), joined(sentence_parts, SENTENCE_DTYPE),
                   joined(key_parts, KEY_DTYPE), copied, pending, terms, skipped)


def _manifest(tables: _Tables, embedder: Embedder, kind: str, chunking: ChunkingParams, analyzer: Analyzer,
              embedded: int) -> Manifest:
    counts = np.bincount(tables.chunks["article"], minlength=len(tables.articles))
    n_sentences = len(tables.sentences)
    return Manifest(
        embedder_id=embedder.id,
        dimension=embedder.dim,
        index_type=kind,
        chunk_chars=chunking.max_chars,
        overlap_sentences=chunking.overlap_sentences,
        analyzer=analyzer.id,
        articles=[
            ArticleEntry(source=a.source, sha256=a.sha256, title=a.title, outlet=a.outlet, date=a.date,
                         published=a.published, url=a.url,
                         chunks=int(n))
            for a, n in zip(tables.articles, counts)
        ],
        skipped={s.source: s.reason for s in tables.skipped},
        chunks=len(tables.chunks),
        sentences=n_sentences,
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=0.0,
        embedded=embedded,
        cached=n_sentences - embedded,
    )


def _write_and_swap(index_dir: Path, manifest: Manifest, tables: _Tables, vectors: np.ndarray, dense_index,
                    lexical: LexicalIndex, chunking: ChunkingParams, started: float,
                    provisional: np.ndarray | None = None) -> None:
    """Write the index into a staging directory beside `index_dir`, then swap it in."""
    staging = staging_dir(index_dir, os.getpid())
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        _write(staging, manifest, tables, vectors, dense_index, lexical, chunking, started, provisional)
        swap(staging, index_dir)
    except OSError as e:
        raise BuildError(f"cannot write index {index_dir}: {e.strerror or e}; the previous index is unchanged") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(directory: Path, manifest: Manifest, tables: _Tables, vectors: np.ndarray, dense_index,
           lexical: LexicalIndex, chunking: ChunkingParams, started: float, provisional: np.ndarray | None) -> None:
    offsets = np.zeros((len(tables.articles), 2), dtype=np.int64)
    with open(directory / TEXTS, "wb") as f:
        for i, article in enumerate(tables.articles):
            data = article.text.encode("utf-8")
            offsets[i] = (f.tell(), len(data))
            f.write(data)
    np.save(directory / TEXT_RANGES, offsets)
    np.save(directory / CHUNKS, tables.chunks)
    np.save(directory / SENTENCES, tables.sentences)
    np.save(directory / KEYS, tables.keys)
    np.save(directory / VECTORS, vectors)
    dense.save(dense_index, directory / DENSE)
    lexical.save(directory / LEXICAL)
    write_reuse_info(directory, tables.articles, chunking)
    if provisional is not None:
        np.save(directory / PROVISIONAL, provisional)
    manifest.files = integrity.record(directory)
    manifest.build_seconds = round(time.perf_counter() - started, 3)
    manifest.save(directory)
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
