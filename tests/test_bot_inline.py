"""Inline mode (`@bot question` in any chat), share buttons and deep links, against the fake Bot API."""

from __future__ import annotations

import asyncio
import base64
import logging
import re

import pytest
from fakebotapi import BOT_USERNAME, TOKEN, Call, FakeBotAPI, running, telegram_html_text

from bot import deeplinks, inline, render, texts
from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import BotSettings
from retrieval import Passage, SearchResult

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"
SHORT_QUESTION = "ماذا قال ريابكوف؟"  # short enough for a deep link
OFF_TOPIC = "كيف أحضّر الكشري في البيت؟"
NOT_STATED = "قديش عمر ريابكوف؟"  # the articles discuss him but do not give his age
RYABKOV = "000_929b026e6166e937.txt"


@pytest.fixture
async def api():
    async with FakeBotAPI(inline_mode=True) as server:
        yield server


@pytest.fixture
def make_bot(api, seed_index, retriever, tmp_path):
    def make(**overrides):
        values = {"telegram_bot_token": TOKEN, "telegram_base_url": api.base_url, "index_dir": seed_index,
                  "allowed_chat_ids": "", "admin_user_ids": "", "questions_per_minute": 100,
                  "feedback_log": tmp_path / "feedback.jsonl", "webhook_url": None}
        return running(build_application(BotSettings(_env_file=None, **{**values, **overrides}), retriever))

    return make


async def inline_answer(api: FakeBotAPI, query: str, user_id: int = 1001, timeout: float = 20) -> Call:
    """Type `query` after @bot; the bot's answerInlineQuery to it."""
    update = await api.send_inline(query, user_id=user_id)
    query_id = update["inline_query"]["id"]
    return await api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == query_id, timeout=timeout)


def results(call: Call) -> list[dict]:
    return call.params.get("results") or []


async def ask(api: FakeBotAPI, text: str, chat_id: int) -> Call:
    after = api.mark()
    await api.send_text(text, chat_id=chat_id)
    return await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id, after=after)


def test_telegram_is_asked_for_inline_queries():
    assert "inline_query" in ALLOWED_UPDATES


# --- inline results --------------------------------------------------------------------------------------


async def test_a_finished_question_lists_the_best_quotes_titled_with_their_bold_sentence(api, make_bot, retriever):
    async with make_bot():
        answer = await inline_answer(api, f"  {QUESTION}")
    listed = results(answer)
    assert 1 <= len(listed) <= 50
    assert all(r["type"] == "article" and r["title"].strip() and len(r["id"].encode()) <= 64 for r in listed)
    first = listed[0]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    bold = re.search(r"<b>([^<]+)</b>", content["message_text"]).group(1)
    assert " ".join(bold.split()).startswith(first["title"].removesuffix("…"))
    assert ANSWER in first["title"] and ANSWER in telegram_html_text(content["message_text"])
    article = next(a for a in retriever.articles if a.source == RYABKOV)
    assert first["description"] == f"{article.title} — الأمصار — 24 ديسمبر 2025"
    assert f"📰 {article.title} — الأمصار — 24 ديسمبر 2025 ({RYABKOV})" in telegram_html_text(
        content["message_text"])
    assert not [c for c in api.calls if c.error]


async def test_a_chosen_result_carries_a_link_that_asks_the_bot_the_same_question(api, make_bot):
    async with make_bot():
        answer = await inline_answer(api, SHORT_QUESTION)
    [[button]] = results(answer)[0]["reply_markup"]["inline_keyboard"]
    link = re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)", button["url"])
    assert link and deeplinks.question_of(link.group(1)) == SHORT_QUESTION


async def test_results_the_articles_only_discuss_say_the_fact_is_not_stated(api, make_bot):
    async with make_bot():
        answer = await inline_answer(api, NOT_STATED)
    listed = results(answer)
    assert listed and all(r["description"].startswith("📌 لا تذكر المقالات") for r in listed)
    assert all(texts.RELATED.split("،")[0] in telegram_html_text(r["input_message_content"]["message_text"])
               for r in listed)


async def test_a_question_the_articles_do_not_cover_gets_one_result_saying_so(api, make_bot):
    async with make_bot():
        answer = await inline_answer(api, OFF_TOPIC)
    [only] = results(answer)
    assert only["title"] == texts.NOT_COVERED
    assert "<blockquote>" not in only["input_message_content"]["message_text"]


