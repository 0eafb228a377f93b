"""Staged builds: an archive is searchable early (titles stand in for sentences not embedded yet), its sentences are
embedded newest first, each distinct text once, and an interrupted build leaves the early index and resumes."""

import json

import numpy as np
import pytest
from helpers import BagOfWords

from retrieval import BuildError, Manifest, Retriever, build_index
from retrieval.index.stored import StoredIndex

DAYS = ["2018-03-01", "2018-09-30", None, "2018-06-15"]


@pytest.fixture
def archive(tmp_path):
    """Four dated articles (one undated) and a fifth that repeats the first one's text under the same title."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = []
    for i, day in enumerate(DAYS):
        text = " ".join(f"قال المتحدث إن الاجتماع رقم {i} و{j} سيعقد في جنيف لبحث الملف {j}." for j in range(6))
        records.append({"title": f"خبر رقم {i}", "text": text, **({"date": day} if day else {})})
    records.append({**records[0], "date": "2018-03-02"})
    (corpus / "ant.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return corpus


class Watching(BagOfWords):
    """Records what it embeds, and what the live index is while it embeds sentences (not titles)."""

    def __init__(self, index_dir, fail_after: int | None = None):
        super().__init__()
        self.index_dir, self.fail_after = index_dir, fail_after
        self.calls: list[list[str]] = []
        self.live_provisional: list[int] = []

    def embed_passages(self, texts):
        self.calls.append(list(texts))
        if "\n" in texts[0]:  # sentences are embedded under their title; titles alone have no line break
            self.live_provisional.append(Manifest.load(self.index_dir).provisional)
            if self.fail_after is not None and len(self.live_provisional) > self.fail_after:
                raise KeyboardInterrupt
        return super().embed_passages(texts)


def staged(archive, index, embedder, **kw):
    return build_index(archive, index, embedder, progress=False, early_from=1, **kw)


def test_a_large_build_is_searchable_with_title_vectors_before_its_sentences_are_embedded(archive, tmp_path):
    index = tmp_path / "index"
    embedder = Watching(index)
    report = staged(archive, index, embedder, batch_size=8)
    assert report.searchable_after is not None and report.searchable_after < report.seconds
    total = report.sentences
    assert embedder.live_provisional[0] > 0 and embedder.live_provisional[0] <= total
    assert Manifest.load(index).provisional == 0 and not (index / "provisional.npy").exists()


def test_the_early_index_answers_from_title_vectors_and_knows_which_rows_stand_in(archive, tmp_path):
    index = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        staged(archive, index, Watching(index, fail_after=0), batch_size=8)
    manifest = Manifest.load(index)
    stand_in = np.load(index / "provisional.npy")
    assert manifest.provisional == stand_in.sum() == manifest.sentences
    stored = StoredIndex(index)
    titles = BagOfWords().embed_passages([a.title for a in manifest.articles])
    rows = np.asarray(stored.sentences["article"])
    assert np.allclose(np.asarray(stored.vectors), titles[rows])
    assert Retriever.load(index, BagOfWords()).search("أين سيعقد الاجتماع رقم 2؟").passages


def test_sentences_are_embedded_newest_article_first_and_each_text_once(archive, tmp_path):
    index = tmp_path / "index"
    embedder = Watching(index)
    report = staged(archive, index, embedder)
    sentences = [t for call in embedder.calls for t in call if "\n" in t]
    assert len(sentences) == len(set(sentences)) < report.sentences  # the repeated article's text once
    order = [int(t.split("\n")[0].split()[-1]) for t in sentences]
    by_date = [1, 3, 0, 2]  # 2018-09-30, 2018-06-15, 2018-03-01 (and its copy of 03-02), undated last
    assert [i for n, i in enumerate(order) if i not in order[:n]] == by_date


def test_an_interrupted_staged_build_resumes_and_ends_as_a_one_pass_build(archive, tmp_path):
    index = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        staged(archive, index, Watching(index, fail_after=2), batch_size=4)
    resumed = Watching(index)
    report = staged(archive, index, resumed, batch_size=4)
    once = build_index(archive, tmp_path / "once", BagOfWords(), progress=False, staged=False)
    assert Manifest.load(index).provisional == 0
    assert report.embedded < once.embedded and report.cached == once.embedded - report.embedded  # batches kept
    assert np.allclose(np.asarray(StoredIndex(index).vectors), np.asarray(StoredIndex(tmp_path / "once").vectors))
    assert np.array_equal(np.load(index / "keys.npy"), np.load(tmp_path / "once" / "keys.npy"))


def test_a_small_build_is_not_staged(archive, tmp_path):
    report = build_index(archive, tmp_path / "index", BagOfWords(), progress=False)
    assert report.searchable_after is None and set(report.steps) >= {"read", "chunk and analyze", "embed", "write and swap"}


def test_an_embedder_that_returns_garbage_for_titles_writes_nothing(archive, tmp_path):
    class Broken(BagOfWords):
        def embed_passages(self, texts):
            return np.full((len(texts), self.dim), np.nan, np.float32)

    with pytest.raises(BuildError, match="not finite"):
        staged(archive, tmp_path / "index", Broken())
    assert not (tmp_path / "index" / "manifest.json").exists()
