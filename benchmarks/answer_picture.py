"""A picture of one real answer as Telegram shows it, drawn from the bot's own HTML (bot.render), for the README.

    python -m benchmarks.answer_picture [--index var/index] [--question Q] [--out docs/answer.png]

The question is searched on the index as the bot searches it; the first page of the answer (quotes, source lines,
buttons) is laid out right to left with Pillow (libraqm shapes the Arabic) in DejaVu Sans, the one font every
machine here has: emoji it has no glyph for are left out, and 👍/👎 are drawn as ✓/✗.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from benchmarks.common import ROOT, index_embedder_spec
from bot import render
from bot.questions import Answered, Question, search
from retrieval import Retriever, make_embedder

QUESTION = "كم ساعة استمرت محادثات إسطنبول؟"
FONTS = Path("/usr/share/fonts/truetype/dejavu")
SCALE = 2  # drawn at twice the size, for sharp text when the README shows it smaller
WIDTH, BUBBLE, PAD, SIZE, LEADING = 560, 470, 12, 13, 1.45
COLOURS = {"page": "#dfe7ee", "bubble": "#ffffff", "mine": "#e1fec6", "text": "#000000", "link": "#2a7ab8",
           "quote": "#eaf3fb", "bar": "#3b8ed0", "code": "#b03060", "button": "#8fa5b5", "button text": "#ffffff"}
SUBSTITUTES = {"👍": "✓", "👎": "✗"}
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
LATIN = re.compile("[A-Za-z]")
DIGIT = re.compile("[0-9]")


@dataclass
class Line:
    """One line of a message as the HTML breaks it: its runs of (text, style), and whether it is quoted."""

    quoted: bool
    runs: list[tuple[str, str]] = field(default_factory=list)


class TelegramHTML(HTMLParser):
    """The subset of HTML the bot sends (b, a, code, pre, blockquote) as lines of styled runs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [Line(False)]
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)
        if tag == "blockquote":
            self.lines.append(Line(True))

    def handle_endtag(self, tag):
        if tag in self.open:
            self.open.remove(tag)
        if tag == "blockquote":
            self.lines.append(Line(False))

    def handle_data(self, data):
        style = "link" if "a" in self.open else "code" if {"code", "pre"} & set(self.open) else \
            "bold" if "b" in self.open else "plain"
        for i, piece in enumerate(data.split("\n")):
            if i:
                self.lines.append(Line(self.lines[-1].quoted))
            if piece:
                self.lines[-1].runs.append((piece, style))


def answer_parts(index: Path, question: str, per_page: int) -> render.Reply:
    """The first page of the bot's answer to `question` on `index`, with the share button inline mode adds."""
    retriever = Retriever.load(index, make_embedder(index_embedder_spec(index)))
    result = search(retriever, question, per_page)
    return render.first_page_html(Answered(Question(question, 0, 0, (), retriever), result), per_page, shareable=True)


class Painter:
    """Lays out and draws text right to left with Pillow; every length is in unscaled pixels."""

    def __init__(self) -> None:
        from matplotlib.ft2font import FT2Font
        from PIL import ImageFont

        files = {"plain": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "link": "DejaVuSans.ttf",
                 "code": "DejaVuSansMono.ttf"}
        self.fonts = {style: ImageFont.truetype(str(FONTS / name), SIZE * SCALE) for style, name in files.items()}
        self.glyphs = FT2Font(str(FONTS / "DejaVuSans.ttf"))

    def drawable(self, text: str) -> str:
        """`text` with the characters the font lacks substituted or left out."""
        text = "".join(SUBSTITUTES.get(ch, ch) for ch in text)
        return "".join(ch for ch in text if ch in " \n" or self.glyphs.get_char_index(ord(ch)))

    def width(self, word: str, style: str) -> float:
        return self.fonts[style].getlength(word, direction=_direction(word)) / SCALE

    def wrap(self, runs: list[tuple[str, str]], room: float) -> list[list[tuple[str, str, bool]]]:
        """Runs cut into rows of (word, style, space before) that fit in `room`."""
        words, glued = [], True
        for text, style in runs:
            for token in re.split(r"(\s+)", self.drawable(text)):
                if not token:
                    continue
                if token.isspace():
                    glued = False
                    continue
                words.append((token, style, not glued))
                glued = True
        rows, current, used = [], [], 0.0
        space = self.width(" ", "plain")
        for word, style, spaced in words:
            need = self.width(word, style) + (space if spaced and current else 0)
            if current and used + need > room:
                rows.append(current)
                current, used, spaced = [], 0.0, False
                need = self.width(word, style)
            current.append((word, style, spaced and bool(current)))
            used += need
        return [*rows, current] if current else rows

    def draw_row(self, draw, row: list[tuple[str, str, bool]], right: float, y: float) -> None:
        """One row, right to left; a run of Latin words (and the numbers in it) reads left to right within it."""
        space = self.width(" ", "plain")
        groups: list[list[tuple[str, str, bool]]] = []
        for word, style, spaced in row:
            latin = bool(LATIN.search(word)) and not ARABIC.search(word)
            number = bool(DIGIT.search(word)) and not ARABIC.search(word)
            if (latin or number) and groups and groups[-1][-1][3] and spaced:
                groups[-1].append((word, style, spaced, True))
            else:
                groups.append([(word, style, spaced, latin)])
        x = right
        for group in groups:
            if group[0][2]:
                x -= space
            x -= sum(self.width(w, s) for w, s, _, _ in group) + space * sum(1 for _, _, sp, _ in group[1:] if sp)
            at = x
            for i, (word, style, spaced, _) in enumerate(group):
                if spaced and i:
                    at += space
                draw.text((at * SCALE, y * SCALE), word, font=self.fonts[style], fill=COLOURS.get(style, "#000"),
                          direction=_direction(word))
                at += self.width(word, style)