async def test_chatter_gets_one_result_with_an_example_question(api, make_bot, retriever):
    async with make_bot() as application:
        answer = await inline_answer(api, "شكراً جزيلاً؟")
    [only] = results(answer)
    example = render.example_question(retriever.articles)
    assert example in only["description"] and example in telegram_html_text(
        only["input_message_content"]["message_text"])
    assert application.bot_data["services"].stats.abstained == 0  # nothing was searched


@pytest.mark.parametrize("query", ["", " ", "ما", "؟؟"])
async def test_a_query_of_two_characters_or_less_shows_a_hint_not_a_search(api, make_bot, query):
    async with make_bot() as application:
        answer = await inline_answer(api, query)
    assert results(answer) == []
    assert answer.params["button"]["text"] == texts.INLINE_HINT
    assert answer.params["button"]["start_parameter"] == deeplinks.HELP
    assert application.bot_data["services"].stats.answered + application.bot_data["services"].stats.abstained == 0


async def test_while_typing_only_the_query_after_the_pause_is_answered(api, make_bot):
    async with make_bot() as application:
        typed = [await api.send_inline(QUESTION[:n], user_id=1002) for n in (12, 20, 30)]
        last = typed[-1]["inline_query"]["id"]
        await api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == last, timeout=20)
        await api.settle(application)
    answered = [c.params["inline_query_id"] for c in api.calls_to("answerInlineQuery")]
    assert answered == [last]


async def test_a_question_ending_with_a_question_mark_is_answered_without_waiting_for_a_pause(api, make_bot):
    async with make_bot() as application:
        finished = await api.send_inline(QUESTION, user_id=1005)
        await api.send_inline(QUESTION + " و", user_id=1005)  # typed on at once: it would supersede a waiting query
        await api.settle(application)
    answered = [c.params["inline_query_id"] for c in api.calls_to("answerInlineQuery")]
    assert finished["inline_query"]["id"] in answered


def test_a_query_looks_finished_when_it_ends_with_a_question_mark():
    assert inline.looks_finished("هل؟ ") and inline.looks_finished("why?") and not inline.looks_finished("هل")


async def test_the_same_question_spelled_differently_is_searched_once_and_cached(api, make_bot):
    async with make_bot() as application:
        first = await inline_answer(api, QUESTION, user_id=1003)
        second = await inline_answer(api, "  " + QUESTION.rstrip("؟") + " ?", user_id=1004)
    stats = application.bot_data["services"].stats
    assert stats.answered + stats.abstained == 1
    assert results(first) == results(second)
    assert first.params["cache_time"] == inline.CACHE_SECONDS and not first.params.get("is_personal")


async def test_inline_users_outside_the_allow_list_get_a_refusal_and_no_search(api, make_bot):
    async with make_bot(allowed_chat_ids="61,-100661") as application:
        refused = await inline_answer(api, QUESTION, user_id=62)
        allowed = await inline_answer(api, QUESTION, user_id=61)
    assert results(refused) == [] and refused.params["button"]["text"] == texts.INLINE_NOT_ALLOWED
    assert refused.params["is_personal"] is True
    assert results(allowed) and allowed.params["is_personal"] is True  # Telegram must not share them with user 62
    stats = application.bot_data["services"].stats
    assert stats.answered + stats.abstained == 1


async def test_inline_questions_count_against_the_per_user_limit(api, make_bot):
    async with make_bot(questions_per_minute=1):
        await inline_answer(api, QUESTION, user_id=71)
        limited = await inline_answer(api, OFF_TOPIC, user_id=71)
        other_user = await inline_answer(api, OFF_TOPIC, user_id=72)
    assert results(limited) == [] and limited.params["button"]["text"].startswith("تمهّل قليلاً")
    assert results(other_user)


# --- share buttons -----------------------------------------------------------------------------------------


async def test_an_answer_has_a_share_button_that_opens_inline_mode_with_the_question(api, make_bot):
    async with make_bot():
        after = api.mark()
        await api.send_text(QUESTION, chat_id=81)
        answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 81 and bool(c.buttons), after=after)
    [share] = [b for b in answer.buttons if b["text"] == texts.BUTTON_SHARE]
    assert share == {"text": texts.BUTTON_SHARE, "switch_inline_query": QUESTION}
    assert all(len(b["callback_data"].encode()) <= 64 for b in answer.buttons if "callback_data" in b)


