"""Pure rendering: search results to Telegram HTML message parts and buttons, and their plain-text twin.

Every piece of corpus or user text goes through `html.escape`. Messages are packed at passage
boundaries under Telegram's 4096-character limit; a single block too long for one message is cut
between words, closing its open tags and reopening them in the next part.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval import ArticleEntry, IntakeReport, Passage, SearchResult, TimeNote, date_label

from . import texts
from .answers import ButtonAction
from .questions import Answered

TELEGRAM_LIMIT = 4096
SOURCES_LISTED = 100
LATEST_LISTED = 5
INTAKE_LINES_CHARS = 3500  # of one reply to an admin's links or files: the rest are counted, not listed
INLINE_QUERY_LIMIT = 256  # characters of an inline query, so of a question a share button can fill in
INLINE_RESULTS_LIMIT = 50
INLINE_TITLE_CHARS = 256  # a longer bold sentence is cut at a word; clients show less anyway


@dataclass(frozen=True)
class Button:
    """An inline button: its callback data adds the answer's token to `action`; or, with `share`, it opens
    inline mode in a chat the user picks with `share` filled in."""

    label: str
    action: ButtonAction | None = None
    share: str | None = None


@dataclass(frozen=True)
class InlineItem:
    """One inline result: what the list shows (title, description), and the message choosing it sends (HTML)."""

    id: str
    title: str
    description: str
    html: str


@dataclass(frozen=True)
class Reply:
    """Message parts to send in order; the buttons go under the last one."""

    parts: list[str]
    buttons: list[list[Button]]


def page_count(result: SearchResult, per_page: int) -> int:
    return math.ceil(len(result.passages) / per_page) if _quotable(result) else 0


def _quotable(result: SearchResult) -> bool:
    """Answered, or related (the articles discuss it without stating what was asked): quotes are shown."""
    return result.verdict in ("answered", "related") and bool(result.passages)


def answer_html(result: SearchResult, page: int, per_page: int) -> Reply:
    """Page `page` (from 0) of the answer: quotes with the best sentence in bold and their sources; a
    related answer opens with a line saying the quotes do not state what was asked."""
    if not _quotable(result):
        return Reply(pack([_not_covered_html(result)]), [])
    pages = page_count(result, per_page)
    first = page * per_page
    shown = result.passages[first: first + per_page]
    blocks = [texts.MORE_PAGE_HEADER.format(page=page + 1, pages=pages)] if page else _opening_html(result)
    timeline = result.time is not None and result.time.kind == "timeline"
    blocks += [_passage_html(p, first + i + 1, timeline) for i, p in enumerate(shown)]
    buttons = [
        [Button(texts.BUTTON_CONTEXT.format(number=first + i + 1), ButtonAction(ButtonAction.CONTEXT, first + i))
         for i in range(len(shown))],
        [Button(texts.BUTTON_UP, ButtonAction(ButtonAction.UP, page)),
         Button(texts.BUTTON_DOWN, ButtonAction(ButtonAction.DOWN, page))],
    ]
    if page + 1 < pages:
        buttons[1].append(Button(texts.BUTTON_MORE, ButtonAction(ButtonAction.MORE, page + 1)))
    return Reply(pack(blocks), buttons)


def first_page_html(answered: Answered, per_page: int, shareable: bool = False) -> Reply:
    """The first page of an answer; a follow-up's opens with a line saying which earlier question it was read with.

    `shareable` (the bot has inline mode): quotes of a question that stands on its own get a share button.
    """
    reply = answer_html(answered.result, 0, per_page)
    question = answered.question
    if question.earlier:
        return Reply(pack([followup_line(question.earlier[-1]), *reply.parts]), reply.buttons)
    if shareable and reply.buttons and len(question.text) <= INLINE_QUERY_LIMIT:
        return Reply(reply.parts, [*reply.buttons, [Button(texts.BUTTON_SHARE, share=question.text)]])
    return reply


def first_page_text(answered: Answered, per_page: int) -> str:
    """The plain-text twin of `first_page_html` (for the console)."""
    text = answer_text(answered.result, 0, per_page)
    earlier = answered.question.earlier
    return f"{html_to_text(followup_line(earlier[-1]))}\n\n{text}" if earlier else text


def followup_line(earlier: str) -> str:
    """"متابعة لسؤالك: …" with the earlier question shortened (HTML)."""
    return texts.FOLLOWUP_OF.format(question=html.escape(shorten(earlier)))


def shorten(question: str, limit: int = 60) -> str:
    """`question` on one line, cut to about `limit` characters at a word boundary, with an ellipsis if cut."""
    question = " ".join(question.split())
    if len(question) <= limit:
        return question
    cut = question.rfind(" ", 0, limit)
    return question[: cut if cut > limit // 2 else limit].rstrip("،,.؟? ") + "…"


def answer_text(result: SearchResult, page: int, per_page: int) -> str:
    """The plain-text twin of `answer_html` (for the console): the best sentence is marked with **."""
    if not _quotable(result):
        return html_to_text(_not_covered_html(result))
    pages = page_count(result, per_page)
    first = page * per_page
    opening = [texts.MORE_PAGE_HEADER.format(page=page + 1, pages=pages)] if page else _opening_html(result)
    lines = [html_to_text(block) for block in opening]
    timeline = result.time is not None and result.time.kind == "timeline"
    for number, p in enumerate(result.passages[first: first + per_page], first + 1):
        before, best, after = _segments(p.text, p.start, p.highlight_start, p.highlight_end)
        quote = f"{before}**{best}**{after}" if best else before + after
        dated = f"{html_to_text(_timeline_date_html(p))}\n" if timeline else ""
        days = f"\n    {html_to_text(days_html)}" if (days_html := _resolved_html(p)) else ""
        lines.append(f"{dated}[{number}] {quote}{days}\n    — {_source_text(p)}")
    if page + 1 < pages:
        lines.append("(/more: نتائج أخرى)")
    return "\n\n".join(lines)


def inline_items(result: SearchResult) -> list[InlineItem]:
    """Inline results for `result`: one per quote, titled with its best sentence; one saying nothing was found."""
    if not _quotable(result):
        return [InlineItem("none", texts.NOT_COVERED, _closest_titles(result), _not_covered_html(result))]
    items = []
    for i, p in enumerate(result.passages[:INLINE_RESULTS_LIMIT]):
        before, best, after = _segments(p.text, p.start, p.highlight_start, p.highlight_end)
        title = shorten(best or before + after, INLINE_TITLE_CHARS)
        description = _describe(p.title, p.outlet, shown_date(p.published, p.date))
        days = f"\n{days_html}" if (days_html := _resolved_html(p)) else ""
        quote = f"{_quote_html(p.text, p.start, p.highlight_start, p.highlight_end)}{days}\n📰 {_source_html(p)}"
        if result.verdict == "related":
            what = texts.ASKED_FACT.get(result.asks, texts.ASKED_FACT["what"])
            description = f"📌 {texts.INLINE_RELATED.format(what=what)} — {description}"
            quote = f"{_related_html(result)}\n\n{quote}"
        items.append(InlineItem(str(i), title, description, _one_message(quote)))
    return items


def inline_refusal(refusal: str, example: str) -> list[InlineItem]:
    """The one inline result for a question that is not searched (chatter, …): the bot's reply to it (HTML),
    described by the example question it suggests."""
    text = html_to_text(refusal)
    title = shorten(text.splitlines()[0], INLINE_TITLE_CHARS)
    return [InlineItem("refusal", title, example if example in text else "", refusal)]


def _one_message(markup: str) -> str:
    """`markup` cut to fit one message (an inline result sends exactly one)."""
    return markup if utf16_len(markup) <= TELEGRAM_LIMIT else split_html(markup, TELEGRAM_LIMIT - 1)[0] + "…"


def _closest_titles(result: SearchResult) -> str:
    return " · ".join(list(dict.fromkeys(p.title for p in result.passages))[:3])


def context_html(context: Sequence[Passage], focus: Passage, number: int) -> list[str]:
    """The article text around quote `number`, its best sentence still in bold."""
    blocks = [texts.CONTEXT_HEADER.format(number=number)]
    blocks += [_quote_html(c.text, c.start, focus.highlight_start, focus.highlight_end) for c in context]
    blocks.append("📰 " + _source_html(focus))
    return pack(blocks)


def sources_html(articles: Sequence[ArticleEntry]) -> list[str]:
    """The indexed articles: title — outlet — date, one per line."""
    if not articles:
        return [texts.NO_ARTICLES]
    lines = [texts.SOURCES_HEADER.format(count=len(articles))]
    lines += [f"• {html.escape(_describe(a.title, a.outlet, shown_date(a.published, a.date)))}"
              for a in articles[:SOURCES_LISTED]]
    if len(articles) > SOURCES_LISTED:
        lines.append(texts.SOURCES_MORE.format(count=len(articles) - SOURCES_LISTED))
    return pack(lines, separator="\n")


def latest_html(articles: Sequence[ArticleEntry]) -> list[str]:
    """The newest dated articles, newest first: title (linked to its page) — outlet — date. Undated ones never."""
    dated = sorted((a for a in articles if a.published), key=lambda a: a.published, reverse=True)[:LATEST_LISTED]
    if not dated:
        return [texts.NO_DATED_ARTICLES]
    lines = [texts.LATEST_HEADER]
    for a in dated:
        rest = html.escape("".join(f" — {_metadata(x)}" for x in (a.outlet, date_label(a.published)) if x))
        lines.append(f"• {_linked(a.title, a.url)}{rest}")
    return pack(lines, separator="\n")


def intake_html(report: IntakeReport, articles: Sequence[ArticleEntry], names: dict[str, str],
                indexed: int | None, index_error: str | None) -> str:
    """What became of each thing an admin sent: added (its title, outlet and date, from the index when it was
    rebuilt), a duplicate, already there, or why not; then whether the index was rebuilt. `names` shows a source
    (a downloaded file's path) by the name it was sent with; `indexed` is the rebuilt index's article count."""
    by_source = {a.source: a for a in articles}
    lines = [_outcome_html(o, by_source.get(o.article or ""), names) for o in report.outcomes] or [texts.INTAKE_NOTHING]
    shown = _fitting(lines, INTAKE_LINES_CHARS)
    if indexed is not None:
        shown.append(texts.INTAKE_INDEXED.format(articles=indexed))
    elif index_error is not None:
        shown.append(texts.INTAKE_INDEX_FAILED.format(error=html.escape(index_error)))
    return "\n".join(shown)


def _outcome_html(outcome, article: ArticleEntry | None, names: dict[str, str]) -> str:
    source = outcome.source
    for path, name in names.items():
        source = source.replace(path, name)
    source = html.escape(source)
    if outcome.kind == "failed":
        return texts.INTAKE_FAILED.format(source=source, reason=html.escape(outcome.detail))
    title = html.escape(_metadata(article.title if article else outcome.article or outcome.detail))
    if outcome.kind in ("added", "updated"):
        rest = "" if article is None else html.escape(
            "".join(f" — {x}" for x in (article.outlet, shown_date(article.published, article.date)) if x))
        template = texts.INTAKE_ADDED if outcome.kind == "added" else texts.INTAKE_UPDATED
        return template.format(title=title, rest=rest, note="" if outcome.arabic else texts.INTAKE_NOT_ARABIC)
    template = texts.INTAKE_DUPLICATE if outcome.kind == "duplicate" else texts.INTAKE_KNOWN
    return template.format(source=source, title=title)


def _fitting(lines: list[str], limit: int) -> list[str]:
    """As many of `lines` as fit in `limit` characters, then how many more there are."""
    shown: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        size += utf16_len(line) + 1
        if size > limit:
            return [*shown, texts.SOURCES_MORE.format(count=len(lines) - i)]
        shown.append(line)
    return shown


def shown_date(published: str | None, written: str | None) -> str:
    """The publication date in Arabic ("24 ديسمبر 2025"), else the date as the article writes it, else «بدون تاريخ»."""
    return date_label(published) if published else written or texts.UNDATED

def help_html(articles: Sequence[ArticleEntry], bot_username: str) -> str:
    """What the bot does, how to ask, and example questions built from the indexed articles' titles."""
    blocks = [texts.INTRO, texts.HOW_TO_ASK.format(mention=html.escape(f"@{bot_username}"))]
    examples = example_questions(articles)
    if examples:
        blocks.append("\n".join([texts.EXAMPLES] + [f"• <code>{html.escape(q)}</code>" for q in examples]))
    blocks.append(texts.COMMANDS_HELP)
    return "\n\n".join(blocks)


def example_questions(articles: Sequence[ArticleEntry], count: int = 3) -> list[str]:
    """Up to `count` questions about articles spread over the corpus, from titles that read as headlines."""
    titles: list[str] = []
    for start in range(0, len(articles), max(1, math.ceil(len(articles) / count))):
        title = next((a.title.strip() for a in itertools.islice(articles, start, None) if _headline(a.title)), None)
        if title and title not in titles:
            titles.append(title)
    return [texts.EXAMPLE_QUESTION.format(title=t) for t in titles[:count]]


def example_question(articles: Sequence[ArticleEntry]) -> str:
    """One question to suggest: about an indexed article, or a general one without articles."""
    return next(iter(example_questions(articles, count=1)), texts.DEFAULT_EXAMPLE)


def _headline(title: str) -> bool:
    """Not too short or long, and not the cut-off first sentence that stands in for a missing title."""
    title = title.strip()
    return 10 <= len(title) <= 90 and not title.endswith(("…", "..."))


def html_to_text(markup: str) -> str:
    """Our own HTML as plain text (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def pack(blocks: Sequence[str], limit: int = TELEGRAM_LIMIT, separator: str = "\n\n") -> list[str]:
    """Join HTML blocks into as few messages as fit in `limit`, splitting only blocks too long on their own.

    Lengths are measured on the HTML itself, which is never shorter than the text Telegram counts.
    """
    parts: list[str] = []
    current = ""
    for block in blocks:
        for piece in [block] if utf16_len(block) <= limit else split_html(block, limit):
            joined = f"{current}{separator}{piece}" if current else piece
            if utf16_len(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


_TOKEN = re.compile(r"<[^>]*>|\s*(?:[^\s<&]|&#?\w+;)+|\s+")  # a tag, a word (entities included), or white space


def split_html(markup: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut well-formed HTML into parts of at most `limit` between words; tags open at a cut are closed and
    reopened, and tags and entities are never cut."""
    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open at this point
    current: list[str] = []
    size = 0
    has_text = False

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(stack))

    def flush() -> None:
        nonlocal current, size, has_text
        if has_text:
            parts.append("".join(current) + closing())
        current = [tag for _, tag in stack]
        size = sum(utf16_len(tag) for tag in current)
        has_text = False

    def room() -> int:
        return limit - size - utf16_len(closing())

    for token in _TOKEN.findall(markup):
        if token.startswith("</"):
            stack.pop()
            current.append(token)
            size += utf16_len(token)
            continue
        if token.startswith("<"):
            name = re.match(r"<([\w-]+)", token).group(1)
            if utf16_len(token) + len(name) + 3 > room():
                flush()
            stack.append((name, token))
            current.append(token)
            size += utf16_len(token)
            continue
        if not has_text:
            token = token.lstrip()
        if utf16_len(token) > room():
            flush()
            token = token.lstrip()
        while utf16_len(token) > room():  # one "word" longer than a whole message: cut it anywhere
            cut = _prefix_fitting(token, room())
            current.append(token[:cut])
            has_text = True
            flush()
            token = token[cut:]
        if token:
            current.append(token)
            size += utf16_len(token)
            has_text = has_text or not token.isspace()
    if has_text:
        parts.append("".join(current))
    return parts


