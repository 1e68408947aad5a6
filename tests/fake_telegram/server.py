"""A fake Telegram Bot API server: real HTTP on loopback, validating requests like Telegram.

It runs tornado on its own event loop in a daemon thread, so the bot under test talks to it over
real sockets exactly as it would talk to api.telegram.org (through PTB's `base_url`). Tests
feed updates (`send_text`, `press_button`, `inline_query`, `add_update`), inject faults
(`fail_next`, `hang_next`) and read what the bot did (`calls`, `bot_messages`, `wait_for`).

    with FakeTelegram() as fake:
        app = Application.builder().token(fake.token).base_url(fake.base_url)...
        fake.send_text(fake.private_chat(42), "hello")
        await fake.wait_for(lambda: fake.bot_messages(42))
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.httpclient
import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

from tests.fake_telegram.telegram_html import EntityParseError, parse_html, utf16_length

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklm"
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA = 64

# Parameters Telegram treats as plain strings; every other form field is JSON (as PTB sends it).
_STRING_PARAMS = {
    "text", "parse_mode", "action", "callback_query_id", "inline_query_id", "url",
    "secret_token", "next_offset", "language_code", "description", "short_description",
}
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}
JSON = dict[str, Any]
DROPPED = 0  # the status `handle` returns for "close the connection without an answer"
# Our own fields on stored bot messages: the HTML as sent, and when it arrived (perf_counter).
_BOOKKEEPING = ("html", "received")


class ApiError(Exception):
    """A Bot API error response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


@dataclass(frozen=True)
class Call:
    """One request the bot made, with its decoded parameters and the status we answered."""

    method: str
    params: JSON
    status: int
    at: float


@dataclass
class Fault:
    """An injected failure for the next call(s) of one method."""

    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    hang: float = 0.0  # seconds to hang before dropping the request unanswered
    # Do what was asked first (a message is delivered), then fail: as Telegram does when its
    # answer is lost on the way back.
    after_delivery: bool = False
    drop: bool = False  # close the connection instead of answering


@dataclass
class _State:
    updates: deque[JSON] = field(default_factory=deque)
    next_update_id: int = 1
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    next_message_id: dict[int, int] = field(default_factory=dict)
    deleted: set[tuple[int, int]] = field(default_factory=set)
    callback_queries: dict[str, JSON] = field(default_factory=dict)
    callback_answers: dict[str, JSON] = field(default_factory=dict)
    inline_answers: dict[str, JSON] = field(default_factory=dict)
    commands: list[JSON] = field(default_factory=list)
    scoped_commands: dict[str, list[JSON]] = field(default_factory=dict)  # by JSON of the scope
    webhook: JSON = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    delivered_to_webhook: list[tuple[int, int]] = field(default_factory=list)
    chats: dict[int, JSON] = field(default_factory=dict)
    bot_message_count: int = 0
    bot_messages_in: dict[int, int] = field(default_factory=dict)  # chat id -> messages sent
    outages: dict[str, float] = field(default_factory=dict)  # method -> seconds down
    rate_limits: dict[str, float] = field(default_factory=dict)  # method -> seconds per chat
    last_accepted: dict[tuple[str, int], float] = field(default_factory=dict)
    query_times: dict[str, float] = field(default_factory=dict)  # callback/inline id -> asked
    expired: list[str] = field(default_factory=list)  # queries answered too late