async def test_a_followup_and_a_not_covered_answer_have_no_share_button(api, make_bot):
    async with make_bot():
        await ask(api, "ماذا قال ريابكوف عن الجولة الأخيرة من المباحثات مع واشنطن؟", chat_id=82)
        await asyncio.sleep(0.1)
        followup = await ask(api, "وبشو مشروطة؟", chat_id=82)
        off_topic = await ask(api, OFF_TOPIC, chat_id=83)
    assert followup.buttons and texts.BUTTON_SHARE not in [b["text"] for b in followup.buttons]
    assert not off_topic.buttons


async def test_without_inline_mode_there_is_no_share_button(seed_index, retriever, tmp_path):
    async with FakeBotAPI() as api:  # @BotFather's /setinline was never done
        settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, telegram_base_url=api.base_url,
                               index_dir=seed_index, feedback_log=tmp_path / "feedback.jsonl")
        async with running(build_application(settings, retriever)):
            after = api.mark()
            await api.send_text(QUESTION, chat_id=84)
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 84 and bool(c.buttons), after=after)
    assert texts.BUTTON_SHARE not in [b["text"] for b in answer.buttons]


# --- deep links ----------------------------------------------------------------------------------------------


async def test_a_deep_link_starts_a_private_chat_that_asks_its_question(api, make_bot):
    payload = deeplinks.payload_of("بم وصف ريابكوف الجولة؟")  # 55 characters: about the most a link holds
    assert payload is not None and len(payload) <= 64
    async with make_bot():
        answer = await ask(api, f"/start {payload}", chat_id=91)
    assert ANSWER in answer.text and api.calls_to("sendChatAction", 91)


@pytest.mark.parametrize("payload", [
    "!!!",  # outside base64url (a hand-typed link)
    base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),  # not UTF-8
    base64.urlsafe_b64encode("ما".encode()).decode() + "==",  # padded: not what the bot writes
    base64.urlsafe_b64encode("\u200f \u200b".encode()).decode().rstrip("="),  # nothing to ask
    base64.urlsafe_b64encode(QUESTION.encode()).decode().rstrip("="),  # over 64 characters
])
async def test_a_forged_or_oversized_deep_link_gets_a_polite_line_and_no_search(api, make_bot, payload):
    async with make_bot():
        reply = await ask(api, f"/start {payload}", chat_id=92)
    assert reply.text == texts.BAD_START_LINK
    assert not api.calls_to("sendChatAction", 92)


async def test_the_hint_buttons_start_parameter_opens_the_help(api, make_bot):
    async with make_bot():
        reply = await ask(api, f"/start {deeplinks.HELP}", chat_id=93)
    assert reply.text.startswith(texts.GREETING)


def test_payloads_round_trip_and_long_questions_have_none():
    assert deeplinks.question_of(deeplinks.payload_of(SHORT_QUESTION)) == SHORT_QUESTION
    assert deeplinks.payload_of(QUESTION) is None
    assert deeplinks.start_link("x_bot", "abc") == "https://t.me/x_bot?start=abc"


# --- rendering inline results (pure) ----------------------------------------------------------------------------


def passage(text: str, bold: tuple[int, int], **fields) -> Passage:
    values = {"id": 1, "text": text, "score": 1.0, "source": "a.txt", "title": "عنوان", "outlet": "منفذ",
              "date": "2025", "url": None, "start": 100, "end": 100 + len(text), "highlight_start": 100 + bold[0],
              "highlight_end": 100 + bold[1]}
    return Passage(**{**values, **fields})


def test_inline_results_escape_corpus_text_and_link_only_real_urls():
    tricky = passage("قال <b>المحافظ</b> إن 5 > 3 & أن الأسعار ترتفع.", bold=(0, 18), title="عنوان <i> & غيره",
                     outlet="<وكالة>", url="https://example.com/?a=1&b=2")
    plain = passage("نص بلا رابط.", bold=(0, 5), id=2, url=None)
    fake = passage("نص برابط غير صالح.", bold=(0, 5), id=3, url="javascript:alert(1)")
    items = render.inline_items(SearchResult("س", "answered", [tricky, plain, fake]))
    assert [i.id for i in items] == ["0", "1", "2"]
    assert items[0].title == "قال <b>المحافظ</b>" and items[0].description == "عنوان <i> & غيره — <وكالة> — 2025"
    shown = telegram_html_text(items[0].html)  # raises where Telegram could not parse it
    assert "5 > 3 & أن" in shown and "عنوان <i> & غيره — <وكالة> — 2025 (a.txt)" in shown
    assert '<a href="https://example.com/?a=1&amp;b=2">' in items[0].html
    assert "<a " not in items[1].html and "<a " not in items[2].html


