"""The ANT news archive (`shared/data/ant/`, ANT v2.1: Chouigui, Ben Khiroun, Elayeb, AJSE 46(8), 2021;
antcorpus.github.io) as corpora for the benchmarks: the whole archive or a slice of it, written as JSONL under var/.

The archive is read from `shared/`, never copied into the repository.

    python -m benchmarks.ant --slice dev --out var/ant/dev     # the dev slice's corpus directory
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import ROOT

_ANT = Path("shared") / "data" / "ant" / "articles.jsonl.gz"
ANT = next((d / _ANT for d in ROOT.parents if (d / _ANT).is_file()), ROOT.parent / _ANT)

# The dev slice: every article of the 10th, 11th and 12th of each month of 2018 (3,702 articles): whole days, so
# one event is told by several outlets and a story runs over consecutive days, across nine months.
DEV_DAYS = ("10", "11", "12")
# The training slice: the 20th, 21st and 22nd of each month, other days' news; its questions train the answer check.
TRAIN_DAYS = ("20", "21", "22")
SLICES = {"dev": DEV_DAYS, "train": TRAIN_DAYS}


def articles() -> Iterator[dict]:
    """Every ANT article in archive order: title, url, date, outlet, category, text."""
    with gzip.open(ANT, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def in_slice(article: dict, name: str) -> bool:
    if name == "all":
        return True
    if name not in SLICES:
        raise ValueError(f"unknown slice {name}: expected all, {', '.join(SLICES)}")
    return article["date"].startswith("2018-") and article["date"][8:10] in SLICES[name]


def write_corpus(out: Path, name: str = "dev", every: int = 1, limit: int | None = None) -> int:
    """Write a slice as `out/ant.jsonl` (one article a line, fields as our corpus reader takes them); the count."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out / "ant.jsonl", "w", encoding="utf-8") as f:
        for i, a in enumerate(articles()):
            if i % every or not in_slice(a, name):
                continue
            record = {k: a[k] for k in ("title", "url", "date", "outlet", "text")}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
            if limit and n >= limit:
                break
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slice", default="dev", help="dev (days 10-12 of each month of 2018), train (days 20-22) or all")
    ap.add_argument("--every", type=int, default=1, help="keep every Nth article of the slice")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    n = write_corpus(args.out, args.slice, args.every, args.limit)
    print(f"wrote {n} articles to {args.out / 'ant.jsonl'}")


if __name__ == "__main__":
    main()
