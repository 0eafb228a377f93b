"""Time in questions and articles (retrieval/arabic/dates.py), on real phrases; questions are asked on a Thursday."""

from datetime import date

import pytest
from helpers import SEEDS

from retrieval.arabic.dates import parse_date_phrase, read_time, resolve_relative_days

TODAY = date(2026, 1, 15)  # a Thursday
DECEMBER_2025 = (date(2025, 12, 1), date(2025, 12, 31))
THIS_WEEK = (date(2026, 1, 9), TODAY)
LAST_WEEK = (date(2026, 1, 2), date(2026, 1, 8))


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------ order words
@pytest.mark.parametrize("question", [
    "شو آخر الأخبار؟", "اخر الاخبار", "آخر شي عن المحادثات", "ما هي أحدث التطورات في المفاوضات؟", "احدث خبر عن السفارات",
    "ماذا قال ريابكوف مؤخراً؟", "شو الجديد بين روسيا وأمريكا؟", "في جديد عن المحادثات؟", "شو صار بآخر جولة؟",
    "what's new in the talks?", "latest news on Russia", "most recent statement by Ryabkov",
])
def test_recency_words_ask_for_the_latest(question):
    assert read_time(question, TODAY).order == "latest"


def test_the_last_round_is_recency():
    assert read_time("متى كانت الجولة الأخيرة من المحادثات؟", TODAY).order == "latest"


@pytest.mark.parametrize("question", ["التقوا مرة أخرى في إسطنبول؟", "هل التقى ريابكوف مسؤولا آخر؟",
                                      "ماذا قال الطرف الآخر؟"])
def test_another_is_not_recency(question):
    assert read_time(question, TODAY).order is None


@pytest.mark.parametrize("question", ["ما أول خبر عن المحادثات؟", "أقدم مقال عن السفارات", "first article about the embassies",
                                      "earliest report on the talks"])
def test_first_or_oldest_article_asks_for_the_earliest(question):
    assert read_time(question, TODAY).order == "earliest"


def test_the_first_direct_talks_is_a_fact_question_not_an_order():
    ask = read_time("متى جرت أول مفاوضات مباشرة؟", TODAY)
    assert ask.order is None and not ask.timeline and ask.window is None


def test_what_happened_from_the_start_is_a_timeline_from_the_earliest():
    ask = read_time("شو صار من الأول بين موسكو وواشنطن؟", TODAY)
    assert ask.timeline and ask.order == "earliest"


@pytest.mark.parametrize("question", ["تسلسل الأحداث في محادثات السفارات", "كيف تطورت المحادثات الروسية الأمريكية؟",
                                      "timeline of the embassy talks", "how did the talks develop?"])
def test_timeline_words(question):
    assert read_time(question, TODAY).timeline


@pytest.mark.parametrize("question", ["متى الجولة الجاية؟", "امتى الجولة الجاية من المحادثات؟", "إمتى رح يجتمعوا؟",
                                      "وقتيش الاجتماع المقبل؟", "متى الجولة القادمة؟", "when is the next round?"])
def test_when_is_the_next_asks_about_the_future(question):
    ask = read_time(question, TODAY)
    assert ask.future and ask.window is None


def test_when_in_the_past_is_not_future():
    assert not read_time("متى بدأت المحادثات؟", TODAY).future


def test_next_december_is_future_not_the_last_december():
    ask = read_time("شو مخطط لديسمبر المقبل؟", TODAY)
    assert ask.future and ask.window is None


# ------------------------------------------------------------------------------------------------ windows
@pytest.mark.parametrize("question", ["محادثات 2021", "ماذا حدث عام ٢٠٢١؟", "سنة 2021", "what happened in 2021"])
def test_a_year_is_the_whole_year(question):
    ask = read_time(question, TODAY)
    assert ask.window == (date(2021, 1, 1), date(2021, 12, 31)) and ask.label == "عام 2021"


@pytest.mark.parametrize("question", ["ماذا حدث في ديسمبر 2025", "كانون الأول 2025", "أخبار دجنبر 2025", "December 2025",
                                      "ديسمبر ٢٠٢٥", "شو صار بشهر 12 2025", "محادثات 12/2025"])
def test_a_month_with_a_year_in_any_dialect(question):
    ask = read_time(question, TODAY)
    assert ask.window == DECEMBER_2025 and ask.label == "ديسمبر 2025"


