"""Every retrieval-quality figure of the README in one run, measured like a test.

    python -m benchmarks.quality [--index var/index] [--embedder SPEC] [--squad ../shared/data/arcd/arcd.json]

1. The dev sets (eval/*_qa.jsonl: the seed set, the informal one, ...) split by a hash of each question
   (`retrieval.evaluate.split_of`) into a tuning part (60%, all that benchmarks.tune_fusion sees) and a test part
   (40%), beside the blind set (eval/blind_qa.jsonl, written by someone who read only the articles: never split,
   never tuned on), by question style. Answerable: hit@1/3/5, MRR, wrongly declined; unanswerable: declined,
   related and none (shown without quotes). The seed set's questions have no style: they are "seed" and
   "seed mixed" (its unanswerable ones, near-topic and off-topic together).
   Then the time questions (eval/time_qa.jsonl) by kind and style, tune and test.
2. ARCD paragraph retrieval: dense alone, BM25 alone and hybrid, all questions and the same split of them.
3. Every ARCD question asked against the seed index (all off-topic there): the share that abstains.
4. Warm query latency on the seed index.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from benchmarks.common import ARCD, BLIND, TIME_QA, MemoQueries, dev_sets
from retrieval import RetrievalSettings, Retriever, SearchConfig, make_embedder
from retrieval.evaluate import QAItem, QAReport, SquadData, evaluate_qa, in_part, load_qa, squad_index
from retrieval.evaluate_time import evaluate_time, time_items, time_retrievers

ANSWERABLE = {"hit@1": "hit@1", "hit@3": "hit@3", "hit@5": "hit@5", "mrr": "MRR", "declined": "wdecl"}
UNANSWERABLE = {"declined": "declined", "related": "related", "none": "none"}


def styled(items: list[QAItem], name: str) -> list[QAItem]:
    """`items` with a style each: unstyled ones are named after their set."""
    return [item if item.style else replace(item, style=name if item.file else f"{name} mixed") for item in items]


def style_table(reports: dict[str, QAReport], answerable: bool) -> str:
    """The by-style figures of each report (a column group each), answerable or unanswerable styles."""
    figures = ANSWERABLE if answerable else UNANSWERABLE
    width = max(map(len, figures.values())) + 1
    group = 4 + width * len(figures)
    styles = sorted({s for r in reports.values() for s, f in r.by_style.items() if ("hit@1" in f) == answerable},
                    key=lambda s: (s.startswith("all"), s))
    lines = [f"{'':17}" + " | ".join(f"{part:^{group}}" for part in reports),
             f"{'answerable' if answerable else 'unanswerable':17}"
             + " | ".join(f"{'n':>4}" + "".join(f"{name:>{width}}" for name in figures.values()) for _ in reports)]
    for style in styles:
        cells = [f"{f['n']:4.0f}" + "".join(f"{f[key]:{width}.3f}" for key in figures) if f else " " * group
                 for f in (r.by_style.get(style) for r in reports.values())]
        lines.append(f"{style:17}" + " | ".join(cells))
    return "\n".join(line.rstrip() for line in lines)


def pooled(reports: list[QAReport], figure) -> float:
    """A per-question figure of several reports together (weighted by their answerable questions)."""
    total = sum(r.answerable for r in reports)
    return sum(figure(r) * r.answerable for r in reports) / total if total else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("var/index"))
    ap.add_argument("--dev", type=Path, nargs="+", default=list(dev_sets().values()), help="dev sets to split")
    ap.add_argument("--blind", type=Path, default=BLIND)
    ap.add_argument("--squad", type=Path, default=ARCD)
    ap.add_argument("--work", type=Path, default=Path("var/eval"))
    ap.add_argument("--latency-qa", type=Path, default=Path("eval/seed_qa.jsonl"))
    ap.add_argument("--embedder", default=RetrievalSettings().embedder, help="the one --index was built with")
    args = ap.parse_args()
    embedder = make_embedder(args.embedder)
    retriever = Retriever.load(args.index, embedder)

    dev = {path.name.removesuffix(".jsonl").removesuffix("_qa"): load_qa(path) for path in args.dev}
    parts = {part: [item for name, items in dev.items() for item in styled(in_part(items, part), name)]
             for part in ("tune", "test")}
    parts["blind"] = load_qa(args.blind)
    print(f"== dev sets on {args.index}, split by a hash of each question, and the blind set whole")
    for part in ("tune", "test"):
        print(f"{part}:  " + ", ".join(f"{name} {len(in_part(items, part))}" for name, items in dev.items())
              + " questions")
    print(f"blind: {len(parts['blind'])} questions ({args.blind.name})")
    fresh = retriever.calendar.current()  # asked while the news was fresh, as the sets were written
    reports = {part: evaluate_qa(retriever, items, today=fresh) for part, items in parts.items()}
    print(style_table(reports, answerable=True))
    print(style_table(reports, answerable=False))
    print("wdecl: answerable questions wrongly declined; none: declined and shown without quotes")

    by_corpus = time_retrievers(TIME_QA, retriever, embedder, args.work)
    print(f"\n== time questions ({TIME_QA.name}: the seeds and the dated test corpus), by the same split")
    for part in ("tune", "test"):
        print(f"-- {part}\n" + evaluate_time(by_corpus, time_items(TIME_QA, part)).format().split("\nwrong:")[0])

    # ARCD questions are embedded once for all modes and the off-topic run.
    queries = MemoQueries(embedder)
    data = SquadData.load(args.squad)
    index = squad_index(data, queries, args.work, progress=False)
    arcd = {part: in_part(data.qa_items(), part) for part in ("tune", "test")}
    print(f"\n== ARCD paragraph retrieval: {args.squad} (tune {len(arcd['tune'])}, test {len(arcd['test'])} questions)")
    print(f"{'':8} " + " | ".join(f"{part:^19}" for part in ("all", "tune", "test")))
    print(f"{'':8} " + " | ".join(f"{'hit@1':>6}{'hit@5':>7}{'MRR':>6}" for _ in range(3)))
    for mode in ("dense", "lexical", "hybrid"):
        moded = Retriever.load(index, queries, SearchConfig(mode=mode))
        by_part = [evaluate_qa(moded, items, hit_ks=(1, 5)) for items in arcd.values()]
        columns = [[pooled(rs, lambda r: r.hit_at[1]), pooled(rs, lambda r: r.hit_at[5]), pooled(rs, lambda r: r.mrr)]
                   for rs in (by_part, *([r] for r in by_part))]
        print(f"{mode:8} " + " | ".join(f"{h1:6.3f}{h5:7.3f}{mrr:6.3f}" for h1, h5, mrr in columns))

    asked = Retriever.load(args.index, queries)
    off = {part: evaluate_qa(asked, [replace(item, file=None) for item in items]) for part, items in arcd.items()}
    abstained = sum(r.abstain_recall * r.unanswerable for r in off.values())
    total = sum(r.unanswerable for r in off.values())
    print(f"\n== ARCD questions against the seed index (off-topic): {abstained / total:.3f} of {total} abstained "
          f"(tune {off['tune'].abstain_recall:.3f}, test {off['test'].abstain_recall:.3f})")

    # Warm latency: the seed questions again, each embedded and searched from scratch.
    again = evaluate_qa(retriever, load_qa(args.latency_qa), today=fresh)
    print(f"\n== warm query latency on the seed index ({args.latency_qa}): "
          f"p50 {again.latency_p50_ms:.1f} ms, p95 {again.latency_p95_ms:.1f} ms")


if __name__ == "__main__":
    main()
