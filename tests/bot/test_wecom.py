"""WeCom end to end: callbacks encrypted with wechatpy's own crypto, exactly as WeCom builds them, posted to the
running web server; replies checked at a fake WeCom API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import uvicorn
from aiohttp import web
from sqlalchemy import func, select, update
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.app import App
from bot.channels.wecom import GroupRobot, WeComChannel
from bot.web import build_web_app
from store.models import InboxMessage, Repayment
from tests.fake_wecom import AES_KEY, AGENT_ID, CORP_ID, SECRET, TOKEN, FakeWeCom
from tests.ledger_data import seed

OFFICER_1, OFFICER_2, LEAD = "liming", "zhouqiang", "wangjianguo"
SUMMER_2017 = 1_496_300_000  # 2017-06-01
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
MESSAGE_IDS = itertools.count(7_000_000_000_000_000_001)


class WeComChat:
    """The member's side: WeCom encrypts what they write and posts it to the bot's callback URL."""

    def __init__(self, app: App, wecom: FakeWeCom, url: str, client: httpx.AsyncClient) -> None:
        self.app = app
        self.wecom = wecom
        self.url = url
        self.client = client
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
        self.message_ids = MESSAGE_IDS  # WeCom numbers every message once, whichever server it is posted to
        self.channel: WeComChannel | None = None  # the bot's side, when served in this process

    def callback(
        self,
        user: str,
        text: str,
        message_id: int | None = None,
        fields: str | None = None,
        posted_at: int | None = None,
        created_at: int | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The query and body of the callback WeCom would post for a text message (or other `fields`), posted
        now (or at `posted_at`, the query's timestamp) for a message written then (or at `created_at`)."""
        msg_id = message_id if message_id is not None else next(self.message_ids)
        content = fields or f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        posted = posted_at if posted_at is not None else int(time.time())
        created = created_at if created_at is not None else posted
        plain = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime>{content}<MsgId>{msg_id}</MsgId>"
            f"<AgentID>{AGENT_ID}</AgentID></xml>"
        )
        timestamp, nonce = str(posted), f"n{msg_id % 1_000_000}"
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


def wecom_channel(app: App, wecom: FakeWeCom, *, robot: bool = True, **options: Any) -> WeComChannel:
    """The app's WeCom channel on the fake WeCom, with the group robot unless told otherwise."""
    robot_url = wecom.robot_url if robot else None
    return WeComChannel(
        app.router(),
        app.store,
        CORP_ID,
        AGENT_ID,
        SECRET,
        TOKEN,
        AES_KEY,
        wecom.base_url,
        robot_url,
        **options,
    )


@contextlib.asynccontextmanager
async def serving(app: App, wecom: FakeWeCom, **options: Any) -> AsyncIterator[WeComChat]:
    """The WeCom channel (built with `options`) behind the real web server, and a member's side of it."""
    channel = wecom_channel(app, wecom, **options)
    web = build_web_app(lambda: {"database": app.store.answers()}, wecom=channel)
    async with running(web) as base, httpx.AsyncClient(trust_env=False) as client:
        chat = WeComChat(app, wecom, f"{base}/wecom/callback", client)
        chat.channel = channel
        yield chat
    await channel.close()


@pytest.fixture
async def chat(app: App) -> AsyncIterator[WeComChat]:
    seed(app)
    async with FakeWeCom() as wecom, serving(app, wecom) as member_side:
        yield member_side


async def bind(chat: WeComChat, user: str, employee_no: str) -> None:
    answer = await chat.say(user, f"绑定 {chat.code(employee_no)}")
    assert answer[0].startswith("绑定成功"), answer


def inbox(app: App) -> list[Any]:
    """The messages kept in the inbox, in the order kept."""
    with app.engine.connect() as connection:
        return list(connection.execute(select(InboxMessage).order_by(InboxMessage.id)))