@pytest.mark.parametrize("question, month", [("شو صار بشباط 2025؟", 2), ("ماذا جرى في فيفري 2025", 2),
                                             ("أخبار أيلول 2025", 9), ("محادثات شتنبر 2025", 9), ("أخبار غشت 2025", 8),
                                             ("جويلية 2025", 7), ("ماي 2025", 5), ("آب 2025", 8)])
def test_levantine_and_maghrebi_month_names(question, month):
    assert read_time(question, TODAY).window[0] == date(2025, month, 1)


def test_a_month_without_a_year_is_the_most_recent_one_not_after_today():
    assert read_time("شو صار بديسمبر؟", TODAY).window == DECEMBER_2025


@pytest.mark.parametrize("question", ["ايش صار بأول يوم في يوليو؟", "شو صار أول يوم من تموز", "what happened on the first day of July?"])
def test_the_first_day_of_a_month_without_a_year_is_that_day_of_the_most_recent_one(question):
    assert read_time(question, TODAY).window == (date(2025, 7, 1), date(2025, 7, 1))


def test_todays_own_month_counts_as_the_most_recent():
    assert read_time("ماذا حدث في يناير؟", TODAY).window == (date(2026, 1, 1), date(2026, 1, 31))


def test_last_january_is_strictly_before_this_month():
    assert read_time("ماذا حدث في يناير الماضي", TODAY).window == (date(2025, 1, 1), date(2025, 1, 31))


def test_a_hijri_month_is_its_gregorian_range():
    ask = read_time("ماذا حدث في شعبان 1446", TODAY)
    assert ask.window == (date(2025, 1, 31), date(2025, 2, 28)) and ask.label == "شعبان 1446 هـ"


def test_a_word_that_is_also_a_month_needs_a_cue():
    assert read_time("مارس ضغوطا على موسكو", TODAY).window is None
    assert read_time("ماذا حدث في مارس الماضي", TODAY).window == (date(2025, 3, 1), date(2025, 3, 31))


@pytest.mark.parametrize("question, window, label", [
    ("شو صار اليوم؟", (TODAY, TODAY), "اليوم"),
    ("شو صار امبارح؟", (date(2026, 1, 14),) * 2, "أمس"),
    ("ماذا حدث امس", (date(2026, 1, 14),) * 2, "أمس"),
    ("أخبار البارحة", (date(2026, 1, 14),) * 2, "أمس"),
    ("yesterday", (date(2026, 1, 14),) * 2, "أمس"),
    ("شو صار هالأسبوع؟", THIS_WEEK, "هذا الأسبوع"),
    ("this week", THIS_WEEK, "هذا الأسبوع"),
    ("محادثات الأسبوع الماضي", LAST_WEEK, "الأسبوع الماضي"),
    ("last week", LAST_WEEK, "الأسبوع الماضي"),
    ("شو صار هالشهر؟", (date(2026, 1, 1), TODAY), "هذا الشهر"),
    ("أخبار الشهر الماضي", DECEMBER_2025, "ديسمبر 2025"),
    ("last month", DECEMBER_2025, "ديسمبر 2025"),
    ("ديسمبر الماضي", DECEMBER_2025, "ديسمبر 2025"),
    ("السنة الماضية", (date(2025, 1, 1), date(2025, 12, 31)), "عام 2025"),
    ("العام الماضي", (date(2025, 1, 1), date(2025, 12, 31)), "عام 2025"),
    ("last year", (date(2025, 1, 1), date(2025, 12, 31)), "عام 2025"),
    ("شو صار هالسنة؟", (date(2026, 1, 1), TODAY), "هذا العام"),
])
def test_windows_relative_to_today(question, window, label):
    ask = read_time(question, TODAY)
    assert (ask.window, ask.label) == (window, label)


def test_last_december_asked_in_december_is_the_year_before():
    assert read_time("ديسمبر الماضي", date(2025, 12, 20)).window == (date(2024, 12, 1), date(2024, 12, 31))


def test_the_last_three_days_end_today():
    assert read_time("آخر 3 أيام", TODAY).window == (date(2026, 1, 13), TODAY)


def test_since_a_year_runs_to_today():
    assert read_time("شو صار منذ 2021", TODAY).window == (date(2021, 1, 1), TODAY)


