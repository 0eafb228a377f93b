"""RSS and Atom feeds (feedparser): the article links they list."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urljoin

from .destinations import Destinations
from .fetch import MAX_BYTES, TIMEOUT_S, FetchError, fetch

_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class FeedItem:
    url: str
    title: str | None
    updated: str | None  # as the feed writes it: a change means the article may have changed


def read_feed(url: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES, allow: Destinations = Destinations(),
              stop: threading.Event | None = None) -> list[FeedItem]:
    """The items of the feed at `url`, in feed order; FetchError if it cannot be fetched or is no feed."""
    import feedparser

    page = fetch(url, timeout=timeout, max_bytes=max_bytes, accept=_ACCEPT, allow=allow, stop=stop)
    parsed = feedparser.parse(page.body, response_headers={"content-type": page.content_type,
                                                           "content-location": page.url})
    if not parsed.entries and (parsed.bozo or not parsed.version):
        why = getattr(parsed, "bozo_exception", None)
        raise FetchError("not an RSS or Atom feed" + (f" ({str(why).splitlines()[0]})" if why else ""))
    items, seen = [], set()
    for entry in parsed.entries:
        link = entry.get("link") or (entry.get("id") if str(entry.get("id", "")).startswith("http") else None)
        if not isinstance(link, str) or not link.strip():
            continue
        try:
            link = urljoin(page.url, link.strip())
        except ValueError:  # "http://[::1/x": kept as it is, to be refused as the item it is
            link = link.strip()
        if link not in seen:
            seen.add(link)
            items.append(FeedItem(link, entry.get("title"), _updated(entry)))
    if not items and parsed.bozo:
        raise FetchError(f"malformed feed ({str(parsed.bozo_exception).splitlines()[0]})")
    return items


def _updated(entry) -> str | None:
    # keys(), not `in` or get(): feedparser maps a missing "updated" to "published" with a deprecation warning
    return entry.get("updated") if "updated" in entry.keys() else entry.get("published")
