"""Ranking ideas tried against the shipped fusion, and not adopted: prints seed and ARCD passage hit@1.

    python -m benchmarks.ranking_ideas --arcd-index var/eval/<hash>/index

Every passage of an index is scored for every question (no candidate cut-off, no diversity step;
character 3-gram idf over all passages, not the candidates), so the baseline row is close to the
pipeline's hit@1: best-sentence cosine + 0.8 x scaled BM25 + 0.4 x scaled character 3-gram BM25.
Each other row changes one thing. Embeds ARCD's sentences once more without titles (~2 min).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.common import dataset_arguments
from retrieval import RetrievalSettings, Retriever, make_embedder
from retrieval.arabic.analyzer import CharGrams
from retrieval.evaluate import SquadData, load_qa
from retrieval.index.lexical import LexicalIndex


class Features:
    """Per question and passage: best-sentence cosine (with and without the title), BM25, and the key hit."""

    def __init__(self, index: Path, items, embedder) -> None:
        retriever = Retriever.load(index, embedder)
        stored = retriever.index
        chunks, sentences = stored.chunks, stored.sentences
        self.first, self.last = chunks["first"].astype(int), chunks["last"].astype(int)
        passages = [retriever.context(i, 0, 0)[0] for i in range(len(chunks))]
        texts, sources = [p.text for p in passages], [p.source for p in passages]
        self.docs = [f"{p.title}\n{p.text}" for p in passages]
        self.vectors = np.asarray(stored.vectors)
        plain = [stored.article_text(int(s["article"]))[int(s["start"]): int(s["end"])] for s in sentences]
        self.plain = embedder.embed_passages(plain)
        self.queries = np.stack([embedder.embed_query(item.q) for item in items])
        self.lexical = np.stack([_scaled_bm25(retriever.index.lexical, retriever.analyzer(item.q), len(chunks))
                                 for item in items])
        grams = CharGrams()
        char_index = LexicalIndex.build([grams(d) for d in self.docs])
        self.chars = np.stack([_scaled_bm25(char_index, grams(item.q), len(chunks)) for item in items])
        self.ok = np.array([[item.answered_by(s, t) for s, t in zip(sources, texts)] for item in items])
        self.items = items

    def best_sentence(self, sims: np.ndarray) -> np.ndarray:
        return np.array([sims[f: l + 1].max() for f, l in zip(self.first, self.last)])

    def hit1(self, scores: list[np.ndarray]) -> float:
        return float(np.mean([ok[int(np.argmax(s))] for ok, s in zip(self.ok, scores)]))


def _scaled_bm25(lexical: LexicalIndex, terms: list[str], n: int) -> np.ndarray:
    if not terms:
        return np.zeros(n, dtype=np.float32)
    bound = lexical.idf(terms).sum() * 2.5
    return lexical.scores(terms) / bound if bound else np.zeros(n, dtype=np.float32)


def ideas(f: Features) -> dict[str, list[np.ndarray]]:
    dense = [f.best_sentence(f.vectors @ q) for q in f.queries]
    plain = [f.best_sentence(f.plain @ q) for q in f.queries]
    words = [0.8 * lx + 0.4 * c for lx, c in zip(f.lexical, f.chars)]
    mu = f.vectors.mean(0)
    centered = (f.vectors - mu) / np.linalg.norm(f.vectors - mu, axis=1, keepdims=True)

    def top2(sims):
        return np.array([np.sort(sims[a: b + 1])[::-1][:2].mean() for a, b in zip(f.first, f.last)])

    def z(x):
        return (x - x.mean()) / (x.std() + 1e-9)

    return {
        "baseline: cosine + 0.8 BM25 + 0.4 char": [d + w for d, w in zip(dense, words)],
        "without character 3-grams": [d + 0.8 * lx for d, lx in zip(dense, f.lexical)],
        "sentences embedded without the title": [p + w for p, w in zip(plain, words)],
        "with and without the title, mean": [(d + p) / 2 + w for d, p, w in zip(dense, plain, words)],
        "vectors centered on the corpus mean": [
            f.best_sentence(centered @ ((q - mu) / np.linalg.norm(q - mu))) + w for q, w in zip(f.queries, words)],
        "mean of the two best sentences": [top2(f.vectors @ q) + w for q, w in zip(f.queries, words)],
        "z-scored cosine, BM25 and char": [z(d) + 0.8 * z(lx) + 0.4 * z(c)
                                           for d, lx, c in zip(dense, f.lexical, f.chars)],
    }


def main() -> None:
    args = dataset_arguments().parse_args()
    embedder = make_embedder(RetrievalSettings().embedder)
    seed = Features(args.seed_index, [i for i in load_qa(args.qa) if i.file], embedder)
    arcd = Features(args.arcd_index, SquadData.load(args.squad).qa_items(), embedder)
    seed_rows, arcd_rows = ideas(seed), ideas(arcd)
    print(f"{'':40} seed hit@1  ARCD hit@1")
    for name in seed_rows:
        print(f"{name:40} {seed.hit1(seed_rows[name]):10.3f} {arcd.hit1(arcd_rows[name]):11.3f}")


if __name__ == "__main__":
    main()
