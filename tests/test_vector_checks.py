"""Vectors that are not finite and unit-length (a broken model, an index built with a bad BATCH_SIZE by an older
version) are never cached or indexed, and an index holding them is refused."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from helpers import SEEDS, cli

from retrieval.index.integrity import record
from retrieval.index.manifest import Manifest

QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"


@pytest.mark.parametrize("value", ["-3", "0"])
def test_a_batch_size_below_one_is_one_error_line(tmp_path, value):
    done = cli("build", "--quiet", "--corpus", SEEDS, "--index", tmp_path / "index", BATCH_SIZE=value)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"error: invalid setting BATCH_SIZE={value}: Input should be greater than or equal to 1"]
    assert not (tmp_path / "index").exists()


def test_a_model_that_returns_nan_builds_nothing_and_caches_nothing(tmp_path, tiny_model):
    from safetensors.numpy import load_file, save_file

    model = tmp_path / "nan-model"
    shutil.copytree(tiny_model, model)
    weights = load_file(str(model / "model.safetensors"))
    name = next(k for k in weights if k.endswith("embeddings.LayerNorm.weight"))
    weights[name] = np.full_like(weights[name], np.nan)
    save_file(weights, str(model / "model.safetensors"))
    index = tmp_path / "index"
    done = cli("build", "--quiet", "--corpus", SEEDS, "--index", index, "--embedder", f"st:{model}#torch")
    assert done.returncode == 1
    assert "vectors that are not finite and unit-length" in done.stderr.splitlines()[-1]
    assert not index.exists() and not list(tmp_path.glob("index.partial/*/*.npz"))


@pytest.fixture
def garbage_index(index_copy):
    """The seed index as an older version built it with BATCH_SIZE=-3: zero vectors, checksums that match them."""
    vectors = np.load(index_copy / "vectors.npy")
    np.save(index_copy / "vectors.npy", np.zeros_like(vectors))
    manifest = Manifest.load(index_copy)
    manifest.files = record(index_copy)
    manifest.save(index_copy)
    return index_copy


def test_info_verify_refuses_an_index_of_vectors_that_are_not_unit_length(garbage_index):
    done = cli("info", "--index", garbage_index, "--verify")
    assert done.returncode == 1
    assert "damaged: vectors.npy holds " in done.stderr and "not finite and unit-length" in done.stderr


def test_searching_an_index_of_vectors_that_are_not_unit_length_is_one_error_line(garbage_index):
    done = cli("search", QUESTION, "--index", garbage_index)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [(f"error: index at {garbage_index} is damaged: its vectors are not finite "
                                         "and unit-length; rebuild it with: python -m retrieval build")]


def test_a_rebuild_embeds_again_what_the_live_index_holds_as_garbage(garbage_index):
    done = cli("build", "--quiet", "--corpus", SEEDS, "--index", garbage_index)
    assert done.returncode == 0, done.stderr
    assert ", 0 from cache" in done.stdout or " 0 from cache" in done.stdout, done.stdout
    vectors = np.load(garbage_index / "vectors.npy")
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