def test_at_most_fifty_inline_results_each_fitting_one_message():
    sentence = "وأكد المسؤول أن المحادثات ستستمر & أن النتائج <المرجوة> لم تتحقق بعد، "
    many = [passage(sentence * 60, bold=(0, len(sentence)), id=i) for i in range(60)]
    items = render.inline_items(SearchResult("س", "answered", many))
    assert len(items) == 50
    assert all(len(telegram_html_text(i.html).encode("utf-16-le")) // 2 <= 4096 for i in items)


# --- attacks: what a careless user or an attacker sends ---------------------------------------------------------


def searches(application) -> int:
    stats = application.bot_data["services"].stats
    return stats.answered + stats.abstained


async def test_a_finished_question_makes_the_unfinished_query_before_it_moot(api, make_bot):
    async with make_bot() as application:
        await api.send_inline("ماذا قال ريابكوف عن الجولة", user_id=1101)  # the pause has not passed yet
        finished = await api.send_inline("ماذا قال ريابكوف عن الجولة الأخيرة؟", user_id=1101)
        await asyncio.sleep(inline.PAUSE_SECONDS + 0.3)
        await api.settle(application)
    answered = [c.params["inline_query_id"] for c in api.calls_to("answerInlineQuery")]
    assert answered == [finished["inline_query"]["id"]]
    assert searches(application) == 1


async def test_a_burst_of_finished_keystrokes_searches_at_most_twice_and_answers_the_last(api, make_bot):
    words = QUESTION.rstrip("؟").split()
    typed = [" ".join(words[:n]) + "؟" for n in range(4, len(words) + 1)]  # editing a question that ends with ؟
    async with make_bot(questions_per_minute=3) as application:
        sent = [await api.send_inline(query, user_id=1102) for query in typed]
        last = sent[-1]["inline_query"]["id"]
        answer = await api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == last, timeout=30)
        await api.settle(application)
    assert len(typed) > 3 and results(answer)  # more keystrokes than the limit, yet the last one is not refused
    assert searches(application) <= 2
    assert not [c for c in api.calls if c.error]


async def test_erasing_a_query_down_to_a_hint_makes_the_pending_search_moot(api, make_bot):
    async with make_bot() as application:
        await api.send_inline("ماذا قال ريابكوف عن الجولة", user_id=1103)
        hint = await api.send_inline("ما", user_id=1103)
        await asyncio.sleep(inline.PAUSE_SECONDS + 0.3)
        await api.settle(application)
    assert [c.params["inline_query_id"] for c in api.calls_to("answerInlineQuery")] == [hint["inline_query"]["id"]]
    assert searches(application) == 0


def start_parameter(result: dict) -> str:
    [[button]] = result["reply_markup"]["inline_keyboard"]
    return re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=(.*)", button["url"]).group(1)


@pytest.mark.parametrize("query", [
    (QUESTION + " ") * 4,  # over Telegram's 256 characters (a client other than Telegram's could send it)
    ((QUESTION + " ") * 4)[:255] + "؟",  # exactly 256
    "ريابكوف " * 200 + "؟",  # over the longest question the bot searches
    "\x00\x07ماذا قال\x1b[31m ريابكوف\u0085؟",  # control characters
    "\u202eماذا \u2066قال\u2069 ريابكوف\u200f؟\u202c",  # bidi overrides and isolates
    '<b>ماذا</b> قال "ريابكوف" & <a href="javascript:x">هنا</a> &amp; &#0; ؟',  # markup
])
async def test_oversized_or_tricky_inline_queries_get_an_answer_telegram_accepts(api, make_bot, query):
    async with make_bot():
        answer = await inline_answer(api, query)
    assert not answer.error and not [c for c in api.calls if c.error]
    listed = results(answer)
    assert listed
    for result in listed:
        parameter = start_parameter(result)
        assert parameter == deeplinks.HELP or deeplinks.questions.clean(deeplinks.question_of(parameter))
        assert "<a href=\"javascript" not in result["input_message_content"]["message_text"]


async def test_many_users_typing_at_once_each_get_one_answer_to_their_last_query(api, make_bot):
    users = range(1200, 1216)
    async with make_bot(questions_per_minute=2) as application:
        sent = await asyncio.gather(*(api.send_inline(SHORT_QUESTION.rstrip("؟")[:n], user_id=user)
                                      for user in users for n in (6, 10)))
        await asyncio.sleep(inline.PAUSE_SECONDS + 0.3)
        await api.settle(application)
    last_of = {update["inline_query"]["from"]["id"]: update["inline_query"]["id"] for update in sent}
    answered = [c.params["inline_query_id"] for c in api.calls_to("answerInlineQuery")]
    assert sorted(answered) == sorted(last_of.values())
    assert all(results(c) for c in api.calls_to("answerInlineQuery"))
    assert searches(application) == 1  # the same question: searched once for all


