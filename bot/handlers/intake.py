"""Admins add articles by sending a link, or a .txt/.md/.html/.jsonl file, in a private chat: added to the corpus as
`python -m retrieval add` does, then the index is rebuilt and swapped in; anyone else is refused, nothing fetched."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import shutil
import tempfile
from pathlib import Path

from telegram import Document, Message, Update
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from retrieval import RetrievalError, add_sources

from .. import render, texts
from ..services import BotContext, Services
from .access import is_admin

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the largest file Telegram lets a bot download
FILE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
REBUILD_WAIT_SECONDS = 1.0  # between looks at whether another rebuild (/reindex) has ended


async def link_sent(update: Update, context: BotContext) -> None:
    """A message of links only: each page is fetched and added (admins only)."""
    message = update.effective_message
    if not is_admin(update, context.services):
        log.info("refused links from user %s: not an admin", update.effective_user.id if update.effective_user else None)
        await message.reply_text(texts.INTAKE_ADMINS_ONLY)
        return
    notice = await message.reply_text(texts.INTAKE_STARTED)
    context.application.create_task(_add(context.services, notice, message.text.split(), {}), update=update,
                                     name="add links")


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
    context.application.create_task(_add_document(context.services, notice, document, name), update=update,
                                    name="add a document")


def _file_name(document: Document) -> str | None:
    """The document's own file name, without any folder, if it is of a type we add."""
    name = Path(document.file_name or "").name.strip()
    return name if name.lower().endswith(FILE_SUFFIXES) and not name.startswith(".") else None


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}"


async def _add_document(services: Services, notice: Message, document: Document, name: str) -> None:
    """Download the document into a folder of its own, add it, and remove the folder."""
    folder = Path(tempfile.mkdtemp(prefix="iqtibas-intake-"))
    try:
        path = folder / name
        try:
            await (await document.get_file()).download_to_drive(path)
        except TelegramError as e:
            log.warning("could not download the document %r: %s", name, e)
            await notice.edit_text(texts.INTAKE_DOWNLOAD_FAILED.format(error=html.escape(str(e))))
            return
        await _add(services, notice, [path], {str(path): name})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _add(services: Services, notice: Message, sources: list, names: dict[str, str]) -> None:
    """Add `sources` to the corpus (one addition at a time), rebuild and swap the index if anything was added,
    then edit `notice` into what came of it."""
    try:
        async with services.intake:
            report = await asyncio.to_thread(add_sources, services.settings.corpus_dir, sources)
            for line in report.lines():
                log.info("intake: %s", line)
            indexed, error = await _rebuild(services) if report.changed else (None, None)
        await notice.edit_text(render.intake_html(report, services.index.retriever.articles, names, indexed, error))
    except Exception:
        log.exception("adding %d source(s) failed", len(sources))
        await notice.edit_text(texts.INTAKE_CRASHED)


async def _rebuild(services: Services) -> tuple[int | None, str | None]:
    """Rebuild and swap in the index after waiting for any rebuild already running: (articles, None), or
    (None, why not) with the old index still answering."""
    index = services.index
    while not index.claim_rebuild():
        await asyncio.sleep(REBUILD_WAIT_SECONDS)
    try:
        report = await index.rebuild()
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
