"""The answer pipeline shared by Telegram and the console: check a question, then search for it."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from retrieval import MAX_QUESTION_CHARS, Retriever, SearchResult, understand

from . import texts

# One search fetches this many pages of passages, so "more results" pages through a fixed ranking.
PAGES = 3

# Zero-width and bidirectional marks that make a message look non-empty.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")


_THANKS = re.compile(r"شكر|مشكور|تسلم|يسلم|يعطيك|ممنون|متشكر|thank|thx|merci|\bty\b", re.I)


def clean(text: str | None) -> str:
    """The question as typed, without invisible marks or surrounding white space."""
    return _INVISIBLE.sub("", text or "").strip()


def refusal(question: str, example: str = texts.DEFAULT_EXAMPLE) -> str | None:
    """Why `question` (already cleaned) cannot be asked, as a polite Arabic line (HTML); None when it can."""
    if not any(ch.isalnum() for ch in question):
        return texts.EMPTY_QUESTION.format(example=html.escape(example))
    if len(question) > MAX_QUESTION_CHARS:
        return texts.TOO_LONG.format(length=len(question), limit=MAX_QUESTION_CHARS)
    if understand(question).chatter:  # a greeting, thanks, "test": answered kindly, nothing searched
        return (texts.THANKS if _THANKS.search(question) else texts.CHATTER).format(example=html.escape(example))
    return None


def search(retriever: Retriever, question: str, per_page: int, context: Sequence[str] = ()) -> SearchResult:
    """Every page of passages for `question` (read with the earlier questions `context`) at once (blocking:
    run it in a thread)."""
    return retriever.search(question, k=per_page * PAGES, context=context)
