"""Follow-up questions in chats: a reply to an answer, or the next message, is read with the earlier question."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fakebotapi import TOKEN, Call, FakeBotAPI, running

from bot import texts
from bot.app import build_application
from bot.console import ConsoleChat
from bot.conversations import Conversations
from bot.render import shorten
from bot.settings import BotSettings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EARLIER = "ماذا قال ريابكوف عن الجولة الأخيرة من المباحثات مع واشنطن؟"
FOLLOWUP = "وبشو مشروطة؟"
ANSWER = "جدول أعمال واضح"  # stated where the article says when the next round may be held
FOLLOWUP_LINE = texts.FOLLOWUP_OF.format(question=EARLIER).split("«")[0]
GROUP = -100777


@pytest.fixture
async def api():
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
def make_bot(api, seed_index, retriever, tmp_path):
    def make(**overrides):
        values = dict(
            telegram_bot_token=TOKEN, telegram_base_url=api.base_url, index_dir=seed_index, corpus_dir=SEEDS,
            allowed_chat_ids="", admin_user_ids="", results_per_answer=3, questions_per_minute=100,
            feedback_log=tmp_path / "feedback.jsonl", webhook_url=None,
        )
        return running(build_application(BotSettings(_env_file=None, **{**values, **overrides}), retriever))

    return make


async def ask(api: FakeBotAPI, text: str, chat_id: int, **kwargs) -> Call:
    """Send `text`; the bot's reply in that chat (its last part: the one under which the buttons are)."""
    after = api.mark()
    await api.send_text(text, chat_id=chat_id, **kwargs)
    first = await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id, after=after)
    await asyncio.sleep(0.05)  # any further parts of the same answer
    return [c for c in api.calls_to("sendMessage", chat_id) if c.seq >= first.seq][-1]


async def test_a_reply_to_an_answer_is_read_with_the_question_it_answered(api, make_bot):
    async with make_bot(followup_minutes=0):  # only the reply says what it follows
        earlier = await ask(api, EARLIER, chat_id=51)
        assert earlier.buttons
        answer = await ask(api, FOLLOWUP, chat_id=51, reply_to=earlier.result)
    assert answer.text.startswith(FOLLOWUP_LINE) and shorten(EARLIER) in answer.text.splitlines()[0]
    assert ANSWER in answer.text and "<blockquote>" in answer.params["text"]


async def test_the_next_message_that_looks_like_a_followup_is_read_with_the_last_question(api, make_bot):
    async with make_bot():
        await ask(api, EARLIER, chat_id=52)
        answer = await ask(api, FOLLOWUP, chat_id=52)
    assert answer.text.startswith(FOLLOWUP_LINE) and ANSWER in answer.text


async def test_a_followup_alone_is_searched_alone_and_not_answered(api, make_bot):
    async with make_bot():
        answer = await ask(api, FOLLOWUP, chat_id=53)
    assert FOLLOWUP_LINE not in answer.text and ANSWER not in answer.text


async def test_a_self_contained_next_question_starts_a_new_topic(api, make_bot):
    async with make_bot():
        await ask(api, EARLIER, chat_id=54)
        answer = await ask(api, "كم ساعة استمرت المحادثات في إسطنبول؟", chat_id=54)
    assert FOLLOWUP_LINE not in answer.text and "لأكثر من ست ساعات" in answer.text


async def test_a_followup_after_followup_minutes_is_read_alone(api, make_bot):
    async with make_bot(followup_minutes=0.002):  # 0.12 s
        await ask(api, EARLIER, chat_id=55)
        await asyncio.sleep(0.3)
        answer = await ask(api, FOLLOWUP, chat_id=55)
    assert FOLLOWUP_LINE not in answer.text and ANSWER not in answer.text


async def test_new_forgets_the_earlier_question(api, make_bot):
    async with make_bot():
        await ask(api, EARLIER, chat_id=56)
        done = await ask(api, "/new", chat_id=56)
        answer = await ask(api, FOLLOWUP, chat_id=56)
    assert done.text == texts.NEW_TOPIC
    assert FOLLOWUP_LINE not in answer.text and ANSWER not in answer.text


