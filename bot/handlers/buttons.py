"""The buttons under an answer: more results, the context of a quote, 👍/👎; stale or forged ones get a notice."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update
from telegram.ext import CallbackQueryHandler

from .. import render, texts
from ..answers import Answer, ButtonAction
from ..feedback import Vote
from ..services import BotContext
from . import replies
from .access import may_send

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pressed:
    """A button pressed under a kept answer: the answer's token, the button's action, the answer."""

    token: str
    action: ButtonAction
    answer: Answer


def _button(handler: Callable[[CallbackQuery, BotContext, Pressed], Awaitable[None]],
            ) -> Callable[[Update, BotContext], Awaitable[None]]:
    """A CallbackQueryHandler callback for a button of a kept answer; stale ones get a polite notice instead."""

    @functools.wraps(handler)
    async def callback(update: Update, context: BotContext) -> None:
        query = update.callback_query
        token, action = ButtonAction.parse(query.data)  # the handler's pattern already matched
        answer = context.services.answers.get(token)
        chat = query.message.chat.id if query.message is not None else None
        if answer is None or answer.chat_id != chat:
            await query.answer(texts.EXPIRED)
            return
        await handler(query, context, Pressed(token, action, answer))

    return callback


@_button
async def more_button(query: CallbackQuery, context: BotContext, pressed: Pressed) -> None:
    """The next page of the answer's passages, as a new message."""
    services, page = context.services, pressed.action.number
    per_page = services.settings.results_per_answer
    if page >= render.page_count(pressed.answer.result, per_page) or not isinstance(query.message, Message):
        await query.answer(texts.NO_MORE_RESULTS)
        return
    if not await may_send(query, services):
        return
    await query.answer()
    await replies.send(query.message, render.answer_html(pressed.answer.result, page, per_page), pressed.token,
                       quote=False)


@_button
async def context_button(query: CallbackQuery, context: BotContext, pressed: Pressed) -> None:
    """The article around one quoted passage."""
    retriever, number, passages = pressed.answer.retriever(), pressed.action.number, pressed.answer.result.passages
    if retriever is None or number >= len(passages) or not isinstance(query.message, Message):
        await query.answer(texts.EXPIRED)
        return
    if not await may_send(query, context.services):
        return
    await query.answer()
    around = await asyncio.to_thread(retriever.context, passages[number].id)
    await replies.send(query.message, render.Reply(render.context_html(around, passages[number], number + 1), []),
                       None)


@_button
async def vote_button(query: CallbackQuery, context: BotContext, pressed: Pressed) -> None:
    """👍/👎 on one page of an answer, appended to the feedback log once per user and page."""
    services, answer, page = context.services, pressed.answer, pressed.action.number
    vote: Vote = "up" if pressed.action.kind == ButtonAction.UP else "down"
    per_page = services.settings.results_per_answer
    voter = (query.from_user.id, page)
    if page >= render.page_count(answer.result, per_page):
        await query.answer(texts.EXPIRED)
        return
    if voter in answer.votes:
        await query.answer(texts.ALREADY_VOTED)
        return
    answer.votes.add(voter)  # before the write: a second press meanwhile is not a second vote
    ids = [p.id for p in answer.result.passages[page * per_page: (page + 1) * per_page]]
    try:
        await asyncio.to_thread(services.feedback.record, answer.chat_id, query.from_user.id, answer.question, ids,
                                vote)
    except OSError as e:  # not recorded, so not remembered: the voter may try again
        answer.votes.discard(voter)
        log.warning("a vote could not be written to %s: %s", services.feedback.path, e.strerror or e)
        await query.answer(texts.VOTE_NOT_RECORDED)
        return
    if vote == "up":
        services.stats.up += 1
    else:
        services.stats.down += 1
    await query.answer(texts.THANKS_FOR_VOTE)


async def stale_button(update: Update, context: BotContext) -> None:
    """Any other button data (an old version's, or forged) gets the same notice as an expired answer."""
    await update.callback_query.answer(texts.EXPIRED)


HANDLERS = [
    CallbackQueryHandler(more_button, pattern=ButtonAction.pattern(ButtonAction.MORE)),
    CallbackQueryHandler(context_button, pattern=ButtonAction.pattern(ButtonAction.CONTEXT)),
    CallbackQueryHandler(vote_button, pattern=ButtonAction.pattern(ButtonAction.UP)),
    CallbackQueryHandler(vote_button, pattern=ButtonAction.pattern(ButtonAction.DOWN)),
    CallbackQueryHandler(stale_button),  # last: what no pattern above matched
]
