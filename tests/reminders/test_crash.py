"""A job killed outright (kill -9) half-way, then run again: every message arrives, only what was in flight may
arrive twice, and the group's post is never doubled. The job runs as `python -m bot jobs run` in a process of
its own, against the fake Bot API of this one."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import pytest

from bot.app import App
from reminders.dispatch import IN_FLIGHT
from store.dispatch_log import CLAIM_LEASE
from tests.conftest import CAMPAIGN_END, CAMPAIGN_START, Clock
from tests.fake_telegram import Call, FakeTelegram
from tests.reminders.test_daily import (
    DAY,
    GROUP,
    LEAD_1,
    LEAD_2,
    RANK_DAY,
    ROOT,
    bind,
    many_officers,
    ranked_ledger,
)

OFFICERS = 40
# A run started again after a kill must not wait out the dead process's claims (CLAIM_LEASE).
RERUN_SECONDS = CLAIM_LEASE.total_seconds() / 2


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def job_env(tg: FakeTelegram, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CAMPAIGN_START": CAMPAIGN_START.isoformat(),
        "CAMPAIGN_END": CAMPAIGN_END.isoformat(),
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "TELEGRAM_GROUP_CHAT_ID": str(GROUP),
        "NO_PROXY": "127.0.0.1,localhost",
    }


async def start_job(job: str, day: date, env: dict[str, str]) -> asyncio.subprocess.Process:
    command = [sys.executable, "-m", "bot", "jobs", "run", job, "--date", day.isoformat()]
    return await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def kill_when(
    process: asyncio.subprocess.Process, tg: FakeTelegram, condition: Callable[[], Any]
) -> None:
    """kill -9 the job as soon as the fake Bot API sees `condition` come true."""
    try:
        await tg.wait_for(condition, timeout=60)
    finally:
        process.kill()
        await process.communicate()
    assert process.returncode == -9


async def run_again(job: str, day: date, env: dict[str, str]) -> str:
    """Run the job again to its end; it must not wait for the dead process's claims to lapse."""
    started = time.monotonic()
    process = await start_job(job, day, env)
    try:
        out, err = await asyncio.wait_for(process.communicate(), RERUN_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, (out.decode(), err.decode())
    assert time.monotonic() - started < RERUN_SECONDS
    return out.decode()


def sends(tg: FakeTelegram) -> list[Call]:
    return tg.sent(method="sendMessage") + tg.sent(method="sendPhoto")


def group_part(call: Call) -> str:
    """Which part of the group's post a call sent."""
    if call.method == "sendPhoto":
        return "chart"
    assert call.text is not None
    if call.text.startswith("【每日排名】"):
        return "text"
    assert call.text.startswith("请以下单位负责人关注"), call.text
    return "mention"


@pytest.mark.parametrize("kill", ["platform hangs", "while sending"])
async def test_a_to_do_run_killed_half_way_sends_the_rest_once_when_run_again(
    app: App, clock: Clock, tg: FakeTelegram, database_url: str, kill: str
) -> None:
    users = many_officers(app, clock, OFFICERS)
    env = job_env(tg, database_url)
    if kill == "platform hangs":
        # The platform takes twelve and then answers nothing: once every slot waits on a request it never
        # took, whatever it took has been marked, and nothing at all is sent twice.
        tg.stall_after = 12
        process = await start_job("reminders", DAY, env)
        await kill_when(process, tg, lambda: tg.stalled >= IN_FLIGHT)
        tg.stall_after = None
    else:
        # Killed at full speed (the bot paces itself at Telegram's 30 a second): whatever is in flight at
        # that instant may have been taken by the platform and is sent again.
        process = await start_job("reminders", DAY, env)
        await kill_when(process, tg, lambda: len(sends(tg)) >= 15)
    first = Counter(call.chat_id for call in sends(tg))
    assert 12 <= sum(first.values()) < OFFICERS  # half-way indeed
    await run_again("reminders", DAY, env)
    per_user = Counter(call.chat_id for call in sends(tg))
    assert set(per_user) == set(users)  # every to-do delivered
    assert max(per_user.values()) <= 2
    repeated = sum(n - 1 for n in per_user.values())
    if kill == "platform hangs":
        assert repeated == 0
    else:
        assert repeated <= IN_FLIGHT
    # Each chat got the one to-do of its officer, twice at most (the same text).
    assert all(len(set(tg.texts(user))) == 1 for user in users)


@pytest.mark.parametrize("kill", ["after the text", "after the chart", "while sending"])
async def test_a_ranking_run_killed_half_way_never_doubles_the_group_post(
    app: App, clock: Clock, tg: FakeTelegram, database_url: str, kill: str
) -> None:
    ranked_ledger(app, clock)
    env = job_env(tg, database_url)
    if kill == "while sending":
        # Killed the instant the platform has taken the chart, the unit leads' own rankings going out beside.
        bind(app, (LEAD_1, "U001"), (LEAD_2, "U002"))
        process = await start_job("ranking", RANK_DAY, env)
        await kill_when(process, tg, lambda: len(tg.sent(GROUP)) >= 2)
    else:
        # The platform took the text (and the chart) and hangs on the next part when the process dies.
        tg.stall_after = 1 if kill == "after the text" else 2
        process = await start_job("ranking", RANK_DAY, env)
        await kill_when(process, tg, lambda: tg.stalled >= 1)
        tg.stall_after = None
    before = [group_part(call) for call in tg.sent(GROUP)]
    assert before in (["text"], ["text", "chart"])
    await run_again("ranking", RANK_DAY, env)
    parts = [group_part(call) for call in tg.sent(GROUP)]
    if kill == "while sending":
        # The text was marked before the chart went; the chart (or the mention, if the process got that far)
        # was in flight and may have been taken without its answer arriving: it alone may come again.
        assert parts in (
            ["text", "chart", "mention"],
            ["text", "chart", "chart", "mention"],
            ["text", "chart", "mention", "mention"],
        )
        leads = [len(tg.sent(lead)) for lead in (LEAD_1, LEAD_2)]
        assert all(n in (1, 2) for n in leads) and sum(leads) - 2 + len(parts) - 3 <= IN_FLIGHT
    else:
        assert parts == ["text", "chart", "mention"]
