"""Connections to the index database: retried while it is unreachable, errors as one line without the password."""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Iterator
from typing import TypeVar

from ...errors import IndexUnavailable
from .driver import ConnectionPool, PoolTimeout, psycopg, register_vector, sql
from .url import DatabaseUrl, mask

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5
# Reaching the database: this many tries, this far apart (a restart or a failover takes seconds).
ATTEMPTS = 3
RETRY_S = 1.0
T = TypeVar("T")


def one_line(error: BaseException) -> str:
    """What the driver says, on one line, with any URL's password masked."""
    text = " ".join(str(error).split()) or type(error).__name__
    return mask(text)


def _prepare(conn: psycopg.Connection) -> None:
    """pgvector's types as numpy arrays (once the extension exists; a fresh database gets it from the first build)."""
    with contextlib.suppress(psycopg.ProgrammingError):
        register_vector(conn)
    conn.commit() if not conn.autocommit else None


def connect(url: DatabaseUrl, *, autocommit: bool = False, attempts: int = ATTEMPTS) -> psycopg.Connection:
    """A connection to the index database, retried `attempts` times; IndexUnavailable (one line) if it fails."""
    for attempt in range(1, attempts + 1):
        try:
            conn = psycopg.connect(url.conninfo, connect_timeout=CONNECT_TIMEOUT_S, application_name="iqtibas",
                                   autocommit=autocommit)
            _prepare(conn)
            return conn
        except psycopg.Error as e:
            if attempt == attempts or not _transient(e):
                raise IndexUnavailable(f"cannot reach the index database {url}: {one_line(e)}") from None
            log.warning("cannot reach the index database %s (%s); retrying", url, one_line(e))
            time.sleep(RETRY_S * attempt)
    raise AssertionError("unreachable")


def _transient(error: psycopg.Error) -> bool:
    """Whether trying again may help: the server is unreachable or starting, not a refused password or database."""
    state = getattr(error, "sqlstate", None)
    if state is None:  # libpq failed to connect: says why only in words
        text = str(error)
        return not any(words in text for words in ("authentication failed", "does not exist", "no pg_hba.conf entry",
                                                   "invalid", "SSL"))
    return state.startswith("08") or state in ("57P01", "57P02", "57P03")


class Readers:
    """A small pool of connections for searches (a Retriever is shared by threads)."""

    def __init__(self, url: DatabaseUrl, size: int = 4) -> None:
        self.url = url
        self._settings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per connection
        connect(url, autocommit=True).close()  # fails fast, in one line, when the database is not there
        self._pool = ConnectionPool(url.conninfo, min_size=1, max_size=size, open=True, name="iqtibas-readers",
                                    kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S,
                                            "application_name": "iqtibas"},
                                    configure=register_vector)  # a broken one fails its query: `run` retries

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        try:
            with self._pool.connection(timeout=CONNECT_TIMEOUT_S) as conn:
                yield conn
        except PoolTimeout as e:
            raise IndexUnavailable(f"cannot reach the index database {self.url}: {one_line(e)}") from None

    def set_once(self, conn: psycopg.Connection, name: str, value: int) -> None:
        """SET `name` on this pooled connection unless it holds `value` already (a round trip saved per query)."""
        held = self._settings.setdefault(conn, {})
        if held.get(name) != value:
            conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(*name.split(".")), sql.Literal(value)))
            held[name] = value

    def run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """`work` on a pooled connection, once more on another if the connection broke; else IndexUnavailable."""
        for attempt in (1, 2):
            try:
                with self.connection() as conn:
                    return work(conn)
            except psycopg.OperationalError as e:
                if attempt == 2:
                    raise IndexUnavailable(f"lost the index database {self.url}: {one_line(e)}") from None
                log.warning("lost the index database %s (%s); retrying", self.url, one_line(e))
        raise AssertionError("unreachable")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._pool.close()