def _prefix_fitting(word: str, units: int) -> int:
    """The length of the longest prefix of `word` within `units` UTF-16 units that splits no entity or character."""
    end = total = 0
    for atom in re.findall(r"&#?\w+;|.", word, re.S):
        total += utf16_len(atom)
        if total > units:
            break
        end += len(atom)
    return end or len(re.match(r"&#?\w+;|.", word, re.S).group())


def _passage_html(p: Passage, number: int, timeline: bool = False) -> str:
    """The quote, the dates its relative days mean (beside it: the quoted words stay as written), its source;
    in a timeline, its date above it."""
    quote = _quote_html(p.text, p.start, p.highlight_start, p.highlight_end)
    days = f"\n{days_html}" if (days_html := _resolved_html(p)) else ""
    dated = f"{_timeline_date_html(p)}\n" if timeline else ""
    return f"{dated}{quote}{days}\n📰 <b>{number}.</b> {_source_html(p)}"


def _resolved_html(p: Passage) -> str:
    """«📅 الخميس = 27 فبراير 2025 · …»: each relative day of the passage once; "" when it has none."""
    days = list(dict.fromkeys(day.rendering for day in p.resolved))
    return texts.RESOLVED_DAY.format(days=html.escape(" · ".join(days))) if days else ""


def _timeline_date_html(p: Passage) -> str:
    return texts.TIMELINE_DATE.format(date=html.escape(shown_date(p.published, p.date)))


