"""Adding articles from links and feeds, measured on the saved pages of tests/pages (served on 127.0.0.1).

    python -m benchmarks.intake [--skip-build]

- extraction: of each page's text lines, the chrome lines that end up in the indexed body ("chrome kept") and
  the body paragraphs that do not ("body lost"), for trafilatura (what `add` uses) and for a naive extraction
  (every text line of the page, then the corpus's own line heuristics, as for scraped text files);
- dates: htmldate's date against the one the page states, and no date where it states none;
- duplicates: every pair of extracted pages and seed articles, copies of one story against different articles;
- times: `python -m retrieval add` of one article to a copy of the seed index, and a feed poll with nothing new.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import common
from retrieval.arabic.normalize import normalize, words
from retrieval.corpus.duplicates import THRESHOLD, Duplicates, resemblance, shingles
from retrieval.corpus.extract import extract_article
from retrieval.corpus.ingest import parse_article, read_corpus
from retrieval.corpus.intake import poll_feeds
from tests.pageserver import PAGES, PageServer

SEEDS = common.ROOT / "seeds"
COPIES = ["wakala_flood.html", "rasif_flood.html", "madina_flood.html", "sada_flood.html"]  # one story, four outlets
_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "section", "article", "aside",
           "nav", "figure", "figcaption", "tr", "td", "ol", "ul", "form", "time", "span", "button", "title", "main"}


def naive_text(html: str) -> str:
    """Every text line of the page: block elements and <br> end lines; scripts and styles dropped."""
    import lxml.html

    root = lxml.html.fromstring(html)
    for element in root.xpath("//script|//style|//noscript|//head"):
        element.drop_tree()
    for element in root.iter():
        if element.tag == "br" or element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag != "br":
                element.text = "\n" + (element.text or "")
    return root.text_content()


def line_key(text: str) -> str:
    return " ".join(words(normalize(text)))


def indexed_lines(text: str) -> set[str]:
    """The lines the corpus indexes as body when `text` is an article's text."""
    article = parse_article(text, "page")
    return {line_key(line) for s, e in article.blocks for line in text[s:e].splitlines() if line.strip()}


def extraction(truth: dict) -> dict:
    rows = {}
    for how in ("trafilatura", "naive"):
        chrome = kept = body = lost = 0
        for name, page in truth.items():
            html = (PAGES / name).read_text(encoding="utf-8")
            text = extract_article(html).text if how == "trafilatura" else naive_text(html)
            got = indexed_lines(text)
            wanted = {line_key(p) for p in page["body"]}
            page_chrome = {k for line in naive_text(html).splitlines() if len((k := line_key(line)).split()) >= 1} \
                - wanted - {line_key(page["title"])}
            chrome += len(page_chrome)
            kept += len(page_chrome & got)
            body += len(wanted)
            lost += len(wanted - got)
        rows[how] = {"chrome_lines": chrome, "chrome_kept": kept, "chrome_kept_share": kept / chrome,
                     "body_lines": body, "body_lost": lost, "body_lost_share": lost / body}
    return rows


def dates(truth: dict) -> dict:
    from htmldate import find_date

    stated = right = unstated = invented = 0
    for name, page in truth.items():
        found = extract_article((PAGES / name).read_text(encoding="utf-8")).date
        if page["date"]:
            stated += 1
            right += found == page["date"]
        else:
            unstated += 1
            invented += found is not None
    # what htmldate's extensive search (trafilatura's default) would make of the pages without a date
    extensive = [find_date((PAGES / n).read_text(encoding="utf-8"), extensive_search=True) for n, p in truth.items() if not p["date"]]
    return {"stated": stated, "found": right, "found_share": right / stated, "unstated": unstated, "invented": invented,
            "extensive_search_on_unstated": extensive}


def duplicates(truth: dict) -> dict:
    texts = {name: extract_article((PAGES / name).read_text(encoding="utf-8")).text for name in truth}
    texts.update({a.source: "\n".join(a.text[s:e] for s, e in a.blocks) for a in read_corpus(SEEDS).articles})
    sets = {name: shingles(text) for name, text in texts.items()}
    same, different = [], []
    for a, b in itertools.combinations(sets, 2):
        (same if a in COPIES and b in COPIES else different).append((resemblance(sets[a], sets[b]), a, b))
    seeds = [r for r in different if r[1].endswith(".txt") and r[2].endswith(".txt")]
    scan = Duplicates()
    for i in range(1000):
        scan.add(f"a{i}", texts[list(texts)[i % len(texts)]] + f" رقم {i}")
    start = time.perf_counter()
    scan.original(texts["wakala_final.html"])
    return {"threshold": THRESHOLD, "copy_pairs": len(same), "copies_merged": sum(r >= THRESHOLD for r, *_ in same),
            "lowest_copy": min(same), "different_pairs": len(different),
            "different_kept_apart": sum(r < THRESHOLD for r, *_ in different), "highest_different": max(different),
            "highest_between_seeds": max(seeds), "scan_1000_articles_ms": 1000 * (time.perf_counter() - start)}


def cli(*args: str, allowed: str = "") -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "retrieval", *args], capture_output=True, text=True, cwd=common.ROOT,
                          env={**os.environ, "PYTHONPATH": str(common.ROOT), "INTAKE_ALLOW_PRIVATE": allowed}, timeout=600)
    return time.perf_counter() - start, done


def timings(work: Path, server: PageServer, build: bool) -> dict:
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(SEEDS, corpus)
    out = {}
    if build:
        seconds, done = cli("build", "--quiet", "--corpus", str(corpus), "--index", str(index))
        assert done.returncode == 0, done.stderr
        out["seed_build_s"] = seconds
        seconds, done = cli("add", "--corpus", str(corpus), "--index", str(index), server.url("wakala_final.html"),
                            allowed=server.allowed)
        assert done.returncode == 0, done.stdout + done.stderr
        out["cli_add_one_article_s"] = seconds
        out["cli_add_output"] = done.stdout.strip().splitlines()
    feeds = [server.url("rss.xml"), server.url("atom.xml")]
    poll_feeds(corpus, feeds, allow=server.allow)  # the first poll adds the items
    start = time.perf_counter()
    report = poll_feeds(corpus, feeds, allow=server.allow)
    out["poll_nothing_new_in_process_ms"] = 1000 * (time.perf_counter() - start)
    assert not report.changed
    seconds, done = cli("feeds", "--corpus", str(corpus), "--index", str(index), *feeds, allowed=server.allowed)
    assert done.returncode == 0 and "nothing to add" in done.stdout, done.stdout + done.stderr
    out["cli_poll_nothing_new_s"] = seconds
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-build", action="store_true", help="skip the timings that load the model")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    truth = json.loads((PAGES / "truth.json").read_text(encoding="utf-8"))
    figures = {"extraction": extraction(truth), "dates": dates(truth), "duplicates": duplicates(truth)}
    with PageServer() as server, tempfile.TemporaryDirectory() as work:
        figures["times"] = timings(Path(work), server, build=not args.skip_build)
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
