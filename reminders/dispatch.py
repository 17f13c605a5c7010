"""Sending the schedule's messages once: every delivery is claimed in the dispatch log before it is sent and
marked sent after, so a restart sends only what is missing and two processes never send the same one."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from core.messages import GROUP_CHAT, Outgoing, Reply, Undeliverable
from store.ledger import Store
from store.schedule import CLAIM_LEASE

logger = logging.getLogger(__name__)

# Claims are taken this many deliveries at a time (one transaction each).
CLAIM_BATCH = 50
# Deliveries in flight at once: enough to keep a rate limiter busy while each waits for its answer.
IN_FLIGHT = 8
# Deliveries another process holds are looked at again this often, until they are sent or their claim
# lapses (its process died) and this one takes them over.
RECHECK_SECONDS = 5.0
GIVE_UP_AFTER = CLAIM_LEASE * 3
# Deliveries that failed in a way that may pass (a timeout, a dropped connection) are tried again.
RETRIES = 2
RETRY_SECONDS = 10.0
# Sent deliveries are marked in the log in groups of this many, or after this long. A process killed
# outright (not stopped) may leave that many sent but unmarked: after CLAIM_LEASE they are sent again.
MARK_EVERY = 20
MARK_SECONDS = 0.5


class Outlet(Protocol):
    """A chat platform the schedule sends through (the Telegram channel, the WeCom channel)."""

    name: str
    group_chat: str | None  # where this platform's task-force group is, if it has one

    async def post(self, chat_id: str, reply: Reply) -> None:
        """Send one reply to one chat; raise Undeliverable when the platform refuses the chat for good."""
        ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """One scheduled message to one chat on one platform; `recipient` is its key in the dispatch log."""

    recipient: str
    outlet: str
    chat_id: str
    message: Outgoing


@dataclass(slots=True)
class DispatchReport:
    """What a run of a job did."""

    total: int = 0
    sent: int = 0
    done_before: int = 0  # sent (or refused for good) by an earlier run
    held_elsewhere: int = 0  # still held by another process when this one gave up waiting
    failed: int = 0
    unbound: list[str] = field(default_factory=list)  # labels of messages with nowhere to go


def worker_name() -> str:
    """This process, as the dispatch log names who claimed a delivery."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """Delivers a job's messages through every outlet, each delivery once per day."""

    def __init__(
        self,
        store: Store,
        outlets: Sequence[Outlet],
        worker: str | None = None,
        *,
        retries: int = RETRIES,
        retry_after: float = RETRY_SECONDS,
    ) -> None:
        self.store = store
        self.outlets = {outlet.name: outlet for outlet in outlets}
        self.worker = worker or worker_name()
        self.retries = retries
        self.retry_after = retry_after

    def plan(self, messages: Sequence[Outgoing]) -> tuple[list[Delivery], list[Outgoing]]:
        """Where each message goes: every bound chat of its person on every outlet, or its chat.

        Returns the deliveries, and the messages that have nowhere to go (a person with no bound chat).
        """
        identities = self.store.identities_of(m.person_id for m in messages if m.person_id is not None)
        deliveries: list[Delivery] = []
        nowhere: list[Outgoing] = []
        for message in messages:
            targets: list[tuple[str, str]] = []
            if message.person_id is not None:
                targets = [
                    (o, chat) for o, chat in identities.get(message.person_id, []) if o in self.outlets
                ]
            elif message.chat == GROUP_CHAT:
                targets = [(name, o.group_chat) for name, o in self.outlets.items() if o.group_chat]
            elif message.chat:
                name, _, chat_id = message.chat.partition(":")
                if name in self.outlets and chat_id:
                    targets = [(name, chat_id)]
            if not targets:
                nowhere.append(message)
            deliveries.extend(
                Delivery(f"{message.key}>{name}:{chat_id}", name, chat_id, message)
                for name, chat_id in targets
            )
        return deliveries, nowhere

    async def send(self, job: str, day: date, messages: Sequence[Outgoing]) -> DispatchReport:
        """Send what the dispatch log does not hold as sent yet; claims left unsent are given back."""
        # Who has which chats is one read of the whole job's people: off the event loop.
        deliveries, nowhere = await asyncio.to_thread(self.plan, messages)
        report = DispatchReport(total=len(deliveries), unbound=[m.label or m.key for m in nowhere])
        done = self.store.dispatched(job, day)
        waiting = [d for d in deliveries if d.recipient not in done]
        report.done_before = len(deliveries) - len(waiting)
        elsewhere, failed = await self._send_all(job, day, waiting, report)
        # A network that failed for a moment: the deliveries it failed are tried again shortly.
        for _ in range(self.retries):
            if not failed:
                break
            await asyncio.sleep(self.retry_after)
            more, failed = await self._send_all(job, day, failed, report)
            elsewhere.extend(more)
        report.failed += len(failed)
        # What another process holds: it is sending them, or it died and its claims lapse after CLAIM_LEASE.
        loop = asyncio.get_running_loop()
        give_up = loop.time() + GIVE_UP_AFTER.total_seconds()
        while elsewhere and loop.time() < give_up:
            await asyncio.sleep(RECHECK_SECONDS)
            done = self.store.dispatched(job, day)
            elsewhere, failed = await self._send_all(
                job, day, [d for d in elsewhere if d.recipient not in done], report
            )
            report.failed += len(failed)
        report.held_elsewhere = len(elsewhere)
        return report

    async def _send_all(
        self, job: str, day: date, waiting: list[Delivery], report: DispatchReport
    ) -> tuple[list[Delivery], list[Delivery]]:
        """Claim a batch at a time and keep IN_FLIGHT deliveries going across batches; returns the
        deliveries another process holds, and those that failed in a way that may pass."""
        run = _Run(self, job, day, report)
        elsewhere: list[Delivery] = []
        tasks: set[asyncio.Task[None]] = set()
        try:
            for start in range(0, len(waiting), CLAIM_BATCH):
                batch = waiting[start : start + CLAIM_BATCH]
                held = set(self.store.claim(job, day, [d.recipient for d in batch], self.worker))
                run.unsent.update(held)
                for delivery in batch:
                    if delivery.recipient not in held:
                        elsewhere.append(delivery)
                        continue
                    await run.slots.acquire()
                    task = asyncio.create_task(run.deliver(delivery))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                run.flush()
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            run.flush(force=True)
            # Interrupted or failed deliveries go back to the log's free pool: the next run sends them.
            self.store.release(job, day, sorted(run.unsent), self.worker)
        return elsewhere, run.failed