def _quote_html(text: str, start: int, bold_start: int, bold_end: int) -> str:
    before, best, after = _segments(text, start, bold_start, bold_end)
    bold = f"<b>{html.escape(best)}</b>" if best else ""
    return f"<blockquote>{html.escape(before)}{bold}{html.escape(after)}</blockquote>"


def _segments(text: str, start: int, bold_start: int, bold_end: int) -> tuple[str, str, str]:
    """`text` (found at `start` in its article) split around the absolute span to set in bold."""
    lo = min(max(bold_start - start, 0), len(text))
    hi = min(max(bold_end - start, lo), len(text))
    before, best, after = _tidy(text[:lo]), text[lo:hi], _tidy(text[hi:])
    if best:
        return before.lstrip(), best, after.rstrip()
    return (before + after).strip(), "", ""


def _tidy(text: str) -> str:
    """Runs of blank lines become one blank line; the words are untouched."""
    return re.sub(r"\n[^\S\n]*(?:\n[^\S\n]*)+", "\n\n", text)


def _source_html(p: Passage) -> str:
    """Title (linked to its page) — outlet — date or «بدون تاريخ» (source file)."""
    rest = html.escape("".join(f" — {_metadata(x)}" for x in (p.outlet, shown_date(p.published, p.date)) if x))
    return f"{_linked(p.title, p.url)}{rest} (<code>{html.escape(_metadata(p.source))}</code>){html.escape(_also(p))}"


