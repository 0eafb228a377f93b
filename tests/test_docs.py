"""README.md and docs/: every relative link leads to a file (and heading), every `python -m` command exists."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import re
import runpy
import shlex
import sys
import warnings
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OURS = ("retrieval", "bot", "benchmarks")
# Pages whose commands run at the commits they name, not in this checkout.
AT_OTHER_COMMITS = {"experiments.md"}

FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"<(?:img|a)\s[^>]*(?:src|href)=\"([^\"]+)\"", re.I)
COMMENT = re.compile(r"<!--.*?-->", re.S)
COMMAND = re.compile(r"\bpython3? -m [\w.]+[^\n`]*")


def _prose(text: str) -> str:
    """`text` without its code and comments: fenced blocks, code spans and `<!-- -->` hold no links."""
    return CODE_SPAN.sub("", FENCE.sub("", COMMENT.sub("", text)))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", path.read_text(encoding="utf-8")), re.M)
    return {_slug(h) for h in headings}


def broken_links(document: Path) -> list[str]:
    """The relative links of `document` that lead nowhere: a missing file, or a heading its target lacks."""
    text = _prose(document.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text) + HTML_LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto: …: not ours to check here
            continue
        path_part, _, anchor = unquote(target).partition("#")
        path = (document.parent / path_part).resolve() if path_part else document
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.name}")
    return broken


def commands(document: Path) -> list[str]:
    """Every `python -m …` command `document` names, in code blocks or code spans, cut at shell syntax."""
    text = document.read_text(encoding="utf-8")
    code = [m.group(0) for m in FENCE.finditer(text)] + [m.group(2) for m in CODE_SPAN.finditer(FENCE.sub("", text))]
    found = []
    for piece in code:
        for line in piece.splitlines():
            for segment in re.split(r"&&|\|\||[|;<>]|\s#", line):
                found += [m.group(0).strip() for m in COMMAND.finditer(segment)]
    return found


class _Parsed(BaseException):
    """Raised in place of parsing: carries the finished parser out of a module's main()."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__()
        self.parser = parser


def parser_of(module: str) -> argparse.ArgumentParser | None:
    """The argument parser `python -m module` builds, caught as it starts parsing (nothing after that runs);
    None when the module parses no arguments."""
    def catch(self, args=None, namespace=None):
        raise _Parsed(self)

    original, argv = argparse.ArgumentParser.parse_known_args, sys.argv
    argparse.ArgumentParser.parse_known_args = catch
    sys.argv = [module, "--help"]
    try:
        with contextlib.redirect_stdout(None), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "'.*' found in sys.modules", RuntimeWarning)  # imported by another
            runpy.run_module(module, run_name="__main__", alter_sys=False)
    except _Parsed as parsed:
        return parsed.parser
    finally:
        argparse.ArgumentParser.parse_known_args, sys.argv = original, argv
    return None


def problems(command: str, parsers: dict) -> list[str]:
    """What `command` names that does not exist: its module, a subcommand, an option."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    module, rest = words[2], words[3:]
    if importlib.util.find_spec(module) is None:
        return [f"{command}: no module {module}"]
    if module.split(".")[0] not in OURS or not rest:
        return []
    if module not in parsers:
        parsers[module] = parser_of(module)
    parser = parsers[module]
    if parser is None:
        return [f"{command}: {module} takes no arguments"]
    found, options_seen = [], False
    for word in rest:
        word = word.strip("[](),…")
        if word.startswith("-"):
            options_seen = True
            option = word.split("=")[0]
            if option not in parser._option_string_actions:
                found.append(f"{command}: {option} is not an option of {parser.prog}")
        elif not options_seen and (subs := _subcommands(parser)) is not None:
            if word not in subs:
                found.append(f"{command}: {word} is not a command of {parser.prog} ({', '.join(subs)})")
                break
            parser = subs[word]
    return found


def _subcommands(parser: argparse.ArgumentParser) -> dict | None:
    return next((a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_to_a_file_or_heading(document):
    assert broken_links(document) == []


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if d.name not in AT_OTHER_COMMITS],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_python_m_command_names_a_module_and_the_commands_and_options_it_has(document, monkeypatch):
    monkeypatch.chdir(ROOT)
    parsers: dict = {}
    assert [p for command in commands(document) for p in problems(command, parsers)] == []


def test_a_wrong_command_option_or_link_is_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Top\n[a](missing.md) [b](#top) [c](#nowhere) `[d](ignored.md)`\n"
                    "```bash\npython -m retrieval build --no-such-flag\npython -m retrieval nothing\n"
                    "python -m no_such_module_here\n```\n", encoding="utf-8")
    assert broken_links(page) == ["missing.md: no such file", "#nowhere: no heading #nowhere in page.md"]
    assert [len(problems(c, {})) for c in commands(page)] == [1, 1, 1]
