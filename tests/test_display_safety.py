"""Corpus text reaches Telegram, logs and terminals: bidi overrides cannot reorder a source line, control
characters cannot forge a log line or drive the operator's terminal, and quotes keep the article's letters."""

from __future__ import annotations

from fakebotapi import TOKEN, FakeBotAPI, running
from helpers import cli, run_bot

from bot.app import build_application
from bot.settings import BotSettings
from retrieval import RetrievalSettings, Retriever, build

RLO, PDF = "\u202e", "\u202c"
TITLE = f"تقرير {RLO}مزوّر{PDF} عن الفيضانات"
BODY = ("أعلنت هيئة الأرصاد أن الفيضانات في وادي النيل بلغت ثلاثة أمتار \x1b]0;pwned\x07 يوم الثلاثاء "
        "\x1b[2J وأن السلطات أخلت القرى القريبة من الضفة الشرقية.")
QUESTION = "كم بلغت الفيضانات في وادي النيل؟"


def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / f"news{RLO}txt.md").write_text(f"{TITLE}\n\n{BODY}\n", encoding="utf-8")
    (corpus / "empty\nCRITICAL bot: Telegram token rejected.txt").write_text("", encoding="utf-8")
    return corpus


def test_search_shows_control_characters_of_an_article_as_escapes(tmp_path):
    corpus, index = _corpus(tmp_path), tmp_path / "index"
    assert cli("build", "--quiet", "--corpus", corpus, "--index", index).returncode == 0
    done = cli("search", QUESTION, "--index", index)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "\\x1b]0;pwned\\x07" in done.stdout


def test_the_console_shows_control_characters_as_escapes_and_logs_file_names_on_one_line(tmp_path):
    corpus = _corpus(tmp_path)
    done = run_bot("--console", stdin=QUESTION + "\n", cwd=tmp_path, CORPUS_DIR=str(corpus),
                   INDEX_DIR=str(tmp_path / "index"))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\\x1b[2J" in done.stdout
    assert not any(line.startswith("CRITICAL") for line in done.stderr.splitlines())


async def test_a_bidi_override_in_a_title_or_file_name_never_reaches_the_source_line(tmp_path, embedder):
    corpus = _corpus(tmp_path)
    settings = RetrievalSettings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index")
    build(settings, embedder, progress=False)
    retriever = Retriever.load(settings.index_dir, embedder)
    async with FakeBotAPI() as api:
        bot_settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, telegram_base_url=api.base_url,
                                   index_dir=settings.index_dir, feedback_log=tmp_path / "feedback.jsonl")
        async with running(build_application(bot_settings, retriever)):
            await api.send_text(QUESTION, chat_id=71)
            answer = await api.wait_for("sendMessage", lambda c: c.chat_id == 71, timeout=30)
    text = answer.text
    assert "مزوّر" in text and RLO not in text and PDF not in text
    assert "ثلاثة أمتار \x1b]0;pwned\x07 يوم" in text  # the quote: the article's exact characters
