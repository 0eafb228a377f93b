"""Adding articles to a corpus from web pages, files and feeds, one story one copy.

A new article is written as `added/<key>.jsonl` (one JSON line: title, url, date, outlet, text), or copied as
`added/<key>.txt|.md`; ingestion reads both. A near-duplicate of an article already in the corpus is not
written: its address is recorded as a second source of that article in `.sources.jsonl` (hidden, so not read
as an article). A page fetched again from a known address replaces the old version when its text changed.
Files are written whole and renamed into place, so a failure never leaves half an article.

Each source (an address, a file, a line of a JSONL file, a feed's item) is added or refused on its own, with
its reason: one that fails, even unexpectedly, never stops the others. What is written is read by the build
first (the same reader): an article the build would skip is refused before anything is written. The limits
of an intake (IntakeLimits) each name themselves in the refusal they cause.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from .chunking import chunk_article
from .destinations import Destinations
from .duplicates import Duplicates, shingle_array
from .extract import Extracted, NotAnArticle, check_html, decode_html, extract_article, is_arabic
from .feeds import read_feed
from .fetch import MAX_BYTES, TIMEOUT_S, FetchError, check_url, fetch
from .ingest import MAX_FILE_BYTES, Article, Unreadable, file_article, jsonl_article, parse_article, read_corpus

log = logging.getLogger(__name__)

ADDED = "added"
SOURCES = ".sources.jsonl"
SHINGLES = ".shingles.npz"  # each article's shingles by its input hash, so that intake parses only new ones
FAILURES = ".intake-failures.jsonl"  # feed items that failed, and when to try each again
FILE_SUFFIXES = (".html", ".htm", ".txt", ".md", ".jsonl")

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # an address (http:, file:, data:, javascript: …), not a path

Kind = Literal["added", "updated", "duplicate", "known", "failed"]
_VERBS = {"added": "added", "updated": "updated", "duplicate": "duplicate", "known": "already in the corpus",
          "failed": "skipped"}


@dataclass(frozen=True)
class IntakeLimits:
    """The bounds of one intake; a source refused by one of them is told which."""

    fetch_seconds: float = TIMEOUT_S  # each page or feed, whole
    page_bytes: int = MAX_BYTES
    items_per_feed: int = 100  # the first ones, in feed order (newest first in nearly every feed)
    poll_seconds: float = 600.0  # one `feeds` poll, all feeds together; what is left waits for the next poll
    articles_per_file: int = 1000  # lines of a .jsonl file
    # A feed item that failed is not fetched again before this many seconds, doubled after each further failure
    # up to `retry_at_most_seconds`; an address given to `add` is always fetched.
    retry_after_seconds: float = 3600.0
    retry_at_most_seconds: float = 7 * 86400.0


@dataclass(frozen=True)
class Outcome:
    """What became of one source: `article` is the corpus article it became, updated, copies or already is."""

    source: str
    kind: Kind
    detail: str
    article: str | None = None
    arabic: bool = True

    def line(self) -> str:
        note = "" if self.arabic or self.kind == "failed" else " [not in Arabic: kept]"
        return f"{_VERBS[self.kind]}: {self.source}: {self.detail}{note}"


@dataclass
class IntakeReport:
    outcomes: list[Outcome] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)  # one line per feed polled
    feeds_failed: int = 0
    not_reached: int = 0  # sources (or feed items) left when the intake was stopped or its deadline passed

    @property
    def changed(self) -> bool:
        """Whether the corpus's articles changed (a rebuild is due)."""
        return any(o.kind in ("added", "updated") for o in self.outcomes)

    @property
    def failed(self) -> bool:
        return self.feeds_failed > 0 or self.not_reached > 0 or any(o.kind == "failed" for o in self.outcomes)

    @property
    def articles(self) -> set[str]:
        """The corpus articles the sources became, updated, copy or already were: each should be in the index."""
        return {o.article for o in self.outcomes if o.article and o.kind != "failed"}

    def count(self, kind: Kind) -> int:
        return sum(1 for o in self.outcomes if o.kind == kind)

    def lines(self) -> list[str]:
        return [*self.feeds, *(o.line() for o in self.outcomes)]

    def summary(self) -> str:
        parts = [f"{self.count(k)} {_VERBS[k]}" for k in ("added", "updated", "duplicate", "known", "failed") if self.count(k)]
        other = sum(1 for o in self.outcomes if not o.arabic and o.kind in ("added", "updated"))
        if other:
            parts.append(f"{other} not in Arabic (kept)")
        if self.feeds_failed:
            parts.append(f"{self.feeds_failed} feed(s) unreadable")
        if self.not_reached:
            parts.append(f"{self.not_reached} not reached (the intake was stopped or ran out of time)")
        return "; ".join(parts) or "nothing to add"


