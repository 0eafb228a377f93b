"""Checksums of an index's files: recorded by the build, sizes checked at every load, contents by `info --verify`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .layout import MANIFEST
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
        except FileNotFoundError:
            found.append(f"{name} is missing")
        except OSError as e:
            found.append(f"{name} cannot be read ({e.strerror or e})")
    return found


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
