"""The Telegram application: handlers, start-up, the background re-index and the error handler."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
import logging
import math
import os
import re
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from retrieval import MANIFEST, RetrievalError, Retriever, build, open_retriever

from . import questions, render, texts
from .answers import Answer, AnswerStore, ButtonAction
from .botapi import RetryTransientErrors, TelegramBot, may_have_arrived
from .conversations import Conversations
from .fairqueue import FairQueue
from .feedback import FeedbackLog, Vote
from .ratelimit import RateLimiter
from .settings import BotSettings

log = logging.getLogger(__name__)

# Edited messages, inline queries and the rest are never handled, so Telegram need not send them.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# Presses of "more" and "context" (each sends a message) one user may make in BUTTON_WINDOW seconds.
BUTTON_MESSAGES, BUTTON_WINDOW = 5, 10.0
# Searches at once; more only share the same cores (the embedder's calls release the GIL).
SEARCH_WORKERS = min(4, os.cpu_count() or 1)
# How often a running bot looks for an index rebuilt by `python -m retrieval build` (one stat call).
INDEX_POLL_SECONDS = 3.0


@dataclass
class Stats:
    answered: int = 0
    abstained: int = 0
    up: int = 0
    down: int = 0


@dataclass
class Services:
    """What the handlers share, in `bot_data["services"]`; `retriever` is swapped whole by /reindex."""

    settings: BotSettings
    answers: AnswerStore
    limiter: RateLimiter
    button_limiter: RateLimiter
    searches: FairQueue
    feedback: FeedbackLog
    conversations: Conversations
    stats: Stats = field(default_factory=Stats)
    retriever: Retriever | None = None
    rebuilding: bool = False
    index_stamp: tuple[int, ...] | None = None  # of the index `retriever` was loaded from
    index_follower: asyncio.Task | None = None


def build_application(settings: BotSettings, retriever: Retriever | None = None) -> Application:
    """The bot, ready for `run_polling`/`run_webhook`; without `retriever`, start-up opens (or builds) the index."""
    bot = TelegramBot(
        settings.token(),
        base_url=settings.telegram_base_url,
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=RetryTransientErrors(),
    )
    application = (
        ApplicationBuilder().bot(bot).concurrent_updates(True).post_init(start_up).post_shutdown(shut_down).build()
    )
    bot.stop_on_rejected_token(application.stop_running)
    application.bot_data["services"] = Services(
        settings=settings,
        answers=AnswerStore(),
        conversations=Conversations(settings.followup_minutes),
        limiter=RateLimiter(settings.questions_per_minute),
        button_limiter=RateLimiter(BUTTON_MESSAGES, window=BUTTON_WINDOW),
        searches=FairQueue(SEARCH_WORKERS),
        # Voters are hashed under a key only this bot knows (derived from its token), never logged as ids.
        feedback=FeedbackLog(settings.feedback_log, hashlib.sha256(b"voter\0" + settings.token().encode()).digest()),
        retriever=retriever,
    )
    new_message = filters.UpdateType.MESSAGE
    text = filters.TEXT & ~filters.COMMAND & new_message
    application.add_handler(TypeHandler(Update, only_allowed_chats), group=-1)
    application.add_handlers([
        CommandHandler("start", start_command),
        CommandHandler("help", help_command),
        CommandHandler("sources", sources_command),
        CommandHandler("ask", ask_command),
        CommandHandler("new", new_command),
        CommandHandler("reindex", reindex_command),
        CommandHandler("stats", stats_command),
        MessageHandler(filters.ChatType.PRIVATE & text, private_question),
        MessageHandler(filters.ChatType.GROUPS & text & ADDRESSED, group_question),
        MessageHandler(filters.COMMAND & new_message, unknown_command),
        MessageHandler(filters.ChatType.PRIVATE & filters.ATTACHMENT & new_message, not_text),
        CallbackQueryHandler(more_button, pattern=ButtonAction.pattern(ButtonAction.MORE)),
        CallbackQueryHandler(context_button, pattern=ButtonAction.pattern(ButtonAction.CONTEXT)),
        CallbackQueryHandler(vote_button, pattern=ButtonAction.pattern(ButtonAction.UP)),
        CallbackQueryHandler(vote_button, pattern=ButtonAction.pattern(ButtonAction.DOWN)),
        CallbackQueryHandler(stale_button),
    ])
    application.add_error_handler(on_error)
    return application


async def start_up(application: Application) -> None:
    """Open the index once (building it first if there is none), follow its rebuilds, register the command menu."""
    services: Services = application.bot_data["services"]
    services.index_stamp = index_stamp(services.settings.index_dir)
    if services.retriever is None:
        services.retriever = await asyncio.to_thread(open_retriever, services.settings)
        services.index_stamp = services.index_stamp or index_stamp(services.settings.index_dir)  # just built
    manifest = services.retriever.manifest
    log.info("answering from %d articles (%d passages), index built %s", len(manifest.articles), manifest.chunks,
             manifest.built_at)
    services.index_follower = asyncio.create_task(follow_index(services), name="follow the index")
    await application.bot.set_my_commands([BotCommand(name, about) for name, about in texts.COMMAND_MENU.items()])


async def shut_down(application: Application) -> None:
    """Stop following the index."""
    follower = application.bot_data["services"].index_follower
    if follower is not None:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


def index_stamp(index_dir: Path) -> tuple[int, ...] | None:
    """What changes when a build replaces the index (its manifest's inode, time, size); None without one."""
    try:
        stat = (Path(index_dir) / MANIFEST).stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size


async def follow_index(services: Services) -> None:
    """Every INDEX_POLL_SECONDS: when `python -m retrieval build` replaced the index, load it and swap it in."""
    index_dir = services.settings.index_dir
    while True:
        await asyncio.sleep(INDEX_POLL_SECONDS)
        stamp = index_stamp(index_dir)
        if stamp is None or stamp == services.index_stamp or services.rebuilding:
            continue
        current = services.retriever
        try:
            fresh = await asyncio.to_thread(Retriever.load, index_dir, current.embedder, current.config)
        except Exception as e:  # keep answering from the loaded index, and keep following
            log.warning("the index at %s changed but cannot be loaded (%s); still answering from the one built %s",
                        index_dir, e, current.manifest.built_at)
        else:
            if (fresh.manifest.built_at, fresh.manifest.corpus_fingerprint) != (
                    current.manifest.built_at, current.manifest.corpus_fingerprint):
                services.retriever = fresh
                log.info("the index at %s was rebuilt (built %s): now answering from %d articles (%d passages)",
                         index_dir, fresh.manifest.built_at, len(fresh.manifest.articles), fresh.manifest.chunks)
        services.index_stamp = stamp


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data["services"]


# --- who is talking to the bot -------------------------------------------------------------------


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


def _meant_for_bot(message: Message) -> bool:
    """Anything in a private chat; in groups, commands without another bot's name, mentions and replies."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if (message.text or "").startswith("/"):
        return _command_addressee(message) in (None, (message.get_bot().username or "").lower())
    return mentions_or_replies_to_bot(message)


def _command_addressee(message: Message) -> str | None:
    """The bot a command names (`/help@name` gives `name`, lower-case); None for a bare `/help`."""
    words = (message.text or "").split(maxsplit=1)
    _, at, name = (words[0] if words else "").partition("@")
    return name.lower() if at else None


async def only_allowed_chats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """With ALLOWED_CHAT_IDS set, other chats get one refusal line and nothing else."""
    allowed = _services(context).settings.allowed_chat_ids
    chat = update.effective_chat
    if not allowed or chat is None or chat.id in allowed:
        return
    user = update.effective_user.id if update.effective_user else None
    log.info("refused chat %d (user %s): not in ALLOWED_CHAT_IDS", chat.id, user)
    if update.callback_query is not None:
        await update.callback_query.answer(texts.NOT_ALLOWED)
    elif update.message is not None and _meant_for_bot(update.message):
        await update.message.reply_text(texts.NOT_ALLOWED)
    raise ApplicationHandlerStop


def _is_admin(update: Update, services: Services) -> bool:
    return update.effective_user is not None and update.effective_user.id in services.settings.admin_user_ids


# --- questions -------------------------------------------------------------------------------------


async def private_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(update, context, update.effective_message.text)


async def group_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    username = re.escape(context.bot.username or "")
    await answer_question(update, context, re.sub(rf"@{username}\b", " ", update.effective_message.text, flags=re.I))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    words = (update.effective_message.text or "").split(maxsplit=1)
    if len(words) < 2 or not questions.clean(words[1]):
        await update.effective_message.reply_text(texts.ASK_USAGE.format(example=html.escape(_example(context))))
        return
    await answer_question(update, context, words[1])


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Check the question and the sender's rate, search off the event loop while `typing`, reply with quotes."""
    services = _services(context)
    message = update.effective_message
    question = questions.clean(text)
    refusal = questions.refusal(question, _example(context))
    if refusal:
        await message.reply_text(refusal)
        return
    sender = update.effective_user.id if update.effective_user else message.chat_id
    verdict = services.limiter.check(sender)
    if not verdict.allowed:
        if verdict.notify:
            wait = texts.seconds(math.ceil(verdict.wait))
            await message.reply_text(texts.RATE_LIMITED.format(limit=services.limiter.per_minute, wait=wait))
        return
    retriever = services.retriever  # this question stays on this index even if /reindex swaps it meanwhile
    earlier = _earlier_questions(message, sender, question, services, retriever)
    per_page = services.settings.results_per_answer
    typing = asyncio.create_task(message.reply_chat_action(ChatAction.TYPING))
    try:
        result = await services.searches.run(sender, len(question), questions.search, retriever, question, per_page,
                                             earlier)
    finally:
        with contextlib.suppress(TelegramError):  # the indicator is a nicety; it must just end before the answer
            await typing
    services.conversations.asked(message.chat_id, sender, question, earlier)
    services.stats.answered += result.answerable
    services.stats.abstained += not result.answerable
    quoted = result.verdict != "none"  # answered or related: quotes, with their buttons
    answer = Answer(message.chat_id, question, result, weakref.ref(retriever), context=earlier)
    token = services.answers.add(answer) if quoted else None
    reply = render.answer_html(result, 0, per_page)
    await _send(message, render.with_followup_line(reply, earlier[-1]) if earlier else reply, token)


def _earlier_questions(message: Message, sender: int, question: str, services: Services,
                       retriever: Retriever) -> tuple[str, ...]:
    """What `question`, if it looks like a follow-up, follows up on: the questions of the answer it replies
    to; else, in a private chat, the sender's last ones if they came within FOLLOWUP_MINUTES."""
    if not retriever.is_followup(question):  # it names its own subject: a new topic, even in a reply
        return ()
    answer = _answer_replied_to(message, services)
    if answer is not None:
        return answer.thread
    if message.chat.type == ChatType.PRIVATE:
        return services.conversations.recent(message.chat_id, sender)
    return ()


def _answer_replied_to(message: Message, services: Services) -> Answer | None:
    """The answer `message` replies to, found by the token of its buttons (answers without buttons: None)."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != message.get_bot().id:
        return None
    if not isinstance(replied.reply_markup, InlineKeyboardMarkup):
        return None
    for button in (b for row in replied.reply_markup.inline_keyboard for b in row):
        pressed = ButtonAction.parse(button.callback_data if isinstance(button.callback_data, str) else None)
        answer = services.answers.get(pressed[0]) if pressed else None
        if answer is not None and answer.chat_id == message.chat_id:
            return answer
    return None


def _example(context: ContextTypes.DEFAULT_TYPE) -> str:
    examples = render.example_questions(_services(context).retriever.articles, count=1)
    return examples[0] if examples else texts.DEFAULT_EXAMPLE


async def _send(target: Message, reply: render.Reply, token: str | None, quote: bool | None = None) -> None:
    """Send the parts in `target`'s chat, the first replying to it (`quote`: PTB's default), buttons on the last."""
    markup = None
    if token is not None and reply.buttons:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.action.data(token)) for b in row]
             for row in reply.buttons if row]
        )
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


# --- buttons ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pressed:
    """A button pressed under a kept answer: the answer's token, the button's action, the answer."""

    token: str
    action: ButtonAction
    answer: Answer


def _button(handler: Callable[[CallbackQuery, ContextTypes.DEFAULT_TYPE, Pressed], Awaitable[None]],
            ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """A CallbackQueryHandler callback for a button of a kept answer; stale ones get a polite notice instead."""

    @functools.wraps(handler)
    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        token, action = ButtonAction.parse(query.data)  # the handler's pattern already matched
        answer = _services(context).answers.get(token)
        chat = query.message.chat.id if query.message is not None else None
        if answer is None or answer.chat_id != chat:
            await query.answer(texts.EXPIRED)
            return
        await handler(query, context, Pressed(token, action, answer))

    return callback


async def _may_send(query: CallbackQuery, services: Services) -> bool:
    """Buttons that send a message count against the presser's limit; past it they get a short notice."""
    verdict = services.button_limiter.check(query.from_user.id)
    if not verdict.allowed:
        await query.answer(texts.BUTTONS_RATE_LIMITED.format(wait=texts.seconds(math.ceil(verdict.wait))))
    return verdict.allowed


