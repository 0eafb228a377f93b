"""Quality metrics on a tiny hand-made dataset whose answers are known, QA/SQuAD loading, and `eval --json`."""

import json

import pytest
from helpers import ROOT, BagOfWords, cli

from retrieval import Manifest, Passage, RetrievalError, SearchResult
from retrieval.corpus.ingest import read_corpus
from retrieval.evaluate import QAItem, SquadData, evaluate_qa, evaluate_squad, in_part, load_qa, split_of


def passage(source: str, text: str, i: int = 0) -> Passage:
    return Passage(id=i, text=text, score=0.9, source=source, title="t", outlet=None, date=None, url=None, start=0,
                   end=len(text), highlight_start=0, highlight_end=len(text))


class FakeRetriever:
    """Answers from a table: question -> (answerable, [(source, text), ...]); records the k it was asked for."""

    def __init__(self, table):
        self.table = table
        self.asked_k = []

    def search(self, q, k=5, today=None):
        self.asked_k.append(k)
        answerable, found = self.table[q]
        return SearchResult(q, "answered" if answerable else "none", [passage(s, t, i) for i, (s, t) in enumerate(found)][:k])


# Four answerable questions (ranks 1, 3, none, 2 but abstained) and two unanswerable ones (one abstained).
TABLE = {
    "q1": (True, [("a.txt", "قال الوزير إن المحادثات ستستأنف"), ("b.txt", "شيء آخر")]),
    # a.txt comes first but without the key: only the third passage counts
    "q2": (True, [("a.txt", "نص لا يحوي المطلوب"), ("c.txt", "المحادثات ستستأنف"), ("a.txt", "موعد الجولة المقبلة في الربيع")]),
    "q3": (True, [("b.txt", "المحادثات"), ("c.txt", "المحادثات")]),
    "q4": (False, [("c.txt", "لا"), ("d.txt", "وصل الرئيس إلى جنيف")]),
    "u1": (False, [("b.txt", "أي شيء")]),
    "u2": (True, [("c.txt", "جواب خاطئ")]),
}
ITEMS = [
    # the key is matched after normalization: harakat, alef and ta marbuta forms do not matter
    QAItem("q1", "a.txt", "المُحادثات ستُستأنف"),
    QAItem("q2", "a.txt", "الجولة المقبلة"),
    QAItem("q3", "a.txt", "المحادثات"),
    QAItem("q4", "d.txt", "جنيف"),
    QAItem("u1", None),
    QAItem("u2", None),
]


def test_hit_at_k_mrr_and_abstention_on_known_answers():
    report = evaluate_qa(FakeRetriever(TABLE), ITEMS, k=5)
    assert (report.answerable, report.unanswerable) == (4, 2)
    assert report.hit_at == {1: 0.25, 3: 0.75, 5: 0.75}
    assert report.mrr == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    # abstained: u1 (right) and q4 (wrong); u2 was answered though nothing answers it
    assert report.abstain_precision == 0.5 and report.abstain_recall == 0.5
    assert report.wrongly_abstained == 0.25
    missed = {m.q: m for m in report.misses}
    assert set(missed) == {"q2", "q3", "q4", "u2"}
    assert missed["q3"].expected == "a.txt" and missed["q3"].got == ["b.txt", "c.txt"]
    assert not missed["q4"].answerable and missed["u2"].expected is None and missed["u2"].answerable


def test_mrr_counts_only_ranks_within_k_but_hits_look_deeper():
    retriever = FakeRetriever(TABLE)
    report = evaluate_qa(retriever, ITEMS[:2], k=2, hit_ks=(1, 3))
    assert set(retriever.asked_k) == {3}  # deep enough for hit@3
    assert report.hit_at == {1: 0.5, 3: 1.0}
    assert report.mrr == pytest.approx(0.5)  # q2's rank 3 is beyond k=2


def test_without_a_key_any_passage_of_the_file_is_a_hit():
    report = evaluate_qa(FakeRetriever(TABLE), [QAItem("q2", "a.txt")], k=5)
    assert report.hit_at[1] == 1.0 and report.mrr == 1.0


def test_no_unanswerable_questions_means_perfect_abstention_scores():
    report = evaluate_qa(FakeRetriever(TABLE), ITEMS[:1])
    assert report.abstain_precision == report.abstain_recall == 1.0 and report.misses == []


