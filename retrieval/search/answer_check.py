"""The learned answer check: from what the retriever knows of its best passages, whether they state what
was asked (answered), only discuss it (related) or are not about it (none).

A multinomial logistic regression over a few features (`FEATURES`), trained by `python -m retrieval model
train-check` on ARCD-train and the dev sets' tuning parts (`retrieval/check_training.py`). The model is a
few dozen numbers kept in `answer_check.json` beside this file, with its training command and data hashes;
read without pickle. Without the file the retriever falls back to the hand rule (`verdict.decide`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RetrievalError
from .verdict import Verdict

MODEL_PATH = Path(__file__).with_name("answer_check.json")
CLASSES: tuple[Verdict, ...] = ("answered", "related", "none")

FEATURES = (
    "dense",           # the best passage's best sentence: cosine to the question
    "lexical",         # its BM25, scaled by the question's best possible score
    "chars",           # its character 3-gram BM25 among the candidates
    "margin",          # cosine over the question's median cosine to the corpus
    "gap",             # fused score over the second candidate's
    "evidence",        # the first quotes hold a fact of the kind asked (a date for "when" ...)
    "specific",        # the question asks a kind of fact (date, number, name, place) or names a noun
    "missing",         # it does, and no first quote holds one
    "noun_known",      # the noun asked about is a word the corpus uses
    "sentence_cover",  # the share of the question's terms (by IDF) in the best sentence
    "passage_cover",   # ... in the best passage
    "known_terms",     # the share of the question's terms that the corpus uses at all
    "few_terms",       # 1 / (1 + number of question terms): short questions weigh every match more
    "title_cover",     # ... in the best passage's article title
)


@dataclass(frozen=True)
class AnswerCheck:
    """The trained model: standardize the features, a linear score per class, softmax. It vetoes the hand rule's
    unlikely answers, answers on its own when it is sure, and tells related from none."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray
    answer_from: float  # P(answered) that keeps a hand-rule answer
    answer_alone: float  # P(answered) that answers where the hand rule declines
    about: str

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> AnswerCheck:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            check = cls(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]),
                        np.array(data["coef"]), np.array(data["intercept"]), float(data["answer_from"]),
                        float(data["answer_alone"]), str(data.get("about", "")))
            if tuple(data["classes"]) != CLASSES:
                raise ValueError(f"classes {data['classes']}")
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise RetrievalError(f"{path}: not an answer check model ({type(e).__name__}: {e})") from None
        if check.features != FEATURES or check.coef.shape != (len(CLASSES), len(FEATURES)):
            raise RetrievalError(f"{path}: trained on other features; retrain with `python -m retrieval model train-check`")
        return check

    def probabilities(self, features: dict[str, float]) -> np.ndarray:
        """P(answered), P(related), P(none)."""
        z = (np.array([features[name] for name in self.features]) - self.mean) / self.scale
        logits = self.coef @ z + self.intercept
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def decide(self, features: dict[str, float], rule: Verdict) -> Verdict:
        """Answered when P(answered) reaches `answer_alone`, or `answer_from` where the hand rule
        (`verdict.decide`) answers too; otherwise related or none, whichever is likelier."""
        p = self.probabilities(features)
        if p[0] >= self.answer_alone or (rule == "answered" and p[0] >= self.answer_from):
            return "answered"
        return "related" if p[1] >= p[2] else "none"


def load_default() -> AnswerCheck | None:
    """The model kept in the repository, or None (the hand rule decides) when it is missing."""
    return AnswerCheck.load() if MODEL_PATH.is_file() else None


def idf_share(weights: dict[str, float], found: set[str]) -> float:
    """The share of the question terms' IDF weight held by the terms in `found` (0.0 for no terms)."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in found) / total if total else 0.0

