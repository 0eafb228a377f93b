"""Rendering answers is a pure function: search result + page -> valid Telegram HTML parts and buttons."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest
from fakebotapi import telegram_html_text, utf16_len

from bot import render, texts
from retrieval import Passage, SearchResult

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"


@pytest.fixture(scope="module")
def result(retriever) -> SearchResult:
    return retriever.search(QUESTION, 9)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def passage(text: str, bold: tuple[int, int] = (0, 0), **fields) -> Passage:
    values = dict(id=1, text=text, score=1.0, source="a.txt", title="عنوان", outlet="منفذ", date="2025", url=None,
                  start=100, end=100 + len(text), highlight_start=100 + bold[0], highlight_end=100 + bold[1])
    return Passage(**{**values, **fields})


def test_each_quote_is_the_exact_passage_text_with_its_best_sentence_in_bold(result):
    [part] = render.answer_html(result, 0, 3).parts
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", part, re.S)
    assert len(quotes) == 3
    for quote, p in zip(quotes, result.passages[:3], strict=True):
        assert squeeze(html.unescape(re.sub(r"</?b>", "", quote))) == squeeze(p.text)
        start, end = p.highlight
        assert re.search(r"<b>(.*?)</b>", quote, re.S).group(1) == html.escape(p.text[start:end])


def test_each_quote_is_followed_by_its_source_line(result):
    [part] = render.answer_html(result, 0, 3).parts
    shown = telegram_html_text(part)
    for number, p in enumerate(result.passages[:3], 1):
        line = " — ".join(x for x in (p.title, p.outlet, render.shown_date(p.published, p.date)) if x)
        assert f"📰 {number}. {line} ({p.source})" in shown


def test_the_buttons_offer_context_per_quote_votes_and_the_next_page(result):
    first = render.answer_html(result, 0, 3).buttons
    assert [[b.action for b in row] for row in first] == [["c0", "c1", "c2"], ["u0", "d0", "m1"]]
    last = render.answer_html(result, 2, 3)
    assert [[b.action for b in row] for row in last.buttons] == [["c6", "c7", "c8"], ["u2", "d2"]]
    assert "نتائج إضافية (3 من 3)" in telegram_html_text(last.parts[0])


def test_a_result_the_retriever_does_not_stand_behind_is_not_dressed_as_an_answer(result):
    reply = render.answer_html(replace(result, verdict="none"), 0, 3)
    [part] = reply.parts
    assert "<blockquote>" not in part and not reply.buttons
    shown = telegram_html_text(part)
    assert texts.NOT_COVERED in shown and result.passages[0].title in shown
    assert result.passages[0].text[:40] not in shown


def test_nothing_found_at_all_is_not_covered():
    reply = render.answer_html(SearchResult("سؤال", "none", []), 0, 3)
    assert telegram_html_text(reply.parts[0]).endswith(texts.NOT_COVERED) and not reply.buttons


def test_markup_characters_anywhere_in_corpus_text_are_escaped():
    tricky = passage(
        "قال <b>المحافظ</b> إن 5 > 3 & أن <script>alert('x')</script> لا يعني شيئاً.", bold=(4, 18),
        title="عنوان <i>مائل</i> & غيره", outlet="<وكالة>", date="1 < 2", source="a&b<c>.txt",
        url='https://example.com/?a=1&b="2"',
    )
    [part] = render.answer_html(SearchResult("س", "answered", [tricky]), 0, 3).parts
    shown = telegram_html_text(part)  # raises if Telegram could not parse it
    assert "<b>المحافظ</b> إن 5 > 3 & أن <script>alert('x')</script>" in shown
    assert "عنوان <i>مائل</i> & غيره — <وكالة> — 1 < 2 (a&b<c>.txt)" in shown
    assert 'href="https://example.com/?a=1&amp;b=&quot;2&quot;"' in part


def test_a_link_that_is_not_http_is_not_linked():
    [part] = render.answer_html(SearchResult("س", "answered", [passage("نص.", url="javascript:alert(1)")]), 0, 3).parts
    assert "<a " not in part


def test_long_answers_split_at_passage_boundaries_into_parts_that_each_parse():
    sentence = "وأكد المسؤول أن المحادثات ستستمر & أن النتائج <المرجوة> لم تتحقق بعد، "
    long = [passage(sentence * 20, bold=(0, len(sentence)), id=i) for i in range(6)]
    parts = render.answer_html(SearchResult("س", "answered", long), 0, 6).parts
    assert len(parts) > 1
    numbers = []
    for part in parts:
        shown = telegram_html_text(part)
        assert utf16_len(shown) <= 4096 and utf16_len(part) <= 4096
        assert part.count("<blockquote>") == part.count("📰")
        numbers += re.findall(r"📰 (\d)\.", shown)
    assert numbers == ["1", "2", "3", "4", "5", "6"]


def test_a_single_passage_longer_than_a_message_is_cut_between_words_with_its_tags_closed_and_reopened():
    text = " ".join(f"كلمة{i} & <{i}>" for i in range(1500))
    bold = (text.index("كلمة500"), text.index("كلمة900"))
    parts = render.answer_html(SearchResult("س", "answered", [passage(text, bold=bold)]), 0, 3).parts
    assert len(parts) >= 3
    shown = [telegram_html_text(p) for p in parts]
    assert all(utf16_len(s) <= 4096 for s in shown)
    assert all(p.startswith("<blockquote>") for p in parts)
    assert sum("<b>" in p for p in parts) >= 2  # the bold sentence runs over a cut: closed, then reopened
    words = " ".join(shown).split()
    assert words[: len(text.split())] == text.split()


@pytest.mark.parametrize("text", ["&" * 9000, "ا" * 9000, "😀" * 3000])
def test_splitting_never_cuts_an_entity_or_a_character_and_counts_as_telegram_does(text):
    parts = render.split_html(f"<blockquote>{html.escape(text)}</blockquote>", 4096)
    shown = [telegram_html_text(p) for p in parts]
    assert "".join(shown) == text
    assert all(utf16_len(s) <= 4096 for s in shown)


def test_the_plain_text_twin_marks_the_best_sentence_and_names_the_source(result):
    text = render.answer_text(result, 0, 3)
    p = result.passages[0]
    start, end = p.highlight
    assert f"**{p.text[start:end]}**" in text and f"({p.source})" in text and re.search(r"^\[1\] ", text, re.M)
    assert "(/more" in text


def test_context_keeps_the_quoted_sentence_in_bold(retriever, result):
    focus = result.passages[0]
    parts = render.context_html(retriever.context(focus.id), focus, 1)
    start, end = focus.highlight
    assert f"<b>{html.escape(focus.text[start:end])}</b>" in "".join(parts)
    assert all(telegram_html_text(p) for p in parts)


def test_example_questions_come_from_headline_titles(retriever):
    examples = render.example_questions(retriever.articles)
    headlines = [a.title for a in retriever.articles if not a.title.endswith("…")]
    assert len(examples) == 3
    assert all(any(f"«{t}»" in q for t in headlines) for q in examples)


def test_sources_are_listed_and_capped():
    from retrieval import ArticleEntry

    articles = [ArticleEntry(source=f"{i}.txt", sha256="0", title=f"خبر <{i}>", outlet="منفذ", date=None, chunks=1)
                for i in range(150)]
    parts = render.sources_html(articles)
    shown = "\n".join(telegram_html_text(p) for p in parts)
    assert "• خبر <0> — منفذ" in shown and "خبر <99>" in shown and "خبر <100>" not in shown
    assert "و50 غيرها" in shown


def test_a_related_answer_says_it_does_not_state_the_fact_then_quotes(result):
    related = replace(result, verdict="related", asks="when")
    reply = render.answer_html(related, 0, 3)
    shown = telegram_html_text(reply.parts[0])
    assert shown.index(texts.ASKED_FACT["when"]) < shown.index(result.passages[0].text[:20])
    assert "<blockquote>" in reply.parts[0] and reply.buttons
    assert texts.ASKED_FACT["when"] in render.answer_text(related, 0, 3)


def test_a_question_the_corpus_does_not_cover_gets_no_quotes(result):
    reply = render.answer_html(replace(result, verdict="none"), 0, 3)
    assert "<blockquote>" not in reply.parts[0] and not reply.buttons
