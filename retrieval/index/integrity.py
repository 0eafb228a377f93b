"""Checksums of an index's files: recorded by the build, sizes checked at every load, contents (and that every
vector is finite and unit-length) by `info --verify`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .layout import MANIFEST, VECTORS
from .manifest import IndexFile, Manifest


def record(directory: Path) -> dict[str, IndexFile]:
    """Size and checksum of every file under `directory` but the manifest, by path relative to it."""
    sums = {}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_file() and name != MANIFEST:
            sums[name] = IndexFile(size=path.stat().st_size, sha256=_sha256(path))
    return sums


def problems(directory: Path, manifest: Manifest, contents: bool = False) -> list[str]:
    """How the files differ from the manifest's record: missing or resized, and with `contents`, changed."""
    found = []
    for name, expected in manifest.files.items():
        path = Path(directory) / name
        try:
            size = path.stat().st_size
            if size != expected.size:
                found.append(f"{name} has {size:,} bytes, not {expected.size:,}")
            elif contents and _sha256(path) != expected.sha256:
                found.append(f"{name} does not match its checksum")
            elif contents and name == VECTORS and (bad := _bad_vectors(path)):
                found.append(f"{name} holds {bad:,} vectors that are not finite and unit-length")
        except FileNotFoundError:
            found.append(f"{name} is missing")
        except OSError as e:
            found.append(f"{name} cannot be read ({e.strerror or e})")
    return found


# How far from 1 a stored vector's length may be (float32 rounding of a normalized vector is ~1e-7).
UNIT_TOLERANCE = 1e-3


def bad_rows(vectors: np.ndarray) -> np.ndarray:
    """Indices of the rows of `vectors` that are not finite and unit-length (what every embedder must return)."""
    with np.errstate(all="ignore"):
        norms = np.linalg.norm(np.asarray(vectors, dtype=np.float64), axis=1)
    return np.flatnonzero(~(np.abs(norms - 1.0) <= UNIT_TOLERANCE))


def count_bad_rows(vectors: np.ndarray, rows_at_a_time: int = 65536) -> int:
    """How many rows of `vectors` (a memory map, say) are not finite and unit-length, read a slice at a time."""
    return sum(bad_rows(vectors[at: at + rows_at_a_time]).size for at in range(0, len(vectors), rows_at_a_time))


def _bad_vectors(path: Path) -> int:
    return count_bad_rows(np.load(path, mmap_mode="r"))


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