class FakeTelegram:
    """The fake Bot API; use as a context manager (or `start()`/`stop()`)."""

    def __init__(
        self, token: str = DEFAULT_TOKEN, *, bot_username: str = "kilde_test_bot",
        bot_id: int | None = None,
    ) -> None:
        self.token = token
        self.bot_id = bot_id if bot_id is not None else int(token.split(":")[0])
        self.bot_username = bot_username
        self.port = 0
        self._state = _State()
        self._lock = threading.RLock()
        self._ids = itertools.count(1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._new_update: asyncio.Event | None = None
        self._deliveries: set[asyncio.Task[None]] = set()  # webhook pushes under way
        self._server: tornado.httpserver.HTTPServer | None = None
        self._app: tornado.web.Application | None = None
        self._closing: asyncio.Future[None] | None = None
        self.query_timeout = 15.0  # seconds Telegram lets a callback or inline query wait

    # -- life cycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to pass to PTB's `base_url` (the token and method are appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Telegram server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
            loop.run_until_complete(_cancel_pending())
        finally:
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stop, self._new_update = asyncio.Event(), asyncio.Event()
        app = tornado.web.Application(
            [(r"/bot([^/]+)/(\w+)", _MethodHandler, {"fake": self})],
            log_function=lambda handler: None,  # access logs would print the token
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._app = app
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        ready.set()
        await self._stop.wait()
        self._server.stop()
        await self._server.close_all_connections()

    # -- building updates -------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str = "Ann", *, is_bot: bool = False,
             username: str | None = None) -> JSON:
        data: JSON = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        if username:
            data["username"] = username
        return data

    @staticmethod
    def private_chat(user_id: int) -> JSON:
        return {"id": user_id, "type": "private", "first_name": "Ann"}

    @staticmethod
    def group_chat(chat_id: int, *, supergroup: bool = True) -> JSON:
        return {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": "Team"}

    @staticmethod
    def channel(chat_id: int) -> JSON:
        return {"id": chat_id, "type": "channel", "title": "News"}

    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id, "is_bot": True, "first_name": "Kilde",
            "username": self.bot_username, "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": True,
        }

    def add_update(self, update: JSON) -> int:
        """Queue a raw update (an `update_id` is assigned); returns its id."""
        with self._lock:
            update = {"update_id": self._state.next_update_id, **update}
            self._state.next_update_id += 1
            self._state.updates.append(update)
            webhook = dict(self._state.webhook)
        if self._loop is not None:
            if webhook.get("url"):
                self._loop.call_soon_threadsafe(self._deliver_soon, update, webhook)
            elif self._new_update is not None:
                self._loop.call_soon_threadsafe(self._new_update.set)
        return int(update["update_id"])

    def new_message(self, chat: JSON, text: str | None = None, *, user: JSON | None = None,
                    reply_to: JSON | None = None, **extra: Any) -> JSON:
        """A message as Telegram would build it (entities for commands and mentions)."""
        with self._lock:
            message_id = self._next_message_id(chat["id"])
        message: JSON = {"message_id": message_id, "date": int(time.time()), "chat": chat}
        if chat["type"] != "channel":
            message["from"] = user or self.user(chat["id"] if chat["id"] > 0 else 7)
        if text is not None:
            message["text"] = text
            entities = _entities(text)
            if entities:
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra)
        with self._lock:
            self._state.messages[(chat["id"], message_id)] = message
            self._state.chats[chat["id"]] = chat
        return message

    def send_text(self, chat: JSON, text: str, *, user: JSON | None = None,
                  reply_to: JSON | None = None) -> JSON:
        """A user writes `text` in `chat`; returns the message."""
        message = self.new_message(chat, text, user=user, reply_to=reply_to)
        key = "channel_post" if chat["type"] == "channel" else "message"
        self.add_update({key: message})
        return message

    def edit_text(self, message: JSON, text: str) -> None:
        edited = {**message, "text": text, "edit_date": int(time.time())}
        self.add_update({"edited_message": edited})

    def delete_message(self, chat_id: int, message_id: int) -> None:
        with self._lock:
            self._state.deleted.add((chat_id, message_id))

    def press_button(self, message: JSON, data: str, *, user: JSON | None = None) -> str:
        """A user presses the inline button carrying `data` under the bot's `message`."""
        buttons = [
            button for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        ]
        if data not in [button.get("callback_data") for button in buttons]:
            raise AssertionError(f"no button with callback data {data!r} under that message")
        query_id = str(next(self._ids))
        query = {
            "id": query_id, "from": user or self.user(message["chat"]["id"]),
            "chat_instance": "ci" + str(message["chat"]["id"]), "data": data, "message": message,
        }
        with self._lock:
            self._state.callback_queries[query_id] = query
            self._state.query_times[query_id] = time.monotonic()
        self.add_update({"callback_query": query})
        return query_id

    def inline_query(self, user: JSON, query: str) -> str:
        query_id = str(next(self._ids))
        with self._lock:
            self._state.query_times[query_id] = time.monotonic()
        self.add_update({"inline_query": {
            "id": query_id, "from": user, "query": query, "offset": "", "chat_type": "sender",
        }})
        return query_id

    # -- faults ---------------------------------------------------------------------------------

    def fail_next(self, method: str, status: int = 500, description: str | None = None,
                  *, retry_after: int | None = None, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail with `status`."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                502: "Bad Gateway",
            }.get(status, "Internal Server Error")
        with self._lock:
            queue = self._state.faults.setdefault(method, deque())
            for _ in range(times):
                queue.append(Fault(status, description, retry_after))

    def deliver_then_fail(self, method: str, *, status: int = 502, hang: float = 0.0,
                          drop: bool = False, times: int = 1) -> None:
        """Carry out the next `times` calls of `method` (a message is delivered), then answer
        `status`, or hang for `hang` seconds, or drop the connection: the bot cannot tell."""
        with self._lock:
            queue = self._state.faults.setdefault(method, deque())
            for _ in range(times):
                queue.append(Fault(status=status, description="Bad Gateway", hang=hang,
                                   after_delivery=True, drop=drop))

    def outage_on(self, method: str, seconds: float) -> None:
        """When `method` is next called, go down for `seconds`: stop listening (connections are
        refused) and close every open connection, then listen again on the same port."""
        with self._lock:
            self._state.outages[method] = seconds

    def rate_limit(self, method: str, seconds: float) -> None:
        """Accept `method` once per `seconds` in each chat; sooner gets 429 with retry_after,
        as Telegram limits a bot to about one message a second in a chat."""
        with self._lock:
            self._state.rate_limits[method] = seconds

    def faults_left(self, method: str) -> int:
        """How many injected faults of `method` have not been triggered yet."""
        with self._lock:
            return len(self._state.faults.get(method, ()))

    def hang_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Make the next `times` calls of `method` hang for `seconds`, then drop them."""
        with self._lock:
            queue = self._state.faults.setdefault(method, deque())
            for _ in range(times):
                queue.append(Fault(hang=seconds))

    # -- reading what the bot did -----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def bot_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Messages the bot sent successfully (in order), optionally in one chat."""
        with self._lock:
            messages = [
                m for (cid, _), m in self._state.messages.items()
                if m.get("from", {}).get("id") == self.bot_id
                and (chat_id is None or cid == chat_id)
            ]
        return sorted(messages, key=lambda m: (m["chat"]["id"], m["message_id"]))

    @property
    def bot_message_count(self) -> int:
        """How many messages the bot has sent (cheap, for waiting on many answers)."""
        with self._lock:
            return self._state.bot_message_count

    def bot_message_count_in(self, chat_id: int) -> int:
        """How many messages the bot has sent to one chat (cheap: no scan of every message, for
        benchmarks that wait on many chats at once)."""
        with self._lock:
            return self._state.bot_messages_in.get(chat_id, 0)

    def callback_answer(self, query_id: str) -> JSON | None:
        with self._lock:
            return self._state.callback_answers.get(query_id)

    def inline_answer(self, query_id: str) -> JSON | None:
        with self._lock:
            return self._state.inline_answers.get(query_id)

    def commands_for_chat(self, chat_id: int) -> list[JSON]:
        """The command list registered for one chat (setMyCommands with a chat scope)."""
        key = json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True)
        with self._lock:
            return list(self._state.scoped_commands.get(key, []))

    @property
    def commands(self) -> list[JSON]:
        with self._lock:
            return list(self._state.commands)

    @property
    def webhook(self) -> JSON:
        with self._lock:
            return dict(self._state.webhook)

    @property
    def pending_updates(self) -> int:
        with self._lock:
            return len(self._state.updates)

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0,  # noqa: ASYNC109 (test helper)
    ) -> Any:
        """Wait (without blocking the caller's event loop) until `predicate()` is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for the bot")
            await asyncio.sleep(0.005)

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until the bot has made no call for `quiet` seconds (for asserting silence)."""
        while True:
            count = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == count:
                return

    # -- the API ------------------------------------------------------------------------------------

    async def handle(self, token: str, method: str, params: JSON) -> tuple[int, JSON]:
        """Answer one Bot API call as Telegram would."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self._lock:
            faults = self._state.faults.get(method)
            fault = faults.popleft() if faults else None
            outage = self._state.outages.pop(method, None)
        if outage is not None:
            await self._go_down(outage)
            return DROPPED, {}
        try:
            self._check_rate(method, params)
            if fault is not None and not fault.after_delivery:
                if fault.hang:
                    await asyncio.sleep(fault.hang)
                    raise ApiError(504, "Gateway Timeout")
                raise ApiError(fault.status, fault.description, fault.retry_after)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
            status, body = 200, {"ok": True, "result": result}
            if fault is not None:  # done, and now the answer is lost
                if fault.hang:
                    await asyncio.sleep(fault.hang)
                if fault.drop or fault.hang:
                    status, body = DROPPED, {}
                else:
                    raise ApiError(fault.status, fault.description)
        except ApiError as error:
            status = error.status
            body = {"ok": False, "error_code": error.status, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
        with self._lock:
            self._state.calls.append(Call(method, params, status, time.monotonic()))
        return status, body

    def _check_rate(self, method: str, params: JSON) -> None:
        with self._lock:
            interval = self._state.rate_limits.get(method)
            if interval is None or params.get("chat_id") is None:
                return
            key, now = (method, int(params["chat_id"])), time.monotonic()
            last = self._state.last_accepted.get(key)
            if last is not None and now - last < interval:
                wait = max(1, math.ceil(interval - (now - last)))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
            self._state.last_accepted[key] = now

    async def _go_down(self, seconds: float) -> None:
        """Refuse connections for `seconds` (the listening socket is closed), then come back."""
        assert self._server is not None
        down = self._server
        down.stop()
        self._closing = asyncio.ensure_future(down.close_all_connections())
        await asyncio.sleep(seconds)
        self._server = tornado.httpserver.HTTPServer(self._app)  # a stopped one stays stopped
        self._server.add_sockets(tornado.netutil.bind_sockets(self.port, "127.0.0.1"))

    async def _api_getMe(self, params: JSON) -> JSON:
        return self.bot_user()

    async def _api_getUpdates(self, params: JSON) -> list[JSON]:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        assert self._new_update is not None
        while True:
            with self._lock:
                if offset:
                    while self._state.updates and self._state.updates[0]["update_id"] < offset:
                        self._state.updates.popleft()
                ready = list(itertools.islice(self._state.updates, limit))
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0:
                return ready
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)

    async def _api_sendMessage(self, params: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        text = self._check_text(params.get("text"), params.get("parse_mode"))
        self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        with self._lock:
            message_id = self._next_message_id(chat_id)
            chat = self._chat_of(chat_id)
        message: JSON = {
            "message_id": message_id, "date": int(time.time()), "chat": chat,
            "from": self.bot_user(), "text": text, "html": params.get("text"),
            "received": time.perf_counter(),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._lock:
            self._state.messages[(chat_id, message_id)] = message
            self._state.bot_message_count += 1
            self._state.bot_messages_in[chat_id] = self._state.bot_messages_in.get(chat_id, 0) + 1
        return _public(message)

    async def _api_editMessageText(self, params: JSON) -> JSON:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        text = self._check_text(params.get("text"), params.get("parse_mode"))
        self._check_markup(params.get("reply_markup"))
        with self._lock:
            message = self._state.messages.get((chat_id, message_id))
            if message is None or (chat_id, message_id) in self._state.deleted:
                raise ApiError(400, "Bad Request: message to edit not found")
            if message.get("from", {}).get("id") != self.bot_id:
                raise ApiError(400, "Bad Request: message can't be edited")
            if message.get("html") == params.get("text") and message.get(
                "reply_markup") == params.get("reply_markup"):
                raise ApiError(400, "Bad Request: message is not modified")
            message.update(text=text, html=params.get("text"), edit_date=int(time.time()))
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            else:
                message.pop("reply_markup", None)
            return _public(message)

    async def _api_sendChatAction(self, params: JSON) -> bool:
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._chat_of(int(params["chat_id"]))
        return True

    def _check_fresh(self, query_id: str) -> None:
        """Telegram refuses answers to a callback or inline query that waited too long."""
        with self._lock:
            asked = self._state.query_times.get(query_id)
            if asked is not None and time.monotonic() - asked > self.query_timeout:
                self._state.expired.append(query_id)
                raise ApiError(400, "Bad Request: query is too old and response timeout "
                                    "expired or query ID is invalid")

    @property
    def expired_queries(self) -> list[str]:
        """Callback and inline queries the bot answered after Telegram's timeout."""
        with self._lock:
            return list(self._state.expired)

    async def _api_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        self._check_fresh(query_id)
        with self._lock:
            if query_id not in self._state.callback_queries:
                raise ApiError(400, "Bad Request: query is too old and response timeout "
                                    "expired or query ID is invalid")
            if query_id in self._state.callback_answers:
                raise ApiError(400, "Bad Request: query is too old and response timeout "
                                    "expired or query ID is invalid")
            if len(params.get("text") or "") > 200:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            self._state.callback_answers[query_id] = params
        return True

    async def _api_answerInlineQuery(self, params: JSON) -> bool:
        self._check_fresh(str(params.get("inline_query_id")))
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(result.get("id")) for result in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            self._check_text(content.get("message_text"), content.get("parse_mode"))
            if not result.get("title"):
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            self._check_markup(result.get("reply_markup"))
        with self._lock:
            self._state.inline_answers[str(params["inline_query_id"])] = params
        return True

    async def _api_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope")
        if isinstance(scope, str):
            scope = json.loads(scope)
        with self._lock:
            # As Telegram: a chat scope needs a chat the bot knows (a user who wrote to it).
            if scope and scope.get("type") == "chat" and int(scope["chat_id"]) not in self._state.chats:
                raise ApiError(400, "Bad Request: chat not found")
            if not scope or scope.get("type") == "default":
                self._state.commands = list(commands)
            else:
                self._state.scoped_commands[json.dumps(scope, sort_keys=True)] = list(commands)
        return True

    async def _api_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.commands

    async def _api_deleteWebhook(self, params: JSON) -> bool:
        with self._lock:
            self._state.webhook = {}
            if params.get("drop_pending_updates"):
                self._state.updates.clear()
        return True

    async def _api_setWebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self._lock:
            self._state.webhook = {"url": url, "secret_token": secret} if url else {}
            if params.get("drop_pending_updates"):
                self._state.updates.clear()
            pending = list(self._state.updates) if url else []
            webhook = dict(self._state.webhook)
        for update in pending:
            self._deliver_soon(update, webhook)
        return True

    async def _api_getWebhookInfo(self, params: JSON) -> JSON:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": self.pending_updates}

    async def _api_close(self, params: JSON) -> bool:
        return True

    async def _api_logOut(self, params: JSON) -> bool:
        return True

    # -- helpers ------------------------------------------------------------------------------------

    def _deliver_soon(self, update: JSON, webhook: JSON) -> None:
        """Push an update to the webhook in a task of the server's loop."""
        # Keep a reference: the event loop holds tasks only weakly.
        task = asyncio.ensure_future(self._deliver(update, webhook))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, update: JSON, webhook: JSON) -> None:
        """POST an update to the webhook, as Telegram does, retrying briefly until it's taken."""
        headers = {"Content-Type": "application/json"}
        if webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(webhook["secret_token"])
        client = tornado.httpclient.AsyncHTTPClient()
        for _ in range(50):
            try:
                response = await client.fetch(
                    webhook["url"], method="POST", body=json.dumps(update), headers=headers,
                    raise_error=False, request_timeout=5,
                )
            except OSError:
                response = None
            if response is not None and response.code == 200:
                with self._lock:
                    self._state.delivered_to_webhook.append((update["update_id"], 200))
                    with contextlib.suppress(ValueError):  # taken by getUpdates meanwhile
                        self._state.updates.remove(update)
                return
            await asyncio.sleep(0.05)

    def _next_message_id(self, chat_id: int) -> int:
        number = self._state.next_message_id.get(chat_id, 1)
        self._state.next_message_id[chat_id] = number + 1
        return number

    def _chat_of(self, chat_id: int) -> JSON:
        if chat_id in self._state.chats:
            return dict(self._state.chats[chat_id])
        if chat_id > 0:
            return self.private_chat(chat_id)
        raise ApiError(400, "Bad Request: chat not found")

    def _check_text(self, text: Any, parse_mode: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        visible = text
        if parse_mode == "HTML":
            try:
                visible = parse_html(text)
            except EntityParseError as error:
                raise ApiError(400, f"Bad Request: {error}") from None
        elif parse_mode is not None:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r} in fake")
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(visible) > MAX_MESSAGE_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return visible

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the "
                                        "inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _reply_target(self, chat_id: int, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {"message_id": params["reply_to_message_id"],
                     "allow_sending_without_reply": params.get("allow_sending_without_reply")}
        if not reply:
            return None
        key = (int(reply.get("chat_id") or chat_id), int(reply["message_id"]))
        with self._lock:
            target = self._state.messages.get(key)
            gone = target is None or key in self._state.deleted
        if gone:
            if reply.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return _public(target)  # type: ignore[arg-type]


