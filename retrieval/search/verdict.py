"""Stage 3: how sure the best passage is, and the verdict: answered, related or none."""

from __future__ import annotations

from typing import Literal

import numpy as np

from .candidates import Candidate
from .config import SearchConfig
from .evidence import SPECIFIC
from .query import Query

Verdict = Literal["answered", "related", "none"]


def confidence(cfg: SearchConfig, best: Candidate, vector: np.ndarray | None, background: np.ndarray) -> float:
    """How much the best passage stands out: its scores, plus its margin over a typical corpus sentence."""
    gap = best.dense - float(np.median(background @ vector)) if vector is not None else 0.0
    return best.dense + cfg.confidence_lexical_weight * best.lexical + cfg.confidence_gap_weight * gap


def threshold(cfg: SearchConfig, query: Query) -> tuple[float, float]:
    """The confidence that answers the question, and the band under it where the topic is still there."""
    if query.cross_lingual:
        return cfg.answer_from_cross_lingual, cfg.related_band_cross_lingual
    return cfg.answer_from_arabizi if query.script == "arabizi" else cfg.answer_from, cfg.related_band


def decide(cfg: SearchConfig, confidence: float, query: Query, holds_asked: bool, noun_known: bool = True) -> Verdict:
    """Answered when confident and, for a question asking a date, number, name or place, one of the first
    quotes holds one; related when the topic is there but not that; none below the related band, and in
    the band too when the noun asked about (a price, an age …) is a word the corpus never uses."""
    answer_from, band = threshold(cfg, query)
    if confidence < answer_from - band or (confidence < answer_from and not noun_known):
        return "none"
    if confidence < answer_from or ((query.asks in SPECIFIC or query.focus) and not holds_asked):
        return "related"
    return "answered"