class _Run:
    """One pass of a job's deliveries: the slots in flight, and the sent ones waiting to be marked."""

    def __init__(self, dispatcher: Dispatcher, job: str, day: date, report: DispatchReport) -> None:
        self.dispatcher = dispatcher
        self.job = job
        self.day = day
        self.report = report
        self.slots = asyncio.Semaphore(IN_FLIGHT)
        self.unsent: set[str] = set()
        self.failed: list[Delivery] = []
        self.to_mark: list[str] = []
        self.marked_at = time.monotonic()

    async def deliver(self, delivery: Delivery) -> None:
        """Send one delivery's replies; mark it sent, refused, or leave it to be given back."""
        store, worker = self.dispatcher.store, self.dispatcher.worker
        outlet = self.dispatcher.outlets[delivery.outlet]
        try:
            for reply in delivery.message.replies:
                await outlet.post(delivery.chat_id, reply)
        except Undeliverable as refusal:
            logger.warning("%s refused %s: %s", delivery.outlet, delivery.recipient, refusal)
            store.finish(self.job, self.day, [delivery.recipient], worker, sent=False)
            self.unsent.discard(delivery.recipient)
            self.report.failed += 1
            return
        except Exception:
            # A network failure or a platform error that may pass: the claim is given back.
            logger.exception("could not send %s", delivery.recipient)
            self.failed.append(delivery)
            return
        finally:
            self.slots.release()
        self.unsent.discard(delivery.recipient)
        self.to_mark.append(delivery.recipient)
        self.report.sent += 1
        self.flush()

    def flush(self, force: bool = False) -> None:
        """Mark what was sent, a few at a time: one write per message would cost more than the sending."""
        if not self.to_mark:
            return
        if not force and len(self.to_mark) < MARK_EVERY and time.monotonic() - self.marked_at < MARK_SECONDS:
            return
        marked, self.to_mark = self.to_mark, []
        self.marked_at = time.monotonic()
        self.dispatcher.store.finish(self.job, self.day, marked, self.dispatcher.worker)
