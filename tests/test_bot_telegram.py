"""The bot as users meet it: the real Application, long-polling a fake Bot API server, answering from real indexes."""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
from datetime import datetime
from pathlib import Path

import pytest
from fakebotapi import BOT_USERNAME, TOKEN, Call, FakeBotAPI, running, utf16_len

from bot import texts
from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import BotSettings
from retrieval import RetrievalSettings, Retriever, build

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
RYABKOV = "000_929b026e6166e937.txt"
QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
ANSWER = "جدّية، مهمة، ومعمقة"
OFF_TOPIC = "كيف أحضّر الكشري في البيت؟"
GROUP = -100555
ADMIN = 7


@pytest.fixture
def make_settings(api, seed_index, tmp_path):
    def make(**overrides) -> BotSettings:
        values = dict(
            telegram_bot_token=TOKEN, telegram_base_url=api.base_url, index_dir=seed_index, corpus_dir=SEEDS,
            allowed_chat_ids="", admin_user_ids=str(ADMIN), results_per_answer=3, questions_per_minute=100,
            feedback_log=tmp_path / "feedback.jsonl", webhook_url=None,
        )
        return BotSettings(_env_file=None, **{**values, **overrides})

    return make


@pytest.fixture
async def bot(api, make_settings, retriever):
    application = build_application(make_settings(), retriever)
    async with running(application):
        yield application


async def ask(api: FakeBotAPI, text: str, chat_id: int, **kwargs) -> Call:
    """Send `text` to the bot and return its first reply in that chat."""
    after = api.mark()
    await api.send_text(text, chat_id=chat_id, **kwargs)
    return await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id, after=after)


async def answer_parts(api: FakeBotAPI, chat_id: int, after: int) -> list[Call]:
    """Every message of one answer: the parts up to the one carrying the buttons."""
    last = await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id and bool(c.buttons), after=after)
    return [c for c in api.calls_to("sendMessage", chat_id) if after < c.seq <= last.seq]


# --- answers -------------------------------------------------------------------------------------------


async def test_a_private_question_gets_the_quote_that_answers_it_with_its_source(api, bot, retriever):
    answer = await ask(api, QUESTION, chat_id=11)
    assert ANSWER in answer.text
    title = next(a.title for a in retriever.articles if a.source == RYABKOV)
    assert f"{title} — الأمصار — 24 ديسمبر 2025 ({RYABKOV})" in answer.text
    html = answer.params["text"]
    assert html.count("<blockquote>") == 3 and re.search(r"<blockquote>[^<]*<b>[^<]+</b>", html)


async def test_the_typing_action_is_sent_while_searching(api, bot):
    answer = await ask(api, QUESTION, chat_id=12)
    [typing] = api.calls_to("sendChatAction", 12)
    assert typing.params["action"] == "typing" and typing.seq < answer.seq


async def test_the_bold_sentence_is_exact_article_text(api, bot):
    answer = await ask(api, QUESTION, chat_id=13)
    article = (SEEDS / RYABKOV).read_text(encoding="utf-8")
    bold = re.findall(r"<b>([^<]+)</b>", answer.params["text"].split("</blockquote>")[0])
    assert bold and bold[0] in article


async def test_an_off_topic_question_gets_the_not_covered_message_not_a_quote(api, bot):
    reply = await ask(api, OFF_TOPIC, chat_id=14)
    assert texts.NOT_COVERED in reply.text
    assert "<blockquote>" not in reply.params["text"] and not reply.buttons


# --- groups ----------------------------------------------------------------------------------------------


async def test_a_group_message_that_does_not_address_the_bot_gets_nothing(api, bot):
    await api.send_text(QUESTION, chat_id=GROUP, user_id=21, chat_type="supergroup")
    await api.send_text("/help@some_other_bot", chat_id=GROUP, user_id=21, chat_type="supergroup")
    await api.send_text("/whatever", chat_id=GROUP, user_id=21, chat_type="supergroup")
    await api.settle(bot)
    assert not api.calls_to("sendMessage", GROUP) and not api.calls_to("sendChatAction", GROUP)