def test_report_text_and_json_name_every_figure_and_miss():
    report = evaluate_qa(FakeRetriever(TABLE), ITEMS)
    text = report.format()
    for figure in ("hit@1 0.250", "hit@3 0.750", "hit@5 0.750", "MRR 0.458", "precision 0.500", "recall 0.500"):
        assert figure in text
    assert "miss: q3  [expected a.txt; got b.txt, c.txt]" in text
    assert "miss: u2  [answered; got c.txt]" in text
    data = json.loads(json.dumps(report.as_dict()))
    assert data["hit_at"] == {"1": 0.25, "3": 0.75, "5": 0.75}
    assert len(data["misses"]) == 4 and data["misses"][0]["q"] == "q2"


def test_load_qa_reads_lines_and_names_the_bad_line(tmp_path):
    good = tmp_path / "qa.jsonl"
    good.write_text('{"q": " سؤال؟ ", "file": "a.txt", "key": "مفتاح"}\n\n{"q": "آخر", "file": null}\n', encoding="utf-8")
    assert load_qa(good) == [QAItem("سؤال؟", "a.txt", "مفتاح"), QAItem("آخر", None, None)]
    for line in ('{"file": "a.txt"}', '{"q": "", "file": null}', '{"q": "x", "file": 3}', "not json", "[1, 2]"):
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"q": "ok", "file": null}\n' + line + "\n", encoding="utf-8")
        with pytest.raises(RetrievalError, match=r"bad\.jsonl:2:"):
            load_qa(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(RetrievalError, match="no questions"):
        load_qa(empty)


def test_a_question_is_in_the_part_its_text_hashes_to_whatever_else_is_asked():
    # pinned: a question must never move between the tuning and the test part
    assert split_of("بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟") == "test"
    assert split_of("ما الشرط الذي وضعه ريابكوف لعقد جولة مباحثات جديدة في الربيع؟") == "tune"
    assert split_of("  شو منصب كيريل دميترييف؟\n") == split_of("شو منصب كيريل دميترييف؟") == "test"


def test_the_parts_of_a_dev_set_are_disjoint_and_about_sixty_forty():
    items = load_qa(ROOT / "eval" / "chat_qa.jsonl")
    tune, test = in_part(items, "tune"), in_part(items, "test")
    assert not set(tune) & set(test) and set(tune) | set(test) == set(items) and in_part(items, "all") == items
    assert 0.5 < len(tune) / len(items) < 0.7
    with pytest.raises(ValueError, match="unknown part"):
        in_part(items, "train")


def test_eval_of_a_part_with_no_questions_is_one_error_line(tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"q": "شو منصب كيريل دميترييف؟", "file": None}, ensure_ascii=False) + "\n",
                  encoding="utf-8")
    run = cli("eval", "--qa", qa, "--part", "tune", "--index", tmp_path / "no-index")
    assert run.returncode == 1 and run.stderr == f"error: {qa}: no questions in the tune part\n"


SQUAD = {
    "data": [
        {"title": "الأول", "paragraphs": [
            {"context": "الفقرة الأولى عن القاهرة.", "qas": [{"question": " - ما عاصمة مصر؟ ", "id": "1"}]},
            {"context": "الفقرة الثانية عن النيل.", "qas": [{"question": "ما أطول نهر؟", "id": "2"},
                                                          {"question": " - ", "id": "3"}]},
        ]},
        # the same paragraph text again, under another title and with another question
        {"title": "الثاني", "paragraphs": [
            {"context": "الفقرة الأولى عن القاهرة.", "qas": [{"question": "أين تقع القاهرة؟", "id": "4"}]},
        ]},
    ]
}


def test_squad_paragraphs_are_unique_and_questions_stripped(tmp_path):
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    data = SquadData.load(path)
    assert data.paragraphs == ["الفقرة الأولى عن القاهرة.", "الفقرة الثانية عن النيل."]
    assert data.titles == ["الأول", "الأول"]
    assert data.questions == [("ما عاصمة مصر؟", 0), ("ما أطول نهر؟", 1), ("أين تقع القاهرة؟", 0)]
    assert [i.file for i in data.qa_items()] == ["paragraphs.jsonl#1", "paragraphs.jsonl#2", "paragraphs.jsonl#1"]
    # the sources the corpus reader gives the written paragraphs are the ones the questions expect
    data.write_corpus(tmp_path / "corpus")
    articles = read_corpus(tmp_path / "corpus").articles
    assert [(a.source, a.text) for a in articles] == [("paragraphs.jsonl#1", data.paragraphs[0]),
                                                      ("paragraphs.jsonl#2", data.paragraphs[1])]


