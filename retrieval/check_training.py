"""Training the answer check (`python -m retrieval model train-check`): examples, fit, and the model file.

Examples, each the features of a question's best passages (`Retriever.check_features`) and a verdict:
- ARCD-train, on an index of its own paragraphs: a question whose best passage holds its answer is
  *answered*; asked again with every passage holding the answer withheld, *related* (the corpus discusses
  it, its article's other paragraphs usually come first, but nothing states it); asked again with its
  whole article withheld, *none* (only other articles remain).
- The dev sets' tuning parts on the seed index (never their test parts, never the blind set): answerable
  questions whose first passage holds the key are *answered*, near-topic and the seed set's unanswerable
  ones *related*, far off-topic and chatter *none*.
- News sets (`--news INDEX SETS PART`): question sets written on a news archive's articles (eval/ant_train/ on
  its training slice, all of it; eval/ant/ on the dev slice, its tuning part; never blind.jsonl): a fact whose
  best passage states it is *answered* and, asked again with every passage holding its answer withheld (other
  outlets' reports too), *related*; near-topic questions *related*; off-topic ones *none*.
- Latin-script gibberish (random lowercase strings, keyboard rows, lorem ipsum), generated with a fixed
  seed: *none*.
The fit is a multinomial logistic regression (scikit-learn, fixed seed) beside the hand rule (`verdict.decide`):
a hand-rule answer stands from `answer_from`, the highest P(answered) that declines at most `DECLINED_SHARE` of the
tuning questions whose first quote states the answer (ARCD-train's included); the model answers alone from
`answer_alone`, the lowest P(answered) from which at least `ALONE_ANSWERABLE` of the questions the rule declines are
answerable; otherwise related or none, whichever is likelier.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .arabic.normalize import contains, normalize
from .errors import RetrievalError
from .evaluate import (
    NewsItem,
    SquadData,
    in_part,
    load_news_set,
    load_qa,
    split_of,
    squad_index,
)
from .models import Embedder
from .models.protocol import MemoQueries
from .search.answer_check import CLASSES, FEATURES, MODEL_PATH
from .search.retriever import Retriever, SearchConfig

SEED = 19
# Dev sets the check learns from (their tuning parts): the time set's questions take the time path, not this check.
DEV_SETS = ("seed_qa.jsonl", "chat_qa.jsonl")
RELATED_STYLES = {"near", ""}  # "": the seed set's unanswerable questions, near-topic and off-topic mixed
NONE_STYLES = {"far", "chatter"}
# How much a dev question weighs against an ARCD one: they are few, and written the way our users write.
DEV_WEIGHT = 3.0
DECLINED_SHARE = 0.03
ALONE_ANSWERABLE = 0.75  # of the questions the hand rule declines and the model answers, answerable at least
ALONE_AT_LEAST = 10

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et "
          "dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea "
          "commodo consequat").split()


def gibberish(count: int, seed: int) -> list[str]:
    """`count` Latin-script lines that ask nothing: random lowercase strings, keyboard runs, lorem ipsum."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            lines.append(" ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 12)))
                                  for _ in range(rng.randint(1, 4))))
        elif kind == 1:
            row = rng.choice(_KEYBOARD_ROWS)
            start = rng.randrange(len(row) - 3)
            lines.append(" ".join(row[start: start + rng.randint(3, len(row) - start)] for _ in range(rng.randint(1, 3))))
        else:
            lines.append(" ".join(rng.choices(_LOREM, k=rng.randint(2, 9))) + rng.choice(("", "?", ".")))
    return lines


Example = tuple[dict[str, float], str, str, float]  # features, verdict, source, weight
Judged = tuple[dict[str, float], bool, bool, bool | None]  # features, answerable, first quote right, hand rule answers


