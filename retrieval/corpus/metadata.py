"""An operator's corrections of article metadata, without editing the articles: `metadata.json` in the corpus.

    {"001_2b82be6227b46172.txt": {"date": "2026-01-24", "outlet": "الأمصار"},
     "feed.jsonl#3": {"title": "…", "url": "https://…"}}

Keys are article sources as `info` lists them; fields: title, outlet, date (ISO or as written, e.g.
"الجمعة 28 فبراير 2025"; null removes a wrong date), url.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from ..errors import BuildError
from .scraped import find_date

METADATA = "metadata.json"
FIELDS = ("title", "outlet", "date", "url")


def load_metadata(root: Path) -> dict[str, dict[str, str | None]]:
    """The corrections in `root/metadata.json` by article source ({} when there is no such file)."""
    path = Path(root) / METADATA
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BuildError(f"unreadable {path}: {e}") from None
    if not isinstance(data, dict):
        raise BuildError(f"invalid {path}: expected an object of article sources")
    fixes = {}
    for source, fix in data.items():
        if not isinstance(fix, dict) or not fix.keys() <= set(FIELDS):
            raise BuildError(f"invalid {path}: {source!r} must be an object of {', '.join(FIELDS)}")
        if any(v is not None and not isinstance(v, str) for v in fix.values()):
            raise BuildError(f"invalid {path}: {source!r}: every value is a string or null")
        if fix.get("date") and published_of(fix["date"]) is None:
            raise BuildError(f"invalid {path}: {source!r}: unreadable date {fix['date']!r} (use YYYY-MM-DD)")
        fixes[source] = fix
    return fixes


def published_of(written: str) -> str | None:
    """The ISO date of a date as written ("2025-02-28", "28 فبراير 2025" …), None when it is not one."""
    try:
        return date.fromisoformat(written.strip()).isoformat()
    except ValueError:
        found = find_date(written)
        return found[1] if found else None


def corrected(article, fix: dict[str, str | None]):
    """`article` with the operator's fields; its input hash changes with them, so a rebuild re-reads it."""
    fields = {k: (v.strip() if isinstance(v, str) else None) for k, v in fix.items()}
    if "title" in fields and not fields["title"]:
        del fields["title"]
    if "date" in fields:
        fields["published"] = published_of(fields["date"]) if fields["date"] else None
    stamp = json.dumps(fix, ensure_ascii=False, sort_keys=True).encode()
    return replace(article, **fields, input_hash=hashlib.sha1(article.input_hash + b"\0" + stamp).digest())
