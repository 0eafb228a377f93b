"""How many IVF lists to probe: recall and time of the approximate index against exact search, by nprobe.

    python -m benchmarks.ivf_params --index var/bench/index-1M-ivf --queries var/bench/queries-1M.jsonl

Uses an index built by scale.py (synthetic vectors): exact top-k from `vectors.npy` (brute force),
approximate from `dense.faiss` at each nprobe, one query at a time on one thread, as the retriever
searches. "raw@10" is the share of the exact 10 nearest sentences among FAISS's 10; "in 50" is the
share of the exact 10 among FAISS's 50, which is what the retriever asks for (it rescores candidate
passages exactly, so a true neighbour ranked 11-50 by the quantized index still comes out right).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--nprobe", type=int, nargs="+", default=[8, 16, 32, 64, 128, 256])
    args = parser.parse_args()

    import faiss

    from benchmarks.synthetic import SyntheticEmbedder
    from retrieval.index import dense

    embedder = SyntheticEmbedder()
    questions = [json.loads(line)["q"] for line in args.queries.read_text(encoding="utf-8").splitlines()][: args.count]
    queries = np.stack([embedder.embed_query(q) for q in questions])
    vectors = np.load(args.index / "vectors.npy", mmap_mode="r")
    exact = np.zeros((len(queries), 10), dtype=np.int64)
    best = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    for at in range(0, len(vectors), 262_144):  # brute force in slices: exact top-10 per query
        scores = queries @ np.asarray(vectors[at: at + 262_144]).T
        top = np.argpartition(-scores, 9, axis=1)[:, :10]
        cand_scores = np.concatenate([best, np.take_along_axis(scores, top, 1)], axis=1)
        cand_ids = np.concatenate([exact, top + at], axis=1)
        keep = np.argsort(-cand_scores, axis=1)[:, :10]
        best, exact = np.take_along_axis(cand_scores, keep, 1), np.take_along_axis(cand_ids, keep, 1)
    index = dense.load(args.index / "dense.faiss")
    print(f"{type(index).__name__}: {index.ntotal} vectors, {getattr(index, 'nlist', '-')} lists; {len(queries)} queries")
    faiss.omp_set_num_threads(1)
    for nprobe in args.nprobe:
        index.nprobe = nprobe
        raw = in50 = 0.0
        times = []
        for q, truth in zip(queries, exact):
            t = time.perf_counter()
            ids, _ = dense.search(index, q, 50)
            times.append((time.perf_counter() - t) * 1000)
            truth = set(truth.tolist())
            raw += len(truth & set(ids[:10].tolist())) / 10
            in50 += len(truth & set(ids.tolist())) / 10
        times.sort()
        print(f"nprobe {nprobe:4d}: raw@10 {raw / len(queries):.3f}  in 50 {in50 / len(queries):.3f}  "
              f"p50 {times[len(times) // 2]:.2f} ms  p95 {times[int(len(times) * 0.95)]:.2f} ms", flush=True)


if __name__ == "__main__":
    main()