async def test_ask_in_a_group_gets_an_answer_replying_to_the_question(api, bot):
    after = api.mark()
    asked = await api.send_text(f"/ask {QUESTION}", chat_id=GROUP, user_id=21, chat_type="supergroup")
    answer = await api.wait_for("sendMessage", lambda c: c.chat_id == GROUP, after=after)
    assert ANSWER in answer.text
    assert answer.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]


async def test_a_group_message_mentioning_the_bot_is_a_question(api, bot):
    answer = await ask(api, f"@{BOT_USERNAME} {QUESTION}", chat_id=GROUP, user_id=21, chat_type="supergroup")
    assert ANSWER in answer.text


async def test_a_reply_to_the_bot_in_a_group_is_a_question(api, bot):
    first = await ask(api, "/help", chat_id=GROUP, user_id=21, chat_type="supergroup")
    answer = await ask(api, QUESTION, chat_id=GROUP, user_id=21, chat_type="supergroup", reply_to=first.result)
    assert ANSWER in answer.text


async def test_ask_without_a_question_shows_how_to_use_it(api, bot):
    reply = await ask(api, "/ask", chat_id=GROUP, user_id=21, chat_type="supergroup")
    assert "/ask ما تفاصيل خبر" in reply.text


# --- commands and odd input ----------------------------------------------------------------------------


async def test_help_explains_in_arabic_with_example_questions_from_the_corpus(api, bot, retriever):
    reply = await ask(api, "/help", chat_id=31)
    assert "كيف تسأل؟" in reply.text and f"@{BOT_USERNAME}" in reply.text
    examples = [line for line in reply.text.splitlines() if line.startswith("• ما تفاصيل خبر")]
    assert len(examples) >= 2
    titles = {a.title for a in retriever.articles}
    assert all(any(f"«{t}»" in line for t in titles) for line in examples)


async def test_start_greets_and_explains(api, bot):
    reply = await ask(api, "/start", chat_id=32)
    assert reply.text.startswith(texts.GREETING) and "كيف تسأل؟" in reply.text


async def test_the_example_questions_in_help_get_answers_from_their_article(api, bot, retriever):
    reply = await ask(api, "/help", chat_id=33)
    example = next(line[2:] for line in reply.text.splitlines() if line.startswith("• ما تفاصيل خبر"))
    source = next(a.source for a in retriever.articles if f"«{a.title}»" in example)
    answer = await ask(api, example, chat_id=33)
    assert f"({source})" in answer.text


async def test_sources_lists_the_indexed_articles_with_outlet_and_date(api, bot, retriever):
    reply = await ask(api, "/sources", chat_id=34)
    for article in retriever.articles:
        assert article.title in reply.text
    assert "واشنطن وموسكو تجريان محادثات جديدة لبحث خلافهما الدبلوماسي — العربي الجديد — 9 ديسمبر 2021" in reply.text
    assert "موسكو: اجتماع روسي أمريكي جديد الأسبوع الجاري — بدون تاريخ" in reply.text


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_stickers_photos_and_voice_get_a_short_helpful_reply(api, bot, kind):
    after = api.mark()
    await api.send_other(kind, chat_id=35)
    reply = await api.wait_for("sendMessage", lambda c: c.chat_id == 35, after=after)
    assert reply.text == texts.NOT_TEXT


async def test_an_unknown_command_gets_a_short_helpful_reply(api, bot):
    reply = await ask(api, "/weather", chat_id=36)
    assert reply.text == texts.UNKNOWN_COMMAND


@pytest.mark.parametrize("question", ["؟؟؟", "\u200f \u200b", "   .   "])
async def test_an_empty_question_is_refused_politely_without_searching(api, bot, question):
    reply = await ask(api, question, chat_id=37)
    assert reply.text.startswith("اكتب سؤالك نصّاً")
    assert not api.calls_to("sendChatAction", 37)


async def test_a_question_over_1000_characters_is_refused_politely(api, bot):
    reply = await ask(api, "ما " + "الأخبار " * 200, chat_id=38)
    assert reply.text.startswith("سؤالك طويل جداً") and "1000" in reply.text
    assert not api.calls_to("sendChatAction", 38)


