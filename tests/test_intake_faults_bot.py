"""The intake under attack (issue 29) through the real bot: the python-telegram-bot Application against the fake Bot API
(tests/fakebotapi.py), admins sending hostile links and documents served on 127.0.0.1 (tests/hostile.py); and
`python -m bot` as a process, stopped with SIGTERM at the worst moments.

Each hostile source gets its line saying why, the good ones are added and answered, and the old index answers
throughout. Every test here builds or opens an index: slow.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import json
import signal
import sys
import time
from pathlib import Path

import pytest
from fakebotapi import TOKEN, FakeBotAPI, running
from helpers import environment
from hostile import GOOD, GOOD_TITLE, SECRET

from bot import deeplinks, texts
from bot.app import STOP_DEADLINE_SECONDS, build_application
from bot.settings import BotSettings
from retrieval import Manifest, Retriever

ADMIN, OTHER_ADMIN, READER = 7, 9, 8
SEED_QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
SEED_ANSWER = "جدّية، مهمة، ومعمقة"
NOTE = """اتفاق على جولة ثالثة من المحادثات الفنية في جنيف

الخميس 15 يناير 2026

اتفق الوفدان على عقد جولة ثالثة من المحادثات الفنية في جنيف خلال الشهر المقبل، وقال مسؤول إن الأجواء كانت إيجابية.

