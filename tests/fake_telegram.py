"""A fake Telegram Bot API server for tests: the real python-telegram-bot talks HTTP to it on 127.0.0.1.

Usage (inside a pytest-asyncio test)::

    async with FakeTelegram() as tg:
        app = Application.builder().token(tg.token).base_url(tg.base_url).build()
        ...
        tg.message(42, "/start")                 # queued for getUpdates
        await tg.wait_sent(42)                   # until the bot has answered chat 42
        assert "欢迎" in tg.texts(42)[-1]

It answers the Bot API methods the bot calls — getMe, getUpdates, deleteWebhook, setWebhook, sendMessage,
sendPhoto, sendDocument, answerCallbackQuery — as Telegram does, so that the bot's bugs show up here, not in
production:

* PTB sends form-encoded bodies for plain calls (every non-string value JSON-dumped) and multipart when
  uploading; JSON bodies and GET query strings are accepted too.  Method names are case-insensitive.
* getUpdates: long polling that returns as soon as an update is queued; ``offset`` confirms (drops)
  updates; a second concurrent getUpdates ends the first one with 409 Conflict; 409 while a webhook is set.
* Sent messages get per-chat message ids and ``from`` = the bot; a button press is made on the message that
  offered the button.
* Texts are validated: empty text, more than 4096 characters (1024 for captions), callback_data longer than
  64 bytes, inline buttons without an action.
* Optional flood limits (constructor arguments) answer 429 with ``retry_after``.
* Chats in ``tg.blocked`` answer 403 "Forbidden: bot was blocked by the user".
* ``tg.stall_after = N``: after N messages were sent, further send* calls never get an answer (a network
  that went away mid-job); they are not recorded as sent.

Every other method answers 404, which PTB raises as InvalidToken (EndPointNotFound from do_api_request).
Not mimicked: webhooks delivering updates, privacy mode in groups (every group message is delivered),
parse modes, edits, file downloads.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import struct
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = [
    "GROUP_CHAT_ID",
    "SUPERGROUP_CHAT_ID",
    "Call",
    "FakeTelegram",
    "Upload",
    "tiny_png",
]

GROUP_CHAT_ID = -420030040
SUPERGROUP_CHAT_ID = -1001002003004

# Methods whose successful calls put a message in a chat: what sent() and texts() look at.
MESSAGE_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})

# Parameters that are plain strings in the Bot API.  Every other form value is JSON (PTB json.dumps()es
# everything that is not already a str), so "123" in `text` must stay a str while "123" in `chat_id` is 123.
_STRING_PARAMS = frozenset(
    {"text", "caption", "callback_query_id", "url", "secret_token", "photo", "document"}
)

_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_CALLBACK_DATA = 64


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A valid, white PNG image of the given size."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class Upload:
    """A file the bot uploaded (multipart)."""

    name: str
    mime_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Call:
    """One Bot API call as the fake received it.

    A long poll the client gave up on (PTB cancels its getUpdates when stopping) stays ``ok`` with
    ``result`` None and ``description`` "cancelled: …".

    ``params`` are decoded (JSON values parsed: ``chat_id`` is an int, ``reply_markup`` a dict).  For each
    uploaded file field F it also holds ``F_bytes`` (size), ``F_name`` (file name) and ``F_mime``; the
    bytes themselves are in ``files[F]``.  ``ok`` is False (with ``error_code``) for calls the fake refused
    (401, 404, 400, 403, 409, 429); ``result`` is what it answered otherwise.
    """

    method: str
    params: dict[str, Any]
    ok: bool = True
    error_code: int | None = None
    description: str | None = None
    result: Any = None
    files: dict[str, Upload] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The text or caption as sent (markup included)."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """The inline keyboard as rows of (button text, callback_data or url)."""
        markup = self.params.get("reply_markup")
        if not isinstance(markup, dict):
            return []
        return [
            [(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def callback_data(self) -> list[str]:
        """Every button's callback_data, row by row."""
        markup = self.params.get("reply_markup")
        if not isinstance(markup, dict):
            return []
        return [
            b["callback_data"]
            for row in markup.get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _image_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    return 800, 600


@dataclass
class _Pending:
    update: dict[str, Any]
    delivered: bool = False


@dataclass
class _File:
    file_id: str
    file_unique_id: str


class FakeTelegram:
    """A Bot API server on 127.0.0.1 that records what the bot sends and serves updates to getUpdates."""

    bot_first_name = "清收测试"
    bot_username = "QingshouTestBot"

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        rate_per_second: float | None = None,
        group_rate_per_minute: int | None = None,
    ) -> None:
        self.token = token
        self.rate_per_second = rate_per_second
        self.group_rate_per_minute = group_rate_per_minute
        self.calls: list[Call] = []
        self.too_many = 0
        self.blocked: set[int] = set()  # chat ids that answer 403 "bot was blocked by the user"
        self.stall_after: int | None = None
        self.stalled = 0  # send calls left without an answer
        self.webhook_url = ""
        self.port = 0
        self.base_url = ""

        self._pending: list[_Pending] = []
        self._confirmed = 0
        self._poll_generation = 0
        self._update_ids = 0
        self._callback_ids = 0
        self._file_ids = 0
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._send_times: deque[float] = deque()
        self._group_send_times: dict[int, deque[float]] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._saved_env: dict[str, str | None] = {}

        methods: dict[str, Callable[..., Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "answerCallbackQuery": self._true,
        }
        self._methods = {name.lower(): (name, fn) for name, fn in methods.items()}

    # --- life cycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self._closing = False
        self._bypass_proxies()

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._restore_env()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _bypass_proxies(self) -> None:
        """httpx honours HTTP(S)_PROXY/ALL_PROXY: make sure 127.0.0.1 is never sent to a proxy."""
        for var in ("NO_PROXY", "no_proxy"):
            old = os.environ.get(var)
            entries = [e.strip() for e in (old or "").split(",") if e.strip()]
            if "127.0.0.1" not in entries:
                self._saved_env[var] = old
                os.environ[var] = ",".join([*entries, "127.0.0.1", "localhost"])

    def _restore_env(self) -> None:
        for var, old in self._saved_env.items():
            if old is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = old
        self._saved_env.clear()

    # --- what the bot did -----------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        """Successful calls that sent a message (sendMessage, sendPhoto, sendDocument),
        or, with ``method``, successful calls of that method; optionally only those for ``chat_id``."""
        if method is not None:
            wanted = self._methods.get(method.lower(), (method, None))[0]
            calls = [c for c in self.calls if c.ok and c.method == wanted]
        else:
            calls = [c for c in self.calls if c.ok and c.method in MESSAGE_METHODS]
        if chat_id is not None:
            calls = [c for c in calls if c.params.get("chat_id") == chat_id]
        return calls

    def texts(self, chat_id: int) -> list[str]:
        """What the user of ``chat_id`` read, in order: the text or caption of every message sent there.
        Media sent without a caption are left out."""
        return [call.text for call in self.sent(chat_id) if call.text is not None]

    def clear(self) -> None:
        """Forget the recorded calls, the 429 count and the flood-limit windows (not queued updates)."""
        self.calls.clear()
        self.too_many = 0
        self._send_times.clear()
        self._group_send_times.clear()

    async def wait_sent(
        self,
        chat_id: int | None = None,
        *,
        method: str | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Wait until ``sent(chat_id, method)`` holds at least ``count`` calls, and return them."""

        def enough() -> list[Call] | None:
            calls = self.sent(chat_id, method)
            return calls if len(calls) >= count else None

        result: list[Call] = await self.wait_for(enough, timeout=timeout)
        return result

    async def wait_for(self, condition: Callable[[], Any], *, timeout: float = 5.0) -> Any:
        """Wait until ``condition()`` is truthy (re-checked after every call and update); return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            value = condition()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n  ".join(f"{c.method} {c.params}" for c in self.calls[-10:])
                raise AssertionError(f"timed out after {timeout}s; last calls:\n  {recent}")
            try:
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return [p.update for p in self._pending]

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": int(self.token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # --- building updates -----------------------------------------------------------------------------

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        photo: bool = False,
        caption: str | None = None,
        location: tuple[float, float] | None = None,
        message_id: int | None = None,
        first_name: str = "用户",
    ) -> dict[str, Any]:
        """A message from a user; queued for getUpdates and returned as the update dict.

        ``photo=True`` attaches a small PNG.  Group chats: ``chat_type="group"``/``"supergroup"`` with a negative ``chat_id``
        (defaults GROUP_CHAT_ID / SUPERGROUP_CHAT_ID)."""
        user = self._user(user_id, first_name)
        chat = self._user_chat(user, chat_id, chat_type)
        mid = self._next_message_id(chat["id"], message_id)
        msg: dict[str, Any] = {"message_id": mid, "from": user, "chat": chat, "date": int(time.time())}
        if text is not None:
            msg["text"] = text
            if entities := self._command_entities(text):
                msg["entities"] = entities
        if photo:
            msg["photo"] = [self._photo_size(self._new_file(), tiny_png(64, 48))]
        if caption is not None:
            msg["caption"] = caption
            if entities := self._command_entities(caption):
                msg["caption_entities"] = entities
        if location is not None:
            msg["location"] = {"latitude": location[0], "longitude": location[1]}
        self._messages[(chat["id"], mid)] = msg
        return self._new_update({"message": msg})

    def callback(
        self,
        user_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
        first_name: str = "用户",
    ) -> dict[str, Any]:
        """A press of an inline button with ``data`` on a message the bot sent; queued and returned.

        Without ``message_id``: the newest bot message in the chat whose keyboard has that callback_data,
        else the newest bot message there, else message 1 (made up, so that the bot can edit it)."""
        user = self._user(user_id, first_name)
        cid = user_id if chat_id is None else chat_id
        if message_id is None:
            message_id = self._find_bot_message(cid, data)
        msg = self._messages.get((cid, message_id))
        if msg is None:
            msg = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat(cid),
                "date": int(time.time()),
                "text": "…",
                "reply_markup": {"inline_keyboard": [[{"text": data, "callback_data": data}]]},
            }
            self._messages[(cid, message_id)] = msg
            self._message_ids[cid] = max(self._message_ids.get(cid, 0), message_id)
        self._callback_ids += 1
        query = {
            "id": str(9_000_000_000 + self._callback_ids),
            "from": user,
            "message": msg,
            "chat_instance": str(abs(cid) * 7 + 1),
            "data": data,
        }
        return self._new_update({"callback_query": query})

    def queue(self, update: dict[str, Any]) -> None:
        """Queue an update dict for getUpdates — also one already delivered (Telegram re-delivering it)."""
        self._pending.append(_Pending(update))
        self._notify()

    def _new_file(self) -> _File:
        self._file_ids += 1
        n = self._file_ids
        return _File(file_id=f"BQACAgUAAxkBAAI{n:06d}", file_unique_id=f"AgAD{n:06d}")

    # --- HTTP -----------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        known = self._methods.get(name.lower())
        params, files = await self._read_params(request)
        call = Call(known[0] if known else name, params, files=files)
        self.calls.append(call)
        try:
            if token != self.token:
                raise _ApiError(401, "Unauthorized")
            if known is None:
                raise _ApiError(404, "Not Found: method not found")
            if self.stall_after is not None and call.method.startswith("send"):
                if (
                    len([c for c in self.calls if c.ok and c.method.startswith("send") and c.result])
                    >= self.stall_after
                ):
                    self.calls.remove(call)
                    self.stalled += 1
                    self._notify()
                    await asyncio.Event().wait()  # until the client gives up or the server stops
            self._check_flood(call)
            result = known[1](call, request)
            if asyncio.iscoroutine(result):
                try:
                    result = await result
                except asyncio.CancelledError:  # the client went away (e.g. PTB stopping a long poll)
                    call.description = "cancelled: the client closed the connection"
                    raise
        except _ApiError as err:
            call.ok, call.error_code, call.description = False, err.code, err.description
            body: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            self._notify()
            return web.json_response(body, status=err.code)
        call.result = result
        self._notify()
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        raw[key] = value
        params = {key: _decode(key, value) for key, value in raw.items()}
        for key, upload in files.items():
            params[f"{key}_bytes"] = upload.size
            params[f"{key}_name"] = upload.name
            params[f"{key}_mime"] = upload.mime_type
        return params, files

    def _check_flood(self, call: Call) -> None:
        if not call.method.startswith("send"):
            return
        now = time.monotonic()
        retry_after = 0
        if self.rate_per_second is not None:
            retry_after = _wait(self._send_times, now, 1.0, self.rate_per_second)
        chat_id = call.params.get("chat_id")
        group_window: deque[float] | None = None
        if self.group_rate_per_minute is not None and isinstance(chat_id, int) and chat_id < 0:
            group_window = self._group_send_times.setdefault(chat_id, deque())
            retry_after = max(retry_after, _wait(group_window, now, 60.0, self.group_rate_per_minute))
        if retry_after:
            self.too_many += 1
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        if self.rate_per_second is not None:
            self._send_times.append(now)
        if group_window is not None:
            group_window.append(now)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- methods --------------------------------------------------------------------------------------

    def _true(self, call: Call, request: web.Request) -> bool:
        return True

    def _get_me(self, call: Call, request: web.Request) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: Call, request: web.Request) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        p = call.params
        offset = p.get("offset")
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        if isinstance(offset, int | float) and not isinstance(offset, bool):
            offset = int(offset)
            if offset < 0:
                self._pending = self._pending[offset:]
            else:
                self._confirmed = max(self._confirmed, offset)
        self._pending = [
            q for q in self._pending if not (q.delivered and q.update["update_id"] < self._confirmed)
        ]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll still waiting ends with 409, like Telegram
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            batch = self._pending[:limit]
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                break
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
        if request.transport is not None and not request.transport.is_closing():
            for q in batch:
                q.delivered = True
        return [q.update for q in batch]

    def _delete_webhook(self, call: Call, request: web.Request) -> bool:
        self.webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _set_webhook(self, call: Call, request: web.Request) -> bool:
        self.webhook_url = str(call.params.get("url") or "")
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _send_message(self, call: Call, request: web.Request) -> dict[str, Any]:
        chat = self._target_chat(call)
        text = call.params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("message text is empty")
        if len(text) > _MAX_TEXT:
            raise _bad("message is too long")
        return self._bot_message(chat, call, text=text)

    def _send_photo(self, call: Call, request: web.Request) -> dict[str, Any]:
        chat = self._target_chat(call)
        content = self._caption(call)
        upload = self._upload(call, "photo")
        return self._bot_message(
            chat, call, photo=[self._photo_size(self._new_file(), upload.data)], **content
        )

    def _send_document(self, call: Call, request: web.Request) -> dict[str, Any]:
        chat = self._target_chat(call)
        content = self._caption(call)
        upload = self._upload(call, "document")
        return self._bot_message(chat, call, document=self._document(self._new_file(), upload), **content)

    # --- helpers --------------------------------------------------------------------------------------

    def _new_update(self, body: dict[str, Any]) -> dict[str, Any]:
        self._update_ids += 1
        update = {"update_id": self._update_ids, **body}
        self.queue(update)
        return update

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}
        self._users[user_id] = user
        return user

    def _user_chat(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> dict[str, Any]:
        if chat_type == "private":
            chat = {
                "id": user["id"] if chat_id is None else chat_id,
                "type": "private",
                "first_name": user["first_name"],
            }
        elif chat_type in ("group", "supergroup"):
            if chat_id is None:
                chat_id = GROUP_CHAT_ID if chat_type == "group" else SUPERGROUP_CHAT_ID
            if chat_id >= 0:
                raise ValueError("group chat ids are negative")
            chat = {
                "id": chat_id,
                "type": chat_type,
                "title": self._chats.get(chat_id, {}).get("title", "测试群"),
            }
        else:
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        self._chats[chat["id"]] = chat
        return chat

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
            raise _bad("chat not found")
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id > 0:
            name = self._users.get(chat_id, {}).get("first_name", "用户")
            return {"id": chat_id, "type": "private", "first_name": name}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": "测试群"}

    def _target_chat(self, call: Call) -> dict[str, Any]:
        chat_id = call.params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        chat = self._chat(chat_id)
        if chat["id"] in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _next_message_id(self, chat_id: int, given: int | None = None) -> int:
        mid = self._message_ids.get(chat_id, 0) + 1 if given is None else given
        self._message_ids[chat_id] = max(self._message_ids.get(chat_id, 0), mid)
        return mid

    def _find_bot_message(self, chat_id: int, data: str) -> int:
        bot_id = self.bot_user["id"]
        mine = [
            m
            for (cid, _), m in self._messages.items()
            if cid == chat_id and m.get("from", {}).get("id") == bot_id
        ]
        for m in reversed(mine):
            for row in m.get("reply_markup", {}).get("inline_keyboard", []):
                if any(b.get("callback_data") == data for b in row):
                    return int(m["message_id"])
        return int(mine[-1]["message_id"]) if mine else 1

    @staticmethod
    def _command_entities(text: str) -> list[dict[str, Any]]:
        # Telegram only marks /commands made of Latin letters, digits and _ ("/登记" is plain text).
        m = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?(?![A-Za-z0-9_])", text)
        return [{"type": "bot_command", "offset": 0, "length": _utf16_len(m.group())}] if m else []

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad("can't parse inline keyboard button: Text must be non-empty")
                if len(button) < 2:
                    raise _bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= _MAX_CALLBACK_DATA:
                    raise _bad("BUTTON_DATA_INVALID")
        return markup

    def _caption(self, call: Call) -> dict[str, Any]:
        caption = call.params.get("caption")
        if caption is None:
            return {}
        if len(str(caption)) > _MAX_CAPTION:
            raise _bad("message caption is too long")
        return {"caption": str(caption)}

    @staticmethod
    def _upload(call: Call, key: str) -> Upload:
        # The bot always uploads its pictures and documents (never sends a file id or a URL).
        upload = call.files.get(key)
        if upload is None:
            raise _bad(f"there is no {key} in the request")
        return upload

    @staticmethod
    def _photo_size(stored: _File, data: bytes) -> dict[str, Any]:
        width, height = _image_size(data)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
            "width": width,
            "height": height,
        }

    @staticmethod
    def _document(stored: _File, upload: Upload) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": upload.name,
            "file_size": upload.size,
        }
        if upload.mime_type:
            doc["mime_type"] = upload.mime_type
        return doc

    def _bot_message(self, chat: dict[str, Any], call: Call, **content: Any) -> dict[str, Any]:
        markup = self._check_markup(call.params.get("reply_markup"))
        mid = self._next_message_id(chat["id"])
        msg: dict[str, Any] = {
            "message_id": mid,
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if markup is not None and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        self._messages[(chat["id"], mid)] = msg
        return msg


def _wait(window: deque[float], now: float, span: float, limit: int) -> int:
    """Seconds to wait before one more send fits `limit` sends in any `span` seconds (0: it fits now); sends
    older than the span leave the window."""
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) + 1 > limit:
        return max(1, math.ceil(window[0] + span - now))
    return 0
