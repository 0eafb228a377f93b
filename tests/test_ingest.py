"""Reading a corpus: metadata from scraped headers, chrome stripped from bodies, bad files skipped."""

import json

from helpers import SEEDS

from retrieval.corpus.ingest import parse_article, read_corpus
from retrieval.corpus.scraped import find_date, is_chrome


def seed(name: str):
    return parse_article((SEEDS / name).read_text(encoding="utf-8"), name)


def body(article) -> str:
    return "\n".join(article.text[s:e] for s, e in article.blocks)


def test_title_is_the_headline_not_the_section_label():
    assert seed("000_929b026e6166e937.txt").title == "ريابكوف: مباحثات روسية-أمريكية معمقة دون تحقيق تقدم ملموس"
    assert seed("004_e234d2361282aa33.txt").title == "موسكو وواشنطن تطلقان الجولة الثانية من المحادثات في إسطنبول"


def test_title_of_an_article_without_headline_is_its_opening_words():
    title = seed("001_2b82be6227b46172.txt").title
    assert title.startswith("في ظل التوترات الجيوسياسية المستمرة") and len(title) <= 91


def test_date_with_weekday_and_time_is_read_without_the_time():
    article = seed("000_929b026e6166e937.txt")
    assert (article.date, article.published) == ("الأربعاء 24 ديسمبر 2025", "2025-12-24")


def test_hijri_date_is_kept_as_written_beside_the_gregorian_one():
    article = seed("004_e234d2361282aa33.txt")
    assert article.date == "الجمعة 28 فبراير 2025 الموافق 29 شعبان 1446"
    assert article.published == "2025-02-28"


def test_dates_in_other_spellings():
    assert find_date("نُشر في ٣ أيلول ٢٠٢٤") == ("٣ أيلول ٢٠٢٤", "2024-09-03")
    assert find_date("2024-03-05 10:00") == ("2024-03-05", "2024-03-05")
    assert find_date("قال في 12 فبراير إن") is None


def test_outlet_follows_the_byline_or_closes_the_article():
    assert seed("000_929b026e6166e937.txt").outlet == "الأمصار"
    assert seed("002_87ffb09050df82ad.txt").outlet == "العربي الجديد"
    assert seed("003_347a1e20d77f6830.txt").outlet is None


def test_site_chrome_is_not_in_the_body():
    text = "\n".join(body(parse_article((SEEDS / p.name).read_text(encoding="utf-8"), p.name)) for p in SEEDS.iterdir())
    for chrome in ("اخر الاخبار", "+ الخط -", "التحديثات الحية", "اترك تعليقاً", "لن يتم نشر عنوان بريدك",
                   "رئيس التحرير", "المساهمون", "(العربي الجديد، رويترز)", "(Getty)", "هايدي سيد"):
        assert chrome not in text


def test_body_keeps_every_paragraph():
    article = seed("003_347a1e20d77f6830.txt")
    assert "تسيطر روسيا على ما يقرب من خُمس مساحة أوكرانيا" in body(article)
    assert "إلى جانب إقامة حوار للاتفاق على سبل استئناف التعاون" in body(article)


def test_chrome_lines_are_recognised_in_other_spellings():
    assert is_chrome("آخر الأخبار")
    assert is_chrome("جميع الحقوق محفوظة © 2025")
    assert not is_chrome("قال الرئيس إن المحادثات كانت بناءة")


def test_corpus_reads_every_seed(tmp_path):
    corpus = read_corpus(SEEDS)
    assert [a.source for a in corpus.articles] == sorted(p.name for p in SEEDS.iterdir())
    assert corpus.skipped == []


def test_bad_files_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "ok.txt").write_text("عنوان الخبر هنا\n\nقال المتحدث إن الاجتماع سيعقد غدا في العاصمة لبحث القضايا العالقة.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n ", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x00")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("سري", encoding="utf-8")
    corpus = read_corpus(tmp_path)
    assert [a.source for a in corpus.articles] == ["ok.txt"]
    reasons = {s.source: s.reason for s in corpus.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.md"] == "empty file"
    assert reasons["latin1.txt"].startswith("not valid UTF-8")
    assert reasons["binary.txt"].startswith("binary file")
    assert reasons["image.png"].startswith("not an article file")
    assert ".hidden.txt" not in reasons


def test_utf8_bom_is_dropped(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffعنوان\n\nقال المتحدث إن الاجتماع سيعقد غدا في العاصمة.".encode("utf-8"))
    article = read_corpus(tmp_path).articles[0]
    assert not article.text.startswith("\ufeff")


def test_subdirectories_are_read(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.md").write_text("# عنوان المقال\n\nقال المتحدث إن الاجتماع سيعقد غدا في العاصمة.", encoding="utf-8")
    article = read_corpus(tmp_path).articles[0]
    assert article.source == "a/b/x.md" and article.title == "عنوان المقال"


def test_jsonl_lines_are_articles_and_bad_lines_are_skipped(tmp_path):
    lines = [
        {"text": "قال المتحدث إن الاجتماع سيعقد غدا في العاصمة لبحث القضايا العالقة.", "title": "اجتماع",
         "url": "https://example.com/1", "date": "5 مارس 2024", "outlet": "وكالة"},
        {"title": "بلا نص"},
    ]
    (tmp_path / "news.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n", encoding="utf-8")
    corpus = read_corpus(tmp_path)
    [article] = corpus.articles
    assert (article.source, article.title, article.outlet, article.url, article.published) == (
        "news.jsonl#1", "اجتماع", "وكالة", "https://example.com/1", "2024-03-05")
    assert {s.source for s in corpus.skipped} == {"news.jsonl#2", "news.jsonl#3"}


def test_section_headings_are_kept_as_context_not_body():
    article = seed("004_e234d2361282aa33.txt")
    assert article.headings == (None, "العودة إلى التواصل المتحضر", "استعادة العلاقات والحوار")
    assert "العودة إلى التواصل المتحضر" not in body(article)


def test_a_lone_question_line_is_a_heading_not_a_sentence_of_the_body():
    article = seed("001_2b82be6227b46172.txt")
    assert "المحادثات الثلاثية في أبو ظبي: هل تحمل بصيص أمل؟" in article.headings
    assert "هل تحمل بصيص أمل" not in body(article)
