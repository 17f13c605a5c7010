"""The one module that knows APScheduler: the morning's reminders and the evening's ranking and notices,
at their times in the campaign's zone, caught up after a restart (the dispatch log keeps them once)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from core.pack import dispatch_due
from reminders.config import ScheduleConfig
from reminders.daily import run_evening, run_job
from reminders.dispatch import Outlet
from store.ledger import Store

logger = logging.getLogger(__name__)

# A job that could not start on time (the bot was down, the machine asleep) still runs within this window;
# APScheduler's default of one second would drop it.
MISFIRE_GRACE = timedelta(hours=3)
CATCH_UP_DELAY = timedelta(seconds=10)


def due_catch_up(now: datetime, at: time, grace: timedelta = MISFIRE_GRACE) -> bool:
    """Whether a daily job at `at` should run now because the process started after its time, within grace."""
    scheduled = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    return scheduled <= now < scheduled + grace


class Schedule:
    """The daily jobs on an AsyncIOScheduler, started with the bot."""

    def __init__(
        self,
        store: Store,
        config: ScheduleConfig,
        outlets: Sequence[Outlet],
        zone: ZoneInfo,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.outlets = outlets
        self.zone = zone
        self._clock = clock or (lambda: datetime.now(zone))
        self._stopped = False
        self.scheduler = AsyncIOScheduler(
            timezone=zone,
            job_defaults={
                "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
                "coalesce": True,  # several missed runs of a day's job make one run
                "max_instances": 1,
            },
        )

    @property
    def running(self) -> bool:
        """Whether the scheduler runs (the health check reports it)."""
        # APScheduler stops on the loop's next turn: a schedule told to stop is not running any more.
        return bool(self.scheduler.running) and not self._stopped

    def start(self) -> None:
        """Add the jobs at their times and start; a job whose time passed shortly before starts now."""
        reminder, ranking = self.config.reminder_time, self.config.ranking_time
        self.scheduler.add_job(
            self.morning,
            CronTrigger(hour=reminder.hour, minute=reminder.minute, timezone=self.zone),
            id="reminders",
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.evening,
            CronTrigger(hour=ranking.hour, minute=ranking.minute, timezone=self.zone),
            id="ranking",
            replace_existing=True,
        )
        self.scheduler.start()
        now = self._clock().astimezone(self.zone)
        for job, at, run in (("reminders", reminder, self.morning), ("ranking", ranking, self.evening)):
            if due_catch_up(now, at):
                logger.info("catching up today's %s (due at %s)", job, at)
                # A moment later: the channels finish starting first.
                self.scheduler.add_job(
                    run, "date", run_date=now + CATCH_UP_DELAY, id=f"{job}-catch-up", replace_existing=True
                )

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for a running job (its unsent claims are given back)."""
        if self.scheduler.running and not self._stopped:
            self._stopped = True
            self.scheduler.shutdown(wait=False)

    def _today(self) -> date:
        return self._clock().astimezone(self.zone).date()

    async def morning(self) -> None:
        """The day's to-dos and digests, and on a dispatch day the half-monthly pack."""
        today = self._today()
        try:
            await asyncio.to_thread(self.store.forget_expired)
            await run_job(self.store, "reminders", today, self.config, self.outlets)
        except Exception:
            logger.exception("the reminders job failed")
        if dispatch_due(today, self.config.dispatch_days, self.config.skip_holidays):
            try:
                await run_job(self.store, "dispatch", today, self.config, self.outlets)
            except Exception:
                logger.exception("the dispatch job failed")

    async def evening(self) -> None:
        """The day's ranking, then the notices."""
        try:
            await run_evening(self.store, self._today(), self.config, self.outlets)
        except Exception:
            logger.exception("the ranking job failed")
