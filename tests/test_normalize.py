"""Arabic normalization: each rule on its own, and that it is only for matching."""

from retrieval.arabic.normalize import contains, normalize, normalize_mapped, original_span, tokens


def test_harakat_are_removed():
    assert normalize("مُحَادَثَاتٌ جِدِّيَّةٌ") == "محادثات جديه"


def test_tatweel_is_removed():
    assert normalize("مبـــاحثات") == "مباحثات"


def test_alef_forms_are_unified():
    assert normalize("أإآٱ") == "اااا"
    assert normalize("إسطنبول") == normalize("اسطنبول")


def test_ta_marbuta_becomes_ha():
    assert normalize("السفارة") == "السفاره"


def test_alef_maqsura_becomes_ya():
    assert normalize("مستشفى") == "مستشفي"


def test_hamza_seats_are_unified():
    assert normalize("مسؤول") == normalize("مسئول") == "مسءول"


def test_arabic_indic_and_persian_digits_become_ascii():
    assert normalize("٢٠٢٥ و ۱۴۰۲") == "2025 و 1402"


def test_latin_is_lower_cased():
    assert normalize("NATO") == "nato"


def test_tokens_drop_punctuation():
    assert tokens("قال «ريابكوف»: المحادثاتُ جدّية، مهمة!") == ["قال", "ريابكوف", "المحادثات", "جديه", "مهمه"]


def test_contains_ignores_spelling_variants_and_spacing():
    assert contains("التقى دبلوماسيون روس وأمريكيون في اسطنبول", "إسطنبول")
    assert contains("«جدّية، مهمة، ومعمقة»", "جدية مهمة ومعمقة")
    assert not contains("جولة جديدة", "جولة قديمة")


def test_mapped_normalization_points_back_to_original_characters():
    text = "قالَ الرئيسُ: إسطنبول"
    norm, where = normalize_mapped(text)
    at = norm.index("اسطنبول")
    start, end = original_span(where, at, at + len("اسطنبول"))
    assert text[start:end] == "إسطنبول"