async def test_start_up_opens_the_index_and_registers_arabic_commands(api, make_settings):
    async with running(build_application(make_settings())):
        [commands] = api.calls_to("setMyCommands")
        answer = await ask(api, QUESTION, chat_id=39)
    names = {c["command"] for c in commands.params["commands"]}
    assert {"ask", "help", "sources", "start"} <= names
    assert all(re.search(r"[\u0600-\u06ff]", c["description"]) for c in commands.params["commands"])
    assert ANSWER in answer.text


# --- buttons -----------------------------------------------------------------------------------------------


async def test_more_results_shows_the_next_page(api, bot):
    first = await ask(api, QUESTION, chat_id=41)
    after = api.mark()
    await api.press(first, texts.BUTTON_MORE)
    second = await api.wait_for("sendMessage", lambda c: c.chat_id == 41, after=after)
    assert "نتائج إضافية (2 من 3)" in second.text
    assert re.search(r"📰 4\.", second.text) and not re.search(r"📰 1\.", second.text)
    assert quotes(first).isdisjoint(quotes(second))
    assert [c for c in api.calls_to("answerCallbackQuery") if c.seq > after]
    await api.press(second, texts.BUTTON_MORE)
    last = await api.wait_for("sendMessage", lambda c: c.chat_id == 41 and "3 من 3" in c.text, after=after)
    assert texts.BUTTON_MORE not in [b["text"] for b in last.buttons]


async def test_the_context_button_shows_the_article_around_the_quote(api, bot):
    answer = await ask(api, QUESTION, chat_id=42)
    after = api.mark()
    await api.press(answer, texts.BUTTON_CONTEXT.format(number=1))
    context = await api.wait_for("sendMessage", lambda c: c.chat_id == 42, after=after)
    first_quote = re.search(r"<blockquote>(.*?)</blockquote>", answer.params["text"], re.S).group(1)
    first_quote = re.sub(r"</?b>", "", first_quote)
    assert context.text.startswith("سياق الاقتباس 1")
    assert first_quote in context.params["text"].replace("<b>", "").replace("</b>", "")
    assert len(context.text) > len(first_quote) + 100 and RYABKOV in context.text


async def test_a_vote_is_appended_to_the_feedback_log_once(api, bot, tmp_path):
    answer = await ask(api, QUESTION, chat_id=43)
    after = api.mark()
    await api.press(answer, texts.BUTTON_UP)
    thanks = await api.wait_for("answerCallbackQuery", after=after)
    assert thanks.params["text"] == texts.THANKS_FOR_VOTE
    await api.press(answer, texts.BUTTON_UP)
    again = await api.wait_for("answerCallbackQuery", after=thanks.seq)
    assert again.params["text"] == texts.ALREADY_VOTED
    [line] = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["chat"] == 43 and record["question"] == QUESTION and record["vote"] == "up"
    assert len(record["passage_ids"]) == 3 and all(isinstance(i, int) for i in record["passage_ids"])
    assert datetime.fromisoformat(record["time"]).tzinfo is not None


@pytest.mark.parametrize("data", ["AAAAAAAA:m1", "nonsense", "AAAAAAAA:", ":c0"])
async def test_unknown_or_expired_buttons_get_a_polite_notice(api, bot, data):
    answer = await ask(api, QUESTION, chat_id=44)
    after = api.mark()
    await api.press_data(answer.result, data)
    notice = await api.wait_for("answerCallbackQuery", after=after)
    assert notice.params["text"] == texts.EXPIRED


async def test_a_button_from_another_chat_is_refused(api, bot):
    answer = await ask(api, QUESTION, chat_id=45)
    token = answer.buttons[0]["callback_data"].split(":")[0]
    elsewhere = await ask(api, QUESTION, chat_id=46)
    after = api.mark()
    await api.press_data(elsewhere.result, f"{token}:m1")
    notice = await api.wait_for("answerCallbackQuery", after=after)
    assert notice.params["text"] == texts.EXPIRED


async def test_button_data_stays_within_64_bytes(api, bot):
    answer = await ask(api, QUESTION, chat_id=47)
    assert len(answer.buttons) >= 6
    assert all(len(b["callback_data"].encode()) <= 64 for b in answer.buttons)


# --- corpus text with markup characters, and long answers ----------------------------------------------