def add_sources(corpus_dir: Path, sources: Iterable[str | Path], limits: IntakeLimits = IntakeLimits(),
                allow: Destinations = Destinations(), stop: threading.Event | None = None) -> IntakeReport:
    """Add each web page (http/https address) or file (.html, .txt, .md, .jsonl) to the corpus; one outcome each
    (one per line of a .jsonl file). Only public addresses are fetched, and those `allow` lists; when `stop` is
    set, the intake ends after the source it is on (`report.not_reached` counts the rest).

    Does not rebuild the index: call `retrieval.build` when `report.changed`.
    """
    corpus = _Corpus(Path(corpus_dir), limits, allow, stop)
    report = IntakeReport()
    sources = list(sources)
    for position, source in enumerate(sources):
        if corpus.stopped:
            report.not_reached += len(sources) - position
            break
        given = str(source)
        if isinstance(source, str) and _is_address(source):
            report.outcomes.extend(_guarded(given, lambda: [corpus.add_url(given)]))
        else:
            report.outcomes.extend(_guarded(given, lambda: corpus.add_file(Path(source), report)))
    return report


def poll_feeds(corpus_dir: Path, feeds: Iterable[str], limits: IntakeLimits = IntakeLimits(),
               allow: Destinations = Destinations(), stop: threading.Event | None = None) -> IntakeReport:
    """Add the items of each feed that the corpus does not hold yet (by address, then by content): at most
    `limits.items_per_feed` of each, within `limits.poll_seconds` for all; an item that failed lately waits."""
    deadline = time.monotonic() + limits.poll_seconds
    corpus = _Corpus(Path(corpus_dir), limits, allow, stop, deadline)
    failures = _Failures.load(corpus.root / FAILURES)
    report = IntakeReport()
    for feed in feeds:
        if corpus.stopped or corpus.past_deadline:
            report.feeds.append(f"feed {feed}: not polled: {corpus.why_cut}")
            report.not_reached += 1
            continue
        try:
            items = read_feed(check_url(feed), corpus.fetch_seconds(), limits.page_bytes, allow, stop)
        except FetchError as e:
            report.feeds.append(f"feed {feed}: unreadable: {e}")
            report.feeds_failed += 1
            continue
        except Exception as e:  # a feed that breaks the parser is one unreadable feed, not the end of the poll
            log.exception("reading feed %s failed", feed)
            report.feeds.append(f"feed {feed}: unreadable: unexpected error ({_short(e)})")
            report.feeds_failed += 1
            continue
        report.feeds.append(_poll_feed(corpus, feed, items, failures, report))
    failures.save()
    return report


def _poll_feed(corpus: _Corpus, feed: str, items: list, failures: _Failures, report: IntakeReport) -> str:
    """Add the wanted items of one feed to `report`; the feed's line."""
    limits = corpus.limits
    listed, items = len(items), items[: limits.items_per_feed]
    wanted = [item for item in items if corpus.wants(item.url, item.updated)]
    outcomes, waiting, left = [], [], 0
    for item in wanted:
        if corpus.stopped or corpus.past_deadline:
            left += 1
            continue
        if (retry := failures.waiting(item.url)) is not None:
            waiting.append(retry)
            continue
        [outcome] = _guarded(item.url, lambda: [corpus.add_url(item.url, feed_updated=item.updated)])
        outcomes.append(outcome)
        if outcome.kind != "failed":
            failures.forget(item.url)
        elif not (corpus.stopped or corpus.past_deadline):  # a cut is not the item's fault
            failures.record(item.url, outcome.detail, limits)
    report.outcomes.extend(outcomes)
    report.not_reached += left
    new = sum(1 for o in outcomes if o.kind in ("added", "updated"))
    line = f"feed {feed}: {listed} items, {new} new, {len(items) - len(wanted)} already in the corpus"
    if len(outcomes) > new:
        line += f", {len(outcomes) - new} not added"
    if waiting:
        line += f", {len(waiting)} failed before and wait (the first until {min(waiting)})"
    if listed > len(items):
        line += f"; only the first {len(items)} read (limit: {limits.items_per_feed} items per feed)"
    if left:
        line += f"; {left} left for the next poll ({corpus.why_cut})"
    return line


