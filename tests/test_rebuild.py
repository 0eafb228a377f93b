"""Incremental rebuilds: unchanged articles are copied from the live index, and the result equals a fresh build."""

import json

import numpy as np
import pytest
from helpers import BagOfWords

import retrieval.corpus.ingest
import retrieval.index.reuse
from retrieval import Manifest, Retriever, build_index
from retrieval.index.stored import StoredIndex

QUESTIONS = ["أين أجرى دميترييف مفاوضاته مع ويتكوف؟", "ما موعد الجولة المقبلة من المحادثات؟", "الأمصار", "جنيف"]


@pytest.fixture
def corpus(corpus_copy):
    lines = [{"title": f"خبر {i}", "text": f"قال المتحدث إن الاجتماع رقم {i} سيعقد غدا في جنيف لبحث القضايا العالقة بين الطرفين."}
             for i in range(3)]
    (corpus_copy / "feed.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return corpus_copy


def count_parses(monkeypatch) -> list[str]:
    parsed = []
    real = retrieval.corpus.ingest.parse_article

    def counting(text, source, markdown=False):
        parsed.append(source)
        return real(text, source, markdown)

    monkeypatch.setattr(retrieval.corpus.ingest, "parse_article", counting)
    return parsed


def change(corpus) -> None:
    """A new article, an edited one, and a JSONL line inserted at the top (every later line's source shifts)."""
    (corpus / "003_new.txt").write_text("عنوان جديد عن المحادثات\n\nقال مسؤول في وزارة الخارجية إن جولة جديدة "
                                        "من المحادثات ستعقد في جنيف الشهر المقبل.", encoding="utf-8")
    edited = corpus / "002_87ffb09050df82ad.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nوأضاف المتحدث أن اللقاء كان مثمرا وبناء للغاية.\n",
                      encoding="utf-8")
    feed = corpus / "feed.jsonl"
    top = {"title": "خبر عاجل", "text": "أعلنت الحكومة اليوم عن خطة جديدة لدعم الاقتصاد الوطني وخفض الأسعار."}
    feed.write_text(json.dumps(top, ensure_ascii=False) + "\n" + feed.read_text(encoding="utf-8"), encoding="utf-8")


def assert_same_index(a, b):
    ma, mb = Manifest.load(a), Manifest.load(b)
    assert [x.model_dump() for x in ma.articles] == [x.model_dump() for x in mb.articles]
    assert (ma.chunks, ma.sentences, ma.index_type) == (mb.chunks, mb.sentences, mb.index_type)
    ia, ib = StoredIndex(a), StoredIndex(b)
    for name in ("chunks", "sentences"):
        assert np.array_equal(getattr(ia, name), getattr(ib, name)), name
    assert np.array_equal(np.load(a / "keys.npy"), np.load(b / "keys.npy"))
    assert np.allclose(ia.vectors, ib.vectors)
    assert all(ia.article_text(i) == ib.article_text(i) for i in range(len(ma.articles)))
    ra, rb = Retriever.load(a, BagOfWords()), Retriever.load(b, BagOfWords())
    for q in QUESTIONS:
        terms = ra.analyzer(q)
        assert np.allclose(ia.lexical.scores(terms), ib.lexical.scores(terms))
        pa, pb = ra.search(q, 5).passages, rb.search(q, 5).passages
        assert [(p.id, p.score, p.source) for p in pa] == [(p.id, p.score, p.source) for p in pb]


def test_rebuild_copies_unchanged_articles_and_equals_a_fresh_build(corpus, tmp_path, monkeypatch):
    live = tmp_path / "live" / "index"
    first = build_index(corpus, live, BagOfWords(), progress=False)
    assert first.articles == 8
    change(corpus)
    parsed = count_parses(monkeypatch)
    embedder = BagOfWords()
    report = build_index(corpus, live, embedder, progress=False)
    # only the new, the edited and the inserted inputs are parsed; the shifted JSONL lines are not
    assert sorted(parsed) == ["002_87ffb09050df82ad.txt", "003_new.txt", "feed.jsonl#1"], parsed
    assert report.articles == 10 and 0 < report.embedded == embedder.embedded < 10
    assert [a.source for a in Manifest.load(live).articles][-4:] == [f"feed.jsonl#{i}" for i in range(1, 5)]
    fresh = tmp_path / "fresh" / "index"
    build_index(corpus, fresh, BagOfWords(), progress=False)
    assert_same_index(live, fresh)


def test_a_rebuild_of_an_unchanged_corpus_parses_and_embeds_nothing(corpus, tmp_path, monkeypatch):
    live = tmp_path / "index"
    build_index(corpus, live, BagOfWords(), progress=False)
    before = {p.name: p.read_bytes() for p in live.iterdir() if p.suffix == ".npy"}
    parsed = count_parses(monkeypatch)
    report = build_index(corpus, live, BagOfWords(), progress=False)
    assert parsed == [] and report.embedded == 0
    assert {p.name: p.read_bytes() for p in live.iterdir() if p.suffix == ".npy"} == before


def test_other_pipeline_code_or_chunking_means_everything_is_parsed_again(corpus, tmp_path, monkeypatch):
    live = tmp_path / "index"
    build_index(corpus, live, BagOfWords(), progress=False)
    parsed = count_parses(monkeypatch)
    monkeypatch.setattr(retrieval.index.reuse, "pipeline_version", lambda: "another version")
    report = build_index(corpus, live, BagOfWords(), progress=False)
    assert len(parsed) == 8 and report.embedded == 0  # vectors still come from the cache
    parsed.clear()
    from retrieval import ChunkingParams

    build_index(corpus, live, BagOfWords(), chunking=ChunkingParams(max_chars=300), progress=False)
    assert len(parsed) == 8


def test_an_index_without_reuse_information_is_rebuilt_in_full(corpus, tmp_path, monkeypatch):
    live = tmp_path / "index"
    build_index(corpus, live, BagOfWords(), progress=False)
    (live / "reuse.json").unlink()  # as an index written before rebuilds reused articles
    parsed = count_parses(monkeypatch)
    report = build_index(corpus, live, BagOfWords(), progress=False)
    assert len(parsed) == 8 and report.embedded == 0
    assert (live / "reuse.json").is_file()
