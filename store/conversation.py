"""What the bot said and offered in a chat: answers kept for re-deliveries, numbered choices, buttons, drafts
awaiting a choice."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from store.base import StoreBase
from store.models import (
    Draft,
    HandledMessage,
    OfferedButton,
    OfferedChoices,
    UtcDateTime,
)

DRAFT_LIFETIME = timedelta(days=1)
# A number answers the choices offered in its chat within this time; after it, it is just a number.
CHOICES_LIFETIME = timedelta(days=1)
# Telegram keeps an undelivered update for 24 hours and WeCom retries a callback within seconds: an answer is
# kept this long for a re-delivery, and after it the message key may be a new message's.
REDELIVERY_WINDOW = timedelta(days=2)
# A button offered in a chat can be pressed for this long (a case list looked at again the next days).
BUTTONS_LIFETIME = timedelta(days=7)


# Built once: the statements run for every message.
_OFFERED_BUTTON = select(OfferedButton.id).where(
    OfferedButton.channel == bindparam("channel"),
    OfferedButton.chat_id == bindparam("chat_id"),
    OfferedButton.data == bindparam("data"),
    OfferedButton.at >= bindparam("since", type_=UtcDateTime()),
)
_ANSWER = select(HandledMessage.replies).where(
    HandledMessage.key == bindparam("key"), HandledMessage.at >= bindparam("since", type_=UtcDateTime())
)


class ConversationStore(StoreBase):
    """What was already answered in a chat, and what it was offered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A message answered before keeps its first answer; the caller learns that this one was not kept.
        upsert = sqlite_insert if self.engine.dialect.name == "sqlite" else postgresql_insert
        answers = HandledMessage.__table__
        answer = upsert(answers)
        # An answer kept within REDELIVERY_WINDOW stands; an older one under the same key is a different
        # message by now (no platform re-delivers that late) and gives way.
        self._insert_answer = answer.on_conflict_do_update(
            index_elements=["key"],
            set_={"replies": answer.excluded.replies, "at": answer.excluded.at},
            where=answers.c.at < bindparam("stale_before", type_=UtcDateTime()),
        ).returning(answers.c.id)
        button = upsert(OfferedButton.__table__)
        self._offer_button = button.on_conflict_do_update(
            index_elements=["channel", "chat_id", "data"], set_={"at": button.excluded.at}
        )
        offered = upsert(OfferedChoices.__table__)
        self._offer = offered.on_conflict_do_update(
            index_elements=["channel", "chat_id"],
            set_={"options": offered.excluded.options, "at": offered.excluded.at},
        )

    def answered(self, key: str) -> list[dict[str, Any]] | None:
        """The replies already given to a message within REDELIVERY_WINDOW, if it was handled then."""
        with self._read() as connection:
            replies = connection.scalar(_ANSWER, {"key": key, "since": self.now() - REDELIVERY_WINDOW})
            return None if replies is None else json.loads(replies)

    def remember_answer(self, key: str, replies: list[dict[str, Any]]) -> bool:
        """Keep the replies given to a message; False if it already had an answer (the first one stands)."""
        now = self.now()
        with self._write() as connection:
            kept = connection.execute(
                self._insert_answer,
                {
                    "key": key,
                    "replies": json.dumps(replies, ensure_ascii=False),
                    "at": now,
                    "stale_before": now - REDELIVERY_WINDOW,
                },
            ).first()
            return kept is not None

    def forget_expired(self) -> int:
        """Drop kept answers, drafts and offered choices no one can use any more; returns how many."""
        now = self.now()
        with self._write() as connection:
            dropped = 0
            for table, column, cutoff in (
                (HandledMessage.__table__, "at", now - REDELIVERY_WINDOW),
                (Draft.__table__, "created_at", now - DRAFT_LIFETIME),
                (OfferedChoices.__table__, "at", now - CHOICES_LIFETIME),
                (OfferedButton.__table__, "at", now - BUTTONS_LIFETIME),
            ):
                dropped += connection.execute(delete(table).where(table.c[column] < cutoff)).rowcount or 0
        return dropped

    def offer_choices(self, channel: str, chat_id: str, options: list[str]) -> None:
        """Keep the choices just offered in a chat, numbered from 1 in this order (they replace earlier ones)."""
        with self._write() as connection:
            connection.execute(
                self._offer,
                {
                    "channel": channel,
                    "chat_id": chat_id,
                    "options": json.dumps(options, ensure_ascii=False),
                    "at": self.now(),
                },
            )

    def offer_buttons(self, channel: str, chat_id: str, data: list[str]) -> None:
        """Note the buttons just offered in a chat, so that a press of one of them is known to be genuine."""
        if not data:
            return
        now = self.now()
        with self._write() as connection:
            connection.execute(
                self._offer_button,
                [
                    {"channel": channel, "chat_id": chat_id, "data": value, "at": now}
                    for value in dict.fromkeys(data)
                ],
            )

    def was_offered(self, channel: str, chat_id: str, data: str) -> bool:
        """Whether a button with this data was offered in the chat within BUTTONS_LIFETIME."""
        with self._read() as connection:
            return (
                connection.execute(
                    _OFFERED_BUTTON,
                    {
                        "channel": channel,
                        "chat_id": chat_id,
                        "data": data,
                        "since": self.now() - BUTTONS_LIFETIME,
                    },
                ).first()
                is not None
            )

    def offered_choice(self, channel: str, chat_id: str, number: int) -> str | None:
        """The choice a number answers in a chat, if it was offered there lately."""
        with self._read() as connection:
            row = connection.execute(
                select(OfferedChoices.options).where(
                    OfferedChoices.channel == channel,
                    OfferedChoices.chat_id == chat_id,
                    OfferedChoices.at >= self.now() - CHOICES_LIFETIME,
                )
            ).first()
        if row is None:
            return None
        options: list[str] = json.loads(row[0])
        return options[number - 1] if 1 <= number <= len(options) else None

    def save_draft(self, person_id: int, payload: dict[str, Any]) -> str:
        """Keep a report awaiting the person's choice; returns its token."""
        token = secrets.token_hex(6)
        with self._transaction() as session:
            session.add(
                Draft(
                    token=token,
                    person_id=person_id,
                    payload=json.dumps(payload, ensure_ascii=False, default=str),
                    created_at=self.now(),
                )
            )
        return token

    def take_draft(self, token: str, person_id: int) -> dict[str, Any] | None:
        """The person's draft for `token`, once; None if unknown, someone else's or expired."""
        with self._transaction() as session:
            draft = session.execute(
                select(Draft).where(Draft.token == token, Draft.person_id == person_id).with_for_update()
            ).scalar_one_or_none()
            if draft is None:
                return None
            payload: dict[str, Any] = json.loads(draft.payload)
            fresh = draft.created_at > self.now() - DRAFT_LIFETIME
            session.delete(draft)
            return payload if fresh else None
