"""The error handler: log the exception with the update id; tell the user something went wrong, nothing more."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from retrieval import RetrievalError

from .. import texts
from ..botapi import may_have_arrived
from ..services import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, InvalidToken):
        log.error("Telegram rejected the bot token while handling update %s: stopping", update_id)
        context.bot.reject_token()
        return
    if isinstance(error, TelegramError) and may_have_arrived(error):
        # No reply came back, but the message may have arrived: an apology after it would read as a failure.
        log.warning("Telegram did not confirm a request for update %s in time: %s", update_id, error)
        return
    if isinstance(error, RetrievalError):  # the index cannot be read now: said once where it was found
        log.debug("update %s not answered: %s", update_id, error)
    else:
        log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):  # it may have been answered already
                await update.callback_query.answer(texts.SOMETHING_WENT_WRONG, show_alert=True)
                return
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, texts.SOMETHING_WENT_WRONG)
