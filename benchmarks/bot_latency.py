"""Bot latency and throughput: the real Application against the fake Bot API server (tests/fakebotapi.py).

    python -m benchmarks.bot_latency [--index DIR] [--users 50] [--bursts 3]

Latency is from pushing an update to the fake server until the server receives the bot's sendMessage
answer, asked one at a time with the seed dev-set questions (eval/seed_qa.jsonl); throughput is `--users`
distinct users asking at once. The index is INDEX_DIR (default var/index), built from CORPUS_DIR if missing.
Search alone is timed too, to show what the Telegram round trips add.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import time
from pathlib import Path

from benchmarks.common import (
    ROOT,  # OMP_WAIT_POLICY=PASSIVE as `python -m bot` sets it; set ACTIVE to compare
)
from bot.app import build_application
from bot.settings import BotSettings
from retrieval import open_retriever
from retrieval.evaluate import percentile
from tests.fakebotapi import TOKEN, FakeBotAPI, running


def describe(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{name:<28} n={len(ms):<4} p50 {percentile(ms, 50):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms   "
            f"mean {statistics.mean(ms):7.1f} ms   max {max(ms):7.1f} ms")


async def ask(api: FakeBotAPI, question: str, chat_id: int) -> float:
    after = api.mark()
    started = time.perf_counter()
    await api.send_text(question, chat_id=chat_id)
    answer = await api.wait_for("sendMessage", lambda c: c.chat_id == chat_id, after=after, timeout=120)
    return answer.at - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="index directory (default: INDEX_DIR)")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "seed_qa.jsonl")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--bursts", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("retrieval").setLevel(logging.INFO)

    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["q"] for line in lines if line.strip()]
    async with FakeBotAPI() as api:
        settings = BotSettings(telegram_bot_token=TOKEN, telegram_base_url=api.base_url, questions_per_minute=10_000,
                               feedback_log=Path("/dev/null"), allowed_chat_ids="", admin_user_ids="",
                               **({"index_dir": args.index} if args.index else {}))
        retriever = await asyncio.to_thread(open_retriever, settings)
        print(f"index {settings.index_dir}: {len(retriever.articles)} articles, {retriever.manifest.chunks} passages; "
              f"embedder {retriever.embedder.id}; {len(questions)} questions; "
              f"{settings.results_per_answer} results per answer; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

        search = []
        for q in questions:  # in a worker thread, as the bot runs it
            started = time.perf_counter()
            await asyncio.to_thread(retriever.search, q, settings.results_per_answer * 3)
            search.append(time.perf_counter() - started)

        async with running(build_application(settings, retriever)):
            for i, q in enumerate(questions[:3]):  # warm up connections and caches
                await ask(api, q, 1 + i)
            sequential = [await ask(api, q, 1000 + i) for i, q in enumerate(questions)]

            burst_latencies: list[float] = []
            rates = []
            for burst in range(args.bursts):
                chats = [100_000 * (burst + 1) + u for u in range(args.users)]
                started = time.perf_counter()
                latencies = await asyncio.gather(*(ask(api, questions[u % len(questions)], chat)
                                                   for u, chat in enumerate(chats)))
                elapsed = time.perf_counter() - started
                burst_latencies += latencies
                rates.append(args.users / elapsed)

    print(describe("search only (in-process)", search))
    print(describe("update -> sendMessage, 1 user", sequential))
    print(describe(f"update -> sendMessage, {args.users} at once", burst_latencies))
    print(f"throughput with {args.users} users asking at once: "
          + ", ".join(f"{r:.1f}" for r in rates) + f" answers/s (median {statistics.median(rates):.1f})")


if __name__ == "__main__":
    asyncio.run(main())
