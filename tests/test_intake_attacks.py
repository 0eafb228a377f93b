"""`add URL` against hostile servers on 127.0.0.1: headers dribbled or oversized, broken status lines,
compression bombs. Each is one failed line within the timeout; the other sources are still added."""

from __future__ import annotations

import gzip
import shutil
import time

import pytest
from helpers import SEEDS
from pageserver import PageServer

from retrieval.corpus.intake import IntakeLimits, add_sources

FAST = IntakeLimits(fetch_seconds=1.0)


def _dribbled_headers(handler) -> None:
    """A status line, then a header byte every 0.3 s: each read succeeds, the headers never end."""
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(30):
            handler.wfile.write(b"a")
            handler.wfile.flush()
            time.sleep(0.3)
    except OSError:
        pass


def _raw(data: bytes):
    def send(handler) -> None:
        try:
            handler.wfile.write(data)
        except OSError:
            pass
    return send


def _gzip_bomb(handler) -> None:
    body = gzip.compress(b"<p>" + b"a" * (200 * 1024 * 1024) + b"</p>", compresslevel=9)
    handler._send(200, "text/html", body, {"Content-Encoding": "gzip"})


ROUTES = {
    "/dribble": _dribbled_headers,
    "/long-header": _raw(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n<p>x</p>"),
    "/many-headers": _raw(b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n"),
    "/bad-status": _raw(b"NONSENSE\r\n\r\n"),
    "/cut-short": _raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<p>abc"),
    "/gzip-bomb": _gzip_bomb,
}


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        running.routes.update(ROUTES)
        yield running


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_a_hostile_server_is_one_failed_line_within_the_timeout(server, tmp_path, path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    started = time.monotonic()
    report = add_sources(corpus, [server.url(path), server.url("wakala_final.html")], FAST, server.allow)
    elapsed = time.monotonic() - started
    failed, added = report.outcomes
    assert failed.kind == "failed" and "\n" not in failed.line(), failed.line()
    assert added.kind == "added"
    assert elapsed < FAST.fetch_seconds + 2.5, elapsed