async def _cancel_pending() -> None:
    """Cancel what is still running (hanging calls, webhook deliveries) before the loop closes."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def _public(message: JSON) -> JSON:
    """The message as the API returns it (without our bookkeeping; no nested replies)."""
    data = {k: v for k, v in message.items() if k not in _BOOKKEEPING}
    if "reply_to_message" in data:
        data["reply_to_message"] = {
            k: v for k, v in data["reply_to_message"].items()
            if k not in _BOOKKEEPING and k != "reply_to_message"
        }
    return data


def _entities(text: str) -> list[JSON]:
    """bot_command and mention entities, with offsets in UTF-16 units as Telegram gives them."""
    entities = []
    for match in re.finditer(r"(?<![\w/@])(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)|"
                             r"(?<![\w@])(@[A-Za-z0-9_]{5,32})", text):
        kind = "bot_command" if match.group(1) else "mention"
        entities.append({
            "type": kind, "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group(0)),
        })
    return entities


class _MethodHandler(tornado.web.RequestHandler):
    """Routes /bot<token>/<method> to FakeTelegram.handle."""

    def initialize(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def get(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def _handle(self, token: str, method: str) -> None:
        params = self._params()
        status, body = await self.fake.handle(token, method, params)
        stream = self.request.connection.stream  # type: ignore[union-attr]
        if status == DROPPED and not stream.closed():
            stream.close()
        if stream.closed():
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            self.finish(json.dumps(body))

    def _params(self) -> JSON:
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            return dict(json.loads(self.request.body))
        params: JSON = {}
        arguments = {**self.request.query_arguments, **self.request.body_arguments}
        for name, values in arguments.items():
            raw = values[-1].decode("utf-8")
            if name in _STRING_PARAMS:
                params[name] = raw
            else:
                try:
                    params[name] = json.loads(raw)
                except ValueError:
                    params[name] = raw
        return params
