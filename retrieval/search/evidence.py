"""Whether a sentence holds the kind of fact a question asks for: a date, a number, a duration, a person,
a place, a reason. Used to pick, among sentences about the same topic, the one that answers, and to
tell "the articles discuss it" from "the articles state it"."""

from __future__ import annotations

import re

from ..arabic.analyzer import light_stem
from ..arabic.normalize import normalize, words
from .query import AnswerType


def _alt(spec: str) -> str:
    return "|".join(sorted({normalize(w) for w in spec.split()}, key=len, reverse=True))


_MONTHS = _alt(
    """يناير فبراير مارس ابريل أبريل مايو يونيو يونيه يوليو يوليه اغسطس أغسطس سبتمبر اكتوبر أكتوبر نوفمبر ديسمبر
    جانفي فيفري أفريل ماي جوان جويلية أوت
    كانون شباط آذار اذار نيسان أيار ايار حزيران تموز آب ايلول أيلول تشرين
    محرم صفر ربيع جمادى رجب شعبان رمضان شوال القعدة الحجة"""
)
_WEEKDAYS = _alt("السبت الأحد الاحد الاثنين الإثنين الثلاثاء الأربعاء الاربعاء الخميس الجمعة")
_DAYS = _alt("اليوم أمس امس الأمس غدا غداً البارحة الليلة")
_PERIODS = _alt("الأسبوع الاسبوع الشهر العام السنة الربيع الصيف الخريف الشتاء")
_PERIOD_ENDS = _alt("المقبل المقبلة القادم القادمة الماضي الماضية الجاري الجارية الحالي")
_UNITS = _alt(
    """ساعة ساعات ساعتين يوم يوما أيام ايام يومين أسبوع اسبوع أسابيع اسابيع أسبوعين شهر أشهر اشهر شهور شهرين
    سنة سنوات سنين سنتين عام عاما أعوام اعوام عامين عقد عقود دقيقة دقائق قرن"""
)
_NUMBER_WORDS = _alt(
    """واحد واحدة اثنان اثنين اثنتين ثلاث ثلاثة أربع أربعة اربع اربعة خمس خمسة ست ستة سبع سبعة ثمان ثماني ثمانية
    تسع تسعة عشر عشرة عشرين ثلاثين أربعين اربعين خمسين ستين سبعين ثمانين تسعين مئة مائة مئات مليون ملايين مليار
    ألف الف آلاف الاف عشرات نصف ثلث ربع خمس سدس عشرات مرتين مرات ثلاثة أضعاف بضعة عدة"""
)
_ORDINALS = _alt("الأول الاول الثاني الثالث الرابع الخامس السادس السابع الثامن التاسع العاشر")
_TITLES = _alt(
    """الرئيس رئيس وزير الوزير نائب المتحدث الناطق السفير سفير مساعد مستشار المستشار مدير المدير الدبلوماسي
    المسؤول مسؤول السيد الأمين الامين المبعوث مبعوث المندوب مندوب قائد الملك الأمير الشيخ رئيسة وزيرة الزعيم
    المتحدثة الكرملين"""
)
_PLACES = _alt(
    """موسكو واشنطن إسطنبول اسطنبول جنيف فيينا باريس لندن برلين بكين كييف كييف الرياض القاهرة دبي أبوظبي
    أنقرة انقرة الدوحة طهران بغداد دمشق بيروت عمان الكويت مينسك هلسنكي روما نيويورك
    روسيا أمريكا امريكا الولايات تركيا سويسرا أوكرانيا اوكرانيا بيلاروسيا فرنسا ألمانيا الصين مصر السعودية قطر
    السفارة سفارة القنصلية مقر العاصمة مدينة"""
)
_CAUSES = _alt(
    """بسبب لأن لان نتيجة إثر اثر بهدف لهدف من أجل لأجل بغية سعيا سعياً بداعي نظرا نظراً بعد أن حيث إذ كي لكي
    لتسوية لمناقشة لبحث لتحسين للتوصل لتطبيع لضمان لتجنب أدى أدت تسبب تسببت"""
)

_PATTERNS: dict[str, re.Pattern] = {
    "when": re.compile(rf"\b(?:{_MONTHS}|{_WEEKDAYS}|{_DAYS})\b|\b(?:{_PERIODS})\s+(?:{_PERIOD_ENDS})\b|"
                       rf"\b(?:مطلع|منتصف|نهايه|اواخر|اوائل|بدايه)\s+(?:{_PERIODS}|{_MONTHS}|\d)|\b(?:19|20)\d\d\b|\b\d{{1,2}}[/-]\d{{1,2}}\b"),
    "count": re.compile(rf"\b\d+(?:[.,]\d+)?\b|\b(?:{_NUMBER_WORDS})\b|%"),
    "duration": re.compile(rf"\b(?:\d+|{_NUMBER_WORDS})\s+(?:{_UNITS})\b|\b(?:ال)?(?:{_UNITS})\w{{0,2}}\s+(?:{_ORDINALS})\b|\b(?:ساعتين|يومين|اسبوعين|شهرين|سنتين|عامين)\b"),
    "age": re.compile(r"\b\d+\s+(?:عاما|سنه|سنوات|عام)\b|\bعمر\w*\b|\bالبالغ\b|\bمن العمر\b"),
    "who": re.compile(rf"\b(?:{_TITLES})\b"),
    "where": re.compile(rf"\b(?:{_PLACES})\b"),
    "why": re.compile(rf"\b(?:{_CAUSES})\b|\bل(?:ت|ب|م|ل)\w{{3,}}\b"),
}
# Numbers that date or time something are not counts.
_NOT_A_COUNT = re.compile(rf"\b(?:19|20)\d\d\b|\bالساعه\s+\d{{1,2}}(?:\s+\d\d)?\b|\b\d{{1,2}}\s+(?:{_MONTHS})\b")

SPECIFIC = frozenset({"when", "count", "duration", "age", "who", "where"})


def matching_form(text: str) -> str:
    """The form the patterns read: normalized words joined by single spaces."""
    return " ".join(words(normalize(text)))


def holds(asks: AnswerType, sentence: str, focus: str | None = None) -> bool:
    """Whether `sentence` (in `matching_form`) holds a fact of the kind `asks`, naming the asked noun
    `focus` (a stem) if there is one; True for kinds without a form."""
    if focus and not _names(sentence, focus):
        return False
    pattern = _PATTERNS.get(asks)
    if pattern is None:
        return True
    if asks == "count":
        return bool(pattern.search(_NOT_A_COUNT.sub(" ", sentence)))
    return bool(pattern.search(sentence))


def _names(sentence: str, stem: str) -> bool:
    """Whether a word of `sentence` has the stem `stem` (a dual or plural suffix may differ)."""
    core = stem[: max(3, len(stem) - 1)]
    return any(light_stem(w).startswith(core) for w in sentence.split() if len(w) >= 3)
