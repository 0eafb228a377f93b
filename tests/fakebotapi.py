"""A fake Telegram Bot API server on 127.0.0.1 for running a real python-telegram-bot `Application` in tests.

It queues the updates a test pushes (served by long-polling `getUpdates`, or POSTed to the webhook once
`setWebhook` is called), records every call with its parameters, answers with realistic Bot API JSON, and
rejects what Telegram would reject: HTML that does not parse, texts over 4096 characters, callback data
over 64 bytes, inline answers outside the Bot API's limits, getFile of a file over 20 MB. Documents a test sends
are served for download at `server.base_file_url` as Telegram's file server does. Point the bot at
`server.base_url` (PTB's `base_url`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from aiohttp import ClientSession, web

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"
BOT_ID = 123456789
BOT_USERNAME = "iqtibas_test_bot"
MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
INLINE_RESULTS_LIMIT = 50
INLINE_RESULT_ID_LIMIT = 64  # bytes
INLINE_QUERY_LIMIT = 256  # characters, so of a switch_inline_query button's text too
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bytes: getFile refuses bigger files

# Parameters that are plain strings; any other form value is JSON (python-telegram-bot sends them so).
_STRING_PARAMS = {
    "text", "caption", "parse_mode", "action", "callback_query_id", "url", "secret_token", "description",
    "short_description", "language_code", "inline_message_id", "business_connection_id", "name", "inline_query_id",
    "next_offset", "file_id",
}


class BotAPIError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class Call:
    """One request the bot made: its method, decoded parameters, and what the fake answered."""

    seq: int
    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() on arrival
    result: Any = None
    error: str | None = None

    @property
    def text(self) -> str:
        """The message text as a user sees it (HTML parsed), for sendMessage/editMessageText."""
        if isinstance(self.result, dict) and "text" in self.result:
            return self.result["text"]
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return int(chat) if chat is not None else None

    @property
    def buttons(self) -> list[dict]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


def telegram_html_text(markup: str) -> str:
    """The text Telegram shows for `markup` (parse_mode HTML), or BotAPIError 400 where Telegram would refuse it."""
    parser = _TelegramHTML()
    try:
        parser.feed(markup)
        parser.close()
    except _Unparsable as e:
        raise BotAPIError(400, f"Bad Request: can't parse entities: {e}") from None
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Unparsable(Exception):
    pass


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset: its tags only, properly nested, and only &lt; &gt; &amp; &quot; or numeric entities."""

    TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji",
            "code", "pre", "blockquote"}
    ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text: list[str] = []
        self.open: list[str] = []

    def feed(self, data: str) -> None:
        stray = re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", data)
        if stray:
            raise _Unparsable(f"unescaped '&' at byte offset {stray.start()}")
        for m in re.finditer(r"<", data):
            if not re.match(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>", data[m.start():]):
                raise _Unparsable(f"unescaped '<' at byte offset {m.start()}")
        super().feed(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.TAGS:
            raise _Unparsable(f"unsupported start tag \"{tag}\"")
        if tag == "a" and not dict(attrs).get("href"):
            raise _Unparsable("a tag without href")
        if tag == "blockquote" and "blockquote" in self.open:
            raise _Unparsable("nested blockquote")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _Unparsable(f"unsupported self-closing tag \"{tag}\"")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise _Unparsable(f"unmatched end tag \"{tag}\"")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if ">" in data:
            raise _Unparsable("unescaped '>'")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in self.ENTITIES:
            raise _Unparsable(f"unsupported entity &{name};")
        self.text.append(self.ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))

    def handle_comment(self, data: str) -> None:
        raise _Unparsable("comments are not supported")

    def close(self) -> None:
        super().close()
        if self.open:
            raise _Unparsable(f"unclosed start tag \"{self.open[-1]}\"")


class FakeBotAPI:
    """The fake server; use as `async with FakeBotAPI() as server:`."""

    def __init__(self, token: str = TOKEN, bot_username: str = BOT_USERNAME, bot_id: int = BOT_ID, *,
                 inline_mode: bool = False) -> None:
        self.token = token
        self.bot = {"id": bot_id, "is_bot": True, "first_name": "Iqtibas", "username": bot_username,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": inline_mode}  # as @BotFather's /setinline left it
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._inline_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._files: dict[str, tuple[str, bytes, int]] = {}  # file_id -> (file_path, content, file_size)
        self.downloads: list[str] = []  # the file paths the bot downloaded
        self._unanswered_inline: set[str] = set()
        self._messages: dict[tuple[int, int], dict] = {}
        self._chats: dict[int, dict] = {}
        self._last_update_id = 0
        self._confirmed = 0  # every update with a smaller id was fetched and acknowledged
        self._closing = False
        self._changed = asyncio.Condition()
        self._failures: dict[str, list[BotAPIError]] = {}
        self._delays: dict[str, list[float]] = {}
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> FakeBotAPI:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._client = ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        await self._client.close()
        await self._runner.cleanup()

    # --- what a test does ---------------------------------------------------------------------------

    async def push(self, update: dict) -> dict:
        """Queue an update (an `update_id` is assigned) or POST it to the webhook if one is set."""
        update = {"update_id": next(self._update_ids), **update}
        self._last_update_id = update["update_id"]
        if self.webhook is not None:
            headers = {}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            async with self._client.post(self.webhook["url"], json=update, headers=headers) as response:
                if response.status != 200:
                    raise AssertionError(f"webhook answered {response.status}")
            async with self._changed:
                self._confirmed = max(self._confirmed, update["update_id"] + 1)
                self._changed.notify_all()
            return update
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    async def send_text(self, text: str, *, chat_id: int = 1001, user_id: int | None = None,
                        chat_type: str = "private", reply_to: dict | None = None) -> dict:
        """A user's text message, with the command and mention entities Telegram would add."""
        return await self.push({"message": self._message(chat_id, user_id, chat_type, text=text,
                                                         entities=_entities(text), reply_to=reply_to)})

    async def send_other(self, kind: str, *, chat_id: int = 1001, user_id: int | None = None,
                         chat_type: str = "private") -> dict:
        """A sticker, photo, voice, ... message."""
        return await self.push({"message": self._message(chat_id, user_id, chat_type, **{kind: _ATTACHMENTS[kind]})})

    async def send_document(self, file_name: str, content: bytes, *, chat_id: int = 1001, user_id: int | None = None,
                            chat_type: str = "private", file_size: int | None = None,
                            mime_type: str = "text/plain") -> dict:
        """A document message; `file_size` says a size other than the content's (a file too big to send here)."""
        file_id = f"BQACAgIAAxk{next(self._file_ids)}"
        size = len(content) if file_size is None else file_size
        self._files[file_id] = (f"documents/file_{len(self._files)}{_suffix(file_name)}", content, size)
        document = {"file_id": file_id, "file_unique_id": f"AgAD{file_id}", "file_name": file_name,
                    "mime_type": mime_type, "file_size": size}
        return await self.push({"message": self._message(chat_id, user_id, chat_type, document=document)})

    async def press(self, message: Call | dict, label: str | Callable[[str], bool], *,
                    user_id: int | None = None) -> dict:
        """Press the inline button of a message the bot sent (a sendMessage call or its result) by its label."""
        result = message.result if isinstance(message, Call) else message
        buttons = [b for row in result.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        matches = [b for b in buttons if (label(b["text"]) if callable(label) else b["text"] == label)]
        if not matches:
            raise AssertionError(f"no button {label!r} among {[b['text'] for b in buttons]}")
        return await self.press_data(result, matches[0]["callback_data"], user_id=user_id)

    async def press_data(self, message: dict, data: str, *, user_id: int | None = None) -> dict:
        """A callback query with arbitrary data (as an old or forged button would send)."""
        chat = message["chat"]
        user = _user(user_id if user_id is not None else (chat["id"] if chat["id"] > 0 else 42))
        return await self.push({"callback_query": {
            "id": str(next(self._callback_ids)), "from": user, "message": message,
            "chat_instance": str(chat["id"]), "data": data,
        }})

    async def send_inline(self, query: str, *, user_id: int = 1001, chat_type: str = "sender") -> dict:
        """An inline query, as Telegram sends one for each keystroke after `@bot ` in any chat."""
        query_id = str(next(self._inline_ids))
        self._unanswered_inline.add(query_id)
        return await self.push({"inline_query": {"id": query_id, "from": _user(user_id), "query": query, "offset": "",
                                                 "chat_type": chat_type}})

    def fail_next(self, method: str, code: int = 400, description: str = "Bad Request: chat not found", *,
                  times: int = 1, retry_after: int | None = None) -> None:
        """Make the next `times` calls of `method` fail as Telegram would (429s carry `retry_after`)."""
        if code == 429 and retry_after is None:
            retry_after = 1
        self._failures.setdefault(method, []).extend(BotAPIError(code, description, retry_after) for _ in range(times))

    def delay_next(self, method: str, seconds: float) -> None:
        """Carry out the next call of `method` but answer only after `seconds` (a slow or stuck Telegram)."""
        self._delays.setdefault(method, []).append(seconds)

    async def revoke_token(self) -> None:
        """From now on reject the token with 401, as Telegram does once @BotFather revokes it."""
        async with self._changed:
            self.token = "revoked"
            self._changed.notify_all()

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def mark(self) -> int:
        """The sequence number of the latest call: pass it as `after` to wait only for later calls."""
        return self.calls[-1].seq if self.calls else 0

    async def wait_for(self, method: str, predicate: Callable[[Call], bool] | None = None, timeout: float = 10.0,
                       *, after: int = 0) -> Call:
        """The first successful call of `method` numbered above `after` that satisfies `predicate`."""

        def found() -> Call | None:
            return next((c for c in self.calls if c.seq > after and c.method == method and c.error is None
                         and (predicate is None or predicate(c))), None)

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(found), timeout)
            except TimeoutError:
                seen = [(c.method, c.text[:80] if c.method in ("sendMessage", "editMessageText") else c.params)
                        for c in self.calls if c.seq > after]
                raise AssertionError(f"no matching {method} within {timeout} s; calls since: {seen}") from None
            return found()

    async def settle(self, application: Any) -> None:
        """Wait until every pushed update was fetched and `application` (a PTB Application) processed it."""
        last = self._last_update_id
        if not last:
            return
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self._confirmed > last), 10)
        await asyncio.wait_for(application.update_queue.join(), 10)

    # --- the server -----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        async with self._changed:
            call = Call(len(self.calls) + 1, method, params, time.perf_counter())
            self.calls.append(call)
        if request.match_info["token"] != self.token:
            call.error = "Unauthorized"
            async with self._changed:
                self._changed.notify_all()
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        try:
            if self._failures.get(method):
                raise self._failures[method].pop(0)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise BotAPIError(404, "Not Found")
            call.result = await handler(params)
            body, status = {"ok": True, "result": call.result}, 200
        except BotAPIError as e:
            call.error = e.description
            body, status = {"ok": False, "error_code": e.code, "description": e.description}, e.code
            if e.retry_after is not None:
                body["parameters"] = {"retry_after": e.retry_after}
        async with self._changed:
            self._changed.notify_all()
        if self._delays.get(method):
            await asyncio.sleep(self._delays[method].pop(0))
        return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _download(self, request: web.Request) -> web.Response:
        """Telegram's file server: a file getFile named, by its path."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        content = next((c for p, c, _ in self._files.values() if p == path), None)
        if content is None:
            return web.Response(status=404)
        self.downloads.append(path)
        return web.Response(body=content, content_type="application/octet-stream")

    async def _api_getFile(self, params: dict) -> dict:
        file = self._files.get(str(params.get("file_id", "")))
        if file is None:
            raise BotAPIError(400, "Bad Request: invalid file_id")
        path, _, size = file
        if size > DOWNLOAD_LIMIT:
            raise BotAPIError(400, "Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": f"AgAD{params['file_id']}", "file_size": size,
                "file_path": path}

    async def _api_getMe(self, params: dict) -> dict:
        return self.bot

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise BotAPIError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self._confirmed = max(self._confirmed, offset)
                self._changed.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._updates or self._closing or self.token == "revoked"),
                    timeout)
            return list(self._updates[: int(params.get("limit") or 100)])

    async def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def _api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_setMyCommands(self, params: dict) -> bool:
        for command in params.get("commands", []):
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise BotAPIError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise BotAPIError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    async def _api_sendChatAction(self, params: dict) -> bool:
        return True

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        if len(params.get("text") or "") > 200:
            raise BotAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _api_answerInlineQuery(self, params: dict) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        if query_id not in self._unanswered_inline:
            raise BotAPIError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        results = params.get("results") or []
        if len(results) > INLINE_RESULTS_LIMIT:
            raise BotAPIError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode()) <= INLINE_RESULT_ID_LIMIT for i in ids):
            raise BotAPIError(400, "Bad Request: RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise BotAPIError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            if result.get("type") != "article" or not str(result.get("title", "")).strip():
                raise BotAPIError(400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            text = str(content.get("message_text", ""))
            if str(content.get("parse_mode", "")).upper() == "HTML":
                text = telegram_html_text(text)
            if not text.strip():
                raise BotAPIError(400, "Bad Request: MESSAGE_EMPTY")
            if utf16_len(text) > MESSAGE_LIMIT:
                raise BotAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
            _check_keyboard(result.get("reply_markup"))
        button = params.get("button")
        if button is not None and (not str(button.get("text", "")).strip()
                                   or not START_PARAMETER.fullmatch(str(button.get("start_parameter", "")))):
            raise BotAPIError(400, "Bad Request: START_PARAM_INVALID")
        if int(params.get("cache_time") or 0) < 0:
            raise BotAPIError(400, "Bad Request: CACHE_TIME_INVALID")
        self._unanswered_inline.discard(query_id)
        return True

    async def _api_sendMessage(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        message = self._message_from_bot(chat_id, params)
        self._messages[(chat_id, message["message_id"])] = message
        return message

    async def _api_editMessageText(self, params: dict) -> dict:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self._messages:
            raise BotAPIError(400, "Bad Request: message to edit not found")
        old = self._messages[key]
        message = {**self._message_from_bot(key[0], params, message_id=key[1]), "date": old["date"],
                   "edit_date": int(time.time())}
        if message["text"] == old["text"] and message.get("reply_markup") == old.get("reply_markup"):
            raise BotAPIError(400, "Bad Request: message is not modified")
        self._messages[key] = message
        return message

    def _message_from_bot(self, chat_id: int, params: dict, message_id: int | None = None) -> dict:
        markup = params.get("text", "")
        text = telegram_html_text(markup) if str(params.get("parse_mode", "")).upper() == "HTML" else markup
        if not text.strip():
            raise BotAPIError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MESSAGE_LIMIT:
            raise BotAPIError(400, "Bad Request: message is too long")
        message = {"message_id": message_id or next(self._message_ids), "from": self.bot, "chat": self._chat(chat_id),
                   "date": int(time.time()), "text": text}
        keyboard = params.get("reply_markup")
        if keyboard:
            _check_keyboard(keyboard)
            message["reply_markup"] = keyboard
        reply = params.get("reply_parameters")
        if reply and (chat_id, int(reply["message_id"])) in self._messages:
            message["reply_to_message"] = self._messages[(chat_id, int(reply["message_id"]))]
        return message

    def _message(self, chat_id: int, user_id: int | None, chat_type: str, reply_to: dict | None = None,
                 **content: Any) -> dict:
        user = _user(user_id if user_id is not None else chat_id)
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"title": "مجموعة الاختبار"} if chat_type != "private" else {"first_name": user["first_name"]})
        self._chats[chat_id] = chat
        message = {"message_id": next(self._message_ids), "from": user, "chat": chat, "date": int(time.time()),
                   **{k: v for k, v in content.items() if v}}
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _chat(self, chat_id: int) -> dict:
        return self._chats.get(chat_id) or {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}


def _check_keyboard(keyboard: dict | None) -> None:
    """Inline buttons as Telegram checks them: one action each, callback data and inline queries within limits."""
    for button in (b for row in (keyboard or {}).get("inline_keyboard", []) for b in row):
        actions = {"callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat"} & button.keys()
        if not str(button.get("text", "")).strip() or len(actions) != 1:
            raise BotAPIError(400, "Bad Request: BUTTON_TYPE_INVALID")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise BotAPIError(400, "Bad Request: BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not re.match(r"(https?|tg)://", url):
            raise BotAPIError(400, "Bad Request: BUTTON_URL_INVALID")
        query = button.get("switch_inline_query")
        if query is not None and len(query) > INLINE_QUERY_LIMIT:
            raise BotAPIError(400, "Bad Request: BUTTON_SWITCH_INLINE_INVALID")


def _suffix(file_name: str) -> str:
    m = re.search(r"\.\w{1,8}$", file_name)
    return m.group() if m else ""


def _user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": f"مستخدم {user_id}", "language_code": "ar"}


def _entities(text: str) -> list[dict]:
    """bot_command and mention entities where Telegram puts them; offsets and lengths in UTF-16 units."""
    found = []
    for kind, pattern in (("bot_command", r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?"),
                          ("mention", r"(?<![\w@])@[A-Za-z0-9_]{5,32}")):
        for m in re.finditer(pattern, text):
            found.append({"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())})
    return sorted(found, key=lambda e: e["offset"])


_ATTACHMENTS = {
    "sticker": {"file_id": "CAACAgIAAxk", "file_unique_id": "AgADsticker", "type": "regular", "width": 512,
                "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"},
    "photo": [{"file_id": "AgACAgIAAxk", "file_unique_id": "AQADphoto", "width": 320, "height": 240}],
    "voice": {"file_id": "AwACAgIAAxk", "file_unique_id": "AgADvoice", "duration": 3, "mime_type": "audio/ogg"},
}


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return await request.json()
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            params[key] = value.filename
        elif key in _STRING_PARAMS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    return params


@contextlib.asynccontextmanager
async def running(application: Any, webhook: dict | None = None) -> AsyncIterator[Any]:
    """Run a PTB Application inside the current event loop as `run_polling` (or `run_webhook`) would."""
    async with application:
        if application.post_init:
            await application.post_init(application)
        if webhook is None:
            await application.updater.start_polling(poll_interval=0.0, timeout=10)
        else:
            await application.updater.start_webhook(**webhook)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    if application.post_shutdown:
        await application.post_shutdown(application)
