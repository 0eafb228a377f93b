"""What each user last asked in each chat, so a follow-up ("وليش؟") is read with it. In memory only."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from retrieval import EARLIER_TURNS

# Past this many ongoing conversations (chat, user), the least recently active are forgotten.
CAPACITY = 10_000


@dataclass(frozen=True)
class Thread:
    """The questions of one topic, oldest first (at most EARLIER_TURNS), and when the last one was asked."""

    questions: tuple[str, ...]
    at: float


class Conversations:
    """Per (chat, user) the current thread of questions; nothing is shared between chats or users."""

    def __init__(self, followup_minutes: float, capacity: int = CAPACITY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.followup_seconds = followup_minutes * 60
        self.capacity = capacity
        self._clock = clock
        self._threads: OrderedDict[tuple[int, int], Thread] = OrderedDict()

    def recent(self, chat_id: int, user_id: int) -> tuple[str, ...]:
        """The thread this user's next message may follow up on: empty once FOLLOWUP_MINUTES have passed."""
        thread = self._threads.get((chat_id, user_id))
        if thread is None or self._clock() - thread.at > self.followup_seconds:
            return ()
        return thread.questions

    def asked(self, chat_id: int, user_id: int, question: str, context: tuple[str, ...] | list[str] = ()) -> None:
        """Remember `question`, read with `context` (its thread goes on) or alone (a new thread starts)."""
        key = (chat_id, user_id)
        self._threads[key] = Thread((*context, question)[-EARLIER_TURNS:], self._clock())
        self._threads.move_to_end(key)
        while len(self._threads) > self.capacity:
            self._threads.popitem(last=False)

    def forget(self, chat_id: int, user_id: int) -> None:
        """/new: the next message starts a new topic."""
        self._threads.pop((chat_id, user_id), None)

