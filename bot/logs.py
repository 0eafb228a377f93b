"""Logging for `python -m bot`: secrets redacted from every record, python-telegram-bot's network errors on one line."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable

from telegram.error import TelegramError

REDACTED = "[REDACTED]"
# C0 and C1 controls, DEL, and the bidi embedding/override/isolate marks: what can forge or reorder a line
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced (longest first, so a token goes whole before its secret half)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Escapes control characters in a record's message; replaces the secrets in its message, traceback and stack before any handler formats it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in set(secrets) if s]

    def filter(self, record: logging.LogRecord) -> bool:
        # one record, one line: a newline in a file name or a question must not forge a log line
        record.msg, record.args = redact(one_line(_message(record)), self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class OneLineTelegramErrors(logging.Filter):
    """python-telegram-bot logs every failed Bot API call with a traceback: keep the error's one-line gist.

    Its retry loop's last word ("... Aborting") is dropped: the error then reaches `python -m bot`, which says
    what failed in one line of its own.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram"):
            return True
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, TelegramError):
            return True
        message = _message(record)
        if record.levelno >= logging.ERROR and message.startswith("Network Retry Loop") and "Abort" in message:
            return False
        record.msg, record.args = f"{message} ({type(error).__name__}: {error})", None
        record.exc_info, record.exc_text = None, None
        return True


def _message(record: logging.LogRecord) -> str:
    """The record's message; a call whose arguments do not fit its format must not break the caller."""
    try:
        return record.getMessage()
    except Exception:
        return f"{record.msg!s} {record.args!r}"


def one_line(text: str) -> str:
    """`text` on one line: control characters (newlines, ESC, bidi overrides) shown as escapes, not obeyed."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def secrets_of(token: str | None, *others: str | None) -> list[str]:
    """What must never be logged: the token, its secret half alone (it may appear URL-encoded), other secrets."""
    found = [s for s in (token, *others) if s]
    if token and ":" in token:
        found.append(token.split(":", 1)[1])
    return found


def configure(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr at `level` through filters that drop PTB's tracebacks and redact `secrets` at every level."""
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr, force=True)
    # httpx logs every request (its URL holds the token: redacted, but noise) at INFO.
    logging.getLogger("httpx").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    secrets = list(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(OneLineTelegramErrors())
        handler.addFilter(RedactSecrets(secrets))
    crash_log = logging.getLogger("bot")
    # Uncaught exceptions go through the same filters rather than straight to stderr.
    sys.excepthook = lambda kind, error, tb: crash_log.critical("unexpected error", exc_info=(kind, error, tb))
    threading.excepthook = lambda args: crash_log.critical(
        "unexpected error in thread %s", args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
