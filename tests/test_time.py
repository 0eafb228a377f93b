"""News over time: a question's time words choose and order the articles by publication date.

Seeds: 000 published 2025-12-24, 004 2025-02-28, 002 2021-12-09; 001 and 003 state no date.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from helpers import SEEDS

from retrieval import BuildError
from retrieval.corpus.ingest import read_corpus
from retrieval.arabic.dates import read_time
from retrieval.search.time import plan

TODAY = date(2026, 12, 2)
NEWEST, FEB_2025, DEC_2021 = "000_929b026e6166e937.txt", "004_e234d2361282aa33.txt", "002_87ffb09050df82ad.txt"


def first_source(result) -> str:
    return result.passages[0].source


def test_the_manifest_keeps_each_articles_publication_date_or_none(retriever):
    published = {a.source: a.published for a in retriever.articles}
    assert published[NEWEST] == "2025-12-24" and published[DEC_2021] == "2021-12-09"
    assert published["001_2b82be6227b46172.txt"] is None and published["003_347a1e20d77f6830.txt"] is None


def test_latest_quotes_the_newest_dated_article_first(retriever):
    result = retriever.search("شو آخر الأخبار عن المحادثات الروسية الأمريكية؟", today=TODAY)
    assert first_source(result) == NEWEST and result.verdict == "answered" and result.time.kind == "latest"


def test_latest_in_english(retriever):
    assert first_source(retriever.search("What's the latest on the Russia-US talks?", today=TODAY)) == NEWEST


def test_earliest_quotes_the_oldest_dated_article_first(retriever):
    result = retriever.search("ما أقدم خبر عن المحادثات الروسية الأمريكية؟", today=TODAY)
    assert first_source(result) == DEC_2021


def test_a_year_keeps_to_the_articles_published_in_it(retriever):
    result = retriever.search("شو صار بالمحادثات بين روسيا وأمريكا سنة ٢٠٢١؟", today=TODAY)
    assert {p.source for p in result.passages} == {DEC_2021}


def test_a_levantine_month_with_its_year(retriever):
    assert first_source(retriever.search("شو صار بالمحادثات بشباط 2025؟", today=TODAY)) == FEB_2025


def test_an_empty_window_is_never_answered_and_names_the_nearest_dated_articles(retriever):
    result = retriever.search("في أخبار جديدة عن المحادثات هالأسبوع؟", today=TODAY)
    assert result.verdict != "answered"
    assert result.time.empty and result.time.nearest == ("2025-12-24",)
    assert {p.source for p in result.passages} == {NEWEST}


def test_a_year_between_the_articles_is_empty_with_a_neighbour_on_each_side(retriever):
    result = retriever.search("ماذا حدث في المحادثات عام 2023؟", today=TODAY)
    assert result.verdict != "answered" and result.time.nearest == ("2021-12-09", "2025-02-28")


def test_a_timeline_quotes_one_passage_per_dated_article_oldest_first(retriever):
    result = retriever.search("كيف تطورت المحادثات الروسية الأمريكية؟", today=TODAY)
    assert [p.source for p in result.passages] == [DEC_2021, FEB_2025, NEWEST]


def test_and_before_that_after_a_latest_question_is_the_one_before(retriever):
    earlier = ["شو آخر الأخبار عن المحادثات الروسية الأمريكية؟"]
    assert first_source(retriever.search("وقبلها؟", context=earlier, today=TODAY)) == FEB_2025
    assert first_source(retriever.search("وقبلها؟", context=[*earlier, "وقبلها؟"], today=TODAY)) == DEC_2021


def test_a_question_without_time_words_is_not_planned():
    assert plan("ما الشرط الذي وضعه ريابكوف لعقد جولة جديدة؟", [], TODAY) is None


def test_a_named_past_day_is_a_window_of_that_day_and_the_next_when_it_is_reported():
    when = plan("ما هدف محادثات ترمب وبوتين يوم 12 شباط؟", [], TODAY)
    assert when.ask.window == (date(2026, 2, 12), date(2026, 2, 13)) and when.ask.label == "12 فبراير 2026"


def test_a_day_and_month_written_in_digits_is_a_date_of_this_year():
    assert read_time("شو صار يوم 6/8؟", date(2018, 10, 13)).window == (date(2018, 8, 6), date(2018, 8, 6))


def test_a_score_written_with_a_slash_is_no_date():
    assert read_time("نتيجة المباراة 2/1", date(2018, 10, 13)).window is None


def test_a_follow_up_with_its_own_order_keeps_the_earlier_window():
    when = plan("وأول خبر فيها كان إيه؟", ["إيه اللي حصل في محادثات روسيا وأمريكا سنة 2025؟"], TODAY)
    assert when.ask.order == "earliest" and when.ask.window == (date(2025, 1, 1), date(2025, 12, 31))


def test_a_follow_up_that_asks_why_keeps_no_time():
    assert plan("وليش؟", ["شو آخر الأخبار عن المحادثات؟"], TODAY) is None


def test_metadata_json_dates_an_undated_article(tmp_path):
    corpus = shutil.copytree(SEEDS, tmp_path / "corpus")
    (corpus / "metadata.json").write_text(json.dumps({"003_347a1e20d77f6830.txt": {"date": "2025-02-16"}}))
    articles = {a.source: a for a in read_corpus(corpus).articles}
    assert articles["003_347a1e20d77f6830.txt"].published == "2025-02-16"
    assert "metadata.json" not in articles


def test_metadata_json_with_an_unreadable_date_is_one_error(tmp_path):
    corpus = shutil.copytree(SEEDS, tmp_path / "corpus")
    (corpus / "metadata.json").write_text(json.dumps({"003_347a1e20d77f6830.txt": {"date": "soon"}}))
    with pytest.raises(BuildError, match="unreadable date 'soon'"):
        read_corpus(corpus)


def test_an_index_without_dates_reads_a_year_as_a_word(tmp_path, embedder):
    from retrieval import Retriever, build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wiki.jsonl").write_text(json.dumps({"title": "الحرب العالمية الثانية", "text": (
        "انتهت الحرب العالمية الثانية في عام 1945 باستسلام ألمانيا ثم اليابان. وتأسست الأمم المتحدة في العام نفسه.")},
        ensure_ascii=False) + "\n", encoding="utf-8")
    build_index(corpus, tmp_path / "index", embedder)
    result = Retriever.load(tmp_path / "index", embedder).search("ماذا حدث في عام 1945؟", today=TODAY)
    assert result.time is None and result.passages[0].source == "wiki.jsonl#1"
