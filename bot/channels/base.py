"""What every channel does, whatever the platform: answer through the router, deliver a response (replies to
the chat, each push to every identity of its person on the channel), cut long texts to the platform's limit,
and show buttons as numbered choices where the platform has none. A platform's module only translates."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, TypeVar

from core.messages import Button, Incoming, Push, Reply, Response, split_text
from core.texts import render

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Answers(Protocol):
    """What answers an incoming message: the router."""

    def handle(self, incoming: Incoming) -> Response:
        """The response to one message; a message delivered twice gets the first answer again."""
        ...


class Chats(Protocol):
    """The store's chat operations a channel needs: whom a push reaches, and what was offered in a chat."""

    def identities(self, person_id: int, channel: str) -> list[str]:
        """The chat identities of a person on one channel."""
        ...

    def offer_buttons(self, channel: str, chat_id: str, data: list[str]) -> None:
        """Note the buttons just offered in a chat."""
        ...

    def was_offered(self, channel: str, chat_id: str, data: str) -> bool:
        """Whether a button with this data was offered in the chat lately."""
        ...

    def offer_choices(self, channel: str, chat_id: str, options: list[str]) -> None:
        """Keep the choices just offered in a chat, numbered from 1 in this order."""
        ...

    def offered_choice(self, channel: str, chat_id: str, number: int) -> str | None:
        """The choice a number answers in a chat, if it was offered there lately."""
        ...

    def message_scope(self) -> AbstractContextManager[None]:
        """Share one connection among the calls of the block (those of one message)."""
        ...


@dataclass(frozen=True, slots=True)
class Answered:
    """A response worked out off the event loop, with what sending it needs that was read there too."""

    response: Response
    offered: bool = False  # every reply's buttons already noted as offered in the chat
    reach: dict[int, list[str]] | None = None  # the chats each push's person has on the platform


def choices(reply: Reply) -> list[Button]:
    """The reply's buttons in reading order: the order they are numbered in where they are choices."""
    return [button for row in reply.buttons for button in row]


class Channel:
    """A chat platform the router answers on; what is the same on every platform."""

    name: str  # how the ledger names the platform ("telegram", "wecom", "console")
    # How a button shows where the platform has none: its number, then its label.
    choice_line: ClassVar[str] = "[{number}] {label}"

    def __init__(self, router: Answers, language: str) -> None:
        self.router = router
        self.language = language

    def numbered(self, buttons: Sequence[Button], first: int = 1) -> list[str]:
        """Buttons as lines of numbered choices, the first one numbered `first`."""
        return [self.choice_line.format(number=n, label=b.label) for n, b in enumerate(buttons, first)]

    def apology(self) -> Reply:
        """What a person is told when their message could not be handled."""
        return Reply(render("error.unexpected", self.language))


