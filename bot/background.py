"""Long work beside the handlers (adding articles, rebuilding the index): stopped, not awaited, when the bot stops.

Python-telegram-bot's `Application.stop` waits for every task made with `create_task`, and a process waits at exit
for the threads of `asyncio.to_thread`: an intake of thousands of lines or a rebuild of a large corpus would keep a
stopped bot running for minutes. Work started here runs in daemon threads that watch `stopping`, and its tasks are
cancelled when the bot stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Background:
    """The bot's long work: tasks to cancel and daemon threads to wait for (a while) when it stops."""

    def __init__(self) -> None:
        self.stopping = threading.Event()  # set when the bot stops: threads end their work at the next look
        self._tasks: set[asyncio.Task] = set()
        self._threads: set[threading.Thread] = set()
        self.folders: set[Path] = set()  # temporary folders in use, removed even if the bot must exit at once
        self._stopped_by: float | None = None  # when `stop` gives up waiting

    @contextlib.contextmanager
    def folder(self, prefix: str) -> Iterator[Path]:
        """A temporary folder of its own, removed afterwards."""
        path = Path(tempfile.mkdtemp(prefix=prefix))
        self.folders.add(path)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
            self.folders.discard(path)

    def start(self, coroutine: Coroutine[Any, Any, Any], name: str) -> asyncio.Task:
        """Run `coroutine` as a task of its own; its exceptions are logged (handlers say what went wrong)."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("%s failed", task.get_name(), exc_info=error)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a daemon thread: awaiting it can be cancelled, and the process never waits for it
        at exit (the function watches `stopping` to end early and cleanly)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()

        def settle(outcome: Callable[[], None]) -> None:
            if not future.done():
                outcome()

        def work() -> None:
            try:
                result = function(*args)
            except BaseException as e:  # noqa: BLE001 - handed to the awaiting task, whatever it is
                error = e
                with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting any more
                    loop.call_soon_threadsafe(settle, lambda: future.set_exception(error))
            else:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(settle, lambda: future.set_result(result))
            finally:
                self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=work, name=getattr(function, "__name__", "background"), daemon=True)
        self._threads.add(thread)
        thread.start()
        return await future

    async def stop(self, grace: float) -> None:
        """Set `stopping`, cancel the tasks, and wait up to `grace` seconds (from the first call) for them and the
        threads to end."""
        self.stopping.set()
        if self._stopped_by is None:
            self._stopped_by = time.monotonic() + grace
        deadline = self._stopped_by
        grace = max(0.0, deadline - time.monotonic())
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks and grace > 0:
            await asyncio.wait(tasks, timeout=grace)
        while any(t.is_alive() for t in list(self._threads)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if alive := [t.name for t in list(self._threads) if t.is_alive()]:
            log.warning("stopping without waiting for %s (still running)", ", ".join(alive))
