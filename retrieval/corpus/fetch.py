"""Fetching one web page over HTTP(S) with limits: a whole-request deadline, a size cap, few redirects.

No retries: a page that fails is reported and can be added again; a feed's item that failed is not yet
in the corpus, so the next poll tries it again anyway.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..errors import RetrievalError

TIMEOUT_S = 15.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "Iqtibas/0.1 (news intake; +https://github.com/)"
_CHUNK = 64 * 1024


class FetchError(RetrievalError):
    """A page that could not be fetched; the message says why, in a few words."""


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    content_type: str  # e.g. "text/html", lower case, without parameters
    charset: str | None
    body: bytes


def check_url(url: str) -> str:
    """`url` if it is an http(s) address with a host; FetchError otherwise (file:, ftp:, data: ... are refused)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"only http and https addresses are fetched, not {parts.scheme or 'a bare path'}:")
    if not parts.hostname:
        raise FetchError("no host in the address")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx then surfaces as HTTPError, and `fetch` follows it under its own rules


def _opener(deadline: float):
    """An opener whose connections are cut at `deadline`: a socket timeout bounds each read, not the sum of them,
    so a server dribbling its headers a byte at a time would otherwise hold the fetch open without end."""

    def cut_at_deadline(connection_class):
        class Connection(connection_class):
            def connect(self) -> None:
                super().connect()
                sock = self.sock
                timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (sock,))
                timer.daemon = True
                timer.start()
                weakref.finalize(sock, timer.cancel)
        return Connection

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(cut_at_deadline(http.client.HTTPConnection), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(cut_at_deadline(http.client.HTTPSConnection), req, context=self._context)

    return urllib.request.build_opener(_NoRedirects(), HTTP(), HTTPS())


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def fetch(url: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES, accept: str = "text/html,*/*;q=0.5") -> Page:
    """The page at `url`; FetchError for an error status, a timeout (of the whole fetch), a body over
    `max_bytes`, a redirect loop or more than MAX_REDIRECTS redirects, or a redirect to another scheme."""
    deadline = time.monotonic() + timeout
    seen = []
    current = check_url(url)
    while True:
        if current in seen:
            raise FetchError(f"redirect loop ({len(seen)} redirects back to {current})")
        if len(seen) > MAX_REDIRECTS:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects")
        seen.append(current)
        request = urllib.request.Request(current, headers={"User-Agent": USER_AGENT, "Accept": accept})
        try:
            response = _opener(deadline).open(request, timeout=_left(deadline, timeout))
        except urllib.error.HTTPError as e:
            location = e.headers.get("Location") if 300 <= e.code < 400 else None
            e.close()
            if location:
                current = check_url(urljoin(current, location))
                continue
            raise FetchError(f"HTTP {e.code} {e.reason}".strip()) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, TimeoutError):
                raise FetchError(f"timed out after {timeout:g} s") from None
            raise FetchError(f"cannot connect: {e.reason}") from None
        except TimeoutError:
            raise FetchError(f"timed out after {timeout:g} s") from None
        except http.client.HTTPException as e:  # a broken status line, a header line over 64 KB, over 100 headers
            if time.monotonic() >= deadline:
                raise FetchError(f"timed out after {timeout:g} s") from None
            raise FetchError(f"not a valid HTTP answer ({type(e).__name__}: {' '.join(str(e).split())[:80]})") from None
        except (OSError, ValueError) as e:  # a bad port, a reset connection, an odd status line
            if time.monotonic() >= deadline:  # cut at the deadline
                raise FetchError(f"timed out after {timeout:g} s") from None
            raise FetchError(f"cannot fetch: {e}") from None
        with response:
            return _read(response, current, deadline, timeout, max_bytes)


def _left(deadline: float, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"timed out after {timeout:g} s")
    return left


def _read(response, url: str, deadline: float, timeout: float, max_bytes: int) -> Page:
    """The body, read in chunks so that a huge or endless page stops at `max_bytes` and a slow one at the deadline."""
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"page too large ({int(length):,} bytes; limit {max_bytes:,})")
    chunks, size = [], 0
    try:
        while True:
            chunk = response.read1(_CHUNK)  # what has arrived: `read` would wait for a full chunk of a slow page
            if not chunk:
                _left(deadline, timeout)  # an end that is the deadline's cut, not the page's
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"page too large (over {max_bytes:,} bytes)")
            chunks.append(chunk)
            _left(deadline, timeout)
    except TimeoutError:
        raise FetchError(f"timed out after {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as e:
        if time.monotonic() >= deadline:  # cut at the deadline
            raise FetchError(f"timed out after {timeout:g} s") from None
        raise FetchError(f"cannot read the page: {type(e).__name__}") from None
    content_type = response.headers.get_content_type().lower()
    return Page(url, content_type, response.headers.get_content_charset(), b"".join(chunks))
