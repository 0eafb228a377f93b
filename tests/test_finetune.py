"""The fine-tuning experiment (benchmarks/finetune.py): its training data, batches and a tiny training run."""

import json
import random

import numpy as np

from benchmarks import finetune
from retrieval import make_embedder

CONTEXT = "انطلقت المحادثات في إسطنبول يوم الاثنين. وقال ريابكوف إن الجولة كانت جدية ومهمة. وستعقد جولة جديدة في الربيع."


def squad_file(tmp_path):
    qas = [{"question": "- كيف وصف ريابكوف الجولة؟", "answers": [{"text": "جدية ومهمة", "answer_start": 50}]},
           {"question": "من ألقى خطاب الافتتاح؟", "answers": [{"text": "وزير الخارجية", "answer_start": 0}]}]
    data = {"data": [{"title": "مباحثات", "paragraphs": [{"context": CONTEXT, "qas": qas}]}]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_squad_question_is_paired_with_the_embedded_sentence_holding_its_answer(tmp_path):
    triples = finetune.squad_triples(squad_file(tmp_path), tmp_path / "work", random.Random(1))
    assert len(triples) == 1  # the second answer is in no sentence
    t = triples[0]
    assert t.query == "كيف وصف ريابكوف الجولة؟"
    assert t.positive == "مباحثات\nوقال ريابكوف إن الجولة كانت جدية ومهمة."
    assert t.negative.startswith("مباحثات\n") and "جدية" not in t.negative


def test_no_batch_holds_the_same_sentence_twice():
    triples = [finetune.Triple(f"q{i}", f"p{i % 3}", f"n{i % 4}") for i in range(12)]
    batches = finetune.batches(triples, 8, random.Random(2))
    assert sorted(t.query for b in batches for t in b) == sorted(t.query for t in triples)
    for batch in batches:
        texts = [t.positive for t in batch]
        assert len(set(texts)) == len(texts) and not set(texts) & {t.negative for t in batch}


def test_a_fine_tuned_model_is_saved_as_a_folder_the_st_embedder_loads(tiny_model, tmp_path):
    triples = [finetune.Triple("كيف وصف ريابكوف الجولة؟", "وقال ريابكوف إن الجولة كانت جدية.", "انطلقت المحادثات في إسطنبول."),
               finetune.Triple("أين انطلقت المحادثات؟", "انطلقت المحادثات في إسطنبول.", "وستعقد جولة جديدة في الربيع.")]
    out = finetune.train(tiny_model, triples, tmp_path / "tuned", epochs=2, batch_size=2, lr=1e-3, seed=1)
    before, after = make_embedder(f"st:{tiny_model}#torch"), make_embedder(f"st:{out}#torch")
    texts = [t.positive for t in triples]
    assert after.embed_passages(texts).shape == (2, before.dim)
    assert not np.allclose(after.embed_passages(texts), before.embed_passages(texts))