def _direction(word: str) -> str:
    """Latin words left to right; the rest right to left, so that fribidi puts the dot of "1." where Telegram does."""
    return "ltr" if LATIN.search(word) and not ARABIC.search(word) else "rtl"


def picture(question: str, reply: render.Reply, out: Path) -> None:
    """Draw the question bubble, the answer bubble and its buttons into `out` (PNG)."""
    from PIL import Image, ImageDraw

    painter = Painter()
    line_height = SIZE * LEADING
    lines = [line for part in reply.parts for line in _lines(part)]
    room = BUBBLE - 2 * PAD
    laid = [(line, painter.wrap(line.runs, room - (10 if line.quoted else 0))) for line in lines]
    asked = painter.wrap([(question, "plain")], room)
    answer_height = sum(max(len(rows), 1) * line_height * (1 if line.runs else 0.5) for line, rows in laid)
    buttons_height = len(reply.buttons) * 34
    height = 16 + len(asked) * line_height + 2 * PAD + 14 + answer_height + 2 * PAD + 6 + buttons_height + 12
    image = Image.new("RGB", (WIDTH * SCALE, int(height * SCALE)), COLOURS["page"])
    draw = ImageDraw.Draw(image)

    def box(left, top, right, bottom, colour, radius=12):
        draw.rounded_rectangle([left * SCALE, top * SCALE, right * SCALE, bottom * SCALE], radius * SCALE, fill=colour)

    # the question: the user's bubble, on the right
    space = painter.width(" ", "plain")
    mine_width = min(BUBBLE, 2 * PAD + max(sum(painter.width(w, s) + (space if sp else 0) for w, s, sp in row)
                                           for row in asked))
    top = 16
    box(WIDTH - 12 - mine_width, top, WIDTH - 12, top + len(asked) * line_height + 2 * PAD, COLOURS["mine"])
    for i, row in enumerate(asked):
        painter.draw_row(draw, row, WIDTH - 12 - PAD, top + PAD + i * line_height)
    # the answer: the bot's bubble, on the left
    top += len(asked) * line_height + 2 * PAD + 14
    left, right = 12, 12 + BUBBLE
    box(left, top, right, top + answer_height + 2 * PAD, COLOURS["bubble"])
    y = top + PAD
    for line, rows in laid:
        rows_height = max(len(rows), 1) * line_height * (1 if line.runs else 0.5)
        if line.quoted:
            draw.rectangle([(left + PAD - 4) * SCALE, (y - 2) * SCALE, (right - PAD + 2) * SCALE,
                            (y + rows_height) * SCALE], fill=COLOURS["quote"])
            draw.rectangle([(right - PAD) * SCALE, (y - 2) * SCALE, (right - PAD + 2) * SCALE,
                            (y + rows_height) * SCALE], fill=COLOURS["bar"])
        for i, row in enumerate(rows):
            painter.draw_row(draw, row, right - PAD - (10 if line.quoted else 0), y + i * line_height)
        y += rows_height
    # the buttons under it
    y = top + answer_height + 2 * PAD + 6
    for row in reply.buttons:
        cell = (BUBBLE + 4) / len(row)
        for i, button in enumerate(row):
            x0 = left + i * cell
            box(x0, y, x0 + cell - 4, y + 30, COLOURS["button"], radius=8)
            label = painter.drawable(button.label).strip()
            font = painter.fonts["plain"]
            w = font.getlength(label, direction=_direction(label)) / SCALE
            draw.text(((x0 + (cell - 4 - w) / 2) * SCALE, (y + 7) * SCALE), label, font=font,
                      fill=COLOURS["button text"], direction=_direction(label))
        y += 34
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)


def _lines(markup: str) -> list[Line]:
    parser = TelegramHTML()
    parser.feed(markup)
    parser.close()
    lines = parser.lines
    while lines and not lines[0].runs:
        lines.pop(0)
    while lines and not lines[-1].runs:
        lines.pop()
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("var/index"), help="the index asked (default var/index)")
    ap.add_argument("--question", default=QUESTION, help="the question asked")
    ap.add_argument("--per-page", type=int, default=2, help="quotes on the page (RESULTS_PER_ANSWER; default 2)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "answer.png", help="the PNG written")
    args = ap.parse_args()
    reply = answer_parts(args.index, args.question, args.per_page)
    picture(args.question, reply, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
