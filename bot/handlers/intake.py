"""Admins add articles by sending a link, or a .txt/.md/.html/.jsonl file, in a private chat: added to the corpus as
`python -m retrieval add` does, then the index is rebuilt and swapped in; anyone else is refused, nothing fetched."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from pathlib import Path

from telegram import Document, Message, Update
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from retrieval import IntakeLimits, RetrievalError, add_sources

from .. import render, texts
from ..services import BotContext, Services
from .access import is_admin
from .admin import STOPPED_NOTICE_SECONDS

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the largest file Telegram lets a bot download
FILE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
REBUILD_WAIT_SECONDS = 1.0  # between looks at whether another rebuild (/reindex) has ended
# A document's name as shown in the reply, at most (Telegram allows names longer than a file system does: the
# file is saved under a short name of its own, whatever it was sent as).
MAX_SHOWN_NAME_CHARS = 100
TEMPORARY_PREFIX = "iqtibas-intake-"


async def link_sent(update: Update, context: BotContext) -> None:
    """A message of links only: each page is fetched and added (admins only)."""
    message = update.effective_message
    if not is_admin(update, context.services):
        log.info("refused links from user %s: not an admin", update.effective_user.id if update.effective_user else None)
        await message.reply_text(texts.INTAKE_ADMINS_ONLY)
        return
    notice = await message.reply_text(texts.INTAKE_STARTED)
    context.services.background.start(_add(context.services, notice, message.text.split(), {}), name="add links")


async def document_sent(update: Update, context: BotContext) -> None:
    """A document: a text, Markdown, HTML or JSONL file is downloaded and added (admins only); its type and size
    are checked before anything is downloaded."""
    message = update.effective_message
    if not is_admin(update, context.services):
        log.info("refused a document from user %s: not an admin",
                 update.effective_user.id if update.effective_user else None)
        await message.reply_text(texts.INTAKE_ADMINS_ONLY)
        return
    document = message.document
    name = _file_name(document)
    if name is None:
        await message.reply_text(texts.INTAKE_FILE_TYPES)
        return
    if (document.file_size or 0) > MAX_DOWNLOAD_BYTES:
        await message.reply_text(texts.INTAKE_TOO_BIG.format(size=_megabytes(document.file_size),
                                                             limit=MAX_DOWNLOAD_BYTES // 2**20))
        return
    notice = await message.reply_text(texts.INTAKE_STARTED)
    context.services.background.start(_add_document(context.services, notice, document, name), name="add a document")


def _file_name(document: Document) -> str | None:
    """The document's own file name, without any folder, if it is of a type we add; a long one cut (shown only)."""
    name = Path((document.file_name or "").replace("\\", "/")).name.strip()
    if not name.lower().endswith(FILE_SUFFIXES) or name.startswith("."):
        return None
    if len(name) > MAX_SHOWN_NAME_CHARS:
        suffix = Path(name).suffix
        name = name[: MAX_SHOWN_NAME_CHARS - len(suffix) - 1] + "…" + suffix
    return name


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}"


async def _add_document(services: Services, notice: Message, document: Document, name: str) -> None:
    """Download the document into a folder of its own (under a short name: a file system takes at most 255 bytes,
    fewer than Telegram allows), add it, and remove the folder."""
    try:
        with services.background.folder(TEMPORARY_PREFIX) as folder:
            path = folder / f"document{Path(name).suffix.lower()}"
            try:
                await (await document.get_file()).download_to_drive(path)
            except (TelegramError, OSError) as e:
                log.warning("could not download the document %r: %s", name, e)
                await notice.edit_text(texts.INTAKE_DOWNLOAD_FAILED.format(error=html.escape(str(e))))
                return
            await _add(services, notice, [path], {str(path): name})
    except Exception:
        log.exception("adding the document %r failed", name)
        with contextlib.suppress(TelegramError):
            await notice.edit_text(texts.INTAKE_CRASHED)


async def _add(services: Services, notice: Message, sources: list, names: dict[str, str]) -> None:
    """Add `sources` to the corpus (one addition at a time), rebuild and swap the index if anything was added (or an
    article they name is not in the index yet), then edit `notice` into what came of it."""
    settings = services.settings
    try:
        async with services.intake:
            report = await services.background.run(add_sources, settings.corpus_dir, sources, IntakeLimits(),
                                                   settings.intake_destinations(), services.background.stopping)
            for line in report.lines():
                log.info("intake: %s", line)
            indexed_now = {a.source for a in services.index.retriever.articles}
            due = report.changed or bool(report.articles - indexed_now)
            indexed, error = await _rebuild(services, notice) if due else (None, None)
        if services.background.stopping.is_set():  # cut short by the bot stopping, whatever the report says
            await _tell_stopped(notice)
            return
        await notice.edit_text(render.intake_html(report, services.index.retriever.articles, names, indexed, error))
    except asyncio.CancelledError:  # the bot is stopping: what was saved is indexed by the next rebuild
        await _tell_stopped(notice)
        raise
    except Exception:
        log.exception("adding %d source(s) failed", len(sources))
        await notice.edit_text(texts.INTAKE_CRASHED)


async def _tell_stopped(notice: Message) -> None:
    with contextlib.suppress(Exception):  # the bot is stopping: a Telegram that does not answer at once is left
        await asyncio.wait_for(notice.edit_text(texts.INTAKE_STOPPED), STOPPED_NOTICE_SECONDS)


async def _rebuild(services: Services, notice: Message) -> tuple[int | None, str | None]:
    """Rebuild and swap in the index after waiting for any rebuild already running (a /reindex, or another process's
    build): (articles, None), or (None, why not) with the old index still answering."""
    index = services.index
    while not index.claim_rebuild():
        await asyncio.sleep(REBUILD_WAIT_SECONDS)

    async def waiting(why: str) -> None:
        await notice.edit_text(texts.INTAKE_WAITING)

    try:
        report = await index.rebuild(waiting)
    except RetrievalError as e:
        log.warning("rebuild after intake failed: %s", e)
        return None, str(e)
    finally:
        index.release_rebuild()
    log.info("reindexed after intake: %s", report.summary())
    return report.articles, None


class _OnlyLinks(filters.MessageFilter):
    """A text of one or more addresses (scheme://…) and nothing else."""

    def filter(self, message: Message) -> bool:
        return bool(re.fullmatch(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*://\S+\s*)+", message.text or ""))


_PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

HANDLERS = [
    MessageHandler(_PRIVATE & filters.TEXT & ~filters.COMMAND & _OnlyLinks(name="only links"), link_sent),
    MessageHandler(_PRIVATE & filters.Document.ALL, document_sent),
]
