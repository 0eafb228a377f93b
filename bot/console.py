"""`python -m bot --console`: an offline chat in the terminal through the same answer pipeline, in plain text."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from datetime import date
from typing import TextIO

from retrieval import Retriever, SearchResult, open_retriever

from . import questions, render, texts
from .conversations import Conversations
from .questions import QuestionPipeline
from .settings import BotSettings

# What a terminal obeys rather than shows (ESC and CSI start colour, title and clipboard sequences); not \t or \n
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def for_terminal(text: str) -> str:
    """`text` with the control characters an article may hold shown as escapes (\\x1b), never sent raw."""
    return _TERMINAL_CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def run_console(settings: BotSettings, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Answer questions from `stdin` line by line until EOF or /quit; returns the exit code."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    retriever = open_retriever(settings)  # builds the index first if there is none
    chat = ConsoleChat(retriever, settings.results_per_answer, settings.followup_minutes, settings.today)
    interactive = stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (input() then edits the line and recalls earlier ones)
        print(chat.help(), file=stdout)
    try:
        for line in _lines(stdin, interactive):
            command = line.strip().lower()
            if command in ("/quit", "/exit"):
                break
            reply = chat.reply(line)
            if reply:
                print(for_terminal(reply) + "\n", file=stdout, flush=True)
    except KeyboardInterrupt:
        print(file=stdout)
    return 0


class ConsoleChat:
    """One conversation: the last answer is kept for /more, the last questions for follow-ups."""

    USER = (0, 0)  # the console's one chat and user

    def __init__(self, retriever: Retriever, per_page: int, followup_minutes: float = 10,
                 today: date | None = None) -> None:
        self.retriever = retriever
        self.per_page = per_page
        self._last: SearchResult | None = None
        self._page = 0
        self._questions = QuestionPipeline(Conversations(followup_minutes, capacity=1), per_page, today)

    def help(self) -> str:
        examples = render.example_questions(self.retriever.articles)
        return "\n".join([texts.CONSOLE_HELP] + [f"  • {q}" for q in examples])

    def reply(self, line: str) -> str:
        text = questions.clean(line)
        if not text:
            return ""
        command = text.split(maxsplit=1)[0].lower()
        if command == "/help":
            return self.help()
        if command == "/sources":
            return "\n".join(render.html_to_text(part) for part in render.sources_html(self.retriever.articles))
        if command == "/latest":
            return "\n".join(render.html_to_text(part) for part in render.latest_html(self.retriever.articles))
        if command == "/more":
            return self._more()
        if command == "/new":
            self._questions.forget(*self.USER)
            return texts.NEW_TOPIC
        if command.startswith("/"):
            return texts.CONSOLE_UNKNOWN_COMMAND
        example = render.example_question(self.retriever.articles)
        taken = self._questions.take(text, self.retriever, *self.USER, example=example)
        if isinstance(taken, str):
            return render.html_to_text(taken)
        self._last, self._page = self._questions.search(taken), 0
        return render.first_page_text(self._questions.answered(taken, self._last), self.per_page)

    def _more(self) -> str:
        if self._last is None or self._page + 1 >= render.page_count(self._last, self.per_page):
            return texts.CONSOLE_NOTHING_MORE
        self._page += 1
        return render.answer_text(self._last, self._page, self.per_page)


def _lines(stdin: TextIO, interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from stdin
        return
    while True:
        try:
            yield input(texts.CONSOLE_PROMPT)
        except EOFError:
            print()
            return
