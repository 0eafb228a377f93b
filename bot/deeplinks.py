"""Questions in deep links, `https://t.me/<bot>?start=<payload>`: the payload is the question's UTF-8 in
base64url without padding, at most 64 characters (Telegram's limit on a start parameter: about 24 Arabic letters)."""

from __future__ import annotations

import base64
import binascii
import re

from . import questions

PAYLOAD_LIMIT = 64
# The start parameter of the links that only open the chat (the inline hint's button): not a question's payload,
# since it is not base64url of UTF-8.
HELP = "help"
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]+")


class BadPayload(ValueError):
    """A start parameter that is not a question of ours: forged, cut, or longer than Telegram allows."""


def payload_of(question: str) -> str | None:
    """The start parameter that asks `question`; None when it would be longer than PAYLOAD_LIMIT."""
    payload = base64.urlsafe_b64encode(question.encode()).decode().rstrip("=")
    return payload if len(payload) <= PAYLOAD_LIMIT else None


def question_of(payload: str) -> str:
    """The question a start parameter asks, or BadPayload."""
    if len(payload) > PAYLOAD_LIMIT:
        raise BadPayload(f"{len(payload)} characters, over {PAYLOAD_LIMIT}")
    if not _PAYLOAD.fullmatch(payload):
        raise BadPayload("not base64url")
    try:
        question = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as e:
        raise BadPayload(str(e)) from None
    if payload_of(question) != payload or not questions.clean(question):  # only what payload_of writes
        raise BadPayload("not a question")
    return question


def start_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"
