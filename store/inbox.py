"""The inbox of a channel whose platform will not send a message again once its callback was answered (WeCom):
each message is kept in the request that answers the callback, held by one worker while it is handled, then
marked handled with its outcome."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from core.messages import Incoming, Push, Reply, Response
from store.base import StoreBase
from store.conversation import REDELIVERY_WINDOW
from store.engine import SQLITE_BUSY_TIMEOUT_MS
from store.models import InboxMessage, UtcDateTime

# A claim not renewed for this long belongs to a worker that died: another worker takes its messages over.
# Workers renew the claims of the messages in hand well within it.
INBOX_LEASE = timedelta(seconds=60)
# Messages taken over in one claim; a backlog larger than this is taken over by the next claims.
CLAIM_BATCH = 200
# On SQLite the inbox's writes try for the write lock this often, up to the usual busy timeout.
SQLITE_LOCK_POLL_SECONDS = 0.001

_inbox = InboxMessage.__table__
_COLUMNS = (
    _inbox.c.id,
    _inbox.c.channel,
    _inbox.c.chat_id,
    _inbox.c.sender_id,
    _inbox.c.message_id,
    _inbox.c.text,
    _inbox.c.photo,
    _inbox.c.latitude,
    _inbox.c.longitude,
    _inbox.c.choice,
    _inbox.c.answer,
)
# A message is kept once: a callback delivered again finds its key taken and is not kept (nor handled) twice.
_KEEP = {
    "sqlite": sqlite_insert(_inbox).on_conflict_do_nothing(index_elements=["key"]).returning(_inbox.c.id),
    "postgresql": postgresql_insert(_inbox)
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(_inbox.c.id),
}
# Waiting: not handled, and held by no worker, by one known to be dead, or by one whose claim has lapsed.
_WAITING = and_(
    _inbox.c.handled_at.is_(None),
    or_(
        _inbox.c.claimed_by.is_(None),
        _inbox.c.claimed_by.in_(bindparam("dead", expanding=True)),
        _inbox.c.claimed_at < bindparam("lapsed_before", type_=UtcDateTime()),
    ),
)
# The conditions are checked again on each row as it is updated: of two workers claiming at once, the second
# finds the row held by the first (PostgreSQL re-reads a row it waited for; SQLite lets one writer in at a time).
_CLAIM = (
    update(_inbox)
    .where(
        _inbox.c.id.in_(select(_inbox.c.id).where(_WAITING).order_by(_inbox.c.id).limit(CLAIM_BATCH)),
        _WAITING,
    )
    .values(claimed_by=bindparam("worker"), claimed_at=bindparam("now", type_=UtcDateTime()))
    .returning(*_COLUMNS)
)
_RENEW = (
    update(_inbox)
    .where(
        _inbox.c.id.in_(bindparam("ids", expanding=True)),
        _inbox.c.claimed_by == bindparam("worker"),
        _inbox.c.handled_at.is_(None),
    )
    .values(claimed_at=bindparam("now", type_=UtcDateTime()))
)
_ANSWER = update(_inbox).where(_inbox.c.id == bindparam("kept_id")).values(answer=bindparam("answer"))
_FINISH = (
    update(_inbox)
    .where(_inbox.c.id == bindparam("kept_id"))
    .values(handled_at=bindparam("now", type_=UtcDateTime()), outcome=bindparam("outcome"))
)
_CLAIMANTS = (
    select(_inbox.c.claimed_by)
    .where(_inbox.c.handled_at.is_(None), _inbox.c.claimed_by.is_not(None))
    .distinct()
)


@dataclass(frozen=True, slots=True)
class KeptMessage:
    """A message kept in the inbox, as the worker holding it handles it: a number comes as the choice it
    answered when it was kept; `answer` is what it was answered, kept before delivery (when it tells others)."""

    id: int
    incoming: Incoming
    answer: Response | None = None


def _response_json(response: Response) -> str:
    return json.dumps(
        {
            "replies": [reply.to_dict() for reply in response.replies],
            "pushes": [
                {"person_id": push.person_id, "reply": push.reply.to_dict()} for push in response.pushes
            ],
        },
        ensure_ascii=False,
    )


def _response(kept: str) -> Response:
    data: dict[str, Any] = json.loads(kept)
    return Response(
        [Reply.from_dict(reply) for reply in data["replies"]],
        [Push(int(push["person_id"]), Reply.from_dict(push["reply"])) for push in data["pushes"]],
    )


def _kept(row: Any) -> KeptMessage:
    location = (row.latitude, row.longitude) if row.latitude is not None else None
    if row.choice is not None:
        incoming = Incoming(row.channel, row.chat_id, row.sender_id, row.message_id, choice=row.choice)
    else:
        incoming = Incoming(
            row.channel,
            row.chat_id,
            row.sender_id,
            row.message_id,
            text=row.text,
            photo=row.photo,
            location=location,
        )
    return KeptMessage(int(row.id), incoming, _response(row.answer) if row.answer else None)


class InboxStore(StoreBase):
    """Messages kept before their callback is answered, until a worker has handled them."""

    def inbox_transaction(self, operations: list[Callable[[], Any]]) -> list[Any]:
        """Run inbox operations (keep, keep an answer, finish …) in one transaction; their results.

        A callback's 200 waits for this commit. On SQLite the write lock is tried for every millisecond, where
        SQLite's own waiting backs off to 100 ms between tries while the ledger's writers come and go.
        """
        with self.message_scope(), self._connection() as connection:
            if self.engine.dialect.name != "sqlite":
                with self.atomic():
                    return [operation() for operation in operations]
            deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
            # On the driver's connection: through SQLAlchemy the statement would begin a transaction first.
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout=0")
            try:
                while True:
                    try:
                        with self.atomic():
                            return [operation() for operation in operations]
                    except OperationalError as error:
                        if "locked" not in str(error.orig) or time.monotonic() > deadline:
                            raise
                    time.sleep(SQLITE_LOCK_POLL_SECONDS)
            finally:
                driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")

    def keep_message(self, incoming: Incoming, choice: str | None, worker: str) -> KeptMessage | None:
        """Keep a message as it came, with the choice a bare number answers now (if any), held by `worker`;
        None if a message with its key was kept before (a callback delivered again)."""
        now = self.now()
        with self._write() as connection:
            kept_id = connection.execute(
                _KEEP[self.engine.dialect.name],
                {
                    "key": incoming.key,
                    "channel": incoming.channel,
                    "chat_id": incoming.chat_id,
                    "sender_id": incoming.sender_id,
                    "message_id": incoming.message_id,
                    "text": incoming.text,
                    "photo": incoming.photo,
                    "latitude": incoming.location[0] if incoming.location else None,
                    "longitude": incoming.location[1] if incoming.location else None,
                    "choice": choice,
                    "kept_at": now,
                    "claimed_by": worker,
                    "claimed_at": now,
                },
            ).scalar()
        if kept_id is None:
            return None
        if choice is not None:
            incoming = Incoming(
                incoming.channel, incoming.chat_id, incoming.sender_id, incoming.message_id, choice=choice
            )
        return KeptMessage(int(kept_id), incoming)

    def waiting_claimants(self) -> list[str]:
        """The workers holding messages not yet handled (to see which of them are known to be dead)."""
        with self._read() as connection:
            return [str(worker) for worker in connection.scalars(_CLAIMANTS)]

    def claim_waiting(self, worker: str, dead: list[str]) -> list[KeptMessage]:
        """Take the messages nobody handles (held by no one, by a worker in `dead`, or by one whose claim has
        lapsed) for `worker`, oldest first; none is taken by two workers."""
        now = self.now()
        with self._write() as connection:
            rows = connection.execute(
                _CLAIM, {"dead": dead, "lapsed_before": now - INBOX_LEASE, "worker": worker, "now": now}
            ).all()
        return [_kept(row) for row in sorted(rows, key=lambda row: int(row.id))]

    def renew_claims(self, worker: str, ids: list[int]) -> None:
        """Say that `worker` still holds these messages (it is alive and handling them)."""
        if not ids:
            return
        with self._write() as connection:
            connection.execute(_RENEW, {"ids": ids, "worker": worker, "now": self.now()})

    def keep_answer(self, kept_id: int, response: Response) -> None:
        """Keep what a message was answered before delivering it, for a worker that takes it over."""
        with self._write() as connection:
            connection.execute(_ANSWER, {"kept_id": kept_id, "answer": _response_json(response)})

    def finish_message(self, kept_id: int, outcome: str) -> None:
        """Mark a kept message handled: `answered`, `apologised` (its handler failed and changed nothing) or
        `undelivered` (the platform would not take the answer)."""
        with self._write() as connection:
            connection.execute(_FINISH, {"kept_id": kept_id, "now": self.now(), "outcome": outcome})

    def forget_handled_messages(self) -> int:
        """Drop handled messages older than any re-delivery; returns how many."""
        with self._write() as connection:
            result = connection.execute(
                delete(_inbox).where(
                    _inbox.c.handled_at.is_not(None), _inbox.c.kept_at < self.now() - REDELIVERY_WINDOW
                )
            )
        return int(result.rowcount or 0)
