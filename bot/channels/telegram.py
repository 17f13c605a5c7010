"""Telegram, on python-telegram-bot: updates in, neutral replies out. The only code that imports telegram."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.channels.base import Answers, Chats, RemoteChannel
from bot.channels.own_loop import OwnLoop
from core.messages import Incoming, Reply, Undeliverable
from core.texts import render

logger = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL = "telegram"
GROUP_TYPES = ("group", "supergroup")
# Telegram's limits (SPEC §4): 30 messages a second overall, 20 a minute to one group.
MESSAGES_PER_SECOND = 30
GROUP_MESSAGES_PER_MINUTE = 20
# Paced a little under each limit, with bursts small enough that any window of a second (or a minute, for
# a group) holds at most the limit even when the requests arrive bunched: burst + PACE * limit < limit.
PACE = 0.95


def _burst(limit: float) -> int:
    # Half the headroom: the other half absorbs requests that leave evenly spaced and arrive bunched.
    return max(1, int(limit * (1 - PACE) / 2))


def to_incoming(update: Update) -> Incoming | None:
    """The neutral message an update stands for; None for updates the bot does not answer."""
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message is not None else None
        return Incoming(
            channel=CHANNEL,
            chat_id=str(chat.id if chat else query.from_user.id),
            sender_id=str(query.from_user.id),
            message_id=str(query.id),
            is_group=chat is not None and chat.type in GROUP_TYPES,
            choice=query.data or "",
            sender_name=query.from_user.full_name,
        )
    message = update.message
    if message is None or message.from_user is None or _is_service(message):
        return None
    photo = f"telegram:{message.photo[-1].file_id}" if message.photo else None
    location = (message.location.latitude, message.location.longitude) if message.location else None
    return Incoming(
        channel=CHANNEL,
        chat_id=str(message.chat.id),
        sender_id=str(message.from_user.id),
        # Message ids count per chat and start again in a new bot's chats: the date makes the id the
        # message's own for good, so only a true re-delivery of it is answered from the kept answer.
        message_id=f"{message.message_id}@{int(message.date.timestamp())}",
        text=message.text or message.caption or "",
        is_group=message.chat.type in GROUP_TYPES,
        photo=photo,
        location=location,
        sender_name=message.from_user.full_name,
    )


def _is_service(message: Message) -> bool:
    # Someone joined, left, or pinned something: nobody wrote to the bot. (Cheaper than PTB's
    # StatusUpdate.ALL filter, which runs some twenty checks on every message.)
    return bool(
        message.new_chat_members
        or message.left_chat_member
        or message.pinned_message
        or message.group_chat_created
        or message.supergroup_chat_created
        or message.new_chat_title
        or message.new_chat_photo
        or message.delete_chat_photo
        or message.migrate_from_chat_id
        or message.migrate_to_chat_id
    )


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    )


def keyboard_json(reply: Reply) -> dict[str, Any]:
    """The reply's buttons as the Bot API's inline keyboard, in plain JSON."""
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in reply.buttons
        ]
    }


class TelegramChannel(RemoteChannel):
    """Serves the router on Telegram: polling, or a webhook fed by the web server."""

    name = CHANNEL
    text_limit = MessageLimit.MAX_TEXT_LENGTH
    has_buttons = True

    def __init__(
        self,
        router: Answers,
        chats: Chats,
        token: str,
        base_url: str = "https://api.telegram.org/bot",
        *,
        language: str = "zh",
        rate_limit: bool = True,
        request: BaseRequest | None = None,
        group_chat: str | None = None,
        messages_per_second: float = MESSAGES_PER_SECOND,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        super().__init__(router, chats, language, group_chat)
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(token)
            .base_url(base_url)
            .base_file_url(_file_url(base_url))
            # No PTB job queue: the daily schedule is the service's (PTB would start an idle scheduler of its
            # own, finding APScheduler installed).
            .job_queue(None)
        )
        if rate_limit:
            builder = builder.rate_limiter(_rate_limiter(messages_per_second))
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        self.application = builder.build()
        self.application.add_handler(CallbackQueryHandler(self._on_update))
        self.application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.own_loop = OwnLoop(f"{CHANNEL}-loop")

    async def blocking(self, work: Callable[..., T], *args: Any) -> T:
        # Served on a loop of its own (`OwnLoop`), which PTB uses for nothing but this channel and where it
        # hands over one update at a time: the call is made in place, without a hand-off to a thread.
        return work(*args)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # PTB hands over one update at a time (updates are not processed concurrently): every chat is answered
        # in the order its messages came, on the channel's own loop, while the service's loop serves the web
        # server, WeCom and the schedule meanwhile.
        incoming = to_incoming(update)
        if incoming is None:
            return
        if update.callback_query is not None:
            await update.callback_query.answer()
            # A press carries whatever data the client sends: only what was offered in this chat is answered.
            assert incoming.choice is not None
            if not await self.was_offered(incoming.chat_id, incoming.choice):
                await self.send(incoming.chat_id, Reply(render("choice.expired", self.language)))
                return
        answered = await self.answer_ready(incoming)
        await self.deliver(
            incoming.chat_id, answered.response, offered=answered.offered, reach=answered.reach
        )

    async def transmit(self, chat_id: str, reply: Reply, retry: bool) -> None:
        """Send one neutral reply as a message, a photo or a document (the rate limiter retries on its own)."""
        bot = self.application.bot
        upload = (
            (bot.send_photo, reply.picture, "chart.png")
            if reply.picture is not None
            else (bot.send_document, reply.document, "notice.docx")
        )
        send_file, data, default_name = upload
        if data is not None:
            await send_file(
                int(chat_id),
                InputFile(data, filename=reply.filename or default_name),
                caption=reply.text or None,
                reply_markup=keyboard(reply),
            )
            return
        parts = self.parts(reply.text)
        for index, part in enumerate(parts):
            message: dict[str, Any] = {"chat_id": int(chat_id), "text": part}
            if index == len(parts) - 1 and reply.buttons:
                message["reply_markup"] = keyboard_json(reply)
            # The documented raw call: the same request as send_message (through the same rate limiter and
            # errors), at half the cost per update: send_message builds keyboard objects and parses the sent
            # Message back, which is never used. PTB nudges towards the typed method; the choice is ours.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*do_api_request")
                await bot.do_api_request("sendMessage", api_kwargs=message)

    async def post(self, chat_id: str, reply: Reply) -> None:
        """Send one scheduled reply; a chat that blocked the bot or is gone is Undeliverable."""
        try:
            await self.own_loop.run(self.send(chat_id, reply))
        except (Forbidden, BadRequest) as refusal:
            raise Undeliverable(str(refusal)) from refusal

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, self.apology().text)
            except TelegramError:
                logger.warning("could not apologise to chat %s", update.effective_chat.id)

    async def open(self) -> None:
        """Get ready to send without taking updates (a job run from the command line)."""
        await self.own_loop.run(self.application.initialize())

    async def close(self) -> None:
        """Release the HTTP connections of `open` (serving releases its own when it ends), and the loop."""
        try:
            await self.own_loop.run(self.application.shutdown())
        finally:
            self.own_loop.stop()

    async def serve(self, stop: asyncio.Event) -> None:
        """Take updates on the channel's own loop until `stop` is set: through the webhook when one is
        configured, else by polling. The loop's work ending on its own (a revoked token) ends this too."""
        stopping = asyncio.Event()  # set, and waited for, on the channel's own loop
        serving = asyncio.ensure_future(self.own_loop.run(self._serve(stopping)))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            self.own_loop.call_soon(stopping.set)
        await serving

    async def _serve(self, stop: asyncio.Event) -> None:
        if self.webhook_url:
            await self.run_webhook(self.webhook_url, self.webhook_secret, stop)
        else:
            await self.run_polling(stop)

    async def run_polling(self, stop: asyncio.Event) -> None:
        """Poll for updates until `stop` is set (on the loop this is called on)."""
        async with self.application:
            await self.application.bot.delete_webhook()
            await self.application.start()
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=["message", "callback_query"])
            await stop.wait()
            await self.application.updater.stop()
            await self.application.stop()

    async def process(self, payload: dict[str, Any]) -> None:
        """Handle one update posted to the webhook (on the channel's own loop, where it is served)."""
        await self.own_loop.run(self._process(payload))

    async def _process(self, payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, self.application.bot)
        await self.application.process_update(update)

    async def run_webhook(self, url: str, secret: str | None, stop: asyncio.Event) -> None:
        """Register the webhook with Telegram and handle what the web server posts, until `stop` is set (on
        the loop this is called on)."""
        async with self.application:
            await self.application.bot.set_webhook(
                url, secret_token=secret, allowed_updates=["message", "callback_query"]
            )
            await self.application.start()
            await stop.wait()
            await self.application.stop()


def _rate_limiter(messages_per_second: float) -> AIORateLimiter:
    # Small bursts: a limiter holding a second's worth of messages would send them at once and then keep the
    # pace, putting twice the limit into the first second.
    overall, group = _burst(messages_per_second), _burst(GROUP_MESSAGES_PER_MINUTE)
    return AIORateLimiter(
        overall_max_rate=overall,
        overall_time_period=overall / (messages_per_second * PACE),
        group_max_rate=group,
        group_time_period=60 * group / (GROUP_MESSAGES_PER_MINUTE * PACE),
        max_retries=3,
    )


def _file_url(base_url: str) -> str:
    # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
    root, _, _ = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/bot"
