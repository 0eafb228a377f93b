"""What `info` and a running bot ask of a PostgreSQL index: its current version, its manifest, replication."""

from __future__ import annotations

import contextlib


from .driver import psycopg, sql
from ...errors import IndexNotFound, IndexUnavailable
from ..manifest import Manifest
from . import schema
from .connection import connect
from .read import _manifest
from .schema import ident
from .url import DatabaseUrl


def current_manifest(url: DatabaseUrl) -> Manifest:
    with connect(url, autocommit=True) as conn:
        version = schema.current_version(conn, url.schema)
        if version is None:
            raise IndexNotFound(f"no index at {url}; build one with: python -m retrieval build --index URL")
        data = conn.execute(sql.SQL("SELECT manifest FROM {}.versions WHERE id = %s").format(ident(url.schema)),
                            (version,)).fetchone()[0]
    return _manifest(data, url)


def current_stamp(url: DatabaseUrl) -> tuple | None:
    """The current version's number, or None (no index, or the database cannot be reached now: asked again later)."""
    with contextlib.suppress(IndexUnavailable, psycopg.Error), connect(url, autocommit=True, attempts=1) as conn:
        version = schema.current_version(conn, url.schema)
        return None if version is None else ("version", version)
    return None


def exists(url: DatabaseUrl) -> bool:
    with connect(url, autocommit=True) as conn:
        return schema.current_version(conn, url.schema) is not None


def status_lines(url: DatabaseUrl) -> list[str]:
    """The current version, and replication: a replica's lag behind its primary, or a primary's replicas."""
    with connect(url, autocommit=True) as conn:
        version = schema.current_version(conn, url.schema)
        server = conn.execute("SELECT current_setting('server_version')").fetchone()[0]
        vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        lines = [f"database:     PostgreSQL {server}, pgvector {vector[0] if vector else 'missing'}, "
                 f"schema {url.schema}, version {version}"]
        if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            lag, receiving = conn.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END, "
                "(SELECT status FROM pg_stat_wal_receiver)").fetchone()
            lines.append(f"replication:  a replica ({receiving or 'not receiving'}), "
                         f"{float(lag or 0):.3f} s behind its primary")
        else:
            replicas = conn.execute("SELECT coalesce(application_name, ''), state, "
                                    "extract(epoch FROM coalesce(replay_lag, '0'::interval)) FROM pg_stat_replication"
                                    ).fetchall()
            lines.append("replication:  a primary, " + (", ".join(
                f"replica {name or '?'} {state} {float(lag):.3f} s behind" for name, state, lag in replicas)
                if replicas else "no replicas"))
    return lines


def verify(url: DatabaseUrl) -> list[str]:
    """What is wrong with the current version: rows missing against its manifest, vectors missing or not unit-length."""
    from ..integrity import UNIT_TOLERANCE

    manifest = current_manifest(url)
    s = ident(url.schema)
    with connect(url, autocommit=True) as conn:
        version = schema.current_version(conn, url.schema)
        table = conn.execute(sql.SQL("SELECT vectors FROM {}.versions WHERE id = %s").format(s), (version,)).fetchone()[0]
        found = []
        for name, expected in (("articles", len(manifest.articles)), ("passages", manifest.chunks),
                               ("sentences", manifest.sentences)):
            count = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE version = %s").format(ident(url.schema, name)),
                                 (version,)).fetchone()[0]
            if count != expected:
                found.append(f"{name} has {count:,} rows of version {version}, not {expected:,}")
        missing, bad = conn.execute(sql.SQL(
            "SELECT count(*) FILTER (WHERE v.key IS NULL), "
            "count(*) FILTER (WHERE abs(vector_norm(v.embedding) - 1) > %s) "
            "FROM {}.sentences s LEFT JOIN {} v USING (key) WHERE s.version = %s").format(s, ident(url.schema, table)),
            (UNIT_TOLERANCE, version)).fetchone()
        if missing:
            found.append(f"{missing:,} sentence vectors are missing from {table}")
        if bad:
            found.append(f"{table} holds {bad:,} vectors that are not unit-length")
        texts = conn.execute(sql.SQL("SELECT count(*) FROM {0}.articles a LEFT JOIN {0}.texts t USING (sha256) "
                                     "WHERE a.version = %s AND t.sha256 IS NULL").format(s), (version,)).fetchone()[0]
        if texts:
            found.append(f"{texts:,} article texts are missing")
    return found
