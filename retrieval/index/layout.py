"""The files of an index directory and its siblings, named in one place, and the records of its tables.

Passages (chunks) are what is quoted and what BM25 indexes; sentences are what is embedded, so a
passage's dense score is its best sentence's. A build writes a staging directory beside the live one
and swaps it in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MANIFEST = "manifest.json"  # what the index holds and how it was built (see manifest.py)
CHUNKS = "chunks.npy"  # passage records: CHUNK_DTYPE
SENTENCES = "sentences.npy"  # sentence records: SENTENCE_DTYPE
KEYS = "keys.npy"  # sentence content hashes: KEY_DTYPE
VECTORS = "vectors.npy"  # one vector per sentence; also the embedding cache of the next build
DENSE = "dense.faiss"  # FAISS index over the sentence vectors
LEXICAL = "bm25"  # directory: the BM25 index of the passages and its forward index
TEXTS = "texts.bin"  # article texts, UTF-8, one after another
TEXT_RANGES = "texts.npy"  # each article's (byte offset, byte length) in TEXTS
INPUTS = "inputs.npy"  # each article's input hash: KEY_DTYPE
REUSE_INFO = "reuse.json"  # pipeline version and chunking limits the passages were made with
# Only in an early index (a staged build's first swaps): per sentence, whether its vector is still a stand-in
# (its article's title) rather than its own. Such rows are embedded by the build still under way.
PROVISIONAL = "provisional.npy"
# Everything a build writes into an index directory: a directory holding anything else is not replaced.
INDEX_FILES = frozenset({MANIFEST, CHUNKS, SENTENCES, KEYS, VECTORS, DENSE, LEXICAL, TEXTS, TEXT_RANGES, INPUTS,
                         REUSE_INFO, PROVISIONAL})

CHUNK_DTYPE = np.dtype([("article", "<i4"), ("start", "<i4"), ("end", "<i4"), ("first", "<i4"), ("last", "<i4")])
SENTENCE_DTYPE = np.dtype([("article", "<i4"), ("start", "<i4"), ("end", "<i4"), ("chunk", "<i4")])
KEY_DTYPE = np.dtype("S20")

STAGING, OLD = "staging", "old"  # the kinds of directory a build leaves beside the index (see `leftovers`)


def staging_dir(index_dir: Path, pid: int) -> Path:
    """Where the build running as process `pid` writes the next index."""
    return index_dir.parent / f".{index_dir.name}.{STAGING}-{pid}"


def old_dir(index_dir: Path, pid: int) -> Path:
    """Where the non-atomic swap of process `pid` parks the old index between its renames."""
    return index_dir.parent / f".{index_dir.name}.{OLD}-{pid}"


def leftovers(index_dir: Path, kind: str) -> list[tuple[Path, int]]:
    """The `kind` (STAGING or OLD) directories beside `index_dir`, each with the id of the process that made it."""
    found = []
    for path in index_dir.parent.glob(f".{index_dir.name}.{kind}-*"):
        pid = path.name.rsplit("-", 1)[1]
        if pid.isdigit():
            found.append((path, int(pid)))
    return found


def lock_file(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


def partial_dir(index_dir: Path) -> Path:
    """The embedded batches of interrupted builds, kept for the next one."""
    return index_dir.parent / f"{index_dir.name}.partial"
