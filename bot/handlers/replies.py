"""Sending a rendered reply: its parts in order, the buttons under the last, plain text where Telegram refuses HTML."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from .. import render

log = logging.getLogger(__name__)


def keyboard(reply: render.Reply, token: str | None) -> InlineKeyboardMarkup | None:
    """The buttons of `reply` for the answer kept under `token` (none without one)."""
    if token is None or not reply.buttons:
        return None
    return InlineKeyboardMarkup([[_inline_button(b, token) for b in row] for row in reply.buttons if row])


def _inline_button(button: render.Button, token: str) -> InlineKeyboardButton:
    if button.share is not None:
        return InlineKeyboardButton(button.label, switch_inline_query=button.share)
    return InlineKeyboardButton(button.label, callback_data=button.action.data(token))


async def send(target: Message, reply: render.Reply, token: str | None, quote: bool | None = None) -> None:
    """Send the parts in `target`'s chat, the first replying to it (`quote`: PTB's default), buttons on the last."""
    markup = keyboard(reply, token)
    for i, part in enumerate(reply.parts):
        last = i == len(reply.parts) - 1
        options = {"do_quote": quote if i == 0 else False, "reply_markup": markup if last else None}
        try:
            await target.reply_text(part, **options)
        except BadRequest as e:
            if "can't parse entities" not in e.message.lower():
                raise
            log.warning("Telegram refused the HTML of a message (%s); sending it as plain text", e)
            await target.reply_text(render.html_to_text(part), parse_mode=None, **options)