def test_squad_that_is_not_squad_is_a_clear_error(tmp_path):
    for content in ("{}", '{"data": [{"paragraphs": [{"qas": []}]}]}', "not json"):
        path = tmp_path / "x.json"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(RetrievalError, match="not SQuAD-format"):
            SquadData.load(path)


def test_evaluate_squad_reports_each_mode_and_reuses_the_cache(tmp_path):
    paragraphs = [
        ("القاهرة", "القاهرة هي عاصمة مصر وأكبر مدنها. يمر بها نهر النيل."),
        ("النيل", "نهر النيل أطول أنهار أفريقيا. ينبع من بحيرة فيكتوريا."),
        ("بيروت", "بيروت عاصمة لبنان وتقع على البحر المتوسط. مرفأ بيروت من أقدم المرافئ."),
    ]
    questions = ["ما عاصمة مصر؟", "من أين ينبع نهر النيل؟", "ما عاصمة لبنان؟"]
    squad = {"data": [{"title": t, "paragraphs": [{"context": c, "qas": [{"question": q, "id": str(i)}]}]}
                      for i, ((t, c), q) in enumerate(zip(paragraphs, questions))]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
    embedder = BagOfWords()
    reports = evaluate_squad(path, embedder, tmp_path / "work", progress=False)
    assert list(reports) == ["dense", "lexical", "hybrid"]
    for report in reports.values():
        assert report.answerable == 3 and set(report.hit_at) == {1, 5} and report.misses == []
        assert 0 <= report.hit_at[1] <= report.hit_at[5] == 1.0 and report.latency_p50_ms > 0
    assert reports["lexical"].hit_at[1] == 1.0
    first = embedder.embedded
    assert first > 0
    evaluate_squad(path, embedder, tmp_path / "work", progress=False)
    assert embedder.embedded == first  # the second run embeds nothing
    (index_dir,) = (tmp_path / "work").glob("*/index")
    assert Manifest.load(index_dir).embedded == 0


def test_eval_qa_json_prints_one_object(seed_index, tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text(
        json.dumps({"q": "أين أجرى دميترييف مفاوضاته مع ويتكوف؟", "file": "000_929b026e6166e937.txt", "key": "ميامي"},
                   ensure_ascii=False) + "\n" + json.dumps({"q": "ما عاصمة اليابان؟", "file": None}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    run = cli("eval", "--qa", qa, "--json", INDEX_DIR=seed_index)
    assert run.returncode == 0, run.stderr
    (line,) = run.stdout.splitlines()
    data = json.loads(line)
    assert (data["answerable"], data["unanswerable"]) == (1, 1)
    assert set(data["hit_at"]) == {"1", "3", "5"} and data["hit_at"]["1"] == 1.0 and data["mrr"] == 1.0
    assert data["abstain_recall"] == 1.0 and data["misses"] == []


def test_eval_of_a_part_scores_only_its_questions(seed_index):
    qa = ROOT / "eval" / "seed_qa.jsonl"
    run = cli("eval", "--qa", qa, "--part", "test", "--json", "--index", seed_index)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    test = in_part(load_qa(qa), "test")
    answerable = sum(1 for item in test if item.file)
    assert (data["answerable"], data["unanswerable"]) == (answerable, len(test) - answerable)


def test_eval_qa_text_lists_figures_and_misses(seed_index, tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"q": "أين أجرى دميترييف مفاوضاته مع ويتكوف؟", "file": "004_e234d2361282aa33.txt"},
                             ensure_ascii=False) + "\n", encoding="utf-8")
    run = cli("eval", "--qa", qa, "--index", seed_index)
    assert run.returncode == 0, run.stderr
    assert "hit@1 0.000" in run.stdout and "MRR" in run.stdout and "abstention: precision" in run.stdout
    assert "miss: أين أجرى دميترييف مفاوضاته مع ويتكوف؟  [expected 004_e234d2361282aa33.txt; got 000_929b026e6166e937.txt" in run.stdout
