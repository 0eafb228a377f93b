"""Chunking: sentence-aware passages whose offsets always quote the article exactly."""

from helpers import SEEDS

from retrieval.corpus.chunking import ChunkingParams, chunk_article, sentence_spans
from retrieval.corpus.ingest import parse_article, read_corpus


def test_every_passage_is_an_exact_substring_at_its_offsets():
    for article in read_corpus(SEEDS).articles:
        for chunk in chunk_article(article).chunks:
            assert article.text[chunk.start:chunk.end] == chunk.text
            assert chunk.text == chunk.text.strip()


def test_passages_respect_the_size_unless_one_sentence_is_longer():
    params = ChunkingParams(max_chars=400)
    for article in read_corpus(SEEDS).articles:
        for chunk in chunk_article(article, params).chunks:
            assert len(chunk.text) <= 400 or len(sentence_spans(chunk.text)) == 1


def test_consecutive_passages_share_one_sentence_when_it_fits():
    params = ChunkingParams()
    article = read_corpus(SEEDS).articles[0]
    chunks = chunk_article(article, params).chunks
    for a, b in zip(chunks, chunks[1:]):
        last = sentence_spans(article.text, a.start, a.end)[-1]
        first_new = sentence_spans(article.text, last[1], b.end)[0]
        if first_new[1] - last[0] <= params.max_chars:
            assert b.start == last[0]
        else:
            assert b.start == first_new[0]


def test_passages_never_span_chrome_lines():
    article = parse_article((SEEDS / "002_87ffb09050df82ad.txt").read_text(encoding="utf-8"), "002")
    assert not any("التحديثات الحية" in c.text or "تقارير دولية" in c.text for c in chunk_article(article).chunks)


def test_sentences_are_embedded_with_the_title_and_quoted_without_it():
    article = read_corpus(SEEDS).articles[3]
    found = chunk_article(article)
    chunk = found.chunks[0]
    sentences = found.sentences[chunk.first: chunk.last + 1]
    assert article.title not in chunk.text
    assert all(s.embed_text == f"{article.title}\n{article.text[s.start:s.end]}" for s in sentences)
    assert (sentences[0].start, sentences[-1].end) == (chunk.start, chunk.end)


def test_sentences_under_a_section_heading_are_embedded_with_it():
    article = read_corpus(SEEDS).articles[3]
    found = chunk_article(article)
    last = found.chunks[-1]
    assert last.heading == "قمة بوتين وترمب"
    assert found.sentences[last.last].embed_text.startswith(f"{article.title}\nقمة بوتين وترمب\n")


def test_every_sentence_belongs_to_a_passage_and_is_embedded_once():
    for article in read_corpus(SEEDS).articles:
        found = chunk_article(article)
        covered = sorted({i for c in found.chunks for i in range(c.first, c.last + 1)})
        assert covered == list(range(len(found.sentences)))
        assert len({(s.start, s.end) for s in found.sentences}) == len(found.sentences)


def test_sentences_end_at_arabic_and_latin_marks_but_not_inside_numbers():
    text = "هل انتهت الحرب؟ لا. بلغت النسبة 3.5 بالمئة؛ ثم ارتفعت! وانتهى"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "هل انتهت الحرب؟", "لا.", "بلغت النسبة 3.5 بالمئة؛", "ثم ارتفعت!", "وانتهى"]


def test_a_run_on_sentence_is_cut_at_commas_to_stay_embeddable():
    text = "،".join(["كلمة " * 30] * 20)
    spans = sentence_spans(text)
    assert len(spans) > 1 and all(e - s <= ChunkingParams().hard_limit for s, e in spans)
    assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")
