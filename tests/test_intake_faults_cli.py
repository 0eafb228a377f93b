"""The intake under attack (issue 29) through the real CLI, `python -m retrieval add | feeds | search`, as a subprocess.

Each hostile source is one `skipped:` line with its reason, the good ones beside it are added and indexed, the
exit code is 1, and the old index answers throughout. Builds that index are marked slow (conftest: `index_copy`).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time

import pytest
from helpers import ROOT, cli
from hostile import GOOD, GOOD_TITLE, SECRET

from retrieval import Manifest

SEED_QUESTION = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"
SEED_ANSWER = "جدّية، مهمة، ومعمقة"
GOOD_QUESTION = "من سجل هدف الفوز للوداد في نهائي كأس العرش؟"
GOOD_ANSWER = "الدقيقة الثامنة والثمانين"
STORY = "قال المتحدث باسم الوزارة إن الاجتماع المقبل سيعقد في العاصمة الأسبوع القادم لبحث الملفات العالقة بين الطرفين."


def hostile_addresses(hostile_pages, internal) -> dict[str, str]:
    """Address -> the start of its `skipped:` line's reason."""
    return {
        "http://127.0.0.1:99999/x": "invalid address: Port out of range 0-65535",
        "http://[::1/x": "invalid address: Invalid IPv6 URL",
        "http://127.0.0.1:abc/x": "invalid address: Port could not be cast to integer value as 'abc'",
        "file:///etc/passwd": "only http and https addresses are fetched, not file:",
        "data:text/html,<p>x</p>": "only http and https addresses are fetched, not data:",
        internal.url("secret.html"): "not fetched: 127.0.0.1 is a loopback address",
        hostile_pages.url("to-internal"): "not fetched: 127.0.0.1 is a loopback address",
        hostile_pages.url("menu.html"): "no article on the page: its text is links",
        hostile_pages.url("two-gigabytes"): "page too large (2,147,483,648 bytes; limit 5,242,880)",
        hostile_pages.url("gzip-bomb"): "no article on the page",
        hostile_pages.url("disguised.html"): "not a web page: a PDF",
        hostile_pages.url("loop-a"): "redirect loop",
    }


def refusal(stdout: str, source: str) -> str:
    [line] = [x for x in stdout.splitlines() if x.startswith(f"skipped: {source}: ")]
    return line.removeprefix(f"skipped: {source}: ")


def test_the_cli_refuses_each_hostile_address_in_one_line_and_builds_nothing(hostile_pages, internal, tmp_path, corpus_copy):
    hostile = hostile_addresses(hostile_pages, internal)
    run = cli("add", "--corpus", corpus_copy, "--index", tmp_path / "index", "--timeout", "2", *hostile,
              INTAKE_ALLOW_PRIVATE=hostile_pages.allowed)
    assert run.returncode == 1 and run.stderr == "", run.stderr  # before: "error: Port out of range", nothing else
    for source, reason in hostile.items():
        assert refusal(run.stdout, source).startswith(reason), refusal(run.stdout, source)
    assert run.stdout.splitlines()[-1] == f"{len(hostile)} skipped"
    assert not (tmp_path / "index").exists() and not (corpus_copy / "added").exists()


@pytest.mark.parametrize("value", ["intranet", "127.0.0.1:99999", "10.0.0.0/33"])
def test_a_malformed_allow_list_is_one_error_line(tmp_path, corpus_copy, value):
    run = cli("add", "--corpus", corpus_copy, "--index", tmp_path / "index", "http://example.com/",
              INTAKE_ALLOW_PRIVATE=value)
    assert run.returncode == 1 and run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith(f"error: invalid setting INTAKE_ALLOW_PRIVATE={value}: ") and value in line


