"""Reading a corpus directory into articles: `.txt`/`.md` files and `.jsonl` (one article per line)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .metadata import METADATA, corrected, load_metadata
from .scraped import Line, find_date, is_chrome, is_prose, read_header, split_lines

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_ARTICLE_CHARS = 2_000_000
MAX_FILE_BYTES = 8 * MAX_ARTICLE_CHARS


@dataclass(frozen=True)
class Article:
    """One article: its full text (offsets index into it), metadata, and the spans of its body."""

    id: str
    source: str
    text: str
    title: str
    outlet: str | None = None
    date: str | None = None
    published: str | None = None
    url: str | None = None
    blocks: tuple[tuple[int, int], ...] = ()
    # the section heading above each block (None for none): context for matching, never quoted
    headings: tuple[str | None, ...] = ()
    # Hash of the raw input it was read from (file or JSONL line, and its kind): equal hashes give equal articles.
    input_hash: bytes = b""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    articles: list[Article]
    skipped: list[Skipped]


# Given an article's input hash and source, an already-known article to use instead of parsing the input.
Reuse = Callable[[bytes, str], "Article | None"]


def input_hash(kind: str, raw: bytes) -> bytes:
    """What identifies an input: its kind (".txt", ".md", ".jsonl") and its bytes."""
    return hashlib.sha1(kind.encode() + b"\0" + raw).digest()


def read_corpus(root: Path, reuse: Reuse | None = None) -> Corpus:
    """Every article under `root`, recursively, in path order; unreadable files are skipped with a reason.

    `reuse` (used by rebuilds) may supply the article of an input seen before, which is then not parsed.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"corpus directory not found: {root}")
    articles: list[Article] = []
    skipped: list[Skipped] = []
    inside = root.resolve()
    fixes = load_metadata(root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):  # rglob does not follow directory links
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts) or rel == METADATA:
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(inside):
            skipped.append(Skipped(rel, "symbolic link to a file outside the corpus (not followed)"))
            log.warning("skipped %s: symbolic link to a file outside the corpus", rel)
            continue
        try:
            found = _read_file(path, rel, reuse)
        except Unreadable as why:
            skipped.append(Skipped(rel, str(why)))
            log.warning("skipped %s: %s", rel, why)
            continue
        for item in found:
            if isinstance(item, Skipped):
                skipped.append(item)
                log.warning("skipped %s: %s", item.source, item.reason)
            else:
                articles.append(corrected(item, fixes[item.source]) if item.source in fixes else item)
    return Corpus(articles, skipped)


class Unreadable(Exception):
    """An input a build skips; the message says why."""


def _read_file(path: Path, rel: str, reuse: Reuse | None = None) -> list[Article | Skipped]:
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES + (".jsonl",):
        raise Unreadable(f"not an article file ({suffix or 'no extension'})")
    size = path.stat().st_size
    if size == 0:
        raise Unreadable("empty file")
    if suffix != ".jsonl" and size > MAX_FILE_BYTES:
        raise Unreadable(f"too large ({size:,} bytes; limit {MAX_FILE_BYTES:,})")
    if suffix == ".jsonl":
        return list(_read_jsonl(path, rel, reuse))
    data = path.read_bytes()
    key = input_hash(suffix, data)
    if reuse is not None and (known := reuse(key, rel)) is not None:
        return [known]
    return [replace(file_article(data, rel, markdown=suffix == ".md"), input_hash=key)]


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise Unreadable("binary file (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Unreadable(f"not valid UTF-8 (byte {e.start})") from None
    if not text.strip():
        raise Unreadable("empty file")
    if len(text) > MAX_ARTICLE_CHARS:
        raise Unreadable(f"too long ({len(text):,} characters; limit {MAX_ARTICLE_CHARS:,})")
    return text


def _read_jsonl(path: Path, rel: str, reuse: Reuse | None = None):
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            where = f"{rel}#{number}"
            if not raw.strip():
                continue
            key = input_hash(".jsonl", raw.rstrip(b"\r\n"))  # appending a line must not change the last
            if reuse is not None and (known := reuse(key, where)) is not None:
                yield known
                continue
            try:
                yield replace(jsonl_article(raw, where), input_hash=key)
            except Unreadable as why:
                yield Skipped(where, str(why))


def jsonl_article(raw: bytes, where: str) -> Article:
    """The article of one JSONL line, as a build reads it; Unreadable says why a build would skip the line."""
    try:
        record = json.loads(_decode(raw))
        text = record["text"]
        if not isinstance(text, str) or not text.strip():
            raise Unreadable("no text")
        _check_unicode(record)
    except (ValueError, KeyError, TypeError):
        raise Unreadable("not a JSON object with a \"text\" field") from None
    except RecursionError:
        raise Unreadable("nested too deeply to read") from None
    article = parse_article(text, where)
    date, published = article.date, article.published
    if isinstance(record.get("date"), str) and record["date"].strip():
        date = record["date"].strip()
        published = (find_date(date) or (date, None))[1]
    return Article(
        id=where,
        source=where,
        text=text,
        title=_field(record, "title") or article.title,
        outlet=_field(record, "outlet") or article.outlet,
        date=date,
        published=published,
        url=_field(record, "url") or _field(record, "source"),
        blocks=article.blocks,
    )


def file_article(data: bytes, where: str, markdown: bool) -> Article:
    """The article of a whole .txt or .md file, as a build reads it; Unreadable says why a build would skip it."""
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"too large ({len(data):,} bytes; limit {MAX_FILE_BYTES:,})")
    return parse_article(_decode(data), where, markdown=markdown)


