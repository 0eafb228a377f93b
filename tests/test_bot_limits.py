"""What one user may cost the bot: button presses are rate-limited, and searches are shared fairly between users."""

from __future__ import annotations

import asyncio
import threading

from helpers import SEEDS

from bot import texts
from bot.fairqueue import FairQueue
from bot.services import BUTTON_MESSAGES

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"


async def test_a_hundred_presses_in_a_few_seconds_send_a_few_messages_not_a_hundred(api, seed_bot):
    await api.send_text(QUESTION, chat_id=201)
    answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 201 and bool(c.buttons))
    after = api.mark()
    for i in range(100):
        await api.press(answer, texts.BUTTON_MORE if i % 2 else texts.BUTTON_CONTEXT.format(number=1))
    await api.settle(seed_bot)
    sent = [c for c in api.calls_to("sendMessage", 201) if c.seq > after]
    notices = [c for c in api.calls_to("answerCallbackQuery") if c.seq > after]
    assert 1 <= len(sent) <= BUTTON_MESSAGES
    assert len(notices) == 100
    assert sum(str(c.params.get("text", "")).startswith("تمهّل قليلاً") for c in notices) == 100 - len(sent)


async def test_votes_are_not_limited_by_the_message_buttons(api, seed_bot):
    await api.send_text(QUESTION, chat_id=202)
    answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 202 and bool(c.buttons))
    for _ in range(BUTTON_MESSAGES + 1):
        await api.press(answer, texts.BUTTON_MORE)
    await api.settle(seed_bot)
    after = api.mark()
    await api.press(answer, texts.BUTTON_UP)
    thanks = await api.wait_for("answerCallbackQuery", after=after)
    assert thanks.params["text"] == texts.THANKS_FOR_VOTE


def long_question(words: int = 150) -> str:
    """A question of ~1,000 characters, as a pasted paragraph makes (under the 1,000-character limit)."""
    article = " ".join((SEEDS / "000_929b026e6166e937.txt").read_text(encoding="utf-8").split()[200:])
    question = ""
    for word in article.split():
        if len(question) + len(word) + 2 > 990:
            break
        question += word + " "
    return question + "؟"


async def test_a_short_question_does_not_wait_behind_the_long_questions_of_others(api, seed_bot):
    long = long_question()
    assert 950 < len(long) <= 1000
    for user in range(8):
        await api.send_text(long, chat_id=300 + user)
    await api.send_text(QUESTION, chat_id=399)
    short = await api.wait_for("sendMessage", lambda c: c.chat_id == 399, timeout=120)
    answered_before = {c.chat_id for c in api.calls_to("sendMessage") if c.seq < short.seq and 300 <= c.chat_id < 308}
    assert ANSWER in short.text
    assert len(answered_before) <= 3  # first come first served would answer at least 6 of them first
    await api.settle(seed_bot)


# --- the queue itself ----------------------------------------------------------------------------------------


async def run_in_turn(queue: FairQueue, calls: list[tuple[int, float]]) -> list[int]:
    """The order in which `calls` (user, cost), queued while every worker is busy, get to run."""
    order: list[int] = []
    busy = threading.Event()
    blockers = [asyncio.create_task(queue.run(-1, 1, busy.wait)) for _ in range(queue.workers)]
    await asyncio.sleep(0.05)
    tasks = []
    for user, cost in calls:
        tasks.append(asyncio.create_task(queue.run(user, cost, order.append, user)))
        await asyncio.sleep(0)
    busy.set()
    await asyncio.gather(*blockers, *tasks)
    return order


async def test_a_short_call_overtakes_long_ones_of_other_users():
    order = await run_in_turn(FairQueue(1), [(1, 1000), (2, 1000), (3, 1000), (4, 1000), (9, 50)])
    assert order[0] == 9


async def test_a_user_with_many_calls_takes_turns_with_the_others():
    order = await run_in_turn(FairQueue(1), [(1, 100), (1, 100), (1, 100), (1, 100), (2, 100), (3, 100)])
    assert order.index(2) <= 1 and order.index(3) <= 2 and order[-1] == 1


async def test_a_cancelled_call_gives_its_turn_away():
    queue = FairQueue(1)
    busy = threading.Event()
    blocker = asyncio.create_task(queue.run(1, 1, busy.wait))
    await asyncio.sleep(0.05)
    cancelled = asyncio.create_task(queue.run(2, 1, lambda: None))
    later = asyncio.create_task(queue.run(3, 1, lambda: "ran"))
    await asyncio.sleep(0)
    cancelled.cancel()
    busy.set()
    assert await asyncio.wait_for(later, 5) == "ran"
    await blocker
