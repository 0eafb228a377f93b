"""Answers kept for the buttons under them: Telegram's callback_data holds only a short token and an action."""

from __future__ import annotations

import re
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


class ButtonAction(str):
    """What a button under an answer does, spelled as in its callback_data after the answer's token.

    A kind letter and a number: `m1` shows page 1 (from 0), `c4` the article around passage 4, `u0`/`d0`
    vote 👍/👎 on page 0.
    """

    MORE, CONTEXT, UP, DOWN = "m", "c", "u", "d"

    def __new__(cls, kind: str, number: int) -> ButtonAction:
        return super().__new__(cls, f"{kind}{number}")

    @property
    def kind(self) -> str:
        return self[0]

    @property
    def number(self) -> int:
        return int(self[1:])

    def data(self, token: str) -> str:
        """The button's callback_data: the answer's token and this action."""
        return f"{token}:{self}"

    @staticmethod
    def pattern(kind: str) -> str:
        """The callback_data of every button of `kind` (a CallbackQueryHandler pattern)."""
        return rf"^{_TOKEN}:{kind}\d{{1,3}}$"

    @classmethod
    def parse(cls, data: str | None) -> tuple[str, ButtonAction] | None:
        """(token, action) from callback_data; None for data that is not ours."""
        match = re.fullmatch(rf"({_TOKEN}):([{cls.MORE}{cls.CONTEXT}{cls.UP}{cls.DOWN}])(\d{{1,3}})", data or "")
        return (match[1], cls(match[2], int(match[3]))) if match else None


_TOKEN = "[A-Za-z0-9_-]{1,16}"  # AnswerStore's tokens: secrets.token_urlsafe
