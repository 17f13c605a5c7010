"""Two `qingshou run` processes on one database, as SPEC §9 runs several workers behind a load balancer: what
one process does is seen by the other at once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.app import App
from tests.bot.test_wecom import WeComChat
from tests.conftest import free_port
from tests.fake_wecom import FakeWeCom
from tests.ledger_data import seed

ROOT = Path(__file__).resolve().parents[2]
OFFICER, LEAD = "wecom-li-ming", "wecom-wang-jianguo"


@contextlib.contextmanager
def bot_process(
    database_url: str, wecom: FakeWeCom, folder: Path, port: int
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot run` with WeCom configured, on `port`."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CAMPAIGN_START": "2026-01-01",
        "CAMPAIGN_END": "2026-12-31",
        **wecom.environment(robot=False),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "PYTHONPATH": str(ROOT),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with (folder / f"bot-{port}.log").open("a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=folder,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()


async def healthy(client: httpx.AsyncClient, base: str) -> None:
    for _ in range(300):
        with contextlib.suppress(httpx.TransportError):
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{base} did not start")


@pytest.fixture
async def two_bots(app: App, database_url: str, tmp_path: Path) -> AsyncIterator[tuple[WeComChat, WeComChat]]:
    seed(app)
    async with FakeWeCom() as wecom, httpx.AsyncClient(trust_env=False, timeout=30) as client:
        ports = (free_port(), free_port())
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        with (
            bot_process(database_url, wecom, tmp_path, ports[0]),
            bot_process(database_url, wecom, tmp_path, ports[1]),
        ):
            await healthy(client, first)
            await healthy(client, second)
            yield (
                WeComChat(app, wecom, f"{first}/wecom/callback", client),
                WeComChat(app, wecom, f"{second}/wecom/callback", client),
            )


async def test_bound_through_one_process_and_recognised_by_the_other_at_once(
    two_bots: tuple[WeComChat, WeComChat],
) -> None:
    first, second = two_bots
    # Both processes have met these members before they bind.
    assert (await second.say(OFFICER, "我的案件"))[0].startswith("请先绑定身份")
    assert (await second.say(LEAD, "待确认"))[0].startswith("请先绑定身份")

    assert (await first.say(OFFICER, f"绑定 {first.code('E001')}"))[0].startswith("绑定成功")
    assert (await first.say(LEAD, f"绑定 {first.code('U001')}"))[0].startswith("绑定成功")

    # At once, through the other process: the officer writes, and the lead is told.
    recorded = await second.say(OFFICER, "L2023001 还款1000 现金")
    assert recorded[0].startswith("已报告还款：L2023001 张三 ¥1,000.00")
    await second.wecom.wait_for(lambda: any("报告还款" in t for t in second.wecom.texts(LEAD)[1:]))
    assert (await second.say(LEAD, "待确认"))[0].startswith("待确认还款 1 笔")
