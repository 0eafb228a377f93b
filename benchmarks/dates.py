"""Date parsing: retrieval.arabic.dates against dateparser on real question and header-date phrases, and the
Hijri conversion of hijridate against the tabular (arithmetic) Islamic calendar.

    python -m benchmarks.dates

Questions are asked on TODAY (a Thursday). A question counts as right for our parser when its window is exactly
the expected one and its order/timeline/future are too. dateparser knows no windows nor order words, so it is scored
on the questions that name a window only (right: the point search_dates finds lies inside it), and separately
counted for the dates it finds in questions that name none.
"""

from __future__ import annotations

import argparse
import calendar
import math
import time
from datetime import date, datetime

from hijridate import Hijri

from retrieval.arabic.dates import parse_date_phrase, read_time

TODAY = date(2026, 1, 15)


def Y(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def M(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def D(*ymd: int) -> tuple[date, date]:
    return date(*ymd), date(*ymd)



THIS_WEEK, LAST_WEEK = (date(2026, 1, 9), TODAY), (date(2026, 1, 2), date(2026, 1, 8))

# (question, group, expected window, expected order, timeline, future)
QUESTIONS = [
    ("شو آخر الأخبار؟", "order", None, "latest", False, False),
    ("شو الجديد بين روسيا وأمريكا؟", "order", None, "latest", False, False),
    ("اخر شي عن المحادثات", "order", None, "latest", False, False),
    ("ما هي أحدث التطورات في المفاوضات؟", "order", None, "latest", False, False),
    ("متى كانت الجولة الأخيرة من المحادثات؟", "order", None, "latest", False, False),
    ("ماذا قال ريابكوف مؤخراً؟", "order", None, "latest", False, False),
    ("what's new in the US-Russia talks?", "order", None, "latest", False, False),
    ("latest on the embassy staff dispute", "order", None, "latest", False, False),
    ("هل التقى ريابكوف مسؤولا آخر؟", "order", None, None, False, False),
    ("التقوا مرة أخرى في إسطنبول؟", "order", None, None, False, False),
    ("ما أول خبر عن المحادثات؟", "order", None, "earliest", False, False),
    ("متى جرت أول مفاوضات مباشرة؟", "order", None, None, False, False),
    ("أقدم مقال عن السفارات", "order", None, "earliest", False, False),
    ("شو صار من الأول بين موسكو وواشنطن؟", "timeline", None, "earliest", True, False),
    ("تسلسل الأحداث في محادثات السفارات", "timeline", None, None, True, False),
    ("كيف تطورت المحادثات الروسية الأمريكية؟", "timeline", None, None, True, False),
    ("timeline of the embassy talks", "timeline", None, None, True, False),
    ("متى الجولة الجاية؟", "future", None, None, False, True),
    ("امتى الجولة الجاية من المحادثات؟", "future", None, None, False, True),
    ("وقتيش الاجتماع المقبل؟", "future", None, None, False, True),
    ("when is the next round of talks?", "future", None, None, False, True),
    ("إمتى رح يجتمعوا مرة تانية؟", "future", None, None, False, True),
    ("محادثات 2021", "year/month", Y(2021), None, False, False),
    ("ماذا حدث عام ٢٠٢١؟", "year/month", Y(2021), None, False, False),
    ("شو صار سنة 2022", "year/month", Y(2022), None, False, False),
    ("ماذا حدث في ديسمبر 2025", "year/month", M(2025, 12), None, False, False),
    ("كانون الأول 2025", "year/month", M(2025, 12), None, False, False),
    ("شو صار بشباط 2025؟", "year/month", M(2025, 2), None, False, False),
    ("أخبار دجنبر 2025", "year/month", M(2025, 12), None, False, False),
    ("ماذا جرى في فيفري 2025", "year/month", M(2025, 2), None, False, False),
    ("أخبار جانفي ٢٠٢٦", "year/month", M(2026, 1), None, False, False),
    ("talks in December 2025", "year/month", M(2025, 12), None, False, False),
    ("شو صار بديسمبر؟", "year/month", M(2025, 12), None, False, False),
    ("ماذا حدث في يناير؟", "year/month", M(2026, 1), None, False, False),
    ("شو صار بشهر 12؟", "year/month", M(2025, 12), None, False, False),
    ("ماذا حدث في شعبان 1446", "hijri", (date(2025, 1, 31), date(2025, 2, 28)), None, False, False),
    ("أخبار رمضان 1446 هـ", "hijri", (date(2025, 3, 1), date(2025, 3, 29)), None, False, False),
    ("ماذا حدث يوم 5 شعبان 1446", "hijri", D(2025, 2, 4), None, False, False),
    ("شو صار اليوم؟", "relative", D(2026, 1, 15), None, False, False),
    ("شو صار امبارح؟", "relative", D(2026, 1, 14), None, False, False),
    ("ماذا حدث أمس في المحادثات", "relative", D(2026, 1, 14), None, False, False),
    ("أخبار البارحة", "relative", D(2026, 1, 14), None, False, False),
    ("شو صار النهارده", "relative", D(2026, 1, 15), None, False, False),
    ("شو صار هالأسبوع؟", "relative", THIS_WEEK, None, False, False),
    ("ماذا حدث هذا الأسبوع", "relative", THIS_WEEK, None, False, False),
    ("محادثات الأسبوع الماضي", "relative", LAST_WEEK, None, False, False),
    ("الأسبوع اللي فات", "relative", LAST_WEEK, None, False, False),
    ("شو صار هالشهر؟", "relative", (date(2026, 1, 1), TODAY), None, False, False),
    ("أخبار الشهر الماضي", "relative", M(2025, 12), None, False, False),
    ("الشهر اللي فات", "relative", M(2025, 12), None, False, False),
    ("ديسمبر الماضي", "relative", M(2025, 12), None, False, False),
    ("ماذا حدث في يناير الماضي", "relative", M(2025, 1), None, False, False),
    ("في مارس الماضي", "relative", M(2025, 3), None, False, False),
    ("السنة الماضية", "relative", Y(2025), None, False, False),
    ("العام الماضي", "relative", Y(2025), None, False, False),
    ("أخبار السنة اللي فاتت", "relative", Y(2025), None, False, False),
    ("شو صار هالسنة؟", "relative", (date(2026, 1, 1), TODAY), None, False, False),
    ("هذا العام", "relative", (date(2026, 1, 1), TODAY), None, False, False),
    ("آخر 3 أيام", "relative", (date(2026, 1, 13), TODAY), None, False, False),
    ("آخر أسبوعين", "relative", (date(2026, 1, 2), TODAY), None, False, False),
    ("منذ 2021", "relative", (date(2021, 1, 1), TODAY), None, False, False),
    ("بين 2021 و2023", "relative", (date(2021, 1, 1), date(2023, 12, 31)), None, False, False),
    ("last week", "relative", LAST_WEEK, None, False, False),
    ("what happened last month", "relative", M(2025, 12), None, False, False),
    ("news from last year", "relative", Y(2025), None, False, False),
    ("this week", "relative", THIS_WEEK, None, False, False),
    ("yesterday's talks", "relative", D(2026, 1, 14), None, False, False),
    ("today", "relative", D(2026, 1, 15), None, False, False),
    ("اخر الاخبار هالاسبوع", "relative", THIS_WEEK, "latest", False, False),
    ("أحدث خبر في ديسمبر 2025", "year/month", M(2025, 12), "latest", False, False),
    ("الأمين العام للأمم المتحدة", "none", None, None, False, False),
    ("مارس ضغوطا على موسكو", "none", None, None, False, False),
    # written after the parser, not tuned on
    ("شو صار مع السفارات الشهر الفائت؟", "held-out", M(2025, 12), None, False, False),
    ("أخبار المحادثات في أيلول 2025", "held-out", M(2025, 9), None, False, False),
    ("ماذا حدث في نوفمبر", "held-out", M(2025, 11), None, False, False),
    ("شنو آخر شي صار بين روسيا وأمريكا", "held-out", None, "latest", False, False),
    ("آش كاين جديد على المفاوضات؟", "held-out", None, "latest", False, False),
    ("وش آخر المستجدات؟", "held-out", None, "latest", False, False),
    ("ايش صار بالمحادثات هالاسبوع", "held-out", THIS_WEEK, None, False, False),
    ("شو صار بآخر جولة؟", "held-out", None, "latest", False, False),
    ("متى موعد الجولة الثالثة؟", "held-out", None, None, False, False),
    ("أخبار أكتوبر 2024", "held-out", M(2024, 10), None, False, False),
    ("what happened in 2022", "held-out", Y(2022), None, False, False),
    ("news from yesterday", "held-out", D(2026, 1, 14), None, False, False),
    ("كيف تطور الحوار بين البلدين؟", "held-out", None, None, True, False),
    ("ماذا جرى في تموز الماضي", "held-out", M(2025, 7), None, False, False),
    ("محادثات 12/2021", "held-out", M(2021, 12), None, False, False),
    ("ما الذي حدث في الأيام الأخيرة", "held-out", None, "latest", False, False),
    ("خلال السنة الماضية", "held-out", Y(2025), None, False, False),
    ("what is the most recent statement by Ryabkov", "held-out", None, "latest", False, False),
    ("امتى حيتقابلوا تاني؟", "held-out", None, None, False, True),
    ("the first article about the embassies", "held-out", None, "earliest", False, False),
]

# (header date phrase, group, expected day)
DATES = [
    ("الجمعة 28 فبراير 2025", "gregorian", date(2025, 2, 28)),
    ("09 ديسمبر 2021", "gregorian", date(2021, 12, 9)),
    ("الأربعاء 24 ديسمبر 2025 - 09:23 ص", "gregorian", date(2025, 12, 24)),
    ("الثلاثاء، 7 ديسمبر 2021", "gregorian", date(2021, 12, 7)),
    ("15 أغسطس 2024", "gregorian", date(2024, 8, 15)),
    ("3 يونيه 2023", "gregorian", date(2023, 6, 3)),
    ("٢٨ فبراير ٢٠٢٥", "gregorian", date(2025, 2, 28)),
    ("28 شباط 2025", "levant/maghreb", date(2025, 2, 28)),
    ("24 كانون الأول 2025", "levant/maghreb", date(2025, 12, 24)),
    ("9 دجنبر 2021", "levant/maghreb", date(2021, 12, 9)),
    ("28 فيفري 2025", "levant/maghreb", date(2025, 2, 28)),
    ("12 جويلية 2022", "levant/maghreb", date(2022, 7, 12)),
    ("2025-02-28", "numeric/english", date(2025, 2, 28)),
    ("28/02/2025", "numeric/english", date(2025, 2, 28)),
    ("February 28, 2025", "numeric/english", date(2025, 2, 28)),
    ("29 شعبان 1446", "hijri", date(2025, 2, 28)),
    ("5 شعبان 1446", "hijri", date(2025, 2, 4)),
    ("1 رمضان 1446 هـ", "hijri", date(2025, 3, 1)),
    ("1 محرم 1447", "hijri", date(2025, 6, 26)),
]

# Umm al-Qura days announced in Saudi Arabia, and the seed article's own header (29 شعبان 1446 = 28 Feb 2025).
UMM_AL_QURA = [
    ((1445, 9, 1), date(2024, 3, 11)), ((1445, 10, 1), date(2024, 4, 10)), ((1445, 12, 10), date(2024, 6, 16)),
    ((1446, 1, 1), date(2024, 7, 7)), ((1446, 8, 29), date(2025, 2, 28)), ((1446, 9, 1), date(2025, 3, 1)),
    ((1446, 10, 1), date(2025, 3, 30)), ((1446, 12, 10), date(2025, 6, 6)), ((1447, 1, 1), date(2025, 6, 26)),
]


def tabular(year: int, month: int, day: int) -> date:
    """The arithmetic Islamic calendar (30-year cycle), what most libraries without Umm al-Qura tables compute."""
    jd = day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + (3 + 11 * year) // 30 + 1948439.5 - 1
    return date.fromordinal(int(jd - 1721424.5))


def ours_right(row) -> bool:
    question, _, window, order, timeline, future = row
    ask = read_time(question, TODAY)
    return (ask.window, ask.order, ask.timeline, ask.future) == (window, order, timeline, future)


def mean_us(call, items, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for item in items:
            call(item)
    return (time.perf_counter() - start) / (repeat * len(items)) * 1e6


def table(rows, right_ours, right_dp, title) -> None:
    """Right answers per group; right_dp[i] is None where dateparser is not scored."""
    groups = sorted({r[1] for r in rows}, key=[r[1] for r in rows].index)
    print(f"\n{title}\n  {'group':<16}{'n':>4}{'ours':>8}{'dateparser':>14}")
    for group in [*groups, "all"]:
        idx = [i for i, r in enumerate(rows) if group in ("all", r[1])]
        scored = [right_dp[i] for i in idx if right_dp[i] is not None]
        dp = f"{sum(scored)}/{len(scored)}" if scored else "-"
        print(f"  {group:<16}{len(idx):>4}{sum(right_ours[i] for i in idx):>8}{dp:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50, help="passes over the phrases when timing our functions")
    args = parser.parse_args()
    started = time.perf_counter()
    import dateparser
    from dateparser.calendars.hijri import HijriCalendar
    from dateparser.search import search_dates
    settings = {"RELATIVE_BASE": datetime.combine(TODAY, datetime.min.time()), "PREFER_DATES_FROM": "past"}
    dateparser.parse("09 ديسمبر 2021", languages=["ar", "en"], settings=settings)
    print(f"dateparser import and first parse: {time.perf_counter() - started:.2f} s")

    def dp_question(question: str):
        found = search_dates(question, languages=["ar", "en"], settings=settings)
        return found[0][1].date() if found else None

    def dp_date(phrase: str):
        parsed = dateparser.parse(phrase, languages=["ar", "en"], settings=settings)
        if parsed is None and any(name in phrase for name in ("شعبان", "رمضان", "محرم")):
            parsed = HijriCalendar(phrase.replace("هـ", "").strip()).get_date().date_obj
        return parsed.date() if parsed else None

    ours_q = [ours_right(r) for r in QUESTIONS]
    dp_q, stray = [], []
    for question, _, window, *_ in QUESTIONS:
        point = dp_question(question)
        dp_q.append(None if window is None else point is not None and window[0] <= point <= window[1])
        if window is None and point is not None:
            stray.append(f"{question} -> {point}")
    table(QUESTIONS, ours_q, dp_q, f"questions asked on {TODAY} (right: ours = the whole time ask, dateparser = a point "
                                   "inside the window)")
    print(f"  dateparser found a date in {len(stray)} of {dp_q.count(None)} questions that name none: {stray}")
    ours_d = [parse_date_phrase(p) == want for p, _, want in DATES]
    dp_d = [dp_date(p) == want for p, _, want in DATES]
    table(DATES, ours_d, dp_d, "header dates (right: the exact day)")
    for (question, *_), right in zip(QUESTIONS, ours_q):
        if not right:
            print("  ours wrong:", question, read_time(question, TODAY))

    questions, phrases = [r[0] for r in QUESTIONS], [r[0] for r in DATES]
    print("\nmean time per call")
    print(f"  read_time            {mean_us(lambda q: read_time(q, TODAY), questions, args.repeat):8.1f} µs")
    print(f"  dateparser search    {mean_us(dp_question, questions, 3):8.1f} µs")
    print(f"  parse_date_phrase    {mean_us(parse_date_phrase, phrases, args.repeat):8.1f} µs")
    print(f"  dateparser parse     {mean_us(dp_date, phrases, 3):8.1f} µs")

    print("\nHijri to Gregorian on Umm al-Qura days")
    uq = sum(Hijri(*h).to_gregorian() == g for h, g in UMM_AL_QURA)
    tab = sum(tabular(*h) == g for h, g in UMM_AL_QURA)
    print(f"  hijridate {uq}/{len(UMM_AL_QURA)}   tabular calendar {tab}/{len(UMM_AL_QURA)}")


if __name__ == "__main__":
    main()
