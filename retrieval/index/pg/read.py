"""A version of an index in PostgreSQL, opened for search: what `StoredIndex` gives the retriever, read from tables.

Passage and sentence records, the vocabulary and the manifest are read once (binary COPY); BM25 postings,
vectors and article texts are read per question (a few round trips, cached); the nearest sentences come from
pgvector (exact below the approximate threshold, HNSW above). The search stages are the directory's.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np

from ...errors import CorruptIndex, IndexMismatch, IndexNotFound
from ...models import Embedder, can_query
from ..layout import CHUNK_DTYPE, KEY_DTYPE, SENTENCE_DTYPE
from ..lexical import LexicalIndex
from ..manifest import FORMAT_VERSION, Manifest
from . import schema
from .connection import Readers
from .driver import psycopg, sql
from .schema import ident
from .url import DatabaseUrl

ARTICLE_TEXTS_CACHED = 4096
VECTORS_CACHED = 20_000
POSTINGS_CACHED_BYTES = 64 << 20


class PgIndex:
    """One version of the index at `url` (the current one unless `version` is given), read for search."""

    def __init__(self, url: DatabaseUrl, version: int | None = None, readers: Readers | None = None) -> None:
        self.url = self.directory = url
        self.readers = readers or Readers(url)
        if readers is None:  # its connections close with it (a following bot drops the old index after a swap)
            weakref.finalize(self, self.readers.close)
        self.version = version if version is not None else self.readers.run(lambda c: schema.current_version(c, url.schema))
        if self.version is None:
            raise IndexNotFound(f"no index at {url}; build one with: python -m retrieval build --index URL")
        self.readers.run(self._load)
        self.lexical = PgLexical(self, self._vocabulary, self._df, self._num_docs)
        self.vectors = PgVectors(self, self._keys)
        self._texts: OrderedDict[int, str] = OrderedDict()
        self._texts_lock = threading.Lock()
        del self._vocabulary, self._df

    def _load(self, conn: psycopg.Connection) -> None:
        s = ident(self.url.schema)
        row = conn.execute(sql.SQL("SELECT manifest, vectors, vocabulary, document_frequency, passages "
                                   "FROM {}.versions WHERE id = %s").format(s), (self.version,)).fetchone()
        if row is None:
            raise IndexNotFound(f"no version {self.version} of the index at {self.url}")
        data, self.table, vocabulary, df, self._num_docs = row
        self.manifest = _manifest(data, self.url)
        self._vocabulary = vocabulary.split("\n") if vocabulary else []
        self._df = np.frombuffer(df, "<i4").astype(np.int64)
        chunks = schema.copy_rows(conn, sql.SQL("SELECT article, start_char, end_char, first_sentence, last_sentence "
                                                "FROM {}.passages WHERE version = %s ORDER BY id").format(s),
                                  (self.version,), [(n, ">i4") for n in CHUNK_DTYPE.names])
        self.chunks = schema.native(chunks, CHUNK_DTYPE)
        sentences = schema.copy_rows(conn, sql.SQL("SELECT article, start_char, end_char, passage, key "
                                                   "FROM {}.sentences WHERE version = %s ORDER BY id").format(s),
                                     (self.version,), [*((n, ">i4") for n in SENTENCE_DTYPE.names), ("key", "S20")])
        self.sentences = schema.native(sentences, SENTENCE_DTYPE)
        self._keys = np.asarray(sentences["key"], dtype=KEY_DTYPE)
        self.hnsw = schema.has_hnsw(conn, self.url.schema, self.table) if self.manifest.index_type == "hnsw" else None
        m = self.manifest
        if (len(self.chunks), len(self.sentences), len(self._vocabulary), self._num_docs) != \
                (m.chunks, m.sentences, len(self._df), m.chunks):
            raise CorruptIndex(f"index at {self.url} is damaged: version {self.version} does not match its manifest")
        if m.index_type == "hnsw" and self.hnsw is None:
            raise CorruptIndex(f"index at {self.url} is damaged: the HNSW index of {self.table} is missing")

    def check_embedder(self, embedder: Embedder) -> None:
        m = self.manifest
        if not can_query(m.embedder_id, embedder.id) or m.dimension != embedder.dim:
            raise IndexMismatch(
                f"index at {self.url} was built by {m.embedder_id} ({m.dimension}-d), "
                f"but the configured embedder is {embedder.id} ({embedder.dim}-d); rebuild it or set EMBEDDER")

    def article_text(self, article: int) -> str:
        with self._texts_lock:
            text = self._texts.get(article)
            if text is not None:
                self._texts.move_to_end(article)
                return text
        return self.prefetch_texts([article])[article]

    def prefetch_texts(self, articles) -> dict[int, str]:
        """Read the texts of `articles` not cached yet, in one query (the candidates' articles, before they are quoted)."""
        wanted = sorted({int(a) for a in articles})
        with self._texts_lock:
            found = {a: self._texts[a] for a in wanted if a in self._texts}
        missing = [a for a in wanted if a not in found]
        if missing:
            s = ident(self.url.schema)
            rows = self.readers.run(lambda c: c.execute(
                sql.SQL("SELECT a.id, t.text FROM {0}.articles a JOIN {0}.texts t USING (sha256) "
                        "WHERE a.version = %s AND a.id = ANY(%s)").format(s), (self.version, missing)).fetchall())
            if len(rows) != len(missing):
                raise CorruptIndex(f"index at {self.url}: version {self.version} is gone (a newer build replaced it); "
                                   "reopen the index")
            found.update((int(a), text) for a, text in rows)
            with self._texts_lock:
                self._texts.update((int(a), text) for a, text in rows)
                while len(self._texts) > ARTICLE_TEXTS_CACHED:
                    self._texts.popitem(last=False)
        return found

    def clear_cache(self) -> None:
        """Forget the texts, vectors and postings read so far (they are read again on demand)."""
        with self._texts_lock:
            self._texts.clear()
        self.vectors.clear_cache()
        self.lexical.clear_cache()

    def nearest_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, cosines) of the `k` sentences nearest `vector`, best first (as `dense.search`)."""
        k = min(k, len(self.sentences))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        ask = k + 16
        while True:
            keys, scores = self.readers.run(lambda c: self._nearest_keys(c, vector, ask))
            ids, sims = self.vectors.sentences_of(keys, scores)
            if len(ids) >= k or len(keys) < ask or ask >= schema.HNSW_EF_SEARCH_MAX * 4:
                return ids[:k], sims[:k]
            ask *= 4  # vectors of other versions filled the list: ask for more

    def _nearest_keys(self, conn: psycopg.Connection, vector: np.ndarray, limit: int) -> tuple[list[bytes], np.ndarray]:
        table, query = ident(self.url.schema, self.table), np.asarray(vector, dtype=np.float32)
        if self.hnsw is None:
            statement = sql.SQL("SELECT key, embedding <#> %s FROM {} ORDER BY 2 LIMIT %s").format(table)
        else:
            ef = min(max(schema.HNSW_EF_SEARCH, limit), schema.HNSW_EF_SEARCH_MAX)
            self.readers.set_once(conn, "hnsw.ef_search", ef)
            expression, _ = schema.hnsw_expression(self.manifest.dimension, self.hnsw)
            cast = sql.SQL("::halfvec({})").format(sql.Literal(self.manifest.dimension)) if self.hnsw == "halfvec" else sql.SQL("")
            statement = sql.SQL("SELECT key, {e} <#> %s{c} FROM {t} ORDER BY {e} <#> %s{c} LIMIT %s").format(
                e=expression, c=cast, t=table)
            rows = conn.execute(statement, (query, query, limit)).fetchall()
            return [bytes(k) for k, _ in rows], -np.array([d for _, d in rows], dtype=np.float32)
        rows = conn.execute(statement, (query, limit)).fetchall()
        return [bytes(k) for k, _ in rows], -np.array([d for _, d in rows], dtype=np.float32)

    def sentence_vectors(self, spans: list[tuple[int, int]]) -> list[np.ndarray]:
        """The vectors of sentences first..last of each span, read together."""
        return self.vectors.spans(spans)

    def close(self) -> None:
        self.readers.close()


def _manifest(data: dict, url: DatabaseUrl) -> Manifest:
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(f"index at {url} has format version {data.get('format_version')}, this program reads "
                            f"{FORMAT_VERSION}; rebuild it")
    fingerprint = data.pop("corpus_fingerprint", None)
    manifest = Manifest.model_validate(data)
    if fingerprint != manifest.corpus_fingerprint:
        raise CorruptIndex(f"index at {url} is damaged: its corpus fingerprint does not match its article list")
    return manifest


class PgVectors:
    """The sentence vectors of a version, by sentence id: read from the vector table by key, recent ones cached."""

    def __init__(self, index: PgIndex, keys: np.ndarray) -> None:
        self._index, self._keys = index, keys
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self.shape = (len(keys), index.manifest.dimension)
        self.dtype = np.dtype(np.float32)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.shape[0]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def sentences_of(self, keys: list[bytes], scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sentences of this version holding each key, in the keys' order (a repeated sentence is in several)."""
        if not keys:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        wanted = np.array([k.rstrip(b"\0") for k in keys], dtype=KEY_DTYPE)
        lo, hi = np.searchsorted(self._sorted, wanted, "left"), np.searchsorted(self._sorted, wanted, "right")
        ids = [np.sort(self._order[a:b]) for a, b in zip(lo, hi)]
        counts = np.array([len(x) for x in ids])
        return (np.concatenate(ids).astype(np.int64) if ids else np.empty(0, np.int64)), np.repeat(scores, counts)

    def fetch(self, rows: np.ndarray) -> None:
        """Read the vectors of sentence `rows` not cached yet, in one query."""
        with self._lock:
            cache = self._cache
            missing = sorted({int(r) for r in rows if int(r) not in cache})
        if not missing:
            return
        keys = [bytes(self._keys[r]).ljust(KEY_DTYPE.itemsize, b"\0") for r in missing]
        table = ident(self._index.url.schema, self._index.table)

        def read(conn: psycopg.Connection) -> dict[bytes, np.ndarray]:
            with conn.cursor(binary=True) as cur:
                cur.execute(sql.SQL("SELECT key, embedding FROM {} WHERE key = ANY(%s)").format(table), (keys,))
                return {bytes(k): _array(v) for k, v in cur}

        found = self._index.readers.run(read)
        with self._lock:
            for r, key in zip(missing, keys):
                vector = found.get(key)
                if vector is None:
                    raise CorruptIndex(f"index at {self._index.url}: the vector of sentence {r} is missing; reopen or rebuild it")
                self._cache[r] = vector
            while len(self._cache) > VECTORS_CACHED:
                self._cache.popitem(last=False)

    def spans(self, spans: list[tuple[int, int]]) -> list[np.ndarray]:
        """The rows first..last of each span, fetched together."""
        rows = np.concatenate([np.arange(f, l + 1) for f, l in spans]) if spans else np.empty(0, np.int64)
        block = self._rows(rows)
        out, at = [], 0
        for f, l in spans:
            out.append(block[at: at + l - f + 1])
            at += l - f + 1
        return out

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        for attempt in (1, 2):
            self.fetch(rows)
            with self._lock:
                try:
                    for i, r in enumerate(rows):
                        out[i] = self._cache[int(r)]
                        self._cache.move_to_end(int(r))
                    return out
                except KeyError:  # pushed out by another thread's rows meanwhile
                    if attempt == 2:
                        raise
        return out

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            return self._rows(np.arange(start, max(start, stop), step))
        if isinstance(key, (int, np.integer)):
            row = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= row < len(self):
                raise IndexError(f"row {key} out of range for {len(self)} rows")
            return self._rows(np.array([row]))[0]
        rows = np.asarray(key, dtype=np.int64).reshape(-1)
        if len(rows) and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError(f"rows out of range for {len(self)} rows")
        return self._rows(rows % len(self) if len(self) else rows)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        rows = self._rows(np.arange(len(self)))
        return rows if dtype is None else rows.astype(dtype)


