"""Admins add articles through Telegram: a link fetched from a real HTTP server on 127.0.0.1 (tests/pageserver.py), or a
document downloaded from the fake Bot API's file server; added to the corpus, the index rebuilt and swapped in."""

from __future__ import annotations

import json

import pytest
from fakebotapi import TOKEN, Call, FakeBotAPI, running
from pageserver import PAGES, PageServer

from bot import texts
from bot.app import build_application, file_url_of
from bot.settings import BotSettings
from retrieval import Retriever
from retrieval.corpus.intake import ADDED

ADMIN, READER = 7, 8
TRUTH = json.loads((PAGES / "truth.json").read_text(encoding="utf-8"))
FINAL = TRUTH["wakala_final.html"]  # الوداد يتوج بكأس العرش … (29 June 2025)
NOTE = """اتفاق على جولة ثالثة من المحادثات الفنية في جنيف

الخميس 15 يناير 2026

اتفق الوفدان على عقد جولة ثالثة من المحادثات الفنية في جنيف خلال الشهر المقبل، وقال مسؤول إن الأجواء كانت إيجابية.

وأضاف أن اللجان الفنية ستواصل عملها عن بعد حتى موعد الجولة الجديدة.
"""


@pytest.fixture(scope="module")
def pages():
    with PageServer() as server:
        yield server


@pytest.fixture
def make_bot(api, index_copy, corpus_copy, embedder, tmp_path, pages):
    """The bot over a private corpus and index; `bot.index.retriever` is the one it answers from."""
    def make(**overrides):
        settings = BotSettings(_env_file=None, **{**dict(
            telegram_bot_token=TOKEN, telegram_base_url=api.base_url, index_dir=index_copy, corpus_dir=corpus_copy,
            allowed_chat_ids="", admin_user_ids=str(ADMIN), questions_per_minute=100, intake_allow_private=pages.allowed,
            feedback_log=tmp_path / "feedback.jsonl", webhook_url=None), **overrides})
        return running(build_application(settings, Retriever.load(index_copy, embedder)))

    return make


def services(application):
    return application.bot_data["services"]


async def intake_reply(api: FakeBotAPI, chat_id: int, after: int) -> Call:
    """The notice the bot sent, once edited into what came of the addition."""
    return await api.wait_for("editMessageText", lambda c: c.chat_id == chat_id, after=after, timeout=120)


async def test_an_admins_link_is_added_indexed_and_answered_with_its_title_and_date(api, make_bot, pages):
    async with make_bot() as bot:
        after = api.mark()
        await api.send_text(pages.url("wakala_final.html"), chat_id=ADMIN)
        reply = await intake_reply(api, ADMIN, after)
        sources = {a.source: a for a in services(bot).index.retriever.articles}
    assert reply.text.startswith(f"✅ أُضيف: «{FINAL['title']}» — {FINAL['outlet']} — 29 يونيو 2025")
    assert "الفهرس محدّث (المقالات: 6)" in reply.text
    added = [a for source, a in sources.items() if source.startswith(f"{ADDED}/")]
    assert [(a.title, a.published, a.url) for a in added] == [(FINAL["title"], FINAL["date"], pages.url("wakala_final.html"))]


async def test_an_admins_text_file_is_downloaded_and_added_with_the_date_it_states(api, make_bot, corpus_copy):
    async with make_bot() as bot:
        after = api.mark()
        await api.send_document("جولة-جنيف.txt", NOTE.encode(), chat_id=ADMIN)
        reply = await intake_reply(api, ADMIN, after)
        titles = [a.title for a in services(bot).index.retriever.articles]
    assert reply.text.startswith("✅ أُضيف: «اتفاق على جولة ثالثة من المحادثات الفنية في جنيف» — 15 يناير 2026")
    assert api.downloads and "اتفاق على جولة ثالثة من المحادثات الفنية في جنيف" in titles
    assert [p.suffix for p in (corpus_copy / ADDED).iterdir()] == [".txt"]


async def test_a_link_that_is_not_found_says_why_and_leaves_the_index_as_it_was(api, make_bot, pages):
    async with make_bot() as bot:
        built = services(bot).index.retriever.manifest.built_at
        after = api.mark()
        await api.send_text(pages.url("missing.html"), chat_id=ADMIN)
        reply = await intake_reply(api, ADMIN, after)
        assert services(bot).index.retriever.manifest.built_at == built
    assert reply.text == f"❌ لم أُضف {pages.url('missing.html')}: HTTP 404 Not Found"


async def test_someone_elses_link_is_refused_politely_and_never_fetched(api, make_bot, pages):
    async with make_bot() as bot:
        after = api.mark()
        await api.send_text(pages.url("wakala_final.html?reader"), chat_id=READER)
        reply = await api.wait_for("sendMessage", lambda c: c.chat_id == READER, after=after)
        await api.settle(bot)
    assert reply.text == texts.INTAKE_ADMINS_ONLY
    assert not any("reader" in path for path in pages.requests)


async def test_someone_elses_document_is_refused_and_never_downloaded(api, make_bot, corpus_copy):
    async with make_bot() as bot:
        after = api.mark()
        await api.send_document("note.txt", NOTE.encode(), chat_id=READER)
        reply = await api.wait_for("sendMessage", lambda c: c.chat_id == READER, after=after)
        await api.settle(bot)
    assert reply.text == texts.INTAKE_ADMINS_ONLY
    assert not api.calls_to("getFile") and not api.downloads and not (corpus_copy / ADDED).exists()


async def test_a_document_over_twenty_megabytes_is_refused_in_one_line_before_downloading(api, make_bot):
    async with make_bot() as bot:
        after = api.mark()
        await api.send_document("archive.jsonl", b"{}", chat_id=ADMIN, file_size=25 * 2**20)
        reply = await api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN, after=after)
        await api.settle(bot)
    assert reply.text == "حجم هذا الملف 25.0 ميغابايت، وتيليغرام لا يسمح للبوت بتنزيل أكثر من 20 ميغابايت؛ لم أُضفه."
    assert not api.calls_to("getFile")


async def test_a_document_of_another_type_is_refused_without_downloading(api, make_bot):
    async with make_bot() as bot:
        after = api.mark()
        await api.send_document("report.pdf", b"%PDF-1.4", chat_id=ADMIN, mime_type="application/pdf")
        reply = await api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN, after=after)
        await api.settle(bot)
    assert reply.text == texts.INTAKE_FILE_TYPES and not api.calls_to("getFile")


async def test_a_question_that_mentions_a_link_is_still_a_question(api, make_bot, pages):
    async with make_bot():
        after = api.mark()
        await api.send_text(f"ما الذي حدث في المحادثات؟ {pages.url('wakala_final.html?question')}", chat_id=ADMIN)
        reply = await api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN, after=after)
    assert reply.text != texts.INTAKE_STARTED and not any("question" in path for path in pages.requests)


def test_files_are_downloaded_from_the_file_server_beside_the_bot_api():
    assert file_url_of("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_of("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
