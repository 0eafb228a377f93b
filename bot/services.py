"""What the handlers share, and the typed context they get it from (`context.services`)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from telegram.ext import CallbackContext

from retrieval import SearchResult

from . import render
from .answers import AnswerStore
from .background import Background
from .botapi import TelegramBot
from .conversations import Conversations
from .fairqueue import FairQueue
from .feedback import FeedbackLog
from .inline import InlineState
from .live_index import LiveIndex
from .questions import QuestionPipeline
from .ratelimit import RateLimiter
from .settings import BotSettings

# Presses of "more" and "context" (each sends a message) one user may make in BUTTON_WINDOW seconds.
BUTTON_MESSAGES, BUTTON_WINDOW = 5, 10.0


@dataclass
class Stats:
    answered: int = 0
    abstained: int = 0
    up: int = 0
    down: int = 0

    def searched(self, result: SearchResult) -> None:
        if result.answerable:
            self.answered += 1
        else:
            self.abstained += 1


@dataclass
class Services:
    """One bot's shared parts; `index.retriever` is swapped whole by a rebuild."""

    settings: BotSettings
    index: LiveIndex
    questions: QuestionPipeline
    answers: AnswerStore
    limiter: RateLimiter
    button_limiter: RateLimiter
    searches: FairQueue
    feedback: FeedbackLog
    inline: InlineState = field(default_factory=InlineState)
    stats: Stats = field(default_factory=Stats)
    intake: asyncio.Lock = field(default_factory=asyncio.Lock)  # one addition to the corpus at a time

    @property
    def background(self) -> Background:
        """Long work (additions, rebuilds): cancelled, not awaited, when the bot stops."""
        return self.index.background

    @classmethod
    def for_settings(cls, settings: BotSettings, index: LiveIndex, search_workers: int) -> Services:
        return cls(
            settings=settings,
            index=index,
            questions=QuestionPipeline(Conversations(settings.followup_minutes), settings.results_per_answer,
                                       settings.today),
            answers=AnswerStore(),
            limiter=RateLimiter(settings.questions_per_minute),
            button_limiter=RateLimiter(BUTTON_MESSAGES, window=BUTTON_WINDOW),
            searches=FairQueue(search_workers),
            # Voters are hashed under a key only this bot knows (derived from its token), never logged as ids.
            feedback=FeedbackLog(settings.feedback_log,
                                 hashlib.sha256(b"voter\0" + settings.token().encode()).digest()),
        )

    def example_question(self) -> str:
        """One question about the indexed articles, for the lines that suggest what to ask."""
        return render.example_question(self.index.retriever.articles)


class BotContext(CallbackContext[TelegramBot, dict, dict, dict]):
    """The context every handler gets (ContextTypes): the bot's services, typed."""

    SERVICES = "services"  # their key in `bot_data`

    @property
    def services(self) -> Services:
        return self.bot_data[self.SERVICES]
