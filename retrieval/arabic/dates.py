"""Time in Arabic and English news text: what a question asks about time, date phrases, relative days in articles.

Pure functions over text and dates (no index, no I/O). Patterns run on the matching form of the text
(`normalize_mapped`: hamza-less alefs, ه for ة, ي for ى, ASCII digits, lower case) and every span is mapped
back to the original characters. Hijri dates are converted with hijridate (the Umm al-Qura calendar).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from hijridate import Hijri

from .normalize import normalize, normalize_mapped, original_span

Window = tuple[date, date]

# ---------------------------------------------------------------------------------------------------- vocabulary
# All in matching form. Month names of the Levant/Iraq, the Maghreb and Algeria/Tunisia next to the MSA ones.
_GREGORIAN = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7,
    "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    "كانون الثاني": 1, "كانون التاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7,
    "اب": 8, "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "تشرين التاني": 11, "كانون الاول": 12,
    "ماي": 5, "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    "جانفي": 1, "فيفري": 2, "افريل": 4, "جوان": 6, "جويليه": 7, "اوت": 8,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # Levantine and Iraqi month names in Arabizi
    "kanoun el tani": 1, "shbat": 2, "sbat": 2, "adar": 3, "azar": 3, "nisan": 4, "nissan": 4, "ayyar": 5, "ayar": 5,
    "7zayran": 6, "7zeiran": 6, "hzayran": 6, "huzayran": 6, "tammuz": 7, "tamouz": 7, "tamuz": 7, "aylul": 9,
    "ailoul": 9, "ayloul": 9, "teshreen el awal": 10, "tishreen el awal": 10, "kanoun el awal": 12,
}
# Also ordinary words (father, "practised", the modal may): a month only beside a day, a year, شهر/في or الماضي.
_AMBIGUOUS_MONTHS = {"اب", "ماي", "مارس", "may", "march", "jan"}
_HIJRI = {
    "محرم": 1, "صفر": 2, "ربيع الاول": 3, "ربيع الاخر": 4, "ربيع الثاني": 4, "جمادي الاولي": 5, "جمادي الاول": 5,
    "جمادي الاخره": 6, "جمادي الاخر": 6, "جمادي الثانيه": 6, "رجب": 7, "شعبان": 8, "رمضان": 9, "شوال": 10,
    "ذو القعده": 11, "ذي القعده": 11, "ذو الحجه": 12, "ذي الحجه": 12,
}
_WEEKDAYS = {  # date.weekday(): Monday 0
    "الاثنين": 0, "الاتنين": 0, "الثلاثاء": 1, "الثلاثا": 1, "التلات": 1, "الاربعاء": 2, "الاربعا": 2,
    "الخميس": 3, "الجمعه": 4, "السبت": 5, "الاحد": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
MONTH_NAMES = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
               "ديسمبر")
HIJRI_NAMES = ("محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب", "شعبان", "رمضان",
               "شوال", "ذو القعدة", "ذو الحجة")
WEEKDAY_NAMES = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_NUMBER_WORDS = {"يومين": 2, "اسبوعين": 2, "شهرين": 2, "سنتين": 2, "عامين": 2, "ثلاث": 3, "ثلاثه": 3, "تلات": 3,
                 "تلاته": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7,
                 "عشر": 10, "عشره": 10, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10}


def _alternation(names) -> str:
    return "(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True)) + ")"


_B, _E = r"(?<!\w)", r"(?!\w)"
_PRE = r"(?:[وف]?[بلك]?)"  # proclitics: و ف then ب ل ك
_DEF = r"(?:[وف]?(?:[بك]?ال|لل))"  # the article, possibly behind proclitics (للشهر)
_GMONTH = _alternation(_GREGORIAN)
_HMONTH = _alternation(_HIJRI)
_WDAY = _alternation(_WEEKDAYS)
_YEAR = r"(?P<year>19\d\d|20\d\d)(?!\d)"
_YEAR_GLUE = r"\s*[،,]?\s*(?:(?:من|في)\s+)?(?:(?:عام|العام|سنه|السنه|of)\s+)?"
_HIJRI_MARK = r"(?:\s*(?:ه|هجري|هجريه)(?!\w))"
_PAST = (r"(?:الماضي|الماضيه|الفاءت|الفاءته|الفايت|الفايته|الفات|الفاتت|المنصرم|المنصرمه|السابق|السابقه|"
         r"(?:اللي|الي|لي)\s+(?:فات|فاتت|راح|راحت|مضي|مضت))")
_NEXT = r"(?:المقبل|المقبله|القادم|القادمه|الجاي|الجايه|الجاييه|(?:اللي|الي)\s+جاي)"
_THIS_BEFORE = r"(?:هذا|هذه|هاد|هادا|هادي|هاذا|هاذي|هاي|هاذ|ذا|دا)"
_THIS_AFTER = r"(?:الحالي|الحاليه|الجاري|الجاريه|هذا|هذه|هذي|ده|دي|هاد|هاي)"
_AL = r"(?:ال|(?<=ل)ل)"  # the article, or its ل after the preposition ل (للعام)
_WEEK, _MONTH, _YEAR_UNIT = rf"{_AL}(?:اسبوع|سيمانه|سمانه)", rf"{_AL}شهر", rf"{_AL}(?:سنه|عام)"


def _this(unit: str, bare: str) -> str:
    return rf"(?:{_THIS_BEFORE}\s+{unit}|هال{bare}|{unit}\s+{_THIS_AFTER})"


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, _month_end(year, month + 1).day))


def _month_window(year: int, month: int) -> Window:
    return date(year, month, 1), _month_end(year, month)


def _hijri_month(year: int, month: int) -> Window | None:
    try:
        first = Hijri(year, month, 1)
        return first.to_gregorian(), Hijri(year, month, first.month_length()).to_gregorian()
    except (OverflowError, ValueError):
        return None


def _hijri_date(year: int, month: int, day: int) -> date | None:
    try:
        return Hijri(year, month, day).to_gregorian()
    except (OverflowError, ValueError):
        return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(d: date) -> str:
    """'27 فبراير 2025'."""
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def format_range(first: date, last: date) -> str:
    """An Arabic name for the inclusive range: a month, a year, or 'من 15 إلى 21 فبراير 2025'."""
    if first == last:
        return format_date(first)
    if first.day == 1 and last == _month_end(last.year, last.month):
        if first.year == last.year and first.month == last.month:
            return f"{MONTH_NAMES[first.month - 1]} {first.year}"
        if (first.month, last.month, first.year) == (1, 12, last.year):
            return f"عام {first.year}"
    if first.year != last.year:
        return f"من {format_date(first)} إلى {format_date(last)}"
    if first.month != last.month:
        return f"من {first.day} {MONTH_NAMES[first.month - 1]} إلى {format_date(last)}"
    return f"من {first.day} إلى {format_date(last)}"


# ---------------------------------------------------------------------------------------------------- date phrases
_DAY = r"(?P<day>[0-3]?\d)(?!\d)"
_FULL_DATES = (
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})(?!\d)"),
    re.compile(rf"(?<![\d\w]){_DAY}\s*(?:من\s+)?(?P<gmonth>{_GMONTH}){_E}{_YEAR_GLUE}{_YEAR}"),
    re.compile(rf"{_B}(?P<gmonth>{_GMONTH})\.?\s+{_DAY}(?:st|nd|rd|th)?\s*,?\s*{_YEAR}"),
    re.compile(rf"(?<![\d\w]){_DAY}\s*(?:من\s+)?(?P<hmonth>{_HMONTH}){_E}{_YEAR_GLUE}(?P<hyear>1[34]\d\d)(?!\d)"),
)


def _full_date(m: re.Match) -> date | None:
    day, groups = int(m["day"]), m.groupdict()
    if groups.get("hmonth"):
        return _hijri_date(int(m["hyear"]), _HIJRI[_key(m["hmonth"])], day)
    month = _GREGORIAN[_key(m["gmonth"])] if groups.get("gmonth") else int(m["month"])
    year = int(m["year"])
    return _safe_date(year, month, day) if 1900 <= year <= 2100 else None


def _key(name: str) -> str:
    return " ".join(name.split())


def parse_date_phrase(text: str) -> date | None:
    """The first full date written in `text` ('الجمعة 28 فبراير 2025', '5 شعبان 1446', '2025-02-28'), or None."""
    norm = normalize(text)
    found = [(m.start(), d) for rx in _FULL_DATES for m in rx.finditer(norm) if (d := _full_date(m))]
    return min(found, key=lambda f: f[0])[1] if found else None


# ---------------------------------------------------------------------------------------------------- questions
@dataclass(frozen=True)
class TimeAsk:
    """What a question asks about time (see the time-semantics contract).

    order: "latest" (newest dated first) or "earliest" (oldest dated first); window: inclusive (first, last)
    publication dates; label: an Arabic name of the window, else of the order, timeline or future ask, for the bot
    to say; timeline: one quote per article, oldest first; future: "when is the next …"; matched: spans in the
    question of the words that said all this, to leave out of the search text.
    """

    order: Literal["latest", "earliest"] | None = None
    window: Window | None = None
    label: str | None = None
    timeline: bool = False
    future: bool = False
    matched: tuple[tuple[int, int], ...] = ()

    def topic(self, question: str) -> str:
        """The question without its time words, spacing collapsed."""
        kept, at = [], 0
        for start, end in sorted(self.matched):
            kept.append(question[at:start])
            at = max(at, end)
        kept.append(question[at:])
        return " ".join("".join(kept).split())


_WINDOW_LABELS = {"today": "اليوم", "yesterday": "أمس", "before_yesterday": "أول أمس", "this_week": "هذا الأسبوع",
                  "last_week": "الأسبوع الماضي", "this_month": "هذا الشهر", "this_year": "هذا العام"}
_ORDER_LABELS = {"latest": "الأحدث", "earliest": "الأقدم"}

_QUESTION_WORDS = {
    "شو", "ما", "ماذا", "ماهو", "ماهي", "هو", "هي", "ايش", "وش", "اش", "شنو", "شنهو", "شنهي", "واش", "ايه", "اي",
    "كان", "كانت", "صار", "صارت", "عن", "في", "فيه", "من", "علي", "حول", "متي", "امتي", "وين", "اين", "شلون", "كيف",
    "كيفاش", "ازاي", "بشان", "بخصوص", "هل", "what", "whats", "is", "was", "the", "about", "on", "of", "in", "when",
}
_GENERIC = (r"(?:ال)?(?:اخبار|خبر|مستجدات|مستجد|تطورات|تحديثات|تحديث|معلومات|انباء|نبا|شي|شيء|اشي|حاجه|حاجات|"
            r"مقال|مقالات|مقاله|تقرير|تقارير|منشور|منشورات)"
            r"|ما\s+(?:نشر|قيل|حصل|صار|جري|حدث|استجد|ورد|كتب)"
            r"|news|updates?|articles?|stor(?:y|ies)|reports?|things?")

_Handler = Callable[[re.Match, date], "tuple[Window, str] | None"]


def _r(pattern: str) -> re.Pattern:
    return re.compile(_B + _PRE + "(?:" + pattern + ")" + _E)


def _month_year(m: re.Match, today: date):
    month = _GREGORIAN[_key(m["gmonth"])] if m["gmonth"] else int(m["month"])
    if not 1 <= month <= 12:
        return None
    year = int(m["year"])
    return _month_window(year, month), f"{MONTH_NAMES[month - 1]} {year}"


def _hijri_month_year(m: re.Match, today: date):
    month, year = _HIJRI[_key(m["hmonth"])], int(m["hyear"])
    window = _hijri_month(year, month)
    return (window, f"{HIJRI_NAMES[month - 1]} {year} هـ") if window else None


def _hijri_year(m: re.Match, today: date):
    year = int(m["hyear"])
    first, last = _hijri_date(year, 1, 1), _hijri_date(year + 1, 1, 1)
    return ((first, last - timedelta(days=1)), f"عام {year} هـ") if first and last else None


def _year(m: re.Match, today: date):
    year = int(m["year"])
    return (date(year, 1, 1), date(year, 12, 31)), f"عام {year}"


def _month_alone(m: re.Match, today: date):
    """The most recent such month not after today's month."""
    name = _key(m["gmonth"]) if m["gmonth"] else None
    if name in _AMBIGUOUS_MONTHS and not m["cue"]:
        return None
    month = _GREGORIAN[name] if name else int(m["month"])
    if not 1 <= month <= 12:
        return None
    year = today.year if month <= today.month else today.year - 1
    return _month_window(year, month), f"{MONTH_NAMES[month - 1]} {year}"


