"""How long a short question waits behind many long ones from other users: the real Application, fake Bot API.

    python -m benchmarks.bot_fairness [--index DIR] [--users 200]

`--users` distinct users each send a ~1,000-character question at once, then another user sends a short
one; printed: when the short answer arrived, and when the long ones did (seconds from the first push).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from pathlib import Path

from benchmarks.common import ROOT
from bot.app import SEARCH_WORKERS, build_application
from bot.settings import BotSettings
from retrieval import open_retriever
from tests.fakebotapi import TOKEN, FakeBotAPI, running

SHORT = "بأي أوصاف وصف ريابكوف جولة المباحثات الأخيرة مع الأمريكيين التي لم تحقق تقدماً؟"


def long_question() -> str:
    """~990 characters of a seed article as one question (the bot refuses over 1,000)."""
    words = (ROOT / "seeds" / "000_929b026e6166e937.txt").read_text(encoding="utf-8").split()[200:]
    question = ""
    for word in words:
        if len(question) + len(word) + 2 > 990:
            break
        question += word + " "
    return question + "؟"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="index directory (default: INDEX_DIR)")
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    long = long_question()
    async with FakeBotAPI() as api:
        settings = BotSettings(telegram_bot_token=TOKEN, telegram_base_url=api.base_url, questions_per_minute=10_000,
                               feedback_log=Path("/dev/null"), allowed_chat_ids="", admin_user_ids="",
                               **({"index_dir": args.index} if args.index else {}))
        retriever = await asyncio.to_thread(open_retriever, settings)
        print(f"{args.users} users x {len(long)}-character questions, then one of {len(SHORT)} characters; "
              f"{SEARCH_WORKERS} search workers; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        async with running(build_application(settings, retriever)):
            started = time.perf_counter()
            for user in range(args.users):
                await api.send_text(long, chat_id=10_000 + user)
            await api.send_text(SHORT, chat_id=9)
            short = await api.wait_for("sendMessage", lambda c: c.chat_id == 9, timeout=3600)
            ahead = len({c.chat_id for c in api.calls_to("sendMessage") if c.seq < short.seq and c.chat_id >= 10_000})
            print(f"short question answered after {short.at - started:.1f} s, behind {ahead} of the long ones")
            def answered() -> dict[int, float]:
                return {c.chat_id: c.at for c in api.calls_to("sendMessage") if c.chat_id >= 10_000}

            while len(answered()) < args.users:
                await asyncio.sleep(0.5)
            print(f"all {args.users} long questions answered after {max(answered().values()) - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
