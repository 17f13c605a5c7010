"""WeCom (企业微信): encrypted callbacks in, neutral replies out through the app message API and the group robot.
The only code that imports wechatpy."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.events import ClickEvent
from wechatpy.enterprise.messages import ImageMessage, LocationMessage, TextMessage
from wechatpy.exceptions import InvalidSignatureException

from core.messages import Incoming, Reply, Response, Undeliverable, split_text, utf8_size
from core.texts import render
from handlers.router import Router

logger = logging.getLogger(__name__)

CHANNEL = "wecom"
# The task force's group is reached through its group robot (a webhook), not through a chat id.
ROBOT = "robot"
# WeCom's limits: an app text message holds 2,048 bytes, a robot markdown message 4,096; a robot posts 20
# messages a minute.
TEXT_BYTES = 2048
MARKDOWN_BYTES = 4096
ROBOT_PER_MINUTE = 20
# Access tokens live 7,200 s; one is fetched again a little before it expires, or when WeCom says it is stale.
TOKEN_MARGIN_SECONDS = 300
STALE_TOKEN_CODES = frozenset({40014, 41001, 42001})
# Codes that will not change by trying again: no such user, user not in the app's visible range, etc.
REFUSED_CODES = frozenset({60111, 81013, 82001, 40031})


class BadCallback(Exception):
    """A callback that does not come from WeCom (wrong signature) or cannot be read."""


class WeComError(Exception):
    """WeCom answered a call with an error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def split_bytes(text: str, limit: int) -> list[str]:
    """Cut a long text at line ends so each part holds at most `limit` bytes of UTF-8."""
    return split_text(text, limit, utf8_size)


def to_incoming(message: Any) -> Incoming | None:
    """The neutral message a decrypted callback stands for; None for what the bot does not answer."""
    user = str(message.source)
    if isinstance(message, ClickEvent):
        # A menu item's key is the keyword of a command (我的案件, 到期, 进度 …): it works as if typed.
        key = str(message.key or "")
        return Incoming(CHANNEL, user, user, f"click:{message.create_time}:{key}", text=key)
    message_id = str(getattr(message, "id", "") or f"{message.type}:{message.create_time}")
    if isinstance(message, TextMessage):
        return Incoming(CHANNEL, user, user, message_id, text=str(message.content or ""))
    if isinstance(message, ImageMessage):
        return Incoming(CHANNEL, user, user, message_id, photo=f"wecom:{message.media_id}")
    if isinstance(message, LocationMessage):
        latitude, longitude = message.location
        return Incoming(CHANNEL, user, user, message_id, location=(float(latitude), float(longitude)))
    return None