def _month_past(m: re.Match, today: date):
    """'ديسمبر الماضي': the most recent such month strictly before today's month."""
    month = _GREGORIAN[_key(m["gmonth"] or m["gmonth2"])]
    year = today.year if month < today.month else today.year - 1
    return _month_window(year, month), f"{MONTH_NAMES[month - 1]} {year}"


def _day_month(m: re.Match, today: date):
    d = _full_date(m)
    return ((d, d), format_date(d)) if d else None


def _day_month_no_year(m: re.Match, today: date):
    named = m.groupdict().get("gmonth")
    month, day = _GREGORIAN[_key(named)] if named else int(m["month"]), int(m["day"])
    d = _safe_date(today.year, month, day)
    if d and d > today:
        d = _safe_date(today.year - 1, month, day)
    return ((d, d), format_date(d)) if d else None


def _first_day(m: re.Match, today: date):
    """'أول يوم في يوليو', 'the first day of July': the 1st of the most recent such month."""
    d = _safe_date(today.year, _GREGORIAN[_key(m["gmonth"])], 1)
    if d and d > today:
        d = _safe_date(today.year - 1, d.month, 1)
    return ((d, d), format_date(d)) if d else None


def _weekday(m: re.Match, today: date):
    """'يوم الخميس': the most recent Thursday on or before today; 'الخميس الماضي', 'last Thursday': before today."""
    wanted = _WEEKDAYS[_key(m["wday"] or m["wday2"] or m["wday3"])]
    back = (today.weekday() - wanted) % 7
    if (m["past"] or m["past2"] or m.group(0).startswith("last")) and back == 0:
        back = 7
    d = today - timedelta(days=back)
    return (d, d), f"{WEEKDAY_NAMES[wanted]} {format_date(d)}"


