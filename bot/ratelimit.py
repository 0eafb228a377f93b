"""Per-user question rate limit over a sliding minute."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait: float = 0.0  # seconds until the user may ask again
    notify: bool = False  # the first refusal of a streak: say so once, then stay quiet


class RateLimiter:
    """At most `per_minute` questions per user in any 60 seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._told: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        """Whether `user_id` may ask now; an allowed question is counted."""
        now = self._clock()
        if len(self._asked) > 10_000:
            self._forget_idle(now)
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.window:
            asked.popleft()
        if len(asked) < self.per_minute:
            asked.append(now)
            self._told.discard(user_id)
            return Verdict(True)
        notify = user_id not in self._told
        self._told.add(user_id)
        return Verdict(False, wait=asked[0] + self.window - now, notify=notify)

    def _forget_idle(self, now: float) -> None:
        for user_id in [u for u, asked in self._asked.items() if not asked or asked[-1] <= now - self.window]:
            del self._asked[user_id]
            self._told.discard(user_id)
