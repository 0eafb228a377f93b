"""The Telegram application, wired: the bot, the services, the handlers by group, start-up and shut-down."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import threading

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from retrieval import RetrievalError, Retriever, remove_partial_writes

from . import texts, webhook
from .botapi import RetryTransientErrors, TelegramBot
from .handlers import access, admin, buttons, commands, errors, inline, intake, messages
from .live_index import LiveIndex
from .services import BotContext, Services
from .settings import BotSettings

# Edited messages, chosen inline results and the rest are never handled, so Telegram need not send them.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]

# Searches at once; more only share the same cores (the embedder's calls release the GIL).
SEARCH_WORKERS = min(4, os.cpu_count() or 1)

# Handler groups, in the order an update meets them: a refused chat stops in ACCESS.
ACCESS, ANSWERS = -1, 0

# When told to stop (SIGTERM, SIGINT), long work (an intake, a rebuild) gets STOP_GRACE_SECONDS to end at its next
# look at `stopping` and clean up; whatever still runs STOP_DEADLINE_SECONDS after the signal is cut short by
# exiting (after removing what intake wrote half-way), so a supervisor's stop always takes under 10 s.
STOP_GRACE_SECONDS = 4.0
STOP_DEADLINE_SECONDS = 9.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)

log = logging.getLogger(__name__)


def build_application(settings: BotSettings, retriever: Retriever | None = None) -> Application:
    """The bot, ready for `run_polling`/`run_webhook`; without `retriever`, start-up opens (or builds) the index."""
    webhook.install()
    bot = TelegramBot(
        settings.token(),
        base_url=settings.telegram_base_url,
        base_file_url=file_url_of(settings.telegram_base_url),
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=RetryTransientErrors(),
    )
    application = (
        ApplicationBuilder().bot(bot).context_types(ContextTypes(context=BotContext)).concurrent_updates(True)
        .post_init(start_up).post_stop(stop_work).post_shutdown(shut_down).build()
    )
    bot.stop_on_rejected_token(application.stop_running)
    services = Services.for_settings(settings, LiveIndex(settings, retriever), SEARCH_WORKERS)
    application.bot_data[BotContext.SERVICES] = services
    application.add_handlers({
        ACCESS: [access.ALLOW_LIST],
        # intake before messages: an admin's link or document is an article to add, not a question
        ANSWERS: [*admin.HANDLERS, *commands.HANDLERS, *intake.HANDLERS, *messages.HANDLERS, commands.UNKNOWN,
                  *buttons.HANDLERS, *inline.HANDLERS],
    })
    application.add_error_handler(errors.on_error)
    return application


def file_url_of(base_url: str) -> str:
    """Where the Bot API at `base_url` serves files for download: …/bot becomes …/file/bot, as at api.telegram.org
    and on a local Bot API server."""
    return base_url.removesuffix("/bot") + "/file/bot" if base_url.endswith("/bot") else base_url


def _services(application: Application) -> Services:
    return application.bot_data[BotContext.SERVICES]


async def start_up(application: Application) -> None:
    """Open the index (building it first if there is none) and follow it; register the command menu."""
    services = _services(application)
    try:
        await services.index.open()
    except RetrievalError:
        if services.background.stopping.is_set():  # stopped while building the first index: the next start does
            log.info("stopped before the index was built; the next start builds it")
            return
        raise
    await application.bot.set_my_commands([BotCommand(name, about) for name, about in texts.COMMAND_MENU.items()])


async def stop_work(application: Application) -> None:
    """Stop the long work (intake, rebuilds) and remove what it wrote half-way."""
    services = _services(application)
    await services.background.stop(STOP_GRACE_SECONDS)
    await services.index.close()
    clean_up(services)


async def shut_down(application: Application) -> None:
    await stop_work(application)  # again, for a stop during start-up, before the application ran


def clean_up(services: Services) -> None:
    """Remove the download folders and the half-written corpus files of this process's intake."""
    for folder in list(services.background.folders):
        shutil.rmtree(folder, ignore_errors=True)
    remove_partial_writes(services.settings.corpus_dir)


def install_stop_signals(application: Application, loop: asyncio.AbstractEventLoop) -> None:
    """Stop on SIGINT, SIGTERM or SIGABRT as python-telegram-bot does (its `run_*` then stop the application),
    but first tell the long work to stop, and exit STOP_DEADLINE_SECONDS later whatever still runs.
    Call `run_polling`/`run_webhook` with `stop_signals=None` on this loop."""
    services = _services(application)

    def stop() -> None:
        if services.background.stopping.is_set():
            return  # a second signal: the deadline is already set
        services.background.stopping.set()
        log.info("stopping (signal received)")
        deadline = threading.Timer(STOP_DEADLINE_SECONDS, _exit_now, (services,))
        deadline.daemon = True  # a bot that stops in time exits without waiting for it
        deadline.start()
        raise SystemExit

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop)


def _exit_now(services: Services) -> None:
    log.error("did not stop within %.0f s of the signal: exiting now", STOP_DEADLINE_SECONDS)
    clean_up(services)
    logging.shutdown()
    os._exit(1)
