"""Fetching one web page over HTTP(S) with limits: a whole-request deadline, a size cap, few redirects.

No retries: a page that fails is reported and can be added again; a feed's item that failed is not yet
in the corpus, so the next poll tries it again anyway.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
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


_OPENER = urllib.request.build_opener(_NoRedirects())


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
            response = _OPENER.open(request, timeout=_left(deadline, timeout))
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
        except (OSError, ValueError) as e:  # a bad port, a reset connection, an odd status line
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
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"page too large (over {max_bytes:,} bytes)")
            chunks.append(chunk)
            _left(deadline, timeout)
    except TimeoutError:
        raise FetchError(f"timed out after {timeout:g} s") from None
    except OSError as e:
        raise FetchError(f"cannot read the page: {e}") from None
    content_type = response.headers.get_content_type().lower()
    return Page(url, content_type, response.headers.get_content_charset(), b"".join(chunks))
