"""Training the answer check (`python -m retrieval model train-check`): examples, fit, and the model file.

Examples, each the features of a question's best passages (`Retriever.check_features`) and a verdict:
- ARCD-train, on an index of its own paragraphs: a question whose best passage holds its answer is
  *answered*; asked again with every passage holding the answer withheld, *related* (the corpus discusses
  it, its article's other paragraphs usually come first, but nothing states it); asked again with its
  whole article withheld, *none* (only other articles remain).
- The dev sets' tuning parts on the seed index (never their test parts, never the blind set): answerable
  questions whose first passage holds the key are *answered*, near-topic and the seed set's unanswerable
  ones *related*, far off-topic and chatter *none*.
- Latin-script gibberish (random lowercase strings, keyboard rows, lorem ipsum), generated with a fixed
  seed: *none*.
The fit is a multinomial logistic regression (scikit-learn, fixed seed). It vetoes the hand rule's answers
below a threshold of P(answered): the highest that declines at most 2% more of the dev tuning parts'
answerable questions than the rule does.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import sys
import time
from pathlib import Path

import numpy as np

from .arabic.normalize import contains
from .errors import RetrievalError
from .evaluate import SquadData, in_part, load_qa, squad_index
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
VETOED_SHARE = 0.02

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


def dev_examples(retriever: Retriever, paths: list[Path]) -> tuple[list[Example], list[tuple[dict, bool, bool]]]:
    """Examples from the tuning parts of the dev sets, and (features, answerable, the hand rule answers) of all
    their questions (whatever passage comes first) to choose the threshold on."""
    examples: list[Example] = []
    judged: list[tuple[dict, bool, bool]] = []
    for path in paths:
        for item in in_part(load_qa(path), "tune"):
            found = retriever.check_features_of(item.q)
            if found is None:
                continue
            features, best = found
            judged.append((features, item.file is not None, retriever.search(item.q).answerable))
            if item.file is None:
                verdict = "related" if item.style in RELATED_STYLES else "none" if item.style in NONE_STYLES else None
            else:
                row = retriever.index.chunks[best]
                right = item.answered_by(retriever.articles[int(row["article"])].source, _chunk_text(retriever.index, best))
                verdict = "answered" if right else None
            if verdict:
                examples.append((features, verdict, path.name, DEV_WEIGHT))
    return examples, judged


def fit(examples: list[Example], judged: list[tuple[dict, bool]]) -> dict:
    """The model as JSON-ready numbers: scaler, coefficients, and the threshold chosen on `judged`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.array([[f[name] for name in FEATURES] for f, *_ in examples])
    y = np.array([CLASSES.index(v) for _, v, _, _ in examples])
    w = np.array([weight for *_, weight in examples])
    scaler = StandardScaler().fit(x)
    scaler.scale_[scaler.scale_ == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=2000, random_state=SEED).fit(scaler.transform(x), y, sample_weight=w)
    xs = scaler.transform(np.array([[f[name] for name in FEATURES] for f, _, _ in judged]))
    p = model.predict_proba(xs)
    p_answered = p[:, list(model.classes_).index(0)]
    answerable = np.array([a for _, a, _ in judged])
    by_rule = np.array([r for _, _, r in judged])
    # The highest threshold that declines at most `VETOED_SHARE` of the answerable questions the rule answers:
    # a declined answerable question costs a user more than a near-topic one answered with the closest quotes.
    thresholds = np.round(np.arange(0.0, 0.96, 0.01), 2)
    kept = [np.mean(by_rule[answerable] & (p_answered[answerable] >= t)) for t in thresholds]
    answer_from = float(max(t for t, share in zip(thresholds, kept) if share >= kept[0] - VETOED_SHARE))
    coef = np.zeros((len(CLASSES), len(FEATURES)))
    intercept = np.zeros(len(CLASSES))
    for row, cls in enumerate(model.classes_):
        coef[cls], intercept[cls] = model.coef_[row], model.intercept_[row]
    return {"features": list(FEATURES), "classes": list(CLASSES), "mean": scaler.mean_.round(6).tolist(),
            "scale": scaler.scale_.round(6).tolist(), "coef": coef.round(6).tolist(),
            "intercept": intercept.round(6).tolist(), "answer_from": answer_from}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def train(arcd: Path, seed_index: Path, eval_dir: Path, embedder: Embedder, work: Path, out: Path = MODEL_PATH) -> dict:
    """Build the examples, fit, and write the model (with what it was trained on) to `out`."""
    for path in (arcd, *(eval_dir / name for name in DEV_SETS)):
        if not Path(path).is_file():
            raise RetrievalError(f"no training data at {path}")
    started = time.perf_counter()
    memo = MemoQueries(embedder)
    examples = arcd_examples(arcd, memo, work)
    seed = Retriever.load(seed_index, memo, SearchConfig(answer_check=False))
    dev, judged = dev_examples(seed, [eval_dir / name for name in DEV_SETS])
    examples += dev
    for line in gibberish(150, SEED):
        found = seed.check_features_of(line)
        if found:
            examples.append((found[0], "none", "gibberish", 1.0))
    model = fit(examples, judged)
    counts: dict[str, dict[str, int]] = {}
    for _, verdict, source, _ in examples:
        counts.setdefault(source, dict.fromkeys(CLASSES, 0))[verdict] += 1
    seconds = time.perf_counter() - started
    model["about"] = f"logistic regression, {len(examples)} examples, answered from p >= {model['answer_from']}"
    model["trained"] = {
        "command": " ".join(["python -m retrieval model train-check", *sys.argv[3:]]),
        "examples": counts, "seconds": round(seconds, 1), "seed": SEED,
        "data": {str(arcd.name): sha256(arcd), **{name: sha256(eval_dir / name) for name in DEV_SETS},
                 "seed index corpus": seed.manifest.corpus_fingerprint},
        "embedder": embedder.id,
    }
    Path(out).write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return model
