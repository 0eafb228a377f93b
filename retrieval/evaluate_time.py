"""Time questions (`eval/time_qa.jsonl`): the right article first, by kind, over the seeds and a dated test corpus.

Each question names its corpus ("seeds" or "time"), the day it is asked ("today"), its kind (latest,
earliest, date, relative, empty, when, timeline, followup) and what a right answer is: `file` (or any of
`files`) first; for a timeline, the quoted articles in the order of `files`; for an empty window, any
verdict but answered; for a question off the corpus's topic with time words, none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .evaluate import in_part, read_jsonl
from .index.build import build_index
from .models import Embedder
from .search.retriever import Retriever, SearchResult

# The dated test corpus beside the questions: the same story told at more dates, two articles undated.
TIME_CORPUS = "time_corpus"


@dataclass(frozen=True)
class TimeItem:
    q: str
    corpus: str
    today: date
    kind: str
    style: str = ""
    file: str | None = None
    files: tuple[str, ...] = ()
    context: tuple[str, ...] = ()

    def right(self, result: SearchResult) -> bool:
        """Whether the answer is right for this kind of question."""
        sources = [p.source for p in result.passages]
        if self.kind == "empty":
            return result.verdict != "answered"
        if self.kind == "offtopic":
            return result.verdict == "none"
        if self.kind == "timeline":
            return sources[: len(self.files)] == list(self.files)
        accepted = set(self.files) | {self.file}
        return bool(sources) and sources[0] in accepted and result.verdict != "none"


def load_time_qa(path: Path) -> list[TimeItem]:
    def item(r: dict) -> TimeItem:
        return TimeItem(r["q"].strip(), r["corpus"], date.fromisoformat(r["today"]), r["kind"], r.get("style", ""),
                        r.get("file"), tuple(r.get("files") or ()), tuple(r.get("context") or ()))

    return [time_item for _, time_item in read_jsonl(path, item, "q, corpus, today (YYYY-MM-DD), kind")]


@dataclass
class TimeReport:
    """Right answers by kind and by style, and empty windows answered."""

    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_style: dict[str, tuple[int, int]] = field(default_factory=dict)
    empty_answered: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def right_share(self) -> float:
        right = sum(r for r, _ in self.by_kind.values())
        total = sum(n for _, n in self.by_kind.values())
        return right / total if total else 0.0

    def as_dict(self) -> dict:
        return {"right": round(self.right_share, 4), "empty_answered": self.empty_answered,
                "by_kind": {k: {"n": n, "right": round(r / n, 4)} for k, (r, n) in self.by_kind.items()},
                "by_style": {k: {"n": n, "right": round(r / n, 4)} for k, (r, n) in self.by_style.items()},
                "wrong": self.wrong}

    def format(self) -> str:
        total = sum(n for _, n in self.by_kind.values())
        lines = [f"time questions: {self.right_share:.3f} right ({total}); empty windows answered: {self.empty_answered}",
                 f"{'kind':10} {'n':>4} {'right':>6}"]
        lines += [f"{kind:10} {n:4d} {r / n:6.3f}" for kind, (r, n) in sorted(self.by_kind.items())]
        lines.append(f"{'style':10} {'n':>4} {'right':>6}")
        lines += [f"{style:10} {n:4d} {r / n:6.3f}" for style, (r, n) in sorted(self.by_style.items())]
        return "\n".join(lines + ["wrong:", *self.wrong])


def evaluate_time(retrievers: dict[str, Retriever], items: list[TimeItem], k: int = 5) -> TimeReport:
    """Ask each question of its corpus's retriever on its day, with its conversation."""
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    styles: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    report = TimeReport()
    for item in items:
        result = retrievers[item.corpus].search(item.q, k, list(item.context), today=item.today)
        right = item.right(result)
        for table, key in ((kinds, item.kind), (styles, item.style or "-")):
            table[key][0] += right
            table[key][1] += 1
        if item.kind == "empty" and result.verdict == "answered":
            report.empty_answered += 1
        if not right:
            got = [p.source for p in result.passages][:3]
            report.wrong.append(f"{item.kind}/{item.style} {item.q!r} today {item.today}: got {got} {result.verdict}, "
                                f"want {list(item.files) or item.file}")
    report.by_kind = {key: (r, n) for key, (r, n) in kinds.items()}
    report.by_style = {key: (r, n) for key, (r, n) in styles.items()}
    return report


def time_items(path: Path, part: str = "all") -> list[TimeItem]:
    """The time questions of one part of the hash split ("tune", "test" or "all")."""
    return in_part(load_time_qa(path), part)


def time_retrievers(qa_path: Path, seed_retriever: Retriever, embedder: Embedder, work_dir: Path) -> dict[str, Retriever]:
    """The retriever of each corpus the questions name: the seeds' (given) and the dated test corpus's, whose
    index is built under `work_dir` once and rebuilt only when the corpus changes."""
    index_dir = Path(work_dir) / "time-corpus-index"
    build_index(Path(qa_path).parent / TIME_CORPUS, index_dir, embedder)
    return {"seeds": seed_retriever, "time": Retriever.load(index_dir, embedder)}
