"""/start, /help, /sources, /latest, /new, and commands the bot does not know."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, MessageHandler, filters

from .. import deeplinks, render, texts
from ..services import BotContext
from . import replies
from .access import command_addressee, sender_of
from .messages import answer_question


async def start_command(update: Update, context: BotContext) -> None:
    """A greeting and the help; a deep link's question (t.me/<bot>?start=<payload>) is answered instead."""
    if context.args and context.args[0] != deeplinks.HELP:
        try:
            question = deeplinks.question_of(context.args[0])
        except deeplinks.BadPayload:
            await update.effective_message.reply_text(texts.BAD_START_LINK)
            return
        await answer_question(update, context, question)
        return
    help_text = render.help_html(context.services.index.retriever.articles, context.bot.username)
    await update.effective_message.reply_text(f"{texts.GREETING}\n\n{help_text}")


async def help_command(update: Update, context: BotContext) -> None:
    help_text = render.help_html(context.services.index.retriever.articles, context.bot.username)
    await update.effective_message.reply_text(help_text)


async def new_command(update: Update, context: BotContext) -> None:
    """Forget the sender's earlier questions in this chat: the next message starts a new topic."""
    message = update.effective_message
    context.services.questions.forget(message.chat_id, sender_of(update))
    await message.reply_text(texts.NEW_TOPIC)


async def sources_command(update: Update, context: BotContext) -> None:
    parts = render.sources_html(context.services.index.retriever.articles)
    await replies.send(update.effective_message, render.Reply(parts, []), None)


async def latest_command(update: Update, context: BotContext) -> None:
    """The newest dated articles: title, outlet, date."""
    parts = render.latest_html(context.services.index.retriever.articles)
    await replies.send(update.effective_message, render.Reply(parts, []), None)


async def unknown_command(update: Update, context: BotContext) -> None:
    """In groups only commands addressed to this bot by name: a bare /command may be another bot's."""
    message = update.effective_message
    if message.chat.type != ChatType.PRIVATE and command_addressee(message) != (context.bot.username or "").lower():
        return
    await message.reply_text(texts.UNKNOWN_COMMAND)


HANDLERS = [
    CommandHandler("start", start_command),
    CommandHandler("help", help_command),
    CommandHandler("sources", sources_command),
    CommandHandler("latest", latest_command),
    CommandHandler("new", new_command),
]
# Registered after every CommandHandler: any command none of them took.
UNKNOWN = MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command)
