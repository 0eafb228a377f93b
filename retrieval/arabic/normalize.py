"""Arabic text normalization for matching. Quotes always keep the original text."""

from __future__ import annotations

import re
import unicodedata

# Harakat, Quranic marks and superscript alef: they change nothing a reader searches for.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL = "\u0640"

_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        # Hamza seats are spelled both ways (مسؤول / مسئول): one letter for all of them.
        "ؤ": "ء",
        "ئ": "ء",
        "ک": "ك",
        "ی": "ي",
        "ے": "ي",
        "ڪ": "ك",
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# A token is a run of letters, digits, harakat or tatweel; everything else separates tokens.
WORD = re.compile(r"(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640])+")


def unify_letters(text: str) -> str:
    """Unify alef forms, ta marbuta, alef maqsura, hamza seats and Persian letters."""
    return text.translate(_LETTERS)


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII digits."""
    return text.translate(_DIGITS)


# removing diacritics and tatweel, ascii_digits and unify_letters in one pass (no mapping's output is another's input)
_NORMALIZE = {
    **{code: None for code in range(0x0600, 0x0700) if _DIACRITICS.match(chr(code))},
    ord(_TATWEEL): None,
    **_DIGITS,
    **_LETTERS,
}


def normalize(text: str) -> str:
    """Matching form of `text`: NFKC, no diacritics or tatweel, unified letters, ASCII digits, lower case."""
    return unicodedata.normalize("NFKC", text).translate(_NORMALIZE).lower()


def words(text: str) -> list[str]:
    """Punctuation-free tokens of `text` as written (no normalization)."""
    return WORD.findall(text)


def tokens(text: str) -> list[str]:
    """Normalized, punctuation-free tokens."""
    return words(normalize(text))


def contains(haystack: str, needle: str) -> bool:
    """Whether `needle` occurs in `haystack` once both are normalized and spacing is collapsed."""
    return " ".join(tokens(needle)) in " ".join(tokens(haystack))


def normalize_mapped(text: str) -> tuple[str, list[int]]:
    """`normalize` without NFKC, plus the index in `text` of every output character.

    Lets a match found in normalized text be cut from the original with its diacritics.
    """
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch == _TATWEEL or _DIACRITICS.match(ch):
            continue
        for c in ascii_digits(unify_letters(ch)).lower():
            out.append(c)
            where.append(i)
    return "".join(out), where


def original_span(where: list[int], start: int, end: int) -> tuple[int, int]:
    """Span in the original text of the normalized span [start, end) (end > start)."""
    return where[start], where[end - 1] + 1
