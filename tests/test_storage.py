"""Index storage for scale: vectors read by row, BM25 built with NumPy, top-k selection, IVF reuse."""

import json

import bm25s
import faiss
import numpy as np
import pytest
from helpers import ROOT, BagOfWords

from retrieval import CorruptIndex, Retriever, build_index
from retrieval.arabic.analyzer import Analyzer
from retrieval.index import dense
from retrieval.index.lexical import LexicalIndex
from retrieval.index.stored import RowFile, StoredIndex

ARCD = ROOT.parent / "shared" / "data" / "arcd" / "arcd-test.json"


def test_row_file_reads_like_the_array(tmp_path):
    array = np.arange(7 * 3, dtype=np.float32).reshape(7, 3)
    np.save(tmp_path / "v.npy", array)
    rows = RowFile(tmp_path / "v.npy")
    assert len(rows) == 7 and rows.shape == (7, 3) and rows.dtype == np.float32
    for key in (slice(2, 5), slice(None), slice(5, 2), slice(0, 7, 2), 3, -1, [6, 0, -2], np.array([1, 1])):
        assert np.array_equal(rows[key], array[key]), key
    assert np.array_equal(np.asarray(rows), array)
    with pytest.raises(IndexError):
        rows[7]
    with pytest.raises(IndexError):
        rows[[0, 9]]


def test_truncated_vectors_are_reported_as_corrupt(index_copy):
    path = index_copy / "vectors.npy"
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size - 100)
    with pytest.raises(CorruptIndex, match="damaged"):
        StoredIndex(index_copy)


@pytest.fixture(scope="module")
def arcd_docs():
    if not ARCD.exists():
        pytest.skip("ARCD not available")
    analyzer = Analyzer()
    data = json.loads(ARCD.read_text(encoding="utf-8"))["data"]
    docs = [analyzer(p["context"]) for a in data for p in a["paragraphs"]] + [[]]  # and a term-less passage
    questions = [analyzer(q["question"]) for a in data for p in a["paragraphs"] for q in p["qas"]]
    return docs, questions


def test_bm25_built_with_numpy_scores_exactly_as_bm25s(arcd_docs, tmp_path):
    docs, questions = arcd_docs
    reference = bm25s.BM25(method="lucene")
    reference.index(docs, show_progress=False, create_empty_token=True)
    ours = LexicalIndex.build(docs)
    ours.save(tmp_path)
    loaded, forward = LexicalIndex.load(tmp_path), LexicalIndex.load_forward(tmp_path)
    rebuilt = LexicalIndex.from_forward(forward)
    for q in questions[:300]:
        expected = np.asarray(reference.get_scores_from_ids(reference.get_tokens_ids(q)), dtype=np.float32)
        for index in (ours, loaded, rebuilt):
            assert np.array_equal(index.scores(q), expected)
    df = np.array([sum(term in set(d) for d in docs) for term in questions[0]])
    assert np.allclose(ours.idf(questions[0]), np.log(1 + (len(docs) - df + 0.5) / (df + 0.5)))  # Lucene's idf


def test_best_selects_the_same_documents_as_a_full_sort(arcd_docs):
    docs, questions = arcd_docs
    index = LexicalIndex.build(docs)
    for q in questions[:300]:
        scores = index.scores(q)
        for k in (1, 5, 50, 10_000):
            ranked = np.argsort(-scores, kind="stable")
            expected = sorted(scores[i] for i in ranked[:k] if scores[i] > 0)
            assert sorted(scores[index.best(scores, q, k)]) == expected
    assert len(index.best(index.scores(["غير_موجود"]), ["غير_موجود"], 5)) == 0


def test_ivf_reuses_trained_centroids_while_the_size_suits(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((8000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first = dense.build(vectors, "ivf")
    assert isinstance(first, faiss.IndexIVFScalarQuantizer) and first.nprobe == min(dense.IVF_NPROBE, first.nlist)
    dense.save(first, tmp_path / "d.faiss")
    trained = dense.load(tmp_path / "d.faiss")  # memory-mapped, as a rebuild finds it
    again = dense.build(vectors[:7000], "ivf", trained=trained)
    centroids = trained.quantizer.reconstruct_n(0, trained.nlist)
    assert again.nlist == trained.nlist and np.array_equal(again.quantizer.reconstruct_n(0, again.nlist), centroids)
    ids, _ = dense.search(again, vectors[5], 3)
    assert ids[0] == 5
    grown = dense.build(np.concatenate([vectors] * 5), "ivf", trained=trained)  # 5x the vectors: train afresh
    assert grown.nlist > trained.nlist


def test_a_single_query_runs_on_one_faiss_thread_and_a_build_on_all(tmp_path):
    vectors = np.eye(4, 8, dtype=np.float32)
    dense.search(dense.build(vectors, "flat"), vectors[0], 2)
    assert faiss.omp_get_max_threads() == dense.QUERY_THREADS
    dense.build(vectors, "flat")
    assert faiss.omp_get_max_threads() == dense.BUILD_THREADS


def test_auto_uses_exact_search_below_the_threshold_and_ivf_from_it(corpus_copy, tmp_path):
    small = build_index(corpus_copy, tmp_path / "a", BagOfWords(), approximate_from=10_000, progress=False)
    large = build_index(corpus_copy, tmp_path / "b", BagOfWords(), approximate_from=small.sentences, progress=False)
    assert (small.index_type, large.index_type) == ("flat", "ivf")
    passages = Retriever.load(tmp_path / "b", BagOfWords()).search("ريابكوف", 3).passages
    assert passages and passages[0].source.startswith("000_")
