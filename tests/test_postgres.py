"""The index in PostgreSQL (a real server with pgvector, started by the tests): the same answers as the directory,
a rebuild visible whole and at once, the same refusals, and no password in any line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time

import numpy as np
import psycopg
import pytest
from fakebotapi import TOKEN, FakeBotAPI, running
from helpers import SEEDS, BagOfWords, cli

from benchmarks.postgres import wait_for
from bot.app import build_application
from bot.live_index import INDEX_POLL_SECONDS
from bot.settings import BotSettings

import retrieval.index.pg.write
from retrieval import (
    BuildError,
    DatabaseUrl,
    IndexMismatch,
    IndexNotFound,
    IndexUnavailable,
    RetrievalError,
    Retriever,
    build_index,
    index_stamp,
)
from retrieval.index.location import load_manifest, open_index
from retrieval.index.pg.url import mask

QUESTIONS = ["أين أجرى دميترييف مفاوضاته مع ويتكوف؟", "ما موعد الجولة المقبلة من المحادثات؟", "الأمصار", "جنيف",
             "شو صار بالمفاوضات؟", "who is Witkoff?", "متى تم الاتفاق؟"]
ARTICLE = ("مهرجان الأقصر للشعر العربي يختتم دورته العاشرة\n\nاختتم مهرجان الأقصر للشعر العربي دورته العاشرة مساء "
           "الخميس بمشاركة أربعين شاعراً من اثنتي عشرة دولة عربية.\n\nوفازت الشاعرة السودانية آمنة الطيب بجائزة "
           "المهرجان الكبرى عن قصيدتها «نهر من ضوء».\n")


def assert_same_index(a, b, embedder) -> None:
    """Two index locations hold the same tables and give the same answers."""
    ia, ib = open_index(a), open_index(b)
    ma, mb = ia.manifest, ib.manifest
    assert [x.model_dump() for x in ma.articles] == [x.model_dump() for x in mb.articles]
    assert (ma.chunks, ma.sentences, ma.embedder_id) == (mb.chunks, mb.sentences, mb.embedder_id)
    for name in ("chunks", "sentences"):
        assert np.array_equal(getattr(ia, name), getattr(ib, name)), name
    assert np.array_equal(np.asarray(ia.vectors), np.asarray(ib.vectors))
    assert all(ia.article_text(i) == ib.article_text(i) for i in range(len(ma.articles)))
    assert ia.lexical.vocabulary() == ib.lexical.vocabulary()
    ra, rb = Retriever(ia, embedder), Retriever(ib, embedder)
    for q in QUESTIONS:
        terms = ra.analyzer(q)
        assert np.array_equal(ia.lexical.scores(terms), ib.lexical.scores(terms))
        sa, sb = ra.search(q, 5), rb.search(q, 5)
        assert (sa.verdict, sa.confidence) == (sb.verdict, sb.confidence), q
        assert [(p.id, p.score, p.source, p.highlight) for p in sa.passages] == \
               [(p.id, p.score, p.source, p.highlight) for p in sb.passages], q


def test_an_index_built_into_postgresql_equals_the_directory_build(database, tmp_path):
    build_index(SEEDS, database, BagOfWords(), progress=False)
    build_index(SEEDS, tmp_path / "index", BagOfWords(), progress=False)
    assert_same_index(database, tmp_path / "index", BagOfWords())


def test_the_seed_index_in_postgresql_answers_every_dev_question_as_the_directory(seed_database, seed_index, embedder):
    questions = [json.loads(line)["q"] for line in (SEEDS.parent / "eval" / "seed_qa.jsonl").read_text(encoding="utf-8").splitlines()]
    rd, rp = Retriever.load(seed_index, embedder), Retriever.load(seed_database, embedder)
    for q in questions:
        a, b = rd.search(q, 5), rp.search(q, 5)
        assert (a.verdict, [(p.id, p.score) for p in a.passages]) == (b.verdict, [(p.id, p.score) for p in b.passages]), q


def test_a_rebuild_copies_unchanged_articles_embeds_only_new_text_and_equals_a_fresh_build(database, corpus_copy,
                                                                                          tmp_path):
    build_index(corpus_copy, database, BagOfWords(), progress=False)
    (corpus_copy / "luxor.txt").write_text(ARTICLE, encoding="utf-8")
    embedder = BagOfWords()
    report = build_index(corpus_copy, database, embedder, progress=False)
    assert report.articles == 6 and 0 < embedder.embedded == report.embedded <= 4
    build_index(corpus_copy, tmp_path / "fresh", BagOfWords(), progress=False)
    assert_same_index(database, tmp_path / "fresh", BagOfWords())


def test_a_reader_keeps_its_version_while_a_rebuild_commits_and_a_new_reader_sees_the_new_one_whole(database, corpus_copy):
    build_index(corpus_copy, database, BagOfWords(), progress=False)
    before, stamp = Retriever.load(database, BagOfWords()), index_stamp(database)
    (corpus_copy / "luxor.txt").write_text(ARTICLE, encoding="utf-8")
    build_index(corpus_copy, database, BagOfWords(), progress=False)
    after = Retriever.load(database, BagOfWords())
    assert index_stamp(database) != stamp
    assert len(before.articles) == 5 and len(after.articles) == 6
    question = "من فاز بجائزة مهرجان الأقصر للشعر العربي؟"
    assert "luxor.txt" not in [p.source for p in before.search(question).passages]
    assert after.search(question).passages[0].source == "luxor.txt"


def test_a_build_that_fails_midway_leaves_the_current_version_and_no_rows_of_its_own(database, corpus_copy, monkeypatch):
    build_index(corpus_copy, database, BagOfWords(), progress=False)
    stamp = index_stamp(database)
    (corpus_copy / "luxor.txt").write_text(ARTICLE, encoding="utf-8")

    def broken(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(retrieval.index.pg.write, "_drop_old_versions", broken)  # not reached: the write fails first
    real_copy = retrieval.index.pg.write._copy
    calls = []

    def failing_copy(cur, statement, rows):
        calls.append(statement)
        if len(calls) == 4:  # after the texts, articles and passages of the new version
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return real_copy(cur, statement, rows)

    monkeypatch.setattr(retrieval.index.pg.write, "_copy", failing_copy)
    with pytest.raises(RetrievalError, match="the current index is unchanged"):
        build_index(corpus_copy, database, BagOfWords(), progress=False)
    assert index_stamp(database) == stamp
    with psycopg.connect(database.conninfo) as conn:
        versions = conn.execute(f"SELECT DISTINCT version FROM {database.schema}.passages").fetchall()
    assert versions == [(stamp[1],)]
    assert len(Retriever.load(database, BagOfWords()).articles) == 5


def test_two_builds_at_once_one_is_refused(database, corpus_copy, monkeypatch):
    build_index(corpus_copy, database, BagOfWords(), progress=False)
    inside, release = threading.Event(), threading.Event()
    real = retrieval.index.pg.write._write_version

    def slow(*args, **kwargs):
        inside.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(retrieval.index.pg.write, "_write_version", slow)
    first = threading.Thread(target=build_index, args=(corpus_copy, database, BagOfWords()), kwargs={"progress": False})
    first.start()
    assert inside.wait(30)
    try:
        with pytest.raises(BuildError, match="another build of .* is running"):
            build_index(corpus_copy, database, BagOfWords(), progress=False)
    finally:
        release.set()
        first.join()


def test_an_index_built_by_another_embedder_is_refused(database, embedder):
    build_index(SEEDS, database, BagOfWords(), progress=False)
    with pytest.raises(IndexMismatch, match="built by test-bag-of-words"):
        Retriever.load(database, embedder)


def test_an_empty_schema_is_no_index(database):
    with pytest.raises(IndexNotFound, match="no index at"):
        load_manifest(database)
    result = cli("search", "--index", database.secret(), "جنيف")
    assert result.returncode == 1 and "no index at" in result.stderr
    assert database.password not in result.stderr + result.stdout


def test_search_and_info_over_the_cli_never_show_the_password(database):
    build_index(SEEDS, database, BagOfWords(), progress=False)
    result = cli("info", "--index", database.secret(), "--verify")
    assert result.returncode == 0, result.stderr
    assert "version 1" in result.stdout and "a primary, no replicas" in result.stdout
    assert "verified:" in result.stdout and "articles:     5 (" in result.stdout
    assert database.password not in result.stdout + result.stderr


def test_a_wrong_password_is_one_line_without_it(database):
    wrong = DatabaseUrl(database.secret().replace(f":{database.password}@", ":not-the-password@"))
    result = cli("info", "--index", wrong.secret())
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot reach the index database") and "password authentication failed" in line
    assert "not-the-password" not in line and "***" in line


def test_a_database_that_is_not_there_is_one_line_after_retries_without_the_password():
    url = "postgresql://reader:s3cret-pw@127.0.0.1:9/news"  # the discard port: nothing listens
    result = cli("search", "--index", url, "جنيف")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: cannot reach the index database postgresql://reader:***@127.0.0.1:9/news")
    assert "retrying" in result.stderr and "s3cret-pw" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["postgresql://user:pw@host/", "postgresql://user:pw@host:99999/db",
                                 "postgresql://user:pw@host/db?schema=Robert');DROP"])
def test_a_malformed_url_is_a_usage_error_that_masks_the_password(url):
    result = cli("search", "--index", url, "جنيف")
    assert result.returncode == 2 and "pw" not in result.stderr.replace("python -m retrieval", "")
    assert "***" in result.stderr


def test_a_malformed_url_in_the_environment_is_one_line_that_masks_the_password():
    result = cli("info", INDEX_DIR="postgresql://user:pw123@host/")
    assert result.returncode == 1 and "pw123" not in result.stderr and "***" in result.stderr


def test_mask_hides_every_password_in_a_line():
    line = "from postgresql://a:b@h/d to postgres://c:d%40x@h:5/e"
    assert mask(line) == "from postgresql://a:***@h/d to postgres://c:***@h:5/e"
    assert repr(DatabaseUrl("postgresql://a:secret@h/d")) == "DatabaseUrl('postgresql://a:***@h/d')"
    assert f"{DatabaseUrl('postgresql://a:secret@h/d')}" == "postgresql://a:***@h/d"


async def test_a_running_bot_follows_a_rebuild_in_postgresql_within_seconds(database, corpus_copy, tmp_path):
    build_index(corpus_copy, database, BagOfWords(), progress=False)
    settings = BotSettings(_env_file=None, telegram_bot_token=TOKEN, index_dir=database, corpus_dir=corpus_copy,
                           feedback_log=tmp_path / "feedback.jsonl", questions_per_minute=1000)
    async with FakeBotAPI() as api:
        settings = settings.model_copy(update={"telegram_base_url": api.base_url})
        async with running(build_application(settings, Retriever.load(database, BagOfWords()))):
            await api.send_text("/sources", chat_id=601)
            before = await api.wait_for("sendMessage", lambda c: c.chat_id == 601)
            (corpus_copy / "luxor.txt").write_text(ARTICLE, encoding="utf-8")
            await asyncio.to_thread(build_index, corpus_copy, database, BagOfWords(), progress=False)
            built = time.monotonic()
            while True:
                after = api.mark()
                await api.send_text("/sources", chat_id=601)
                listed = await api.wait_for("sendMessage", lambda c: c.chat_id == 601, after=after)
                if "مهرجان الأقصر" in listed.text:
                    break
                assert time.monotonic() - built < INDEX_POLL_SECONDS + 30, "the bot did not follow the new version"
                await asyncio.sleep(0.5)
    assert "مهرجان الأقصر" not in before.text


def test_search_is_served_by_a_streaming_replica_which_follows_the_primary_and_reports_its_lag(
        postgres, corpus_copy, tmp_path):
    primary = DatabaseUrl(postgres.url() + "?schema=replicated")
    postgres.sql("DROP SCHEMA IF EXISTS replicated CASCADE", database="iqtibas")
    build_index(corpus_copy, primary, BagOfWords(), progress=False)
    with contextlib.closing(postgres.replica(tmp_path / "replica")) as replica:
        mirror = DatabaseUrl(postgres.url(port=replica.port) + "?schema=replicated")
        assert wait_for(lambda: index_stamp(mirror) == index_stamp(primary))
        assert Retriever.load(mirror, BagOfWords()).search("جنيف").passages
        (corpus_copy / "luxor.txt").write_text(ARTICLE, encoding="utf-8")
        build_index(corpus_copy, primary, BagOfWords(), progress=False)
        assert wait_for(lambda: index_stamp(mirror) == index_stamp(primary), seconds=10)
        assert len(Retriever.load(mirror, BagOfWords()).articles) == 6
        info = cli("info", "--index", mirror.secret())
        with pytest.raises(BuildError, match="read-only|recovery"):
            build_index(corpus_copy, mirror, BagOfWords(), progress=False)
        on_primary = cli("info", "--index", primary.secret())
    assert info.returncode == 0, info.stderr
    assert re.search(r"replication: +a replica \(streaming\), [0-9.]+ s behind its primary", info.stdout)
    assert re.search(r"replication: +a primary, replica \S+ streaming", on_primary.stdout)


def test_the_same_sentence_twice_in_a_corpus_is_one_vector_row_and_the_index_equals_the_directory(database, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text(ARTICLE, encoding="utf-8")
    build_index(corpus, database, BagOfWords(), progress=False)
    build_index(corpus, tmp_path / "index", BagOfWords(), progress=False)
    assert_same_index(database, tmp_path / "index", BagOfWords())


def test_a_database_that_goes_away_is_one_line_and_the_same_retriever_answers_once_it_is_back(tmp_path, corpus_copy):
    from benchmarks.postgres import LocalPostgres

    with LocalPostgres(tmp_path / "own", settings={"fsync": "off"}) as server:
        url = DatabaseUrl(server.url())
        build_index(corpus_copy, url, BagOfWords(), progress=False)
        retriever = Retriever.load(url, BagOfWords())
        retriever.index.clear_cache()
        assert retriever.search("جنيف").passages
        server.stop()
        with pytest.raises(IndexUnavailable) as failure:
            retriever.index.clear_cache()
            retriever.search("موعد الجولة المقبلة من المحادثات في جنيف")
        assert "\n" not in str(failure.value) and url.password not in str(failure.value)
        assert index_stamp(url) is None  # a following bot keeps its index and asks again later
        server.start()
        retriever.index.clear_cache()
        assert retriever.search("موعد الجولة المقبلة من المحادثات في جنيف").passages


def test_above_the_approximate_threshold_the_vectors_get_an_hnsw_index_on_halfvec_with_the_same_answers(
        database, tmp_path):
    report = build_index(SEEDS, database, BagOfWords(), approximate_from=10, progress=False)
    build_index(SEEDS, tmp_path / "index", BagOfWords(), index_type="flat", progress=False)
    assert report.index_type == "hnsw" and open_index(database).hnsw == "halfvec"
    assert_same_index(database, tmp_path / "index", BagOfWords())
