"""WeCom end to end: callbacks encrypted with wechatpy's own crypto, exactly as WeCom builds them, posted to the
running web server; replies checked at a fake WeCom API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.app import App
from bot.channels.wecom import GroupRobot, WeComChannel
from bot.web import build_web_app
from store.models import Repayment
from tests.fake_wecom import AES_KEY, AGENT_ID, CORP_ID, SECRET, TOKEN, FakeWeCom
from tests.ledger_data import seed

OFFICER_1, OFFICER_2, LEAD = "liming", "zhouqiang", "wangjianguo"


class WeComChat:
    """The member's side: WeCom encrypts what they write and posts it to the bot's callback URL."""

    def __init__(self, app: App, wecom: FakeWeCom, url: str, client: httpx.AsyncClient) -> None:
        self.app = app
        self.wecom = wecom
        self.url = url
        self.client = client
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
        self.message_ids = iter(range(7_000_000_000_000_000_001, 7_000_000_000_000_999_999))

    def callback(
        self, user: str, text: str, message_id: int | None = None, fields: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The query and body of the callback WeCom would post for a text message (or other `fields`)."""
        msg_id = message_id if message_id is not None else next(self.message_ids)
        content = fields or f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        plain = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>{content}<MsgId>{msg_id}</MsgId>"
            f"<AgentID>{AGENT_ID}</AgentID></xml>"
        )
        timestamp, nonce = str(int(time.time())), f"n{msg_id % 1_000_000}"
        encrypted = ElementTree.fromstring(self.crypto.encrypt_message(plain, nonce, timestamp))
        body = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[{AGENT_ID}]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted.findtext('Encrypt')}]]></Encrypt></xml>"
        ).encode()
        query = {
            "msg_signature": encrypted.findtext("MsgSignature") or "",
            "timestamp": timestamp,
            "nonce": nonce,
        }
        return query, body

    async def post(self, query: dict[str, str], body: bytes) -> httpx.Response:
        return await self.client.post(self.url, params=query, content=body)

    async def say(self, user: str, text: str = "", expect: int = 1, fields: str | None = None) -> list[str]:
        """Write to the bot (or send other `fields`) and return the texts it sent back through the API."""
        before = len(self.wecom.texts(user))
        answer = await self.post(*self.callback(user, text, fields=fields))
        assert answer.status_code == 200 and answer.text == ""
        await self.wecom.wait_for(lambda: len(self.wecom.texts(user)) >= before + expect)
        return self.wecom.texts(user)[before:]

    async def settled(self) -> None:
        """Wait until nothing new has reached the fake API for a short while."""
        seen = -1
        while seen != len(self.wecom.sent):
            seen = len(self.wecom.sent)
            await asyncio.sleep(0.1)

    def code(self, employee_no: str) -> str:
        return next(line.code for line in self.app.store.bind_codes() if line.employee_no == employee_no)

    def repayments(self) -> int:
        with self.app.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Repayment)).scalar_one())


