"""What inline mode keeps between keystrokes: each user's latest query and search in progress, and the results of
recent questions."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable

from .render import InlineItem

# A query that does not end with ? or ؟ is answered once its user typed nothing more for this long.
PAUSE_SECONDS = 0.7
# How long the results of one question are reused, here and (answerInlineQuery's cache_time) by Telegram.
CACHE_SECONDS = 60
CAPACITY = 2000  # questions cached, and users followed


def looks_finished(question: str) -> bool:
    return question.rstrip().endswith(("?", "؟"))


def normalized(question: str) -> str:
    """One key for the spellings of a question that get the same search: case, spaces and end marks aside."""
    return " ".join(question.casefold().split()).rstrip("؟?!.، ")


class InlineState:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._latest: OrderedDict[int, str] = OrderedDict()
        self._cache: OrderedDict[Hashable, tuple[float, list[InlineItem]]] = OrderedDict()
        self._turns: dict[int, tuple[asyncio.Lock, int]] = {}  # per user: the lock and how many hold or await it
        self._searching: dict[Hashable, asyncio.Future[list[InlineItem]]] = {}

    def typing(self, user_id: int, query_id: str) -> None:
        """`query_id` is the user's newest query: the ones before it need no answer."""
        self._latest[user_id] = query_id
        self._latest.move_to_end(user_id)
        while len(self._latest) > CAPACITY:
            self._latest.popitem(last=False)

    def superseded(self, user_id: int, query_id: str) -> bool:
        return self._latest.get(user_id, query_id) != query_id

    @contextlib.asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[None]:
        """One search at a time per user: a burst of keystrokes waits here, and only the newest is still due."""
        lock, users = self._turns.get(user_id, (asyncio.Lock(), 0))
        self._turns[user_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._turns[user_id]
            if users == 1:
                del self._turns[user_id]
            else:
                self._turns[user_id] = (lock, users - 1)

    def cached(self, key: Hashable) -> list[InlineItem] | None:
        entry = self._cache.get(key)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    def searching(self, key: Hashable) -> asyncio.Future[list[InlineItem]] | None:
        """The search for `key` under way, if any: a question many type at once is searched once."""
        return self._searching.get(key)

    async def search(self, key: Hashable, search: Callable[[], Awaitable[list[InlineItem]]]) -> list[InlineItem]:
        """`search()`'s items, kept under `key`; `searching(key)` hands them to whoever asks meanwhile."""
        future: asyncio.Future[list[InlineItem]] = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # its waiters report a failure, not it
        self._searching[key] = future
        try:
            items = await search()
        except BaseException as e:
            future.set_exception(e if isinstance(e, Exception) else RuntimeError("search cancelled"))
            raise
        finally:
            del self._searching[key]
        self.keep(key, items)
        future.set_result(items)
        return items

    def keep(self, key: Hashable, items: list[InlineItem]) -> None:
        self._cache[key] = (self._clock() + CACHE_SECONDS, items)
        self._cache.move_to_end(key)
        while len(self._cache) > CAPACITY:
            self._cache.popitem(last=False)


