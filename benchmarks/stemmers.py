"""Compare BM25 stemmers (light, Snowball, none) alone and in the hybrid, on the seed dev set and ARCD.

    python -m benchmarks.stemmers --arcd-index var/eval/<hash>/index

The BM25 index is rebuilt in memory for each stemmer from the stored passages (title + passage text;
section headings are not stored, so seed figures run a little below the real index's).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import MemoQueries, dataset_arguments
from retrieval import RetrievalSettings, Retriever, SearchConfig, make_embedder
from retrieval.arabic.analyzer import Analyzer
from retrieval.evaluate import SquadData, evaluate_qa, load_qa
from retrieval.index.lexical import LexicalIndex


def compare(index: Path, items, embedder, hit_ks) -> None:
    retriever = Retriever.load(index, embedder)
    passages = [retriever.context(i, 0, 0)[0] for i in range(len(retriever.index.chunks))]
    for stemmer in ("light", "snowball", "none"):
        analyzer = Analyzer(stemmer=stemmer)
        docs = [analyzer(f"{p.title}\n{p.text}") for p in passages]
        lexical = LexicalIndex.build(docs)
        line = []
        for mode in ("lexical", "hybrid"):
            retriever = Retriever.load(index, embedder, SearchConfig(mode=mode))
            retriever.index.lexical, retriever.analyzer = lexical, analyzer
            report = evaluate_qa(retriever, items, hit_ks=hit_ks)
            line.append(f"{mode}: " + " ".join(f"hit@{k} {v:.3f}" for k, v in report.hit_at.items()) + f" MRR {report.mrr:.3f}")
        print(f"  {stemmer:<9}" + "  |  ".join(line), flush=True)


def main() -> None:
    args = dataset_arguments().parse_args()
    embedder = MemoQueries(make_embedder(RetrievalSettings().embedder))
    print("seed dev set")
    compare(args.seed_index, load_qa(args.qa), embedder, (1, 5))
    print("ARCD")
    compare(args.arcd_index, SquadData.load(args.squad).qa_items(), embedder, (1, 5))


if __name__ == "__main__":
    main()
