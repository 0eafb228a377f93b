"""The bot when the Bot API misbehaves: flood control, server errors, slow replies, refused HTML, revoked tokens.

The real Application (or a real `python -m bot` process) against the fake Bot API failing on purpose.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from fakebotapi import TOKEN, FakeBotAPI
from helpers import environment

from bot import texts

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"
SECRET_HALF = TOKEN.split(":")[1]


async def answer_in(api: FakeBotAPI, chat_id: int, timeout: float = 20) -> list:
    """Every message the bot sent to `chat_id` once its answer (the message with buttons) arrived."""
    await api.send_text(QUESTION, chat_id=chat_id)
    await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id and bool(c.buttons), timeout=timeout)
    return api.calls_to("sendMessage", chat_id)


# --- sending the answer ------------------------------------------------------------------------------------


async def test_flood_control_on_the_answer_waits_retry_after_then_the_user_gets_it(api, seed_bot):
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    refused, sent = await answer_in(api, 101)
    assert refused.error and ANSWER in sent.text
    assert sent.at - refused.at >= 1.0


async def test_server_errors_on_the_answer_are_retried_and_the_user_gets_it_without_an_apology(api, seed_bot):
    api.fail_next("sendMessage", 500, "Internal Server Error", times=2)
    *failed, sent = await answer_in(api, 102)
    assert len(failed) == 2 and all(c.error for c in failed)
    assert ANSWER in sent.text
    await asyncio.sleep(0.5)
    assert texts.SOMETHING_WENT_WRONG not in [c.text for c in api.calls_to("sendMessage", 102)]


async def test_an_answer_whose_reply_times_out_is_neither_sent_twice_nor_followed_by_an_apology(api, seed_bot):
    api.delay_next("sendMessage", 6.5)  # longer than PTB's 5 s read timeout; the message itself is delivered
    await api.send_text(QUESTION, chat_id=103)
    await api.wait_for("sendMessage", lambda c: c.chat_id == 103)
    await asyncio.sleep(8)
    [answer] = api.calls_to("sendMessage", 103)
    assert ANSWER in answer.text


async def test_an_answer_whose_html_telegram_refuses_is_sent_as_plain_text(api, seed_bot):
    api.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unsupported start tag \"q\"")
    refused, sent = await answer_in(api, 104)
    assert refused.error and "<blockquote>" in refused.params["text"]
    assert ANSWER in sent.text and "parse_mode" not in sent.params and "<" not in sent.params["text"]
    assert sent.buttons


# --- a real process ---------------------------------------------------------------------------------------


async def start_bot(api: FakeBotAPI, cwd: Path, index: Path, **values: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=environment(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, INDEX_DIR=str(index),
                        FEEDBACK_LOG=str(cwd / "feedback.jsonl"), **values),
    )


async def finished(process: asyncio.subprocess.Process, timeout: float = 60) -> str:
    """The process's stderr once it exited by itself (killed after `timeout` seconds)."""
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return stderr.decode()


async def test_a_token_rejected_at_start_up_is_one_line_without_the_token_even_at_debug_level(tmp_path, seed_index):
    async with FakeBotAPI(token="987654321:AnotherBotsTokenNotOursAtAll_xyzxyzxyz") as api:
        log = await finished(await start_bot(api, tmp_path, seed_index, LOG_LEVEL="DEBUG"))
    assert " DEBUG " in log and "Traceback" not in log
    assert log.strip().splitlines()[-1] == "error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather"
    assert TOKEN not in log and SECRET_HALF not in log


async def test_a_token_revoked_while_polling_stops_the_bot_with_one_line_and_exit_code_2(tmp_path, seed_index):
    async with FakeBotAPI() as api:
        process = await start_bot(api, tmp_path, seed_index, LOG_LEVEL="DEBUG")
        try:
            await api.wait_for("setMyCommands", timeout=60)
            await api.send_text(QUESTION, chat_id=5)
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 5, timeout=30)
            await api.revoke_token()
            log = await finished(process, timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
    assert ANSWER in answer.text
    assert process.returncode == 2
    rejected = [line for line in log.splitlines() if "rejected" in line]
    assert len(rejected) == 1 and "while polling" in rejected[0]
    assert "Traceback" not in log and TOKEN not in log and SECRET_HALF not in log
    assert "[REDACTED]" in log  # DEBUG logs the request URLs: there the token was


async def test_transient_start_up_errors_are_retried_and_the_bot_serves(tmp_path, seed_index):
    async with FakeBotAPI() as api:
        api.fail_next("getMe", 500, "Internal Server Error", times=2)
        api.fail_next("deleteWebhook", 429, "Too Many Requests: retry after 1", retry_after=1)
        process = await start_bot(api, tmp_path, seed_index)
        try:
            await api.wait_for("setMyCommands", timeout=60)
            await api.send_text(QUESTION, chat_id=6)
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 6, timeout=30)
            process.send_signal(signal.SIGTERM)
            log = await finished(process, timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
    assert ANSWER in answer.text and process.returncode == 0
    assert "Traceback" not in log
    assert "Bot API getMe failed" in log and "Bot API deleteWebhook failed" in log


@pytest.mark.parametrize(("method", "code", "description", "line"), [
    ("getMe", 500, "Internal Server Error",
     "error: the Bot API at {url} keeps failing: Internal Server Error (in getMe)"),
    ("deleteWebhook", 429, "Too Many Requests: retry after 3600",
     "error: Telegram still asks to wait 3600 s (flood control) (in deleteWebhook)"),
    ("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID",
     "error: Telegram refused the request: Bot_command_invalid (in setMyCommands)"),
])
async def test_a_start_up_call_that_keeps_failing_is_one_accurate_line_and_exit_code_1(tmp_path, seed_index, method,
                                                                                      code, description, line):
    async with FakeBotAPI() as api:
        api.fail_next(method, code, description, times=10, retry_after=3600 if code == 429 else None)
        process = await start_bot(api, tmp_path, seed_index)
        log = await finished(process)
    assert process.returncode == 1
    assert "Traceback" not in log
    assert log.strip().splitlines()[-1] == line.format(url=api.base_url)
