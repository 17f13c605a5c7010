"""WeCom (企业微信): encrypted callbacks in, neutral replies out through the app message API and the group robot.
The only code that imports wechatpy."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import httpx
from aiolimiter import AsyncLimiter
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.events import ClickEvent
from wechatpy.enterprise.messages import ImageMessage, LocationMessage, TextMessage
from wechatpy.exceptions import InvalidSignatureException

from bot.channels.base import Answers, Chats, RemoteChannel
from core.messages import Incoming, Reply, Response, Undeliverable, split_text, utf8_size
from store.inbox import KeptMessage

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
# Codes that may: system busy, too many calls at once or in a while.
BUSY_CODES = frozenset({-1, 45009, 45033})
# A callback dated further than this from the server's clock is refused, so that one captured on the way cannot
# be posted again later (WeCom's own retries of a callback come within seconds).
CALLBACK_SKEW_SECONDS = 300
# An answer that does not get through (connection cut, WeCom busy) is sent again after these pauses.
DELIVERY_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
# How often a worker renews its claims on the messages in hand and takes over those nobody handles
# (a few times within the store's INBOX_LEASE).
SWEEP_SECONDS = 15.0
# How often handled messages too old to be sent again are dropped from the inbox, besides at start.
FORGET_SECONDS = 3600.0


class BadCallback(Exception):
    """A callback that does not come from WeCom (wrong signature) or cannot be read."""


class WeComError(Exception):
    """WeCom answered a call with an error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@functools.cache
def worker_name() -> str:
    """This process as a worker of the inbox: its host, PID namespace and PID (so that a process of the same
    machine can tell at once that it died) and a token of its own (a restarted process may get the same PID)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return "/".join((socket.gethostname()[:60], namespace, str(os.getpid()), secrets.token_hex(4)))


def worker_gone(worker: str, me: str) -> bool:
    """Whether a worker is known to be dead: one of this host and PID namespace whose process is gone, or that
    had this process's PID before it. Of a worker elsewhere nothing is known; its claims lapse instead."""
    parts, mine = worker.rsplit("/", 3), me.rsplit("/", 3)
    if len(parts) != 4 or len(mine) != 4:
        return False
    host, namespace, pid, token = parts
    my_host, my_namespace, my_pid, my_token = mine
    if (host, namespace) != (my_host, my_namespace) or not pid.isdigit():
        return False
    if pid == my_pid:
        return token != my_token
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # a process of another user holds the PID: not known to be dead
    return False


def passing(error: Exception) -> bool:
    """Whether a failed call to WeCom may get through if tried again (the connection, a server error, busy)."""
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code >= 500 or error.response.status_code == 429
    return isinstance(error, WeComError) and error.code in BUSY_CODES


def described(error: Exception) -> str:
    """A failed call, for the log: its kind and WeCom's code, never its URL (which holds the access token)."""
    if isinstance(error, WeComError):
        return f"WeCom error {error.code}"
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    return type(error).__name__


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


class Inbox(Protocol):
    """The store's inbox of WeCom messages: each kept before it is answered, and answered once."""

    def inbox_transaction(self, operations: list[Callable[[], Any]]) -> list[Any]:
        """Run store operations in one transaction; their results."""
        ...

    def keep_message(self, incoming: Incoming, choice: str | None, worker: str) -> KeptMessage | None:
        """Keep a message for `worker` to answer; None if it was kept before."""
        ...

    def waiting_claimants(self) -> list[str]:
        """The workers holding kept messages not yet handled."""
        ...

    def claim_waiting(self, worker: str, dead: list[str]) -> list[KeptMessage]:
        """Take over the kept messages of dead workers, and those whose claim lapsed."""
        ...

    def renew_claims(self, worker: str, ids: list[int]) -> None:
        """Renew a worker's claims on the messages in its hands."""
        ...

    def keep_answer(self, kept_id: int, response: Response) -> None:
        """Keep the answer to a kept message before it is sent."""
        ...

    def finish_message(self, kept_id: int, outcome: str) -> None:
        """Mark a kept message handled."""
        ...

    def forget_handled_messages(self) -> int:
        """Drop handled messages too old to be sent again."""
        ...


class WeComStore(Chats, Inbox, Protocol):
    """What the WeCom channel needs of the store: the chat operations and the inbox."""


