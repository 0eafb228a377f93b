"""Near-duplicate articles: the same story republished with other chrome, light edits or a sentence more.

Resemblance is the Jaccard similarity of the sets of 3-word shingles of the normalized body. On the saved
pages and the seeds (benchmarks/intake.py), copies of one story score 0.52 and more (the reworded copy
against the one with an extra sentence is the lowest) and different articles at most 0.011, the five seeds
on one topic included; the threshold sits between. Exact sets, not MinHash: a scan of 1,000 articles
takes ~50 ms, small beside fetching a page.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

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


@dataclass
class Duplicates:
    """The articles seen so far, by source, for finding the one a new text copies."""

    threshold: float = THRESHOLD
    _seen: dict[str, frozenset[int]] = field(default_factory=dict)

    def add(self, source: str, text: str) -> None:
        self._seen[source] = shingles(text)

    def discard(self, source: str) -> None:
        self._seen.pop(source, None)

    def original(self, text: str, besides: str | None = None) -> tuple[str, float] | None:
        """The most resembling article at or above the threshold (other than `besides`), and its resemblance."""
        new = shingles(text)
        best = max(((resemblance(new, old), source) for source, old in self._seen.items() if source != besides),
                   default=(0.0, ""))
        return (best[1], best[0]) if best[0] >= self.threshold else None
