"""Webhook mode under attack and misconfiguration: no secret, an address that cannot be served, malformed or
oversized posts."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys

import aiohttp
import pytest
from fakebotapi import TOKEN, FakeBotAPI, running
from helpers import environment

from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import BotSettings

SECRET = "s3cret-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_bot(api: FakeBotAPI, tmp_path, **values: str) -> tuple[int, str]:
    """`python -m bot` in Telegram mode against `api` with `values`: its exit code and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=environment(**{"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": api.base_url,
                           "INDEX_DIR": str(tmp_path / "no-index"), "CORPUS_DIR": str(tmp_path / "no-corpus"),
                           "FEEDBACK_LOG": str(tmp_path / "feedback.jsonl"), **values}))
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode, stderr.decode()


async def test_webhook_mode_without_a_secret_refuses_to_start_in_one_line(tmp_path):
    async with FakeBotAPI() as api:
        code, log = await start_bot(api, tmp_path, WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/hook",
                                    WEBHOOK_LISTEN="127.0.0.1")
    assert code == 2
    [line] = log.splitlines()
    assert line.startswith("error: WEBHOOK_URL is set but WEBHOOK_SECRET is not")
    assert not api.calls


@pytest.mark.parametrize("listen", ["no-such-host.invalid", "203.0.113.7"])
async def test_a_webhook_address_that_cannot_be_served_is_one_line_before_telegram_is_told(tmp_path, listen):
    async with FakeBotAPI() as api:
        code, log = await start_bot(api, tmp_path, WEBHOOK_URL="https://bot.example.com/hook", WEBHOOK_LISTEN=listen,
                                    WEBHOOK_SECRET=SECRET)
    assert code == 2, log
    [line] = log.splitlines()
    assert line.startswith("error:") and ("WEBHOOK_LISTEN" in line or listen in line)
    assert not api.calls_to("setWebhook")


async def test_a_webhook_port_in_use_is_one_line_before_telegram_is_told(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeBotAPI() as api:
            code, log = await start_bot(api, tmp_path, WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                                        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), WEBHOOK_SECRET=SECRET)
    assert code == 2, log
    assert log.splitlines() == [f"error: the webhook server cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert not api.calls_to("setWebhook")


@pytest.fixture
async def webhook(tmp_path, retriever):
    """The real Application serving a webhook on 127.0.0.1 with SECRET: its URL."""
    async with FakeBotAPI() as api:
        port = free_port()
        settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, telegram_base_url=api.base_url,
                               index_dir=tmp_path, feedback_log=tmp_path / "feedback.jsonl",
                               webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_listen="127.0.0.1",
                               webhook_port=port, webhook_secret=SECRET)
        async with running(build_application(settings, retriever),
                           webhook={**settings.webhook_options(), "allowed_updates": ALLOWED_UPDATES}):
            yield settings.webhook_url


async def post(url: str, body: bytes) -> int:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.post(url, data=body, headers=headers) as response:
                return response.status
        except aiohttp.ClientError:
            return 0  # the server closed the connection


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"update_id": "x", "message": 5}', b"\xff\xfe"])
async def test_a_malformed_update_gets_400_and_one_log_line_with_its_size(webhook, caplog, body):
    caplog.set_level(logging.DEBUG)
    assert await post(webhook, body) == 400
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.getMessage() == f"refused a malformed update of {len(body)} bytes from the webhook " \
                                  f"({record.getMessage().rsplit('(', 1)[1]}"
    assert record.exc_info is None


async def test_an_oversized_post_is_cut_off_and_never_logged_whole(webhook, caplog):
    caplog.set_level(logging.DEBUG)
    body = b'{"update_id": 1, "message": "' + b"A" * (10 * 1024 * 1024) + b'"}'
    assert await post(webhook, body) in (0, 400, 413)
    assert all(len(r.getMessage()) < 1000 and not r.exc_info for r in caplog.records)


# --- start-up failures in Telegram mode: one line, not a traceback ------------------------------------------


async def test_an_unknown_embedder_stops_the_telegram_bot_with_one_line(tmp_path):
    async with FakeBotAPI() as api:
        code, log = await start_bot(api, tmp_path, EMBEDDER="bogus")
    assert code == 1 and "Traceback" not in log
    assert log.splitlines()[-1].startswith("error: unknown embedder 'bogus'")


async def test_an_index_that_cannot_be_read_stops_the_telegram_bot_with_one_line(tmp_path):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    async with FakeBotAPI() as api:
        code, log = await start_bot(api, tmp_path, INDEX_DIR=str(tmp_path / "a-file" / "index"))
    assert code == 1 and "Traceback" not in log, log
    assert log.splitlines()[-1].startswith("error: ") and "a-file" in log.splitlines()[-1]


@pytest.mark.skipif(sys.platform != "linux" or not hasattr(__import__("os"), "geteuid")
                    or __import__("os").geteuid() == 0, reason="root reads any file")
async def test_an_unreadable_index_stops_the_telegram_bot_with_one_line(tmp_path, seed_index):
    import shutil

    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    (index / "manifest.json").chmod(0)
    async with FakeBotAPI() as api:
        code, log = await start_bot(api, tmp_path, INDEX_DIR=str(index))
    assert code == 1 and "Traceback" not in log, log
    assert log.splitlines()[-1].startswith("error: ") and "Permission denied" in log.splitlines()[-1]
