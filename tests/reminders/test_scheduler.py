"""The daily schedule: its jobs on APScheduler at the campaign's times, caught up after a late start, and a
morning run that sends each to-do once however often it runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from bot.app import App
from reminders.config import ScheduleConfig
from reminders.scheduler import Schedule, due_catch_up
from store.models import Dispatch
from tests.conftest import SHANGHAI, Clock
from tests.fake_telegram import FakeTelegram
from tests.reminders.test_daily import (
    ADMIN,
    CONFIG,
    DAY,
    OFFICER_1,
    OFFICER_2,
    TODO_LI_MING,
    at,
    bind,
    build_ledger,
    channel_for,
)

# Not the defaults (08:30 and 18:00): the triggers must take the configured times.
TIMES = ScheduleConfig(reminder_time=time(8, 15), ranking_time=time(17, 45))
# The schedule's clock in the tests that start the scheduler: years after the real one, so that a catch-up
# job never comes due (and runs) while the test looks at it.
LATER = date(2036, 6, 2)


def shanghai(hour: int, minute: int = 0) -> datetime:
    return datetime(LATER.year, LATER.month, LATER.day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (8, 40, True),  # ten minutes late: today's to-dos are still worth sending
        (8, 30, True),  # started at the very minute
        (8, 20, False),  # before its time: the cron trigger will run it
        (11, 29, True),  # just within the three hours' grace
        (11, 30, False),  # three hours late
        (12, 0, False),  # past the grace: too late for a morning to-do
    ],
)
def test_a_job_is_caught_up_only_when_started_after_its_time_within_the_grace(
    hour: int, minute: int, expected: bool
) -> None:
    assert due_catch_up(shanghai(hour, minute), time(8, 30)) is expected


@pytest.fixture
async def schedule(app: App, clock: Clock) -> AsyncIterator[Schedule]:
    """A schedule of the application's store, stopped at the end (started by the test, in its loop)."""
    started = Schedule(app.store, TIMES, [], SHANGHAI, clock=clock)
    yield started
    started.shutdown()
    await asyncio.sleep(0)  # APScheduler 3.11 shuts an AsyncIOScheduler down on the loop's next turn


def cron_time(trigger: object) -> tuple[str, str, str]:
    assert isinstance(trigger, CronTrigger)
    fields = {field.name: str(field) for field in trigger.fields}
    assert {name: fields[name] for name in ("year", "month", "day", "day_of_week")} == dict.fromkeys(
        ("year", "month", "day", "day_of_week"), "*"
    )
    assert str(trigger.timezone) == "Asia/Shanghai"
    return fields["hour"], fields["minute"], fields["second"]


async def test_the_daily_jobs_run_at_the_configured_times_in_shanghai_with_three_hours_grace(
    schedule: Schedule, clock: Clock
) -> None:
    clock.now = shanghai(7)
    assert not schedule.running
    schedule.start()
    assert schedule.running
    reminders = schedule.scheduler.get_job("reminders")
    ranking = schedule.scheduler.get_job("ranking")
    assert reminders is not None and ranking is not None
    assert cron_time(reminders.trigger) == ("8", "15", "0")
    assert cron_time(ranking.trigger) == ("17", "45", "0")
    assert reminders.func == schedule.morning and ranking.func == schedule.evening
    for job in (reminders, ranking):
        # APScheduler's default grace is one second: a bot busy or asleep at 08:15 would skip the day.
        assert job.misfire_grace_time == 3 * 60 * 60
        assert job.coalesce is True
        assert job.max_instances == 1
    # At 07:00 neither job's time has come: nothing to catch up.
    assert sorted(job.id for job in schedule.scheduler.get_jobs()) == ["ranking", "reminders"]
    schedule.shutdown()
    await asyncio.sleep(0)  # the shutdown takes effect on the event loop's next turn
    assert not schedule.running


async def test_a_start_after_the_morning_time_catches_up_the_reminders_once_and_not_the_ranking(
    schedule: Schedule, clock: Clock
) -> None:
    clock.now = shanghai(8, 40)
    schedule.start()
    catch_up = schedule.scheduler.get_job("reminders-catch-up")
    assert catch_up is not None
    assert catch_up.func == schedule.morning
    assert isinstance(catch_up.trigger, DateTrigger)
    assert catch_up.trigger.run_date == shanghai(8, 40) + timedelta(seconds=10)
    assert schedule.scheduler.get_job("ranking-catch-up") is None
    assert sorted(job.id for job in schedule.scheduler.get_jobs()) == [
        "ranking",
        "reminders",
        "reminders-catch-up",
    ]


async def test_a_start_after_the_evening_time_catches_up_the_ranking(
    schedule: Schedule, clock: Clock
) -> None:
    clock.now = shanghai(18, 0)
    schedule.start()
    catch_up = schedule.scheduler.get_job("ranking-catch-up")
    assert catch_up is not None and catch_up.func == schedule.evening
    assert schedule.scheduler.get_job("reminders-catch-up") is None  # 08:15 is more than 3 hours ago


async def test_the_morning_job_sends_each_to_do_once_however_often_it_runs(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    build_ledger(app, clock, DAY)
    bind(app, (OFFICER_1, "E001"), (OFFICER_2, "E002"))
    clock.now = at(DAY, 8) + timedelta(minutes=30)
    channel = channel_for(app, tg)
    schedule = Schedule(app.store, CONFIG, [channel], SHANGHAI, clock=clock)
    async with channel.opened():
        await schedule.morning()
        assert tg.texts(OFFICER_1) == [TODO_LI_MING]
        assert tg.texts(OFFICER_2) == []  # nothing falls due for 周强
        clock.now += timedelta(minutes=10)  # the catch-up after a restart, the same morning
        await schedule.morning()
    assert tg.texts(OFFICER_1) == [TODO_LI_MING]
    assert len(tg.sent(method="sendMessage")) == 1
    with app.engine.connect() as connection:
        logged = connection.execute(
            select(Dispatch.job, Dispatch.day, Dispatch.status, Dispatch.recipient)
        ).all()
    assert [(job, day, status) for job, day, status, _ in logged] == [("reminders", DAY, "sent")]
    assert logged[0].recipient.endswith(f">telegram:{OFFICER_1}")


async def test_on_a_dispatch_day_the_morning_sends_the_pack_once_to_the_admins(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    build_ledger(app, clock, DAY)
    bind(app, (OFFICER_1, "E001"), (ADMIN, "A001"))
    channel = channel_for(app, tg)
    schedule = Schedule(app.store, CONFIG, [channel], SHANGHAI, clock=clock)
    pack = "清收调度材料-2026-11-16至2026-11-30"
    async with channel.opened():
        for minutes in (30, 40):  # on time, then a restart's catch-up the same morning
            clock.now = at(date(2026, 12, 1), 8) + timedelta(minutes=minutes)
            await schedule.morning()
        # The next morning is no dispatch day.
        clock.now = at(date(2026, 12, 2), 8) + timedelta(minutes=30)
        await schedule.morning()
    documents = [call.params["document_name"] for call in tg.sent(ADMIN, "sendDocument")]
    assert documents == [f"{pack}.docx", f"{pack}.xlsx"]
    (summary,) = tg.texts(ADMIN)
    assert summary.startswith("【半月调度】2026-11-16—2026-11-30：")
    assert len(tg.texts(OFFICER_1)) == 2  # the to-dos of both mornings, never the pack


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
