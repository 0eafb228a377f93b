"""Building an index into PostgreSQL: the directory build's rows (same reading, chunking, reuse and BM25),
written as a new version in one transaction that also makes it current; then older versions are dropped."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from datetime import date

import numpy as np

from .driver import psycopg, sql
from ...arabic.analyzer import Analyzer
from ...corpus.chunking import ChunkingParams
from ...corpus.ingest import Article
from ...errors import BuildBusy, BuildError, IndexUnavailable
from ...models import BATCH_SIZE, Embedder
from .. import dense
from ..build import BuildReport, _manifest, _read, _tables
from ..cache import embed, todo
from ..integrity import bad_rows
from ..layout import CHUNK_DTYPE, KEY_DTYPE, SENTENCE_DTYPE
from ..lexical import Forward, LexicalIndex
from ..manifest import Manifest
from .. import reuse as reuse_module
from . import schema
from .connection import connect, one_line
from .schema import ident
from .url import DatabaseUrl

log = logging.getLogger(__name__)

# Versions kept besides the current one, for readers that have not followed yet (they follow within seconds).
KEEP_PREVIOUS = 1
TEXTS_AT_A_TIME = 1000


def build_pg_index(corpus_dir, url: DatabaseUrl, embedder: Embedder, *, chunking: ChunkingParams = ChunkingParams(),
                   index_type: str = "auto", approximate_from: int = dense.APPROXIMATE_FROM,
                   batch_size: int = BATCH_SIZE, progress: bool = True) -> BuildReport:
    """Build the index of `corpus_dir` into the database at `url`; on any failure the current version stays."""
    started = time.perf_counter()
    try:
        with connect(url) as conn, _exclusive(conn, url):
            schema.create(conn, url.schema)
            analyzer = Analyzer()
            current = schema.current_version(conn, url.schema)
            previous = PgPrevious.open(conn, url.schema, current, embedder, chunking, analyzer.id)
            tables = _tables(_read(corpus_dir, previous), previous, chunking, analyzer)
            if not len(tables.chunks):
                raise BuildError(f"no articles to index in {corpus_dir} ({len(tables.skipped)} file(s) skipped)")
            table = schema.create_vectors(conn, url.schema, embedder.id, embedder.dim)
            cache = VectorRows(conn, url.schema, table, tables.keys[[row for row, _ in tables.pending]])
            # only the rows of sentences not copied are filled: the copied ones' vectors are in the table already
            vectors = np.empty((len(tables.sentences), embedder.dim), dtype=np.float32)
            embedded = _embed(vectors, tables, cache, embedder, batch_size, progress)
            lexical = LexicalIndex.from_forward(tables.terms.finish())
            kind = "exact" if dense.choose_type(index_type, len(tables.sentences), approximate_from) == "flat" else "hnsw"
            manifest = _manifest(tables, embedder, kind, chunking, analyzer, embedded)
            version = _write_version(conn, url.schema, table, embedder.dim, manifest, tables, lexical, chunking, started)
            with contextlib.suppress(psycopg.Error):
                _drop_old_versions(conn, url.schema, version - KEEP_PREVIOUS)
    except psycopg.OperationalError as e:
        raise IndexUnavailable(f"lost the index database {url} during the build: {one_line(e)}; "
                               "the current index is unchanged") from None
    except psycopg.Error as e:
        raise BuildError(f"cannot write the index to {url}: {one_line(e)}; the current index is unchanged") from None
    n_sentences = len(tables.sentences)
    return BuildReport(url, len(tables.articles), len(tables.chunks), n_sentences, embedded,
                       n_sentences - embedded, time.perf_counter() - started, manifest.index_type, tables.skipped)


def _embed(vectors: np.ndarray, tables, cache: VectorRows, embedder: Embedder, batch_size: int, progress: bool) -> int:
    """Fill the pending rows of `vectors` from the table or the embedder (each distinct text once); how many were
    embedded."""
    from tqdm import tqdm

    work = todo(vectors, tables.pending, tables.keys, cache, np.zeros(len(tables.sentences), dtype=np.int64))
    embedded = sum(len(rows) for rows in work.rows)
    with tqdm(total=embedded, desc="embed", unit="sentence", disable=not progress, smoothing=0.1) as bar:
        done_rows = [0]

        def after_chunk(done: int) -> None:
            bar.update(sum(len(rows) for rows in work.rows[done_rows[0]: done]))
            done_rows[0] = done

        embed(vectors, work, embedder, cache, after_chunk, batch_size)
    return embedded


@contextlib.contextmanager
def _exclusive(conn: psycopg.Connection, url: DatabaseUrl):
    """One build per index at a time, across processes and machines: a session-level advisory lock."""
    key = int.from_bytes(hashlib.sha1(f"iqtibas:{url.schema}".encode()).digest()[:8], "big", signed=True)
    got = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
    conn.commit()
    if not got:
        raise BuildBusy(f"another build of {url} is running")
    try:
        yield
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            conn.commit()


def _write_version(conn: psycopg.Connection, schema_name: str, table: str, dim: int, manifest: Manifest, tables,
                   lexical: LexicalIndex, chunking: ChunkingParams, started: float) -> int:
    """Every row of the new version, and `current` pointing at it, in one transaction; its number."""
    s = ident(schema_name)
    version = int(conn.execute(sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}.versions").format(s)).fetchone()[0])
    forward = lexical.forward
    texts = {a.sha256: a.text for a in tables.articles}
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE new_texts (sha256 text, text text) ON COMMIT DROP")
        _copy(cur, sql.SQL("COPY new_texts FROM STDIN"), texts.items())
        cur.execute(sql.SQL("INSERT INTO {}.texts SELECT * FROM new_texts ON CONFLICT DO NOTHING").format(s))
        counts = np.bincount(tables.chunks["article"], minlength=len(tables.articles))
        _copy(cur, sql.SQL("COPY {}.articles FROM STDIN").format(s), (
            (version, i, a.source, a.sha256, bytes(a.input_hash), a.title, a.outlet, a.date,
             date.fromisoformat(a.published) if a.published else None, a.url, int(n))
            for i, (a, n) in enumerate(zip(tables.articles, counts))))
        c = tables.chunks
        _copy(cur, sql.SQL("COPY {}.passages FROM STDIN").format(s), (
            (version, i, int(c["article"][i]), int(c["start"][i]), int(c["end"][i]), int(c["first"][i]),
             int(c["last"][i]), _le(forward.terms[forward.ptr[i]: forward.ptr[i + 1]], "<i4"),
             _le(forward.counts[forward.ptr[i]: forward.ptr[i + 1]], "<i4"))
            for i in range(len(c))))
        t, keys = tables.sentences, tables.keys
        _copy(cur, sql.SQL("COPY {}.sentences FROM STDIN").format(s), (
            (version, i, int(t["article"][i]), int(t["start"][i]), int(t["end"][i]), int(t["chunk"][i]),
             bytes(keys[i]).ljust(KEY_DTYPE.itemsize, b"\0"))
            for i in range(len(t))))
        vocabulary = lexical.vocabulary()
        _copy(cur, sql.SQL("COPY {}.terms FROM STDIN").format(s), (
            (version, i, term, _le(docs, "<i4"), _le(weights, "<f4"))
            for i, (term, (docs, weights)) in enumerate(zip(vocabulary, lexical.postings(range(len(vocabulary)))))))
        missing = cur.execute(sql.SQL("SELECT count(*) FROM {}.sentences s WHERE s.version = %s AND NOT EXISTS "
                                      "(SELECT 1 FROM {} v WHERE v.key = s.key)").format(s, ident(schema_name, table)),
                              (version,)).fetchone()[0]
        if missing:
            raise BuildError(f"{missing} sentence vectors are missing from {table}; nothing was written")
        if manifest.index_type == "hnsw" and not schema.has_hnsw(conn, schema_name, table):
            log.info("building the HNSW index of %s", table)  # fast while the graph fits maintenance_work_mem
            schema.create_hnsw(conn, schema_name, table, dim)
        manifest.build_seconds = round(time.perf_counter() - started, 3)
        df = np.diff(np.asarray(lexical._indptr)).astype("<i4")
        cur.execute(sql.SQL("INSERT INTO {}.versions (id, manifest, reuse, vectors, vocabulary, document_frequency, "
                            "passages) VALUES (%s, %s, %s, %s, %s, %s, %s)").format(s),
                    (version, json.dumps(_manifest_json(manifest), ensure_ascii=False),
                     json.dumps({"pipeline": reuse_module.pipeline_version(), "chunking": _limits(chunking)}), table,
                     "\n".join(vocabulary), df.tobytes(), lexical.num_docs))
        cur.execute(sql.SQL("INSERT INTO {}.current (version) VALUES (%s) ON CONFLICT (singleton) "
                            "DO UPDATE SET version = excluded.version").format(s), (version,))
    conn.commit()
    return version


def _manifest_json(manifest: Manifest) -> dict:
    data = manifest.model_dump()
    data["corpus_fingerprint"] = manifest.corpus_fingerprint
    return data


def _limits(chunking: ChunkingParams) -> list[int]:
    return [chunking.max_chars, chunking.overlap_sentences, chunking.hard_limit]


def _le(values, dtype: str) -> bytes:
    return np.asarray(values).astype(dtype, copy=False).tobytes()


def _copy(cur: psycopg.Cursor, statement: sql.Composable, rows) -> None:
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _drop_old_versions(conn: psycopg.Connection, schema_name: str, keep_from: int) -> None:
    """Delete the versions before `keep_from`, and the texts and vectors no remaining version uses."""
    s = ident(schema_name)
    for table in ("articles", "passages", "sentences", "terms"):
        conn.execute(sql.SQL("DELETE FROM {} WHERE version < %s").format(ident(schema_name, table)), (keep_from,))
    conn.execute(sql.SQL("DELETE FROM {}.versions WHERE id < %s").format(s), (keep_from,))
    conn.execute(sql.SQL("DELETE FROM {0}.texts t WHERE NOT EXISTS (SELECT 1 FROM {0}.articles a WHERE a.sha256 = t.sha256)")
                 .format(s))
    for (table,) in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                                 "AND table_name LIKE 'vectors\\_%%'", (schema_name,)).fetchall():
        used = conn.execute(sql.SQL("SELECT 1 FROM {}.versions WHERE vectors = %s LIMIT 1").format(s), (table,)).fetchone()
        if used is None:
            conn.execute(sql.SQL("DROP TABLE {}").format(ident(schema_name, table)))
            continue
        conn.execute(sql.SQL("DELETE FROM {} v WHERE NOT EXISTS (SELECT 1 FROM {}.sentences s WHERE s.key = v.key)")
                     .format(ident(schema_name, table), s))
    conn.commit()


class VectorRows:
    """The embedding cache of a build: the vector table itself. Found vectors are read up front; each embedded
    batch is committed at once, so an interrupted build resumes (no version uses them until one is written)."""

    def __init__(self, conn: psycopg.Connection, schema_name: str, table: str, keys: np.ndarray) -> None:
        self._conn, self._table = conn, ident(schema_name, table)
        self._rows: dict[bytes, np.ndarray] = {}
        wanted = list({bytes(k).ljust(KEY_DTYPE.itemsize, b"\0") for k in keys})
        with conn.cursor(binary=True) as cur:
            for at in range(0, len(wanted), 10_000):
                cur.execute(sql.SQL("SELECT key, embedding FROM {} WHERE key = ANY(%s)").format(self._table),
                            (wanted[at: at + 10_000],))
                for key, vector in cur:
                    self._rows[bytes(key)] = np.asarray(vector.to_numpy() if hasattr(vector, "to_numpy") else vector,
                                                        dtype=np.float32)  # binary results give a Vector
        conn.commit()

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in `keys`, their vectors) of the keys the table holds a good vector for."""
        found = [(i, v) for i, key in enumerate(keys) if (v := self.get(key)) is not None]
        if not found:
            return np.empty(0, dtype=np.int64), np.empty((0, 0), np.float32)
        return np.array([i for i, _ in found], dtype=np.int64), np.stack([v for _, v in found])

    def get(self, key: bytes) -> np.ndarray | None:
        vector = self._rows.get(bytes(key).ljust(KEY_DTYPE.itemsize, b"\0"))
        return vector if vector is not None and not bad_rows(vector[None]).size else None

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Store an embedded batch (committed at once); a text already there, or twice in the batch, is kept once."""
        rows = {}
        for key, vector in zip(keys, vectors):
            rows.setdefault(bytes(key).ljust(KEY_DTYPE.itemsize, b"\0"), vector)
        with self._conn.cursor(binary=True) as cur:
            cur.execute(sql.SQL("CREATE TEMP TABLE IF NOT EXISTS vectors_in (LIKE {}) ON COMMIT DELETE ROWS")
                        .format(self._table))
            with cur.copy("COPY vectors_in (key, embedding) FROM STDIN (FORMAT binary)") as copy:
                copy.set_types(["bytea", "vector"])
                for row in rows.items():
                    copy.write_row(row)
            cur.execute(sql.SQL("INSERT INTO {} SELECT * FROM vectors_in ON CONFLICT (key) DO NOTHING")
                        .format(self._table))
        self._conn.commit()


class PgPrevious:
    """The current version, read for a rebuild (as `reuse.PreviousIndex` reads a directory): articles by input hash,
    with their passages, sentences, keys and terms; vectors stay in the database, found again by key."""

    def __init__(self, conn: psycopg.Connection, schema_name: str, version: int, manifest: Manifest) -> None:
        s = ident(schema_name)
        self._conn, self._schema, self.version, self.manifest = conn, schema_name, version, manifest
        rows = schema.copy_rows(conn, sql.SQL("SELECT article, start_char, end_char, first_sentence, last_sentence "
                                              "FROM {}.passages WHERE version = %s ORDER BY id").format(s), (version,),
                                [(n, ">i4") for n in CHUNK_DTYPE.names])
        self.chunks = schema.native(rows, CHUNK_DTYPE)
        rows = schema.copy_rows(conn, sql.SQL("SELECT article, start_char, end_char, passage, key FROM {}.sentences "
                                              "WHERE version = %s ORDER BY id").format(s), (version,),
                                [*((n, ">i4") for n in SENTENCE_DTYPE.names), ("key", "S20")])
        self.sentences = schema.native(rows, SENTENCE_DTYPE)
        self.keys = np.asarray(rows["key"], dtype=KEY_DTYPE)
        vocabulary = conn.execute(sql.SQL("SELECT vocabulary FROM {}.versions WHERE id = %s").format(s),
                                  (version,)).fetchone()[0]
        terms, counts, lengths = [], [], []
        with conn.cursor(binary=True) as cur:
            cur.execute(sql.SQL("SELECT terms, counts FROM {}.passages WHERE version = %s ORDER BY id").format(s),
                        (version,))
            for t, n in cur:
                terms.append(np.frombuffer(t, "<i4"))
                counts.append(np.frombuffer(n, "<i4"))
                lengths.append(len(terms[-1]))
        ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=ptr[1:])
        self.forward = Forward(vocabulary.split("\n") if vocabulary else [], ptr,
                               np.concatenate(terms).astype(np.int32) if terms else np.empty(0, np.int32),
                               np.concatenate(counts).astype(np.int32) if counts else np.empty(0, np.int32))
        inputs = conn.execute(sql.SQL("SELECT input_hash FROM {}.articles WHERE version = %s ORDER BY id").format(s),
                              (version,)).fetchall()
        conn.commit()
        chunk_counts = np.array([a.chunks for a in manifest.articles], dtype=np.int64)
        self._chunk_start = np.concatenate([[0], np.cumsum(chunk_counts)])
        if not (len(inputs) == len(manifest.articles) and len(self.forward) == len(self.chunks) == manifest.chunks
                and len(self.keys) == manifest.sentences):
            raise ValueError("inconsistent tables")
        self._numbers = {bytes(h): i for i, (h,) in enumerate(inputs) if h}
        self._texts: dict[int, str] = {}
        self.reused: dict[str, int] = {}

    @classmethod
    def open(cls, conn: psycopg.Connection, schema_name: str, version: int | None, embedder: Embedder,
             chunking: ChunkingParams, analyzer_id: str) -> PgPrevious | None:
        if version is None:
            return None
        try:
            manifest, reuse = conn.execute(sql.SQL("SELECT manifest, reuse FROM {}.versions WHERE id = %s")
                                           .format(ident(schema_name)), (version,)).fetchone()
            conn.commit()
            manifest = Manifest.model_validate({k: v for k, v in manifest.items() if k != "corpus_fingerprint"})
            if (manifest.embedder_id, manifest.dimension, manifest.analyzer) != (embedder.id, embedder.dim, analyzer_id):
                return None
            if reuse.get("pipeline") != reuse_module.pipeline_version() or reuse.get("chunking") != _limits(chunking):
                return None
            return cls(conn, schema_name, version, manifest)
        except psycopg.OperationalError:
            raise
        except Exception as e:  # nothing to copy: everything is built afresh (vectors are still found by key)
            conn.rollback()
            log.debug("previous version %s not reusable: %s", version, e)
            return None

    def article(self, key: bytes, source: str) -> Article | None:
        number = self._numbers.get(key.rstrip(b"\0"))
        if number is None:
            return None
        entry = self.manifest.articles[number]
        self.reused[source] = number
        return Article(id=source, source=source, text=self._text(number), title=entry.title, outlet=entry.outlet,
                       date=entry.date, published=entry.published, url=entry.url, input_hash=key)

    def _text(self, number: int) -> str:
        """An article's text; read with the next TEXTS_AT_A_TIME articles' (a corpus is read in order)."""
        if number not in self._texts:
            self._texts.clear()
            s = ident(self._schema)
            rows = self._conn.execute(sql.SQL("SELECT a.id, t.text FROM {0}.articles a JOIN {0}.texts t USING (sha256) "
                                              "WHERE a.version = %s AND a.id >= %s AND a.id < %s").format(s),
                                      (self.version, number, number + TEXTS_AT_A_TIME)).fetchall()
            self._conn.commit()
            self._texts = {int(i): text for i, text in rows}
        return self._texts[number]

    def chunk_range(self, number: int) -> tuple[int, int]:
        return int(self._chunk_start[number]), int(self._chunk_start[number + 1])

    def sentence_range(self, number: int) -> tuple[int, int]:
        c0, c1 = self.chunk_range(number)
        return int(self.chunks[c0]["first"]), int(self.chunks[c1 - 1]["last"]) + 1
