"""Reading chat messages: chatter, dialect read as MSA, Arabizi in Arabic script, what a question asks."""

import pytest

from retrieval import understand
from retrieval.arabic.normalize import words
from retrieval.search.evidence import holds, matching_form
from retrieval.search.query import answer_type, transliterate


@pytest.mark.parametrize("message", ["test", "<b>test</b>", "👍", "?", "شكرا", "السلام عليكم", "كيف الحال", "ok",
                                     "Thanks!", "هههههه", "صباح الخير", "هلا والله"])
def test_chatter_is_recognised(message):
    assert understand(message).chatter


@pytest.mark.parametrize("message", ["شو قال ريابكوف؟", "كيف كانت المباحثات؟", "test of the talks in Istanbul?",
                                     "مين المتحدث باسم الكرملين"])
def test_questions_are_not_chatter(message):
    assert not understand(message).chatter


@pytest.mark.parametrize("dialect, msa_words", [
    ("شو قال ريابكوف؟", {"ماذا", "قال"}),
    ("وين صارت المحادثات؟", {"أين", "حدث"}),
    ("ليش ما في تقدم؟", {"لماذا"}),
    ("إمتى الجولة الجاية؟", {"متى"}),
    ("قديش عدد الجولات؟", {"كم"}),
    ("مين اللي وصل اسطنبول؟", {"من", "الذي"}),
    ("إزاي وصف بوتين المكالمة؟", {"كيف"}),
])
def test_dialect_words_are_read_as_msa(dialect, msa_words):
    assert msa_words <= set(words(understand(dialect).search_text))


def test_words_not_in_the_lexicon_keep_their_spelling():
    assert "ريابكوف" in words(understand("شو قال ريابكوف؟").search_text)


def test_egyptian_negation_becomes_lam():
    assert words(understand("الجولة دي محققتش تقدم").search_text)[-3:] == ["لم", "حققت", "تقدم"]


def test_arabizi_is_transliterated():
    query = understand("shu 2al el kremlin?")
    assert query.script == "arabizi"
    assert query.search_text == "ماذا قال الكرملين؟"


def test_arabizi_digits_spell_arabic_letters():
    assert transliterate("7iwar 5abeer 3an") == "حيور خبير عن"


def test_english_stays_english():
    query = understand("What did Kushner say about the talks?")
    assert query.script == "latin" and query.cross_lingual
    assert query.search_text == "What did Kushner say about the talks?"


@pytest.mark.parametrize("question, kind", [
    ("متى عقدت الجولة؟", "when"), ("امتى الجولة الجاية؟", "when"), ("When will they meet?", "when"),
    ("كم عدد الجولات؟", "count"), ("قديش جولة صارت؟", "count"), ("How many rounds?", "count"),
    ("كم ساعة استمرت المحادثات؟", "duration"), ("How long did the call last?", "duration"),
    ("كم عمر ريابكوف؟", "age"), ("How old is Ryabkov?", "age"),
    ("من المتحدث باسم الكرملين؟", "who"), ("مين اللي قال هيك؟", "who"), ("Who met in Istanbul?", "who"),
    ("أين عقدت المحادثات؟", "where"), ("فين اتقابلوا؟", "where"),
    ("لماذا لم تحقق تقدماً؟", "why"), ("علاش ماكاينش تقدم؟", "why"),
    ("كيف وصف المكالمة؟", "how"), ("هل حققت تقدماً؟", "yesno"), ("ما موقف روسيا؟", "what"),
])
def test_answer_type_of_questions(question, kind):
    assert understand(question).asks == kind


def test_answer_type_reads_english_only_for_latin_script():
    assert answer_type("when", "latin") == "when"


@pytest.mark.parametrize("question, focus", [
    ("كم ساعة استمرت المحادثات؟", "ساع"), ("في أي فندق التقيا؟", "فندق"), ("ما مساحة روسيا؟", "مساح"),
    ("كم عدد مجموعات العمل؟", "مجموع"), ("في أي يوم التقيا؟", None), ("ماذا قال ريابكوف؟", None),
])
def test_the_asked_noun(question, focus):
    assert understand(question).focus == focus


@pytest.mark.parametrize("kind, sentence", [
    ("when", "التقى الوفدان الأربعاء 24 ديسمبر 2025 في موسكو"),
    ("when", "قد تعقد جولة جديدة مطلع الربيع المقبل"),
    ("count", "اتفق الطرفان على 4 مبادئ أساسية"),
    ("count", "تسيطر روسيا على خمس مساحة أوكرانيا"),
    ("duration", "استمرت المحادثات لأكثر من ساعتين"),
    ("duration", "دامت المفاوضات 6 ساعات"),
    ("who", "قال المتحدث باسم الكرملين دميتري بيسكوف"),
    ("where", "التقى الدبلوماسيون في إسطنبول"),
])
def test_sentences_holding_the_kind_of_fact_asked(kind, sentence):
    assert holds(kind, matching_form(sentence))


@pytest.mark.parametrize("kind, sentence", [
    ("when", "أكد ريابكوف أهمية الحوار الدبلوماسي"),
    ("count", "نشر الخبر في 24 ديسمبر 2025 الساعة 09:23"),
    ("duration", "لم تحقق المحادثات التقدم المرجو"),
    ("age", "قال ريابكوف 24 ديسمبر 2025"),
])
def test_sentences_without_it(kind, sentence):
    assert not holds(kind, matching_form(sentence))


def test_an_asked_noun_must_be_named():
    sentence = matching_form("استمرت المحادثات لأكثر من ساعتين")
    assert holds("duration", sentence, focus="ساع")
    assert not holds("duration", sentence, focus="دقيق")