وأضاف أن اللجان الفنية ستواصل عملها عن بعد حتى موعد الجولة الجديدة.
"""


@pytest.fixture
def make_bot(api, index_copy, corpus_copy, embedder, tmp_path, hostile_pages):
    """The bot over a private corpus and index, two admins, the hostile server listed in INTAKE_ALLOW_PRIVATE."""
    def make(**overrides):
        settings = BotSettings(_env_file=None, **{**dict(
            telegram_bot_token=TOKEN, telegram_base_url=api.base_url, index_dir=index_copy, corpus_dir=corpus_copy,
            allowed_chat_ids="", admin_user_ids=f"{ADMIN},{OTHER_ADMIN}", questions_per_minute=100,
            feedback_log=tmp_path / "feedback.jsonl", webhook_url=None, intake_allow_private=hostile_pages.allowed),
            **overrides})
        return running(build_application(settings, Retriever.load(index_copy, embedder)))

    return make


def services(application):
    return application.bot_data["services"]


async def reply_to(api: FakeBotAPI, chat_id: int, after: int, last: str | None = None, timeout: float = 120):
    """The intake notice once edited into what came of it (not a «waiting» edit)."""
    waiting = (texts.INTAKE_WAITING, texts.REINDEX_WAITING)
    return await api.wait_for("editMessageText", lambda c: c.chat_id == chat_id and c.text not in waiting
                              and (last is None or last in c.text), after=after, timeout=timeout)


async def ask(api: FakeBotAPI, text: str, chat_id: int):
    after = api.mark()
    await api.send_text(text, chat_id=chat_id)
    return await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id, after=after, timeout=60)


async def test_an_admins_links_are_each_added_or_refused_with_the_reason(api, make_bot, hostile_pages, internal):
    hostile = {
        "http://127.0.0.1:99999/x": "invalid address: Port out of range 0-65535",
        "http://[::1/x": "invalid address: Invalid IPv6 URL",
        internal.url("secret.html"): "not fetched: 127.0.0.1 is a loopback address",
        hostile_pages.url("to-internal"): "not fetched: 127.0.0.1 is a loopback address",
        hostile_pages.url("menu.html"): "no article on the page: its text is links",
    }
    async with make_bot() as bot:
        after = api.mark()
        await api.send_text(" ".join([hostile_pages.url(GOOD), *hostile]), chat_id=ADMIN)
        reply = await reply_to(api, ADMIN, after)
        articles = services(bot).index.retriever.articles
        secret = await ask(api, "ما هي كلمة المرور الداخلية لخادم الإدارة؟", chat_id=READER)
    lines = reply.text.splitlines()
    assert lines[0].startswith(f"✅ أُضيف: «{GOOD_TITLE}»") and texts.INTAKE_CRASHED not in reply.text  # before: crashed
    for source, reason in hostile.items():
        assert f"❌ لم أُضف {source}: {reason}" in reply.text
    assert lines[-1] == texts.INTAKE_INDEXED.format(articles=6) and GOOD_TITLE in {a.title for a in articles}
    assert SECRET not in secret.text and not internal.requests


async def test_a_flood_document_is_refused_at_once_and_blocks_no_other_admin(api, make_bot, hostile_pages, corpus_copy):
    async with make_bot():
        after = api.mark()
        await api.send_document("flood.jsonl", b'{"text": "x"}\n' * 999_000, chat_id=ADMIN)
        await api.send_text(hostile_pages.url(GOOD), chat_id=OTHER_ADMIN)
        flood = await reply_to(api, ADMIN, after, timeout=30)
        other = await reply_to(api, OTHER_ADMIN, after)
    assert flood.text == "❌ لم أُضف flood.jsonl: too many articles in one file (999,000 lines; limit 1,000 per file): split it"
    assert other.text.startswith(f"✅ أُضيف: «{GOOD_TITLE}»")
    assert [p.suffix for p in (corpus_copy / "added").iterdir()] == [".jsonl"]  # the other admin's page, only


async def test_a_document_with_a_name_longer_than_a_file_system_takes_is_added(api, make_bot, corpus_copy):
    name = "تقرير-" + "المحادثات-الفنية-في-جنيف-" * 12 + ".txt"  # 600 bytes: before, «File name too long», no reply
    assert len(name.encode()) > 255
    async with make_bot() as bot:
        after = api.mark()
        await api.send_document(name, NOTE.encode(), chat_id=ADMIN)
        reply = await reply_to(api, ADMIN, after)
        titles = {a.title for a in services(bot).index.retriever.articles}
    assert reply.text.startswith("✅ أُضيف: «اتفاق على جولة ثالثة من المحادثات الفنية في جنيف»")
    assert "اتفاق على جولة ثالثة من المحادثات الفنية في جنيف" in titles


async def test_a_document_of_good_and_broken_lines_adds_the_good_ones(api, make_bot):
    lines = [json.dumps({"title": "اتفاق جنيف", "text": NOTE}, ensure_ascii=False), '{"text": "\\ud800 نص"}',
             "[" * 5000 + "]" * 5000]
    async with make_bot() as bot:
        after = api.mark()
        await api.send_document("batch.jsonl", ("\n".join(lines) + "\n").encode(), chat_id=ADMIN)
        reply = await reply_to(api, ADMIN, after)
        titles = {a.title for a in services(bot).index.retriever.articles}
    assert reply.text.splitlines() == [
        "✅ أُضيف: «اتفاق جنيف» — 15 يناير 2026",
        '❌ لم أُضف batch.jsonl#2: "text" holds a lone surrogate (\\ud800), which is not text',
        "❌ لم أُضف batch.jsonl#3: nested too deeply to read",
        texts.INTAKE_INDEXED.format(articles=6),
    ]
    assert "اتفاق جنيف" in titles


def hold_build_lock(index_dir: Path):
    """Take the lock a build of `index_dir` takes, as `python -m retrieval build` in another process would."""
    lock = open(index_dir.parent / f".{index_dir.name}.lock", "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


async def test_a_reindex_while_another_process_builds_waits_for_it_then_runs(api, make_bot, index_copy, corpus_copy):
    (corpus_copy / "note.txt").write_text(NOTE, encoding="utf-8")
    lock = hold_build_lock(index_copy)
    try:
        async with make_bot() as bot:
            after = api.mark()
            await api.send_text("/reindex", chat_id=ADMIN)
            await api.wait_for("editMessageText", lambda c: c.text == texts.REINDEX_WAITING, after=after, timeout=30)
            lock.close()  # the other build ends
            done = await reply_to(api, ADMIN, after)
            articles = len(services(bot).index.retriever.articles)
    finally:
        lock.close()
    assert done.text.startswith("✅ تم تحديث الفهرس (المقالات: 6") and articles == 6  # before: «another build is running»


async def test_an_addition_while_another_process_builds_waits_for_it_then_indexes(api, make_bot, hostile_pages, index_copy):
    lock = hold_build_lock(index_copy)
    try:
        async with make_bot() as bot:
            after = api.mark()
            await api.send_text(hostile_pages.url(GOOD), chat_id=ADMIN)
            await api.wait_for("editMessageText", lambda c: c.text == texts.INTAKE_WAITING, after=after, timeout=30)
            lock.close()
            reply = await reply_to(api, ADMIN, after)
            titles = {a.title for a in services(bot).index.retriever.articles}
    finally:
        lock.close()
    assert reply.text.endswith(texts.INTAKE_INDEXED.format(articles=6)) and GOOD_TITLE in titles


async def test_two_admins_adding_at_once_both_get_their_articles_indexed(api, make_bot, hostile_pages):
    async with make_bot() as bot:
        after = api.mark()
        await api.send_text(hostile_pages.url(GOOD), chat_id=ADMIN)
        await api.send_text(hostile_pages.url("madina_datacenter.html"), chat_id=OTHER_ADMIN)
        first = await reply_to(api, ADMIN, after)
        second = await reply_to(api, OTHER_ADMIN, after)
        articles = len(services(bot).index.retriever.articles)
    assert first.text.startswith("✅ أُضيف") and second.text.startswith("✅ أُضيف") and articles == 7


async def test_while_an_addition_runs_questions_and_forged_links_are_answered_from_the_old_index(api, make_bot, hostile_pages):
    async with make_bot() as bot:
        built = services(bot).index.retriever.manifest.built_at
        await api.send_text(hostile_pages.url("silent.html"), chat_id=ADMIN)  # a fetch that takes its whole 15 s
        answer = await ask(api, SEED_QUESTION, chat_id=READER)
        forged = await ask(api, "/start " + base64.urlsafe_b64encode(b"\xff\xfe").decode(), chat_id=READER + 100)
        assert services(bot).index.retriever.manifest.built_at == built
    assert SEED_ANSWER in answer.text and forged.text == texts.BAD_START_LINK


@pytest.mark.parametrize("question", ["test123 abc", "abc123 def", "xyz789 qrs"])
async def test_letters_and_digits_gibberish_is_not_answered_in_a_chat_or_by_a_deep_link(api, seed_bot, question):
    chat = await ask(api, question, chat_id=31)
    link = await ask(api, f"/start {deeplinks.payload_of(question)}", chat_id=32)
    for reply in (chat, link):  # before: answered with unrelated quotes
        assert texts.NOT_COVERED in reply.text and "«" not in reply.text.split(texts.NOT_COVERED)[0]


async def test_a_reindex_cut_short_by_the_bot_stopping_says_so_and_keeps_the_old_index(api, make_bot, corpus_copy, index_copy):
    (corpus_copy / "bulletins.jsonl").write_text(bulletins(400), encoding="utf-8")
    before = Manifest.load(index_copy).built_at
    async with make_bot():
        after = api.mark()
        await api.send_text("/reindex", chat_id=ADMIN)
        await api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN, after=after)
        await asyncio.sleep(1.0)  # embedding some 4,800 sentences: minutes on this machine
        stopping = time.monotonic()
    took = time.monotonic() - stopping  # the application stopped as run_polling stops it on SIGTERM
    stopped = await api.wait_for("editMessageText", lambda c: c.chat_id == ADMIN, after=after, timeout=5)
    assert stopped.text == texts.REINDEX_STOPPED and took < STOP_DEADLINE_SECONDS
    assert Manifest.load(index_copy).built_at == before
    assert not [p for p in index_copy.parent.iterdir() if ".staging-" in p.name]


# -- python -m bot, stopped with SIGTERM (issue 29, worrying case 13) -----------------------------------------------

class BotProcess:
    """`python -m bot` with a fresh TMPDIR, its log read as it comes (a full pipe would stall it)."""

    def __init__(self, process) -> None:
        self.process, self.log = process, []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while line := await self.process.stderr.readline():
            self.log.append(line.decode())

    async def logged(self, text: str, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not any(text in line for line in self.log):
                if self._reader.done():
                    raise AssertionError(f"the bot ended before logging {text!r}: {self.log[-5:]}")
                await asyncio.sleep(0.05)

    async def terminate(self) -> float:
        """SIGTERM; the seconds until the process ended."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        took = time.monotonic() - started
        await self._reader
        return took


