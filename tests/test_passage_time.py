"""Passages carry their article's publication date and the relative days they mention, resolved against it."""

from retrieval import Passage

FRIDAY = "2025-02-28"
TEXT = "وقال الوزير يوم الخميس إن الجولة السابقة عُقدت الأسبوع الماضي في إسطنبول."


def passage(text: str = TEXT, published: str | None = FRIDAY) -> Passage:
    return Passage(id=1, text=text, score=1.0, source="a.txt", title="عنوان", outlet=None, date=None, url=None,
                   start=50, end=50 + len(text), highlight_start=50, highlight_end=50, published=published)


def test_a_weekday_in_a_passage_is_the_day_before_the_articles_friday():
    thursday = passage().resolved[0]
    assert (thursday.text, thursday.date, thursday.rendering) == ("يوم الخميس", "2025-02-27", "الخميس = 27 فبراير 2025")


def test_resolved_spans_are_offsets_into_the_passage_text():
    for day in passage().resolved:
        assert TEXT[day.start:day.end] == day.text


def test_a_period_resolves_to_a_range_not_a_day():
    week = passage().resolved[1]
    assert (week.text, week.date, week.first, week.last) == ("الأسبوع الماضي", None, "2025-02-15", "2025-02-21")


def test_an_undated_article_resolves_nothing():
    assert passage(published=None).resolved == ()


def test_searched_passages_carry_their_articles_publication_date(retriever):
    published = {p.source: p.published for p in retriever.search("المحادثات الروسية الأمريكية", 10).passages}
    assert published["004_e234d2361282aa33.txt"] == FRIDAY
    assert published["001_2b82be6227b46172.txt"] is None