class InboxWrites:
    """The inbox's writes, made together: those asked for while one transaction runs all go into the next, so
    that a burst of callbacks waits for one commit (and, on SQLite, for the write lock once), not one each."""

    def __init__(self, store: Inbox) -> None:
        self.store = store
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="wecom-inbox")
        self._lock = threading.Lock()
        self._waiting: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._writing = False

    async def write(self, operation: Callable[[], Any]) -> Any:
        """Run a store operation in the next transaction; its result, once committed."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        with self._lock:
            self._waiting.append((operation, done))
            start = not self._writing
            self._writing = True
        if start:
            loop.run_in_executor(self._writer, self._drain, loop)
        return await done

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._writing = False
                    return
            try:
                outcomes = self._together([operation for operation, _ in batch])
            except Exception:
                # One bad write must not fail the others: each is made again on its own.
                outcomes = [self._alone(operation) for operation, _ in batch]
            loop.call_soon_threadsafe(_settle, [done for _, done in batch], outcomes)

    def _together(self, operations: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
        return [(True, result) for result in self.store.inbox_transaction(operations)]

    def _alone(self, operation: Callable[[], Any]) -> tuple[bool, Any]:
        try:
            return self._together([operation])[0]
        except Exception as error:
            return (False, error)

    def close(self) -> None:
        """Stop the writer thread (at shutdown, once nothing more is written)."""
        self._writer.shutdown(wait=False)


def _seconds(timestamp: str) -> int:
    try:
        return int(timestamp)
    except ValueError:
        raise BadCallback("unreadable timestamp") from None


def _settle(waiting: list[asyncio.Future[Any]], outcomes: list[tuple[bool, Any]]) -> None:
    for done, (succeeded, value) in zip(waiting, outcomes, strict=True):
        if done.done():
            continue  # the caller gave up waiting (its request was cancelled)
        if succeeded:
            done.set_result(value)
        else:
            done.set_exception(value)


class WeComChannel(RemoteChannel):
    """Serves the router on WeCom: the web server hands it callbacks, which it keeps in the inbox before they
    are answered; a worker answers each kept message once, through the API."""

    name = CHANNEL
    text_limit = TEXT_BYTES
    text_size = staticmethod(utf8_size)
    described = staticmethod(described)

    def __init__(
        self,
        router: Answers,
        store: WeComStore,
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
        clock: Callable[[], float] = time.time,
        retry_delays: tuple[float, ...] = DELIVERY_RETRY_DELAYS,
        worker: str | None = None,
    ) -> None:
        super().__init__(router, store, language, ROBOT if group_webhook_url else None)
        self.store = store
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.client = client or httpx.AsyncClient(timeout=10.0)
        self.api = WeComApi(api_base_url, corp_id, secret, agent_id, self.client)
        self.robot = GroupRobot(group_webhook_url, self.client) if group_webhook_url else None
        self.worker = worker or worker_name()
        self._clock = clock
        self._retry_delays = retry_delays
        self._work: set[asyncio.Task[None]] = set()
        self._in_hand: set[int] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._inbox = InboxWrites(store)

    # -- callbacks ------------------------------------------------------------------------------------

    def verify(self, signature: str, timestamp: str, nonce: str, echo: str) -> str:
        """Answer WeCom's URL check: the decrypted echo string, if the signature is WeCom's and recent."""
        try:
            echoed = str(self.crypto.check_signature(signature, timestamp, nonce, echo))
        except (InvalidSignatureException, ValueError, KeyError) as error:
            raise BadCallback(str(error)) from error
        self._check_time("timestamp", _seconds(timestamp))
        return echoed

    def read(self, body: bytes, signature: str, timestamp: str, nonce: str) -> Incoming | None:
        """The message in an encrypted callback, checked against its signature and its dates."""
        try:
            xml = self.crypto.decrypt_message(body, signature, timestamp, nonce)
        except InvalidSignatureException as error:
            raise BadCallback("wrong signature") from error
        except Exception as error:  # malformed XML or cipher text: not something WeCom sent
            raise BadCallback(f"unreadable callback: {error}") from error
        self._check_time("timestamp", _seconds(timestamp))
        message = parse_message(xml)
        created = getattr(message, "create_time", None)
        if created is None:
            raise BadCallback("no CreateTime")
        self._check_time("CreateTime", int(created.timestamp()))
        return to_incoming(message)

    def _check_time(self, what: str, seconds: int) -> None:
        # The signature covers the query's timestamp and the cipher text covers CreateTime: a replay keeps both.
        skew = seconds - self._clock()
        if abs(skew) > CALLBACK_SKEW_SECONDS:
            raise BadCallback(f"{what} {seconds} is {skew:+.0f} s off the server's clock")

    async def accept(self, incoming: Incoming) -> bool:
        """Keep a message in the inbox, then answer it in the background: WeCom wants its callback answered
        within 5 s and does not send it again once answered. False for a message kept before (sent again)."""
        kept: KeptMessage | None = await self._inbox.write(functools.partial(self._keep, incoming))
        if kept is None:
            return False
        self._in_hand.add(kept.id)
        self._spawn(self.handle(kept))
        return True

    def _keep(self, incoming: Incoming) -> KeptMessage | None:
        store = self.store
        # A number answers the choices offered in the chat now, when it comes, and is kept with what it
        # answered: handled later, or again, it means what it meant.
        text = incoming.text.strip()
        choice = None
        if text.isdecimal() and len(text) <= 4 and incoming.choice is None:
            choice = store.offered_choice(CHANNEL, incoming.chat_id, int(text))
        return store.keep_message(incoming, choice, self.worker)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def serve(self, stop: asyncio.Event) -> None:
        """Answer the callbacks the web server hands over, and take over what others left, until `stop` is
        set (`close` then finishes the messages in hand, once the web server has stopped)."""
        await self.start()
        await stop.wait()

    async def start(self) -> None:
        """Answer what was kept but not handled (by a process that died), then go on taking over such messages
        while serving; handled messages too old to be sent again are forgotten."""
        try:
            await self.blocking(self.store.forget_handled_messages)
            await self.sweep()
        except Exception as error:
            logger.warning("the WeCom inbox could not be read at start (%s); trying again", described(error))
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        forgotten = time.monotonic()
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
                if time.monotonic() - forgotten > FORGET_SECONDS:
                    forgotten = time.monotonic()
                    await self.blocking(self.store.forget_handled_messages)
            except Exception as error:
                logger.warning("the WeCom inbox could not be swept (%s)", described(error))

    async def sweep(self) -> int:
        """Renew the claims on the messages in hand, and take over the kept messages nobody handles (kept by a
        worker known to be dead, or whose claim lapsed); returns how many were taken."""
        store = self.store
        await self._inbox.write(functools.partial(store.renew_claims, self.worker, sorted(self._in_hand)))
        claimants = await self.blocking(store.waiting_claimants)
        dead = [w for w in claimants if w != self.worker and worker_gone(w, self.worker)]
        claimed = await self._inbox.write(functools.partial(store.claim_waiting, self.worker, dead))
        taken = [kept for kept in claimed if kept.id not in self._in_hand]
        # One member's messages in the order they came (a report, then its undo); members side by side.
        by_chat: dict[str, list[KeptMessage]] = {}
        for kept in taken:
            self._in_hand.add(kept.id)
            by_chat.setdefault(kept.incoming.chat_id, []).append(kept)
        for messages in by_chat.values():
            self._spawn(self._handle_in_order(messages))
        if taken:
            logger.info("took over %d kept WeCom messages", len(taken))
        return len(taken)

    async def _handle_in_order(self, messages: list[KeptMessage]) -> None:
        for kept in messages:
            await self.handle(kept)

    async def handle(self, kept: KeptMessage) -> None:
        """Answer one kept message once, with what happened, then mark it handled."""
        try:
            outcome = await self._answer(kept)
            for pause in (*self._retry_delays, None):
                try:
                    await self._inbox.write(functools.partial(self.store.finish_message, kept.id, outcome))
                    break
                except Exception as error:
                    if pause is None:
                        logger.warning("WeCom message %s not marked handled (%s)", kept.id, described(error))
                        break
                await asyncio.sleep(pause)
        finally:
            self._in_hand.discard(kept.id)

    async def _answer(self, kept: KeptMessage) -> str:
        incoming = kept.incoming
        response = kept.answer
        if response is None:
            handled = await self._handled(incoming)
            if handled is None:
                # The router commits what a handler records together with its answer: a failure that reaches
                # here left the ledger as it was, and this is the one message that says so.
                delivered = await self.deliver(incoming.chat_id, Response([self.apology()]))
                return "apologised" if delivered else "undelivered"
            response = handled
            if response.pushes:
                # Kept before it is sent: a worker taking the message over after a crash tells the others too.
                try:
                    await self._inbox.write(functools.partial(self.store.keep_answer, kept.id, response))
                except Exception as error:
                    logger.warning("answer to WeCom message %s not kept (%s)", kept.id, described(error))
        return "answered" if await self.deliver(incoming.chat_id, response) else "undelivered"

    async def _handled(self, incoming: Incoming) -> Response | None:
        """The router's response; tried again when the router itself fails (the database out of reach): it
        answers a message handled before from what it kept, so trying again records nothing twice."""
        for pause in (*self._retry_delays, None):
            try:
                return await self.answer(incoming)
            except Exception as error:
                if pause is None:
                    logger.exception("WeCom message %s failed", incoming.key)
                    return None
                logger.warning("WeCom message %s failed (%s); trying again", incoming.key, described(error))
            await asyncio.sleep(pause)
        return None

    async def close(self) -> None:
        """Finish answering the messages in hand, then close the HTTP client (at shutdown)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._work:
            await asyncio.gather(*self._work, return_exceptions=True)
        await self.client.aclose()
        self._inbox.close()

    # -- replies --------------------------------------------------------------------------------------

    async def transmit(self, chat_id: str, reply: Reply, retry: bool) -> None:
        """One neutral reply to one member: text with numbered choices, a picture or a file; with `retry`, each
        call that does not get through is made again after a pause."""
        text = self.with_choices(reply)
        if text:
            for part in self.parts(text):
                await self._call(functools.partial(self.api.send_text, chat_id, part), retry)
        if reply.picture is not None:
            image = functools.partial(
                self.api.send_media, chat_id, "image", reply.picture, reply.filename or "chart.png"
            )
            await self._call(image, retry)
        if reply.document is not None:
            file = functools.partial(
                self.api.send_media, chat_id, "file", reply.document, reply.filename or "notice.docx"
            )
            await self._call(file, retry)

    async def _call(self, call: Callable[[], Awaitable[None]], retry: bool) -> None:
        for pause in (*self._retry_delays, None) if retry else (None,):
            try:
                await call()
                return
            except Exception as error:
                if pause is None or not passing(error):
                    raise
                logger.warning("WeCom call failed (%s); trying again in %g s", described(error), pause)
            await asyncio.sleep(pause)

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
