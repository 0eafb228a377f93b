"""`python -m bot`: long polling, or a webhook server with WEBHOOK_URL set; `--console` for an offline chat."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from pydantic import ValidationError
from pydantic_settings import SettingsError

from retrieval import RetrievalError

from . import logs
from .feedback import check_writable
from .settings import BotSettings


def main(argv: list[str] | None = None) -> int:
    # The embedder's OpenMP threads otherwise spin while waiting; when anything else wants the CPU (a /reindex,
    # another process) a lone question then takes seconds instead of tens of milliseconds (benchmarks/bot_latency.py).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Iqtibas: Arabic questions, quoted answers. Without --console: the Telegram "
        "bot, by long polling, or a webhook server when WEBHOOK_URL is set.",
        epilog="Settings come from the environment or .env, one line each in .env.example (TELEGRAM_BOT_TOKEN, "
        "ADMIN_USER_IDS, CORPUS_DIR, INDEX_DIR …); the index is built on first start.")
    parser.add_argument("--console", action="store_true", help="chat in the terminal, offline (no token needed)")
    args = parser.parse_args(argv)
    for stream in (sys.stdin, sys.stdout):
        stream.reconfigure(encoding="utf-8", errors="replace")
    try:
        settings = BotSettings()
    except ValidationError as e:
        first = e.errors()[0]
        print(f"error: invalid setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}", file=sys.stderr)
        return 2
    except SettingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else None
    secrets = logs.secrets_of(token, settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
                              getattr(settings.index_dir, "password", None))
    logs.configure(settings.log_level, secrets)
    try:
        if args.console:
            from .console import run_console

            return run_console(settings)
        return run_telegram(settings)
    except (RetrievalError, ValueError, OSError) as e:  # the index or the model cannot be opened: one line
        print(f"error: {logs.redact(logs.one_line(_describe(e)), secrets)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def run_telegram(settings: BotSettings) -> int:
    try:
        token = settings.token()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        check_writable(settings.feedback_log)
    except OSError as e:
        print(f"error: FEEDBACK_LOG {settings.feedback_log} cannot be written: {e.strerror or e}", file=sys.stderr)
        return 2
    from telegram.error import InvalidToken, TelegramError

    from .app import ALLOWED_UPDATES, build_application, install_stop_signals
    from .botapi import describe_failure
    from .webhook import check_webhook

    if settings.webhook_url:
        try:
            check_webhook(settings)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2

    application = build_application(settings)
    loop = asyncio.new_event_loop()  # the one run_polling/run_webhook use: it gets our stop signals
    asyncio.set_event_loop(loop)
    install_stop_signals(application, loop)
    try:
        if settings.webhook_url:
            application.run_webhook(**settings.webhook_options(), allowed_updates=ALLOWED_UPDATES, stop_signals=None)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)
    except InvalidToken:
        problem, status = "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather", 2
    except TelegramError as e:
        problem, status = describe_failure(e, settings.telegram_base_url), 1
    else:
        return 2 if application.bot.token_rejected else 0  # the bot logged why it stopped
    print(f"error: {logs.redact(problem, logs.secrets_of(token))}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