def url_check(echo: str, timestamp: int) -> dict[str, str]:
    """The query of WeCom's URL check at `timestamp`, validly signed."""
    encrypted = ElementTree.fromstring(
        WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message(echo, "nonce", str(timestamp))
    )
    return {
        "msg_signature": encrypted.findtext("MsgSignature") or "",
        "timestamp": str(timestamp),
        "nonce": "nonce",
        "echostr": encrypted.findtext("Encrypt") or "",
    }


async def test_url_verification_answers_the_echo_and_refuses_a_forged_or_stale_one(
    chat: WeComChat, caplog: pytest.LogCaptureFixture
) -> None:
    query = url_check("echo-1234", int(time.time()))
    answer = await chat.client.get(chat.url, params=query)
    assert (answer.status_code, answer.text) == (200, "echo-1234")
    forged = await chat.client.get(chat.url, params={**query, "msg_signature": "0" * 40})
    assert forged.status_code == 403
    # Validly signed, but from 2017, or ten minutes ahead: a captured check, not WeCom asking now.
    for when in (SUMMER_2017, int(time.time()) + 600):
        stale = await chat.client.get(chat.url, params=url_check("echo-1234", when))
        assert (stale.status_code, stale.text) == (403, "")
    assert caplog.text.count("WeCom URL check refused") == 3


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


async def test_a_callback_sent_again_with_the_same_msgid_is_kept_recorded_and_answered_once(
    chat: WeComChat,
) -> None:
    await bind(chat, OFFICER_2, "E002")
    query, body = chat.callback(OFFICER_2, "L2023002 还款5万 现金", message_id=7_100_000_000_000_000_001)
    first = await chat.post(query, body)
    assert first.status_code == 200
    # Kept before the 200 came back: a crash now would lose nothing.
    assert [(m.key, m.text) for m in inbox(chat.app)][-1] == (
        f"wecom:{OFFICER_2}:msg:7100000000000000001",
        "L2023002 还款5万 现金",
    )
    again = await chat.post(query, body)  # WeCom retries a callback it thinks went unanswered
    assert again.status_code == 200
    await chat.wecom.wait_for(lambda: len(chat.wecom.texts(OFFICER_2)) >= 2)
    await chat.settled()
    assert chat.repayments() == 1
    (reply,) = chat.wecom.texts(OFFICER_2)[1:]  # answered once
    assert reply.startswith("已报告还款：L2023002 李四 ¥50,000.00")
    assert len(inbox(chat.app)) == 2  # the binding and the report, each kept once
    assert [(m.outcome, m.handled_at is not None) for m in inbox(chat.app)] == [("answered", True)] * 2


async def test_a_validly_signed_callback_dated_2017_or_ahead_is_refused_and_changes_nothing(
    chat: WeComChat, caplog: pytest.LogCaptureFixture
) -> None:
    await bind(chat, OFFICER_2, "E002")
    now = int(time.time())
    replays = [
        chat.callback(OFFICER_2, "L2023002 还款5万 现金", posted_at=SUMMER_2017),
        chat.callback(OFFICER_2, "L2023002 还款6万 现金", posted_at=now + 600),  # ten minutes ahead
        # Posted now, but a message written in 2017 (WeCom dates both; a forger can change neither).
        chat.callback(OFFICER_2, "L2023002 还款7万 现金", posted_at=now, created_at=SUMMER_2017),
    ]
    for query, body in replays:
        answer = await chat.post(query, body)
        assert (answer.status_code, answer.text) == (403, "")
    await asyncio.sleep(0.3)
    assert chat.repayments() == 0
    assert len(chat.wecom.texts(OFFICER_2)) == 1  # only the answer to the binding
    assert caplog.text.count("WeCom callback refused") == 3 and "off the server's clock" in caplog.text
    # Within a few minutes of the clock it is WeCom's and is answered.
    fresh = await chat.post(*chat.callback(OFFICER_2, "L2023002 还款5万 现金", posted_at=now - 120))
    assert fresh.status_code == 200
    await chat.wecom.wait_for(lambda: len(chat.wecom.texts(OFFICER_2)) == 2)
    assert chat.repayments() == 1


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
    from reminders.daily import run_job
    from tests.reminders.test_daily import CONFIG, RANK_DAY, ranked_ledger

    ranked_ledger(app, clock)
    async with FakeWeCom() as wecom:
        channel = wecom_channel(app, wecom)
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
    from tests.reminders.test_daily import DAY

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
            channel = wecom_channel(app, wecom)
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
    from reminders.daily import run_job
    from tests.fake_telegram import FakeTelegram
    from tests.reminders.test_daily import CONFIG, DAY, TODO_LI_MING, build_ledger

    build_ledger(app, clock, DAY)
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    app.store.bind("wecom", OFFICER_1, codes["E001"])  # the officer works on WeCom, the unit lead on Telegram
    app.store.bind("telegram", "2001", codes["U001"])
    async with FakeWeCom() as wecom, FakeTelegram() as tg:
        on_wecom = wecom_channel(app, wecom, robot=False)
        on_telegram = TelegramChannel(app.router(), app.store, tg.token, tg.base_url)
        async with on_telegram.opened():
            for _ in range(2):  # the second run finds everything sent
                await run_job(app.store, "reminders", DAY, CONFIG, [on_wecom, on_telegram])
        await on_wecom.close()
    assert wecom.texts(OFFICER_1) == [TODO_LI_MING]
    (digest,) = tg.texts(2001)
    assert digest.startswith("【单位待办汇总】2026-11-30 城关信用社")


