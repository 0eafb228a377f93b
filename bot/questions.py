"""The answer pipeline shared by Telegram and the console: check a question, then search for it."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from retrieval import MAX_QUESTION_CHARS, Retriever, SearchResult, understand

from . import texts
from .conversations import Conversations

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


def search(retriever: Retriever, question: str, per_page: int, context: Sequence[str] = (),
           today: date | None = None) -> SearchResult:
    """Every page of passages for `question` (read with the earlier questions `context`, its time words on the day
    `today`, default the real date) at once (blocking: run it in a thread)."""
    return retriever.search(question, k=per_page * PAGES, context=context, today=today)


@dataclass(frozen=True)
class Question:
    """A question that may be searched: who asked it where, the earlier questions it follows up on (none: a new
    topic), and the index it is read with (kept even if the bot's index is swapped meanwhile)."""

    text: str
    chat_id: int
    user_id: int
    earlier: tuple[str, ...]
    retriever: Retriever


@dataclass(frozen=True)
class Answered:
    """What an answer is rendered from."""

    question: Question
    result: SearchResult


class QuestionPipeline:
    """From a message to quotes, for Telegram and the console alike: check the question, read a follow-up with
    the earlier questions of its conversation, search, and remember it for the next follow-up. `today` is the day
    questions are asked on (the TODAY setting; None: the real date)."""

    def __init__(self, conversations: Conversations, per_page: int, today: date | None = None) -> None:
        self.conversations = conversations
        self.per_page = per_page
        self.today = today

    def take(self, text: str, retriever: Retriever, chat_id: int, user_id: int, *, example: str,
             replied_thread: tuple[str, ...] | None = None, private: bool = True) -> Question | str:
        """The question in `text`, or why it cannot be asked (a polite HTML line).

        A question that looks like a follow-up follows up on `replied_thread` (the questions of the answer it
        replies to); else, in a private chat, on the sender's last questions if they came within FOLLOWUP_MINUTES.
        """
        question = clean(text)
        why_not = refusal(question, example)
        if why_not:
            return why_not
        thread = replied_thread if replied_thread is not None else (
            self.conversations.recent(chat_id, user_id) if private else ())
        # A message that names its own subject, or one the thread's story never mentions, starts a new topic.
        earlier = thread if thread and retriever.is_followup(question, thread) else ()
        return Question(question, chat_id, user_id, earlier, retriever)

    def search(self, question: Question) -> SearchResult:
        """Every page of passages for `question` (blocking: run it in a thread)."""
        return search(question.retriever, question.text, self.per_page, question.earlier, self.today)

    def answered(self, question: Question, result: SearchResult) -> Answered:
        """Remember `question` in its conversation: the next follow-up is read with it."""
        self.conversations.asked(question.chat_id, question.user_id, question.text, question.earlier)
        return Answered(question, result)

    def forget(self, chat_id: int, user_id: int) -> None:
        """/new: the next message starts a new topic."""
        self.conversations.forget(chat_id, user_id)
