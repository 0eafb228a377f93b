"""Bot settings from the environment and `.env` (pydantic-settings); they extend the retrieval settings."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from retrieval import RetrievalSettings

# What @BotFather hands out: the bot's numeric id, a colon, then a 35-character secret.
TOKEN_PATTERN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,64}")


class BotSettings(RetrievalSettings):
    """Everything `python -m bot` reads: Telegram access, who may use the bot, limits, and the index.

    They are retrieval settings too (same `.env`, same variables), passed as they are to `retrieval`.
    """

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    allowed_chat_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    results_per_answer: int = Field(3, ge=1, le=10)
    questions_per_minute: int = Field(10, ge=1)
    feedback_log: Path = Path("var/feedback.jsonl")
    # A message that looks like a follow-up is read with the same user's questions of the last N minutes.
    followup_minutes: float = Field(10, ge=0)
    # The day questions are asked on ("latest", "this week" …), as YYYY-MM-DD; empty: the real date, day by day.
    today: date | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("today", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and -")
        return value

    def token(self) -> str:
        """The bot token, or a ValueError that says what is wrong with it (without showing it)."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value().strip():
            raise ValueError(
                "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the environment or .env "
                "(or try the offline chat: python -m bot --console)"
            )
        token = self.telegram_bot_token.get_secret_value().strip()
        if not TOKEN_PATTERN.fullmatch(token):
            raise ValueError("TELEGRAM_BOT_TOKEN is malformed: expected <bot id>:<secret> as given by @BotFather")
        return token

    def webhook_options(self) -> dict:
        """Keyword arguments of `Application.run_webhook` / `Updater.start_webhook` for WEBHOOK_URL."""
        return {
            "listen": self.webhook_listen,
            "port": self.webhook_port,
            "url_path": urlsplit(self.webhook_url or "").path.strip("/"),
            "webhook_url": self.webhook_url,
            "secret_token": self.webhook_secret.get_secret_value() if self.webhook_secret else None,
        }
