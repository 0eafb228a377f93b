"""The BM25 analyzer: normalized, stopword-free, stemmed terms that meet across spellings."""

from retrieval.arabic.analyzer import Analyzer, CharGrams


def test_stopwords_and_question_words_are_dropped():
    assert Analyzer()("ما هي عاصمة اليابان؟") == Analyzer()("عاصمة اليابان")


def test_dialect_question_words_are_dropped():
    assert Analyzer()("شو قال ريابكوف") == Analyzer()("قال ريابكوف")


def test_diacritics_do_not_split_or_change_words():
    assert Analyzer()("المحادثاتُ الجدّية") == Analyzer()("المحادثات الجدية")


def test_article_and_conjunction_prefixes_meet_the_bare_word():
    a = Analyzer()
    assert a("والمحادثات") == a("المحادثات")
    assert a("الأمريكية") == a("أمريكية") == a("الامريكيه")


def test_hamza_free_spelling_meets_the_written_one():
    a = Analyzer()
    assert a("إسطنبول") == a("اسطنبول")
    assert a("مسؤول") == a("مسئول")


def test_digits_and_latin_words_are_kept():
    assert Analyzer()("قمة 2025 NATO") == [Analyzer()("قمة")[0], "2025", "nato"]


def test_punctuation_only_text_has_no_terms():
    assert Analyzer()("؟!… «»") == []


def test_character_grams_meet_across_inflections():
    grams = CharGrams()
    singular, plural = grams("دبلوماسي"), grams("الدبلوماسيون")
    assert singular[1:-1] == plural[3: len(singular) + 1]
    assert grams("عن قمّة") == ["<قم", "قمه", "مه>"]


def test_the_analyzer_id_changes_when_its_word_lists_do(monkeypatch):
    from retrieval.arabic import analyzer

    before = Analyzer().id
    analyzer.terms_version.cache_clear()
    monkeypatch.setattr(analyzer, "ARABIC_STOPWORDS", analyzer.ARABIC_STOPWORDS | {"ريابكوف"})
    try:
        assert Analyzer().id != before and Analyzer().id.startswith("ar-light-")
    finally:
        analyzer.terms_version.cache_clear()


def test_the_passage_pipeline_version_follows_the_analyzer_version(monkeypatch):
    from retrieval.index import reuse

    before = reuse.pipeline_version()
    monkeypatch.setattr(reuse, "terms_version", lambda: "another version")
    assert reuse.pipeline_version() != before
