"""Latin-script names in a question reach the Arabic spelling the index uses."""

import pytest

from retrieval.arabic.names import NameBridge, arabic_skeleton, latin_skeleton
from retrieval.arabic.normalize import normalize


@pytest.mark.parametrize("latin,arabic", [
    ("Kushner", "كوشنر"), ("Lukyanov", "لوكيانوف"), ("Istanbul", "إسطنبول"), ("Geneva", "جنيف"),
    ("Witkoff", "ويتكوف"), ("Kherson", "خيرسون"), ("Dmitriev", "دميترييف"),
])
def test_a_name_and_its_arabic_spelling_share_a_skeleton(latin, arabic):
    assert latin_skeleton(latin) == arabic_skeleton(normalize(arabic))


def test_capitalized_names_are_bridged_to_index_terms():
    bridge = NameBridge(["كوشنر", "لوكيانوف", "محادث"])
    assert bridge("Who is Jared Kushner?") == ["كوشنر"]
    assert bridge("what did lukyanov say?") == []  # not written as a name


def test_a_skeleton_many_terms_share_is_not_a_name():
    bridge = NameBridge(["كتب", "كاتب", "كتاب", "كتيب", "كتوب"])
    assert arabic_skeleton("كتب") == latin_skeleton("Kotob")
    assert bridge("Kotob") == []


def test_an_english_question_finds_the_passage_naming_its_people(retriever):
    top = retriever.search("What did Lukyanov say about the Minsk agreements?", 5).passages
    assert any("لوكيانوف" in p.text and "مينسك" in p.text for p in top[:3])