class RemoteChannel(Channel, ABC):
    """A platform reached over the network: messages are answered off the event loop, responses delivered
    through the platform's calls, and the daily schedule sends through it (an outlet)."""

    # The longest text one message holds, as `text_size` measures it.
    text_limit: ClassVar[int]
    # Whether the platform shows buttons under a message; without, they are numbered choices.
    has_buttons: ClassVar[bool] = False

    def __init__(self, router: Answers, chats: Chats, language: str, group_chat: str | None = None) -> None:
        super().__init__(router, language)
        self.chats = chats
        self.group_chat = group_chat  # where this platform's task-force group is, if it has one

    @staticmethod
    def text_size(text: str) -> int:
        """How long a text is against `text_limit` (characters, unless the platform counts otherwise)."""
        return len(text)

    def parts(self, text: str) -> list[str]:
        """A long text cut at line ends, so that each part fits one message."""
        return split_text(text, self.text_limit, self.text_size)

    def with_choices(self, reply: Reply) -> str:
        """The reply's text with its buttons below it as numbered choices (for a platform without buttons)."""
        options = choices(reply)
        if not options:
            return reply.text
        lines = [render("choices.prompt", self.language), *self.numbered(options)]
        return "\n".join([reply.text, *lines] if reply.text else lines)

    async def blocking(self, work: Callable[..., T], *args: Any) -> T:
        """Make a blocking call (the router's, the store's) where it holds up no other work: in a thread,
        unless the channel's loop serves nothing else."""
        return await asyncio.to_thread(work, *args)

    async def answer(self, incoming: Incoming) -> Response:
        """The router's response, worked out off the event loop: the store's calls block."""
        return await self.blocking(self.router.handle, incoming)

    async def answer_ready(self, incoming: Incoming) -> Answered:
        """The router's response, its buttons noted as offered in the chat and the chats its pushes reach
        read with it: one blocking call and one pooled connection for all. Whatever of the noting or the
        reading fails is done again when sending, which reports it."""
        return await self.blocking(self._answer_ready, incoming)

    def _answer_ready(self, incoming: Incoming) -> Answered:
        with self.chats.message_scope():
            response = self.router.handle(incoming)
            offered = False
            reach: dict[int, list[str]] | None = None
            try:
                for reply in response.replies:
                    data = [button.data for button in choices(reply)]
                    if data:
                        self._offer(incoming.chat_id, data)
                offered = True
                reach = {p.person_id: self.chats.identities(p.person_id, self.name) for p in response.pushes}
            except Exception as error:
                logger.warning(
                    "could not prepare the answer to %s (%s)", incoming.chat_id, self.described(error)
                )
        return Answered(response, offered, reach)

    async def deliver(
        self,
        chat_id: str,
        response: Response,
        *,
        offered: bool = False,
        reach: dict[int, list[str]] | None = None,
    ) -> bool:
        """Send the replies to the chat, and each push to every identity of its person on this platform.
        Returns whether every reply reached the chat; the pushes go out either way (what was recorded stands).
        With `offered`, the replies' buttons were noted as offered already; `reach` holds each push's chats
        where they were read already."""
        delivered = True
        for reply in response.replies:
            try:
                await self.send(chat_id, reply, retry=True, offered=offered)
            except Exception as error:
                logger.warning("could not answer %s on %s (%s)", chat_id, self.name, self.described(error))
                delivered = False
                break
        for push in response.pushes:
            await self.push(push, None if reach is None else reach.get(push.person_id))
        return delivered

    async def push(self, push: Push, chat_ids: list[str] | None = None) -> None:
        """Send a push to every chat its person has on this platform (`chat_ids`, when they were read
        already); one unreachable chat (blocked the bot, left) does not stop the others."""
        if chat_ids is None:
            try:
                chat_ids = await self.blocking(self.chats.identities, push.person_id, self.name)
            except Exception as error:
                logger.warning("could not look up person %s (%s)", push.person_id, self.described(error))
                return
        for chat_id in chat_ids:
            try:
                await self.send(chat_id, push.reply, retry=True)
            except Exception as error:
                logger.warning(
                    "could not reach person %s on %s (%s)", push.person_id, self.name, self.described(error)
                )

    async def send(self, chat_id: str, reply: Reply, retry: bool = False, offered: bool = False) -> None:
        """One reply to one chat, its buttons noted first as offered there (a press, or a number, is answered
        only for what was offered) unless `offered` says they are; with `retry`, a call that does not get
        through is made again."""
        data = [button.data for button in choices(reply)]
        if data and not offered:
            await self.blocking(self._offer, chat_id, data)
        await self.transmit(chat_id, reply, retry)

    def _offer(self, chat_id: str, data: list[str]) -> None:
        offer = self.chats.offer_buttons if self.has_buttons else self.chats.offer_choices
        offer(self.name, chat_id, data)

    async def was_offered(self, chat_id: str, data: str) -> bool:
        """Whether a button with this data was offered in the chat (a press may carry anything)."""
        return await self.blocking(self.chats.was_offered, self.name, chat_id, data)

    @staticmethod
    def described(error: Exception) -> str:
        """A failed call, for the log: its kind, never its URL (which may hold a token)."""
        return type(error).__name__

    @abstractmethod
    async def transmit(self, chat_id: str, reply: Reply, retry: bool) -> None:
        """Make the platform's calls that show one reply in one chat."""

    @abstractmethod
    async def post(self, chat_id: str, reply: Reply) -> None:
        """Send one scheduled reply; raise Undeliverable when the platform refuses the chat for good."""

    async def open(self) -> None:
        """Get ready to send (for a job run without serving)."""

    @abstractmethod
    async def serve(self, stop: asyncio.Event) -> None:
        """Take messages from the platform and answer them until `stop` is set."""

    async def close(self) -> None:
        """Release what serving or sending held (at shutdown)."""

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[Self]:
        """The channel ready to send for the block (a job run without serving), closed after it."""
        await self.open()
        try:
            yield self
        finally:
            await self.close()