@pytest.mark.parametrize("question", ['ماذا قال "ريابكوف"؟', "ريابكوف <و> & واشنطن؟",
                                      "\u200fماذا قال ريابكوف؟\u200f", "'ريابكوف' قال؟ ‹›"])
async def test_a_deep_link_to_markup_or_quotes_is_answered_as_plain_text(api, make_bot, question):
    payload = deeplinks.payload_of(question)
    assert payload is not None
    async with make_bot():
        answer = await ask(api, f"/start {payload}", chat_id=94)
    assert answer.text != texts.BAD_START_LINK and not [c for c in api.calls if c.error]
    assert api.calls_to("sendChatAction", 94)  # searched


async def test_a_deep_link_to_chatter_gets_the_chatter_reply_and_no_search(api, make_bot):
    async with make_bot() as application:
        reply = await ask(api, f"/start {deeplinks.payload_of('شكراً جزيلاً')}", chat_id=95)
    assert reply.text != texts.BAD_START_LINK and searches(application) == 0


@pytest.mark.parametrize("payload", [
    "A" * 65,  # one character over Telegram's limit
    deeplinks.payload_of("ما") + "=",  # a padding character
    "help=",
    base64.urlsafe_b64encode(b"\xed\xa0\x80").decode(),  # a lone surrogate: not UTF-8
    base64.urlsafe_b64encode(b"\xc0\xaf").decode(),  # overlong UTF-8
    deeplinks.payload_of("ماذا قال ريابكوف؟")[:-1],  # cut by one character
    "\u0660\u0661\u0662",  # Arabic-Indic digits: alphanumeric, not base64
])
async def test_more_forged_deep_links_get_the_polite_line(api, make_bot, payload):
    async with make_bot():
        reply = await ask(api, f"/start {payload}", chat_id=96)
    assert reply.text == texts.BAD_START_LINK and not api.calls_to("sendChatAction", 96)


@pytest.mark.parametrize("question", ['ماذا قال "ريابكوف" عن <الجولة> & المباحثات؟',
                                      "\u200fماذا قال ريابكوف عن الجولة؟\u202e"])
async def test_a_share_button_carries_a_tricky_question_as_typed_without_invisible_marks(api, make_bot, question):
    async with make_bot():
        after = api.mark()
        await api.send_text(question, chat_id=97)
        answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 97 and bool(c.buttons), after=after)
        [share] = [b for b in answer.buttons if b["text"] == texts.BUTTON_SHARE]
        shared = await inline_answer(api, share["switch_inline_query"], user_id=97)
    assert share["switch_inline_query"] == deeplinks.questions.clean(question)
    assert results(shared) and not [c for c in api.calls if c.error]


async def test_a_question_over_256_characters_has_no_share_button_and_one_of_256_has(api, make_bot):
    long = ((QUESTION + " ") * 4)[:255] + "؟"
    async with make_bot():
        after = api.mark()
        await api.send_text(long, chat_id=98)
        fits = await api.wait_for("sendMessage", lambda c: c.chat_id == 98 and bool(c.buttons), after=after)
        after = api.mark()
        await api.send_text("و" + long, chat_id=99)
        over = await api.wait_for("sendMessage", lambda c: c.chat_id == 99 and bool(c.buttons), after=after)
    assert len(long) == 256 and texts.BUTTON_SHARE in [b["text"] for b in fits.buttons]
    assert texts.BUTTON_SHARE not in [b["text"] for b in over.buttons]


async def test_an_inline_query_that_expired_before_its_answer_logs_no_error(api, make_bot, caplog):
    api.fail_next("answerInlineQuery", 400,
                  "Bad Request: query is too old and response timeout expired or query ID is invalid")
    with caplog.at_level(logging.INFO, logger="bot"):
        async with make_bot():
            expired = (await api.send_inline(QUESTION))["inline_query"]["id"]
            while not [c for c in api.calls_to("answerInlineQuery") if c.params["inline_query_id"] == expired]:
                await asyncio.sleep(0.05)
            answered = await inline_answer(api, SHORT_QUESTION)
    assert results(answered)  # the bot goes on answering
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("expired" in r.getMessage() for r in caplog.records)
