"""Latin-script names in a question matched to the index's Arabic terms by their consonant skeleton.

"Who is Jared Kushner?" has no words in common with an Arabic article, and cross-lingual embedding
scores are weak; but كوشنر and Kushner share the skeleton K-C-N-R once vowels are dropped and
letters that transliterate alike are merged. Only capitalized words with three or more consonants
are bridged, and only to a skeleton that few index terms share, so common words rarely match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

# Arabic letters (after normalize()) by how they are written in Latin script; vowels and ع drop out.
_ARABIC = {
    **dict.fromkeys("بپ", "b"), **dict.fromkeys("تط", "t"), **dict.fromkeys("ثسص", "s"),
    **dict.fromkeys("جغقكگ", "k"), **dict.fromkeys("حخه", "h"), **dict.fromkeys("دضذ", "d"),
    "ر": "r", **dict.fromkeys("زظ", "z"), "ش": "c", **dict.fromkeys("فڤ", "f"),
    "ل": "l", "م": "m", "ن": "n",
}
# Digraphs become one upper-case sound first (the word is lower-cased), then single letters map.
_LATIN_DIGRAPHS = (("sh", "C"), ("ch", "C"), ("kh", "H"), ("th", "T"), ("ph", "F"), ("ck", "K"),
                   ("gh", "K"), ("zh", "Z"), ("dh", "D"))
_LATIN = {**dict.fromkeys("bp", "b"), "t": "t", "d": "d", **dict.fromkeys("jgkqc", "k"), "x": "ks",
          "s": "s", "z": "z", **dict.fromkeys("fv", "f"), "h": "h", "l": "l", "m": "m", "n": "n", "r": "r"}
_WORD = re.compile(r"[A-Za-z]+")
MIN_CONSONANTS = 3
MAX_TERMS = 4  # a skeleton shared by more index terms than this is too common to mean a name


def _squeeze(letters: Iterable[str]) -> str:
    out: list[str] = []
    for c in letters:
        if c and (not out or out[-1] != c):
            out.append(c)
    return "".join(out)


def arabic_skeleton(term: str) -> str:
    """The consonant skeleton of a normalized Arabic term: كوشنر -> kcnr."""
    return _squeeze(_ARABIC.get(ch, "") for ch in term)


def latin_skeleton(word: str) -> str:
    """The consonant skeleton of a Latin-script word: Kushner -> kcnr."""
    word = word.lower()
    for digraph, sound in _LATIN_DIGRAPHS:
        word = word.replace(digraph, sound)
    return _squeeze(ch.lower() if ch.isupper() else _LATIN.get(ch, "") for ch in word)


def _is_name(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


class NameBridge:
    """Maps capitalized Latin words of a question to the index terms that spell the same name in Arabic."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        by_skeleton: dict[str, list[str]] = defaultdict(list)
        for term in vocabulary:
            if term and not term.isascii():
                skeleton = arabic_skeleton(term)
                if len(skeleton) >= MIN_CONSONANTS:
                    by_skeleton[skeleton].append(term)
        self._terms = {s: terms for s, terms in by_skeleton.items() if len(terms) <= MAX_TERMS}

    def terms_with_skeleton(self, skeleton: str) -> list[str]:
        """The index terms spelled with these consonants (none if too short or too common a skeleton)."""
        return list(self._terms.get(skeleton, [])) if len(skeleton) >= MIN_CONSONANTS else []

    def __call__(self, question: str) -> list[str]:
        """Index terms for the Latin-script names in `question` (none for an Arabic question)."""
        found: list[str] = []
        for word in _WORD.findall(question):
            if _is_name(word):
                skeleton = latin_skeleton(word)
                if len(skeleton) >= MIN_CONSONANTS:
                    found += self._terms.get(skeleton, [])
        return found
