"""A fake WeCom server for tests: the app message API and a group robot webhook on 127.0.0.1.

What it mimics of WeCom (so that the bot's bugs show up here):

* ``/cgi-bin/gettoken`` gives an access token for the right corp id and secret (40001 otherwise), as long and
  unguessable as WeCom's (``issued`` lists them, for a search of the logs); tokens can be made stale with
  ``expire_tokens()``, after which calls with them answer 42001.
* ``/cgi-bin/message/send`` takes text, image and file messages to members; a text over 2,048 bytes is refused
  (44004 is empty content, 45002 too long); members in ``unknown_users`` answer 60111.
* ``/cgi-bin/media/upload`` keeps an uploaded image or file and answers its media id.
* ``/cgi-bin/webhook/send?key=…`` is the group robot: markdown (at most 4,096 bytes), image (base64 and the
  md5 of the bytes) and text with ``mentioned_mobile_list``; more than ``robot_limit`` messages in any
  ``robot_period`` seconds (20 a minute, as WeCom) answer 45009 "api freq out of limit".
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CORP_ID = "wx5823bf96d3bd56c7"  # the sample corp id, token and AES key of WeCom's developer documentation
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SECRET = "test-secret"
AGENT_ID = "1000002"
ROBOT_KEY = "robot-key"


@dataclass
class Sent:
    """One message the bot sent to a member through the app."""

    user: str
    msgtype: str
    content: str = ""
    media: bytes = field(default=b"", repr=False)
    filename: str = ""


class FakeWeCom:
    """The WeCom API and one group robot, recording what the bot sends."""

    def __init__(self, robot_limit: int = 20, robot_period: float = 60.0) -> None:
        self.robot_limit = robot_limit
        self.robot_period = robot_period
        self.sent: list[Sent] = []
        self.text_counts: Counter[str] = Counter()  # texts received, per member
        self.robot: list[dict[str, Any]] = []
        self.robot_refused = 0
        self.token_fetches = 0
        self.issued: list[str] = []  # every access token handed out
        self.unknown_users: set[str] = set()
        self.base_url = ""
        self.robot_url = ""
        self._tokens: set[str] = set()
        self._media: dict[str, tuple[bytes, str]] = {}
        self._robot_times: deque[float] = deque()
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()

    async def __aenter__(self) -> FakeWeCom:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_post("/cgi-bin/webhook/send", self._robot)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self.robot_url = f"{self.base_url}/cgi-bin/webhook/send?key={ROBOT_KEY}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def settings(self, robot: bool = True) -> dict[str, str]:
        """The bot's WeCom settings for this server (as `load_settings` keywords), with its group robot or
        without."""
        settings = {
            "wecom_corp_id": CORP_ID,
            "wecom_agent_id": AGENT_ID,
            "wecom_secret": SECRET,
            "wecom_token": TOKEN,
            "wecom_aes_key": AES_KEY,
            "wecom_api_base_url": self.base_url,
        }
        if robot:
            settings["wecom_group_webhook_url"] = self.robot_url
        return settings

    def environment(self, robot: bool = True) -> dict[str, str]:
        """The same settings as a process's environment variables."""
        return {name.upper(): value for name, value in self.settings(robot).items()}

    # -- what the bot did -----------------------------------------------------------------------------

    def texts(self, user: str) -> list[str]:
        """The texts a member received, in order."""
        return [s.content for s in self.sent if s.user == user and s.msgtype == "text"]

    def expire_tokens(self) -> None:
        """Every token given so far goes stale (as after 7,200 s)."""
        self._tokens.clear()

    async def wait_for(self, condition: Any, timeout: float = 10.0) -> Any:
        """Wait until `condition()` is truthy (re-checked after every call); return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; sent so far: {self.sent[-5:]}")
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), 0.05)
            except TimeoutError:
                pass

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- the API --------------------------------------------------------------------------------------

    @staticmethod
    def _answer(code: int = 0, message: str = "ok", **extra: Any) -> web.Response:
        return web.json_response({"errcode": code, "errmsg": message, **extra})

    async def _gettoken(self, request: web.Request) -> web.Response:
        if request.query.get("corpid") != CORP_ID or request.query.get("corpsecret") != SECRET:
            return self._answer(40001, "invalid credential")
        self.token_fetches += 1
        token = f"TOKEN-{self.token_fetches}-{secrets.token_urlsafe(32)}"
        self.issued.append(token)
        self._tokens.add(token)
        return self._answer(access_token=token, expires_in=7200)

    def _stale(self, request: web.Request) -> web.Response | None:
        if request.query.get("access_token") not in self._tokens:
            return self._answer(42001, "access_token expired")
        return None

    async def _send(self, request: web.Request) -> web.Response:
        stale = self._stale(request)
        if stale is not None:
            return stale
        body = await request.json()
        user, kind = str(body.get("touser", "")), str(body.get("msgtype", ""))
        if str(body.get("agentid")) != AGENT_ID:
            return self._answer(40056, "invalid agentid")
        if user in self.unknown_users:
            return self._answer(60111, "userid not found")
        if kind == "text":
            content = str(body.get("text", {}).get("content", ""))
            if not content:
                return self._answer(44004, "empty content")
            if len(content.encode()) > 2048:
                return self._answer(45002, "content size out of limit")
            self.sent.append(Sent(user, kind, content))
            self.text_counts[user] += 1
        elif kind in ("image", "file"):
            media_id = str(body.get(kind, {}).get("media_id", ""))
            if media_id not in self._media:
                return self._answer(40007, "invalid media_id")
            data, filename = self._media[media_id]
            self.sent.append(Sent(user, kind, media=data, filename=filename))
        else:
            return self._answer(40008, "invalid message type")
        self._notify()
        return self._answer(msgid=f"MSG{len(self.sent)}")

    async def _upload(self, request: web.Request) -> web.Response:
        stale = self._stale(request)
        if stale is not None:
            return stale
        if request.query.get("type") not in ("image", "voice", "video", "file"):
            return self._answer(40004, "invalid media type")
        form = await request.post()
        media = form.get("media")
        if not isinstance(media, web.FileField):
            return self._answer(41005, "media data missing")
        media_id = f"MEDIA{len(self._media) + 1}"
        self._media[media_id] = (media.file.read(), media.filename)
        return self._answer(type=request.query.get("type", ""), media_id=media_id)

    async def _robot(self, request: web.Request) -> web.Response:
        if request.query.get("key") != ROBOT_KEY:
            return self._answer(93000, "invalid webhook url")
        now = time.monotonic()
        while self._robot_times and self._robot_times[0] <= now - self.robot_period:
            self._robot_times.popleft()
        if len(self._robot_times) >= self.robot_limit:
            self.robot_refused += 1
            return self._answer(45009, "api freq out of limit")
        body = await request.json()
        kind = body.get("msgtype")
        if kind == "markdown" and len(str(body["markdown"]["content"]).encode()) > 4096:
            return self._answer(40058, "markdown.content exceed max length 4096")
        if kind == "image":
            data = base64.b64decode(body["image"]["base64"])
            if hashlib.md5(data).hexdigest() != body["image"]["md5"]:
                return self._answer(301019, "media md5 not match")
        self._robot_times.append(now)
        self.robot.append(body)
        self._notify()
        return self._answer()