async def test_a_notice_reaches_a_wecom_unit_lead_as_a_word_file(app: App, clock: Any) -> None:
    import io

    import docx

    from reminders.daily import run_job
    from tests.reminders.test_daily import CONFIG, RANK_DAY, ranked_ledger

    ranked_ledger(app, clock)
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    app.store.bind("wecom", LEAD, codes["U001"])
    async with FakeWeCom() as wecom:
        channel = wecom_channel(app, wecom, robot=False)
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
            **wecom.settings(robot=False),
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
            echo = await client.get(f"{base}/wecom/callback", params=url_check("hi", int(time.time())))
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


def number_for(chat: WeComChat, user: str, data: str) -> int:
    """The number that answers the choice `data` (or the first whose data starts with it) offered to `user`."""
    for number in range(1, 40):
        offered = chat.app.store.offered_choice("wecom", user, number)
        if offered is not None and offered.startswith(data):
            return number
    raise AssertionError(f"{data} is not offered to {user}")


def repayment_states(app: App) -> list[tuple[str, str]]:
    with app.engine.connect() as connection:
        return [
            (str(amount), status)
            for amount, status in connection.execute(
                select(Repayment.amount, Repayment.status).order_by(Repayment.id)
            )
        ]


async def test_a_captured_number_posted_again_means_what_it_meant_and_confirms_nothing(
    chat: WeComChat,
) -> None:
    await bind(chat, OFFICER_2, "E002")
    await bind(chat, LEAD, "U001")
    await chat.say(OFFICER_2, "L2023002 还款5万 现金")
    await chat.settled()
    card = await chat.say(LEAD, "案件 L2023002")
    assert "[1] " in card[0]
    # The lead answers 1 (the case's contact menu); someone captures the callback on the way.
    captured = chat.callback(LEAD, "1", message_id=7_200_000_000_000_000_001)
    before = len(chat.wecom.texts(LEAD))
    assert (await chat.post(*captured)).status_code == 200
    await chat.wecom.wait_for(lambda: len(chat.wecom.texts(LEAD)) == before + 1)
    menu = chat.wecom.texts(LEAD)[-1]
    assert menu.startswith("L2023002：选择联系方式和结果")
    # The lead lists what waits for confirmation: 1 now means "confirm the ¥50,000.00".
    listed = await chat.say(LEAD, "待确认")
    assert listed[0].startswith("待确认还款 1 笔") and number_for(chat, LEAD, "ok:") == 1
    # The captured 1 posted again a minute later: the same message, kept once, so nothing new happens.
    assert (await chat.post(*captured)).status_code == 200
    await asyncio.sleep(0.5)
    await chat.settled()
    assert repayment_states(chat.app) == [("50000.00", "reported")]
    assert chat.wecom.texts(LEAD)[-1] == listed[0]  # and it is not answered again