@_button
async def more_button(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, pressed: Pressed) -> None:
    """The next page of the answer's passages, as a new message."""
    services, page = _services(context), pressed.action.number
    per_page = services.settings.results_per_answer
    if page >= render.page_count(pressed.answer.result, per_page) or not isinstance(query.message, Message):
        await query.answer(texts.NO_MORE_RESULTS)
        return
    if not await _may_send(query, services):
        return
    await query.answer()
    await _send(query.message, render.answer_html(pressed.answer.result, page, per_page), pressed.token, quote=False)


@_button
async def context_button(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, pressed: Pressed) -> None:
    """The article around one quoted passage."""
    retriever, number, passages = pressed.answer.retriever(), pressed.action.number, pressed.answer.result.passages
    if retriever is None or number >= len(passages) or not isinstance(query.message, Message):
        await query.answer(texts.EXPIRED)
        return
    if not await _may_send(query, _services(context)):
        return
    await query.answer()
    around = await asyncio.to_thread(retriever.context, passages[number].id)
    await _send(query.message, render.Reply(render.context_html(around, passages[number], number + 1), []), None)


@_button
async def vote_button(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, pressed: Pressed) -> None:
    """👍/👎 on one page of an answer, appended to the feedback log once per user and page."""
    services, answer, page = _services(context), pressed.answer, pressed.action.number
    vote: Vote = "up" if pressed.action.kind == ButtonAction.UP else "down"
    per_page = services.settings.results_per_answer
    voter = (query.from_user.id, page)
    if page >= render.page_count(answer.result, per_page):
        await query.answer(texts.EXPIRED)
        return
    if voter in answer.votes:
        await query.answer(texts.ALREADY_VOTED)
        return
    answer.votes.add(voter)
    ids = [p.id for p in answer.result.passages[page * per_page: (page + 1) * per_page]]
    await asyncio.to_thread(services.feedback.record, answer.chat_id, query.from_user.id, answer.question, ids, vote)
    if vote == "up":
        services.stats.up += 1
    else:
        services.stats.down += 1
    await query.answer(texts.THANKS_FOR_VOTE)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other button data (an old version's, or forged) gets the same notice as an expired answer."""
    await update.callback_query.answer(texts.EXPIRED)


# --- commands --------------------------------------------------------------------------------------


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    help_text = render.help_html(_services(context).retriever.articles, context.bot.username)
    await update.effective_message.reply_text(f"{texts.GREETING}\n\n{help_text}")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    help_text = render.help_html(_services(context).retriever.articles, context.bot.username)
    await update.effective_message.reply_text(help_text)


async def new_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the sender's earlier questions in this chat: the next message starts a new topic."""
    message = update.effective_message
    sender = update.effective_user.id if update.effective_user else message.chat_id
    _services(context).conversations.forget(message.chat_id, sender)
    await message.reply_text(texts.NEW_TOPIC)


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parts = render.sources_html(_services(context).retriever.articles)
    await _send(update.effective_message, render.Reply(parts, []), None)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups only commands addressed to this bot by name: a bare /command may be another bot's."""
    message = update.effective_message
    if message.chat.type != ChatType.PRIVATE and _command_addressee(message) != (context.bot.username or "").lower():
        return
    await message.reply_text(texts.UNKNOWN_COMMAND)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(texts.NOT_TEXT)


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = _services(context)
    if not _is_admin(update, services):
        await update.effective_message.reply_text(texts.ADMINS_ONLY)
        return
    manifest, stats = services.retriever.manifest, services.stats
    await update.effective_message.reply_text(texts.STATS.format(
        name=texts.BOT_NAME, articles=len(manifest.articles), chunks=manifest.chunks,
        built_at=html.escape(manifest.built_at), answered=stats.answered, abstained=stats.abstained,
        up=stats.up, down=stats.down,
    ))


async def reindex_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: rebuild the index in the background; questions keep using the current one meanwhile."""
    services = _services(context)
    message = update.effective_message
    if not _is_admin(update, services):
        await message.reply_text(texts.ADMINS_ONLY)
        return
    if services.rebuilding:
        await message.reply_text(texts.REINDEX_RUNNING)
        return
    services.rebuilding = True  # set before any await, so a second /reindex sees it
    try:
        corpus = html.escape(str(services.settings.corpus_dir))
        notice = await message.reply_text(texts.REINDEX_STARTED.format(corpus=corpus))
    except BaseException:
        services.rebuilding = False
        raise
    context.application.create_task(_rebuild(services, notice), update=update, name="reindex")


async def _rebuild(services: Services, notice: Message) -> None:
    """Build into the index directory (swapped on disk atomically), load it, then swap the retriever."""
    try:
        current = services.retriever
        report = await asyncio.to_thread(build, services.settings, current.embedder)
        stamp = index_stamp(services.settings.index_dir)
        fresh = await asyncio.to_thread(Retriever.load, services.settings.index_dir, current.embedder, current.config)
    except RetrievalError as e:
        log.warning("reindex failed: %s", e)
        await notice.edit_text(texts.REINDEX_FAILED.format(error=html.escape(str(e))))
    except Exception:
        log.exception("reindex failed")
        await notice.edit_text(texts.REINDEX_CRASHED)
    else:
        services.retriever, services.index_stamp = fresh, stamp
        log.info("reindexed: %s", report.summary())
        await notice.edit_text(texts.REINDEX_DONE.format(
            articles=report.articles, chunks=report.passages, summary=html.escape(_clip(report.summary(), 3000)),
        ))
    finally:
        services.rebuilding = False


def _clip(text: str, limit: int) -> str:
    """At most about `limit` characters of `text`, cut at a line end."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > 0 else limit] + "\n…"


# --- errors ----------------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception with the update id; tell the user something went wrong, nothing more."""
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