def _check_unicode(record: dict) -> None:
    """JSON can spell a lone UTF-16 surrogate ("\\ud800"), which is no character and cannot be stored as UTF-8."""
    for key in ("text", "title", "outlet", "date", "url", "source"):
        value = record.get(key)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:
                raise Unreadable(f"\"{key}\" holds a lone surrogate (\\u{ord(value[e.start]):04x}), which is not text") from None


def _field(record: dict, key: str) -> str | None:
    value = record.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<body>.*?)\n---\s*\n", re.S)


def parse_article(text: str, source: str, markdown: bool = False) -> Article:
    """Split scraped text into header, body blocks and chrome; body blocks never include chrome lines."""
    meta: dict[str, str] = {}
    skip_until = 0
    if markdown and (m := _FRONT_MATTER.match(text)):
        skip_until = m.end()
        for row in m.group("body").splitlines():
            key, _, value = row.partition(":")
            if value.strip():
                meta[key.strip().lower()] = value.strip().strip("\"'")
    lines = [line for line in split_lines(text) if line.start >= skip_until]
    if markdown:
        lines = _markdown_lines(lines, meta)
    prose = [is_prose(line.text) for line in lines]
    first_body = prose.index(True) if True in prose else len(lines)
    header = read_header(lines, first_body)
    blocks, headings = _blocks(lines, prose)
    title = meta.get("title") or header.title or _fallback_title(text, blocks, source)
    date = meta.get("date") or header.date
    published = (find_date(date) or (None, None))[1] if meta.get("date") else header.published
    return Article(
        id=source,
        source=source,
        text=text,
        title=title,
        outlet=meta.get("outlet") or meta.get("source") or header.outlet,
        date=date,
        published=published,
        url=meta.get("url"),
        blocks=blocks,
        headings=headings,
    )


def _markdown_lines(lines: list[Line], meta: dict[str, str]) -> list[Line]:
    """Markdown headings lose their `#` marks and stay as short non-body lines; the first `# ` is the title."""
    out = []
    for line in lines:
        if line.text.startswith("#"):
            heading = line.text.lstrip("#").strip()
            if line.text.startswith("# ") and "title" not in meta and heading:
                meta["title"] = heading
                continue
            if heading:
                marks = len(line.text) - len(line.text.lstrip("#"))
                line = Line(line.start + marks, line.end, line.text[marks:])
        out.append(line)
    return out


def _blocks(lines: list[Line], prose: list[bool]) -> tuple[tuple[tuple[int, int], ...], tuple[str | None, ...]]:
    """Runs of consecutive body lines (any non-body line ends a run), and the heading above each run.

    A heading is a short line between two runs that is neither chrome nor a date.
    """
    blocks: list[tuple[int, int]] = []
    headings: list[str | None] = []
    run: list[Line] = []
    heading = None
    for line, is_body in zip(lines, prose):
        if is_body:
            run.append(line)
            continue
        if run:
            blocks.append((run[0].start, run[-1].end))
            headings.append(heading)
            run, heading = [], None
        if blocks and 2 <= line.words <= 15 and not is_chrome(line.text) and not find_date(line.text):
            heading = line.text.strip(" \"'«»“”")
    if run:
        blocks.append((run[0].start, run[-1].end))
        headings.append(heading)
    return tuple(blocks), tuple(headings)


def _fallback_title(text: str, blocks: tuple[tuple[int, int], ...], source: str, limit: int = 90) -> str:
    """The opening of the body, cut at a word boundary, when the article has no headline."""
    if not blocks:
        return Path(source.split("#")[0]).stem
    start, end = blocks[0]
    first = re.split(r"(?<=[.!?؟])\s", text[start:end], maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip("،,؛ ") + "…"