def ledger_entries(app: App) -> tuple[Any, ...]:
    """What the ledger holds of repayments, contacts and promises."""
    from store.models import Contact, Promise

    with app.engine.connect() as connection:
        return (
            repayment_states(app),
            connection.execute(select(Contact.outcome).order_by(Contact.id)).scalars().all(),
            connection.execute(select(Promise.amount, Promise.status).order_by(Promise.id)).all(),
        )


async def answer_number(chat: WeComChat, user: str, data: str) -> str:
    """Answer the choice `data` offered to `user` by its number; the first text of the answer."""
    return (await chat.say(user, str(number_for(chat, user, data))))[0]


WRITING_CHOICES = ("pick", "promise", "quick", "ok", "noreason", "okall")


async def test_numbered_writing_choices_handled_again_record_nothing_new(chat: WeComChat) -> None:
    await bind(chat, OFFICER_1, "E001")
    await bind(chat, OFFICER_2, "E002")
    await bind(chat, LEAD, "U001")
    first: dict[str, str] = {}
    await chat.say(OFFICER_1, "还了一万 现金")
    first["pick"] = await answer_number(chat, OFFICER_1, "pick:")
    await chat.say(OFFICER_1, "L2023001 上门 承诺还3万")
    first["promise"] = await answer_number(chat, OFFICER_1, "promise:")
    await chat.say(OFFICER_1, "案件 L2023001")
    await answer_number(chat, OFFICER_1, "logmenu:")
    first["quick"] = await answer_number(chat, OFFICER_1, "quick:L2023001:phone:reached")
    for amount in (1000, 2000, 3000):
        await chat.say(OFFICER_2, f"L2023002 还款{amount} 现金")
    await chat.settled()
    ids = {amount: repayment_id for repayment_id, amount in repayment_ids(chat.app)}
    await chat.say(LEAD, "待确认")
    first["ok"] = await answer_number(chat, LEAD, f"ok:{ids['10000.00']}")
    await chat.say(LEAD, "待确认")
    await answer_number(chat, LEAD, f"no:{ids['1000.00']}")
    first["noreason"] = await answer_number(chat, LEAD, f"noreason:{ids['1000.00']}:amount")
    await chat.say(LEAD, "待确认")
    first["okall"] = await answer_number(chat, LEAD, "okall:")
    await chat.settled()
    assert first["pick"].startswith("已报告还款：L2023001 张三 ¥10,000.00")
    assert first["promise"].startswith("已记录：L2023001 张三，上门·承诺还款")
    assert first["quick"].startswith("已记录：L2023001 张三，电话·已联系")
    assert first["ok"].startswith("已确认：L2023001")
    assert first["noreason"].startswith("已驳回：L2023002")
    assert first["okall"].startswith("已确认")
    recorded = ledger_entries(chat.app)
    assert recorded[0] == [
        ("10000.00", "confirmed"),
        ("1000.00", "rejected"),
        ("2000.00", "confirmed"),
        ("3000.00", "confirmed"),
    ]

    # Each writing number is handled again, as by a worker taking over from one that died before marking
    # it handled; the lists offered have moved on since (the lead has nothing left to confirm).
    await chat.say(LEAD, "待确认")
    again = [m for m in inbox(chat.app) if (m.choice or "").split(":")[0] in WRITING_CHOICES]
    assert sorted(m.choice.split(":")[0] for m in again) == sorted(WRITING_CHOICES)
    with chat.app.engine.begin() as connection:
        connection.execute(
            update(InboxMessage)
            .where(InboxMessage.id.in_([m.id for m in again]))
            .values(handled_at=None, outcome=None, claimed_by="elsewhere//1/gone", claimed_at=LONG_AGO)
        )
    received = {user: len(chat.wecom.texts(user)) for user in (OFFICER_1, OFFICER_2, LEAD)}
    assert chat.channel is not None
    assert await chat.channel.sweep() == len(WRITING_CHOICES)
    await chat.wecom.wait_for(
        lambda: (
            len(chat.wecom.texts(OFFICER_1)) >= received[OFFICER_1] + 3
            and len(chat.wecom.texts(LEAD)) >= received[LEAD] + 3
        )
    )
    await chat.settled()
    assert ledger_entries(chat.app) == recorded  # nothing recorded twice, nothing else confirmed
    for user in (OFFICER_1, OFFICER_2, LEAD):
        answered_before = chat.wecom.texts(user)[: received[user]]
        assert set(chat.wecom.texts(user)[received[user] :]) <= set(
            answered_before
        )  # said before, word for word
    assert [m.outcome for m in inbox(chat.app) if m.id in {a.id for a in again}] == ["answered"] * 6


