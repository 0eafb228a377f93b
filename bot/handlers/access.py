"""Who may use the bot and how much: the allow-list, admins, what a message in a group addresses, rate limits."""

from __future__ import annotations

import logging
import math

from telegram import CallbackQuery, InlineQueryResultsButton, Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import ApplicationHandlerStop, TypeHandler, filters

from .. import deeplinks, texts
from ..services import BotContext, Services

log = logging.getLogger(__name__)


async def only_allowed_chats(update: Update, context: BotContext) -> None:
    """With ALLOWED_CHAT_IDS set, other chats get one refusal line and nothing else; so do inline queries of users
    whose private chat is not listed (an inline query does not say from which chat it comes)."""
    allowed = context.services.settings.allowed_chat_ids
    if allowed and update.inline_query is not None and update.inline_query.from_user.id not in allowed:
        log.info("refused inline query of user %d: not in ALLOWED_CHAT_IDS", update.inline_query.from_user.id)
        button = InlineQueryResultsButton(text=texts.INLINE_NOT_ALLOWED, start_parameter=deeplinks.HELP)
        await update.inline_query.answer([], cache_time=0, is_personal=True, button=button)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if not allowed or chat is None or chat.id in allowed:
        return
    user = update.effective_user.id if update.effective_user else None
    log.info("refused chat %d (user %s): not in ALLOWED_CHAT_IDS", chat.id, user)
    if update.callback_query is not None:
        await update.callback_query.answer(texts.NOT_ALLOWED)
    elif update.message is not None and meant_for_bot(update.message):
        await update.message.reply_text(texts.NOT_ALLOWED)
    raise ApplicationHandlerStop


ALLOW_LIST = TypeHandler(Update, only_allowed_chats)


def is_admin(update: Update, services: Services) -> bool:
    return update.effective_user is not None and update.effective_user.id in services.settings.admin_user_ids


def mentions_or_replies_to_bot(message: Message) -> bool:
    """The message replies to the bot or mentions its @username."""
    bot = message.get_bot()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    mention = f"@{bot.username}".lower()
    return any(text.lower() == mention for text in message.parse_entities([MessageEntityType.MENTION]).values())


class _Addressed(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return mentions_or_replies_to_bot(message)


ADDRESSED = _Addressed(name="mentions or replies to the bot")


def meant_for_bot(message: Message) -> bool:
    """Anything in a private chat; in groups, commands without another bot's name, mentions and replies."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if (message.text or "").startswith("/"):
        return command_addressee(message) in (None, (message.get_bot().username or "").lower())
    return mentions_or_replies_to_bot(message)


def command_addressee(message: Message) -> str | None:
    """The bot a command names (`/help@name` gives `name`, lower-case); None for a bare `/help`."""
    words = (message.text or "").split(maxsplit=1)
    _, at, name = (words[0] if words else "").partition("@")
    return name.lower() if at else None


# Telegram's stand-ins for senders without a user of their own: @GroupAnonymousBot (anonymous group admins),
# @Channel_Bot (a channel posting in a group) and 777000 (a linked channel's automatic forwards). One id for all
# of them everywhere: counted by chat, so a limit reached in one group does not silence another.
SHARED_SENDER_IDS = frozenset({1087968824, 136817688, 777000})


def sender_of(update: Update) -> int:
    """Whom the rate limits and conversations count: the user, or the chat of a message without one of its own."""
    user = update.effective_user
    return user.id if user and user.id not in SHARED_SENDER_IDS else update.effective_message.chat_id


async def may_ask(message: Message, sender: int, services: Services) -> bool:
    """Questions count against the sender's limit; the first one past it gets a notice, the rest nothing."""
    verdict = services.limiter.check(sender)
    if not verdict.allowed and verdict.notify:
        wait = texts.seconds(math.ceil(verdict.wait))
        await message.reply_text(texts.RATE_LIMITED.format(limit=services.limiter.per_minute, wait=wait))
    return verdict.allowed


async def may_send(query: CallbackQuery, services: Services) -> bool:
    """Buttons that send a message count against the presser's limit; past it they get a short notice."""
    verdict = services.button_limiter.check(query.from_user.id)
    if not verdict.allowed:
        await query.answer(texts.BUTTONS_RATE_LIMITED.format(wait=texts.seconds(math.ceil(verdict.wait))))
    return verdict.allowed
