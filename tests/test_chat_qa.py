"""The informal dev set eval/chat_qa.jsonl: well-formed, its keys in its articles, every style it promises."""

import json
from collections import Counter
from pathlib import Path

import pytest

from retrieval.arabic.normalize import contains, tokens
from retrieval.corpus.chunking import chunk_article
from retrieval.corpus.ingest import read_corpus
from retrieval.evaluate import load_qa

ROOT = Path(__file__).resolve().parent.parent
CHAT_QA = ROOT / "eval" / "chat_qa.jsonl"
SEED_QA = ROOT / "eval" / "seed_qa.jsonl"
SEEDS = ROOT / "seeds"

DIALECTS = {"egyptian", "gulf", "levantine", "maghrebi", "iraqi"}
ANSWERABLE_STYLES = {"msa", "typo", "keywords", "english", "arabizi"} | DIALECTS
UNANSWERABLE_STYLES = {"near", "far", "chatter"}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


RECORDS = read(CHAT_QA)
ANSWERABLE = [r for r in RECORDS if r["style"] in ANSWERABLE_STYLES]
STYLES = Counter(r["style"] for r in RECORDS)


def test_every_line_has_a_question_and_a_known_style():
    for r in RECORDS:
        assert isinstance(r["q"], str) and r["q"].strip(), r
        assert r["style"] in ANSWERABLE_STYLES | UNANSWERABLE_STYLES, r


def test_answerable_lines_name_a_seed_article_and_a_key_unanswerable_lines_neither():
    for r in RECORDS:
        if r["style"] in ANSWERABLE_STYLES:
            assert (SEEDS / r["file"]).is_file(), r
            assert isinstance(r["key"], str) and r["key"].strip(), r
        else:
            assert r["file"] is None and "key" not in r, r


@pytest.mark.parametrize("record", ANSWERABLE, ids=lambda r: r["q"][:40])
def test_key_occurs_exactly_once_in_its_article(record):
    article = " ".join(tokens((SEEDS / record["file"]).read_text(encoding="utf-8")))
    assert contains(article, record["key"])
    assert article.count(" ".join(tokens(record["key"]))) == 1


def test_every_key_lies_within_one_passage_of_its_article():
    """Header lines (date, byline) become metadata, not passage text: a key there could never be hit."""
    passages = {a.source: [c.text for c in chunk_article(a).chunks] for a in read_corpus(SEEDS).articles}
    for r in ANSWERABLE:
        assert any(contains(text, r["key"]) for text in passages[r["file"]]), r


def test_keys_are_short_enough_to_sit_in_one_passage():
    for r in ANSWERABLE:
        assert len(r["key"]) < 80 and len(tokens(r["key"])) <= 10, r


def test_at_least_70_answerable_spread_over_all_five_articles():
    assert len(ANSWERABLE) >= 70
    per_article = Counter(r["file"] for r in ANSWERABLE)
    assert set(per_article) == {p.name for p in SEEDS.glob("*.txt")}
    assert min(per_article.values()) >= 12


def test_a_third_of_answerable_are_dialect_and_every_dialect_is_there():
    assert sum(STYLES[d] for d in DIALECTS) * 3 >= len(ANSWERABLE)
    assert all(STYLES[d] >= 4 for d in DIALECTS), STYLES


def test_typos_keywords_english_and_arabizi_each_have_their_share():
    assert STYLES["typo"] >= 10
    assert STYLES["keywords"] >= 8
    assert STYLES["english"] >= 7
    assert STYLES["arabizi"] >= 7


def test_arabizi_is_latin_with_digits_for_arabic_letters():
    for r in ANSWERABLE:
        if r["style"] == "arabizi":
            assert r["q"].isascii() and any(c in r["q"] for c in "2356789"), r


def test_keyword_queries_are_two_or_three_words():
    for r in ANSWERABLE:
        if r["style"] == "keywords":
            assert 2 <= len(r["q"].split()) <= 3, r


def test_at_least_20_unanswerable_of_which_12_near_topic_and_20_chatter_lines():
    assert STYLES["near"] + STYLES["far"] >= 20
    assert STYLES["near"] >= 12
    assert STYLES["chatter"] >= 20


def test_no_question_repeats_the_seed_dev_set_or_itself():
    def form(q):
        return " ".join(tokens(q)) or q.strip()

    seed_questions = {form(r["q"]) for r in read(SEED_QA)}
    ours = [form(r["q"]) for r in RECORDS]
    assert not seed_questions & set(ours)
    assert len(ours) == len(set(ours))


def test_the_evaluator_reads_it():
    assert len(load_qa(CHAT_QA)) == len(RECORDS)
