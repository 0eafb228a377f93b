"""Query terms the index does not know, mended: a typo or a dialect prefix one edit away from an index
term (المفاوضت -> مفاوض, بيقول -> يقول), or Arabizi spelled with other vowels but the same consonants."""

from __future__ import annotations

from ..arabic.names import NameBridge, arabic_skeleton
from ..index.lexical import LexicalIndex

_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويء"
# Letters people swap for one another (by sound or by a dropped dot or hamza): tried on every term;
# any other single edit only on terms long enough to have few neighbours one edit away.
_CONFUSED = ["ضظد", "ذدز", "ثتس", "صس", "طت", "قك", "ءاوي", "غع", "حه"]
MIN_LENGTH = 5
MAX_SUGGESTIONS = 2


def _confusions(term: str) -> set[str]:
    out = set()
    for i, ch in enumerate(term):
        for group in _CONFUSED:
            if ch in group:
                out |= {term[:i] + c + term[i + 1:] for c in group if c != ch}
    return out


def _one_edit(term: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from `term`."""
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(term)
    return out


class Spelling:
    """Suggests index terms for the unknown terms of a query, the most frequent first."""

    def __init__(self, lexical: LexicalIndex, names: NameBridge) -> None:
        self._lexical = lexical
        self._names = names

    def mend(self, terms: list[str], by_consonants: bool = False) -> list[str]:
        """Index terms to search besides `terms`, for those the index does not know."""
        extra: list[str] = []
        for term in dict.fromkeys(terms):
            if term in self._lexical or len(term) < 3 or term.isascii():
                continue
            variants = _one_edit(term) if len(term) >= MIN_LENGTH else _confusions(term)
            found = sorted(t for t in variants if t in self._lexical)
            if not found and by_consonants:
                found = self._names.terms_with_skeleton(arabic_skeleton(term))
            if found:
                order = self._lexical.idf(found).argsort(kind="stable")  # most frequent first
                extra += [found[i] for i in order[:MAX_SUGGESTIONS]]
        return extra
