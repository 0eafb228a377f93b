"""Benchmark scripts (`python -m benchmarks.NAME`): the synthetic corpus and vectors, the dev sets they split, and a
smoke run of each script (they are run by hand)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import ROOT

from benchmarks import synthetic
from benchmarks.common import BLIND, TIME_QA, dev_sets
from retrieval import build_index
from retrieval.corpus.ingest import read_corpus


def test_synthetic_corpus_is_reproducible_arabic_and_readable(tmp_path):
    info = synthetic.write_corpus(tmp_path / "a", passages=300, per_file=10)
    synthetic.write_corpus(tmp_path / "b", passages=300, per_file=10)
    files = sorted(p.name for p in (tmp_path / "a").glob("*.jsonl"))
    assert files == sorted(p.name for p in (tmp_path / "b").glob("*.jsonl")) and len(files) > 1
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    corpus = read_corpus(tmp_path / "a")
    assert len(corpus.articles) == info["articles"] and not corpus.skipped  # the .done marker is hidden
    text = corpus.articles[0].text
    assert sum("\u0621" <= ch <= "\u064a" for ch in text) > 0.7 * len(text.replace(" ", ""))
    queries = synthetic.write_queries(tmp_path / "a", 5, tmp_path / "q.jsonl")
    assert len(queries) == 5 and all(q["q"].endswith("؟") and "#" in q["file"] for q in queries)


def test_synthetic_vectors_are_deterministic_unit_and_clustered(tmp_path):
    embedder = synthetic.SyntheticEmbedder()
    gen = synthetic.Generator(topics=20, seed=3)
    articles = [gen.article(i) for i in range(12)]
    sentences = [[f"{a['title']}\n{s}" for s in a["text"].replace("\n\n", " ").split(". ")[:4]] for a in articles]
    vectors = [embedder.embed_passages(s) for s in sentences]
    again = synthetic.SyntheticEmbedder().embed_passages(sentences[0])
    assert np.array_equal(vectors[0], again) and np.allclose(np.linalg.norm(again, axis=1), 1, atol=1e-5)
    assert np.array_equal(embedder.embed_query(sentences[1][0]), vectors[1][0])
    within = np.mean([(v @ v.T)[np.triu_indices(len(v), 1)].mean() for v in vectors])
    across = np.mean([(vectors[i] @ vectors[j].T).mean() for i in range(12) for j in range(i + 1, 12)])
    assert 0.6 < across < within < 0.95  # like e5: everything similar, the same article more so


def test_incremental_rebuild_of_a_synthetic_corpus_embeds_only_the_new_article(tmp_path):
    synthetic.write_corpus(tmp_path / "corpus", passages=200, per_file=10)
    embedder = synthetic.SyntheticEmbedder()
    first = build_index(tmp_path / "corpus", tmp_path / "index", embedder, progress=False)
    (tmp_path / "corpus" / "zz.jsonl").write_text(json.dumps(synthetic.extra_article(), ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
    report = build_index(tmp_path / "corpus", tmp_path / "index", embedder, progress=False)
    assert report.articles == first.articles + 1
    assert report.embedded == report.sentences - first.sentences and report.cached == first.sentences


def test_dev_sets_are_every_qa_file_but_the_blind_and_time_ones():
    sets = dev_sets()
    assert {"seed", "chat"} <= set(sets) and BLIND.is_file() and BLIND not in sets.values()
    assert TIME_QA.is_file() and TIME_QA not in sets.values()
    assert set(sets.values()) == set((ROOT / "eval").glob("*_qa.jsonl")) - {BLIND, TIME_QA}


def run(module, *args, timeout=300):
    """`python -m benchmarks.MODULE ARGS` from the repository root, as the scripts are run."""
    return subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout, env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})


@pytest.mark.slow
def test_scale_and_plots_smoke_run(tmp_path):
    pytest.importorskip("psutil")
    pytest.importorskip("matplotlib")
    done = run("scale", "--smoke", "--work", tmp_path / "bench")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[2k ivf] recall@10 vs flat" in done.stdout and "one article added" in done.stdout
    result = json.loads((tmp_path / "bench" / "results" / "2k-ivf.json").read_text())
    assert result["measure"]["queries"] == 20 and 0 < result["recall_vs_flat"]["passages@10"] <= 1
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "benchmarks.md").write_text("intro\n<!-- generated:start -->\nold\n<!-- generated:end -->\nend\n")
    plots = run("plots", "--work", tmp_path / "bench", "--docs", tmp_path / "docs")
    assert plots.returncode == 0, plots.stderr[-2000:]
    doc = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert doc.startswith("intro\n") and doc.endswith("end\n") and "old" not in doc
    assert "| ivf |" in doc and "Incremental rebuild" in doc
    assert (tmp_path / "docs" / "scale_latency.png").stat().st_size > 1000
    assert (tmp_path / "docs" / "scale_memory.png").stat().st_size > 1000


@pytest.mark.slow
def test_embed_throughput_smoke_run(tmp_path):
    if not any((d / "shared" / "data" / "arcd" / "arcd.json").is_file() for d in ROOT.parents):
        pytest.skip("ARCD not available (the benchmark embeds its texts)")
    done = run("embed_throughput", "--seconds", "0.2", "--batch", "4", "--no-build", "--out", tmp_path / "e.json")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads((tmp_path / "e.json").read_text())["by_length"]
    assert [r["chars"] for r in rows] == [100, 250, 500, 1000] and all(r["passages_per_s"] > 0 for r in rows)
    assert rows[0]["tokens"] < rows[-1]["tokens"]


@pytest.mark.parametrize("module", sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py")
                                           if p.stem not in ("__init__", "common")))
def test_every_benchmark_script_starts(module):
    done = run(module, "--help", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


def test_style_plot_draws_a_bar_per_style_and_grows_with_them(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    from benchmarks import style_plot

    few = style_plot.plot({"answerable": {"MSA": (3, 4)}, "unanswerable": {"near": (2, 2)}}, "t", tmp_path / "a.png")
    styles = {f"style {i}": (i, 10) for i in range(8)}
    many = style_plot.plot({"answerable": styles}, "t", tmp_path / "b.png")
    assert Image.open(many).height > Image.open(few).height
