"""Retrieval quality: hit@k, MRR and abstention on a QA file; paragraph retrieval on SQuAD-format data."""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

from .arabic.normalize import contains
from .errors import RetrievalError
from .index.build import build_index
from .index.manifest import ArticleEntry
from .models import Embedder
from .search.retriever import Retriever, SearchConfig

T = TypeVar("T")

PARTS = ("tune", "test", "all")
TUNE_SHARE = 0.6  # of each dev set's questions; the rest is the test part


@dataclass(frozen=True)
class QAItem:
    """A question; `file` is the article that answers it (None: nothing does), `key` a phrase the passage must hold."""

    q: str
    file: str | None
    key: str | None = None
    style: str = ""
    # Other articles that count as the expected one: copies of its text under another source.
    also: frozenset[str] = frozenset()

    def answered_by(self, source: str, text: str) -> bool:
        """Whether a passage `text` of the article `source` answers the question: the expected file (or a copy of
        it), holding the key."""
        return (source == self.file or source in self.also) and (not self.key or contains(text, self.key))


@dataclass(frozen=True)
class NewsItem:
    """A question of a news set (eval/ant/): articles named by url, resolved against an index to the sources that
    count as the article (it and the copies of its text). `kind`: fact, near, off, a time kind (latest, month,
    empty …) or a conversation's (followup, switch, offtopic); answerable when it names a url. `today`: None for
    the day after the index's newest article."""

    q: str
    kind: str
    style: str
    today: date | None = None
    context: tuple[str, ...] = ()
    sources: frozenset[str] = frozenset()
    key: str | None = None
    url: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.url)

    def states(self, source: str, text: str) -> bool:
        """Whether a passage `text` of the article `source` states the answer: it holds the key, in the article
        asked about or in another outlet's report of the same (the key is the fact asked, a few words long);
        without a key, any passage of the article."""
        return contains(text, self.key) if self.key else source in self.sources


def load_news_set(path: Path, articles: list[ArticleEntry]) -> list[NewsItem]:
    """A news set's questions over an index's `articles`; one whose article the index lacks is an error."""
    by_text: dict[str, set[str]] = {}
    for a in articles:
        by_text.setdefault(a.sha256, set()).add(a.source)
    sources_of = {a.url: frozenset(by_text[a.sha256]) for a in articles if a.url}

    def item(r: dict) -> NewsItem:
        url = r.get("url") or None
        today = date.fromisoformat(r["today"]) if r.get("today") else None
        return NewsItem(r["q"].strip(), r.get("kind") or ("fact" if url else "off"), r.get("style") or "-", today,
                        tuple(r.get("context") or ()), sources_of.get(url, frozenset()), r.get("key") or None, url)

    items = read_jsonl(path, item, '{"q": str, "url": str|null, "kind": str, …}')
    for number, news in items:
        if news.url and not news.sources:
            raise RetrievalError(f"{path}:{number}: {news.url} is not an article of this index")
    return [news for _, news in items]


