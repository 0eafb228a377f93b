"""Fetching one web page over HTTP(S) with limits: a whole-request deadline, a size cap, few redirects, and only
public destinations (checked on each address connected to, redirects included: see destinations.py).

No retries: a page that fails is reported and can be added again; a feed remembers its items that failed
(intake.py) and tries them again later.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import select
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from ..errors import RetrievalError
from .destinations import Destinations

TIMEOUT_S = 15.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_URL_CHARS = 8192
USER_AGENT = "Iqtibas/0.1 (news intake; +https://github.com/)"
_CHUNK = 64 * 1024
_TICK = 0.05  # seconds between looks at the deadline and the stop signal
# Characters left as they are in a path or query: the reserved ones, and % so that escapes stay escapes.
_SAFE = "/:@!$&'()*+,;=%~-._?"


class FetchError(RetrievalError):
    """A page that could not be fetched; the message says why, in a few words."""


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    content_type: str  # e.g. "text/html", lower case, without parameters
    charset: str | None
    body: bytes


def check_url(url: str) -> str:
    """`url` as it is fetched: an http(s) address with a host and a valid port, the host in ASCII (IDNA) and the path
    and query percent-encoded; FetchError otherwise (file:, ftp:, data: ... are refused)."""
    if len(url) > MAX_URL_CHARS:
        raise FetchError(f"address too long ({len(url):,} characters; limit {MAX_URL_CHARS:,})")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:  # "Port out of range 0-65535", "Invalid IPv6 URL"
        raise FetchError(f"invalid address: {e}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"only http and https addresses are fetched, not {parts.scheme or 'a bare path'}:")
    if not parts.hostname:
        raise FetchError("no host in the address")
    if port == 0:
        raise FetchError("invalid address: port 0")
    host = ascii_host(parts.hostname)
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme.lower(), netloc, quote(parts.path, safe=_SAFE) or "/",
                       quote(parts.query, safe=_SAFE), ""))


def ascii_host(host: str) -> str:
    """A host name as DNS and HTTP carry it: an internationalized name (مثال.example) in its xn-- form."""
    if host.isascii():
        return host.lower()
    import idna

    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as e:
        raise FetchError(f"invalid host name {host!r}: {e}") from None


class _Refused(OSError):
    """A connection not made: the destination is not public and not allowed."""


class _Watch:
    """Shuts the sockets of one fetch at its deadline or when `stop` is set, whichever comes first: a socket timeout
    bounds each read, not the sum of them, so a server dribbling its headers a byte at a time would otherwise hold
    the fetch open without end; and an intake that is stopped must not wait for a slow server."""

    def __init__(self, deadline: float, stop: threading.Event | None) -> None:
        self.deadline, self._stop = deadline, stop
        self._sockets: list[socket.socket] = []
        self._done = threading.Event()
        threading.Thread(target=self._watch, name="fetch deadline", daemon=True).start()

    @property
    def stopped(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    @property
    def over(self) -> bool:
        return self.stopped or time.monotonic() >= self.deadline

    def add(self, sock: socket.socket) -> None:
        self._sockets.append(sock)
        if self.over:
            _shut(sock)

    def close(self) -> None:
        self._done.set()

    def _watch(self) -> None:
        while not self._done.wait(_TICK):
            if self.over:
                for sock in self._sockets:
                    _shut(sock)
                return


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _connector(allow: Destinations, watch: _Watch):
    """`socket.create_connection` for http.client that connects only to allowed addresses, and to the address it
    checked (a second DNS answer cannot swap it), giving up at the deadline or on stop."""

    def create_connection(address, timeout=None, source_address=None):
        host, port = address
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise OSError(f"cannot resolve {host}: {e.strerror}") from None
        refused, failure = None, None
        for family, kind, proto, _, sockaddr in found:
            if (why := allow.refusal(host, port, sockaddr[0])) is not None:
                refused = refused or why
                continue
            sock = socket.socket(family, kind, proto)
            try:
                watch.add(sock)
                _connect(sock, sockaddr, watch)
                return sock
            except OSError as e:
                sock.close()
                failure = e
                if watch.over:
                    break
        if failure is not None:
            raise failure
        raise _Refused(refused or f"no address for {host}")

    return create_connection


def _connect(sock: socket.socket, sockaddr, watch: _Watch) -> None:
    """Connect without blocking past the deadline or a stop (a blocked connect() cannot be interrupted)."""
    sock.setblocking(False)
    code = sock.connect_ex(sockaddr)
    while code in (errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK):
        if watch.over:
            raise TimeoutError("connect")
        _, writable, _ = select.select([], [sock], [], _TICK)
        if writable:
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if code not in (0, errno.EISCONN):
        raise OSError(code, os.strerror(code))
    sock.settimeout(max(0.01, watch.deadline - time.monotonic()))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx then surfaces as HTTPError, and `fetch` follows it under its own rules


def _opener(allow: Destinations, watch: _Watch):
    """An opener whose connections go through `_connector`; proxies from the environment are not used, since a
    proxy would connect to addresses this process never checks."""
    create_connection = _connector(allow, watch)

    def guarded(connection_class):
        class Connection(connection_class):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                self._create_connection = create_connection
        return Connection

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(guarded(http.client.HTTPConnection), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(guarded(http.client.HTTPSConnection), req, context=self._context)

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects(), HTTP(), HTTPS())


def fetch(url: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES, accept: str = "text/html,*/*;q=0.5",
          allow: Destinations = Destinations(), stop: threading.Event | None = None) -> Page:
    """The page at `url`; FetchError for an error status, a timeout (of the whole fetch), a body over `max_bytes`,
    a redirect loop or more than MAX_REDIRECTS redirects, a redirect to another scheme, a destination that is not
    public (unless `allow` lists it), or `stop` being set."""
    watch = _Watch(time.monotonic() + timeout, stop)
    try:
        return _fetch(check_url(url), watch, timeout, max_bytes, accept, allow)
    finally:
        watch.close()


def _fetch(url: str, watch: _Watch, timeout: float, max_bytes: int, accept: str, allow: Destinations) -> Page:
    seen: list[str] = []
    current = url
    while True:
        if current in seen:
            raise FetchError(f"redirect loop ({len(seen)} redirects back to {current})")
        if len(seen) > MAX_REDIRECTS:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects")
        seen.append(current)
        request = urllib.request.Request(current, headers={"User-Agent": USER_AGENT, "Accept": accept})
        try:
            response = _opener(allow, watch).open(request, timeout=_left(watch, timeout))
        except urllib.error.HTTPError as e:
            location = e.headers.get("Location") if 300 <= e.code < 400 else None
            e.close()
            if location:
                current = check_url(urljoin(current, location))
                continue
            raise FetchError(f"HTTP {e.code} {e.reason}".strip()) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, _Refused):
                raise FetchError(str(e.reason)) from None
            _check_cut(watch, timeout)
            if isinstance(e.reason, TimeoutError):
                raise FetchError(f"timed out after {timeout:g} s") from None
            raise FetchError(f"cannot connect: {e.reason}") from None
        except TimeoutError:
            _check_cut(watch, timeout)
            raise FetchError(f"timed out after {timeout:g} s") from None
        except http.client.HTTPException as e:  # a broken status line, a header line over 64 KB, over 100 headers
            _check_cut(watch, timeout)
            raise FetchError(f"not a valid HTTP answer ({type(e).__name__}: {' '.join(str(e).split())[:80]})") from None
        except (OSError, ValueError, UnicodeError) as e:  # a reset connection, an odd status line
            _check_cut(watch, timeout)
            raise FetchError(f"cannot fetch: {e}") from None
        with response:
            return _read(response, current, watch, timeout, max_bytes)


def _check_cut(watch: _Watch, timeout: float) -> None:
    """FetchError saying so when the fetch was cut by a stop or at its deadline."""
    if watch.stopped:
        raise FetchError("stopped before the page was fetched (the intake was stopped)")
    if time.monotonic() >= watch.deadline:
        raise FetchError(f"timed out after {timeout:g} s")


def _left(watch: _Watch, timeout: float) -> float:
    _check_cut(watch, timeout)
    return watch.deadline - time.monotonic()


def _read(response, url: str, watch: _Watch, timeout: float, max_bytes: int) -> Page:
    """The body, read in chunks so that a huge or endless page stops at `max_bytes` and a slow one at the deadline."""
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"page too large ({int(length):,} bytes; limit {max_bytes:,})")
    chunks, size = [], 0
    try:
        while True:
            chunk = response.read1(_CHUNK)  # what has arrived: `read` would wait for a full chunk of a slow page
            if not chunk:
                _left(watch, timeout)  # an end that is the deadline's cut, not the page's
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"page too large (over {max_bytes:,} bytes)")
            chunks.append(chunk)
            _left(watch, timeout)
    except TimeoutError:
        _check_cut(watch, timeout)
        raise FetchError(f"timed out after {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as e:
        _check_cut(watch, timeout)
        raise FetchError(f"cannot read the page: {type(e).__name__}") from None
    content_type = response.headers.get_content_type().lower()
    return Page(url, content_type, response.headers.get_content_charset(), b"".join(chunks))
