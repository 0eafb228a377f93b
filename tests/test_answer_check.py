"""The learned answer check: its model file, and what it must decide whatever it learned."""

import json
import random
import string

import numpy as np
import pytest

from retrieval import Retriever, SearchConfig
from retrieval.check_training import gibberish
from retrieval.errors import RetrievalError
from retrieval.search.answer_check import FEATURES, MODEL_PATH, AnswerCheck, load_default


def random_lowercase(count: int, seed: int) -> list[str]:
    """Lines of random lowercase letters, as issue 21 typed them (not the training generator's)."""
    rng = random.Random(seed)
    return [" ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 14))) for _ in range(rng.randint(1, 5)))
            for _ in range(count)]


def test_the_kept_model_is_json_numbers_over_the_features_the_retriever_computes():
    check = load_default()
    assert check is not None and check.features == FEATURES
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["trained"]["command"].startswith("python -m retrieval model train-check")
    assert all(len(h) == 64 for name, h in data["trained"]["data"].items() if name.endswith((".json", ".jsonl")))


def test_a_model_over_other_features_is_refused_in_one_line(tmp_path):
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    (tmp_path / "check.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RetrievalError, match="other features; retrain"):
        AnswerCheck.load(tmp_path / "check.json")


def test_a_damaged_model_file_is_refused_in_one_line(tmp_path):
    (tmp_path / "check.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RetrievalError, match="not an answer check model"):
        AnswerCheck.load(tmp_path / "check.json")


def test_the_training_gibberish_is_latin_script_and_the_same_for_a_seed():
    lines = gibberish(30, 7)
    assert lines == gibberish(30, 7) != gibberish(30, 8)
    assert all(line.isascii() for line in lines)


def test_the_retriever_says_which_rule_decides(seed_index, embedder, retriever):
    assert retriever.answer_rule.startswith("learned answer check")
    assert Retriever.load(seed_index, embedder, SearchConfig(answer_check=False)).answer_rule.startswith("hand thresholds")


@pytest.mark.parametrize("line", random_lowercase(60, 2021) + [
    "qwerty", "asdfghjkl", "zxcvbnm qwertyuiop", "lorem ipsum dolor sit amet", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "jjjjjjj", "aaaa bbbb cccc", "hjkl hjkl"])
def test_latin_script_gibberish_is_never_answered(retriever, line):
    assert retriever.search(line, 3).verdict != "answered"


@pytest.mark.parametrize("question", [
    "What will the weather be like tomorrow?", "Who won the football world cup in 2018?",
    "How do I bake sourdough bread?", "What is the population of Brazil?", "Quelle heure est-il à Tokyo ?"])
def test_latin_script_questions_about_what_the_corpus_never_mentions_end_as_none(retriever, question):
    assert retriever.search(question, 3).verdict == "none"


@pytest.mark.parametrize("question", ["shu a7san mobile hal2ad?", "meen rbe7 el match mbare7?", "wen fi mat3am 7elo bel beirut?"])
def test_the_answer_check_does_not_take_arabizi_for_an_answer(retriever, question):
    """It reads no script: an Arabizi question about phones, football or restaurants is unlikely answered."""
    features, _ = retriever.check_features_of(question)
    assert retriever.check.probabilities(features)[0] < 0.2


def check_on_dense(answer_from: float, answer_alone: float) -> AnswerCheck:
    """A check whose P(answered) is e^dense / (e^dense + 2): related and none stay even."""
    coef = np.zeros((3, len(FEATURES)))
    coef[0, FEATURES.index("dense")] = 1.0
    return AnswerCheck(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), coef, np.zeros(3),
                       answer_from, answer_alone, "test")


@pytest.mark.parametrize("dense, rule, verdict", [
    (0.0, "answered", "answered"),   # P 0.33: a hand-rule answer the check finds likely enough stands
    (0.0, "related", "related"),     # ... but the check does not answer alone at 0.33
    (2.0, "none", "answered"),       # P 0.79: sure enough to answer where the rule declines
    (-3.0, "answered", "related"),   # P 0.02: the rule's answer is vetoed
])
def test_the_check_keeps_rule_answers_from_a_low_bar_and_answers_alone_from_a_high_one(dense, rule, verdict):
    features = dict.fromkeys(FEATURES, 0.0) | {"dense": dense}
    assert check_on_dense(answer_from=0.1, answer_alone=0.5).decide(features, rule) == verdict