class PgLexical(LexicalIndex):
    """The BM25 index of a version: vocabulary and document frequencies in memory, postings read per question."""

    def __init__(self, index: PgIndex, vocabulary: list[str], df: np.ndarray, num_docs: int) -> None:
        indptr = np.zeros(len(df) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        super().__init__(vocabulary, indptr, None, None, num_docs)
        self._index = index
        self._cache: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()

    def postings(self, ids) -> list[tuple[np.ndarray, np.ndarray]]:
        ids = [int(t) for t in ids]
        with self._lock:
            have = {t: self._cache[t] for t in ids if t in self._cache}
            for t in have:
                self._cache.move_to_end(t)
        missing = sorted(set(ids) - have.keys())
        if missing:
            url = self._index.url
            rows = self._index.readers.run(lambda c: c.execute(
                sql.SQL("SELECT id, passages, weights FROM {}.terms WHERE version = %s AND id = ANY(%s)")
                .format(ident(url.schema)), (self._index.version, missing)).fetchall())
            found = {int(t): (np.frombuffer(d, "<i4"), np.frombuffer(w, "<f4")) for t, d, w in rows}
            if len(found) != len(missing):
                raise CorruptIndex(f"index at {url}: version {self._index.version} is gone (a newer build replaced "
                                   "it); reopen the index")
            have.update(found)
            with self._lock:
                for t, hit in found.items():
                    if t not in self._cache:
                        self._cache[t] = hit
                        self._cached_bytes += hit[0].nbytes + hit[1].nbytes
                while self._cached_bytes > POSTINGS_CACHED_BYTES and self._cache:
                    _, (d, w) = self._cache.popitem(last=False)
                    self._cached_bytes -= d.nbytes + w.nbytes
        return [have[t] for t in ids]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cached_bytes = 0

    def save(self, directory) -> None:
        raise NotImplementedError("a PostgreSQL index is written by retrieval.index.pg.write")


def _array(vector) -> np.ndarray:
    """A vector as pgvector's loaders give it (a numpy array, or a Vector over one in binary results), as float32."""
    return np.asarray(vector.to_numpy() if hasattr(vector, "to_numpy") else vector, dtype=np.float32)
