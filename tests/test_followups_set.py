"""The follow-up dev set eval/followups.jsonl: well-formed, its keys in their articles, every kind it promises."""

import json
from collections import Counter
from pathlib import Path

from retrieval.arabic.normalize import contains

ROOT = Path(__file__).resolve().parent.parent
FOLLOWUPS = ROOT / "eval" / "followups.jsonl"
SEED_QA = ROOT / "eval" / "seed_qa.jsonl"
SEEDS = ROOT / "seeds"

RECORDS = [json.loads(line) for line in FOLLOWUPS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_conversation_has_earlier_questions_a_question_a_kind_and_a_style():
    for r in RECORDS:
        assert r["context"] and all(isinstance(q, str) and q.strip() for q in r["context"]), r
        assert isinstance(r["q"], str) and r["q"].strip() and r["kind"] in {"followup", "switch"} and r["style"], r


def test_every_key_is_stated_by_its_article():
    for r in RECORDS:
        assert contains((SEEDS / r["file"]).read_text(encoding="utf-8"), r["key"]), r


def test_at_least_forty_conversations_over_all_five_articles_with_eight_switches():
    kinds = Counter(r["kind"] for r in RECORDS)
    assert len(RECORDS) >= 40 and kinds["switch"] >= 8
    assert {r["file"] for r in RECORDS} == {p.name for p in SEEDS.glob("*.txt")}
    assert {"msa", "egyptian", "levantine", "gulf"} <= {r["style"] for r in RECORDS}


def test_no_question_is_copied_from_the_seed_dev_set():
    seed = {json.loads(line)["q"] for line in SEED_QA.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not [r["q"] for r in RECORDS if r["q"] in seed or set(r["context"]) & seed]
