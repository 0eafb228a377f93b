"""Webhook mode's guards: a secret is required, the address is checked before Telegram is told of it, and what
is posted is capped and parsed without tracebacks."""

from __future__ import annotations

import json
import logging
import socket
from http import HTTPStatus

import tornado.web
from telegram import Update
from telegram.ext import _updater
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass

from .settings import BotSettings

log = logging.getLogger(__name__)

# An update is a few kilobytes (a 4,096-character message with its entities and the message it replies to).
MAX_UPDATE_BYTES = 1 << 20


def check_webhook(settings: BotSettings) -> None:
    """ValueError (one line) unless webhook mode can serve: a secret is set and WEBHOOK_LISTEN:PORT can be bound.

    Checked before `setWebhook`, so a refusal never leaves Telegram posting to a server that is not there.
    """
    if settings.webhook_secret is None:
        raise ValueError("WEBHOOK_URL is set but WEBHOOK_SECRET is not: without it anyone who reaches the port can "
                         "post forged updates. Set WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -), e.g. the output of: "
                         "python -c 'import secrets; print(secrets.token_urlsafe(32))'")
    where = f"{settings.webhook_listen}:{settings.webhook_port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(settings.webhook_listen, settings.webhook_port,
                                                             type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as e:
        raise ValueError(f"WEBHOOK_LISTEN {settings.webhook_listen!r} is not an address of this machine ({e})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado binds: TIME_WAIT is no conflict
        try:
            probe.bind(address)
        except OSError as e:
            raise ValueError(f"the webhook server cannot listen on {where}: {e.strerror or e}") from None


@tornado.web.stream_request_body
class CheckedTelegramHandler(TelegramHandler):
    """PTB's webhook handler, with the body capped at MAX_UPDATE_BYTES and a malformed update answered 400 with
    one log line (its size), not a 500 with a traceback or the body logged whole."""

    def prepare(self) -> None:
        self.request.connection.set_max_body_size(MAX_UPDATE_BYTES)
        self._body = bytearray()

    def data_received(self, chunk: bytes) -> None:
        self._body += chunk

    async def post(self) -> None:
        self._validate_post()
        try:
            data = json.loads(bytes(self._body))
            update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
            if update is None:
                raise ValueError("not an update object")
        except Exception as e:  # noqa: BLE001 - whatever a malformed update raises, the answer is 400
            log.warning("refused a malformed update of %d bytes from the webhook (%s)", len(self._body),
                        type(e).__name__)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Update could not be processed") from None
        self.set_status(HTTPStatus.OK)
        await self.update_queue.put(update)


class CheckedWebhookApp(WebhookAppClass):
    """The webhook application PTB builds, serving CheckedTelegramHandler."""

    def __init__(self, webhook_path: str, bot, update_queue, secret_token: str | None = None) -> None:
        self.shared_objects = {"bot": bot, "update_queue": update_queue, "secret_token": secret_token}
        tornado.web.Application.__init__(self, [(rf"{webhook_path}/?", CheckedTelegramHandler, self.shared_objects)])


def install() -> None:
    """Make `Updater.start_webhook` serve CheckedWebhookApp (PTB offers no option to choose the handler)."""
    _updater.WebhookAppClass = CheckedWebhookApp
