"""The tables of an index in PostgreSQL (all in one schema, default `iqtibas`), and reading them in bulk.

Every build writes a new *version*: its articles, passages, sentences and terms, keyed by (version, id) with
the same ids as the directory's arrays, and makes it current in the same transaction. What is shared between
versions is stored once: article texts by their SHA-256, sentence vectors by the hash of the embedded text
(one table per embedder, `vectors_<slug>`; it is also the embedding cache, and its HNSW index grows row by
row instead of being rebuilt). Readers follow `current`. See docs/postgresql.md.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .driver import psycopg, sql

# What the HNSW index over sentence vectors is built on, and with what graph (measured: docs/postgresql.md).
# The column keeps float32 (passages are rescored exactly from it); the graph may hold half precision.
HNSW_TYPE = "halfvec"  # or "vector"
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 200  # raised to the number of neighbours asked for (pgvector returns at most ef_search)
HNSW_EF_SEARCH_MAX = 1000  # pgvector's limit

TABLES = """
CREATE TABLE IF NOT EXISTS {s}.versions (
    id bigint PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    manifest jsonb NOT NULL,                 -- the Manifest (as manifest.json), its "files" empty
    reuse jsonb NOT NULL,                    -- pipeline version and chunking: when passages may be copied
    vectors text NOT NULL,                   -- the table of this version's sentence vectors
    vocabulary text NOT NULL,                -- the BM25 terms by id, one a line (as the terms table)
    document_frequency bytea NOT NULL,       -- int32 little-endian, by term id
    passages integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.current (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL REFERENCES {s}.versions (id)
);
CREATE TABLE IF NOT EXISTS {s}.texts (
    sha256 text PRIMARY KEY,
    text text NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.articles (
    version bigint NOT NULL,
    id integer NOT NULL,
    source text NOT NULL,
    sha256 text NOT NULL,
    input_hash bytea NOT NULL,
    title text NOT NULL,
    outlet text,
    date text,
    published date,
    url text,
    passages integer NOT NULL,
    PRIMARY KEY (version, id)
);
CREATE TABLE IF NOT EXISTS {s}.passages (
    version bigint NOT NULL,
    id integer NOT NULL,
    article integer NOT NULL,
    start_char integer NOT NULL,
    end_char integer NOT NULL,
    first_sentence integer NOT NULL,
    last_sentence integer NOT NULL,
    terms bytea NOT NULL,                    -- its distinct term ids, int32 little-endian (the forward index)
    counts bytea NOT NULL,                   -- how often each occurs
    PRIMARY KEY (version, id)
);
CREATE TABLE IF NOT EXISTS {s}.sentences (
    version bigint NOT NULL,
    id integer NOT NULL,
    article integer NOT NULL,
    start_char integer NOT NULL,
    end_char integer NOT NULL,
    passage integer NOT NULL,
    key bytea NOT NULL,                      -- hash of the embedded text: the row of its vector
    PRIMARY KEY (version, id)
);
CREATE TABLE IF NOT EXISTS {s}.terms (
    version bigint NOT NULL,
    id integer NOT NULL,
    term text NOT NULL,
    passages bytea NOT NULL,                 -- BM25 postings: passage ids, int32 little-endian, ascending
    weights bytea NOT NULL,                  -- each passage's BM25 part for the term, float32 little-endian
    PRIMARY KEY (version, id)
);
"""


def ident(*names: str) -> sql.Composable:
    return sql.Identifier(*names)


def create(conn: psycopg.Connection, schema: str) -> None:
    """The extension, the schema and its tables, if missing (committed)."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident(schema)))
    conn.execute(sql.SQL(TABLES).format(s=ident(schema)))
    conn.commit()


def vectors_table(embedder_id: str) -> str:
    return "vectors_" + hashlib.sha1(embedder_id.encode()).hexdigest()[:12]


def create_vectors(conn: psycopg.Connection, schema: str, embedder_id: str, dim: int) -> str:
    """The vector table of `embedder_id`, created if missing (committed); its name."""
    table = vectors_table(embedder_id)
    conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (key bytea PRIMARY KEY, embedding vector({}) NOT NULL)")
                 .format(ident(schema, table), sql.Literal(dim)))
    conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(ident(schema, table), sql.Literal(f"embedder {embedder_id}")))
    conn.commit()
    return table


def hnsw_index_name(table: str) -> str:
    return f"{table}_hnsw"


def hnsw_expression(dim: int, kind: str = HNSW_TYPE) -> tuple[sql.Composable, str]:
    """What the HNSW index is built on, and its operator class: inner product on unit vectors is cosine."""
    if kind == "halfvec":
        return sql.SQL("(embedding::halfvec({}))").format(sql.Literal(dim)), "halfvec_ip_ops"
    return sql.SQL("embedding"), "vector_ip_ops"


def has_hnsw(conn: psycopg.Connection, schema: str, table: str) -> str | None:
    """The kind ("halfvec" or "vector") of the HNSW index on `table`, None without one."""
    row = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
                       (schema, hnsw_index_name(table))).fetchone()
    if row is None:
        return None
    return "halfvec" if "halfvec" in row[0] else "vector"


def create_hnsw(conn: psycopg.Connection, schema: str, table: str, dim: int, kind: str = HNSW_TYPE,
                m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION) -> None:
    expression, ops = hnsw_expression(dim, kind)
    conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING hnsw ({} {}) WITH (m = {}, ef_construction = {})")
                 .format(ident(hnsw_index_name(table)), ident(schema, table), expression, sql.SQL(ops),
                         sql.Literal(m), sql.Literal(ef_construction)))


def current_version(conn: psycopg.Connection, schema: str) -> int | None:
    """The version readers follow; None when the schema holds no index yet."""
    try:
        row = conn.execute(sql.SQL("SELECT version FROM {}").format(ident(schema, "current"))).fetchone()
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        return None
    return int(row[0]) if row else None


def copy_rows(conn: psycopg.Connection, query: sql.Composable, params: tuple, fields: list[tuple[str, str]]) -> np.ndarray:
    """Rows of fixed-width NOT NULL columns as a structured array, read with binary COPY (millions a second).

    `fields`: (name, dtype) of each column as the server sends it (big-endian: ">i4"; fixed-size bytea: "S20").
    """
    data = bytearray()
    with conn.cursor().copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(query), params) as copy:
        for block in copy:
            data += block
    header = 11 + 4 + 4  # signature, flags, header extension length (0)
    body = memoryview(data)[header + int.from_bytes(data[15:19], "big"): len(data) - 2]  # trailer: int16 -1
    row = [("count", ">i2")]
    for name, dtype in fields:
        row += [(f"{name}_size", ">i4"), (name, dtype)]
    rows = np.frombuffer(body, dtype=np.dtype(row))
    if len(rows) and (rows["count"] != len(fields)).any():
        raise ValueError("unexpected rows in a binary COPY")
    return rows


def native(rows: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The columns `dtype` names of COPY rows, as a native little-endian structured array."""
    out = np.empty(len(rows), dtype=dtype)
    for name in dtype.names:
        out[name] = rows[name]
    return out
