"""Follow-up questions read with the conversation: eval/followups.jsonl, three ways.

    python -m benchmarks.followups [--index var/index] [--set eval/followups.jsonl] [--misses]

Each line is a conversation: earlier questions (`context`), then `q`, answered by `key` in `file`.
`kind` "followup": `q` only makes sense after the context; "switch": `q` is self-contained, on another
article, and must not be dragged back to the earlier topic.

- alone: `q` searched by itself (what the bot did before follow-ups);
- reply: `q` with its context always given, as when it is sent as a Telegram reply to the earlier answer
  (the retriever still reads a `q` that names its own subject alone);
- next message: `q` with its context only when `looks_like_followup(q)` says so (private chats, console);
- glued (reference): the last earlier question and `q` as one question.

"answered" = the answer is among the quotes the bot shows (the first RESULTS_PER_ANSWER=3) and the
search did not abstain; hit@1/hit@3 ignore abstention. Latency is per search, in this process. Each figure
is given for the tuning and the test part of the set (`retrieval.evaluate.split_of`, by a hash of `q`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import benchmarks.common  # noqa: F401  (OMP_WAIT_POLICY=PASSIVE)

SHOWN = 3  # quotes on the bot's first page (RESULTS_PER_ANSWER)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=Path("var/index"))
    parser.add_argument("--set", type=Path, default=Path("eval/followups.jsonl"))
    parser.add_argument("--misses", action="store_true", help="list what each path misses")
    args = parser.parse_args()

    from retrieval import RetrievalSettings, Retriever, make_embedder
    from retrieval.arabic.normalize import contains
    from retrieval.evaluate import percentile, split_of

    retriever = Retriever.load(args.index, make_embedder(RetrievalSettings().embedder))
    rows = load(args.set)
    retriever.is_followup("?")  # loads the index vocabulary once
    started = time.perf_counter()
    detected = [retriever.is_followup(row["q"]) for row in rows]  # what the bot asks of each private message
    detector_ms = (time.perf_counter() - started) * 1000 / len(rows)
    fresh = retriever.calendar.current()  # asked while the news was fresh, as the conversations were written
    paths = {
        "alone": lambda row, is_followup: retriever.search(row["q"], SHOWN * 3, today=fresh),
        "reply": lambda row, is_followup: retriever.search(row["q"], SHOWN * 3, context=row["context"], today=fresh),
        "next message": lambda row, is_followup: retriever.search(
            row["q"], SHOWN * 3, context=row["context"] if is_followup else (), today=fresh),
        "glued (reference)": lambda row, is_followup: retriever.search(f"{row['context'][-1]} {row['q']}", SHOWN * 3,
                                                                        today=fresh),
    }
    for row in rows[:3]:  # warm up
        retriever.search(row["q"], SHOWN * 3, context=row["context"])

    parts = [split_of(row["q"]) for row in rows]
    kinds = {(part, kind): sum(p == part and row["kind"] == kind for p, row in zip(parts, rows))
             for part in ("tune", "test") for kind in ("followup", "switch")}
    print(f"{args.set}: " + "; ".join(f"{part} {kinds[part, 'followup']} follow-ups, {kinds[part, 'switch']} switches"
                                      for part in ("tune", "test")) + f"; index {args.index}")
    print(f"follow-up detector: {sum(d for d, r in zip(detected, rows) if r['kind'] == 'followup')}"
          f"/{sum(r['kind'] == 'followup' for r in rows)} follow-ups detected, "
          f"{sum(not d for d, r in zip(detected, rows) if r['kind'] == 'switch')}"
          f"/{sum(r['kind'] == 'switch' for r in rows)} switches left alone ({detector_ms:.2f} ms a message)\n")
    print(f"{'path':<18} {'part':<5} {'follow-ups: hit@1':>18} {'hit@3':>7} {'answered':>9}   {'switches answered':>18}"
          f"   {'p50 ms':>7} {'p95 ms':>7}")
    missed: dict[str, list[str]] = {}
    for name, search in paths.items():
        hit1 = dict.fromkeys(kinds, 0)
        hit3 = dict(hit1)
        answered = dict(hit1)
        latencies = []
        for row, is_followup, part in zip(rows, detected, parts):
            started = time.perf_counter()
            result = search(row, is_followup)
            latencies.append((time.perf_counter() - started) * 1000)
            rank = next((i + 1 for i, p in enumerate(result.passages[:SHOWN])
                         if p.source == row["file"] and contains(p.text, row["key"])), None)
            hit1[part, row["kind"]] += rank == 1
            hit3[part, row["kind"]] += rank is not None
            answered[part, row["kind"]] += rank is not None and result.answerable
            if rank is None or not result.answerable:
                why = "declined" if not result.answerable else "not among the quotes"
                missed.setdefault(name, []).append(
                    f"{part:<4} {row['kind']:<8} {row['q']}  ({why}; after: {row['context'][-1]})")
        for part in ("tune", "test"):
            f, s = kinds[part, "followup"], kinds[part, "switch"]
            print(f"{name if part == 'tune' else '':<18} {part:<5} {hit1[part, 'followup'] / f:18.3f} "
                  f"{hit3[part, 'followup'] / f:7.3f} {answered[part, 'followup'] / f:9.3f}"
                  f"   {answered[part, 'switch'] / s:12.3f} ({answered[part, 'switch']}/{s})"
                  + (f"   {percentile(latencies, 50):7.1f} {percentile(latencies, 95):7.1f}" if part == "tune" else ""))
    print(f"\nanswered = among the first {SHOWN} quotes and not declined; latency per search "
          f"(median of all {len(rows)}: {statistics.median(latencies):.1f} ms for the last path)")
    if args.misses:
        for name, lines in missed.items():
            print(f"\n-- {name}: {len(lines)} missed")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
