"""Sending the schedule's messages once: every part of a delivery is claimed in the dispatch log before it is
sent and marked sent as soon as the platform has answered, so a restart sends only what is missing and two
processes never send the same one.

What a process killed outright (kill -9, a power cut) can send twice is what it had sent, or was sending, and
had not marked yet. A delivery holds one of IN_FLIGHT slots from before its first part is sent until its last
sent part is marked, and sends its parts one after another, each once the one before is marked; so at any
moment at most IN_FLIGHT parts, each in a different chat, may have reached the platform unmarked, and the next
run sends each of those once more. A message of several parts (the group's ranking: text, chart, mention) has
an entry per part: the parts the platform took are never sent again, only the one in flight may be.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from core.messages import GROUP_CHAT, Outgoing, Reply, Undeliverable
from store.dispatch_log import CLAIM_LEASE
from store.ledger import Store

logger = logging.getLogger(__name__)

# Claims are taken this many deliveries at a time (one transaction each).
CLAIM_BATCH = 50
# Deliveries in flight at once: enough to keep a rate limiter busy while each waits for its answer (Telegram's
# 30 a second with answers taking a quarter of a second). It is also the most a kill -9 can send twice.
IN_FLIGHT = 8
# Deliveries another process holds are looked at again this often, until they are sent or their claim
# lapses (its process died on another host) and this one takes them over. A claimant on this host that is
# known to have ended is taken over at once.
RECHECK_SECONDS = 5.0
GIVE_UP_AFTER = CLAIM_LEASE * 3
# Deliveries that failed in a way that may pass (a timeout, a dropped connection) are tried again.
RETRIES = 2
RETRY_SECONDS = 10.0
# A part the platform took is marked this soon, in one write with the others answered meanwhile: a write costs
# the process a fifth of what a send does, and one per message would slow a fan-out at 300/s by as much.
MARK_GATHER_SECONDS = 0.003


class Outlet(Protocol):
    """A chat platform the schedule sends through (the Telegram channel, the WeCom channel)."""

    name: str
    group_chat: str | None  # where this platform's task-force group is, if it has one

    async def post(self, chat_id: str, reply: Reply) -> None:
        """Send one reply to one chat; raise Undeliverable when the platform refuses the chat for good."""
        ...


@dataclass(frozen=True, slots=True)
class Part:
    """One reply of a delivery, as the platform takes it; `keys` are what the dispatch log marks when it is sent."""

    keys: tuple[str, ...]
    reply: Reply


@dataclass(frozen=True, slots=True)
class Delivery:
    """One scheduled message to one chat on one platform; `recipient` is its key in the dispatch log."""

    recipient: str
    outlet: str
    chat_id: str
    message: Outgoing

    def parts(self) -> list[Part]:
        """The message's replies with their keys in the log: a message of one reply is logged under the
        delivery's key; one of several has a key per reply (`…#1`, `…#2`, …) and its last reply is logged
        under the delivery's key too, in the same write, so the delivery's key means all of it was sent."""
        replies = self.message.replies
        if len(replies) == 1:
            return [Part((self.recipient,), replies[0])]
        parts = [Part((f"{self.recipient}#{n}",), reply) for n, reply in enumerate(replies, 1)]
        if parts:
            parts[-1] = Part((*parts[-1].keys, self.recipient), parts[-1].reply)
        return parts

    def missing(self, done: set[str]) -> list[Part]:
        """The parts still to send, given the keys the log holds as done."""
        if self.recipient in done:
            return []
        return [part for part in self.parts() if part.keys[0] not in done]


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
    """This process, as the dispatch log names who claimed a delivery: host, pid and a nonce, then what tells it
    from a later process given the same pid (its start time) and from a process of another container with the
    same host name (its pid namespace), so that a claim left by a process that ended can be taken over."""
    pid = os.getpid()
    started = _process(pid)
    return f"{_host()}:{pid}:{uuid.uuid4().hex[:6]}:{started[1] if started else ''}:{_pid_space()}"


def claimant_gone(claimant: str) -> bool:
    """Whether the process named in a claim is known to have ended: it ran on this host, in this pid namespace,
    and its pid is no longer running, or runs a process started later. Of another host nothing is known."""
    fields = claimant.split(":")
    if len(fields) != 5 or not fields[1].isdigit():
        return False  # not named by worker_name(): only its lease can tell
    host, pid_text, _nonce, started, space = fields
    if host != _host() or space != _pid_space():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass  # it runs, as another user
    now_running = _process(pid)
    if now_running is None:
        return False  # no /proc to tell by: a running pid is taken to be the claimant
    state, start = now_running
    return state in ("Z", "X") or (started != "" and start != started)


def _host() -> str:
    # Host names hold no ':'; cut to leave room for the rest in the log's 100 characters.
    return socket.gethostname()[:50]


def _pid_space() -> str:
    """This process's pid namespace (digits), or '' where the system does not say."""
    try:
        return "".join(c for c in os.readlink("/proc/self/ns/pid") if c.isdigit())
    except OSError:
        return ""