def test_two_windows_become_the_span_between_them():
    ask = read_time("بين 2021 و2023", TODAY)
    assert ask.window == (date(2021, 1, 1), date(2023, 12, 31))


def test_a_window_and_an_order_together():
    ask = read_time("أحدث خبر في ديسمبر 2025", TODAY)
    assert (ask.order, ask.window, ask.label) == ("latest", DECEMBER_2025, "ديسمبر 2025")


def test_the_secretary_general_is_no_year():
    assert read_time("ماذا قال الأمين العام للأمم المتحدة", TODAY) == read_time("ماذا قال غوتيريش", TODAY)


# ------------------------------------------------------------------------------------------------ matched spans
def test_matched_spans_cut_the_time_words_from_the_original_question():
    question = "شو آخر الأخبار عن محادثات ديسمبر 2025؟"
    ask = read_time(question, TODAY)
    assert [question[s:e] for s, e in ask.matched] == ["آخر الأخبار", "ديسمبر 2025"]
    assert ask.topic(question) == "شو عن محادثات ؟"


def test_a_recency_question_leaves_little_topic():
    assert read_time("شو الجديد؟", TODAY).topic("شو الجديد؟") == "؟"


def test_matched_spans_keep_the_harakat_of_the_word():
    question = "ماذا قال ريابكوف مؤخراً"
    assert read_time(question, TODAY).topic(question) == "ماذا قال ريابكوف"


def test_a_question_without_time_words():
    assert read_time("ما موقف روسيا من توسع الناتو؟", TODAY) == read_time("", TODAY)


# ------------------------------------------------------------------------------------------------ date phrases
@pytest.mark.parametrize("phrase, day", [
    ("الجمعة 28 فبراير 2025", date(2025, 2, 28)),
    ("09 ديسمبر 2021", date(2021, 12, 9)),
    ("الأربعاء 24 ديسمبر 2025 - 09:23 ص", date(2025, 12, 24)),
    ("5 شعبان 1446", date(2025, 2, 4)),
    ("29 شعبان 1446", date(2025, 2, 28)),
    ("2025-02-28", date(2025, 2, 28)),
    ("٢٨ فبراير ٢٠٢٥", date(2025, 2, 28)),
    ("24 كانون الأول 2025", date(2025, 12, 24)),
    ("28 فيفري 2025", date(2025, 2, 28)),
    ("February 28, 2025", date(2025, 2, 28)),
    ("28/02/2025", date(2025, 2, 28)),
])
def test_parse_date_phrase(phrase, day):
    assert parse_date_phrase(phrase) == day


@pytest.mark.parametrize("phrase", ["ديسمبر 2025", "31 فبراير 2025", "شو آخر الأخبار"])
def test_parse_date_phrase_needs_one_real_day(phrase):
    assert parse_date_phrase(phrase) is None


# ------------------------------------------------------------------------------------------------ articles
def resolved(text: str, published: date) -> list[tuple[str, str]]:
    return [(text[r.start:r.end], r.rendering) for r in resolve_relative_days(text, published)]


def test_every_relative_day_of_seed_004():
    assert resolved(seed("004"), date(2025, 2, 28)) == [
        ("يوم الخميس", "الخميس = 27 فبراير 2025"),
        ("يوم الخميس", "الخميس = 27 فبراير 2025"),
        ("يوم الخميس", "الخميس = 27 فبراير 2025"),
        ("الخميس", "الخميس = 27 فبراير 2025"),
        ("الأسبوع الماضي", "الأسبوع الماضي = من 15 إلى 21 فبراير 2025"),
    ]


def test_every_relative_day_of_seed_002():
    assert resolved(seed("002"), date(2021, 12, 9)) == [
        ("اليوم الخميس", "اليوم الخميس = 9 ديسمبر 2021"),
        ("نهاية العام", "نهاية العام = 31 ديسمبر 2021"),
        ("أول أمس الثلاثاء", "أول أمس الثلاثاء = 7 ديسمبر 2021"),
        ("أمس", "أمس = 8 ديسمبر 2021"),
    ]


def test_seed_000_has_no_relative_day_only_its_header_date():
    assert resolved(seed("000"), date(2025, 12, 24)) == []


def test_a_resolved_weekday_carries_its_date():
    found = resolve_relative_days("التقى دبلوماسيون روس وأمريكيون في اسطنبول يوم الخميس", date(2025, 2, 28))
    assert found[0].date == date(2025, 2, 27) and found[0].range is None


