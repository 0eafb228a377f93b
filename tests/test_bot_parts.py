"""The bot's small parts: settings, question checks, the rate limit and the answer store."""

from __future__ import annotations

import re
import weakref
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import questions, texts
from bot.answers import Answer, AnswerStore, ButtonAction
from bot.ratelimit import RateLimiter
from bot.settings import BotSettings
from retrieval import RetrievalSettings, SearchResult

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"


def settings(**values) -> BotSettings:
    return BotSettings(_env_file=None, **values)


def test_id_lists_are_comma_separated_and_empty_means_everyone():
    s = settings(allowed_chat_ids="1, -1002, 3", admin_user_ids="")
    assert s.allowed_chat_ids == {1, -1002, 3} and s.admin_user_ids == frozenset()


def test_a_malformed_id_list_is_a_settings_error():
    with pytest.raises(ValidationError, match="allowed_chat_ids"):
        settings(allowed_chat_ids="1,abc")


@pytest.mark.parametrize("token, problem", [(None, "not set"), ("", "not set"), ("abc", "malformed"),
                                            ("123:short", "malformed"), ("12 3:" + "a" * 35, "malformed")])
def test_a_missing_or_malformed_token_is_one_clear_error_that_does_not_show_it(token, problem):
    with pytest.raises(ValueError, match=problem) as error:
        settings(telegram_bot_token=token).token()
    assert not token or token not in str(error.value)


def test_the_token_is_never_shown_in_the_settings_repr():
    assert TOKEN not in repr(settings(telegram_bot_token=TOKEN)) and settings(telegram_bot_token=TOKEN).token() == TOKEN


def test_bot_settings_carry_the_retrieval_settings():
    s = settings(index_dir=Path("/x/index"), corpus_dir=Path("/x/corpus"), chunk_chars=800)
    assert isinstance(s, RetrievalSettings)
    assert (s.index_dir, s.corpus_dir, s.chunk_chars) == (Path("/x/index"), Path("/x/corpus"), 800)


def test_webhook_options_serve_the_path_of_the_public_url():
    s = settings(webhook_url="https://bot.example.com/tg/hook", webhook_port=8443, webhook_secret="abc_DEF-1")
    assert s.webhook_options() == {"listen": "0.0.0.0", "port": 8443, "url_path": "tg/hook",
                                   "webhook_url": "https://bot.example.com/tg/hook", "secret_token": "abc_DEF-1"}


def test_a_webhook_secret_telegram_would_refuse_is_a_settings_error():
    with pytest.raises(ValidationError, match="webhook_secret"):
        settings(webhook_secret="has spaces!")


@pytest.mark.parametrize("raw", ["", "   ", "\u200f\u200b", "؟!", "..."])
def test_a_question_without_letters_or_digits_is_refused(raw):
    assert questions.refusal(questions.clean(raw), "مثال") == texts.EMPTY_QUESTION.format(example="مثال")


def test_a_question_over_1000_characters_is_refused_and_1000_is_fine():
    assert questions.refusal("س" * 1000) is None
    assert "1001" in questions.refusal("س" * 1001)


def test_the_rate_limit_allows_a_number_a_minute_and_says_so_once():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.check(1).allowed and limiter.check(1).allowed
    first, second = limiter.check(1), limiter.check(1)
    assert not first.allowed and first.notify and first.wait == pytest.approx(60)
    assert not second.allowed and not second.notify
    assert limiter.check(2).allowed
    now[0] = 60.0
    assert limiter.check(1).allowed


def test_the_answer_store_forgets_the_least_recently_used(retriever):
    store = AnswerStore(capacity=2)
    answer = Answer(1, "س", SearchResult("س", "answered", []), weakref.ref(retriever))
    a, b = store.add(answer), store.add(answer)
    store.get(a)
    c = store.add(answer)
    assert store.get(b) is None and store.get(a) is answer and store.get(c) is answer


def test_callback_data_is_a_short_token_and_an_action():
    data = ButtonAction(ButtonAction.MORE, 12).data(AnswerStore().add(None))
    assert len(data.encode()) <= 64
    token, action = ButtonAction.parse(data)
    assert action == "m12" and action.kind == ButtonAction.MORE and action.number == 12 and len(token) == 8
    assert re.fullmatch(ButtonAction.pattern(ButtonAction.MORE), data)
    assert not re.fullmatch(ButtonAction.pattern(ButtonAction.CONTEXT), data)
    assert ButtonAction.parse(None) is None and ButtonAction.parse(":c0") is None and ButtonAction.parse("x:q1") is None


@pytest.mark.parametrize("raw", ["test", "السلام عليكم", "<b>test</b>", "ok", "مرحبا"])
def test_chatter_gets_a_friendly_reply_with_an_example_instead_of_a_search(raw):
    assert questions.refusal(questions.clean(raw), "مثال") == texts.CHATTER.format(example="مثال")


def test_thanks_are_acknowledged():
    assert questions.refusal("شكراً جزيلاً", "مثال") == texts.THANKS.format(example="مثال")


def test_a_question_is_not_chatter():
    assert questions.refusal("شو قال ريابكوف؟", "مثال") is None
