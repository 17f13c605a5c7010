"""Channel-neutral messages: what a person sent, and what the bot says back or sends on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or button press from a chat, whatever the platform."""

    channel: str  # "telegram" | "wecom" | "console"
    chat_id: str
    sender_id: str
    message_id: str
    text: str = ""
    is_group: bool = False
    photo: str | None = None  # the platform's reference to the picture sent
    location: tuple[float, float] | None = None
    choice: str | None = None  # the data of the button pressed
    sender_name: str = ""

    @property
    def key(self) -> str:
        """Identifies this delivery: the same chat and message id is the same message."""
        kind = "choice" if self.choice is not None else "msg"
        return f"{self.channel}:{self.chat_id}:{kind}:{self.message_id}"


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered under a reply; `data` comes back as Incoming.choice."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """Something to show: text with optional buttons, a picture or a document."""

    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    picture: bytes | None = None
    document: bytes | None = None
    filename: str = ""
    mentions: tuple[str, ...] = ()  # mobile numbers of members a group message @-mentions (WeCom's robot)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form, for answering a re-delivered message the same way (text and buttons only)."""
        return {"text": self.text, "buttons": [[[b.label, b.data] for b in row] for row in self.buttons]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        """The reply kept by `to_dict`."""
        return cls(
            text=data.get("text", ""),
            buttons=tuple(
                tuple(Button(label, value) for label, value in row) for row in data.get("buttons", [])
            ),
        )


@dataclass(frozen=True, slots=True)
class Push:
    """A message the bot sends on its own to a person (every bound chat of theirs)."""

    person_id: int
    reply: Reply


@dataclass(slots=True)
class Response:
    """Everything a handler wants sent: replies to the sender's chat and pushes to other people."""

    replies: list[Reply] = field(default_factory=list)
    pushes: list[Push] = field(default_factory=list)

    @classmethod
    def text(cls, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Response:
        """A response of one text reply."""
        return cls([Reply(text, buttons)])


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message the bot sends on a schedule: to a person (every bound chat) or to a chat.

    `key` names the message within its job and day ("todo:person:42"); with the chat it goes to, it is the
    dispatch log's key, so each one is sent once.
    """

    key: str
    replies: tuple[Reply, ...]
    person_id: int | None = None
    chat: str | None = None  # GROUP_CHAT, or "channel:chat id" (a unit's own chat)
    label: str = ""  # who it is for, as a dry run shows it


# The task force's group, wherever each channel has it (a Telegram group, a WeCom group robot).
GROUP_CHAT = "group"


class Undeliverable(Exception):
    """The platform refused a recipient for good (blocked the bot, left the chat): trying again won't help."""


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Cut a long text at line ends so each part measures at most `limit` (characters, or as `size` counts:
    WeCom counts UTF-8 bytes); a line longer than that is cut between characters."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while size(line) > limit:
            cut = min(len(line), limit)
            while size(line[:cut]) > limit:
                cut -= 1
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if size(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def utf8_size(text: str) -> int:
    """How many bytes a text takes in UTF-8."""
    return len(text.encode())
