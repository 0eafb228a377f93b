"""Near-duplicate articles: the same story republished with other chrome, light edits or a sentence more.

Resemblance is the Jaccard similarity of the sets of 3-word shingles of the normalized body. On the saved
pages and the seeds (benchmarks/intake.py), copies of one story score 0.52 and more (the reworded copy
against the one with an extra sentence is the lowest) and different articles at most 0.011, the five seeds
on one topic included; the threshold sits between. Exact sets, not MinHash: shingles sorted by hash are
searched for a new text's, so the ANT archive (31,000 articles) is scanned in milliseconds per new article.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from ..arabic.normalize import normalize, words

SHINGLE_WORDS = 3
THRESHOLD = 0.3


def shingles(text: str) -> frozenset[int]:
    """Hashes of every run of SHINGLE_WORDS consecutive normalized words (the whole text if shorter)."""
    tokens = words(normalize(text))
    runs = (" ".join(tokens[i:i + SHINGLE_WORDS]) for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1)))
    return frozenset(zlib.crc32(run.encode()) for run in runs if run)


def resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def shingle_array(text: str) -> np.ndarray:
    """`shingles` as a sorted array of distinct uint32 hashes."""
    return np.array(sorted(shingles(text)), dtype=np.uint32)


@dataclass
class Duplicates:
    """The articles seen so far, by source, for finding the one a new text copies.

    Every article's shingles sit in one array sorted by hash, so a new text's shingles find the articles that share
    any of them by binary search, and each resemblance comes from the count shared (a corpus of 31,000 articles is
    scanned in milliseconds, not seconds). Articles added after that array was sorted are compared one by one
    until there are many of them.
    """

    threshold: float = THRESHOLD
    _sources: list[str] = field(default_factory=list)
    _sets: list[np.ndarray] = field(default_factory=list)
    _number: dict[str, int] = field(default_factory=dict)
    _hashes: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint32))  # sorted, of articles < _sorted
    _owners: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    _sorted: int = 0

    def add(self, source: str, text: str) -> None:
        self.add_shingles(source, shingle_array(text))

    def add_shingles(self, source: str, hashes: np.ndarray) -> None:
        """An article by its `shingle_array`."""
        self.discard(source)
        self._number[source] = len(self._sources)
        self._sources.append(source)
        self._sets.append(hashes)
        if len(self._sources) - self._sorted > max(256, self._sorted // 8):
            self._sort()

    def discard(self, source: str) -> None:
        number = self._number.pop(source, None)
        if number is not None:
            self._sets[number] = np.empty(0, np.uint32)  # its hashes in the sorted array no longer count

    def original(self, text: str, besides: str | None = None) -> tuple[str, float] | None:
        """The most resembling article at or above the threshold (other than `besides`), and its resemblance."""
        new = shingle_array(text)
        if not len(new) or not self._sources:
            return None
        shared = np.zeros(len(self._sources), dtype=np.int64)
        lo, hi = np.searchsorted(self._hashes, new, "left"), np.searchsorted(self._hashes, new, "right")
        runs = hi - lo
        if runs.sum():
            at = np.repeat(lo - np.concatenate([[0], np.cumsum(runs)[:-1]]), runs) + np.arange(runs.sum())
            shared[: self._sorted] = np.bincount(self._owners[at], minlength=self._sorted)
        for number in range(self._sorted, len(self._sources)):
            shared[number] = len(np.intersect1d(new, self._sets[number], assume_unique=True))
        sizes = np.array([len(x) for x in self._sets], dtype=np.int64)
        live = sizes > 0
        if besides in self._number:
            live[self._number[besides]] = False
        score = np.where(live, shared / np.maximum(sizes + len(new) - shared, 1), 0.0)
        best = int(np.argmax(score))
        return (self._sources[best], float(score[best])) if score[best] >= self.threshold else None

    def _sort(self) -> None:
        lengths = [len(x) for x in self._sets]
        hashes = np.concatenate(self._sets) if self._sets else np.empty(0, np.uint32)
        owners = np.repeat(np.arange(len(self._sets), dtype=np.int64), lengths)
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._owners, self._sorted = hashes[order], owners[order], len(self._sets)
