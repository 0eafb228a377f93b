"""Adding articles from links, files and feeds: fetched from a real HTTP server on 127.0.0.1 (tests/pageserver.py)
serving saved news pages with their chrome; one story is kept once, with its other sources."""

import json
import shutil

import pytest
from helpers import SEEDS, cli
from pageserver import PAGES, PageServer

import retrieval.corpus.ingest
from retrieval.corpus.duplicates import THRESHOLD, Duplicates, resemblance, shingles
from retrieval.corpus.extract import extract_article
from retrieval.corpus.fetch import FetchError, fetch
from retrieval.corpus.ingest import read_corpus
from retrieval.corpus.intake import SHINGLES, SOURCES, IntakeLimits, add_sources, poll_feeds
from retrieval.settings import RetrievalSettings

TRUTH = json.loads((PAGES / "truth.json").read_text(encoding="utf-8"))
FAST = IntakeLimits(fetch_seconds=1.0)  # the fetch timeout in tests


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        yield running


@pytest.fixture
def corpus(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


def articles(corpus):
    return {a.source: a for a in read_corpus(corpus).articles}


def body(article):
    return "\n".join(article.text[s:e] for s, e in article.blocks)


def test_an_added_page_becomes_an_article_with_its_url_title_outlet_and_date(server, corpus):
    url = server.url("wakala_final.html")
    report = add_sources(corpus, [url], FAST, server.allow)
    [outcome] = report.outcomes
    assert outcome.kind == "added" and report.changed
    article = articles(corpus)[outcome.article]
    truth = TRUTH["wakala_final.html"]
    assert (article.url, article.title, article.outlet, article.published) == (url, truth["title"], truth["outlet"], truth["date"])
    assert body(article) == "\n".join(truth["body"])


def test_chrome_is_left_out_and_every_body_paragraph_kept(server, corpus):
    report = add_sources(corpus, [server.url("rasif_flood_report.html"), server.url("madina_rates.html")], FAST, server.allow)
    for outcome, name in zip(report.outcomes, ["rasif_flood_report.html", "madina_rates.html"]):
        assert body(articles(corpus)[outcome.article]) == "\n".join(TRUTH[name]["body"])


def test_a_page_that_states_no_date_is_added_without_one(server, corpus):
    [outcome] = add_sources(corpus, [server.url("rasif_vaccines.html")], FAST, server.allow).outcomes
    assert outcome.kind == "added" and "no date found" in outcome.detail
    assert articles(corpus)[outcome.article].date is None  # not the copyright line's year


@pytest.mark.parametrize("path, reason", [
    ("missing.html", "HTTP 404 Not Found"),
    ("broken.html", "HTTP 500 Internal Server Error"),
    ("unavailable.html", "HTTP 503 Service Unavailable"),
    ("report.pdf", "not a web page: a PDF"),
    ("disguised.html", "not a web page: a PDF"),
    ("photo.png", "not a web page: an image (PNG)"),
    ("loop-a", "redirect loop"),
    ("to-file", "only http and https addresses are fetched, not file:"),
    ("slow.html", "timed out after 1 s"),
    ("silent.html", "timed out after 1 s"),
    ("huge.html", "page too large (52,428,800 bytes; limit 5,242,880)"),
    ("endless.html", "page too large (over 5,242,880 bytes)"),
    ("home.html", "no article on the page"),
])
def test_a_page_that_cannot_be_added_is_one_line_and_the_rest_goes_on(server, corpus, path, reason):
    before = {p.name for p in corpus.rglob("*")}
    report = add_sources(corpus, [server.url(path), server.url("wakala_final.html")], FAST, server.allow)
    failed, added = report.outcomes
    assert failed.kind == "failed" and failed.detail.startswith(reason), failed.detail
    assert "\n" not in failed.line() and added.kind == "added"
    saved = added.article.removesuffix("#1").split("/")[-1]
    assert report.failed and {p.name for p in corpus.rglob("*")} - before - {SHINGLES} == {"added", saved}


@pytest.mark.parametrize("address", ["file:///etc/passwd", "ftp://127.0.0.1/x.html", "http:///nohost"])
def test_only_http_and_https_addresses_are_fetched(address):
    with pytest.raises(FetchError):
        fetch(address, timeout=1.0)


def test_a_redirect_is_followed_and_the_article_keeps_its_final_address(server, corpus):
    [outcome] = add_sources(corpus, [server.url("moved")], FAST, server.allow).outcomes
    assert articles(corpus)[outcome.article].url == server.url("wakala_final.html")


def test_a_page_in_another_language_is_kept_and_said_to_be(server, corpus):
    report = add_sources(corpus, [server.url("english_floods.html")], FAST, server.allow)
    [outcome] = report.outcomes
    assert outcome.kind == "added" and not outcome.arabic
    assert "not in Arabic" in outcome.line() and "1 not in Arabic (kept)" in report.summary()


def test_the_same_story_from_another_outlet_is_a_second_source_not_a_second_article(server, corpus):
    names = ["wakala_flood.html", "rasif_flood.html", "madina_flood.html", "sada_flood.html"]
    report = add_sources(corpus, [server.url(n) for n in names], FAST, server.allow)
    first, *copies = report.outcomes
    assert first.kind == "added" and [o.kind for o in copies] == ["duplicate"] * 3
    assert all(f"duplicate of {first.article}" in o.detail for o in copies)
    assert len(articles(corpus)) == 6
    sources = [json.loads(line) for line in (corpus / SOURCES).read_text(encoding="utf-8").splitlines()]
    assert [(s["article"], s["url"]) for s in sources] == [(first.article, server.url(n)) for n in names[1:]]
    assert sources[0]["outlet"] == "الرصيف نيوز" and sources[0]["title"] == TRUTH["rasif_flood.html"]["title"]


def test_a_different_article_on_the_same_event_is_kept_apart(server, corpus):
    report = add_sources(corpus, [server.url("wakala_flood.html"), server.url("rasif_flood_report.html")], FAST, server.allow)
    assert [o.kind for o in report.outcomes] == ["added", "added"]


def test_the_five_seed_articles_on_one_topic_do_not_resemble_each_other_enough_to_merge():
    seeds = [shingles(body(a)) for a in read_corpus(SEEDS).articles]
    assert max(resemblance(a, b) for i, a in enumerate(seeds) for b in seeds[i + 1:]) < THRESHOLD / 5


def test_the_scan_finds_the_article_pairwise_resemblance_finds_however_many_were_added_since():
    texts = [body(a) for a in read_corpus(SEEDS).articles]
    words = " ".join(texts).split()
    others = [" ".join(words[i: i + 120]) for i in range(0, len(words) - 120, 40)]  # overlapping windows
    scan = Duplicates()
    for i, text in enumerate(others):
        scan.add(f"w{i}", text)
        for probe in (others[max(0, i - 3)], texts[i % len(texts)]):
            expected = max((resemblance(shingles(probe), shingles(t)), f"w{j}") for j, t in enumerate(others[: i + 1]))
            found = scan.original(probe)
            assert found == ((expected[1], expected[0]) if expected[0] >= THRESHOLD else None) or \
                (found and abs(found[1] - expected[0]) < 1e-12)  # a tie may name another article


def test_a_second_intake_reads_the_corpus_shingles_it_kept_instead_of_parsing_every_article(corpus, tmp_path, monkeypatch):
    first, second = tmp_path / "one.txt", tmp_path / "two.txt"
    first.write_text("خبر أول\n\nقال مسؤول إن الحكومة ستعلن غدا خطة جديدة لدعم المزارعين في المناطق الريفية.", encoding="utf-8")
    second.write_text("خبر ثان\n\nأعلن النادي عن تعاقده مع مدرب جديد لقيادة الفريق في الموسم المقبل من الدوري.", encoding="utf-8")
    assert add_sources(corpus, [first]).outcomes[0].kind == "added"
    parsed = []
    real = retrieval.corpus.ingest.parse_article
    monkeypatch.setattr(retrieval.corpus.ingest, "parse_article", lambda *a, **kw: parsed.append(a[1]) or real(*a, **kw))
    assert add_sources(corpus, [second]).outcomes[0].kind == "added"
    of_corpus = [name for name in parsed if name != str(second)]  # the new file itself is parsed as it is read
    assert len(of_corpus) == 1 and of_corpus[0].startswith("added/")  # the article the first intake added, only
    assert (corpus / SHINGLES).is_file()


def test_adding_a_seed_article_again_as_a_file_is_a_duplicate(corpus, tmp_path):
    copy = tmp_path / "again.txt"
    copy.write_text((SEEDS / "002_87ffb09050df82ad.txt").read_text(encoding="utf-8").replace("جيران العرب", "قناة أخرى"),
                    encoding="utf-8")
    [outcome] = add_sources(corpus, [copy]).outcomes
    assert outcome.kind == "duplicate" and outcome.article == "002_87ffb09050df82ad.txt"


def test_an_article_updated_at_its_address_replaces_the_old_version(server, corpus):
    url = server.url("story.html")
    page = (PAGES / "wakala_final.html").read_bytes()
    server.routes["/story.html"] = (200, "text/html", page)
    [first] = add_sources(corpus, [url], FAST, server.allow).outcomes
    [again] = add_sources(corpus, [url], FAST, server.allow).outcomes
    assert (first.kind, again.kind) == ("added", "known") and "unchanged" in again.detail
    updated = "وأعلن الاتحاد لاحقا أن المباراة شهدت حضور أكثر من أربعين ألف متفرج في مدرجات الملعب."
    server.routes["/story.html"] = (200, "text/html", page.replace(b"</div>\n<p class=\"credit\">",
                                                                   f"<p>{updated}</p></div>\n<p class=\"credit\">".encode()))
    try:
        report = add_sources(corpus, [url], FAST, server.allow)
    finally:
        del server.routes["/story.html"]
    [outcome] = report.outcomes
    assert outcome.kind == "updated" and outcome.article == first.article and report.changed
    found = articles(corpus)
    assert len(found) == 6 and body(found[first.article]).endswith(updated)


def test_files_of_each_kind_are_added(corpus, tmp_path):
    (tmp_path / "page.html").write_bytes((PAGES / "wakala_final.html").read_bytes())
    (tmp_path / "note.md").write_text("---\nurl: https://example.com/note\n---\n# مذكرة الاجتماع\n\n"
                                      "قال المتحدث باسم الوزارة إن الاجتماع المقبل سيعقد في العاصمة الأسبوع القادم لبحث الملفات العالقة.\n",
                                      encoding="utf-8")
    (tmp_path / "batch.jsonl").write_text(json.dumps({"title": "خبر", "url": "https://example.com/1", "date": "2025-12-01",
                                                      "outlet": "وكالة", "text": TRUTH["madina_datacenter.html"]["body"][0]},
                                                     ensure_ascii=False) + "\nnot json\n", encoding="utf-8")
    report = add_sources(corpus, [tmp_path / "page.html", tmp_path / "note.md", tmp_path / "batch.jsonl"])
    assert [o.kind for o in report.outcomes] == ["added", "added", "added", "failed"]
    found = articles(corpus)
    assert found[report.outcomes[1].article].url == "https://example.com/note"
    assert found[report.outcomes[2].article].url == "https://example.com/1"
    assert report.outcomes[3].line().startswith("skipped: ") and "#2: not a JSON object" in report.outcomes[3].line()


def test_a_feed_adds_its_new_items_and_a_second_poll_adds_nothing(server, corpus):
    feeds = [server.url("rss.xml"), server.url("atom.xml")]
    first = poll_feeds(corpus, feeds, FAST, server.allow)
    assert first.count("added") == 5 and first.count("duplicate") == 1  # madina_flood copies rasif_flood
    assert first.feeds == [f"feed {feeds[0]}: 3 items, 3 new, 0 already in the corpus",
                           f"feed {feeds[1]}: 3 items, 2 new, 0 already in the corpus, 1 not added"]
    server.requests.clear()
    second = poll_feeds(corpus, feeds, FAST, server.allow)
    assert not second.changed and second.outcomes == [] and second.summary() == "nothing to add"
    assert sorted(server.requests) == ["/atom.xml", "/rss.xml"]  # no article page fetched again


@pytest.mark.parametrize("feed, line", [
    ("down-feed.xml", "unreadable: HTTP 503 Service Unavailable"),
    ("broken-feed.xml", "unreadable: malformed feed"),
    ("not-a-feed.xml", "unreadable: not an RSS or Atom feed"),
])
def test_a_feed_that_is_down_or_malformed_is_one_line_and_adds_nothing(server, corpus, feed, line):
    report = poll_feeds(corpus, [server.url(feed), server.url("rss.xml")], FAST, server.allow)
    assert report.feeds[0].startswith(f"feed {server.url(feed)}: {line}") and report.failed
    assert report.count("added") == 3


def test_feeds_come_from_a_comma_separated_setting(monkeypatch):
    monkeypatch.setenv("FEEDS", "https://a.example/rss, https://b.example/atom.xml")
    assert RetrievalSettings(_env_file=None).feeds == ["https://a.example/rss", "https://b.example/atom.xml"]


def test_the_extracted_text_is_the_articles_not_the_read_also_lines():
    article = extract_article((PAGES / "rasif_flood.html").read_text(encoding="utf-8"))
    assert article.text.splitlines() == TRUTH["rasif_flood.html"]["body"]


def test_the_cli_refuses_a_file_address_in_one_line_and_builds_nothing(corpus, tmp_path):
    run = cli("add", "--corpus", corpus, "--index", tmp_path / "index", "file:///etc/passwd")
    assert run.returncode == 1 and not (tmp_path / "index").exists()
    assert run.stdout.splitlines()[0] == "skipped: file:///etc/passwd: only http and https addresses are fetched, not file:"


def test_the_cli_feeds_without_any_feed_is_one_error_line(corpus, tmp_path):
    run = cli("feeds", "--corpus", corpus, "--index", tmp_path / "index", FEEDS="")
    assert run.returncode == 1 and run.stderr.strip() == "error: no feeds: give FEED_URL arguments or set FEEDS=url1,url2"


def test_cli_add_builds_the_index_once_with_the_new_article_and_its_url(server, corpus, index_copy):
    url = server.url("wakala_final.html")
    run = cli("add", "--corpus", corpus, "--index", index_copy, "--timeout", "5", url, server.url("missing.html"),
              INTAKE_ALLOW_PRIVATE=server.allowed)
    assert run.returncode == 1, run.stderr  # one source failed
    assert f"skipped: {url.replace('wakala_final', 'missing')}: HTTP 404 Not Found" in run.stdout
    assert "6 articles" in run.stdout
    manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    [entry] = [a for a in manifest["articles"] if a["url"]]
    assert entry["url"] == url and entry["title"] == TRUTH["wakala_final.html"]["title"]
    search = cli("search", "--index", index_copy, "من سجل هدف الفوز للوداد في نهائي كأس العرش؟")
    assert "الدقيقة الثامنة والثمانين" in search.stdout
