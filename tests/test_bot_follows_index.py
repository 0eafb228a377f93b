"""A running bot follows the management command: an index rebuilt by `python -m retrieval build` is swapped in."""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from fakebotapi import TOKEN, FakeBotAPI, running
from helpers import ROOT

from bot.app import build_application
from bot.live_index import INDEX_POLL_SECONDS
from bot.settings import BotSettings
from retrieval import Retriever

ARTICLE = """مهرجان الأقصر للشعر العربي يختتم دورته العاشرة

اختتم مهرجان الأقصر للشعر العربي دورته العاشرة مساء الخميس بمشاركة أربعين شاعراً من اثنتي عشرة دولة عربية.

وفازت الشاعرة السودانية آمنة الطيب بجائزة المهرجان الكبرى عن قصيدتها «نهر من ضوء».
"""
QUESTION = "من فاز بجائزة مهرجان الأقصر للشعر العربي؟"


async def test_an_index_rebuilt_by_the_management_command_is_answered_from_within_seconds(
        index_copy, corpus_copy, embedder, tmp_path, caplog):
    settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, index_dir=index_copy, corpus_dir=corpus_copy,
                           feedback_log=tmp_path / "feedback.jsonl", questions_per_minute=100)
    async with FakeBotAPI() as api:
        settings = settings.model_copy(update={"telegram_base_url": api.base_url})
        async with running(build_application(settings, Retriever.load(index_copy, embedder))):
            await api.send_text(QUESTION, chat_id=501)
            before = await api.wait_for("sendMessage", lambda c: c.chat_id == 501)
            (corpus_copy / "luxor_poetry.txt").write_text(ARTICLE, encoding="utf-8")
            with caplog.at_level(logging.INFO, logger="bot.live_index"):
                build = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "retrieval", "build", "--corpus", str(corpus_copy), "--index",
                    str(index_copy), cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                _, errors = await asyncio.wait_for(build.communicate(), 300)
                assert build.returncode == 0, errors.decode()
                built = time.monotonic()
                while not any("was rebuilt" in r.getMessage() for r in caplog.records):
                    assert time.monotonic() - built < INDEX_POLL_SECONDS + 30, "the bot did not notice the new index"
                    await asyncio.sleep(0.2)
            after = api.mark()
            await api.send_text(QUESTION, chat_id=501)
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 501, after=after)
    assert "luxor_poetry.txt" not in before.text
    assert "luxor_poetry.txt" in answer.text and "آمنة الطيب" in answer.text
    [line] = [r.getMessage() for r in caplog.records if "was rebuilt" in r.getMessage()]
    assert str(index_copy) in line and "6 articles" in line
