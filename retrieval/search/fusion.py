"""Stage 2: one score per candidate: dense + BM25, then two reranks of the head (character 3-grams, evidence)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .candidates import Candidate
from .config import SearchConfig
from .evidence import SPECIFIC
from .query import Query


def fuse(candidates: list[Candidate], cfg: SearchConfig) -> list[Candidate]:
    """Each candidate's score by the search mode, best first (ties by passage id)."""
    for c in candidates:
        if cfg.mode == "dense":
            c.score = c.dense
        elif cfg.mode == "lexical":
            c.score = c.lexical
        else:
            c.score = c.dense + cfg.lexical_weight * c.lexical
    return sorted(candidates, key=_order)


def rerank_head(candidates: list[Candidate], size: int, adjust: Callable[[list[Candidate]], None]) -> list[Candidate]:
    """The first `size` candidates adjusted by `adjust` and sorted again; the rest keep their places."""
    head = candidates[:size]
    adjust(head)
    return sorted(head, key=_order) + candidates[size:]


def add_char_grams(head: list[Candidate], weight: float, scores: Callable[[np.ndarray], np.ndarray]) -> None:
    """Add `weight` × character 3-gram BM25 (which reaches word forms stemming misses) to each score."""
    for c, chars in zip(head, scores(np.array([c.id for c in head]))):
        c.chars = float(chars)
        c.score += weight * c.chars


def weigh_evidence(c: Candidate, sims: np.ndarray, held: np.ndarray, first: int, weight: float) -> None:
    """Re-pick the passage's best sentence with `weight` for holding the kind of fact asked (`held`)."""
    boosted = sims + weight * held
    best = int(np.argmax(boosted))
    c.score += float(boosted[best]) - c.dense
    c.dense = float(sims[best])
    c.best_sentence = first + best
    c.evidence = bool(held[best])


def weighs_evidence(query: Query) -> bool:
    """Whether the question asks a kind of fact (or names a noun) that candidate sentences are checked for."""
    return query.asks in SPECIFIC | {"why"} or query.focus is not None


def _order(c: Candidate) -> tuple[float, int]:
    return (-c.score, c.id)
