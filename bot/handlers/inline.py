"""Inline mode: `@bot question` in any chat lists the best quotes; choosing one sends it with its source line.

Queries arrive on every keystroke: one ending with ? or ؟ is answered at once, any other once its user paused for
PAUSE_SECONDS. A user's newer query makes the older ones moot, and each user has one search at a time (a burst of
keystrokes waits for it, then only the newest is searched). Results are reused for CACHE_SECONDS per normalized
question.
"""

from __future__ import annotations

import asyncio
import logging
import math

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import InlineQueryHandler

from .. import deeplinks, inline, questions, render, texts
from ..services import BotContext, Services

SHORTEST_QUESTION = 3  # characters; a shorter query gets a hint, not a search

log = logging.getLogger(__name__)


async def inline_query(update: Update, context: BotContext) -> None:
    query = update.inline_query
    services = context.services
    text = questions.clean(query.query)
    user_id = query.from_user.id
    services.inline.typing(user_id, query.id)
    if len(text) < SHORTEST_QUESTION:
        await _button_only(query, services, texts.INLINE_HINT, cache_time=inline.CACHE_SECONDS)
        return
    if not inline.looks_finished(text):
        await asyncio.sleep(inline.PAUSE_SECONDS)
    async with services.inline.turn(user_id):
        if services.inline.superseded(user_id, query.id):
            return  # Telegram shows the answer to the newest query only
        items = await _items(query, services, text)
    if isinstance(items, str):
        await _button_only(query, services, items, cache_time=0)
        return
    ask = _ask_bot_button(context.bot.username, text)
    await _answer(query, [_article(item, ask) for item in items], cache_time=inline.CACHE_SECONDS,
                  is_personal=_personal(services))


async def _answer(query: InlineQuery, results: list, **options) -> None:
    """Answer `query`, unless Telegram no longer takes an answer to it (the user typed on or closed the chat long
    enough ago): then there is nobody to show it to, and nothing went wrong."""
    try:
        await query.answer(results, **options)
    except BadRequest as e:
        if "query is too old" not in e.message.lower():
            raise
        log.info("an inline query expired before its answer was ready; dropped it")


async def _items(query: InlineQuery, services: Services, text: str) -> list[render.InlineItem] | str:
    """The results for `text`: cached, searched, or those of the same search under way; or, for a user over the rate limit, the line saying so."""
    retriever = services.index.retriever
    manifest = retriever.manifest
    key = (manifest.built_at, manifest.corpus_fingerprint, inline.normalized(text))
    items = services.inline.cached(key)
    if items is not None:
        return items
    searching = services.inline.searching(key)
    if searching is not None:
        return await asyncio.shield(searching)
    example = services.example_question()
    taken = services.questions.take(text, retriever, query.from_user.id, query.from_user.id, example=example,
                                    private=False)  # no conversation: no follow-ups
    if isinstance(taken, str):
        items = render.inline_refusal(taken, example)
        services.inline.keep(key, items)
        return items
    verdict = services.limiter.check(query.from_user.id)
    if not verdict.allowed:
        return texts.INLINE_RATE_LIMITED.format(wait=texts.seconds(math.ceil(verdict.wait)))

    async def search() -> list[render.InlineItem]:
        result = await services.searches.run(taken.user_id, len(taken.text), services.questions.search, taken)
        services.stats.searched(result)
        return render.inline_items(result)

    return await services.inline.search(key, search)


def _article(item: render.InlineItem, ask: InlineKeyboardMarkup) -> InlineQueryResultArticle:
    content = InputTextMessageContent(item.html, parse_mode=ParseMode.HTML,
                                      link_preview_options=LinkPreviewOptions(is_disabled=True))
    return InlineQueryResultArticle(item.id, item.title, content, reply_markup=ask,
                                    description=item.description or None)


def _ask_bot_button(bot_username: str, question: str) -> InlineKeyboardMarkup:
    """Under a chosen result: a link that opens a private chat with the bot asking `question` (where it fits in a
    deep link; else the chat alone)."""
    payload = deeplinks.payload_of(question) or deeplinks.HELP
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BUTTON_ASK_BOT,
                                                       url=deeplinks.start_link(bot_username, payload))]])


async def _button_only(query: InlineQuery, services: Services, line: str, cache_time: int) -> None:
    """No results, only `line` on the button above them (it opens the private chat with the bot)."""
    button = InlineQueryResultsButton(text=line, start_parameter=deeplinks.HELP)
    await _answer(query, [], cache_time=cache_time, is_personal=_personal(services), button=button)


def _personal(services: Services) -> bool:
    """With an allow-list Telegram must not hand one user's results to another (it caches them per query)."""
    return bool(services.settings.allowed_chat_ids)


HANDLERS = [InlineQueryHandler(inline_query)]
