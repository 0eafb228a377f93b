"""Any sentence-transformers model on PyTorch (the `st` extra): `st:MODEL` and `st:MODEL#torch-int8`."""

from __future__ import annotations

import numpy as np

from .protocol import BATCH_SIZE
from .spec import embedder_id


def prefixes_by_name(model: str) -> tuple[str, str]:
    """e5's query/passage prefixes for a model named like e5 that names no prompts itself, else none."""
    e5 = "e5" in model.lower().replace("\\", "/").rsplit("/", 1)[-1]
    return ("query: ", "passage: ") if e5 else ("", "")


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name or local path; e5 models get their query/passage prompts.

    `runtime` "torch-int8" runs it with PyTorch dynamic int8 quantization of every Linear layer (CPU).
    """

    def __init__(self, model: str, device: str | None = None, batch_size: int = BATCH_SIZE, runtime: str = "torch") -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device=device)
        if runtime == "torch-int8":
            import warnings

            import torch

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notice
                self._model = torch.ao.quantization.quantize_dynamic(self._model, {torch.nn.Linear}, dtype=torch.qint8)
        self._batch_size = batch_size
        self.dim = int(self._model.get_embedding_dimension())
        self.id = embedder_id(f"st:{model}#{runtime}")
        prompts = getattr(self._model, "prompts", None) or {}
        # a model that names its prompts (e5 converted by `model to-st`) gets exactly those; else e5 by name
        self._prompt_names = ("query", "passage") if {"query", "passage"} <= prompts.keys() else None
        self._query_prefix, self._passage_prefix = ("", "") if self._prompt_names else prefixes_by_name(model)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        prompt = self._prompt_names[1] if self._prompt_names else None
        return self._encode([self._passage_prefix + t for t in texts], prompt)

    def embed_query(self, text: str) -> np.ndarray:
        prompt = self._prompt_names[0] if self._prompt_names else None
        return self._encode([self._query_prefix + text], prompt)[0]

    def _encode(self, texts: list[str], prompt_name: str | None = None) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, prompt_name=prompt_name, batch_size=self._batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
