"""Answers kept for the buttons under them: Telegram's callback_data holds only a short token and an action."""

from __future__ import annotations

import secrets
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

from retrieval import Retriever, SearchResult


@dataclass
class Answer:
    """What the buttons of one answer need, and the index it came from (passage ids are per index)."""

    chat_id: int
    question: str
    result: SearchResult
    # Weak, so answers never keep a replaced index in memory; its "context" buttons expire with it.
    retriever: weakref.ref[Retriever]
    votes: set[tuple[int, int]] = field(default_factory=set)  # (user id, page) already counted
    context: tuple[str, ...] = ()  # the earlier questions `question` was read with (a follow-up)

    @property
    def thread(self) -> tuple[str, ...]:
        """The questions a reply to this answer follows up on."""
        return (*self.context, self.question)


class AnswerStore:
    """The latest answers by random token; past `capacity`, the least recently used are forgotten."""

    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def add(self, answer: Answer) -> str:
        token = secrets.token_urlsafe(6)
        self._answers[token] = answer
        while len(self._answers) > self.capacity:
            self._answers.popitem(last=False)
        return token

    def get(self, token: str) -> Answer | None:
        answer = self._answers.get(token)
        if answer is not None:
            self._answers.move_to_end(token)
        return answer


def callback_data(token: str, action: str) -> str:
    return f"{token}:{action}"


def parse_callback_data(data: str | None) -> tuple[str, str]:
    """(token, action); empty strings for data that is not ours."""
    token, _, action = (data or "").partition(":")
    return token, action