async def test_the_earlier_question_of_one_user_is_not_another_users_context(api, make_bot):
    async with make_bot():
        await ask(api, EARLIER, chat_id=57)
        answer = await ask(api, FOLLOWUP, chat_id=58)
    assert FOLLOWUP_LINE not in answer.text


async def test_a_reply_to_an_answer_in_a_group_is_read_with_its_question(api, make_bot):
    async with make_bot():
        earlier = await ask(api, f"/ask {EARLIER}", chat_id=GROUP, user_id=61, chat_type="supergroup")
        answer = await ask(api, FOLLOWUP, chat_id=GROUP, user_id=62, chat_type="supergroup", reply_to=earlier.result)
    assert answer.text.startswith(FOLLOWUP_LINE) and ANSWER in answer.text


async def test_a_self_contained_reply_to_an_answer_starts_a_new_topic(api, make_bot):
    async with make_bot():
        earlier = await ask(api, f"/ask {EARLIER}", chat_id=GROUP, user_id=64, chat_type="supergroup")
        answer = await ask(api, "كم ساعة استمرت المحادثات في إسطنبول؟", chat_id=GROUP, user_id=64,
                           chat_type="supergroup", reply_to=earlier.result)
    assert FOLLOWUP_LINE not in answer.text and "لأكثر من ست ساعات" in answer.text


async def test_a_group_followup_that_does_not_reply_is_read_alone(api, make_bot):
    async with make_bot():
        await ask(api, f"/ask {EARLIER}", chat_id=GROUP, user_id=63, chat_type="supergroup")
        answer = await ask(api, f"/ask {FOLLOWUP}", chat_id=GROUP, user_id=63, chat_type="supergroup")
    assert FOLLOWUP_LINE not in answer.text


async def test_the_followup_line_escapes_the_earlier_question(api, make_bot):
    async with make_bot():
        await ask(api, "ماذا قال <b>ريابكوف</b> عن الجولة الأخيرة & المباحثات؟", chat_id=59)
        answer = await ask(api, FOLLOWUP, chat_id=59)
    assert "&lt;b&gt;ريابكوف&lt;/b&gt;" in answer.params["text"].splitlines()[0]


def test_conversations_expire_stay_per_chat_and_user_and_are_bounded():
    now = [0.0]
    memory = Conversations(followup_minutes=10, capacity=2, clock=lambda: now[0])
    memory.asked(1, 1, "a")
    memory.asked(1, 1, "b", ("a",))
    assert memory.recent(1, 1) == ("a", "b") and memory.recent(1, 2) == () and memory.recent(2, 1) == ()
    memory.asked(1, 1, "c")
    assert memory.recent(1, 1) == ("c",)  # asked alone: a new thread
    now[0] = 601
    assert memory.recent(1, 1) == ()
    memory.asked(2, 2, "x")
    memory.asked(3, 3, "y")
    assert memory.recent(2, 2) == ("x",) and memory.recent(1, 1) == ()  # the oldest conversation was dropped
    memory.asked(4, 4, "d", ("a", "b", "c"))
    assert memory.recent(4, 4) == ("b", "c", "d")


def test_shorten_cuts_long_questions_at_a_word():
    long = "ماذا قال نائب وزير الخارجية الروسي سيرغي ريابكوف عن الجولة الأخيرة من المباحثات مع الولايات المتحدة؟"
    short = shorten(long)
    assert short.endswith("…") and len(short) <= 61 and long.startswith(short[:-1])
    assert shorten(" قصير  جداً ") == "قصير جداً"


def test_the_console_reads_a_followup_with_the_last_question_until_new(retriever):
    chat = ConsoleChat(retriever, per_page=3)
    chat.reply(EARLIER)
    followup = chat.reply(FOLLOWUP)
    assert followup.startswith(FOLLOWUP_LINE) and ANSWER in followup
    assert chat.reply("/new") == texts.NEW_TOPIC
    assert not chat.reply(FOLLOWUP).startswith(FOLLOWUP_LINE)


async def test_an_off_topic_next_question_is_not_taken_for_a_followup(api, make_bot):
    async with make_bot():
        await ask(api, "وين انعقدت محادثات اسطنبول؟", chat_id=56)
        answer = await ask(api, "كيف اطبخ كبسة؟", chat_id=56)
    assert FOLLOWUP_LINE not in answer.text and texts.NOT_COVERED in answer.text