def _process(pid: int) -> tuple[str, str] | None:
    """A process's state letter and start time (clock ticks since boot), from /proc; None without /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            line = stat.read()
    except OSError:
        return None
    # After the command's name in parentheses (which may hold anything): state is the first field and the
    # start time the 20th (fields 3 and 22 of proc(5)).
    fields = line[line.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


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
        waiting = [d for d in deliveries if d.missing(done)]
        report.done_before = len(deliveries) - len(waiting)
        elsewhere, failed = await self._send_all(job, day, waiting, done, report)
        # A network that failed for a moment: the parts it failed are tried again shortly.
        for _ in range(self.retries):
            if not failed:
                break
            await asyncio.sleep(self.retry_after)
            more, failed = await self._send_all(job, day, failed, self.store.dispatched(job, day), report)
            elsewhere.extend(more)
        report.failed += len(failed)
        # What another process holds: it is sending them, or it died and its claims are taken over (at once
        # when it ran on this host, after CLAIM_LEASE otherwise).
        loop = asyncio.get_running_loop()
        give_up = loop.time() + GIVE_UP_AFTER.total_seconds()
        while elsewhere and loop.time() < give_up:
            await asyncio.sleep(RECHECK_SECONDS)
            done = self.store.dispatched(job, day)
            elsewhere, failed = await self._send_all(
                job, day, [d for d in elsewhere if d.missing(done)], done, report
            )
            report.failed += len(failed)
        report.held_elsewhere = len(elsewhere)
        return report

    async def _send_all(
        self, job: str, day: date, waiting: list[Delivery], done: set[str], report: DispatchReport
    ) -> tuple[list[Delivery], list[Delivery]]:
        """Claim a batch at a time and keep IN_FLIGHT deliveries going across batches; returns the
        deliveries another process holds, and those that failed in a way that may pass."""
        run = _Run(self, job, day, report)
        elsewhere: list[Delivery] = []
        tasks: set[asyncio.Task[None]] = set()
        try:
            for start in range(0, len(waiting), CLAIM_BATCH):
                batch = [
                    (d, parts) for d in waiting[start : start + CLAIM_BATCH] if (parts := d.missing(done))
                ]
                keys = [key for _, parts in batch for part in parts for key in part.keys]
                held = set(self.store.claim(job, day, keys, self.worker, claimant_gone))
                run.unsent.update(held)
                for delivery, parts in batch:
                    if not all(key in held for part in parts for key in part.keys):
                        # Another process sends (some of) it: wait for it rather than send out of order.
                        # What this one holds of it is given back at the end of the pass.
                        elsewhere.append(delivery)
                        continue
                    await run.slots.acquire()
                    task = asyncio.create_task(run.deliver(delivery, parts))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            try:
                # Stopped (not killed): what the platform took is marked before anything is given back.
                run.marks.write_now()
            finally:
                # Interrupted or failed parts go back to the log's free pool: the next run sends them.
                self.store.release(job, day, sorted(run.unsent), self.worker)
        return elsewhere, run.failed


class _Marks:
    """Parts the platform has taken, marked sent in the log as they come: written off the event loop, one write
    at a time, each taking every part answered within MARK_GATHER_SECONDS of the first or while the write before
    was under way."""

    def __init__(self, dispatcher: Dispatcher, job: str, day: date) -> None:
        self.dispatcher = dispatcher
        self.job = job
        self.day = day
        self.unwritten: dict[str, None] = {}  # every key taken and not yet known to be in the log, in order
        self.gathering: tuple[list[str], asyncio.Future[None]] | None = None
        self.writing = asyncio.Lock()
        self.writers: set[asyncio.Task[None]] = set()

    async def sent(self, keys: tuple[str, ...]) -> None:
        """Mark these keys sent; returns once the log holds them."""
        self.unwritten.update(dict.fromkeys(keys))
        if self.gathering is None:
            self.gathering = ([], asyncio.get_running_loop().create_future())
            writer = asyncio.create_task(self._write_gathered(self.gathering))
            self.writers.add(writer)
            writer.add_done_callback(self.writers.discard)
        batch, written = self.gathering
        batch.extend(keys)
        # Shielded: a delivery stopped while waiting does not stop the write the others wait for.
        await asyncio.shield(written)

    async def _write_gathered(self, gathering: tuple[list[str], asyncio.Future[None]]) -> None:
        batch, written = gathering
        try:
            await asyncio.sleep(MARK_GATHER_SECONDS)
            async with self.writing:
                # From here on what is answered goes into the next write.
                if self.gathering is gathering:
                    self.gathering = None
                await asyncio.to_thread(self._write, batch)
        except asyncio.CancelledError:
            written.cancel()
            raise
        except Exception as error:
            # Not known to be written: the keys stay in `unwritten` for write_now().
            written.set_exception(error)
            written.exception()  # retrieved: the deliveries waiting for it raise it
        else:
            for key in batch:
                self.unwritten.pop(key, None)
            written.set_result(None)
        finally:
            if self.gathering is gathering:
                self.gathering = None

    def write_now(self) -> None:
        """Write, here and now, every key not known to be written (the run is ending)."""
        for writer in self.writers:
            writer.cancel()
        keys = list(self.unwritten)
        if keys:
            self._write(keys)
            self.unwritten.clear()

    def _write(self, keys: list[str]) -> None:
        dispatcher = self.dispatcher
        dispatcher.store.finish(self.job, self.day, keys, dispatcher.worker)


class _Run:
    """One pass of a job's deliveries: the slots in flight, the claims not sent, and the marks being written."""

    def __init__(self, dispatcher: Dispatcher, job: str, day: date, report: DispatchReport) -> None:
        self.dispatcher = dispatcher
        self.job = job
        self.day = day
        self.report = report
        self.slots = asyncio.Semaphore(IN_FLIGHT)
        self.unsent: set[str] = set()
        self.failed: list[Delivery] = []
        self.marks = _Marks(dispatcher, job, day)

    async def deliver(self, delivery: Delivery, parts: list[Part]) -> None:
        """Send a delivery's missing parts in order, each marked sent before the next goes; a part refused
        for good marks it and the rest refused, one that failed otherwise leaves them to be given back.

        The slot taken for it is held until its last sent part is marked: that is what bounds what a kill
        can send twice."""
        store, worker = self.dispatcher.store, self.dispatcher.worker
        outlet = self.dispatcher.outlets[delivery.outlet]
        try:
            for index, part in enumerate(parts):
                try:
                    await outlet.post(delivery.chat_id, part.reply)
                except Undeliverable as refusal:
                    logger.warning("%s refused %s: %s", delivery.outlet, delivery.recipient, refusal)
                    refused = [key for rest in parts[index:] for key in rest.keys]
                    store.finish(self.job, self.day, refused, worker, sent=False)
                    self.unsent.difference_update(refused)
                    self.report.failed += 1
                    return
                except Exception:
                    # A network failure or a platform error that may pass: the claims are given back.
                    logger.exception("could not send %s", part.keys[0])
                    self.failed.append(delivery)
                    return
                # The platform took it: from here on it is never given back, only marked.
                self.unsent.difference_update(part.keys)
                await self.marks.sent(part.keys)
            self.report.sent += 1
        finally:
            self.slots.release()
