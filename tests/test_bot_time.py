"""Time in the bot's answers: every quote's date, relative days resolved beside the quote, windows with no article,
latest and timeline answers, /latest, and the TODAY clock; the real Application against the fake Bot API."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fakebotapi import TOKEN, Call, FakeBotAPI, running, telegram_html_text

from bot import render, texts
from bot.app import build_application
from bot.console import ConsoleChat
from bot.settings import BotSettings
from retrieval import ArticleEntry

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
AFTER_THE_SEEDS = "2026-01-10"  # a Saturday, two weeks after the newest seed (24 December 2025)
THIS_WEEK = "شو صار بالمحادثات هالأسبوع؟"
LATEST = "ما آخر أخبار المحادثات الروسية الأمريكية؟"
TIMELINE = "تسلسل الأحداث في المحادثات الروسية الأمريكية"
ISTANBUL = "في أي مدينة التقى الدبلوماسيون الروس والأمريكيون لبحث عمل السفارات؟"  # 004: "يوم الخميس"
UNDATED_ANSWER = "كم تسيطر روسيا من مساحة أوكرانيا؟"  # 003, which states no date
UNDATED = ("001_2b82be6227b46172.txt", "003_347a1e20d77f6830.txt")


@pytest.fixture
def make_bot(api, seed_index, retriever, tmp_path):
    def make(**overrides):
        values = dict(
            telegram_bot_token=TOKEN, telegram_base_url=api.base_url, index_dir=seed_index, corpus_dir=SEEDS,
            allowed_chat_ids="", admin_user_ids="", results_per_answer=3, questions_per_minute=100,
            feedback_log=tmp_path / "feedback.jsonl", webhook_url=None, today=AFTER_THE_SEEDS,
        )
        return running(build_application(BotSettings(_env_file=None, **{**values, **overrides}), retriever))

    return make


async def ask(api: FakeBotAPI, text: str, chat_id: int) -> Call:
    """Send `text`; the first message of the bot's reply."""
    after = api.mark()
    await api.send_text(text, chat_id=chat_id)
    return await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id, after=after)


def quotes(call: Call) -> list[str]:
    return [telegram_html_text(q) for q in re.findall(r"<blockquote>.*?</blockquote>", call.params["text"], re.S)]


async def test_a_quote_of_an_article_without_a_date_says_so_in_its_source_line(api, make_bot):
    async with make_bot():
        answer = await ask(api, UNDATED_ANSWER, chat_id=61)
    assert f"— {texts.UNDATED} ({UNDATED[1]})" in answer.text


async def test_the_day_a_quote_calls_thursday_is_shown_beside_it_and_the_quote_keeps_its_words(api, make_bot, retriever):
    async with make_bot():
        answer = await ask(api, ISTANBUL, chat_id=62)
    first, *_ = answer.text.split("📰 1.")
    assert first.rstrip().endswith("📅 الخميس = 27 فبراير 2025")
    article = (SEEDS / "004_e234d2361282aa33.txt").read_text(encoding="utf-8")
    assert "يوم الخميس" in quotes(answer)[0] and all(line in article for line in quotes(answer)[0].splitlines())


async def test_a_week_without_news_is_named_with_the_newest_date_then_quoted_as_related(api, make_bot):
    async with make_bot():
        answer = await ask(api, THIS_WEEK, chat_id=63)
    lines = answer.text.splitlines()
    assert lines[0] == "🗓 لا توجد عندي أخبار من هذا الأسبوع؛ أحدث ما لدي بتاريخ 24 ديسمبر 2025."
    assert texts.RELATED_NEAREST in answer.text and quotes(answer)


async def test_a_year_between_the_articles_names_the_dates_before_and_after_it(api, make_bot):
    async with make_bot():
        answer = await ask(api, "ماذا حدث في 2023؟", chat_id=64)
    assert answer.text.startswith("🗓 لا توجد عندي أخبار من عام 2023؛ أقرب ما لدي قبلها بتاريخ 9 ديسمبر 2021 "
                                  "وبعدها بتاريخ 28 فبراير 2025.")


async def test_the_today_setting_is_the_day_questions_are_asked_on(api, make_bot):
    async with make_bot(today="2025-03-02"):  # the week of the Istanbul talks (28 February 2025)
        answer = await ask(api, THIS_WEEK, chat_id=65)
    assert "لا توجد عندي أخبار" not in answer.text
    assert "— 28 فبراير 2025 (004_e234d2361282aa33.txt)" in answer.text.split("📰 2.")[0]


async def test_a_latest_answer_says_so_and_quotes_the_newest_article_first(api, make_bot):
    async with make_bot():
        answer = await ask(api, LATEST, chat_id=66)
    assert answer.text.startswith("🕒 الأحدث:")
    assert "— الأمصار — 24 ديسمبر 2025 (000_929b026e6166e937.txt)" in answer.text.split("📰 2.")[0]


async def test_a_timeline_quotes_one_article_per_date_oldest_first_each_under_its_date(api, make_bot):
    async with make_bot():
        answer = await ask(api, TIMELINE, chat_id=67)
    assert answer.text.startswith("🕒 تسلسل الأحداث:")
    dates = re.findall(r"^🗓 (.+)$", answer.text, re.M)
    assert dates == ["9 ديسمبر 2021", "28 فبراير 2025", "24 ديسمبر 2025"]


async def test_latest_lists_the_newest_dated_articles_and_never_an_undated_one(api, make_bot, retriever):
    async with make_bot():
        reply = await ask(api, "/latest", chat_id=68)
    listed = [line for line in reply.text.splitlines() if line.startswith("• ")]
    assert [line.rsplit(" — ", 1)[1] for line in listed] == ["24 ديسمبر 2025", "28 فبراير 2025", "9 ديسمبر 2021"]
    undated_titles = [a.title for a in retriever.articles if a.source in UNDATED]
    assert not any(title in reply.text for title in undated_titles)


async def test_latest_is_in_the_command_menu(api, make_bot):
    async with make_bot():
        pass
    [menu] = api.calls_to("setMyCommands")
    assert "latest" in [c["command"] for c in menu.params["commands"]]


def test_latest_lists_at_most_five_and_escapes_titles_and_outlets():
    articles = [ArticleEntry(source=f"{i}.txt", sha256="0", title=f"<b>عنوان {i}</b> & ما بعده", outlet="<i>منفذ",
                             date=None, published=f"2025-01-{i + 1:02d}", url=None, chunks=1) for i in range(7)]
    [part] = render.latest_html(articles)
    shown = telegram_html_text(part)  # parses as Telegram HTML
    assert shown.count("• ") == 5 and "• <b>عنوان 6</b> & ما بعده — <i>منفذ — 7 يناير 2025" in shown


def test_the_console_says_when_a_window_has_no_news_and_lists_the_latest(retriever):
    chat = ConsoleChat(retriever, per_page=3, today=date.fromisoformat(AFTER_THE_SEEDS))
    assert chat.reply(THIS_WEEK).startswith("🗓 لا توجد عندي أخبار من هذا الأسبوع؛ أحدث ما لدي بتاريخ 24 ديسمبر 2025.")
    latest = chat.reply("/latest")
    assert latest.splitlines()[1].endswith("— الأمصار — 24 ديسمبر 2025") and latest.count("• ") == 3


@pytest.mark.parametrize("value, today", [("", None), ("2025-03-02", date(2025, 3, 2))])
def test_today_is_a_date_and_empty_means_the_real_date(value, today):
    assert BotSettings(_env_file=None, today=value).today == today
