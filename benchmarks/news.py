"""Answer quality on a real news archive: the ANT dev slice (`benchmarks.ant`) and the question sets written on it
by people who read only its articles (eval/ant/), graded at the answer level, by kind and style.

    python -m benchmarks.news --index var/ant/dev-index [--part tune|test|blind|all] [--misses] [--arcd ARCD.json]

Sets (one JSON object a line; articles named by "url"):
- answerable.jsonl: "q", "url", "key" (the words that state the answer), "style". A hit: a quote from that article
  (or a copy of its text under another url) holding the key; the first quote is the answer the reader sees.
- unanswerable.jsonl: "q", "kind" near (the story is there, the fact is not) or off (not covered), "style".
- time.jsonl: "q", "today", "kind", "style", "url" or null (an empty window: any verdict but answered is right).
- conversations.jsonl: "context" (earlier questions), "q", "kind" followup | switch | offtopic, "url", "key".
- blind.jsonl: all of these kinds in one file, written by someone else, never tuned on: the headline.
The dev sets are split by a hash of each question (`retrieval.evaluate.split_of`); --part picks which to score.
Figures cite ANT v2.1 (Chouigui, Ben Khiroun, Elayeb, AJSE 46(8), 2021; antcorpus.github.io).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import ROOT, index_embedder_spec
from retrieval import Retriever, SearchResult, make_embedder
from retrieval.arabic.normalize import contains, normalize
from retrieval.evaluate import (
    NewsItem,
    SquadData,
    load_news_set,
    percentile,
    split_of,
    squad_index,
)

NEWS_EVAL = ROOT / "eval" / "ant"
DEV_SETS = ("answerable", "unanswerable", "time", "conversations")
ARCD_TEST = ROOT.parent / "shared" / "data" / "arcd" / "arcd-test.json"


@dataclass
class Outcome:
    item: NewsItem
    result: SearchResult
    rank: int | None  # the first quote that states the answer (1-based), None: none of them
    followup: bool  # the retriever read the message as a follow-up of its context
    ms: float

    @property
    def right(self) -> bool:
        """The answer a reader gets is right: the first quote states it (a time question: is from the article
        asked for, and quoted); off-topic: none; near-topic or an empty time window: anything but answered."""
        verdict = self.result.verdict
        if self.item.answerable and self.item.kind in TIME_KINDS:  # the right article first, quoted
            return self.rank == 1 and verdict != "none"
        if self.item.answerable:
            return self.rank == 1 and verdict == "answered"
        return verdict == "none" if self.item.kind in ("off", "offtopic") else verdict != "answered"


TIME_KINDS = {"latest", "earliest", "date_year", "date_no_year", "month", "yesterday", "last_week", "this_week",
              "last_month", "empty", "time"}


def ask(retriever: Retriever, item: NewsItem, k: int = 5) -> Outcome:
    started = time.perf_counter()
    result = retriever.search(item.q, k, list(item.context), today=item.today or retriever.calendar.current())
    ms = (time.perf_counter() - started) * 1000
    rank = None
    if item.answerable:  # time questions: the article (any passage of the latest one is its news); others: the key
        rank = next((i + 1 for i, p in enumerate(result.passages)
                     if (not item.sources.isdisjoint((p.source, *p.restates))
                         if item.kind in TIME_KINDS or not item.key else item.states(p.source, p.text))), None)
    followup = bool(item.context) and retriever.is_followup(item.q, item.context)
    return Outcome(item, result, rank, followup, ms)


@dataclass
class Table:
    """Figures of a group of outcomes: answerable ones by hit@k and declined, the others by verdict."""

    rows: dict[str, list[Outcome]] = field(default_factory=lambda: defaultdict(list))

    def add(self, group: str, outcome: Outcome) -> None:
        self.rows[group].append(outcome)

    def format(self, title: str) -> str:
        lines = [f"-- {title}",
                 f"{'':22}{'n':>4} {'right':>6} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'declined':>8} "
                 f"{'related':>7} {'none':>6} {'as fup':>6}"]
        for group, outs in sorted(self.rows.items()):
            n = len(outs)
            answerable = [o for o in outs if o.item.answerable]
            hit = (lambda h: f"{sum(1 for o in answerable if o.rank and o.rank <= h) / len(answerable):6.3f}"
                   if answerable else f"{'':6}")
            share = (lambda f: f"{sum(1 for o in outs if f(o)) / n:.3f}")
            lines.append(f"{group:22}{n:4d} {share(lambda o: o.right):>6} {hit(1)} {hit(3)} {hit(5)} "
                         f"{share(lambda o: o.result.verdict != 'answered'):>8} "
                         f"{share(lambda o: o.result.verdict == 'related'):>7} "
                         f"{share(lambda o: o.result.verdict == 'none'):>6} "
                         f"{share(lambda o: o.followup) if any(o.item.context for o in outs) else '':>6}")
        return "\n".join(lines)


def report(outcomes: list[Outcome], title: str, misses: bool = False) -> str:
    by_kind, by_style = Table(), Table()
    for o in outcomes:
        kind = o.item.kind if o.item.answerable or o.item.kind not in TIME_KINDS else f"{o.item.kind} (empty)"
        by_kind.add(kind, o)
        group = "fact" if o.item.kind == "fact" else "time" if o.item.kind in TIME_KINDS else o.item.kind
        by_style.add(f"{group}/{o.item.style}", o)
    lines = [by_kind.format(f"{title}: by kind"), by_style.format(f"{title}: by kind and style")]
    ms = [o.ms for o in outcomes]
    lines.append(f"latency: p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms ({len(ms)} questions)")
    twice = sum(len({normalize(p.text) for p in o.result.passages}) < len(o.result.passages) for o in outcomes)
    lines.append(f"answers that quote one text twice (copies of an article, one fact restated): {twice} of {len(outcomes)}")
    if misses:
        for o in outcomes:
            if not o.right:
                got = [(p.url or p.source)[-40:] for p in o.result.passages[:3]]
                lines.append(f"miss {o.item.kind}/{o.item.style} {o.item.q!r} -> {o.result.verdict} rank {o.rank} "
                             f"{'(fup)' if o.followup else ''} got {got}")
    return "\n".join(lines)


def arcd_answers(retriever: Retriever, squad: Path, part: str) -> str:
    """ARCD's questions on an index of its paragraphs, at the answer level: of the questions whose first quote holds
    an answer, the share answered; and the questions declined as none with nothing quoted."""
    holds = answered = none = n = 0
    for article in json.loads(squad.read_text(encoding="utf-8"))["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                q = qa["question"].strip().lstrip("-").strip()
                if not q or (part != "all" and split_of(q) != part):
                    continue
                n += 1
                result = retriever.search(q, 5)
                first = result.passages[0].text if result.passages else ""
                if any(contains(first, a["text"]) for a in qa["answers"]):
                    holds += 1
                    answered += result.verdict == "answered"
                none += result.verdict == "none"
    return (f"ARCD {squad.name} ({part}, {n} questions): first quote holds the answer {holds}, of them answered "
            f"{answered} ({answered / max(holds, 1):.3f}); none {none}")


def in_part(items: list[NewsItem], part: str) -> list[NewsItem]:
    return [i for i in items if part == "all" or split_of(i.q) == part]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("var/ant/dev-index"))
    ap.add_argument("--sets", type=Path, default=NEWS_EVAL)
    ap.add_argument("--part", choices=("tune", "test", "blind", "all"), default="test")
    ap.add_argument("--embedder", help="the index's embedder (default: the bundled one that built it)")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--arcd", type=Path, default=None,
                    help="also ARCD's questions on an index of its paragraphs (kept under var/eval), e.g. " + str(ARCD_TEST))
    args = ap.parse_args()
    embedder = make_embedder(args.embedder or index_embedder_spec(args.index))
    if args.arcd:
        paragraphs = squad_index(SquadData.load(args.arcd), embedder, Path("var/eval"), progress=False)
        print(arcd_answers(Retriever.load(paragraphs, embedder), args.arcd, "all" if args.part == "blind" else args.part))
    retriever = Retriever.load(args.index, embedder)
    if args.part == "blind":
        items = load_news_set(args.sets / "blind.jsonl", retriever.articles)
    else:
        items = [i for name in DEV_SETS if (args.sets / f"{name}.jsonl").is_file()
                 for i in in_part(load_news_set(args.sets / f"{name}.jsonl", retriever.articles), args.part)]
    outcomes = [ask(retriever, item) for item in items]
    print(f"== {args.part} part on {args.index} ({len(retriever.articles)} articles), {len(items)} questions")
    print(report(outcomes, args.part, args.misses))


if __name__ == "__main__":
    main()
