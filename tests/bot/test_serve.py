"""`qingshou run` as the composition root builds it: the schedule sends through every configured channel."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import App, build
from bot.serve import Service
from bot.settings import load_settings
from tests.conftest import CAMPAIGN_END, CAMPAIGN_START, NOW, Clock, free_port
from tests.fake_wecom import FakeWeCom
from tests.reminders.test_daily import DAY, at, build_ledger

OFFICER, LEAD = "wecom-li-ming", "wecom-wang-jianguo"


@pytest.fixture
async def wecom() -> AsyncIterator[FakeWeCom]:
    async with FakeWeCom() as fake:
        yield fake


@pytest.fixture
def served(database_url: str, wecom: FakeWeCom) -> tuple[App, Clock]:
    """The app `qingshou run` would build with only WeCom configured (app and group robot)."""
    clock = Clock(NOW)
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        campaign_start=CAMPAIGN_START,
        campaign_end=CAMPAIGN_END,
        **wecom.settings(),
        http_host="127.0.0.1",
        http_port=free_port(),
    )
    app = build(settings, clock=clock)
    app.init_database()
    return app, clock


@contextlib.asynccontextmanager
async def running(service: Service) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    port = service.app.settings.http_port
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    break
            await asyncio.sleep(0.05)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_qingshou_run_sends_the_morning_and_the_evening_to_wecom(
    served: tuple[App, Clock], wecom: FakeWeCom
) -> None:
    app, clock = served
    build_ledger(app, clock, DAY)
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    app.store.bind("wecom", OFFICER, codes["E001"])
    app.store.bind("wecom", LEAD, codes["U001"])
    service = Service(app)
    assert [outlet.name for outlet in service.channels.outlets] == ["wecom"]
    async with running(service):
        clock.now = at(DAY, 8).replace(minute=30)
        await service.schedule.morning()
        assert wecom.texts(OFFICER)[0].startswith("【每日待办】2026-11-30 李明")
        assert wecom.texts(LEAD)[0].startswith("【单位待办汇总】2026-11-30 城关信用社")

        clock.now = at(DAY, 18)
        await service.schedule.evening()
        kinds = [post["msgtype"] for post in wecom.robot]
        assert kinds[:2] == ["markdown", "image"]
        assert wecom.robot[0]["markdown"]["content"].startswith("【每日排名】2026-11-30")
        assert any(text.startswith("【本单位排名】2026-11-30 城关信用社") for text in wecom.texts(LEAD))
    app.close()
