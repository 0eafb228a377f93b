"""Admins only: /reindex rebuilds the index in the background, /stats counts what the bot did since it started."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging

from telegram import Message, Update
from telegram.ext import CommandHandler

from retrieval import RetrievalError

from .. import texts
from ..live_index import LiveIndex
from ..services import BotContext
from .access import is_admin

log = logging.getLogger(__name__)

STOPPED_NOTICE_SECONDS = 2.0  # for telling an admin that the bot stopped before their rebuild or addition ended


async def stats_command(update: Update, context: BotContext) -> None:
    services = context.services
    if not is_admin(update, services):
        await update.effective_message.reply_text(texts.ADMINS_ONLY)
        return
    manifest, stats = services.index.retriever.manifest, services.stats
    await update.effective_message.reply_text(texts.STATS.format(
        name=texts.BOT_NAME, articles=len(manifest.articles), chunks=manifest.chunks,
        built_at=html.escape(manifest.built_at), answered=stats.answered, abstained=stats.abstained,
        up=stats.up, down=stats.down,
    ))


async def reindex_command(update: Update, context: BotContext) -> None:
    """Rebuild the index in the background; questions keep using the current one meanwhile."""
    services = context.services
    message = update.effective_message
    if not is_admin(update, services):
        await message.reply_text(texts.ADMINS_ONLY)
        return
    if not services.index.claim_rebuild():
        await message.reply_text(texts.REINDEX_RUNNING)
        return
    try:
        corpus = html.escape(str(services.settings.corpus_dir))
        notice = await message.reply_text(texts.REINDEX_STARTED.format(corpus=corpus))
    except BaseException:
        services.index.release_rebuild()
        raise
    services.background.start(_rebuild(services.index, notice), name="reindex")


async def _rebuild(index: LiveIndex, notice: Message) -> None:
    """Rebuild (after any build another process runs), then edit `notice` into what came of it."""

    async def waiting(why: str) -> None:
        await notice.edit_text(texts.REINDEX_WAITING)

    try:
        report = await index.rebuild(waiting)
    except asyncio.CancelledError:
        await _tell_stopped(notice)
        raise
    except RetrievalError as e:
        if index.background.stopping.is_set():
            await _tell_stopped(notice)
            return
        log.warning("reindex failed: %s", e)
        await notice.edit_text(texts.REINDEX_FAILED.format(error=html.escape(str(e))))
    except Exception:
        log.exception("reindex failed")
        await notice.edit_text(texts.REINDEX_CRASHED)
    else:
        log.info("reindexed: %s", report.summary())
        await notice.edit_text(texts.REINDEX_DONE.format(
            articles=report.articles, chunks=report.passages, summary=html.escape(_clip(report.summary(), 3000)),
        ))
    finally:
        index.release_rebuild()


async def _tell_stopped(notice: Message) -> None:
    with contextlib.suppress(Exception):  # the bot is stopping: a Telegram that does not answer at once is left
        await asyncio.wait_for(notice.edit_text(texts.REINDEX_STOPPED), STOPPED_NOTICE_SECONDS)


def _clip(text: str, limit: int) -> str:
    """At most about `limit` characters of `text`, cut at a line end."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > 0 else limit] + "\n…"


HANDLERS = [
    CommandHandler("reindex", reindex_command),
    CommandHandler("stats", stats_command),
]
