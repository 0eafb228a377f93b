"""The time stage: which articles a question's time allows, and their order (latest, earliest, timeline).

A question's time words (`arabic.dates.read_time`) become a `TimePlan`: the articles published in its window,
an order by publication date, how far back a follow-up ("وقبلها؟") steps. Undated articles never fall in a
window and never count as the latest or the earliest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from ..arabic.dates import TimeAsk, Window, format_date, read_time
from ..arabic.normalize import normalize
from ..index.manifest import ArticleEntry
from .candidates import Candidate

# A short follow-up that steps along the dates: "وقبلها؟" (the one before), "وما الخبر الذي تلاه؟" (the one after).
_STEP = re.compile(r"(?<!\w)(?:و|ف)?(?:(?P<back>قبلها|قبله|قبل\s*(?:منها|منه|كده|كدا|هيك|هيدا|ذلك|هذا|هاد|هذي|هيدي)|سبقه|سبقها"
                   r"|اللي\s+قبل|الذي\s+قبل|السابق|before(?:\s+that|\s+it)?|earlier\s+one|previous(?:\s+one)?)"
                   r"|(?P<forward>بعدها|بعده|بعد\s*(?:منها|منه|كده|كدا|هيك|ذلك|هذا|هاد)|تلاه|تلاها|تلته|اللي\s+بعد|الذي\s+بعد"
                   r"|التالي|after\s+that|next\s+one|the\s+one\s+after))(?!\w)", re.I)
# Only a message this short steps: a longer one asks something of its own.
STEP_WORDS = 6
# Words that ask for news without naming a topic: left out when judging whether a passage is on the topic.
NEWS_WORDS = "خبر أخبار اخبار الأخبار مستجدات المستجدات جديد الجديد تطورات التطورات أنباء news update updates"
# The most passages a timeline quotes (one per article, oldest first).
TIMELINE_QUOTES = 10


@dataclass(frozen=True)
class TimeNote:
    """What an answer says about time: the window or order asked (`label`), and for a window no article falls
    in (`empty`), the publication dates of the nearest dated articles before and after it."""

    label: str | None
    kind: Literal["latest", "earliest", "window", "timeline", "future"]
    window: tuple[str, str] | None = None
    empty: bool = False
    nearest: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimePlan:
    """A question's time ask, with the steps a follow-up moved along the dates."""

    ask: TimeAsk
    skip: int = 0
    # For a follow-up that keeps an earlier question's time, the topic to search: the earlier question's
    # without its time words, and the follow-up's own words unless it only steps ("وقبلها؟").
    topic: str | None = None

    @property
    def note_kind(self) -> Literal["latest", "earliest", "window", "timeline", "future"]:
        if self.ask.timeline:
            return "timeline"
        if self.ask.future:
            return "future"
        if self.ask.order:
            return self.ask.order
        return "window"


def asks_time(ask: TimeAsk) -> bool:
    return bool(ask.order or ask.window or ask.timeline or ask.future)


def plan(question: str, earlier: Sequence[str], today: date, asks_when: bool = False) -> TimePlan | None:
    """The time plan of `question`; a follow-up with time words of its own keeps the window of the question
    it follows (`earlier`, oldest first), and one that steps along the dates keeps its order too: "وقبلها؟"
    after a latest question means the one before. A question asking when, whose window words are part of the
    fact it asks about ("في أي يوم أعلن … اجتماع هذا الأسبوع"), has no time plan. A past day named by its date
    ("يوم 6 أغسطس") is the day something happened: its news is published that day or the next."""
    ask = read_time(question, today)
    anchor = _anchor(earlier, today)
    only_window = not (ask.order or ask.timeline or ask.future)
    if only_window and ask.window and asks_when:
        return None
    ask = _with_reports(ask, today)
    if asks_time(ask):
        if not earlier:
            return TimePlan(ask)
        if anchor and anchor[0].window and not ask.window:  # "وأول خبر فيها؟" after "what happened in 2025?"
            ask = replace(ask, window=anchor[0].window, label=anchor[0].label)
        # A follow-up's topic is the earlier question's ("وإمتى الجولة الجاية؟" after one about the talks).
        earlier_topic = anchor[1] if anchor else read_time(earlier[-1], today).topic(earlier[-1])
        return TimePlan(ask, topic=f"{earlier_topic} {ask.topic(question)}".strip())
    step = _step(question)
    if anchor is None or not step:
        return None  # "وليش؟" after a latest question: the follow-up's own search finds the same article
    earlier_ask, topic, steps = anchor
    steps += step
    forward = earlier_ask.order == "earliest"
    skip = max(0, -steps if forward else steps) if earlier_ask.order else 0
    return TimePlan(replace(earlier_ask, matched=()), skip, topic)