def _is_address(source: str) -> bool:
    """Whether a source given as text is an address (any scheme: refused unless http or https), not a file."""
    try:
        return bool(_SCHEME.match(source)) and not Path(source).exists()
    except (OSError, ValueError):  # a NUL byte, a name too long for a path
        return True


def _guarded(given: str, add: Callable[[], list[Outcome]]) -> list[Outcome]:
    """What `add` makes of a source, or one failed outcome if it raises: one source never stops the others."""
    try:
        return add()
    except Exception as e:
        log.exception("adding %s failed", given)
        return [Outcome(given, "failed", f"unexpected error ({_short(e)})")]


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"


def url_key(url: str) -> str:
    """An address as compared: as fetched (check_url: host in ASCII, path percent-encoded), scheme and host in lower
    case, no fragment, no default port, no trailing slash. An address that cannot be fetched is its own key."""
    try:
        parts = urlsplit(check_url(url))
    except FetchError:
        return url.strip()
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    if parts.port and (parts.scheme.lower(), parts.port) not in (("http", 80), ("https", 443)):
        host += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/") or "/", parts.query, ""))


@dataclass
class _Known:
    article: str  # the article's source in the corpus
    path: Path
    line: int  # its line in a JSONL file (0: the whole file)
    record: dict | None


_FRONT_MATTER_URL = re.compile(r"\A---\s*\n.*?^url:\s*[\"']?(?P<url>\S+?)[\"']?\s*$.*?^---\s*$", re.S | re.M)


