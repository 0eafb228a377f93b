"""Questions: in private chats any text, in groups /ask, mentions and replies; answered with quotes and buttons."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import weakref

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import CommandHandler, MessageHandler, filters

from .. import questions, render, texts
from ..answers import Answer, ButtonAction
from ..questions import Question
from ..services import BotContext, Services
from . import replies
from .access import ADDRESSED, may_ask, sender_of


async def private_question(update: Update, context: BotContext) -> None:
    await answer_question(update, context, update.effective_message.text)


async def group_question(update: Update, context: BotContext) -> None:
    username = re.escape(context.bot.username or "")
    await answer_question(update, context, re.sub(rf"@{username}\b", " ", update.effective_message.text, flags=re.I))


async def ask_command(update: Update, context: BotContext) -> None:
    words = (update.effective_message.text or "").split(maxsplit=1)
    if len(words) < 2 or not questions.clean(words[1]):
        example = html.escape(context.services.example_question())
        await update.effective_message.reply_text(texts.ASK_USAGE.format(example=example))
        return
    await answer_question(update, context, words[1])


async def not_text(update: Update, context: BotContext) -> None:
    await update.effective_message.reply_text(texts.NOT_TEXT)


async def answer_question(update: Update, context: BotContext, text: str) -> None:
    """Check the question and the sender's rate, search off the event loop while `typing`, reply with quotes."""
    services = context.services
    message = update.effective_message
    sender = sender_of(update)
    taken = services.questions.take(
        text, services.index.retriever, message.chat_id, sender, example=services.example_question(),
        replied_thread=_thread_replied_to(message, services), private=message.chat.type == ChatType.PRIVATE,
    )
    if isinstance(taken, str):
        await message.reply_text(taken)
        return
    if not await may_ask(message, sender, services):
        return
    await reply_with_answer(message, services, taken)


async def reply_with_answer(message: Message, services: Services, question: Question) -> None:
    """Search for `question` in the fair queue while `typing`, then reply with the first page of quotes."""
    typing = asyncio.create_task(message.reply_chat_action(ChatAction.TYPING))
    try:
        result = await services.searches.run(question.user_id, len(question.text), services.questions.search,
                                             question)
    finally:
        with contextlib.suppress(TelegramError):  # the indicator is a nicety; it must just end before the answer
            await typing
    answered = services.questions.answered(question, result)
    services.stats.searched(result)
    quoted = result.verdict != "none"  # answered or related: quotes, with their buttons
    answer = Answer(message.chat_id, question.text, result, weakref.ref(question.retriever), context=question.earlier)
    token = services.answers.add(answer) if quoted else None
    per_page, shareable = services.settings.results_per_answer, bool(message.get_bot().supports_inline_queries)
    await replies.send(message, render.first_page_html(answered, per_page, shareable), token)


def _thread_replied_to(message: Message, services: Services) -> tuple[str, ...] | None:
    """The questions of the answer `message` replies to, found by the token of its buttons (None: not an
    answer of this bot that is still kept, or one without buttons)."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != message.get_bot().id:
        return None
    if not isinstance(replied.reply_markup, InlineKeyboardMarkup):
        return None
    for button in (b for row in replied.reply_markup.inline_keyboard for b in row):
        pressed = ButtonAction.parse(button.callback_data if isinstance(button.callback_data, str) else None)
        answer = services.answers.get(pressed[0]) if pressed else None
        if answer is not None and answer.chat_id == message.chat_id:
            return answer.thread
    return None


_NEW_TEXT = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE

HANDLERS = [
    CommandHandler("ask", ask_command),
    MessageHandler(filters.ChatType.PRIVATE & _NEW_TEXT, private_question),
    MessageHandler(filters.ChatType.GROUPS & _NEW_TEXT & ADDRESSED, group_question),
    MessageHandler(filters.ChatType.PRIVATE & filters.ATTACHMENT & filters.UpdateType.MESSAGE, not_text),
]