def _fixed(name: str) -> _Handler:
    def handler(m: re.Match, today: date):
        first, last = {
            "today": (today, today),
            "yesterday": (today - timedelta(days=1),) * 2,
            "before_yesterday": (today - timedelta(days=2),) * 2,
            "this_week": (today - timedelta(days=6), today),
            "last_week": (today - timedelta(days=13), today - timedelta(days=7)),
            "this_month": (_month_start(today), today),
            "this_year": (date(today.year, 1, 1), today),
        }[name]
        return (first, last), _WINDOW_LABELS[name]
    return handler


def _last_month(m: re.Match, today: date):
    previous = _month_start(today) - timedelta(days=1)
    return _month_window(previous.year, previous.month), f"{MONTH_NAMES[previous.month - 1]} {previous.year}"


def _last_year(m: re.Match, today: date):
    return (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)), f"عام {today.year - 1}"


def _last_n(m: re.Match, today: date):
    """'آخر 3 أيام', 'خلال أسبوعين', 'past month': the period ending today."""
    unit = m["unit"]
    if unit == "يوم" and not m["n"]:
        return None  # آخر يوم: the final day of something
    count = int(m["n"]) if m["n"] and m["n"].isdigit() else _NUMBER_WORDS.get(m["n"] or unit, 1)
    if count < 1 or count > 1000:
        return None
    if re.match(r"ساع|hour", unit):  # آخر 24 ساعة: the days those hours touch
        first, name = today - timedelta(days=-(-count // 24)), ("ساعة", "ساعتين", "ساعة")
    elif re.match(r"يوم|ايام|day", unit):
        first, name = today - timedelta(days=count - 1), ("يوم", "يومين", "أيام")
    elif re.match(r"اسبوع|اسابيع|week", unit):
        first, name = today - timedelta(days=7 * count - 1), ("أسبوع", "أسبوعين", "أسابيع")
    elif re.match(r"شهر|اشهر|شهور|month", unit):
        first, name = _add_months(today, -count) + timedelta(days=1), ("شهر", "شهرين", "أشهر")
    else:
        first, name = _add_months(today, -12 * count) + timedelta(days=1), ("سنة", "سنتين", "سنوات")
    said = name[0] if count == 1 else name[1] if count == 2 else f"{count} {name[2] if count <= 10 else name[0]}"
    return (first, today), f"آخر {said}"


def _month_year_numeric(m: re.Match, today: date):
    month, year = (int(m["month"]), int(m["year"])) if m["month"] else (int(m["m2"]), int(m["y2"]))
    return _month_window(year, month), f"{MONTH_NAMES[month - 1]} {year}"


_N = r"(?P<n>\d{1,3}|" + _alternation(k for k in _NUMBER_WORDS if not k.endswith("ين")) + ")"
_UNIT_WORDS = (r"(?P<unit>ايام|يوم|يومين|اسابيع|اسبوع|اسبوعين|اشهر|شهور|شهر|شهرين|سنوات|سنين|سنه|سنتين|اعوام|عام|"
               r"عامين|ساعه|ساعات|days?|weeks?|months?|years?|hours?)")
_MONTH_CUE = r"(?P<cue>(?:[وفب]?(?:شهر|في|خلال|منذ)|in|during|since)\s+)?"

# Arabizi: "el osbou3 el mado", "l shahr elli fat"
_ARABIZI_THE = r"(?:el|il|l)[\s-]*"
_ARABIZI_PAST = r"(?:(?:el|il|l)[\s-]*)?(?:mado|madi|fat|elli\s+fat|li\s*fat|ely\s+fat|elfat)"

# Window patterns, most specific first; a later pattern never takes characters an earlier one took.
_WINDOWS: tuple[tuple[re.Pattern, _Handler], ...] = (
    (re.compile(rf"(?:{_B}{_PRE}{_WDAY}\s*[،,]?\s*)?(?<![\d\w])(?:{_DAY}\s*(?:من\s+)?(?P<gmonth>{_GMONTH}){_E}"
                rf"{_YEAR_GLUE}{_YEAR})"), _day_month),
    (re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"), _day_month),
    (re.compile(rf"{_B}(?P<gmonth>{_GMONTH})\.?\s+{_DAY}(?:st|nd|rd|th)?\s*,?\s*{_YEAR}"), _day_month),
    (re.compile(rf"(?<![\d\w]){_DAY}\s*(?:من\s+)?(?P<hmonth>{_HMONTH}){_E}{_YEAR_GLUE}(?P<hyear>1[34]\d\d)(?!\d)"),
     _day_month),
    (re.compile(rf"{_B}{_PRE}(?:(?P<gmonth>{_GMONTH})|شهر\s+(?P<month>1[0-2]|0?[1-9])){_E}\.?{_YEAR_GLUE}{_YEAR}"),
     _month_year),
    (re.compile(r"(?<![\d/-])(?:(?P<month>1[0-2]|0?[1-9])/(?P<year>(?:19|20)\d\d)"
                r"|(?P<y2>(?:19|20)\d\d)-(?P<m2>1[0-2]|0[1-9]))(?![\d/-])"),
     _month_year_numeric),
    (re.compile(rf"{_B}{_PRE}(?P<hmonth>{_HMONTH}){_E}{_YEAR_GLUE}(?P<hyear>1[34]\d\d)(?!\d){_HIJRI_MARK}?"),
     _hijri_month_year),
    (re.compile(rf"(?<![\d\w])(?:(?:عام|سنه|العام|السنه)\s+)?(?P<hyear>1[34]\d\d){_HIJRI_MARK}"), _hijri_year),
    (_r(rf"(?:اول|first)\s+(?:يوم|day)\s+(?:(?:في|من|ب|of|in)\s+)?{_PRE}(?P<gmonth>{_GMONTH})"), _first_day),
    (re.compile(rf"(?<![\d\w]){_DAY}\s*(?:من\s+)?(?P<gmonth>{_GMONTH}){_E}"), _day_month_no_year),
    (re.compile(rf"{_B}(?P<gmonth>{_GMONTH})\.?\s+{_DAY}(?:st|nd|rd|th)?(?![\d\w])"), _day_month_no_year),
    # "يوم 6/8": a day and month as Arabs write them (day first), after a word that makes it a date, not a score.
    (re.compile(r"(?:(?<![\w])(?:يوم|بتاريخ|تاريخ|في|on|fi|yom|youm)\s+|(?<![\w])(?:ب|b|bi)\s*)"
                r"(?P<day>3[01]|[12]\d|0?[1-9])/(?P<month>1[0-2]|0?[1-9])(?![\d/.:-])"),
     _day_month_no_year),
    (_r(rf"(?P<gmonth>{_GMONTH})\s+{_PAST}|last\s+(?P<gmonth2>{_GMONTH})"),
     _month_past),
    (_r(r"اول\s+امس|امس\s+الاول|اول\s+(?:امبارح|مبارح|البارحه)|قبل\s+(?:امبارح|مبارح|امس)"
        r"|the\s+day\s+before\s+yesterday"),
     _fixed("before_yesterday")),
    (_r(r"امس|البارحه|البارح|امبارح|مبارح|yesterday|e?mbare7a?|mbere7|l?bar7a|el\s*bare7a?"), _fixed("yesterday")),
    (_r(rf"يوم\s+(?P<wday>{_WDAY})(?:\s+(?P<past>{_PAST}))?|(?P<wday2>{_WDAY})\s+(?P<past2>{_PAST})"
        rf"|(?:on|last)\s+(?P<wday3>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"),
     _weekday),
    (_r(r"اليوم|النهارده|النهارضه|الليله|today|tonight"), _fixed("today")),
    (_r(rf"{_WEEK}\s+{_PAST}|last\s+week|{_ARABIZI_THE}osbou[3e]\s+{_ARABIZI_PAST}"), _fixed("last_week")),
    (_r(rf"{_this(_WEEK, 'اسبوع')}|هالجمعه|this\s+week|(?:the\s+)?past\s+week|hal\s*(?:osbou[3e]|jem3a)"),
     _fixed("this_week")),
    (_r(rf"{_MONTH}\s+{_PAST}|last\s+month|{_ARABIZI_THE}sha?hr\s+{_ARABIZI_PAST}"), _last_month),
    (_r(rf"{_this(_MONTH, 'شهر')}|this\s+month"), _fixed("this_month")),
    (_r(rf"{_YEAR_UNIT}\s+{_PAST}|last\s+year"), _last_year),
    (_r(rf"{_this(_YEAR_UNIT, 'سنه')}|هالعام|this\s+year"), _fixed("this_year")),
    (_r(rf"(?:اخر|خلال|طوال|في\s+اخر|past|last|in\s+the\s+(?:last|past)|during\s+the\s+(?:last|past))\s+"
        rf"(?:{_N}\s+)?{_UNIT_WORDS}(?!\s*\d)"), _last_n),
    (re.compile(rf"{_B}{_MONTH_CUE}{_PRE}(?:(?P<gmonth>{_GMONTH})|(?<=شهر\s)(?P<month>1[0-2]|0?[1-9])){_E}"),
     _month_alone),
    (re.compile(rf"(?<![\d\w/.:-]){_PRE}(?:(?:عام|سنه|العام|السنه|year|in)\s+)?{_YEAR}(?:م{_E})?(?![/.:-]\d)"),
     _year),
)


# Order, timeline and future patterns: (pattern, what it sets).
_QUESTION_WORD = r"(?:شو|ما|ماذا|ايش|وش|اش|شنو|شنهو|واش|ايه|اي|في|فيه|فيش|كاين|هل\s+من|هل\s+هناك|هل\s+في)"
_LATEST = _r(
    rf"(?:اخر|احدث)\s+(?:{_GENERIC})|{_QUESTION_WORD}\s+(?:ال)?جديد|(?:ال)?جديد(?=\s+(?:في|عن|بخصوص|بشان|حول|ال))"
    rf"|(?:{_GENERIC})\s+(?:ال)?جديده?"
    r"|(?:ال)?(?:ايام|اسابيع|اشهر|شهور|سنوات|سنين|فتره|مده)\s+(?:الماضيه|الاخيره|الفاءته)"
    r"|هالايام|هاليومين|هالفتره|هذه\s+الايام|الايام\s+هاي"
    r"|الاخير|الاخيره|الاخيرين|الاخيرات|الاخيرتين|اخيرا|مءخرا|موخرا|الاحدث|اخرها"
    r"|what(?:'|’|\s+i)?s\s+new|any\s+news|latest|most\s+recent|recent(?:ly)?|newest"
)
_LAST_WORD = re.compile(rf"{_B}{_PRE}(?:اخر|احدث|last){_E}")
_EARLIEST = _r(rf"(?:اول|اقدم)\s+(?:{_GENERIC})|الاقدم|اقدم(?=\s+ال)|بدايه(?=\s+ال(?!شهر|سنه|عام|اسبوع))"
               rf"|earliest|oldest|first\s+(?:{_GENERIC})")
_FROM_START = _r(r"(?:من|منذ)\s+(?:الاول|البدايه|البدء|اوله|اولها|الاساس)|from\s+the\s+(?:start|beginning)")
_TIMELINE = _r(
    r"(?:ال)?تسلسل(?:\s+(?:ال)?(?:احداث|زمني))?|(?:ال)?خط\s+(?:ال)?زمني|كرونولوجيا|timeline|chronolog\w*"
    r"|(?P<how>كيف|شلون|كيفاش|ازاي|كيفيه)(?:\s+\w+){0,2}?\s+"
    r"(?P<verb>تطورت|تطور|اتطورت|اتطور|تتطور|يتطور|تطوروا|تطورها|تطوره|تغيرت)"
    r"|(?:ال)?مراحل|history\s+of"
    r"|(?P<how_en>how\s+(?:did|have|has|do))(?:\s+\w+){1,4}?\s+"
    r"(?P<verb_en>(?:develop|evolve|unfold|progress|change)\w*)"
)
_WHEN = _r(r"متي|امتي|ايمتي|امتا|امته|وقتيش|وقتاش|فوقتاش|when")
_FUTURE_VERB = re.compile(
    r"\s+(?:سوف|رح|راح|غادي|حي\w+|حت\w+|هي\w+|هت\w+|س[يتن]\w{2,}|will|is\s+going|are\s+going)(?!\w)")
_NEXT_WORD = _r(rf"(?:(?P<gmonth>{_GMONTH})|{_WEEK}|{_MONTH}|{_YEAR_UNIT})\s+{_NEXT}|{_NEXT}"
                r"|(?:ال)?(?:جاي|جايه|مقبل|مقبله|قادم|قادمه)|next(?:\s+(?:week|month|year))?|upcoming|coming")


def _original(text: str, where: list[int], start: int, end: int) -> tuple[int, int]:
    """The span in `text` of the normalized span, with the harakat after its last letter (مؤخراً)."""
    begin, end = original_span(where, start, end)
    while end < len(text) and (text[end] == "\u0640" or unicodedata.category(text[end]) == "Mn"):
        end += 1
    return begin, end


def _free(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in spans)


def _neighbours(norm: str, start: int, end: int) -> tuple[str | None, str | None]:
    before = re.findall(r"\w+", norm[:start])
    after = re.match(r"\s*(\w+)", norm[end:])
    return (before[-1] if before else None), (after.group(1) if after else None)


def read_time(question: str, today: date) -> TimeAsk:
    """What `question`, asked on `today`, asks about time: order, window, timeline, future (see TimeAsk).

    Rules where the words are ambiguous: أول counts as earliest only before a topic-less noun (أول خبر/مقال/شي) or
    in من الأول/البداية (then also timeline), so "أول مفاوضات مباشرة" stays a fact question; آخر counts as latest
    before a noun with ال or a topic-less noun, or after a question word (شو آخر …), never after a noun (مسؤول آخر
    = another official); several windows in one question become the span from the first to the last (بين 2021
    و2023); "next" periods and months set future, never a window (nothing is published in the future).
    """
    norm, where = normalize_mapped(question)
    taken: list[tuple[int, int]] = []
    windows: list[tuple[int, Window, str]] = []
    order: str | None = None
    timeline = future = False

    def take(start: int, end: int) -> None:
        taken.append((start, end))

    for m in _NEXT_WORD.finditer(norm):  # first, so that "ديسمبر المقبل" is not read as the last December
        future = True
        take(*m.span())
    for rx, handler in _WINDOWS:
        for m in rx.finditer(norm):
            if not _free(taken, *m.span()):
                continue
            found = handler(m, today)
            if found:
                (first, last), label = found
                start = m.start()
                if since := re.search(r"(?:منذ|since)\s+$", norm[:start]):
                    start, last, label = since.start(), today, f"منذ {label}"
                windows.append((start, (first, last), label))
                take(start, m.end())
    for m in _FROM_START.finditer(norm):
        if _free(taken, *m.span()):
            order, timeline = "earliest", True
            take(*m.span())
    for m in _TIMELINE.finditer(norm):
        if _free(taken, *m.span()):
            timeline = True
            parts = [g for g in ("how", "verb", "how_en", "verb_en") if m[g]]
            for span in [m.span(g) for g in parts] or [m.span()]:  # كيف تطورت المحادثات: the topic sits between
                take(*span)
    for m in _EARLIEST.finditer(norm):
        if _free(taken, *m.span()):
            order = order or "earliest"
            take(*m.span())
    for m in _LATEST.finditer(norm):
        if _free(taken, *m.span()):
            order = "latest"
            take(*m.span())
    for m in _LAST_WORD.finditer(norm):
        if not _free(taken, *m.span()):
            continue
        before, after = _neighbours(norm, *m.span())
        if after in {"الشهر", "السنه", "العام", "الاسبوع"}:
            continue  # آخر الشهر: the end of the month, not the newest article
        if before in _QUESTION_WORDS or (after and (after.startswith("ال") or before is None)):
            order = "latest"
            take(*m.span())
    for m in _WHEN.finditer(norm):
        if future or _FUTURE_VERB.match(norm, m.end()):
            future = True
            take(*m.span())

    window = label = None
    if windows:
        windows.sort(key=lambda w: w[1][0])
        window = (windows[0][1][0], max(w[1][1] for w in windows))
        label = windows[0][2] if len(windows) == 1 else f"من {windows[0][2]} إلى {windows[-1][2]}"
    elif order:
        label = _ORDER_LABELS[order]
    elif timeline:
        label = "تسلسل الأحداث"
    elif future:
        label = "الموعد القادم"
    matched = tuple(sorted(_original(question, where, s, e) for s, e in taken if e > s))
    return TimeAsk(order, window, label, timeline, future, matched)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- articles
@dataclass(frozen=True)
class ResolvedDate:
    """A relative day expression in an article and the day or range it means, given the article's date.

    start, end: the span in the original text; date: the day meant, or range: (first, last) inclusive;
    rendering: a short Arabic gloss to show beside a quote, e.g. «الخميس = 27 فبراير 2025».
    """

    start: int
    end: int
    date: date | None
    range: Window | None
    rendering: str


_PART_OF_DAY = r"(?:يوم|صباح|مساء|ظهر|عصر|فجر|ليله|ليل|منذ|حتي|مطلع)"
_ART_NEXT = r"(?:المقبل|المقبله|القادم|القادمه)"
_ART_PAST = r"(?:الماضي|الماضيه|الفاءت|الفاءته|المنصرم|المنصرمه|السابق)"
_ART_THIS = r"(?:الجاري|الجاريه|الحالي|الحاليه)"
_EDGE = r"(?:(?P<edge>نهايه|اواخر|مطلع|بدايه|اوائل)\s+)"
_PERIOD = (rf"(?:(?:هذا|هذه)\s+(?P<this_unit>{_WEEK}|{_MONTH}|{_YEAR_UNIT})"
           rf"|(?P<unit>{_WEEK}|{_MONTH}|{_YEAR_UNIT})(?:\s+(?:(?P<past>{_ART_PAST})|(?P<next>{_ART_NEXT})|(?P<this>{_ART_THIS})))?)")
# Newspapers whose name holds اليوم: their name is not a date.
_NOT_TODAY_BEFORE = {"روسيا", "المصري", "اخبار", "فلسطين", "عمان", "الجزاءر", "تونس", "لبنان", "سوريا", "العراق"}
_NOT_TODAY_AFTER = {"السابع", "التالي", "السابق", "الذي", "التي", "نفسه", "ذاته", "الاول", "الثاني", "الثالث",
                    "الاخير", "الوطني", "العالمي", "الدولي", "الموعود", "الواحد"}
_ART_PATTERNS = re.compile(
    rf"(?P<absolute>(?:(?P<awday>{_WDAY})\s*[،,]?\s*)?(?<![\d\w])[0-3]?\d(?!\d)\s*(?:من\s+)?(?:{_GMONTH}|{_HMONTH}){_E})"
    rf"|(?<!\w)(?P<pre>[وف]?[بلك]?)(?:"
    rf"(?P<before_yesterday>(?:اول\s+امس|امس\s+الاول|اول\s+من\s+امس|قبل\s+امس)(?:\s+(?P<bywday>{_WDAY}))?)"
    rf"|(?P<after_tomorrow>بعد\s+غد|بعد\s+غدا)"
    rf"|(?P<yesterday>(?:امس|البارحه)(?:\s+(?P<ywday>{_WDAY}))?)"
    rf"|(?P<tomorrow>غدا|(?:يوم|صباح|مساء|ظهر|ليله)\s+الغد)"
    rf"|(?P<today>(?:اليوم|الليله)(?:\s+(?P<twday>{_WDAY}))?)"
    rf"|(?P<period>{_EDGE}?{_PERIOD})"
    rf"|(?P<weekday>(?:(?P<cue>{_PART_OF_DAY})\s+)?(?P<wday>{_WDAY})(?:\s+(?:(?P<wnext>{_ART_NEXT})|(?P<wpast>{_ART_PAST})))?)"
    rf"){_E}"
)
_WEEKDAY_THEN_DATE = re.compile(r"\s*[،,]?\s*\d")
_COMMA = re.compile(r"\s*[،,]")
_THAT = re.compile(r"\s*(?:ان|انه|انها)(?!\w)")
_FUTURE_BEFORE = re.compile(r"(?<!\w)[وف]?س[يتن]\w{2,}\s*$")


def _week_of(d: date) -> Window:
    """The Saturday-to-Friday week holding `d` (the week of Arab calendars)."""
    first = d - timedelta(days=(d.weekday() - 5) % 7)
    return first, first + timedelta(days=6)


def _period(m: re.Match, published: date) -> tuple[Window | date, str] | None:
    unit = m["this_unit"] or m["unit"]
    if m["unit"] and not (m["past"] or m["next"] or m["this"] or m["edge"]):
        return None  # bare الشهر / العام (الأمين العام): not a date
    if m["unit"] and not (m["past"] or m["next"] or m["this"]):
        after = re.match(r"\s+(ال\w+)", m.string[m.end():])
        if after:
            return None  # نهاية العام الدراسي: some other year
    step = -1 if m["past"] else 1 if m["next"] else 0
    if "سبوع" in unit or "مانه" in unit:
        first, _ = _week_of(published)
        first += timedelta(days=7 * step)
        window = (first, first + timedelta(days=6))
    elif "شهر" in unit:
        month = _add_months(_month_start(published), step)
        window = _month_window(month.year, month.month)
    else:
        window = (date(published.year + step, 1, 1), date(published.year + step, 12, 31))
    if m["edge"]:
        day = window[1] if m["edge"] in ("نهايه", "اواخر") else window[0]
        return day, format_date(day)
    return window, format_range(*window)


def _weekday_day(wanted: int, published: date, forward: bool, strictly: bool) -> date:
    if forward:
        ahead = (wanted - published.weekday()) % 7
        return published + timedelta(days=ahead or (7 if strictly else 0))
    back = (published.weekday() - wanted) % 7
    return published - timedelta(days=back or (7 if strictly else 0))


def _agrees(day: date, weekday: str | None) -> bool:
    return weekday is None or _WEEKDAYS[_key(weekday)] == day.weekday()


def resolve_relative_days(text: str, published: date) -> list[ResolvedDate]:
    """Relative day expressions in an article published on `published`, resolved, with spans into `text`.

    Conservative: a weekday with a day number ("الجمعة 28 فبراير 2025") is absolute and left alone; a bare weekday
    needs a clear pattern (يوم/صباح/مساء الخميس، الخميس الماضي/المقبل، "، الأحد،"، "الخميس إن") because الأحد and
    الاثنين are also words; اليوم in a newspaper's name (روسيا اليوم) and العام without a qualifier (الأمين العام)
    are not dates; أمس/اليوم with a weekday that disagrees with the date is left unresolved.
    """
    norm, where = normalize_mapped(text)
    found: list[ResolvedDate] = []
    for m in _ART_PATTERNS.finditer(norm):
        if m["absolute"]:
            continue
        start = m.start() + len(m["pre"] or "")
        value: date | Window | None = None
        shown: str | None = None
        if m["before_yesterday"]:
            value = published - timedelta(days=2)
            value = value if _agrees(value, m["bywday"]) else None
        elif m["after_tomorrow"]:
            value = published + timedelta(days=2)
        elif m["yesterday"]:
            value = published - timedelta(days=1)
            value = value if _agrees(value, m["ywday"]) else None
        elif m["tomorrow"]:
            value = published + timedelta(days=1)
        elif m["today"]:
            before, after = _neighbours(norm, start, m.end())
            if m["twday"] or (before not in _NOT_TODAY_BEFORE and after not in _NOT_TODAY_AFTER):
                value = published if _agrees(published, m["twday"]) else None
        elif m["period"]:
            resolved = _period(m, published)
            if resolved:
                value, shown = resolved
        elif m["weekday"]:
            if _WEEKDAY_THEN_DATE.match(norm, m.end()) and not (m["wnext"] or m["wpast"]):
                continue  # "الخميس 27 فبراير": the date is written out
            clear = m["cue"] or m["wnext"] or m["wpast"] or _THAT.match(norm, m.end()) or (
                _COMMA.match(norm, m.end()) and re.search(r"[،,]\s*$", norm[:start]))
            if clear:
                wanted = _WEEKDAYS[_key(m["wday"])]
                forward = bool(m["wnext"]) or bool(_FUTURE_BEFORE.search(norm[:start]))
                value = _weekday_day(wanted, published, forward, strictly=bool(m["wnext"] or m["wpast"]))
        if value is None:
            continue
        begin, end = _original(text, where, start, m.end())
        written = text[begin:end]
        said = written.removeprefix("يوم ")
        if isinstance(value, tuple):
            found.append(ResolvedDate(begin, end, None, value, f"{said} = {shown}"))
        else:
            found.append(ResolvedDate(begin, end, value, None, f"{said} = {shown or format_date(value)}"))
    return found
