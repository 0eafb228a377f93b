"""Tune the hybrid fusion weight and the abstention rule; prints the grid so the choice is visible.

    python -m benchmarks.tune_fusion --seed-index var/index --arcd-index var/eval/<hash>/index

Only the tuning part of each question set is read (`retrieval.evaluate.split_of`: 60% of the questions, by a hash
of each); the test part and the blind set are left for `python -m benchmarks.quality` to judge the choice on.
Ranking and diversity are tuned on ARCD (paragraph hit@1/MRR) and the seed dev set; the verdict thresholds on every
dev set at once (eval/*_qa.jsonl but the blind one: formal and informal; answerable, near-topic, off-topic, chatter)
plus ARCD questions asked against the seed index (all off-topic there).
The chosen values are the defaults of `retrieval.SearchConfig`.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from benchmarks.common import MemoQueries, dataset_arguments, dev_sets
from retrieval.evaluate import SquadData, evaluate_qa, in_part, load_qa
from retrieval import RetrievalSettings
from retrieval.models import make_embedder
from retrieval.search.query import understand
from retrieval.search.retriever import Retriever, SearchConfig, decide


def config_grid(title, configs, seed_index, arcd_index, embedder, seed_items, arcd_items) -> None:
    """Seed hit@1/3/5 and ARCD hit@1/5 and MRR for each named `SearchConfig`."""
    print(f"{title} -> seed hit@1 hit@3 hit@5 | ARCD hit@1 hit@5 MRR")
    for name, cfg in configs:
        seeded = Retriever.load(seed_index, embedder, cfg)
        seed = evaluate_qa(seeded, seed_items, today=seeded.calendar.current())
        ar = evaluate_qa(Retriever.load(arcd_index, embedder, cfg), arcd_items, hit_ks=(1, 5))
        hits = " ".join(f"{v:.3f}" for v in seed.hit_at.values())
        print(f"  {name:<13} {hits} | {ar.hit_at[1]:.3f} {ar.hit_at[5]:.3f} {ar.mrr:.3f}")


def verdict_grid(seed_index, embedder, sets: dict[str, list]) -> None:
    """Grid over the answer thresholds and related bands: every question is searched once with thresholds
    off, then `retriever.decide` gives its verdict under each setting (no copy of the rule here)."""
    base = SearchConfig()
    open_config = replace(base, answer_from=-9.0, answer_from_arabizi=-9.0, answer_from_cross_lingual=-9.0)
    retriever = Retriever.load(seed_index, embedder, open_config)
    rows = [(name, item, understand(item.q), retriever.search(item.q, 5)) for name, items in sets.items() for item in items]

    def rates(cfg: SearchConfig) -> dict[str, float]:
        out: dict[str, list[bool]] = {}
        for name, item, query, result in rows:
            known = retriever.knows_asked_noun(query)
            verdict = "none" if query.chatter else decide(cfg, result.confidence, query, result.holds_asked, known)
            if item.file:
                out.setdefault(f"{name} answerable answered", []).append(verdict == "answered")
            elif item.style == "near":
                out.setdefault(f"{name} near-topic declined", []).append(verdict != "answered")
            elif item.style in ("far", "chatter"):
                out.setdefault(f"{name} off-topic and chatter none", []).append(verdict == "none")
            else:
                out.setdefault(f"{name} unanswerable declined", []).append(verdict != "answered")
        return {k: float(np.mean(v)) for k, v in out.items()}

    def score(r: dict[str, float]) -> float:
        return sum(v if "answered" not in k else 2 * v for k, v in r.items())

    grid = itertools.product(np.arange(0.88, 0.951, 0.005), np.arange(0.78, 0.901, 0.02), np.arange(0.80, 0.871, 0.01),
                             (0.02, 0.03, 0.05), (0.0, 0.01, 0.03))
    results = []
    for a, az, x, band, xband in grid:
        cfg = replace(base, answer_from=round(a, 4), answer_from_arabizi=round(az, 4), answer_from_cross_lingual=round(x, 4),
                      related_band=band, related_band_cross_lingual=xband)
        r = rates(cfg)
        results.append((score(r), cfg, r))
    results.sort(key=lambda t: -t[0])
    print("\nverdicts: best settings (answer thresholds Arabic / Arabizi / cross-lingual, related bands)")
    for total, cfg, r in results[:5]:
        print(f"  {cfg.answer_from:.3f} {cfg.answer_from_arabizi:.3f} {cfg.answer_from_cross_lingual:.3f} "
              f"bands {cfg.related_band} {cfg.related_band_cross_lingual}: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items()))
    print("  defaults now: " + ", ".join(f"{k} {v:.3f}" for k, v in rates(base).items()))


def main() -> None:
    ap = dataset_arguments()
    ap.add_argument("--skip-ranking", action="store_true")
    ap.add_argument("--arcd-offtopic", type=int, default=400, help="ARCD questions asked against the seed index")
    args = ap.parse_args()

    embedder = MemoQueries(make_embedder(RetrievalSettings().embedder))
    seed_items = in_part(load_qa(args.qa), "tune")
    arcd_items = in_part(SquadData.load(args.squad).qa_items(), "tune")
    dev = {name: in_part(load_qa(path), "tune") for name, path in dev_sets().items()}
    print(f"tuning parts: seed {len(seed_items)}, ARCD {len(arcd_items)}; verdicts: "
          + ", ".join(f"{name} {len(items)}" for name, items in dev.items()) + " questions")
    if not args.skip_ranking:
        data = (args.seed_index, args.arcd_index, embedder, seed_items, arcd_items)
        pairs = [(w, 0.0) for w in (0.0, 0.4, 0.6, 0.8, 1.0)] + [(w, c) for w in (0.4, 0.6, 0.8) for c in (0.2, 0.4, 0.6)]
        weights = [(f"w={w} c={c}", SearchConfig(lexical_weight=w, char_weight=c)) for w, c in pairs]
        weights += [(mode, SearchConfig(mode=mode)) for mode in ("dense", "lexical")]
        config_grid("ranking: BM25 weight w, character 3-gram weight c", weights, *data)
        margins = [(f"m={m}", SearchConfig(same_article_margin=m)) for m in (0.0, 0.01, 0.03, 0.05, 0.1, 1.0)]
        config_grid("\ndiversity: same-article margin", margins, *data)
    offtopic = [replace(i, file=None) for i in arcd_items[:: max(1, len(arcd_items) // args.arcd_offtopic)]]
    verdict_grid(args.seed_index, embedder, {**dev, "ARCD": offtopic})


if __name__ == "__main__":
    main()
