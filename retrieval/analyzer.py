"""Lexical analyzer for BM25: normalize, tokenize, drop stopwords, stem."""

from __future__ import annotations

from dataclasses import dataclass, field

import Stemmer

from .normalize import ascii_digits, strip_diacritics, words
from .normalize import tokens as normalized_tokens

# Written in normalized form (see normalize.normalize). Our own list: the PyPI Arabic lists are GPL.
# Includes question words of MSA and common dialects, which carry no topic in a question.
ARABIC_STOPWORDS = frozenset(
    """
    في فى من الي الى علي على عن مع عند منذ مذ خلال بعد قبل حول ضد دون لدي لدى بين حتي حتى نحو عبر
    ب ل ك و ف ثم او ام بل لكن لكن ولكن اذا اذ ان انه انها انهم كان كانت كانوا يكون تكون يكونوا
    قد لقد لم لن لا ما ماذا لماذا متي متى اين اين كيف كم هل اي ايه ايش شو وين فين امتي امتى ليش ليه
    ازاي مين منو شنو قديش اشمعنى اللي الي دي ده دا هاد هادا هادي هيك هذا هذه هذي ذلك تلك هولاء هؤلاء
    اولئك الذي التي الذين اللذان اللتان اللواتي اللاتي هو هي هم هن هما انا نحن انت انتم انتن
    له لها لهم لنا لي لك به بها بهم فيه فيها فيهم منه منها منهم عليه عليها عليهم اليه اليها
    عنه عنها كل بعض غير سوي سوى ايضا فقط حيث كما لما مما عما فيما بما انما الا اما وقد وكان وكانت
    وهو وهي وهذا وهذه وفي ومن وعلى وعن ومع وان واذا ولم ولا وما بان بانه بانها لان كي لكي
    يا اه نعم هناك هنا تم التي ذات ذو
    the a an of in on at to for from by with and or is are was were be been what who when where why
    how which did does do about that this these those it its
    """.split()
)


@dataclass
class Analyzer:
    """Turns text into BM25 terms; keeps a per-word cache because stemming in Python is the slow part."""

    stem: bool = True
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)
    _stemmer: Stemmer.Stemmer = field(default_factory=lambda: Stemmer.Stemmer("arabic"), repr=False)

    @property
    def id(self) -> str:
        """Names the term recipe; an index built with another recipe cannot be searched with this one."""
        return f"ar-{'snowball' if self.stem else 'plain'}-v1"

    def __call__(self, text: str) -> list[str]:
        return self.terms(text)

    def terms(self, text: str) -> list[str]:
        """Terms of `text`, in order, stopwords removed."""
        out = []
        for word in _raw_words(text):
            term = self._cache.get(word, _MISSING)
            if term is _MISSING:
                term = self._cache[word] = self._term(word)
            if term:
                out.append(term)
        return out

    def _term(self, word: str) -> str | None:
        norm = normalized_tokens(word)
        if not norm or norm[0] in ARABIC_STOPWORDS or len(norm[0]) < 2 and not norm[0].isdigit():
            return None
        if not self.stem or word.isascii():
            return norm[0]
        # Snowball keeps a leading و/ف before the article and strips only a final ة, so both are
        # handled around it; alef forms are unified before stemming so spellings meet.
        light = _strip_conjunction(_prestem(word))
        stemmed = normalized_tokens(self._stemmer.stemWord(light) or light)
        return stemmed[0] if stemmed else None


_MISSING = object()


def _raw_words(text: str) -> list[str]:
    return words(ascii_digits(strip_diacritics(text)))


def _prestem(word: str) -> str:
    """Matching form that still keeps ة and ى, which the Snowball stemmer handles itself."""
    return word.translate(_ALEF).lower()


_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ئ": "ي"})


def _strip_conjunction(word: str) -> str:
    if len(word) > 4 and word[0] in "وف" and word[1:3] == "ال":
        return word[1:]
    return word
