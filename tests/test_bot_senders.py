"""Senders Telegram shares between chats (anonymous admins, channels) and votes that cannot be written."""

from __future__ import annotations

import json
import logging

from fakebotapi import TOKEN, FakeBotAPI, running

from bot import texts
from bot.app import build_application
from bot.settings import BotSettings

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"
ANONYMOUS_ADMIN, CHANNEL_BOT = 1087968824, 136817688


async def test_an_anonymous_admin_at_the_limit_in_one_group_is_still_answered_in_another(seed_index, retriever,
                                                                                          tmp_path):
    async with FakeBotAPI() as api:
        settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, telegram_base_url=api.base_url,
                               index_dir=seed_index, feedback_log=tmp_path / "feedback.jsonl", questions_per_minute=1)
        async with running(build_application(settings, retriever)) as application:
            for sender in (ANONYMOUS_ADMIN, CHANNEL_BOT):
                group_x, group_y = -1001000 - sender % 1000, -1002000 - sender % 1000
                for _ in range(2):
                    await api.send_text(f"/ask {QUESTION}", chat_id=group_x, user_id=sender, chat_type="supergroup")
                    await api.settle(application)
                notices = [c for c in api.calls_to("sendMessage", group_x) if "دقيقة" in c.text and ANSWER not in c.text]
                await api.send_text(f"/ask {QUESTION}", chat_id=group_y, user_id=sender, chat_type="supergroup")
                answer = await api.wait_for("sendMessage", lambda c, g=group_y: c.chat_id == g)
                assert len(notices) == 1 and ANSWER in answer.text


async def test_a_vote_that_cannot_be_written_is_not_remembered_and_the_retry_records_it(seed_index, retriever,
                                                                                         tmp_path, caplog):
    log = tmp_path / "feedback.jsonl"
    async with FakeBotAPI() as api:
        settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, telegram_base_url=api.base_url,
                               index_dir=seed_index, feedback_log=log)
        async with running(build_application(settings, retriever)) as application:
            await api.send_text(QUESTION, chat_id=61)
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 61 and bool(c.buttons))
            log.mkdir()  # the log cannot be opened for writing now (a full disk fails the same way)
            await api.press(answer, texts.BUTTON_UP)
            await api.settle(application)
            log.rmdir()
            await api.press(answer, texts.BUTTON_UP)
            await api.settle(application)
    replies = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert replies == [texts.VOTE_NOT_RECORDED, texts.THANKS_FOR_VOTE]
    assert [json.loads(line)["vote"] for line in log.read_text(encoding="utf-8").splitlines()] == ["up"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