class WeComApi:
    """The app message API at WECOM_API_BASE_URL; the access token is fetched there too, kept and renewed."""

    def __init__(
        self,
        base_url: str,
        corp_id: str,
        secret: str,
        agent_id: str,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        self.client = client
        self._clock = clock
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()

    async def token(self, renew: bool = False) -> str:
        """A valid access token, fetched once for every caller that needs it at the same moment."""
        async with self._token_lock:
            if not renew and self._token is not None and self._token[1] > self._clock():
                return self._token[0]
            answer = await self._json(
                self.client.get(
                    f"{self.base_url}/cgi-bin/gettoken",
                    params={"corpid": self.corp_id, "corpsecret": self.secret},
                )
            )
            lifetime = float(answer.get("expires_in", 7200))
            self._token = (str(answer["access_token"]), self._clock() + lifetime - TOKEN_MARGIN_SECONDS)
            return self._token[0]

    async def _json(self, request: Any) -> dict[str, Any]:
        response = await request
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        code = int(answer.get("errcode", 0))
        if code:
            raise WeComError(code, str(answer.get("errmsg", "")))
        return answer

    async def call(self, path: str, params: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
        """POST to the API with the access token; a stale token is renewed and the call made once more."""
        url = f"{self.base_url}{path}"
        token = await self.token()
        try:
            return await self._json(
                self.client.post(url, params={"access_token": token, **(params or {})}, **kwargs)
            )
        except WeComError as error:
            if error.code not in STALE_TOKEN_CODES:
                raise
        token = await self.token(renew=True)
        return await self._json(
            self.client.post(url, params={"access_token": token, **(params or {})}, **kwargs)
        )

    async def send_text(self, user: str, text: str) -> None:
        """One text message to one member."""
        await self.call(
            "/cgi-bin/message/send",
            json={"touser": user, "msgtype": "text", "agentid": self.agent_id, "text": {"content": text}},
        )

    async def send_media(self, user: str, kind: str, data: bytes, filename: str) -> None:
        """An image or a file to one member: uploaded as temporary media, then sent."""
        uploaded = await self.call(
            "/cgi-bin/media/upload", params={"type": kind}, files={"media": (filename, data)}
        )
        await self.call(
            "/cgi-bin/message/send",
            json={
                "touser": user,
                "msgtype": kind,
                "agentid": self.agent_id,
                kind: {"media_id": uploaded["media_id"]},
            },
        )


class GroupRobot:
    """The task-force group's robot (群机器人): markdown, pictures and @-mentions, 20 messages a minute."""

    def __init__(
        self, webhook_url: str, client: httpx.AsyncClient, limit: int = ROBOT_PER_MINUTE, period: float = 60.0
    ) -> None:
        self.webhook_url = webhook_url
        self.client = client
        # One at a time, a little under the limit, so that no `period` ever holds more than `limit`.
        self.limiter = AsyncLimiter(1, period / (limit * 0.95))

    async def _post(self, body: dict[str, Any]) -> None:
        async with self.limiter:
            response = await self.client.post(self.webhook_url, json=body)
        response.raise_for_status()
        answer = response.json()
        if int(answer.get("errcode", 0)):
            raise WeComError(int(answer["errcode"]), str(answer.get("errmsg", "")))

    async def markdown(self, text: str) -> None:
        """Post text as markdown, in parts that fit."""
        for part in split_bytes(text, MARKDOWN_BYTES):
            await self._post({"msgtype": "markdown", "markdown": {"content": part}})

    async def image(self, data: bytes) -> None:
        """Post a picture (PNG or JPG, at most 2 MB)."""
        await self._post(
            {
                "msgtype": "image",
                "image": {"base64": base64.b64encode(data).decode(), "md5": hashlib.md5(data).hexdigest()},
            }
        )

    async def mention(self, text: str, mobiles: tuple[str, ...]) -> None:
        """A text that @-mentions members by their mobile numbers."""
        await self._post(
            {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": list(mobiles)}}
        )


class WeComChannel:
    """Serves the router on WeCom: the web server hands it callbacks; replies go out through the API."""

    def __init__(
        self,
        router: Router,
        corp_id: str,
        agent_id: str,
        secret: str,
        token: str,
        aes_key: str,
        api_base_url: str = "https://qyapi.weixin.qq.com",
        group_webhook_url: str | None = None,
        *,
        language: str = "zh",
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.router = router
        self.language = language
        self.name = CHANNEL
        self.group_chat = ROBOT if group_webhook_url else None
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.client = client or httpx.AsyncClient(timeout=10.0)
        self.api = WeComApi(api_base_url, corp_id, secret, agent_id, self.client)
        self.robot = GroupRobot(group_webhook_url, self.client) if group_webhook_url else None
        self._work: set[asyncio.Task[None]] = set()

    # -- callbacks ------------------------------------------------------------------------------------

    def verify(self, signature: str, timestamp: str, nonce: str, echo: str) -> str:
        """Answer WeCom's URL check: the decrypted echo string, if the signature is WeCom's."""
        try:
            return str(self.crypto.check_signature(signature, timestamp, nonce, echo))
        except (InvalidSignatureException, ValueError, KeyError) as error:
            raise BadCallback(str(error)) from error

    def read(self, body: bytes, signature: str, timestamp: str, nonce: str) -> Incoming | None:
        """The message in an encrypted callback, checked against its signature."""
        try:
            xml = self.crypto.decrypt_message(body, signature, timestamp, nonce)
        except InvalidSignatureException as error:
            raise BadCallback("wrong signature") from error
        except Exception as error:  # malformed XML or cipher text: not something WeCom sent
            raise BadCallback(f"unreadable callback: {error}") from error
        return to_incoming(parse_message(xml))

    def accept(self, incoming: Incoming) -> None:
        """Take a message and answer it in the background: WeCom wants its callback answered within 5 s."""
        task = asyncio.create_task(self.handle(incoming))
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def handle(self, incoming: Incoming) -> None:
        """Answer one message through the API (a number answers the choices offered just before)."""
        try:
            response = await asyncio.to_thread(self._answer, incoming)
            await self.deliver(incoming.chat_id, response)
        except Exception:
            logger.exception("WeCom message %s failed", incoming.key)
            try:
                await self.api.send_text(incoming.chat_id, render("error.unexpected", self.language))
            except Exception:
                logger.warning("could not apologise to %s on WeCom", incoming.chat_id)

    def _answer(self, incoming: Incoming) -> Response:
        text = incoming.text.strip()
        if text.isdigit() and incoming.choice is None:
            choice = self.router.store.offered_choice(CHANNEL, incoming.chat_id, int(text))
            if choice is not None:
                incoming = Incoming(
                    CHANNEL, incoming.chat_id, incoming.sender_id, incoming.message_id, choice=choice
                )
        return self.router.handle(incoming)

    async def close(self) -> None:
        """Finish answering the messages in hand, then close the HTTP client (at shutdown)."""
        if self._work:
            await asyncio.gather(*self._work, return_exceptions=True)
        await self.client.aclose()

    # -- replies --------------------------------------------------------------------------------------

    async def deliver(self, user: str, response: Response) -> None:
        """Send the replies to the member, and each push to every WeCom identity of its person."""
        for reply in response.replies:
            await self.send(user, reply)
        for push in response.pushes:
            for external_id in await asyncio.to_thread(self.router.store.identities, push.person_id, CHANNEL):
                try:
                    await self.send(external_id, push.reply)
                except Exception:
                    logger.warning("could not reach person %s on WeCom", push.person_id)

    async def send(self, user: str, reply: Reply) -> None:
        """One neutral reply to one member: text with numbered choices, a picture or a file."""
        text = reply.text
        options = [button for row in reply.buttons for button in row]
        if options:
            lines = [render("choices.prompt", self.language)]
            lines.extend(f"[{number}] {button.label}" for number, button in enumerate(options, start=1))
            text = "\n".join([text, *lines]) if text else "\n".join(lines)
            await asyncio.to_thread(
                self.router.store.offer_choices, CHANNEL, user, [button.data for button in options]
            )
        if text:
            for part in split_bytes(text, TEXT_BYTES):
                await self.api.send_text(user, part)
        if reply.picture is not None:
            await self.api.send_media(user, "image", reply.picture, reply.filename or "chart.png")
        if reply.document is not None:
            await self.api.send_media(user, "file", reply.document, reply.filename or "notice.docx")

    async def post(self, chat_id: str, reply: Reply) -> None:
        """Send one scheduled reply: to the group through its robot, or to one member."""
        try:
            if chat_id == ROBOT:
                await self._to_group(reply)
            else:
                await self.send(chat_id, reply)
        except WeComError as error:
            if error.code in REFUSED_CODES:
                raise Undeliverable(str(error)) from error
            raise

    async def _to_group(self, reply: Reply) -> None:
        # Each post counts against the robot's 20 a minute: a picture goes without its caption (the chart
        # carries its own title), a mention as the one text that can @ people.
        assert self.robot is not None
        if reply.picture is not None:
            await self.robot.image(reply.picture)
        elif reply.mentions:
            await self.robot.mention(reply.text, reply.mentions)
        elif reply.text:
            await self.robot.markdown(reply.text)
