"""The scheduled jobs (SPEC §4): build a day's messages and send them once, or show them (a dry run)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from core.errors import UserError
from core.messages import Outgoing
from core.ranking import Ranking
from core.workdays import holiday_name, is_workday
from reminders.config import JOBS, ScheduleConfig
from reminders.dispatch import Delivery, Dispatcher, DispatchReport, Outlet
from reminders.evening import build_ranking, day_ranking
from reminders.morning import build_reminders
from reminders.notices import build_notices
from reminders.pack import build_dispatch
from reminders.warnings import build_warnings
from store.ledger import Store

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class JobRun:
    """What one run of a job found to send, and what became of it."""

    job: str
    day: date
    workday: bool = True
    holiday: str | None = None
    messages: list[Outgoing] = field(default_factory=list)
    planned: list[Delivery] = field(default_factory=list)  # a dry run's deliveries still to send
    nowhere: list[Outgoing] = field(default_factory=list)  # a dry run's messages with no chat to go to
    report: DispatchReport = field(default_factory=DispatchReport)


def build_job(
    store: Store, job: str, day: date, config: ScheduleConfig, ranking: Ranking | None = None
) -> list[Outgoing]:
    """The messages of one job for one day (the morning's job first decides the promises that fell due)."""
    if job == "reminders":
        store.decide_promises(day)
        # Priorities move with the calendar (a deadline passes, a statute draws near): scored for today first.
        store.refresh_priorities()
        return build_reminders(store, day, config)
    if job == "ranking":
        return build_ranking(store, day, config, ranking)
    if job == "dispatch":
        return build_dispatch(store, day, config)
    if job == "warnings":
        return build_warnings(store, day, config)
    return build_notices(store, day, config, ranking)


async def run_job(
    store: Store,
    job: str,
    day: date,
    config: ScheduleConfig,
    outlets: Sequence[Outlet],
    *,
    dry_run: bool = False,
    worker: str | None = None,
    ranking: Ranking | None = None,
) -> JobRun:
    """Build a job's messages for `day` and send what has not been sent yet.

    A dry run builds the same messages (promise decisions included) inside a transaction that is rolled
    back, and plans the deliveries without claiming or sending any. `ranking` is the day's ranking when the
    caller read it already (the evening's two jobs share one).
    """
    if job not in JOBS:
        raise UserError("jobs.unknown", job=job)
    run = JobRun(job, day)
    if config.skip_holidays and not is_workday(day):
        run.workday = False
        run.holiday = holiday_name(day)
        return run
    dispatcher = Dispatcher(store, outlets, worker)
    if dry_run:

        def rehearse() -> list[Outgoing]:
            with store.rehearsal():
                return build_job(store, job, day, config, ranking)

        run.messages = await asyncio.to_thread(rehearse)
        deliveries, nowhere = await asyncio.to_thread(dispatcher.plan, run.messages)
        done = store.dispatched(job, day)
        run.planned = [d for d in deliveries if d.recipient not in done]
        run.nowhere = nowhere
        run.report = DispatchReport(
            total=len(deliveries),
            done_before=len(deliveries) - len(run.planned),
            unbound=[m.label or m.key for m in nowhere],
        )
        return run
    # Building reads the whole ledger: off the event loop, so chats keep being answered meanwhile.
    run.messages = await asyncio.to_thread(build_job, store, job, day, config, ranking)
    run.report = await dispatcher.send(job, day, run.messages)
    logger.info(
        "%s %s: %d deliveries, %d sent, %d sent before, %d held by another process, %d failed, %d unbound",
        job,
        day,
        run.report.total,
        run.report.sent,
        run.report.done_before,
        run.report.held_elsewhere,
        run.report.failed,
        len(run.report.unbound),
    )
    return run


async def run_evening(
    store: Store, day: date, config: ScheduleConfig, outlets: Sequence[Outlet]
) -> list[JobRun]:
    """The ranking, then the notices right after it (one reading of the ranking serves both)."""
    ranking = None
    if not config.skip_holidays or is_workday(day):
        ranking = await asyncio.to_thread(day_ranking, store, day, config)
    return [
        await run_job(store, job, day, config, outlets, ranking=ranking) for job in ("ranking", "notices")
    ]
