"""`python -m bot` as a process: the offline console, start-up errors, and serving Telegram over long polling."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys

import pytest
from fakebotapi import TOKEN, FakeBotAPI
from helpers import SEEDS, environment, run_bot

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_telegram_mode_without_a_valid_token_is_one_error_line_and_exit_code_2(tmp_path, token):
    done = run_bot(cwd=tmp_path, **({"TELEGRAM_BOT_TOKEN": token} if token else {}))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: TELEGRAM_BOT_TOKEN") and (token is None or token not in line)
    assert done.stdout == ""


def test_a_malformed_setting_is_one_error_line_and_exit_code_2(tmp_path):
    done = run_bot(cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, ALLOWED_CHAT_IDS="12,twelve")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: invalid setting ALLOWED_CHAT_IDS")


def test_the_console_answers_piped_questions_in_plain_text_and_exits_on_eof(tmp_path, seed_index):
    questions = f"{QUESTION}\n/more\n\n   \n/sources\nwhat?\n/nonsense\n"
    done = run_bot("--console", stdin=questions, cwd=tmp_path, INDEX_DIR=str(seed_index))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert ANSWER in out and "(000_929b026e6166e937.txt)" in out and "**" in out
    assert "نتائج إضافية (2 من 3)" in out and "[4]" in out
    assert "المقالات المفهرسة (عددها 5)" in out
    assert "لا أعرف هذا الأمر" in out
    # plain text, and no prompt when stdin is not a terminal
    assert "<" not in out and not any(line.startswith("سؤالك: ") for line in out.splitlines())


def test_the_console_builds_a_missing_index_first_with_progress_on_stderr(tmp_path, seed_index):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / "000_929b026e6166e937.txt", corpus)
    index = tmp_path / "var" / "index"
    done = run_bot("--console", stdin=QUESTION + "\n", cwd=tmp_path, INDEX_DIR=str(index), CORPUS_DIR=str(corpus))
    assert done.returncode == 0, done.stderr
    assert "building it from" in done.stderr and ANSWER in done.stdout
    assert (index / "manifest.json").is_file()


async def test_python_m_bot_serves_telegram_by_long_polling_and_stops_on_sigterm(tmp_path, seed_index):
    async with FakeBotAPI() as api:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=environment(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, INDEX_DIR=str(seed_index),
                            FEEDBACK_LOG=str(tmp_path / "feedback.jsonl")),
        )
        try:
            await api.wait_for("setMyCommands", timeout=60)
            await api.send_text(QUESTION, chat_id=5)
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 5, timeout=30)
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert ANSWER in answer.text
    assert process.returncode == 0
    log = stderr.decode()
    assert "answering from 5 articles" in log and TOKEN not in log and TOKEN.split(":")[1] not in log


def test_the_bot_refuses_to_start_on_a_damaged_index_with_one_line(tmp_path, seed_index):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    texts = index / "texts.bin"
    size = texts.stat().st_size
    with open(texts, "r+b") as f:
        f.truncate(size - 100)
    done = run_bot("--console", stdin=QUESTION + "\n", cwd=tmp_path, INDEX_DIR=str(index))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: index at {index} is damaged: texts.bin has {size - 100:,} bytes, not {size:,}; "
        "rebuild it with: python -m retrieval build"]


async def test_the_telegram_bot_refuses_to_start_on_a_damaged_index_with_one_line(tmp_path, seed_index):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    with open(index / "vectors.npy", "ab") as f:
        f.write(b"\0" * 16)
    async with FakeBotAPI() as api:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=environment(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, INDEX_DIR=str(index)))
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 1
    log = stderr.decode()
    assert "Traceback" not in log and not api.calls_to("getUpdates")
    assert log.splitlines()[-1] == (f"error: index at {index} is damaged: vectors.npy has "
                                    f"{(index / 'vectors.npy').stat().st_size:,} bytes, not "
                                    f"{(seed_index / 'vectors.npy').stat().st_size:,}; rebuild it with: python -m retrieval build")
