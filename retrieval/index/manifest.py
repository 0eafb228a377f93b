"""The sidecar `manifest.json` of an index directory."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from ..errors import REBUILD, CorruptIndex, IndexMismatch, IndexNotFound
from .layout import MANIFEST

FORMAT_VERSION = 2
FORMAT = "iqtibas-index"  # marks a manifest as ours: only a directory with one is ever replaced by a build


class IndexFile(BaseModel):
    """Size and SHA-256 of one file of the index, as written."""

    size: int
    sha256: str


class ArticleEntry(BaseModel):
    source: str
    sha256: str
    title: str
    outlet: str | None = None
    date: str | None = None  # as the article writes it
    published: str | None = None  # ISO date of publication; None: the article states none
    url: str | None = None
    chunks: int


class Manifest(BaseModel):
    """What an index holds and how it was built; loading checks it before trusting any other file."""

    format: Literal["iqtibas-index"] = FORMAT
    format_version: int = FORMAT_VERSION
    embedder_id: str
    dimension: int
    index_type: str
    chunk_chars: int
    overlap_sentences: int
    analyzer: str
    articles: list[ArticleEntry]
    skipped: dict[str, str] = {}
    chunks: int
    sentences: int
    built_at: str
    build_seconds: float
    embedded: int
    cached: int
    # sentences whose vector is still a stand-in (PROVISIONAL): an early index of a staged build; 0 when complete
    provisional: int = 0
    # every other file of the index by its path in the directory; empty in indexes built before checksums
    files: dict[str, IndexFile] = {}

    @property
    def corpus_fingerprint(self) -> str:
        """One hash of every article's source and content hash, in order."""
        digest = hashlib.sha256()
        for a in self.articles:
            digest.update(f"{a.source}\0{a.sha256}\n".encode())
        return digest.hexdigest()

    def save(self, directory: Path) -> None:
        data = self.model_dump()
        data["corpus_fingerprint"] = self.corpus_fingerprint
        (directory / MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """The manifest of the index at `directory`, checked; reads only (an interrupted swap is not put back)."""
        path = Path(directory) / MANIFEST
        if not path.is_file():
            raise IndexNotFound(f"no index at {directory} (missing {MANIFEST}); build one with: python -m retrieval build")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CorruptIndex(f"unreadable {path}: {e}; {REBUILD}") from None
        if not isinstance(data, dict):
            raise CorruptIndex(f"unreadable {path}: not a JSON object; {REBUILD}")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexMismatch(
                f"index at {directory} has format version {version}, this program reads {FORMAT_VERSION}; rebuild it"
            )
        fingerprint = data.pop("corpus_fingerprint", None)
        try:
            manifest = cls.model_validate(data)
        except ValidationError as e:
            first = e.errors()[0]["loc"]
            raise CorruptIndex(f"invalid {path}: {e.error_count()} bad field(s), first: {first}; {REBUILD}") from None
        if fingerprint != manifest.corpus_fingerprint:
            raise CorruptIndex(f"invalid {path}: corpus fingerprint does not match its article list; {REBUILD}")
        return manifest


def is_index_manifest(path: Path) -> bool:
    """Whether `path` is a manifest this program wrote: our format marker (absent before it was added) and fields."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    required = {name for name, field in Manifest.model_fields.items() if field.is_required()}
    return (isinstance(data, dict) and data.get("format", FORMAT) == FORMAT
            and required | {"format_version"} <= data.keys())
