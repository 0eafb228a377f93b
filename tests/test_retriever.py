"""The retriever on the seed index: right passages, exact quotes, diversity, abstention."""

import json

import pytest
from helpers import SEEDS

from retrieval import RetrievalSettings, Retriever, SearchConfig, build
from retrieval.arabic.normalize import contains

QUESTIONS = [
    ("أين أجرى كيريل دميترييف مفاوضاته مع ويتكوف وكوشنر؟", "000_929b026e6166e937.txt", "مدينة ميامي"),
    ("في أي مدينة التقى الدبلوماسيون الروس والأمريكيون لبحث عمل السفارات؟", "004_e234d2361282aa33.txt", "اسطنبول"),
    ("كم تسيطر روسيا من مساحة أوكرانيا؟", "003_347a1e20d77f6830.txt", "خُمس مساحة أوكرانيا"),
    ("كم استمر اللقاء الافتراضي بين بوتين وبايدن", "002_87ffb09050df82ad.txt", "ساعتين"),
]


@pytest.mark.parametrize("question,source,key", QUESTIONS)
def test_seed_questions_are_answered_by_the_right_passage(retriever, question, source, key):
    result = retriever.search(question, 3)
    assert result.answerable
    top = result.passages[0]
    assert top.source == source and contains(top.text, key)


def test_every_quote_is_the_article_text_at_its_offsets(retriever):
    for passage in retriever.search("ماذا قال ريابكوف عن المحادثات؟", 10).passages:
        article = (SEEDS / passage.source).read_text(encoding="utf-8")
        assert article[passage.start:passage.end] == passage.text
        assert passage.start <= passage.highlight_start < passage.highlight_end <= passage.end


def test_highlight_is_the_sentence_holding_the_answer(retriever):
    passage = retriever.search("أين أجرى دميترييف مفاوضاته مع ويتكوف؟", 1).passages[0]
    s, e = passage.highlight
    assert "ميامي" in passage.text[s:e]


def test_passages_carry_their_article_metadata(retriever):
    passage = retriever.search("أين أجرى دميترييف مفاوضاته مع ويتكوف؟", 1).passages[0]
    assert passage.title == "ريابكوف: مباحثات روسية-أمريكية معمقة دون تحقيق تقدم ملموس"
    assert (passage.outlet, passage.date) == ("الأمصار", "الأربعاء 24 ديسمبر 2025")


def test_no_two_returned_passages_overlap(retriever):
    passages = retriever.search("العلاقات الروسية الأمريكية", 20).passages
    for i, a in enumerate(passages):
        for b in passages[i + 1:]:
            assert a.source != b.source or a.end <= b.start or b.end <= a.start


def test_first_results_come_from_different_articles(seed_index, embedder):
    strict = Retriever.load(seed_index, embedder, SearchConfig(same_article_margin=0))
    passages = strict.search("المحادثات بين موسكو وواشنطن", 7).passages
    assert len({p.source for p in passages[:5]}) == 5
    assert len(passages) == 7  # then more passages of the same articles


def test_a_second_passage_of_an_article_as_strong_as_the_first_comes_early(seed_index, embedder):
    lenient = Retriever.load(seed_index, embedder, SearchConfig(same_article_margin=1))
    passages = lenient.search("المحادثات بين موسكو وواشنطن", 5).passages
    assert passages == sorted(passages, key=lambda p: -p.score)


@pytest.mark.parametrize("question", ["ما هي عاصمة اليابان؟", "كم سعر برميل النفط اليوم؟", "What is the capital of Japan?"])
def test_off_topic_questions_are_not_answerable(retriever, question):
    result = retriever.search(question, 3)
    assert not result.answerable
    assert result.verdict != "answered"


def test_empty_question_is_an_error(retriever):
    with pytest.raises(ValueError, match="empty question"):
        retriever.search("   ", 3)


def test_question_of_only_punctuation_still_searches(retriever):
    assert not retriever.search("؟؟؟", 3).answerable


def test_context_returns_exact_neighbouring_text(retriever):
    passage = retriever.search("أين أجرى دميترييف مفاوضاته مع ويتكوف؟", 1).passages[0]
    context = retriever.context(passage.id)
    article = (SEEDS / passage.source).read_text(encoding="utf-8")
    assert any(c.start <= passage.start and passage.end <= c.end for c in context)
    assert all(article[c.start:c.end] == c.text for c in context)
    assert sum(len(c.text) for c in context) > len(passage.text)


def test_dense_and_lexical_modes_also_answer(seed_index, embedder):
    for mode in ("dense", "lexical"):
        r = Retriever.load(seed_index, embedder, SearchConfig(mode=mode))
        top = r.search("أين أجرى دميترييف مفاوضاته مع ويتكوف وكوشنر؟", 1).passages[0]
        assert top.source == "000_929b026e6166e937.txt"
        assert "ميامي" in top.text[top.highlight[0]:top.highlight[1]]


INFORMAL = [
    ("شو قال ريابكوف عن مستقبل التقدم مع الأمريكان؟", "000_929b026e6166e937.txt", "لا تستبعد إمكانية تحقيق تقدم"),
    ("المفاوضات في اسطنبول طولت قد ايه؟", "004_e234d2361282aa33.txt", "ست ساعات"),
    ("2addesh 5ad wa2t el li2a bein putin w biden?", "002_87ffb09050df82ad.txt", "ساعتين"),
    ("ماتفيينكو قالت ايه عن الإدارة الأمريكية السابقه", "004_e234d2361282aa33.txt", "الإدارة السابقة"),
]


@pytest.mark.parametrize("question,source,key", INFORMAL)
def test_informal_questions_find_the_passage_that_answers(retriever, question, source, key):
    result = retriever.search(question, 5)
    assert any(p.source == source and contains(p.text, key) for p in result.passages[:3])


def test_chatter_gets_no_quotes(retriever):
    result = retriever.search("شكراً 🙏", 5)
    assert result.verdict == "none" and not result.passages and not result.answerable


def test_off_topic_question_is_not_covered(retriever):
    assert retriever.search("ما هي طريقة تحضير المقلوبة؟", 5).verdict == "none"


def test_a_fact_the_articles_never_state_is_not_answered(retriever):
    result = retriever.search("قديش عمر ريابكوف؟", 5)
    assert result.verdict == "related" and not result.answerable
    assert result.passages  # what the articles do say about him


def test_answered_questions_hold_the_kind_of_fact_asked(retriever):
    result = retriever.search("متى ممكن تنعقد الجولة الجاية من المباحثات؟", 3)
    assert result.verdict == "answered" and result.asks == "when" and result.holds_asked


def test_a_fact_two_outlets_state_is_quoted_once_and_names_the_other(index_copy, corpus_copy, embedder):
    text = (SEEDS / "000_929b026e6166e937.txt").read_text(encoding="utf-8")
    record = {"text": text, "title": "ريابكوف يصف المباحثات", "outlet": "وكالة أخرى", "date": "2025-12-24"}
    (corpus_copy / "copies.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    build(RetrievalSettings(_env_file=None, corpus_dir=corpus_copy, index_dir=index_copy), embedder)
    result = Retriever.load(index_copy, embedder).search("بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين؟")
    first = result.passages[0]
    assert "جدّية، مهمة، ومعمقة" in first.text
    assert set(first.also) == {"وكالة أخرى", "الأمصار"} - {first.outlet}
    assert {first.source, *first.restates} == {"000_929b026e6166e937.txt", "copies.jsonl#1"}
    assert len({p.text for p in result.passages}) == len(result.passages)