def test_a_week_resolves_to_its_saturday_to_friday_range():
    found = resolve_relative_days("محادثات الأسبوع الماضي", date(2025, 2, 28))
    assert found[0].range == (date(2025, 2, 15), date(2025, 2, 21)) and found[0].date is None


def test_a_weekday_of_a_written_date_is_left_alone():
    assert resolve_relative_days("الجمعة 28 فبراير 2025 الموافق 29 شعبان 1446", date(2025, 2, 28)) == []


def test_next_weekday_is_after_the_publication_date():
    found = resolve_relative_days("تعقد الجولة المقبلة يوم الخميس المقبل", date(2025, 2, 27))
    assert found[0].date == date(2025, 3, 6)


def test_a_weekday_after_a_future_verb_is_the_coming_one():
    assert resolve_relative_days("قال إن المحادثات ستُعقد يوم الاثنين", date(2025, 2, 28))[0].date == date(2025, 3, 3)


def test_a_bare_weekday_between_commas_is_a_day():
    found = resolved("قال سيرجي ريابكوف، الأحد، إن فريقين سيجتمعان", date(2025, 2, 23))
    assert found == [("الأحد", "الأحد = 23 فبراير 2025")]


@pytest.mark.parametrize("text", ["لا إله إلا الله الواحد الأحد", "اتفق الاثنين على مواصلة الحوار", "بعد صلاة الجمعة"])
def test_a_weekday_word_in_other_uses_is_not_resolved(text):
    assert resolve_relative_days(text, date(2025, 2, 28)) == []


@pytest.mark.parametrize("text", ["نقلت قناة روسيا اليوم عن ريابكوف", "قال الأمين العام للأمم المتحدة",
                                  "في اليوم التالي للقمة", "قبل نهاية العام الدراسي"])
def test_names_and_other_days_are_not_resolved(text):
    assert resolve_relative_days(text, date(2025, 2, 28)) == []


@pytest.mark.parametrize("text, day", [("وأعلن الكرملين غداً موقفه", date(2025, 3, 1)),
                                       ("تستأنف المحادثات بعد غد", date(2025, 3, 2)),
                                       ("قبل نهاية الشهر الجاري", date(2025, 2, 28)),
                                       ("في مطلع العام المقبل", date(2026, 1, 1))])
def test_other_relative_days(text, day):
    assert resolve_relative_days(text, date(2025, 2, 28))[0].date == day


@pytest.mark.parametrize("text, window", [("الشهر الماضي", (date(2025, 1, 1), date(2025, 1, 31))),
                                          ("هذا العام", (date(2025, 1, 1), date(2025, 12, 31))),
                                          ("العام الماضي", (date(2024, 1, 1), date(2024, 12, 31))),
                                          ("الشهر المقبل", (date(2025, 3, 1), date(2025, 3, 31)))])
def test_months_and_years_resolve_to_ranges(text, window):
    assert resolve_relative_days(f"قال ذلك {text}", date(2025, 2, 28))[0].range == window


def test_yesterday_with_a_weekday_that_disagrees_is_left_unresolved():
    assert resolve_relative_days("وقال أمس الاثنين إن", date(2025, 2, 28)) == []


def test_spans_point_into_the_original_text_with_its_harakat():
    text = "وأعلن الكرملينُ أمسِ، أن موسكو ستباشر غداً"
    assert [text[r.start:r.end] for r in resolve_relative_days(text, date(2021, 12, 9))] == ["أمسِ", "غداً"]


@pytest.mark.parametrize("question,window", [
    ("shu sar mbare7 bil 3alam?", (date(2026, 1, 14), date(2026, 1, 14))),
    ("el osbou3 el mado Ronaldo la wen ra7?", (date(2026, 1, 2), date(2026, 1, 8))),  # as الأسبوع الماضي
    ("shu sar l shahr elli fat?", (date(2025, 12, 1), date(2025, 12, 31))),
    ("min rebe7 el kas b tammuz?", (date(2025, 7, 1), date(2025, 7, 31))),
    ("shu sar bil ghouta b 10/3?", (date(2025, 3, 10), date(2025, 3, 10))),
])
def test_arabizi_time_words_are_read(question, window):
    assert read_time(question, TODAY).window == window