def _also(p: Passage) -> str:
    """« — وأيضاً: بي بي سي عربي، سكاي نيوز عربية»: the other outlets that state the same; "" when none."""
    return f" — {texts.ALSO_REPORTED.format(outlets='، '.join(map(_metadata, p.also)))}" if p.also else ""


def _linked(title: str, url: str | None) -> str:
    """The title, a link to `url` when that is a web address."""
    if url and re.match(r"https?://", url):
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(_metadata(title))}</a>'
    return html.escape(_metadata(title))


def _source_text(p: Passage) -> str:
    return (f"{_describe(p.title, p.outlet, shown_date(p.published, p.date))} ({_metadata(p.source)})"
            + (f" {_metadata(p.url)}" if p.url else "") + _also(p))


def _describe(title: str, outlet: str | None, date: str | None) -> str:
    return " — ".join(_metadata(x) for x in (title, outlet, date) if x)


# Bidi embeddings, overrides and isolates (U+202E in a title reverses the whole source line) and control characters
_UNSAFE_IN_METADATA = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x1f\x7f-\x9f]+")


def _metadata(text: str) -> str:
    """A title, outlet, date or file name fit for a one-line source: no bidi overrides, no control characters.
    Quotes are never passed through this: they keep the article's exact letters."""
    return _UNSAFE_IN_METADATA.sub(" ", text).strip()