def _with_reports(ask: TimeAsk, today: date) -> TimeAsk:
    """A window of one past day named by its date (not today or yesterday) widened to the day after, when the
    articles reporting it are published; the label still names the day."""
    window = ask.window
    if window is None or window[0] != window[1] or window[0] >= today - timedelta(days=1):
        return ask
    return replace(ask, window=(window[0], window[0] + timedelta(days=1)))


def _anchor(earlier: Sequence[str], today: date) -> tuple[TimeAsk, str, int] | None:
    """The time ask of the newest earlier question that has one (past the steps), its topic, the steps since."""
    steps = 0
    for turn in reversed(earlier):
        if step := _step(turn):
            steps += step
            continue
        earlier_ask = read_time(turn, today)
        return (earlier_ask, earlier_ask.topic(turn), steps) if asks_time(earlier_ask) else None
    return None


def _step(message: str) -> int:
    """+1 for a short message asking the one before ("وقبلها؟"), -1 for the one after, else 0."""
    plain = normalize(message)
    if len(plain.split()) > STEP_WORDS or not (m := _STEP.search(plain)):
        return 0
    return 1 if m["back"] else -1


class Calendar:
    """The index's articles by publication date."""

    def __init__(self, articles: list[ArticleEntry]) -> None:
        self.published: list[date | None] = [_iso(a.published) for a in articles]
        self.any_dated = any(d is not None for d in self.published)

    def within(self, window: Window) -> list[int]:
        """The articles published in the window, inclusive."""
        first, last = window
        return [i for i, d in enumerate(self.published) if d is not None and first <= d <= last]

    def current(self) -> date | None:
        """The day after the newest article: "today" for questions written while the corpus was current."""
        dated = [d for d in self.published if d is not None]
        return max(dated) + timedelta(days=1) if dated else None

    def dated(self) -> list[int]:
        return [i for i, d in enumerate(self.published) if d is not None]

    def nearest(self, window: Window) -> list[int]:
        """The newest article before the window and the oldest after it (those that exist)."""
        first, last = window
        before = [i for i, d in enumerate(self.published) if d is not None and d < first]
        after = [i for i, d in enumerate(self.published) if d is not None and d > last]
        out = []
        if before:
            out.append(max(before, key=lambda i: self.published[i]))
        if after:
            out.append(min(after, key=lambda i: self.published[i]))
        return out

    def note(self, time: TimePlan, empty: bool = False, nearest: Sequence[int] = ()) -> TimeNote:
        window = time.ask.window
        return TimeNote(time.ask.label, time.note_kind,
                        (window[0].isoformat(), window[1].isoformat()) if window else None, empty,
                        tuple(self.published[i].isoformat() for i in nearest))


def on_topic(candidates: list[Candidate], article_of, coverage: dict[int, float], margin: float,
             share: float) -> list[Candidate]:
    """The best candidate of each article on the question's topic, in rank order: within `margin` of the best
    score and holding at least `share` of the best candidate's term coverage (a newer article that shares
    only the word "negotiations" with the question is another story)."""
    best = candidates[0].score
    most = max(coverage.values(), default=0.0)
    firsts: dict[int, Candidate] = {}
    for c in candidates:
        if c.score >= best - margin and coverage.get(c.id, 0.0) >= share * most:
            firsts.setdefault(article_of(c), c)
    return list(firsts.values())


def by_date(candidates: list[Candidate], topical: list[Candidate], article_of, published: list[date | None],
            newest_first: bool, skip: int) -> list[Candidate]:
    """The dated `topical` candidates newest (or oldest) first, `skip` of them moved behind; the rest after."""
    dated = [c for c in topical if published[article_of(c)] is not None]
    if newest_first:
        dated.sort(key=lambda c: (published[article_of(c)], c.score), reverse=True)
    else:
        dated.sort(key=lambda c: (published[article_of(c)], -c.score))
    head = dated[skip:] + dated[:skip]
    chosen = {c.id for c in head}
    return head + [c for c in candidates if c.id not in chosen]


def date_label(iso: str) -> str:
    """'24 ديسمبر 2025' for '2025-12-24'."""
    return format_date(date.fromisoformat(iso))


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