async def start_bot(api: FakeBotAPI, tmp_path: Path, **values: str) -> BotProcess:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        env=environment(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, ADMIN_USER_IDS=str(ADMIN),
                        FEEDBACK_LOG=str(tmp_path / "feedback.jsonl"), TMPDIR=str(tmp_path / "tmp"), **values))
    return BotProcess(process)


def leftovers(tmp_path: Path, corpus: Path, index: Path) -> list[str]:
    """What a stopped bot left half-way: download folders, unrenamed corpus files, staging directories (not the
    session file onnxruntime keeps in TMPDIR from its import on, `.ses`)."""
    return [*(p.name for p in (tmp_path / "tmp").iterdir() if p.name != ".ses"), *(p.name for p in corpus.rglob(".*.tmp")),
            *(p.name for p in index.parent.iterdir() if ".staging-" in p.name)]


async def test_sigterm_during_a_fetch_stops_the_bot_at_once_and_tells_the_admin(hostile_pages, index_copy, corpus_copy, tmp_path):
    async with FakeBotAPI() as api:
        bot = await start_bot(api, tmp_path, INDEX_DIR=str(index_copy), CORPUS_DIR=str(corpus_copy),
                              INTAKE_ALLOW_PRIVATE=hostile_pages.allowed)
        await api.wait_for("setMyCommands", timeout=60)
        after = api.mark()
        await api.send_text(hostile_pages.url("never/0"), chat_id=ADMIN)  # answers after 60 s; the fetch gives up at 15
        async with asyncio.timeout(30):
            while "/never/0" not in hostile_pages.requests:
                await asyncio.sleep(0.05)
        took = await bot.terminate()
        notice = await api.wait_for("editMessageText", lambda c: c.chat_id == ADMIN, after=after, timeout=5)
    assert took < 10 and bot.process.returncode == 0, bot.log[-5:]  # before: still running 30 s later
    assert notice.text == texts.INTAKE_STOPPED
    assert leftovers(tmp_path, corpus_copy, index_copy) == [] and not (corpus_copy / "added").exists()


