"""Lexical analyzer for BM25: normalize, tokenize, drop stopwords, stem."""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal

import Stemmer

from . import normalize as _normalize_module
from .normalize import normalize, words

# Written in normalized form (see normalize.normalize). Our own list: the PyPI Arabic lists are GPL.
# Includes question words of MSA and common dialects, which carry no topic in a question.
ARABIC_STOPWORDS = frozenset(
    normalize(
        """
    في فى من الي الى علي على عن مع عند منذ مذ خلال بعد قبل حول ضد دون لدي لدى بين حتي حتى نحو عبر
    ب ل ك و ف ثم او ام بل لكن ولكن اذا اذ ان انه انها انهم كان كانت كانوا يكون تكون يكونوا
    قد لقد لم لن لا ما ماذا لماذا متي متى اين كيف كم هل اي ايه ايش شو وين فين امتي امتى ليش ليه
    ازاي مين منو شنو قديش اللي الي دي ده دا هاد هادا هادي هيك هذا هذه هذي ذلك تلك هؤلاء
    اولئك الذي التي الذين اللذان اللتان اللواتي اللاتي هو هي هم هن هما انا نحن انت انتم انتن
    له لها لهم لنا لي لك به بها بهم فيه فيها فيهم منه منها منهم عليه عليها عليهم اليه اليها
    عنه عنها كل بعض غير سوى ايضا فقط حيث كما لما مما عما فيما بما انما الا اما وقد وكان وكانت
    وهو وهي وهذا وهذه وفي ومن وعلى وعن ومع وان واذا ولم ولا وما بان بانه بانها لان كي لكي
    يا نعم هناك هنا تم ذات ذو لاي باي عشان علشان بتاع كده كدا زي شلون ايمتى اديش قد ايه هل ياترى
    the a an of in on at to for from by with and or is are was were be been what who when where why
    how which did does do about that this these those it its
    """
    ).split()
)

# Light stemming (after Larkey et al.'s "light10"), on normalized words: articles and suffixes only,
# which for retrieval beats root stemming and keeps proper names intact.
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


def light_stem(word: str) -> str:
    """Strip one article prefix (or a conjunction و on long words) and suffixes from a normalized word."""
    for prefix in _ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix):]
            break
    else:
        if word.startswith("و") and len(word) >= 5:
            word = word[1:]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


@dataclass
class Analyzer:
    """Turns text into BM25 terms; keeps a per-word cache because stemming in Python is the slow part."""

    stemmer: Literal["light", "snowball", "none"] = "light"
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)
    _snowball: Stemmer.Stemmer = field(default_factory=lambda: Stemmer.Stemmer("arabic"), repr=False)

    @property
    def id(self) -> str:
        """Names the term recipe; an index built with another recipe cannot be searched with this one."""
        return f"ar-{self.stemmer}-{terms_version()}"

    def __call__(self, text: str) -> list[str]:
        """Terms of `text`, in order, stopwords removed."""
        out = []
        cache = self._cache
        for word in words(text):
            term = cache.get(word, _MISSING)
            if term is _MISSING:
                term = cache[word] = self._term(word)
            if term:
                out.append(term)
        return out

    def _term(self, word: str) -> str | None:
        norm = normalize(word)
        if norm in ARABIC_STOPWORDS or (len(norm) < 2 and not norm.isdigit()):
            return None
        if self.stemmer == "none" or norm.isascii():
            return norm
        if self.stemmer == "light":
            return light_stem(norm)
        # Snowball strips a final ة but not ه, and keeps و before the article: handle both around it.
        prestem = norm[1:] if len(norm) > 4 and norm[0] in "وف" and norm[1:3] == "ال" else norm
        prestem = prestem[:-1] + "ة" if prestem.endswith("ه") else prestem
        return normalize(self._snowball.stemWord(prestem)) or prestem


_MISSING = object()


def content_version(word_lists: Iterable[Iterable[str]] = (), modules: Iterable[ModuleType] = ()) -> str:
    """A hash of word lists and of the source of modules: changes whenever what they produce can change."""
    digest = hashlib.sha1()
    for words_ in word_lists:
        digest.update("\n".join(words_).encode() + b"\0")
    for module in modules:
        digest.update(Path(module.__file__).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def terms_version() -> str:
    """The version of the terms `Analyzer` makes: its word lists and the source of normalize and this module."""
    return content_version([sorted(ARABIC_STOPWORDS), _ARTICLES, _SUFFIXES], [_normalize_module, sys.modules[__name__]])


@dataclass
class CharGrams:
    """Character 3-grams of a text's words (normalized, stopwords dropped) between boundary marks:
    <قمه> -> <قم قمه مه>. They meet across inflections, broken plurals and spellings that whole stemmed
    terms miss. Cached per word, as the analyzer is."""

    n: int = 3
    _words: Analyzer = field(default_factory=lambda: Analyzer(stemmer="none"), repr=False)
    _cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        cache = self._cache
        for word in words(text):
            grams = cache.get(word)
            if grams is None:
                grams = cache[word] = tuple(g for term in self._words(word) for g in self._grams(term))
            out += grams
        return out

    def _grams(self, term: str) -> list[str]:
        term = f"<{term}>"
        return [term[i: i + self.n] for i in range(max(1, len(term) - self.n + 1))]