def _related_html(result: SearchResult) -> str:
    what = texts.ASKED_FACT.get(result.asks, texts.ASKED_FACT["what"])
    return f"📌 {texts.RELATED.format(what=what)}"


def _opening_html(result: SearchResult) -> list[str]:
    """What the first page says before its quotes: the window with no article in it and the nearest dates, or
    the order asked ("الأحدث", "تسلسل الأحداث"); then, for a related answer, that the quotes are related."""
    note = result.time
    blocks = []
    if note is not None and note.empty:
        blocks.append(_empty_window_html(note))
    elif note is not None and note.kind in texts.TIME_ORDER:
        what = texts.TIME_ORDER[note.kind]
        blocks.append(texts.TIME_HEADER_IN.format(what=what, window=html.escape(note.label))
                      if note.window and note.label else texts.TIME_HEADER.format(what=what))
    if result.verdict == "related":
        blocks.append(texts.RELATED_NEAREST if note is not None and note.empty else _related_html(result))
    return blocks


def _empty_window_html(note: TimeNote) -> str:
    """«لا توجد عندي أخبار من هذا الأسبوع؛ أحدث ما لدي بتاريخ 24 ديسمبر 2025»."""
    window = html.escape(note.label or texts.THIS_PERIOD)
    first, last = note.window or ("", "")
    before = [d for d in note.nearest if d < first]
    after = [d for d in note.nearest if d > last]
    if before and after:
        nearest = texts.NEAREST_BOTH.format(before=date_label(before[-1]), after=date_label(after[0]))
    elif before:
        nearest = texts.NEAREST_BEFORE.format(date=date_label(before[-1]))
    elif after:
        nearest = texts.NEAREST_AFTER.format(date=date_label(after[0]))
    else:
        return texts.EMPTY_WINDOW_NOTHING.format(window=window)
    return texts.EMPTY_WINDOW.format(window=window, nearest=nearest)


def _not_covered_html(result: SearchResult) -> str:
    lines = [_empty_window_html(result.time)] if result.time is not None and result.time.empty else []
    lines.append(f"🔎 {texts.NOT_COVERED}")
    titles = list(dict.fromkeys(p.title for p in result.passages))[:3]
    if titles:
        lines.append(texts.CLOSEST_ARTICLES)
        lines += [f"• {html.escape(t)}" for t in titles]
    return "\n".join(lines)
