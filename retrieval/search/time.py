"""The time stage: which articles a question's time allows, and their order (latest, earliest, timeline).

A question's time words (`arabic.dates.read_time`) become a `TimePlan`: the articles published in its window,
an order by publication date, how far back a follow-up ("وقبلها؟") steps. Undated articles never fall in a
window and never count as the latest or the earliest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from ..arabic.dates import TimeAsk, Window, format_date, read_time
from ..arabic.normalize import normalize
from ..index.manifest import ArticleEntry
from .candidates import Candidate

# A follow-up that only steps along the dates: "وقبلها؟" (the one before), "وبعدها؟" (the one after).
_STEP = re.compile(r"^\s*(?:و|ف|طيب\s+|and\s+|so\s+)?(?P<step>قبلها|قبله|قبل\s*(?:كده|كدا|هيك|هيدا|ذلك|هذا|هاد|هذي|هيدي)"
                   r"|before(?:\s+that|\s+it)?|earlier|بعدها|بعده|بعد\s*(?:كده|كدا|هيك|ذلك|هذا|هاد)|after(?:\s+that)?"
                   r"|then)\s*[؟?!.]*\s*$", re.I)
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


def plan(question: str, earlier: Sequence[str], today: date) -> TimePlan | None:
    """The time plan of `question`; a follow-up with no time of its own keeps the one of the question it
    follows (`earlier`, oldest first), and "وقبلها؟" after a latest question steps to the one before."""
    ask = read_time(question, today)
    if asks_time(ask):
        return TimePlan(ask)
    step = _STEP.match(normalize(question))
    steps, own = (1 if _backwards(step["step"]) else -1, "") if step else (0, question)
    for turn in reversed(earlier):
        if step := _STEP.match(normalize(turn)):
            steps += 1 if _backwards(step["step"]) else -1
            continue
        earlier_ask = read_time(turn, today)
        if not asks_time(earlier_ask):
            return None
        forward = earlier_ask.order == "earliest"
        skip = max(0, -steps if forward else steps) if earlier_ask.order else 0
        return TimePlan(replace(earlier_ask, matched=()), skip, f"{earlier_ask.topic(turn)} {own}".strip())
    return None


def _backwards(word: str) -> bool:
    return word.startswith("قبل") or word.lower().startswith(("before", "earlier"))


class Calendar:
    """The index's articles by publication date."""

    def __init__(self, articles: list[ArticleEntry]) -> None:
        self.published: list[date | None] = [_iso(a.published) for a in articles]

    def within(self, window: Window) -> list[int]:
        """The articles published in the window, inclusive."""
        first, last = window
        return [i for i, d in enumerate(self.published) if d is not None and first <= d <= last]

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


def by_date(candidates: list[Candidate], article_of, published: list[date | None], newest_first: bool,
            skip: int, margin: float) -> list[Candidate]:
    """Candidates on the question's topic (within `margin` of the best score) by their article's date, one
    per article, newest (or oldest) first, `skip` of them moved behind; undated and off-topic ones after."""
    best = candidates[0].score
    firsts: dict[int, Candidate] = {}
    for c in candidates:
        if c.score >= best - margin:
            firsts.setdefault(article_of(c), c)
    dated = [c for a, c in firsts.items() if published[a] is not None]
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