CLAUSES = [
    "قال البنك المركزي إن معدل التضخم السنوي بلغ 7% > 3% المستهدفة",
    "وأشار إلى أن أسعار الطاقة & الغذاء قفزت بنسبة <12%> خلال الربع الأول",
    "مضيفاً أن لجنة السياسة النقدية قررت رفع سعر الفائدة الأساسي إلى 9.5% للحد من التضخم",
    "وأوضح المحافظ أن المعادلة <الأجور & الأسعار> تظل مصدر القلق الأكبر في الأسواق",
    "فيما توقع محللون أن تبقى أسعار الطاقة مرتفعة ما دام الطلب > العرض في الأسواق العالمية",
    "وأكد البيان أن البنك سيواصل مراقبة مؤشر أسعار المستهلك & مؤشرات الإنتاج عن كثب",
]
SPECIAL_ARTICLE = "---\n" + "\n".join([
    "title: البنك المركزي يرفع الفائدة: <التضخم> & أسعار الطاقة",
    "outlet: وكالة <الأنباء> & الاقتصاد",
    "date: 2025-03-01",
    "url: https://example.com/news?id=1&lang=ar",
]) + "\n---\n\n" + "\n\n".join(
    "، ".join(CLAUSES[(i + j) % len(CLAUSES)] for j in range(12)) + "." for i in range(6)
) + "\n"
SPECIAL_QUESTION = "ماذا قال البنك المركزي عن التضخم وأسعار الطاقة وسعر الفائدة؟"


@pytest.fixture(scope="module")
def special_index(tmp_path_factory, seed_index, embedder) -> Path:
    """One seed article plus an article full of <, & and > in long run-on paragraphs."""
    root = tmp_path_factory.mktemp("special")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / RYABKOV, corpus)
    (corpus / "inflation.md").write_text(SPECIAL_ARTICLE, encoding="utf-8")
    shutil.copytree(seed_index, root / "index")  # its vectors are the embedding cache for the seed article
    build(RetrievalSettings(_env_file=None, corpus_dir=corpus, index_dir=root / "index"), embedder)
    return root / "index"


async def test_markup_characters_in_corpus_text_are_escaped_and_the_html_stays_valid(api, make_settings,
                                                                                   special_index, embedder):
    special = Retriever.load(special_index, embedder)
    async with running(build_application(make_settings(index_dir=special_index), special)):
        parts = await answer_parts(api, 51, await _sent(api, SPECIAL_QUESTION, 51))
    shown = "".join(p.text for p in parts)
    assert "7% > 3%" in shown and "الطاقة & الغذاء" in shown and "<12%>" in shown
    assert "البنك المركزي يرفع الفائدة: <التضخم> & أسعار الطاقة — وكالة <الأنباء> & الاقتصاد" in shown
    assert 'href="https://example.com/news?id=1&amp;lang=ar"' in parts[0].params["text"]
    assert not [c for c in api.calls if c.error]


async def test_an_answer_over_4096_characters_splits_at_passage_boundaries_into_valid_parts(api, make_settings,
                                                                                         special_index, embedder):
    special = Retriever.load(special_index, embedder)
    settings = make_settings(index_dir=special_index, results_per_answer=10)
    async with running(build_application(settings, special)):
        parts = await answer_parts(api, 52, await _sent(api, SPECIAL_QUESTION, 52))
    assert len(parts) >= 2
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    numbers = [int(n) for p in parts for n in re.findall(r"📰 (\d+)\.", p.text)]
    assert numbers == list(range(1, 11))
    # each part holds whole passages: every quote is followed by its source line in the same message
    assert all(p.params["text"].count("<blockquote>") == len(re.findall(r"📰 \d+\.", p.text)) >= 1 for p in parts)
    assert not [c for c in api.calls if c.error]


def quotes(call: Call) -> set[str]:
    return set(re.findall(r"<blockquote>(.*?)</blockquote>", call.params["text"], re.S))


async def _sent(api: FakeBotAPI, text: str, chat_id: int) -> int:
    after = api.mark()
    await api.send_text(text, chat_id=chat_id)
    return after


# --- operators and limits ------------------------------------------------------------------------------