def read_jsonl(path: Path, make: Callable[[dict], T], expected: str) -> list[tuple[int, T]]:
    """Each non-blank line of a JSONL file made into an item, with its line number; a line `make` cannot take is
    one error naming the line and what was `expected`."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append((number, make(json.loads(line))))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RetrievalError(f"{path}:{number}: expected {expected}") from None
    return items


@dataclass
class Miss:
    q: str
    expected: str | None
    got: list[str]
    answerable: bool


@dataclass
class QAReport:
    answerable: int
    unanswerable: int
    hit_at: dict[int, float]
    mrr: float
    abstain_precision: float
    abstain_recall: float
    wrongly_abstained: float
    latency_p50_ms: float
    latency_p95_ms: float
    misses: list[Miss] = field(default_factory=list)
    # style -> figures: hit@k, MRR and wrongly declined for answerable styles; declined, related and
    # none (shown without quotes) for unanswerable ones (near-topic, off-topic, chatter).
    by_style: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["hit_at"] = {str(k): v for k, v in self.hit_at.items()}
        return data

    def format(self) -> str:
        hits = "  ".join(f"hit@{k} {v:.3f}" for k, v in self.hit_at.items())
        lines = [
            f"{self.answerable} answerable, {self.unanswerable} unanswerable questions",
            f"{hits}  MRR {self.mrr:.3f}",
            f"abstention: precision {self.abstain_precision:.3f}  recall {self.abstain_recall:.3f}  "
            f"answerable wrongly abstained {self.wrongly_abstained:.3f}",
            f"latency p50 {self.latency_p50_ms:.1f} ms  p95 {self.latency_p95_ms:.1f} ms",
        ]
        for m in self.misses:
            got = ", ".join(m.got) or "nothing"
            what = "answered" if m.expected is None else f"expected {m.expected}"
            lines.append(f"miss: {m.q}  [{what}; got {got}{'' if m.answerable else '; abstained'}]")
        return "\n".join(lines)


    def format_styles(self) -> str:
        """The figures by question style, one row each."""
        answerable = {s: f for s, f in self.by_style.items() if "hit@1" in f}
        unanswerable = {s: f for s, f in self.by_style.items() if "hit@1" not in f}
        lines = []
        if answerable:
            lines.append(f"{'style':12} {'n':>4} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR':>6} {'declined':>9}")
            for style, f in answerable.items():
                lines.append(f"{style:12} {f['n']:4.0f} {f['hit@1']:6.3f} {f['hit@3']:6.3f} {f['hit@5']:6.3f} "
                             f"{f['mrr']:6.3f} {f['declined']:9.3f}")
        if unanswerable:
            lines.append(f"{'unanswerable':12} {'n':>4} {'declined':>9} {'related':>8} {'none (no quotes)':>17}")
            for style, f in unanswerable.items():
                lines.append(f"{style:12} {f['n']:4.0f} {f['declined']:9.3f} {f['related']:8.3f} {f['none']:17.3f}")
        return "\n".join(lines)


def _style_figures(outcomes: list[tuple[QAItem, int | None, str, int]], hit_ks: tuple[int, ...], k: int) -> dict:
    """Per style (and "all"): the figures of `QAReport.by_style` from (item, rank, verdict, quotes) outcomes."""
    groups: dict[str, list] = {}
    styled = any(item.style for item, *_ in outcomes)
    for outcome in outcomes:
        item = outcome[0]
        kind = "answerable" if item.file else "unanswerable"
        groups.setdefault(item.style or kind, []).append(outcome)
        if styled:
            groups.setdefault(f"all {kind}", []).append(outcome)
    table: dict[str, dict[str, float]] = {}
    for style, rows in groups.items():
        n = len(rows)
        if rows[0][0].file:
            ranks = [r for _, r, _, _ in rows]
            figures = {f"hit@{h}": sum(1 for r in ranks if r and r <= h) / n for h in hit_ks}
            figures["mrr"] = sum(1 / r for r in ranks if r and r <= k) / n
            figures["declined"] = sum(1 for _, _, v, _ in rows if v != "answered") / n
        else:
            figures = {
                "declined": sum(1 for _, _, v, _ in rows if v != "answered") / n,
                "related": sum(1 for _, _, v, _ in rows if v == "related") / n,
                "none": sum(1 for _, _, v, _ in rows if v == "none") / n,
            }
        table[style] = {"n": float(n), **figures}
    return dict(sorted(table.items(), key=lambda kv: (kv[0].startswith("all"), kv[0])))


def load_qa(path: Path) -> list[QAItem]:
    """Read a QA file: one JSON object per line with "q", "file" (or null) and, optionally, "key"."""
    def item(record: dict) -> QAItem:
        q, file, key, style = record["q"], record.get("file"), record.get("key"), record.get("style", "")
        if not isinstance(q, str) or not q.strip() or not isinstance(file, (str, type(None))):
            raise TypeError
        return QAItem(q.strip(), file, key, str(style or ""))

    items = [qa for _, qa in read_jsonl(path, item, '{"q": str, "file": str|null, "key": str}')]
    if not items:
        raise RetrievalError(f"{path}: no questions")
    return items


def split_of(question: str) -> str:
    """"tune" or "test": a fixed split of every dev set by a hash of the question, so a setting is chosen on the
    tuning part and judged on the test part, and a question added later does not move the others."""
    first_byte = hashlib.sha256(question.strip().encode("utf-8")).digest()[0]
    return "tune" if first_byte < TUNE_SHARE * 256 else "test"


def in_part(items: list[QAItem], part: str) -> list[QAItem]:
    """The questions of `part` ("tune", "test" or "all")."""
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}: expected one of {', '.join(PARTS)}")
    return [item for item in items if part == "all" or split_of(item.q) == part]


def percentile(values: list[float], q: int) -> float:
    """The `q`-th percentile of `values`, interpolated between the two nearest (0.0 for none)."""
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def evaluate_qa(retriever: Retriever, items: list[QAItem], k: int = 5, hit_ks: tuple[int, ...] = (1, 3, 5),
                today: date | None = None) -> QAReport:
    """Ask every question once (on `today`; default: the real date); a hit is a passage from the expected file
    holding the key phrase. Dev sets are asked on `retriever.calendar.current()`, the day after the newest
    article: they were written as if the news were fresh ("this year" is the articles' year)."""
    ranks: list[int | None] = []
    abstained_right = abstained_wrong = answered_unanswerable = 0
    latencies, misses = [], []
    outcomes: list[tuple[QAItem, int | None, str, int]] = []
    depth = max(k, *hit_ks)
    for item in items:
        started = time.perf_counter()
        result = retriever.search(item.q, depth, today=today)
        latencies.append((time.perf_counter() - started) * 1000)
        got = [p.source for p in result.passages[:k]]
        if item.file is None:
            outcomes.append((item, None, result.verdict, len(result.passages)))
            if result.answerable:
                answered_unanswerable += 1
                misses.append(Miss(item.q, None, got, True))
            else:
                abstained_right += 1
            continue
        rank = next(  # a passage restating the expected article's statement quotes it too
            (i + 1 for i, p in enumerate(result.passages)
             if any(item.answered_by(source, p.text) for source in (p.source, *p.restates))),
            None,
        )
        ranks.append(rank)
        outcomes.append((item, rank, result.verdict, len(result.passages)))
        if not result.answerable:
            abstained_wrong += 1
        if rank != 1 or not result.answerable:
            misses.append(Miss(item.q, item.file, got, result.answerable))
    n = len(ranks)
    unanswerable = len(items) - n
    abstained = abstained_right + abstained_wrong
    return QAReport(
        answerable=n,
        unanswerable=unanswerable,
        hit_at={h: sum(1 for r in ranks if r and r <= h) / n if n else 0.0 for h in hit_ks},
        mrr=sum(1 / r for r in ranks if r and r <= k) / n if n else 0.0,
        abstain_precision=abstained_right / abstained if abstained else 1.0,
        abstain_recall=abstained_right / unanswerable if unanswerable else 1.0,
        wrongly_abstained=abstained_wrong / n if n else 0.0,
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        misses=misses,
        by_style=_style_figures(outcomes, hit_ks, k),
    )


@dataclass
class SquadData:
    """SQuAD-format data as paragraph retrieval: unique paragraphs and each question's paragraph."""

    titles: list[str]
    paragraphs: list[str]
    questions: list[tuple[str, int]]

    @classmethod
    def load(cls, path: Path) -> SquadData:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
            titles, paragraphs, questions, where = [], [], [], {}
            for article in data:
                for para in article["paragraphs"]:
                    context = para["context"]
                    if context not in where:  # the same text may occur twice: match by text, not position
                        where[context] = len(paragraphs)
                        paragraphs.append(context)
                        titles.append(article.get("title") or "")
                    for qa in para["qas"]:
                        q = qa["question"].strip().lstrip("-").strip()
                        if q:
                            questions.append((q, where[context]))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise RetrievalError(f"{path}: not SQuAD-format JSON ({type(e).__name__}: {e})") from None
        return cls(titles, paragraphs, questions)

    def write_corpus(self, directory: Path) -> None:
        """One JSONL article per paragraph, so the usual build indexes it; sources are `paragraphs.jsonl#N`."""
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / "paragraphs.jsonl", "w", encoding="utf-8") as f:
            for title, text in zip(self.titles, self.paragraphs):
                f.write(json.dumps({"title": title, "text": text}, ensure_ascii=False) + "\n")

    def qa_items(self) -> list[QAItem]:
        return [QAItem(q, f"paragraphs.jsonl#{i + 1}") for q, i in self.questions]

    def fingerprint(self) -> str:
        return hashlib.sha256("\0".join(self.paragraphs).encode()).hexdigest()[:16]


def squad_index(data: SquadData, embedder: Embedder, work_dir: Path, progress: bool = True) -> Path:
    """The index of `data`'s paragraphs, built in `work_dir` and kept for re-runs (they embed nothing again)."""
    base = Path(work_dir) / data.fingerprint()
    data.write_corpus(base / "corpus")
    build_index(base / "corpus", base / "index", embedder, progress=progress)
    return base / "index"


def evaluate_squad(
    path: Path, embedder: Embedder, work_dir: Path, k: int = 5, config: SearchConfig = SearchConfig(), progress: bool = True,
    part: str = "all",
) -> dict[str, QAReport]:
    """Paragraph hit@1/hit@5/MRR for dense alone, BM25 alone and the hybrid, on the questions of `part`."""
    data = SquadData.load(path)
    items = in_part(data.qa_items(), part)
    if not items:
        raise RetrievalError(f"{path}: no questions in the {part} part")
    index_dir = squad_index(data, embedder, work_dir, progress)
    reports = {}
    for mode in ("dense", "lexical", "hybrid"):
        retriever = Retriever.load(index_dir, embedder, replace(config, mode=mode))
        reports[mode] = evaluate_qa(retriever, items, k, hit_ks=(1, 5))
        reports[mode].misses = []
    return reports
