"""Searches shared fairly between users: at most N at a time, the waiting ones ordered by weighted fair queuing."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class FairQueue:
    """Runs blocking calls in threads, `workers` at a time; among waiting calls the earliest virtual finish goes next.

    Each call's `cost` (say, the characters of a question) advances its user's virtual clock. A user who queued
    many or long questions is therefore served in turn with everyone else, and a short question from someone
    new overtakes long ones already waiting: each user gets an equal share of the workers, not a place in line.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._free = workers
        self._waiting: list[tuple[float, int, float, asyncio.Future[None]]] = []  # (finish, arrival, start, ticket)
        self._finish: dict[int, float] = {}  # each user's latest virtual finish
        self._now = 0.0  # virtual time: the start of the call that began last
        self._arrivals = itertools.count()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def run(self, user: int, cost: float, call: Callable[..., T], *args: object) -> T:
        """`call(*args)` in a thread once it is `user`'s turn."""
        start = max(self._now, self._finish.get(user, 0.0))
        self._finish[user] = start + cost
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (start + cost, next(self._arrivals), start, ticket))
        self._start_next()
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():  # its turn came as it was cancelled: pass the turn on
                self._release()
            raise
        try:
            return await asyncio.to_thread(call, *args)
        finally:
            self._release()

    def _release(self) -> None:
        self._free += 1
        self._start_next()

    def _start_next(self) -> None:
        while self._free and self._waiting:
            _, _, start, ticket = heapq.heappop(self._waiting)
            if ticket.cancelled():
                continue
            self._now = max(self._now, start)
            self._free -= 1
            ticket.set_result(None)
        if len(self._finish) > 1000:  # a user whose finish has passed starts from "now" anyway
            self._finish = {user: finish for user, finish in self._finish.items() if finish > self._now}