async def test_a_chat_outside_the_allow_list_gets_one_refusal_line_and_nothing_else(api, make_settings, retriever):
    async with running(build_application(make_settings(allowed_chat_ids="61,-100661"), retriever)) as application:
        refusal = await ask(api, QUESTION, chat_id=62)
        await api.send_text(QUESTION, chat_id=-100662, user_id=63, chat_type="supergroup")
        answer = await ask(api, QUESTION, chat_id=61)
        await api.settle(application)
    assert refusal.text == texts.NOT_ALLOWED
    assert len(api.calls_to("sendMessage", 62)) == 1 and not api.calls_to("sendChatAction", 62)
    assert not api.calls_to("sendMessage", -100662)
    assert ANSWER in answer.text


async def test_too_many_questions_a_minute_get_one_polite_notice(api, make_settings, retriever):
    async with running(build_application(make_settings(questions_per_minute=2), retriever)) as application:
        for _ in range(2):
            assert ANSWER in (await ask(api, QUESTION, chat_id=71)).text
        notice = await ask(api, QUESTION, chat_id=71)
        await api.send_text(QUESTION, chat_id=71)
        other_user = await ask(api, QUESTION, chat_id=72)
        await api.settle(application)
    assert notice.text.startswith("تمهّل قليلاً من فضلك") and "(2)" in notice.text
    assert len(api.calls_to("sendMessage", 71)) == 3
    assert ANSWER in other_user.text


async def test_reindex_is_refused_to_non_admins(api, bot):
    reply = await ask(api, "/reindex", chat_id=81)
    assert reply.text == texts.ADMINS_ONLY


async def test_stats_are_for_admins(api, bot, retriever):
    await ask(api, QUESTION, chat_id=ADMIN)
    refused = await ask(api, "/stats", chat_id=82)
    stats = await ask(api, "/stats", chat_id=ADMIN)
    assert refused.text == texts.ADMINS_ONLY
    assert f"المقالات: {len(retriever.articles)}" in stats.text
    assert f"المقاطع: {retriever.manifest.chunks}" in stats.text
    assert "أسئلة أُجيب عنها: 1" in stats.text and "التقييمات: 👍 0 · 👎 0" in stats.text


NEW_ARTICLE = """مهرجان الأقصر للشعر العربي يختتم دورته العاشرة

اختتم مهرجان الأقصر للشعر العربي دورته العاشرة مساء الخميس بمشاركة أربعين شاعراً من اثنتي عشرة دولة عربية.

وفازت الشاعرة السودانية آمنة الطيب بجائزة المهرجان الكبرى عن قصيدتها «نهر من ضوء»، فيما ذهبت جائزة لجنة التحكيم إلى الشاعر المغربي يوسف بنعلي.

وقال رئيس المهرجان إن الدورة الحالية شهدت إقبالاً جماهيرياً غير مسبوق، إذ امتلأت قاعات المدينة القديمة بالحضور طوال خمسة أيام، وأقيمت الأمسيات الشعرية في ساحة معبد الكرنك وعلى ضفاف النيل.

وتضمن برنامج المهرجان ندوات نقدية حول تحولات القصيدة العربية المعاصرة، وورش عمل للشعراء الشباب في كتابة قصيدة النثر والشعر العمودي، إلى جانب معرض للكتاب شاركت فيه دور نشر من القاهرة وبيروت وعمّان.

وكرّم المهرجان في حفل الختام اسم الشاعر الراحل محمود حسن إسماعيل، وأعلنت إدارته أن الدورة المقبلة ستحمل اسم الشاعرة الفلسطينية فدوى طوقان، وستعقد في شهر مارس من العام المقبل.

وأشاد المشاركون بتنظيم المهرجان، مطالبين بزيادة عدد الجوائز المخصصة للشعراء الشباب، وبترجمة القصائد الفائزة إلى لغات أجنبية حتى تصل إلى جمهور أوسع خارج العالم العربي.
"""


