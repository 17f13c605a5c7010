"""`qingshou run` killed (kill -9) right after it answered a burst of WeCom callbacks, before it could answer the
members: WeCom will not send those callbacks again, so the restarted bot answers each from what it kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from aiohttp import web
from sqlalchemy import func, select

from bot.app import App
from store.models import Contact, Person, Repayment
from tests.bot.test_two_processes import bot_process, healthy
from tests.bot.test_wecom import WeComChat
from tests.conftest import free_port
from tests.fake_wecom import FakeWeCom
from tests.ledger_data import seed

ROOT = Path(__file__).resolve().parents[2]
# Members of two units writing at once: (WeCom user, employee number, their case).
OFFICERS = [("crash-li-ming", "E001", "L2023001"), ("crash-zhou-qiang", "E002", "L2023002")]
OFFICERS.append(("crash-sun-fang", "E003", "L2023003"))
LEADS = [("crash-wang-jianguo", "U001"), ("crash-zhao-dongsheng", "U002")]
BORROWERS = {"L2023001": "张三", "L2023002": "李四", "L2023003": "王五"}
MESSAGES_EACH = 8


class HeldWeCom(FakeWeCom):
    """WeCom whose message API holds every send until `release()`: a send held while the bot died never reaches
    a member (the connection is gone; WeCom drops it)."""

    def __init__(self) -> None:
        super().__init__()
        self.held = 0
        self._released = asyncio.Event()

    def release(self) -> None:
        """From now on sends go through; those held are dropped."""
        self._released.set()

    async def _send(self, request: web.Request) -> web.Response:
        if not self._released.is_set():
            self.held += 1
            await self._released.wait()
            return self._answer(-1, "system busy")  # to a bot that is no more
        return await super()._send(request)


def count(app: App, model: type[Repayment] | type[Contact], employee_no: str) -> int:
    """How many entries of a kind the officer has in the ledger."""
    with app.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(model)
                .join(Person, Person.id == model.person_id)
                .where(Person.employee_no == employee_no)
            ).scalar_one()
        )


async def test_callbacks_answered_with_200_then_killed_are_recorded_and_answered_once_after_restart(
    app: App, database_url: str, tmp_path: Path
) -> None:
    seed(app)
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    for user, employee_no, *_ in (*OFFICERS, *LEADS):
        app.store.bind("wecom", user, codes[employee_no])
    port = free_port()
    async with HeldWeCom() as wecom, httpx.AsyncClient(trust_env=False, timeout=30) as client:
        base = f"http://127.0.0.1:{port}"
        chat = WeComChat(app, wecom, f"{base}/wecom/callback", client)
        # Each officer reports repayments and contacts, alternately; every callback is built before the burst.
        burst = [
            chat.callback(user, f"{loan} 还款{100 + n} 现金" if n % 2 == 0 else f"{loan} 电话 已联系")
            for n in range(MESSAGES_EACH)
            for user, _employee_no, loan in OFFICERS
        ]
        with bot_process(database_url, wecom, tmp_path, port) as first:
            await healthy(client, base)
            answers = await asyncio.gather(*(chat.post(query, body) for query, body in burst))
            first.kill()  # kill -9, the moment the last 200 is back
            first.wait()
        assert [answer.status_code for answer in answers] == [200] * len(burst)
        await asyncio.sleep(1.0)  # what the bot sent before it died reaches WeCom, and is held there
        assert sum(wecom.text_counts.values()) == 0  # nobody was answered before the crash
        wecom.release()

        with bot_process(database_url, wecom, tmp_path, port):
            await healthy(client, base)
            await wecom.wait_for(
                lambda: all(wecom.text_counts[user] >= MESSAGES_EACH for user, *_ in OFFICERS), timeout=60
            )
            await chat.settled()
            await asyncio.sleep(1.0)  # anything answered twice would have arrived by now

    for user, employee_no, loan in OFFICERS:
        assert wecom.text_counts[user] == MESSAGES_EACH, (user, wecom.texts(user))  # answered once each
        assert count(app, Repayment, employee_no) == MESSAGES_EACH // 2  # recorded once each
        assert count(app, Contact, employee_no) == MESSAGES_EACH // 2
        reported = [t.split("（")[0] for t in wecom.texts(user) if t.startswith("已报告还款")]
        assert sorted(reported) == [
            f"已报告还款：{loan} {BORROWERS[loan]} ¥{100 + n}.00" for n in range(0, MESSAGES_EACH, 2)
        ]
    # Each repayment reaches its unit's lead, never twice.
    told = [text for user, _ in LEADS for text in wecom.texts(user) if "报告还款" in text]
    assert len(told) == len(set(told))