@contextlib.asynccontextmanager
async def running(web: Any) -> AsyncIterator[str]:
    """The ASGI app served by uvicorn on a free port of 127.0.0.1; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def chat(app: App) -> AsyncIterator[WeComChat]:
    seed(app)
    async with FakeWeCom() as wecom:
        channel = WeComChannel(
            app.router(), CORP_ID, AGENT_ID, SECRET, TOKEN, AES_KEY, wecom.base_url, wecom.robot_url
        )
        web = build_web_app(lambda: {"database": app.store.answers()}, wecom=channel)
        async with running(web) as base, httpx.AsyncClient(trust_env=False) as client:
            yield WeComChat(app, wecom, f"{base}/wecom/callback", client)
        await channel.close()


async def bind(chat: WeComChat, user: str, employee_no: str) -> None:
    answer = await chat.say(user, f"绑定 {chat.code(employee_no)}")
    assert answer[0].startswith("绑定成功"), answer


async def test_url_verification_answers_the_echo_and_refuses_a_forged_one(chat: WeComChat) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    encrypted = ElementTree.fromstring(crypto.encrypt_message("echo-1234", "nonce", "1700000000"))
    query = {
        "msg_signature": encrypted.findtext("MsgSignature"),
        "timestamp": "1700000000",
        "nonce": "nonce",
        "echostr": encrypted.findtext("Encrypt"),
    }
    answer = await chat.client.get(chat.url, params=query)
    assert (answer.status_code, answer.text) == (200, "echo-1234")
    forged = await chat.client.get(chat.url, params={**query, "msg_signature": "0" * 40})
    assert forged.status_code == 403


async def test_bind_repay_by_free_text_choose_by_number_and_progress(chat: WeComChat) -> None:
    await bind(chat, OFFICER_1, "E001")
    await bind(chat, OFFICER_2, "E002")
    await bind(chat, LEAD, "U001")

    recorded = await chat.say(OFFICER_2, "L2023002 还款5万 现金", expect=1)
    assert recorded[0].startswith("已报告还款：L2023002 李四 ¥50,000.00")
    await chat.wecom.wait_for(lambda: chat.wecom.texts(LEAD))  # the unit lead is asked to confirm
    assert chat.repayments() == 1

    # No loan number: the bot asks, with its choices numbered, and records nothing until answered.
    unsure = await chat.say(OFFICER_1, "还了一万 现金")
    assert unsure[0].startswith("没有找到贷款编号或借款人")
    assert "回复数字选择：" in unsure[0] and "[1] L2023001 张三" in unsure[0]
    assert chat.repayments() == 1
    picked = await chat.say(OFFICER_1, "1")
    assert picked[0].startswith("已报告还款：L2023001 张三 ¥10,000.00")
    assert chat.repayments() == 2
    await chat.wecom.wait_for(lambda: len(chat.wecom.texts(LEAD)) == 3)  # bound, then two to confirm

    progress = await chat.say(LEAD, "进度")
    assert progress[0].startswith("城关信用社 清收进度")
    assert chat.app.store.available("L2023002").total == Decimal("70000.00")


async def test_a_callback_with_a_wrong_signature_is_refused_and_changes_nothing(chat: WeComChat) -> None:
    await bind(chat, OFFICER_2, "E002")
    query, body = chat.callback(OFFICER_2, "L2023002 还款5万 现金")
    answer = await chat.post({**query, "msg_signature": "f" * 40}, body)
    assert answer.status_code == 403
    await asyncio.sleep(0.3)
    assert chat.repayments() == 0
    assert len(chat.wecom.texts(OFFICER_2)) == 1  # only the answer to the binding


async def test_a_callback_sent_again_with_the_same_msgid_is_recorded_once(chat: WeComChat) -> None:
    await bind(chat, OFFICER_2, "E002")
    query, body = chat.callback(OFFICER_2, "L2023002 还款5万 现金", message_id=7_100_000_000_000_000_001)
    first = await chat.post(query, body)
    again = await chat.post(query, body)  # WeCom retries a callback it thinks went unanswered
    assert first.status_code == again.status_code == 200
    await chat.wecom.wait_for(lambda: len(chat.wecom.texts(OFFICER_2)) >= 3)
    await asyncio.sleep(0.3)
    assert chat.repayments() == 1
    replies = chat.wecom.texts(OFFICER_2)[1:]
    assert len(replies) == 2 and replies[0] == replies[1]  # answered the same way both times


async def test_a_stale_access_token_is_renewed(chat: WeComChat) -> None:
    await bind(chat, OFFICER_2, "E002")
    assert chat.wecom.token_fetches == 1
    chat.wecom.expire_tokens()
    answer = await chat.say(OFFICER_2, "帮助")
    assert answer[0].startswith("清收助手")
    assert chat.wecom.token_fetches == 2


async def test_the_ranking_reaches_the_group_robot_with_the_lagging_leads_mentioned(
    app: App, clock: Any
) -> None:
    from reminders.jobs import run_job
    from tests.reminders.test_jobs import CONFIG, RANK_DAY, ranked_ledger

    ranked_ledger(app, clock)
    async with FakeWeCom() as wecom:
        channel = WeComChannel(
            app.router(), CORP_ID, AGENT_ID, SECRET, TOKEN, AES_KEY, wecom.base_url, wecom.robot_url
        )
        await run_job(app.store, "ranking", RANK_DAY, CONFIG, [channel])
        await channel.close()
    markdown, image, mention = wecom.robot
    assert markdown["msgtype"] == "markdown"
    assert markdown["markdown"]["content"].startswith(
        "【每日排名】2026-12-01 各单位清收完成率（时间进度 91.8%）"
    )
    assert image["msgtype"] == "image"
    assert mention == {
        "msgtype": "text",
        "text": {
            "content": "请以下单位负责人关注本单位进度：东风信用社（赵东升）、城关信用社（王建国）",
            "mentioned_mobile_list": ["13800004444", "13800003333"],
        },
    }
    assert wecom.robot_refused == 0


async def test_the_group_robot_keeps_under_its_rate_without_being_refused(app: App) -> None:
    from core.messages import Outgoing, Reply
    from reminders.dispatch import Dispatcher
    from tests.fake_telegram import tiny_png
    from tests.reminders.test_jobs import DAY

    # A ranking long enough for several markdown parts, a chart and a mention: more posts than a robot that
    # takes three a second (WeCom's 20 a minute, sped up) allows at once, paced by the robot's own limiter.
    long_text = "\n".join(f"{n}. 第{n}信用社 12.3% ↑1 今日1.00万元 结清3/40 ⚠" for n in range(1, 200))
    ranking = Outgoing(
        "ranking:group",
        (Reply(long_text), Reply("图", picture=tiny_png()), Reply("请关注", mentions=("13800004444",))),
        chat="group",
    )
    for paced, refused in ((3, 0), (1000, 1)):
        async with FakeWeCom(robot_limit=3, robot_period=1.0) as wecom:
            channel = WeComChannel(
                app.router(), CORP_ID, AGENT_ID, SECRET, TOKEN, AES_KEY, wecom.base_url, wecom.robot_url
            )
            channel.robot = GroupRobot(wecom.robot_url, channel.client, limit=paced, period=1.0)
            report = await Dispatcher(app.store, [channel], retries=0).send(f"robot-{paced}", DAY, [ranking])
            await channel.close()
        if refused:
            assert wecom.robot_refused >= 1 and report.failed == 1  # unpaced, the robot is refused
        else:
            assert wecom.robot_refused == 0 and report.sent == 1
            kinds = [m["msgtype"] for m in wecom.robot]
            assert kinds == ["markdown"] * (len(kinds) - 2) + ["image", "text"] and len(kinds) >= 5
            parts = [m["markdown"]["content"] for m in wecom.robot[:-2]]
            assert "\n".join(parts) == long_text and all(len(p.encode()) <= 4096 for p in parts)


def test_long_texts_are_cut_under_the_byte_limits() -> None:
    from bot.channels.wecom import split_bytes

    lines = [f"{n}. 第{n}笔 L2023{n:04d} 张三 未收回 ¥12,345.67：逾期 3 天" for n in range(200)]
    parts = split_bytes("\n".join(lines), 2048)
    assert len(parts) > 1 and all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    one_line = "欠" * 3000  # 9,000 bytes with no line end: cut between characters, never inside one
    pieces = split_bytes(one_line, 2048)
    assert all(len(p.encode()) <= 2048 for p in pieces) and "".join(pieces) == one_line


async def test_the_morning_reaches_wecom_and_telegram_members_once_each(app: App, clock: Any) -> None:
    from bot.channels.telegram import TelegramChannel
    from reminders.jobs import run_job
    from tests.fake_telegram import FakeTelegram
    from tests.reminders.test_jobs import CONFIG, DAY, TODO_LI_MING, build_ledger

    build_ledger(app, clock, DAY)
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    app.store.bind("wecom", OFFICER_1, codes["E001"])  # the officer works on WeCom, the unit lead on Telegram
    app.store.bind("telegram", "2001", codes["U001"])
    async with FakeWeCom() as wecom, FakeTelegram() as tg:
        on_wecom = WeComChannel(app.router(), CORP_ID, AGENT_ID, SECRET, TOKEN, AES_KEY, wecom.base_url)
        on_telegram = TelegramChannel(app.router(), tg.token, tg.base_url)
        async with on_telegram.application:
            for _ in range(2):  # the second run finds everything sent
                await run_job(app.store, "reminders", DAY, CONFIG, [on_wecom, on_telegram])
        await on_wecom.close()
    assert wecom.texts(OFFICER_1) == [TODO_LI_MING]
    (digest,) = tg.texts(2001)
    assert digest.startswith("【单位待办汇总】2026-11-30 城关信用社")


async def test_a_notice_reaches_a_wecom_unit_lead_as_a_word_file(app: App, clock: Any) -> None:
    import io

    import docx

    from reminders.jobs import run_job
    from tests.reminders.test_jobs import CONFIG, RANK_DAY, ranked_ledger

    ranked_ledger(app, clock)
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    app.store.bind("wecom", LEAD, codes["U001"])
    async with FakeWeCom() as wecom:
        channel = WeComChannel(app.router(), CORP_ID, AGENT_ID, SECRET, TOKEN, AES_KEY, wecom.base_url)
        await run_job(app.store, "notices", RANK_DAY, CONFIG, [channel])
        await channel.close()
    text, document = [s for s in wecom.sent if s.user == LEAD]
    assert text.msgtype == "text" and "城关信用社" in text.content
    assert document.msgtype == "file" and document.filename == "督办函-城关信用社-2026-12-01.docx"
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(document.media)).paragraphs)
    assert "关于城关信用社不良贷款清收进度滞后的督办函" in body


async def test_qingshou_run_serves_the_wecom_callback_and_the_health_check(database_url: str) -> None:
    import os
    import signal

    from bot.app import build
    from bot.serve import serve
    from bot.settings import load_settings

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    async with FakeWeCom() as wecom:
        settings = load_settings(
            _env_file=None,
            database_url=database_url,
            wecom_corp_id=CORP_ID,
            wecom_agent_id=AGENT_ID,
            wecom_secret=SECRET,
            wecom_token=TOKEN,
            wecom_aes_key=AES_KEY,
            wecom_api_base_url=wecom.base_url,
            http_host="127.0.0.1",
            http_port=port,
        )
        app = build(settings)
        app.init_database()
        running_bot = asyncio.create_task(serve(app))
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(trust_env=False) as client:
            for _ in range(100):
                with contextlib.suppress(httpx.TransportError):
                    health = await client.get(f"{base}/healthz")
                    break
                await asyncio.sleep(0.05)
            assert health.json() == {"status": "ok", "database": True, "scheduler": True}
            encrypted = ElementTree.fromstring(
                WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message("hi", "n", "1")
            )
            echo = await client.get(
                f"{base}/wecom/callback",
                params={
                    "msg_signature": encrypted.findtext("MsgSignature"),
                    "timestamp": "1",
                    "nonce": "n",
                    "echostr": encrypted.findtext("Encrypt"),
                },
            )
            assert (echo.status_code, echo.text) == (200, "hi")
        os.kill(os.getpid(), signal.SIGTERM)  # what stops `qingshou run`
        await asyncio.wait_for(running_bot, 10)
        app.close()


LOCATION = (
    "<MsgType><![CDATA[location]]></MsgType><Location_X>30.25</Location_X><Location_Y>120.16</Location_Y>"
    "<Scale>15</Scale><Label><![CDATA[城关镇]]></Label>"
)


async def test_a_location_and_a_menu_click(chat: WeComChat) -> None:
    from store.models import Contact

    await bind(chat, OFFICER_2, "E002")
    await chat.say(OFFICER_2, "L2023002 上门 已联系")
    kept = await chat.say(OFFICER_2, fields=LOCATION)
    assert kept == ["位置已记入 L2023002 的最近一次催收记录。"]
    with chat.app.engine.connect() as connection:
        assert connection.execute(select(Contact.latitude, Contact.longitude)).one() == (
            "30.250000",
            "120.160000",
        )
    # A menu item whose key is a keyword works as if typed.
    click = "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[我的案件]]></EventKey>"
    cases = await chat.say(OFFICER_2, fields=click)
    assert cases[0].startswith("未结清案件 1 笔")


async def test_an_upload_after_the_token_went_stale_keeps_its_media_type() -> None:
    from bot.channels.wecom import WeComApi

    async with FakeWeCom() as wecom, httpx.AsyncClient(trust_env=False) as client:
        api = WeComApi(wecom.base_url, CORP_ID, SECRET, AGENT_ID, client)
        await api.token()
        wecom.expire_tokens()
        await api.send_media("someone", "file", b"PK-notice", "督办函.docx")
    (sent,) = wecom.sent
    assert (sent.msgtype, sent.media, sent.filename, wecom.token_fetches) == (
        "file",
        b"PK-notice",
        "督办函.docx",
        2,
    )