async def test_an_admin_reindex_swaps_in_the_new_index_while_questions_keep_being_answered(
        api, make_settings, index_copy, corpus_copy, embedder):
    (corpus_copy / "luxor_poetry.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    settings = make_settings(index_dir=index_copy, corpus_dir=corpus_copy)
    async with running(build_application(settings, Retriever.load(index_copy, embedder))):
        after = api.mark()
        await api.send_text("/reindex", chat_id=ADMIN)
        await api.send_text("/reindex", chat_id=ADMIN)
        started = await api.wait_for("sendMessage", lambda c: c.text.startswith("⏳"), after=after)
        during = await ask(api, QUESTION, chat_id=83)
        busy = await api.wait_for("sendMessage", lambda c: c.text == texts.REINDEX_RUNNING, after=after)
        done = await api.wait_for("editMessageText", after=after, timeout=90)
        after_swap = await ask(api, "من فاز بجائزة مهرجان الأقصر للشعر العربي؟", chat_id=84)
        await api.press(during, texts.BUTTON_CONTEXT.format(number=1))
        stale = await api.wait_for("answerCallbackQuery", after=after_swap.seq)
        await api.press(during, texts.BUTTON_MORE)
        more = await api.wait_for("sendMessage", lambda c: c.chat_id == 83, after=after_swap.seq)
    assert ANSWER in during.text and during.seq < done.seq  # answered from the old index while rebuilding
    assert busy.chat_id == ADMIN
    assert done.params["message_id"] == started.result["message_id"] and done.text.startswith("✅ تم تحديث الفهرس")
    assert "luxor_poetry.txt" in after_swap.text and "آمنة الطيب" in after_swap.text
    # the old index is gone: its passage ids mean nothing now, but the pages already found still show
    assert stale.params["text"] == texts.EXPIRED and "نتائج إضافية (2 من 3)" in more.text


# --- failures ----------------------------------------------------------------------------------------------


async def test_an_error_is_logged_with_the_update_id_and_the_user_gets_a_short_apology(api, bot, caplog):
    api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    after = api.mark()
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        update = await api.send_text(QUESTION, chat_id=91)
        apology = await api.wait_for("sendMessage", lambda c: c.chat_id == 91, after=after)
    assert apology.text == texts.SOMETHING_WENT_WRONG
    assert any(str(update["update_id"]) in r.getMessage() and r.exc_info for r in caplog.records)


# --- webhook mode ------------------------------------------------------------------------------------------


async def test_webhook_mode_registers_the_webhook_and_answers_what_telegram_posts(api, make_settings, retriever):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = make_settings(webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_listen="127.0.0.1",
                             webhook_port=port, webhook_secret="s3cret-token")
    application = build_application(settings, retriever)
    async with running(application, webhook={**settings.webhook_options(), "allowed_updates": ALLOWED_UPDATES}):
        [hook] = api.calls_to("setWebhook")
        answer = await ask(api, QUESTION, chat_id=95)
    assert hook.params["url"] == settings.webhook_url and hook.params["secret_token"] == "s3cret-token"
    assert ANSWER in answer.text


async def test_a_failed_reindex_tells_the_admin_why_and_keeps_the_old_index(api, make_settings, tmp_path, retriever):
    settings = make_settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "no-such-corpus")
    async with running(build_application(settings, retriever)):
        after = api.mark()
        await api.send_text("/reindex", chat_id=ADMIN)
        failed = await api.wait_for("editMessageText", after=after)
        answer = await ask(api, QUESTION, chat_id=ADMIN)
    assert failed.text.startswith("❌ تعذّرت إعادة بناء الفهرس") and "no-such-corpus" in failed.text
    assert ANSWER in answer.text


async def test_chatter_gets_a_friendly_reply_without_a_search(api, bot):
    reply = await ask(api, "test", chat_id=31)
    assert "<blockquote>" not in reply.params["text"] and not reply.buttons
    assert "<code>" in reply.params["text"]  # an example question to try
    assert bot.bot_data["services"].stats.abstained == 0  # nothing was searched


async def test_a_fact_the_articles_do_not_state_is_said_so_before_the_closest_quotes(api, bot):
    reply = await ask(api, "قديش عمر ريابكوف؟", chat_id=32)
    text = reply.params["text"]
    assert texts.RELATED.split("،")[0] in reply.text
    assert "<blockquote>" in text and text.index("📌") < text.index("<blockquote>")
