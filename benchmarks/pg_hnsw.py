"""pgvector's HNSW over our sentence vectors: `vector` (float32) against `halfvec` (float16), and graph parameters.

    python -m benchmarks.pg_hnsw --size 100k        # after: python -m benchmarks.pg_scale --sizes 100k

On the vector table `benchmarks.pg_scale` built (synthetic clustered vectors, 2.2 per passage), for each kind
and (m, ef_construction): the build's seconds and the index's size, then for 200 query vectors recall@10
against exact search and the query's p50 / p95 at several `hnsw.ef_search`. The column is float32 in both
cases; `halfvec` indexes the expression `embedding::halfvec(384)`, which halves the graph's vectors.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT
from benchmarks.pg_scale import SERVER_SETTINGS
from benchmarks.scale import load_avg
from retrieval.evaluate import percentile

CONFIGS = [("halfvec", 16, 64), ("vector", 16, 64), ("halfvec", 24, 100)]
EF_SEARCH = [40, 100, 200]
K = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    from benchmarks.postgres import LocalPostgres
    from benchmarks.synthetic import SyntheticEmbedder
    from retrieval.index.pg import schema
    from retrieval.index.pg.connection import connect
    from retrieval.index.pg.driver import sql
    from retrieval.index.pg.url import DatabaseUrl

    work = args.work.resolve()
    embedder = SyntheticEmbedder()
    questions = [json.loads(line)["q"] for line in
                 (work / f"queries-{args.size}.jsonl").read_text(encoding="utf-8").splitlines()][: args.queries]
    queries = [embedder.embed_query(q) for q in questions]
    results = {"size": args.size, "load_avg_before": load_avg(), "configs": []}
    with LocalPostgres(work / "postgres", settings=SERVER_SETTINGS) as server:
        url = DatabaseUrl(server.url() + f"?schema=bench_{args.size.lower()}")
        with connect(url, autocommit=True) as conn:
            table = conn.execute(sql.SQL("SELECT vectors FROM {}.versions ORDER BY id DESC LIMIT 1")
                                 .format(sql.Identifier(url.schema))).fetchone()[0]
            dim = embedder.dim
            count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(url.schema, table))).fetchone()[0]
            # a copy to index and drop freely; the benchmark's own index stays as it is
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(url.schema, "hnsw_trial")))
            conn.execute(sql.SQL("CREATE TABLE {} AS SELECT key, embedding FROM {}")
                         .format(sql.Identifier(url.schema, "hnsw_trial"), sql.Identifier(url.schema, table)))
            conn.execute("SET max_parallel_workers_per_gather = 2")
            started = time.perf_counter()
            exact = []
            for q in queries:
                rows = conn.execute(sql.SQL("SELECT key FROM {} ORDER BY embedding <#> %s LIMIT %s")
                                    .format(sql.Identifier(url.schema, "hnsw_trial")), (q, K)).fetchall()
                exact.append({bytes(k) for (k,) in rows})
            exact_ms = (time.perf_counter() - started) * 1000 / len(queries)
            results.update(vectors=count, exact_ms_mean=round(exact_ms, 1))
            print(f"{count} vectors; exact search {exact_ms:.1f} ms a query (sequential scan); load {load_avg()}", flush=True)
            for kind, m, ef_construction in CONFIGS:
                conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(url.schema, "hnsw_trial_hnsw")))
                started = time.perf_counter()
                schema.create_hnsw(conn, url.schema, "hnsw_trial", dim, kind, m, ef_construction)
                build_s = time.perf_counter() - started
                size = conn.execute("SELECT pg_relation_size(%s::regclass)",
                                    (f"{url.schema}.hnsw_trial_hnsw",)).fetchone()[0]
                expression, _ = schema.hnsw_expression(dim, kind)
                cast = sql.SQL("::halfvec({})").format(sql.Literal(dim)) if kind == "halfvec" else sql.SQL("")
                statement = sql.SQL("SELECT key FROM {t} ORDER BY {e} <#> %s{c} LIMIT %s").format(
                    t=sql.Identifier(url.schema, "hnsw_trial"), e=expression, c=cast)
                row = {"kind": kind, "m": m, "ef_construction": ef_construction, "build_s": round(build_s, 1),
                       "index_mib": round(size / 2**20, 1), "search": {}}
                for ef in EF_SEARCH:
                    conn.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(ef)))
                    recalls, times = [], []
                    for q, truth in zip(queries, exact):
                        started = time.perf_counter()
                        rows = conn.execute(statement, (q, K)).fetchall()
                        times.append((time.perf_counter() - started) * 1000)
                        recalls.append(len({bytes(k) for (k,) in rows} & truth) / K)
                    row["search"][ef] = {"recall_at_10": round(float(np.mean(recalls)), 4),
                                         "p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2)}
                results["configs"].append(row)
                print(f"{kind} m={m} ef_construction={ef_construction}: built in {row['build_s']} s, "
                      f"{row['index_mib']} MiB; " + "; ".join(
                          f"ef_search {ef}: recall@10 {s['recall_at_10']}, p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms"
                          for ef, s in row["search"].items()) + f"; load {load_avg()}", flush=True)
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(url.schema, "hnsw_trial")))
    results["load_avg_after"] = load_avg()
    (work / "results" / f"pg-hnsw-{args.size}.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
