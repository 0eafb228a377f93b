"""Files of the live index changed in place by an operator (truncated, or `cp -r new/. live/`): the bot
survives, says so in one log line and refuses questions instead of dying of SIGBUS."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys

import pytest
from fakebotapi import TOKEN, FakeBotAPI
from helpers import environment

from bot import texts

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"


@pytest.mark.parametrize("names", [("sentences.npy", "chunks.npy"), ("texts.bin",), ("dense.faiss",)])
async def test_index_files_truncated_in_place_are_refused_with_one_log_line_not_a_crash(tmp_path, seed_index, names):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    async with FakeBotAPI() as api:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=environment(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, INDEX_DIR=str(index),
                            FEEDBACK_LOG=str(tmp_path / "feedback.jsonl")))
        try:
            await api.wait_for("setMyCommands", timeout=60)
            await api.send_text(QUESTION, chat_id=5)
            first = await api.wait_for("sendMessage", lambda c: c.chat_id == 5, timeout=30)
            for name in names:
                os.truncate(index / name, (index / name).stat().st_size // 3)  # in place: same inode
            after = api.mark()
            for chat in (6, 7):
                await api.send_text(QUESTION, chat_id=chat)
                await api.wait_for("sendMessage", lambda c, chat=chat: c.chat_id == chat, after=after, timeout=30)
            replies = [c.text for c in api.calls_to("sendMessage")[-2:]]
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert ANSWER in first.text
    assert replies == [texts.SOMETHING_WENT_WRONG] * 2
    assert process.returncode == 0
    log = stderr.decode()
    assert "Traceback" not in log
    assert len([line for line in log.splitlines() if "was changed in place" in line]) == 1, log