def repayment_ids(app: App) -> list[tuple[int, str]]:
    with app.engine.connect() as connection:
        return [(int(i), str(a)) for i, a in connection.execute(select(Repayment.id, Repayment.amount))]


class FlakyWeCom(FakeWeCom):
    """WeCom on a bad day: the next sends to a member have their connection cut, or are answered 'system busy'."""

    def __init__(self) -> None:
        super().__init__()
        self.cut: Counter[str] = Counter()
        self.busy: Counter[str] = Counter()

    async def _send(self, request: web.Request) -> web.Response:
        user = str((await request.json()).get("touser", ""))
        if self.cut[user]:
            self.cut[user] -= 1
            assert request.transport is not None
            request.transport.abort()  # the connection is cut before WeCom answers
            return web.Response()
        if self.busy[user]:
            self.busy[user] -= 1
            return self._answer(-1, "system busy")
        return await super()._send(request)


async def test_a_recorded_message_whose_answer_does_not_get_through_at_first_is_answered_never_apologised(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    seed(app)
    async with FlakyWeCom() as wecom, serving(app, wecom, retry_delays=(0.05, 0.1, 0.2, 0.4)) as chat:
        await bind(chat, OFFICER_2, "E002")
        await bind(chat, LEAD, "U001")
        # The answer's connection is cut twice, then WeCom is busy; the lead's notice is cut once.
        wecom.cut[OFFICER_2], wecom.busy[OFFICER_2], wecom.cut[LEAD] = 2, 1, 1
        answer = await chat.say(OFFICER_2, "L2023002 还款5万 现金")
        await chat.wecom.wait_for(lambda: len(wecom.texts(LEAD)) == 2)
        await chat.settled()
        assert len(answer) == 1 and answer[0].startswith("已报告还款：L2023002 李四 ¥50,000.00")
        assert wecom.texts(OFFICER_2)[1:] == answer  # once, and no apology after it
        assert wecom.texts(LEAD)[1] == "周强 报告还款：L2023002 李四 ¥50,000.00，请发送“待确认”处理。"  # told
        assert caplog.text.count("trying again") == 4
        assert chat.repayments() == 1
        assert [m.outcome for m in inbox(app)][-1] == "answered"
        # WeCom refusing for good (not busy) is not tried again, and still no apology: it was recorded.
        wecom.unknown_users.add(OFFICER_2)
        query, body = chat.callback(OFFICER_2, "L2023002 还款1000 现金")
        assert (await chat.post(query, body)).status_code == 200
        await chat.wecom.wait_for(lambda: len(wecom.texts(LEAD)) == 3)
        await chat.settled()
        assert chat.repayments() == 2 and wecom.texts(OFFICER_2)[1:] == answer
        assert [m.outcome for m in inbox(app)][-1] == "undelivered"
    assert "access_token" not in caplog.text


async def test_what_a_dead_worker_kept_is_answered_once_by_the_workers_that_start(
    app: App, clock: Any
) -> None:
    import os
    import subprocess
    import sys
    from datetime import timedelta

    from bot.channels.wecom import worker_name
    from core.messages import Incoming

    seed(app)
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    for user, employee_no in ((OFFICER_1, "E001"), (OFFICER_2, "E002"), (LEAD, "U001")):
        app.store.bind("wecom", user, codes[employee_no])
    host, namespace, _pid, _token = worker_name().rsplit("/", 3)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    died_here = f"{host}/{namespace}/{ended.pid}/gone"  # this machine's process, killed
    message_ids = iter(range(1, 100))

    def keep(user: str, text: str, worker: str) -> None:
        incoming = Incoming("wecom", user, user, f"71{next(message_ids):06d}", text=text)
        assert app.store.keep_message(incoming, None, worker) is not None

    for n in range(6):
        keep(OFFICER_1, f"L2023001 还款{100 + n} 现金", died_here)
    clock.now -= timedelta(minutes=5)  # kept by a worker on another machine that has not been heard of since
    for n in range(6):
        keep(OFFICER_2, f"L2023002 还款{100 + n} 现金", "elsewhere/pid:[1]/4242/old")
    clock.now += timedelta(minutes=5)
    keep(OFFICER_2, "L2023002 电话 已联系", "elsewhere/pid:[1]/4243/alive")  # in hand elsewhere right now
    async with FakeWeCom() as wecom:
        here, there = (
            wecom_channel(app, wecom, robot=False, worker=worker)
            for worker in (None, f"another-machine/pid:[1]/{os.getpid()}/w2")
        )
        await asyncio.gather(here.start(), there.start())  # both start at once
        await wecom.wait_for(lambda: len(wecom.texts(OFFICER_1)) == 6 and len(wecom.texts(OFFICER_2)) == 6)
        await asyncio.sleep(0.3)
        await here.close()
        await there.close()
    assert [t.split("（")[0] for t in wecom.texts(OFFICER_1)] == [
        f"已报告还款：L2023001 张三 ¥{100 + n}.00" for n in range(6)
    ]  # once each, in the order written
    assert len(wecom.texts(OFFICER_2)) == 6 and len(wecom.texts(LEAD)) == 12  # the lead told of each once
    assert len(repayment_states(app)) == 12
    kept = inbox(app)
    assert [(m.claimed_by == worker_name(), m.outcome) for m in kept[:6]] == [(True, "answered")] * 6
    assert {m.outcome for m in kept[6:12]} == {"answered"}
    assert (kept[12].claimed_by, kept[12].handled_at) == ("elsewhere/pid:[1]/4243/alive", None)


def test_the_inbox_forgets_handled_messages_once_no_one_would_send_them_again(app: App, clock: Any) -> None:
    from datetime import timedelta

    from core.messages import Incoming

    for n in range(3):
        kept = app.store.keep_message(Incoming("wecom", "someone", "someone", str(n), text="帮助"), None, "w")
        assert kept is not None
        if n < 2:
            app.store.finish_message(kept.id, "answered")
    clock.now += timedelta(days=1)
    assert app.store.forget_handled_messages() == 0  # WeCom might still send them again: still kept
    clock.now += timedelta(days=2)
    assert app.store.forget_handled_messages() == 2
    assert [m.message_id for m in inbox(app)] == ["2"]  # never handled: kept until it is


def test_keeping_waits_for_sqlites_write_lock_and_leaves_the_connection_as_it_was(app: App) -> None:
    import functools
    import sqlite3
    import threading

    from core.messages import Incoming
    from store.engine import SQLITE_BUSY_TIMEOUT_MS

    if app.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    assert app.engine.url.database
    other_writer = sqlite3.connect(app.engine.url.database, isolation_level=None, check_same_thread=False)
    other_writer.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, other_writer.execute, ["COMMIT"]).start()
    started = time.monotonic()
    incoming = Incoming("wecom", "someone", "someone", "1", text="帮助")
    (kept,) = app.store.inbox_transaction([functools.partial(app.store.keep_message, incoming, None, "w")])
    assert kept is not None and 0.25 < time.monotonic() - started < 5  # kept as soon as the lock was free
    with app.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        # The ledger's writers still wait for the lock as long as before (SQLite's busy timeout).
        assert driver.execute("PRAGMA busy_timeout").fetchone() == (SQLITE_BUSY_TIMEOUT_MS,)
    other_writer.close()