def test_the_cli_adds_and_indexes_the_good_sources_beside_hostile_ones(hostile_pages, internal, tmp_path, corpus_copy, index_copy):
    document = tmp_path / "batch.jsonl"
    document.write_text("\n".join([
        json.dumps({"title": "اجتماع مرتقب", "text": STORY}, ensure_ascii=False),
        '{"text": "\\ud800 نص"}',
        "[" * 5000 + "]" * 5000,
    ]) + "\n", encoding="utf-8")
    long_file = tmp_path / "long.txt"
    long_file.write_text((STORY + "\n") * 33_000, encoding="utf-8")  # 3.6 M characters
    hostile = hostile_addresses(hostile_pages, internal)
    run = cli("add", "--corpus", corpus_copy, "--index", index_copy, "--timeout", "2",
              hostile_pages.url(GOOD), *hostile, document, long_file, INTAKE_ALLOW_PRIVATE=hostile_pages.allowed)
    assert run.returncode == 1, run.stderr
    for source, reason in hostile.items():
        assert refusal(run.stdout, source).startswith(reason)
    assert refusal(run.stdout, f"{document}#2") == '"text" holds a lone surrogate (\\ud800), which is not text'
    assert refusal(run.stdout, f"{document}#3") == "nested too deeply to read"
    assert refusal(run.stdout, str(long_file)).endswith("characters; limit 2,000,000)")  # before: "added", exit 0
    indexed = {a.source: a for a in Manifest.load(index_copy).articles}
    new = [a for source, a in indexed.items() if source.startswith("added/")]
    assert sorted(a.title for a in new) == sorted([GOOD_TITLE, "اجتماع مرتقب"])
    assert not Manifest.load(index_copy).skipped  # nothing written that the build skips
    assert SECRET not in (index_copy / "texts.bin").read_text(encoding="utf-8")
    search = cli("search", "--index", index_copy, GOOD_QUESTION)
    assert GOOD_ANSWER in search.stdout
    assert SEED_ANSWER in cli("search", "--index", index_copy, SEED_QUESTION).stdout


def test_cli_feeds_go_on_past_bad_items_and_a_second_poll_fetches_nothing_again(hostile_pages, internal, corpus_copy, index_copy):
    feeds = [hostile_pages.url("bad-links.xml"), hostile_pages.url("internal-feed.xml"), hostile_pages.url("rss.xml")]
    first = cli("feeds", "--corpus", corpus_copy, "--index", index_copy, "--timeout", "2", *feeds,
                INTAKE_ALLOW_PRIVATE=hostile_pages.allowed)
    assert first.returncode == 1, first.stderr
    assert refusal(first.stdout, internal.url("secret.html")).startswith("not fetched: 127.0.0.1 is a loopback address")
    assert f"feed {hostile_pages.url('rss.xml')}: 3 items, 3 new, 0 already in the corpus" in first.stdout
    titles = {a.title for a in Manifest.load(index_copy).articles}
    assert GOOD_TITLE in titles and len(titles) == 5 + 4  # before: the good item written, never indexed
    built = Manifest.load(index_copy).built_at
    hostile_pages.requests.clear()
    second = cli("feeds", "--corpus", corpus_copy, "--index", index_copy, *feeds, INTAKE_ALLOW_PRIVATE=hostile_pages.allowed)
    assert second.returncode == 0 and "nothing to add" in second.stdout, second.stdout + second.stderr
    assert sorted(hostile_pages.requests) == sorted(["/bad-links.xml", "/internal-feed.xml", "/rss.xml"])
    assert Manifest.load(index_copy).built_at == built


def test_cli_add_while_another_process_builds_waits_for_it_and_then_indexes(hostile_pages, corpus_copy, index_copy):
    lock = open(index_copy.parent / f".{index_copy.name}.lock", "a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # the bot's /reindex, as far as the CLI can tell
    process = subprocess.Popen(
        [sys.executable, "-m", "retrieval", "add", "--corpus", str(corpus_copy), "--index", str(index_copy),
         hostile_pages.url(GOOD)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "INTAKE_ALLOW_PRIVATE": hostile_pages.allowed})
    try:
        waited = process.stderr.readline()
        assert waited.startswith("waiting: another build of ") and "is running; this build starts when it ends" in waited
        time.sleep(1.5)
        assert process.poll() is None  # still waiting, not given up
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 0 and "built " in stdout  # before: "another build is running", never indexed
    assert GOOD_TITLE in {a.title for a in Manifest.load(index_copy).articles}


def test_an_article_in_the_corpus_but_not_in_the_index_is_indexed_by_the_next_add(hostile_pages, corpus_copy, index_copy):
    from retrieval import IntakeLimits, add_sources

    add_sources(corpus_copy, [hostile_pages.url(GOOD)], IntakeLimits(), hostile_pages.allow)  # written, then the build never ran
    run = cli("add", "--corpus", corpus_copy, "--index", index_copy, hostile_pages.url(GOOD), INTAKE_ALLOW_PRIVATE=hostile_pages.allowed)
    assert run.returncode == 0, run.stderr
    assert "unchanged" in run.stdout and "1 of them in the corpus but not in the index yet: rebuilding" in run.stdout
    assert GOOD_TITLE in {a.title for a in Manifest.load(index_copy).articles}


@pytest.mark.parametrize("question", ["test123 abc", "abc123 def", "xyz789 qrs"])
def test_letters_and_digits_gibberish_is_not_answered(seed_index, question):
    run = cli("search", "--index", seed_index, "--json", question)
    result = json.loads(run.stdout)
    assert result["verdict"] == "none" and result["passages"] == []  # before: answered with unrelated quotes
