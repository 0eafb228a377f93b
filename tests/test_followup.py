"""Follow-up questions: which messages lean on the conversation, and searching them with it."""

import json
from pathlib import Path

import pytest

from retrieval.arabic.normalize import contains
from retrieval.search.followup import earlier_questions, looks_like_followup

ROOT = Path(__file__).resolve().parent.parent
RECORDS = [json.loads(line) for line in (ROOT / "eval" / "followups.jsonl").read_text(encoding="utf-8").splitlines()]
SEED_QUESTIONS = [json.loads(line)["q"] for line in (ROOT / "eval" / "seed_qa.jsonl").read_text(encoding="utf-8").splitlines()]
RYABKOV = "000_929b026e6166e937.txt"


@pytest.mark.parametrize("question", ["وليش؟", "وإمتى؟", "ومين رد عليه؟", "وكم مرة التقوا قبلها؟", "طب وهدفها إيه؟",
                                      "and when is the next one?", "ليش؟", "وفي لوجانسك؟", "وكوشنر ايش يقرب للرئيس؟"])
def test_short_questions_that_point_back_or_open_with_and_are_followups(question):
    assert looks_like_followup(question)


@pytest.mark.parametrize("question", ["وكم مساحة أوكرانيا اللي تسيطر عليها روسيا؟", "من هو فيدور لوكيانوف؟",
                                      "وين صارت المحادثات الثلاثية بين روسيا وأوكرانيا وأمريكا؟", "شكرا", "ok", "?",
                                      "How long did the Istanbul talks last?"])
def test_questions_that_name_their_own_subject_and_chatter_are_not(question, retriever):
    assert not looks_like_followup(question, set(retriever.index.lexical.vocabulary()))


@pytest.mark.parametrize("question", ["how old is Ryabkov?", "how old is Lavrov?", "Who is Witkoff?"])
def test_an_english_question_naming_its_subject_is_not_a_followup_though_the_index_knows_no_english(question):
    assert not looks_like_followup(question, {"ريابكوف", "لافروف"})


@pytest.mark.parametrize("question", ["how old is he?", "and why?", "what did she say about that?"])
def test_an_english_question_that_points_back_is_a_followup(question):
    assert looks_like_followup(question)


def test_the_detector_tells_the_dev_sets_followups_from_its_switches_and_leaves_the_seed_questions_alone(retriever):
    known = set(retriever.index.lexical.vocabulary())
    wrong = [r["q"] for r in RECORDS if looks_like_followup(r["q"], known) != (r["kind"] == "followup")]
    assert len(wrong) <= 2, wrong
    assert not [q for q in SEED_QUESTIONS if looks_like_followup(q, known)]


def test_earlier_questions_keeps_the_last_three_oldest_first():
    assert earlier_questions(["a", " ", "b", "c", "d"]) == "b c d"
    assert earlier_questions([]) == ""


def test_a_followup_searched_with_its_earlier_question_finds_the_answer_it_misses_alone(retriever):
    earlier = "ماذا قال ريابكوف عن الجولة الأخيرة من المباحثات مع واشنطن؟"
    alone = retriever.search("وبشو مشروطة؟", k=3)
    followup = retriever.search("وبشو مشروطة؟", k=3, context=[earlier])
    assert not any(contains(p.text, "جدول أعمال واضح") for p in alone.passages if alone.answerable)
    assert followup.answerable and followup.passages[0].source == RYABKOV
    assert any(contains(p.text, "جدول أعمال واضح") for p in followup.passages)


def test_quotes_of_a_followup_are_exact_article_text(retriever, seed_index):
    result = retriever.search("وليش؟", k=3, context=["روسيا شو بتعتبر الحوار الدبلوماسي مع أمريكا؟"])
    for p in result.passages:
        assert (ROOT / "seeds" / p.source).read_text(encoding="utf-8")[p.start:p.end] == p.text


def test_a_question_without_context_is_searched_exactly_as_before(retriever):
    question = SEED_QUESTIONS[0]
    assert retriever.search(question, k=5, context=()) == retriever.search(question, k=5)
    assert retriever.search(question, k=5, context=["", "  "]) == retriever.search(question, k=5)


def test_a_question_that_names_its_own_subject_is_read_alone_even_with_context(retriever):
    question = "How long did the Istanbul talks last?"
    assert retriever.search(question, k=5, context=["شو قال ريابكوف عن اجتماع روسي أمريكي هالأسبوع؟"]) == \
        retriever.search(question, k=5)


def test_an_off_topic_followup_of_an_off_topic_question_is_still_declined(retriever):
    result = retriever.search("وكم تكلفته؟", k=3, context=["كيف أحضّر الكشري في البيت؟"])
    assert not result.answerable


@pytest.mark.parametrize("question", ["كيف اطبخ كبسة؟", "طيب كيف أسوي كبسة لحم؟"])
def test_an_off_topic_question_after_one_on_the_talks_is_not_a_followup(question, retriever):
    assert not retriever.is_followup(question, ["وين انعقدت محادثات اسطنبول؟"])
    assert retriever.search(question, k=3, context=["وين انعقدت محادثات اسطنبول؟"]).verdict == "none"