class _Corpus:
    """The corpus as intake sees it: addresses it holds, second sources, and (read when first needed) its texts."""

    def __init__(self, root: Path, limits: IntakeLimits, allow: Destinations, stop: threading.Event | None,
                 deadline: float | None = None) -> None:
        if not root.is_dir():
            raise FileNotFoundError(f"corpus directory not found: {root}")
        self.root = root
        self.limits, self.allow, self._stop, self._deadline = limits, allow, stop, deadline
        self.by_url: dict[str, _Known] = {}
        self.second: dict[str, str] = {}
        self._duplicates: Duplicates | None = None
        self._scan()

    @property
    def stopped(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    @property
    def past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    @property
    def why_cut(self) -> str:
        return "the intake was stopped" if self.stopped else \
            f"the poll's deadline passed (limit: {self.limits.poll_seconds:g} s per poll)"

    def fetch_seconds(self) -> float:
        """The time one fetch may take: its own limit, or what is left of the poll's."""
        if self._deadline is None:
            return self.limits.fetch_seconds
        return max(0.01, min(self.limits.fetch_seconds, self._deadline - time.monotonic()))

    def _scan(self) -> None:
        """Addresses from JSONL records, Markdown front matter and the second-source list: no article is parsed."""
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                continue
            if path.suffix.lower() == ".jsonl":
                for number, record in _records(path):
                    if isinstance(url := record.get("url") or record.get("source"), str) and url.strip():
                        self.by_url[url_key(url)] = _Known(f"{rel.as_posix()}#{number}", path, number, record)
            elif path.suffix.lower() == ".md":
                with path.open(encoding="utf-8", errors="replace") as f:
                    if m := _FRONT_MATTER_URL.match(f.read(4096)):
                        self.by_url[url_key(m.group("url"))] = _Known(rel.as_posix(), path, 0, None)
        sidecar = self.root / SOURCES
        if sidecar.is_file():
            for _, record in _records(sidecar):
                article = record.get("article")
                if isinstance(record.get("url"), str) and isinstance(article, str) \
                        and (self.root / article.split("#")[0]).is_file():
                    self.second[url_key(record["url"])] = article

    def wants(self, url: str, updated: str | None) -> bool:
        """Whether a feed's item is worth fetching: a new address, or a known one the feed says was updated."""
        key = url_key(url)
        if key in self.second:
            return False
        known = self.by_url.get(key)
        if known is None:
            return True
        stored = (known.record or {}).get("feed_updated")
        return bool(updated and stored and updated != stored)

    def duplicates(self) -> Duplicates:
        """Every corpus article's shingles: from SHINGLES for the inputs seen before (not parsed again), the rest
        parsed, and SHINGLES rewritten when they were."""
        if self._duplicates is None:
            self._duplicates = Duplicates()
            cached, found = _read_shingles(self.root / SHINGLES), {}

            def known(key: bytes, source: str) -> Article | None:
                if (hashes := cached.get(key.rstrip(b"\0"))) is None:  # as numpy reads an S20 key back
                    return None
                found[source] = hashes
                return Article(id=source, source=source, text="", title="", input_hash=key)

            seen = {}
            for article in read_corpus(self.root, reuse=known).articles:
                hashes = found.get(article.source)
                if hashes is None:
                    hashes = shingle_array(_body(article))
                seen[article.input_hash.rstrip(b"\0")] = hashes
                self._duplicates.add_shingles(article.source, hashes)
            if seen.keys() != cached.keys():
                _write_shingles(self.root / SHINGLES, seen)
        return self._duplicates

    # -- sources

    def add_url(self, url: str, feed_updated: str | None = None) -> Outcome:
        try:
            check_url(url)
            if (article := self.second.get(url_key(url))) is not None:
                return Outcome(url, "known", f"a second source of {article}", article)
            page = fetch(url, self.fetch_seconds(), self.limits.page_bytes, allow=self.allow, stop=self._stop)
            check_html(page.content_type, page.body)
            extracted = extract_article(decode_html(page.body, page.charset), page.url)
        except (FetchError, NotAnArticle) as e:
            return Outcome(url, "failed", str(e))
        record = _record(extracted, page.url)
        if feed_updated:
            record["feed_updated"] = feed_updated
        return self.take(url, record, extracted.arabic, also=url)

    def add_file(self, path: Path, report: IntakeReport) -> list[Outcome]:
        given = str(path)
        suffix = path.suffix.lower()
        if not path.is_file():
            return [Outcome(given, "failed", "no such file")]
        if suffix not in FILE_SUFFIXES:
            return [Outcome(given, "failed", f"not a file to add ({suffix or 'no extension'}; give {', '.join(FILE_SUFFIXES)})")]
        if (size := path.stat().st_size) > MAX_FILE_BYTES:
            return [Outcome(given, "failed", f"too large ({size:,} bytes; limit {MAX_FILE_BYTES:,})")]
        if suffix == ".jsonl":
            return self._add_lines(path, report)
        data = path.read_bytes()
        try:
            if suffix in (".html", ".htm"):
                check_html("text/html", data)
                extracted = extract_article(decode_html(data))
                return [self.take(given, _record(extracted, extracted.url), extracted.arabic)]
            article = file_article(data, given, markdown=suffix == ".md")  # as the build reads it: too long, not UTF-8 …
        except (NotAnArticle, Unreadable) as e:
            return [Outcome(given, "failed", str(e))]
        return [self.take(given, {"title": article.title, "url": article.url, "text": article.text},
                          is_arabic(_body(article)), copy_suffix=suffix)]

    def _add_lines(self, path: Path, report: IntakeReport) -> list[Outcome]:
        """One outcome per line of a JSONL file, each line added or refused on its own; none if it has too many."""
        given = str(path)
        with path.open("rb") as f:
            lines = sum(1 for raw in f if raw.strip())
        limit = self.limits.articles_per_file
        if lines > limit:
            return [Outcome(given, "failed", f"too many articles in one file ({lines:,} lines; limit {limit:,} per "
                                             "file): split it")]
        outcomes = []
        for done, (number, record) in enumerate(_records(path, complain=True)):
            if self.stopped:
                report.not_reached += lines - done
                break
            where = f"{given}#{number}"
            outcomes += _guarded(where, lambda: [self._add_line(where, record)])
        return outcomes

    def _add_line(self, given: str, record: dict | str) -> Outcome:
        if isinstance(record, str):
            return Outcome(given, "failed", record)
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            return Outcome(given, "failed", 'no "text"')
        fields = {k: record[k].strip() for k in ("title", "url", "date", "outlet") if isinstance(record.get(k), str) and record[k].strip()}
        return self.take(given, {**fields, "text": text}, is_arabic(text))

    def take(self, given: str, record: dict, arabic: bool, also: str | None = None, copy_suffix: str | None = None) -> Outcome:
        """Save `record` as a new article, as the new version of the article at its address, or as a second source;
        refused first if the build would not index it."""
        try:
            article = _as_built(record, given, copy_suffix)
        except Unreadable as why:
            return Outcome(given, "failed", str(why))
        if not chunk_article(article).chunks:
            return Outcome(given, "failed", "no article text (no line reads as body text)")
        url = record.get("url")
        known = next((self.by_url[k] for k in {url_key(u) for u in (url, also) if u} if k in self.by_url), None)
        body = _body(article)
        if known is not None:
            return self._replace(given, known, record, body, arabic)
        if found := self.duplicates().original(body):
            original, similarity = found
            self._second_source(original, record, given, similarity)
            return Outcome(given, "duplicate", f"duplicate of {original} (resemblance {similarity:.2f}): "
                                               "kept as a second source", original, arabic)
        article = self._save(record, copy_suffix)
        self.duplicates().add(article, body)
        what = " — ".join(x for x in (record.get("title"), record.get("outlet"), record.get("date")) if x)
        return Outcome(given, "added", f"{article}: {what}" + ("" if record.get("date") or copy_suffix else " (no date found)"),
                       article, arabic)

    def _replace(self, given: str, known: _Known, record: dict, body: str, arabic: bool) -> Outcome:
        old = known.record
        if old is None:
            return Outcome(given, "known", f"{known.article} has this address (a Markdown file: not replaced)", known.article, arabic)
        if old.get("text") == record["text"] and old.get("title") == record.get("title"):
            return Outcome(given, "known", f"{known.article}, unchanged", known.article, arabic)
        record = {**old, **record, "added_at": old.get("added_at"), "updated_at": _now()}
        try:
            _as_built(record, given, None)
        except Unreadable as why:
            return Outcome(given, "failed", str(why))
        _replace_line(known.path, known.line, record)
        known.record = record
        self.duplicates().discard(known.article)
        self.duplicates().add(known.article, body)
        return Outcome(given, "updated", f"{known.article}: the new version replaces the old", known.article, arabic)

    def _save(self, record: dict, copy_suffix: str | None) -> str:
        key = hashlib.sha1((url_key(record["url"]) if record.get("url") else record["text"]).encode()).hexdigest()[:16]
        folder = self.root / ADDED
        folder.mkdir(exist_ok=True)
        if copy_suffix:
            path = folder / f"{key}{copy_suffix}"
            _write(path, record["text"])
            return path.relative_to(self.root).as_posix()
        record = {**record, "added_at": _now()}
        path = folder / f"{key}.jsonl"
        _write(path, _line(record))
        article = f"{path.relative_to(self.root).as_posix()}#1"
        if record.get("url"):
            self.by_url[url_key(record["url"])] = _Known(article, path, 1, record)
        return article

    def _second_source(self, article: str, record: dict, given: str, similarity: float) -> None:
        entry = {"article": article, "url": record.get("url") or None, "given": given, "title": record.get("title"),
                 "outlet": record.get("outlet"), "date": record.get("date"), "resemblance": round(similarity, 3),
                 "added_at": _now()}
        with (self.root / SOURCES).open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if record.get("url"):
            self.second[url_key(record["url"])] = article


def _as_built(record: dict, given: str, copy_suffix: str | None) -> Article:
    """The article a build will read from what `record` is saved as; Unreadable says why a build would skip it."""
    if copy_suffix:
        return file_article(record["text"].encode("utf-8"), given, markdown=copy_suffix == ".md")
    stamped = {"added_at": _now(), "updated_at": _now(), **record}  # the longest line it is saved as
    try:
        line = _line(stamped).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, the reader says which field holds it
        line = json.dumps(stamped).encode("ascii")
    return jsonl_article(line, given)


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


def _record(extracted: Extracted, url: str | None) -> dict:
    record = {"title": extracted.title, "url": url, "date": extracted.date, "outlet": extracted.outlet,
              "text": extracted.text}
    return {k: v for k, v in record.items() if v}


def _read_shingles(path: Path) -> dict[bytes, np.ndarray]:
    """The shingles kept by input hash; none when the file is missing or unreadable (it is only a cache)."""
    try:
        with np.load(path) as data:
            keys, ends, hashes = data["keys"], data["ends"], data["hashes"]
    except Exception:
        return {}
    starts = np.concatenate([[0], ends[:-1]])
    return {bytes(k): hashes[a:b] for k, a, b in zip(keys, starts, ends)}


def _write_shingles(path: Path, by_key: dict[bytes, np.ndarray]) -> None:
    keys = list(by_key)
    ends = np.cumsum([len(by_key[k]) for k in keys], dtype=np.int64)
    hashes = np.concatenate([by_key[k] for k in keys]) if keys else np.empty(0, np.uint32)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
    try:
        np.savez(tmp, keys=np.array(keys, dtype="S20"), ends=ends, hashes=hashes)
        os.replace(tmp, path)
    except OSError as e:  # a read-only corpus still takes articles; the next intake parses them again
        log.warning("cannot keep shingles in %s: %s", path, e.strerror or e)
        tmp.unlink(missing_ok=True)


def _body(article) -> str:
    return "\n".join(article.text[start:end] for start, end in article.blocks)


def _records(path: Path, complain: bool = False):
    """(line number, JSON object) of each non-blank line; with `complain`, (number, why) for a line that is none."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8-sig"))
                if not isinstance(record, dict):
                    raise ValueError
            except (ValueError, UnicodeDecodeError):
                if complain:
                    yield number, "not a JSON object"
                continue
            except RecursionError:
                if complain:
                    yield number, "nested too deeply to read"
                continue
            yield number, record


def remove_partial_writes(corpus_dir: Path) -> list[Path]:
    """Remove the temporary files this process's writes left half-way (it was stopped between writing one and
    renaming it into place); they are hidden, so never read as articles, but they are litter. The ones removed."""
    left = [p for p in Path(corpus_dir).rglob(f".*.{os.getpid()}.tmp") if p.is_file()]
    for path in left:
        path.unlink(missing_ok=True)
    return left


def _write(path: Path, text: str | bytes) -> None:
    """Write a whole file, or nothing: a hidden temporary file (not read as an article) renamed into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    os.replace(temporary, path)


