"""The feedback log: checked at start-up, one whole line per vote, voters hashed, size capped."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from fakebotapi import TOKEN, FakeBotAPI, running
from helpers import ROOT, run_bot

from bot import texts
from bot.app import build_application
from bot.feedback import FeedbackLog
from bot.settings import BotSettings

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"


@pytest.mark.parametrize("where", ["parent is a file", "a directory"])
def test_an_unwritable_feedback_log_is_one_line_at_start_up_and_exit_code_2(tmp_path, seed_index, where):
    (tmp_path / "plain-file").write_text("x")
    (tmp_path / "a-dir").mkdir()
    path = tmp_path / ("plain-file/feedback.jsonl" if where == "parent is a file" else "a-dir")
    done = run_bot(cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",
                   INDEX_DIR=str(seed_index), FEEDBACK_LOG=str(path))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: FEEDBACK_LOG {path} cannot be written: ")


async def test_the_voter_is_a_salted_hash_of_the_user_not_the_user_id(seed_index, retriever, tmp_path):
    log = tmp_path / "feedback.jsonl"
    async with FakeBotAPI() as api:
        settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, telegram_base_url=api.base_url,
                               index_dir=seed_index, feedback_log=log)
        async with running(build_application(settings, retriever)) as application:
            await api.send_text(f"/ask {QUESTION}", chat_id=-100777, user_id=777123, chat_type="supergroup")
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == -100777 and bool(c.buttons))
            for user in (777123, 777456):
                await api.press(answer, texts.BUTTON_UP, user_id=user)
            await api.press(answer, texts.BUTTON_DOWN, user_id=777123)
            await api.settle(application)
    text = log.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["vote"] for r in records] == ["up", "up"]  # the second vote of 777123 on the page is refused
    assert len({r["voter"] for r in records}) == 2 and all(len(r["voter"]) == 16 for r in records)
    assert "777123" not in text and "777456" not in text
    assert FeedbackLog(log, b"another key").voter(777123) != records[0]["voter"]  # the hash depends on the key


def test_a_failed_append_leaves_no_partial_line_and_the_next_vote_is_whole(tmp_path):
    # The file-size limit makes the kernel refuse the rest of the line, as a full disk would.
    log = tmp_path / "feedback.jsonl"
    script = textwrap.dedent(f"""
        import os, resource, signal
        from bot.feedback import FeedbackLog
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        votes = FeedbackLog({str(log)!r}, b"key")
        votes.record(1, 2, "سؤال أول", [1, 2, 3], "up")
        size = os.path.getsize({str(log)!r})
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 40, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        try:
            votes.record(1, 2, "سؤال ثانٍ أطول من المساحة الباقية " * 3, [4, 5, 6], "down")
        except OSError as e:
            print("refused:", e)
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        votes.record(1, 2, "سؤال ثالث", [7], "up")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused:")
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in records] == ["سؤال أول", "سؤال ثالث"]


def test_the_log_is_capped_by_moving_the_full_one_aside(tmp_path):
    log = tmp_path / "feedback.jsonl"
    votes = FeedbackLog(log, b"key", max_bytes=2000)
    for i in range(40):
        votes.record(1, i, f"سؤال رقم {i}", [i], "up")
    older = tmp_path / "feedback.jsonl.1"
    assert log.stat().st_size <= 2000 and older.stat().st_size <= 2000
    questions = [json.loads(line)["question"] for path in (older, log) for line in path.read_text().splitlines()]
    assert questions[-1] == "سؤال رقم 39" and questions == sorted(questions, key=lambda q: int(q.split()[-1]))
