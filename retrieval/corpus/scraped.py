"""Line-level heuristics for scraped news text: body lines, site chrome, title, outlet, date."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..arabic.normalize import normalize, normalize_mapped, original_span, tokens, words

# Phrases of navigation, sharing, comment forms and credits, in normalized form. A line that is one
# of these, or starts with one and is short, is chrome; a line containing a copyright phrase is too.
_CHROME_LINES = tuple(
    normalize(p)
    for p in """
    اخر الاخبار|آخر الأخبار|أحدث الأخبار|الأكثر قراءة|الأكثر مشاهدة|اقرأ أيضا|اقرأ أيضاً|اقرأ المزيد|
    إقرأ أيضا|شاهد أيضا|مواضيع ذات صلة|أخبار ذات صلة|الخط|التحديثات الحية|اترك تعليقاً|اترك تعليقا|
    أضف تعليق|أضف تعليقك|التعليقات|لن يتم نشر عنوان بريدك الإلكتروني|الحقول الإلزامية|رئيس التحرير|
    رئيس مجلس الإدارة|مدير التحرير|عاجل|المساهمون|شارك|مشاركة|شارك الخبر|طباعة|نسخ الرابط|الرئيسية|
    تابعنا|تابعونا|تابعنا على|إعلان|اعلان|فيسبوك|تويتر|واتساب|تيليجرام|انستغرام|يوتيوب|تحرير|كتب|
    بقلم|تصوير|مصدر الصورة|الصورة|صورة أرشيفية|المصدر|حجم الخط|تكبير الخط|تصغير الخط|
    سجل الدخول|اشترك|اشترك الآن|النشرة البريدية|كلمات مفتاحية|الوسوم|وسوم
    """.replace("\n", "").split("|")
    if p.strip()
)
_COPYRIGHT = tuple(normalize(p) for p in ("جميع الحقوق محفوظة", "حقوق النشر", "كل الحقوق محفوظة", "©"))
_LONG_CHROME = tuple(normalize(p) for p in ("لن يتم نشر عنوان بريدك", "الحقول الإلزامية مشار إليها"))

_LONE_QUESTION = re.compile(r"[^.!?؟…؛]*[?؟][\s\"'»”’)\]]*")
_SENTENCE_END = re.compile(r"[.!?؟…:][\s\"'»”’)\]]*$")

_GREGORIAN = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6, "يوليو": 7,
    "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8,
    "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "افريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7, "اوت": 8,
    "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
}
_HIJRI = ("محرم|صفر|ربيع الاول|ربيع الاخر|ربيع الثاني|جمادي الاولي|جمادي الاخره|جمادي الثانيه|رجب|"
          "شعبان|رمضان|شوال|ذو القعده|ذي القعده|ذو الحجه|ذي الحجه")
_WEEKDAYS = "السبت|الاحد|الاثنين|الإثنين|الثلاثاء|الاربعاء|الخميس|الجمعه"
_MONTHS = "|".join(sorted(_GREGORIAN, key=len, reverse=True))
# Matched against the normalized line; the span is mapped back to the original characters.
_DATE = re.compile(
    rf"(?:(?P<weekday>{_WEEKDAYS})\s*[،,]?\s*)?(?P<day>\d{{1,2}})\s+(?P<month>{_MONTHS})\s*[،,]?\s+(?P<year>\d{{4}})"
    rf"(?P<hijri>\s*[-–،,]?\s*(?:الموافق\s+)?\d{{1,2}}\s+(?:{_HIJRI})\s+\d{{4}}\s*(?:ه|هـ)?)?"
)
_NUMERIC_DATE = re.compile(r"\b(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})\b"
                           r"|\b(?P<day2>\d{1,2})[-/.](?P<month2>\d{1,2})[-/.](?P<year2>\d{4})\b")
_CREDIT = re.compile(r"^\s*[(\[]\s*(?P<names>[^()\[\]]{2,80})\s*[)\]]\s*$")
_SOURCE_LINE = re.compile(r"^\s*المصدر\s*[:：]\s*(?P<name>.{2,60}?)\s*$")


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str

    @property
    def words(self) -> int:
        return len(tokens(self.text))


@dataclass(frozen=True)
class Header:
    """What the header and footer lines say about the article."""

    title: str | None
    outlet: str | None
    date: str | None
    published: str | None


def split_lines(text: str) -> list[Line]:
    """Non-blank lines with their offsets, surrounding whitespace excluded."""
    lines = []
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group()
        stripped = raw.strip()
        if stripped:
            start = m.start() + (len(raw) - len(raw.lstrip()))
            lines.append(Line(start, start + len(stripped), stripped))
    return lines


def is_chrome(line: str) -> bool:
    """Site navigation, sharing, comment-form, credit or copyright line."""
    normalized = normalize(line)
    return _is_chrome(normalized, words(normalized))


def _is_chrome(normalized: str, line_tokens: list[str]) -> bool:
    """`is_chrome` of a line already normalized and tokenized (normalizing is the costly part)."""
    norm = " ".join(line_tokens)
    if not norm:
        return True
    if any(p in normalized for p in _COPYRIGHT) or any(p in norm for p in _LONG_CHROME):
        return True
    if norm in _CHROME_LINES:
        return True
    return len(line_tokens) <= 4 and any(norm.startswith(p + " ") for p in _CHROME_LINES)


def is_prose(line: str) -> bool:
    """A body line: a full sentence or a long line, not chrome. Headings, captions, bylines and menus are not."""
    normalized = normalize(line)
    line_tokens = words(normalized)
    if _is_chrome(normalized, line_tokens):
        return False
    n = len(line_tokens)
    if n < 15 and _LONE_QUESTION.fullmatch(line):  # "…: ما الذي يجري؟" is a heading, and would match any question
        return False
    return n >= 12 or (n >= 4 and bool(_SENTENCE_END.search(line)))


def find_date(line: str) -> tuple[str, str | None] | None:
    """(date as written, ISO date) for the first full date in `line`."""
    norm, where = normalize_mapped(line)
    if m := _DATE.search(norm):
        year, month, day = int(m.group("year")), _GREGORIAN[m.group("month")], int(m.group("day"))
    elif m := _NUMERIC_DATE.search(norm):
        if m.group("year"):
            year, month, day = int(m.group("year")), int(m.group("month")), int(m.group("day"))
        else:
            year, month, day = int(m.group("year2")), int(m.group("month2")), int(m.group("day2"))
    else:
        return None
    start, end = original_span(where, m.start(), m.end())
    return line[start:end].strip(" -–،,"), _iso(year, month, day)


def _iso(year: int, month: int, day: int) -> str | None:
    if 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2100:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def read_header(lines: list[Line], first_body: int) -> Header:
    """Title, outlet and date from the lines before the body and the credit lines after it."""
    head = lines[:first_body]
    title = outlet = date = published = None
    date_index = None
    for i, line in enumerate(head):
        if date is None and (found := find_date(line.text)):
            date, published = found
            date_index = i
            continue
        if title is None and not is_chrome(line.text) and line.words >= 4 and not _CREDIT.match(line.text):
            title = line.text
    if date is None:
        for line in lines[first_body:]:
            if not is_prose(line.text) and (found := find_date(line.text)):
                date, published = found
                break
    # A byline then an outlet name often follow the date as one- or two-word lines.
    if date_index is not None:
        names = []
        for line in head[date_index + 1:]:
            if line.words > 3 or is_chrome(line.text) or find_date(line.text):
                break
            names.append(line.text)
        if len(names) >= 2:
            outlet = names[-1]
    for line in reversed(lines[first_body:]):
        if m := _CREDIT.match(line.text):
            outlet = outlet or re.split(r"[،,/]", m.group("names"))[0].strip()
            break
        if m := _SOURCE_LINE.match(line.text):
            outlet = outlet or m.group("name")
            break
    return Header(title, outlet, date, published)
