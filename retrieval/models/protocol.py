"""The `Embedder` protocol: what every embedding backend offers the index and the retriever."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

# Texts embedded at a time: per call by a build, and within a call by a backend that batches itself.
BATCH_SIZE = 16


@runtime_checkable
class Embedder(Protocol):
    """Maps text to L2-normalized float32 vectors; `id` names the model so indexes can refuse others."""

    id: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class MemoQueries:
    """Wraps an embedder so each distinct question is embedded once, however often it is asked (tuning grids)."""

    def __init__(self, embedder: Embedder) -> None:
        self._e = embedder
        self.id, self.dim = embedder.id, embedder.dim
        self._memo: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._e.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._memo:
            self._memo[text] = self._e.embed_query(text)
        return self._memo[text]