def bulletins(count: int) -> str:
    """`count` JSONL articles of a dozen different sentences each: much to embed, nothing alike."""
    import random

    words = ("الحكومة الوزير المدينة البرلمان الشركة المواطنين الميناء المطار الجامعة المستشفى الطريق السوق الموسم "
             "المشروع الاتفاق الاجتماع المعرض الملعب المحكمة الشرطة المزارعين الصادرات الأسعار الأمطار الكهرباء").split()
    verbs = "أعلن قال أكد افتتح ناقش رفض وافق طالب أطلق زار استقبل وقع".split()
    lines = []
    for i in range(count):
        pick = random.Random(i).choice
        text = " ".join(f"{pick(verbs)} {pick(words)} اليوم أن {pick(words)} {pick(words)} سيبدأ العمل في "
                        f"{pick(words)} خلال {pick(words)} المقبل بحضور {pick(words)}." for _ in range(12))
        lines.append(json.dumps({"title": f"نشرة رقم {i}", "text": text}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


async def test_sigterm_during_a_rebuild_after_an_addition_stops_the_bot_and_keeps_the_old_index(
        index_copy, corpus_copy, tmp_path):
    before = Manifest.load(index_copy).built_at
    async with FakeBotAPI() as api:
        bot = await start_bot(api, tmp_path, INDEX_DIR=str(index_copy), CORPUS_DIR=str(corpus_copy))
        await api.wait_for("setMyCommands", timeout=60)
        await api.send_document("many.jsonl", bulletins(400).encode(), chat_id=ADMIN)
        await bot.logged("intake: added: ", 120)
        await asyncio.sleep(1.0)  # the rebuild is embedding some 4,800 sentences: minutes on this machine
        took = await bot.terminate()
    assert took < 10 and bot.process.returncode == 0, bot.log[-5:]
    assert Manifest.load(index_copy).built_at == before  # the old index, whole
    assert leftovers(tmp_path, corpus_copy, index_copy) == []


async def test_sigterm_while_building_the_first_index_stops_the_bot_and_leaves_no_staging(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "var" / "index"
    corpus.mkdir()
    (corpus / "bulletins.jsonl").write_text(bulletins(400), encoding="utf-8")
    async with FakeBotAPI() as api:
        bot = await start_bot(api, tmp_path, INDEX_DIR=str(index), CORPUS_DIR=str(corpus))
        await bot.logged("building it from", 60)
        await asyncio.sleep(2.0)
        took = await bot.terminate()
    assert took < 10, bot.log[-5:]
    assert leftovers(tmp_path, corpus, index) == [] and not (index / "manifest.json").exists()
