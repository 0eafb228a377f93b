"""Talking to the Bot API through its faults: transient errors retried, a rejected token noticed while polling."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter, ExtBot

log = logging.getLogger(__name__)

METHOD_NOTE = "Bot API method: "


class RetryTransientErrors(BaseRateLimiter[None]):
    """Every Bot API call but getUpdates: a 429 waits `retry_after`, 5xx and network errors back off, a few times.

    A message whose reply never came back (read timeout, dropped connection) is not sent again: Telegram may
    have delivered it, and the user would see the answer twice. Each error that gives up carries the method's
    name as a note (for `describe_failure`).
    """

    def __init__(self, retries: int = 3, backoff: float = 0.5, longest_wait: float = 60.0) -> None:
        self.retries = retries
        self.backoff = backoff
        self.longest_wait = longest_wait

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: None) -> Any:
        attempt = 0
        while True:
            try:
                return await callback(*args, **kwargs)
            except TelegramError as error:
                wait = self._wait_before_retry(error, endpoint, attempt)
                if wait is None:
                    error.add_note(f"{METHOD_NOTE}{endpoint}")
                    raise
                log.warning("Bot API %s failed (%s); retry %d of %d in %.1f s", endpoint, error, attempt + 1,
                            self.retries, wait)
            attempt += 1
            await asyncio.sleep(wait)

    def _wait_before_retry(self, error: TelegramError, endpoint: str, attempt: int) -> float | None:
        """Seconds to wait before trying `endpoint` again after `error`; None: give up and raise it."""
        if attempt >= self.retries:
            return None
        if isinstance(error, RetryAfter):
            wait = retry_after_seconds(error)
            return wait if wait <= self.longest_wait else None
        if isinstance(error, BadRequest) or not isinstance(error, NetworkError):
            return None  # refused for good: bad request, forbidden, rejected token, conflict
        if _sends_a_message(endpoint) and may_have_arrived(error):
            return None
        return self.backoff * 2 ** attempt


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that the int form of `retry_after` is deprecated
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def may_have_arrived(error: TelegramError) -> bool:
    """The request went out but no answer came back: Telegram may have carried it out."""
    cause = error.__cause__
    if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return False
    return isinstance(error, TimedOut) or isinstance(cause, httpx.TransportError)


def _sends_a_message(endpoint: str) -> bool:
    return endpoint.startswith(("send", "forward", "copy")) and endpoint != "sendChatAction"


def describe_failure(error: TelegramError, base_url: str) -> str:
    """One line on a Bot API call that failed for good: unreachable, refusing, or still asking to wait."""
    if isinstance(error, RetryAfter):
        problem = f"Telegram still asks to wait {retry_after_seconds(error):.0f} s (flood control)"
    elif isinstance(error, BadRequest) or not isinstance(error, NetworkError):
        problem = f"Telegram refused the request: {error}"
    elif isinstance(error.__cause__, httpx.HTTPError):
        problem = f"cannot reach the Bot API at {base_url}: {error}"
    else:
        problem = f"the Bot API at {base_url} keeps failing: {error}"
    notes = getattr(error, "__notes__", [])
    method = next((n.removeprefix(METHOD_NOTE) for n in notes if n.startswith(METHOD_NOTE)), None)
    return f"{problem} (in {method})" if method else problem


class TelegramBot(ExtBot):
    """The bot; it notices when Telegram rejects its token after start-up (revoked) and stops the application.

    PTB's polling loop would otherwise end quietly and leave the process running with nothing to do.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token_rejected = False
        self._stop: Callable[[], object] = lambda: None

    @property
    def token_rejected(self) -> bool:
        return self._token_rejected

    def stop_on_rejected_token(self, stop: Callable[[], object]) -> None:
        self._stop = stop

    def reject_token(self) -> None:
        """Telegram said 401: stop asking for updates and stop the application."""
        if not self._token_rejected:
            self._token_rejected = True
            self._stop()

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple:
        if self._token_rejected:
            await asyncio.sleep(0.1)  # the polling loop asks again at once until the application stops
            return ()
        try:
            return await super().get_updates(*args, **kwargs)
        except InvalidToken:
            log.error("Telegram rejected TELEGRAM_BOT_TOKEN while polling (revoked?): stopping; "
                      "check it with @BotFather")
            self.reject_token()
            return ()