def arcd_examples(path: Path, embedder: Embedder, work: Path) -> list[Example]:
    """Answered, related (answer withheld) and none (article withheld) examples from SQuAD-format data."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    squad = SquadData.load(path)
    retriever = Retriever.load(squad_index(squad, embedder, work, progress=False), embedder,
                               SearchConfig(answer_check=False))
    index = retriever.index
    where = {text: i for i, text in enumerate(squad.paragraphs)}
    article_of = np.asarray(index.chunks["article"])
    source_row = {a.source: i for i, a in enumerate(index.manifest.articles)}
    examples: list[Example] = []
    for article in data:
        for para in article["paragraphs"]:
            paragraph = where[para["context"]]
            same_title = {source_row[f"paragraphs.jsonl#{i + 1}"] for i, t in enumerate(squad.titles)
                          if t == squad.titles[paragraph]}
            own = np.flatnonzero(np.isin(article_of, list(same_title)))
            for qa in para["qas"]:
                question = qa["question"].strip().lstrip("-").strip()
                answers = [a["text"] for a in qa.get("answers", []) if a["text"].strip()]
                if not question or not answers:
                    continue
                holding = {int(c) for c in own if any(contains(_chunk_text(index, int(c)), a) for a in answers)}
                found = retriever.check_features_of(question)
                if found and found[1] in holding:
                    examples.append((found[0], "answered", "arcd", 1.0))
                near = retriever.check_features_of(question, holding)
                if near and holding:
                    examples.append((near[0], "related", "arcd", 1.0))
                far = retriever.check_features_of(question, {int(c) for c in own})
                if far:
                    examples.append((far[0], "none", "arcd", 1.0))
    return examples


def _chunk_text(index, chunk: int) -> str:
    row = index.chunks[chunk]
    return index.article_text(int(row["article"]))[int(row["start"]): int(row["end"])]


def dev_examples(retriever: Retriever, paths: list[Path]) -> tuple[list[Example], list[Judged]]:
    """Examples from the tuning parts of the dev sets, and (features, answerable, the hand rule answers) of all
    their questions (whatever passage comes first) to choose the threshold on."""
    examples: list[Example] = []
    judged: list[Judged] = []
    for path in paths:
        for item in in_part(load_qa(path), "tune"):
            found = retriever.check_features_of(item.q)
            if found is None:
                continue
            features, best = found
            right = False
            if item.file is None:
                verdict = "related" if item.style in RELATED_STYLES else "none" if item.style in NONE_STYLES else None
            else:
                row = retriever.index.chunks[best]
                right = item.answered_by(retriever.articles[int(row["article"])].source, _chunk_text(retriever.index, best))
                verdict = "answered" if right else None
            judged.append((features, item.file is not None, right, retriever.search(item.q).answerable))
            if verdict:
                examples.append((features, verdict, path.name, DEV_WEIGHT))
    return examples, judged


# Beside a folder's dev sets, the blind set: never learned from.
BLIND_SET = "blind.jsonl"
# The question kinds of a news set the check learns from: the time kinds take the time path, not this check.
NEWS_LABELS = {"fact": "answered", "near": "related", "off": "none"}


@dataclass(frozen=True)
class NewsSource:
    """A news index and the question sets written on its articles (eval/ant_train/, eval/ant/), of which `part`
    (all for a training set, tune for a dev set) is learned from."""

    index: Path
    sets: Path
    part: str


def news_examples(retriever: Retriever, items: list[NewsItem], source: str
                  ) -> tuple[list[Example], list[Judged]]:
    """From a news set: a fact question whose best passage states it is *answered*, and asked again with every
    passage holding its answer withheld (other outlets' too), *related*; near-topic questions *related*, off-topic
    ones *none*. And how each is judged (`Judged`), to choose the thresholds on."""
    index = retriever.index
    passages = [normalize(_chunk_text(index, c)) for c in range(len(index.chunks))]
    examples: list[Example] = []
    judged: list[Judged] = []
    for item in items:
        label = NEWS_LABELS.get(item.kind)
        if label is None or item.context:
            continue
        found = retriever.check_features_of(item.q)
        if found is None:
            continue
        features, best = found
        row = index.chunks[best]
        right = item.answerable and item.states(retriever.articles[int(row["article"])].source, _chunk_text(index, best))
        judged.append((features, item.answerable, right, retriever.search(item.q).answerable))
        if not item.answerable:
            examples.append((features, label, source, DEV_WEIGHT))
            continue
        if right:
            examples.append((features, "answered", source, DEV_WEIGHT))
        key = normalize(item.key or "")
        holding = {c for c, text in enumerate(passages) if key and key in text}
        near = retriever.check_features_of(item.q, holding) if holding else None
        if near:
            examples.append((near[0], "related", source, DEV_WEIGHT))
    return examples, judged


def fit(examples: list[Example], judged: list[Judged]) -> dict:
    """The model as JSON-ready numbers: scaler, coefficients, and the threshold chosen on `judged`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.array([[f[name] for name in FEATURES] for f, *_ in examples])
    y = np.array([CLASSES.index(v) for _, v, _, _ in examples])
    w = np.array([weight for *_, weight in examples])
    scaler = StandardScaler().fit(x)
    scaler.scale_[scaler.scale_ == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=2000, random_state=SEED).fit(scaler.transform(x), y, sample_weight=w)
    xs = scaler.transform(np.array([[f[name] for name in FEATURES] for f, *_ in judged]))
    p_answered = model.predict_proba(xs)[:, list(model.classes_).index(0)]
    right = np.array([r for _, _, r, _ in judged])
    answerable = np.array([a for _, a, _, _ in judged])
    rule_declines = np.array([r is False for *_, r in judged])  # None: not asked of the hand rule (ARCD)
    # The veto: the highest threshold that declines at most `DECLINED_SHARE` of the tuning questions whose first
    # quote states the answer (a declined answer costs a reader more than a near-topic question answered).
    thresholds = np.round(np.arange(0.0, 1.0, 0.01), 2)
    answer_from = float(max(t for t in thresholds if np.mean(p_answered[right] < t) <= DECLINED_SHARE))
    # Answering alone, where the hand rule declines: the lowest threshold from which most such questions are answerable.
    answer_alone = 1.0
    for t in thresholds[thresholds >= answer_from]:
        alone = rule_declines & (p_answered >= t)
        if alone.sum() >= ALONE_AT_LEAST and answerable[alone].mean() >= ALONE_ANSWERABLE:
            answer_alone = float(t)
            break
    coef = np.zeros((len(CLASSES), len(FEATURES)))
    intercept = np.zeros(len(CLASSES))
    for row, cls in enumerate(model.classes_):
        coef[cls], intercept[cls] = model.coef_[row], model.intercept_[row]
    return {"features": list(FEATURES), "classes": list(CLASSES), "mean": scaler.mean_.round(6).tolist(),
            "scale": scaler.scale_.round(6).tolist(), "coef": coef.round(6).tolist(),
            "intercept": intercept.round(6).tolist(), "answer_from": answer_from,
            "answer_alone": answer_alone}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def train(arcd: Path, seed_index: Path, eval_dir: Path, embedder: Embedder, work: Path, out: Path = MODEL_PATH,
          news: tuple[NewsSource, ...] = ()) -> dict:
    """Build the examples, fit, and write the model (with what it was trained on) to `out`."""
    for path in (arcd, *(eval_dir / name for name in DEV_SETS)):
        if not Path(path).is_file():
            raise RetrievalError(f"no training data at {path}")
    started = time.perf_counter()
    memo = MemoQueries(embedder)
    examples = arcd_examples(arcd, memo, work)
    seed = Retriever.load(seed_index, memo, SearchConfig(answer_check=False))
    dev, judged = dev_examples(seed, [eval_dir / name for name in DEV_SETS])
    # ARCD-train's answered questions count in the threshold too: a formal question its first quote answers
    judged += [(features, True, True, None) for features, verdict, _, _ in examples if verdict == "answered"]
    examples += dev
    data = {str(arcd.name): sha256(arcd), **{name: sha256(eval_dir / name) for name in DEV_SETS},
            "seed index corpus": seed.manifest.corpus_fingerprint}
    for source in news:
        retriever = Retriever.load(source.index, memo, SearchConfig(answer_check=False))
        for path in sorted(p for p in Path(source.sets).glob("*.jsonl") if p.name != BLIND_SET):
            items = [i for i in load_news_set(path, retriever.articles) if source.part == "all" or split_of(i.q) == source.part]
            found, seen = news_examples(retriever, items, f"{source.sets.name}/{path.stem}")
            examples += found
            judged += seen
            data[f"{source.sets.name}/{path.name} ({source.part})"] = sha256(path)
        data[f"{source.sets.name} index corpus"] = retriever.manifest.corpus_fingerprint
    for line in gibberish(150, SEED):
        found = seed.check_features_of(line)
        if found:
            examples.append((found[0], "none", "gibberish", 1.0))
    model = fit(examples, judged)
    counts: dict[str, dict[str, int]] = {}
    for _, verdict, source, _ in examples:
        counts.setdefault(source, dict.fromkeys(CLASSES, 0))[verdict] += 1
    seconds = time.perf_counter() - started
    model["about"] = (f"logistic regression, {len(examples)} examples, answered from p >= {model['answer_from']} "
                      f"(with the hand rule) or {model['answer_alone']} (alone)")
    model["trained"] = {
        "command": " ".join(["python -m retrieval model train-check", *sys.argv[3:]]),
        "examples": counts, "seconds": round(seconds, 1), "seed": SEED, "data": data, "embedder": embedder.id,
    }
    Path(out).write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return model