def _replace_line(path: Path, number: int, record: dict) -> None:
    """Put `record` on line `number` of a JSONL file; the other lines, and so their articles, stay as they are."""
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = _line(record).encode()
    _write(path, b"\n".join(lines))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _Failures:
    """Feed items that failed, each with when it may be tried again: the wait doubles with each failure."""

    FORGET_AFTER = 30 * 86400.0  # an entry not failed again for this long is dropped

    def __init__(self, path: Path, entries: dict[str, dict]) -> None:
        self.path, self.entries, self.changed = path, entries, False

    @classmethod
    def load(cls, path: Path) -> _Failures:
        entries = {}
        if path.is_file():
            now = time.time()
            for _, entry in _records(path):
                if isinstance(entry.get("url"), str) and isinstance(entry.get("last"), (int, float)) \
                        and isinstance(entry.get("next"), (int, float)) and now - entry["last"] < cls.FORGET_AFTER:
                    entries[entry["url"]] = entry
        return cls(path, entries)

    def waiting(self, url: str) -> str | None:
        """When the item at `url` may be tried again (UTC, to the minute), if not yet."""
        entry = self.entries.get(url_key(url))
        if entry is None or entry["next"] <= time.time():
            return None
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(entry["next"]))

    def record(self, url: str, reason: str, limits: IntakeLimits) -> None:
        key, now = url_key(url), time.time()
        failures = self.entries.get(key, {}).get("failures", 0) + 1
        wait = min(limits.retry_after_seconds * 2 ** (failures - 1), limits.retry_at_most_seconds)
        self.entries[key] = {"url": key, "failures": failures, "last": now, "next": now + wait, "reason": reason}
        self.changed = True

    def forget(self, url: str) -> None:
        if self.entries.pop(url_key(url), None) is not None:
            self.changed = True

    def save(self) -> None:
        if self.changed:
            _write(self.path, "".join(_line(entry) + "\n" for entry in self.entries.values()))
