"""One list of dialogues, run as conversations on Telegram, on WeCom and in the terminal: the same handlers
answer the same way on every channel, buttons on Telegram and numbered choices elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

import httpx
import pytest

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.web import build_web_app
from tests.bot.test_telegram import Chat, settled
from tests.bot.test_wecom import WeComChat, running, wecom_channel
from tests.fake_telegram import FakeTelegram
from tests.fake_wecom import FakeWeCom
from tests.ledger_data import seed

PEOPLE = {"officer_1": "E001", "officer_2": "E002", "lead": "U001", "admin": "A001"}


@dataclass(frozen=True)
class Step:
    """Someone writes (or picks the n-th choice offered to them last); the first reply starts with `answer` and
    holds each of `shows`."""

    who: str
    answer: str
    say: str = ""
    choose: int = 0
    shows: tuple[str, ...] = ()


DIALOGUES: dict[str, list[Step]] = {
    "help": [Step("officer_1", "清收助手", say="帮助")],
    "a repayment by free text, confirmed by the unit lead": [
        Step("officer_2", "已报告还款：L2023002 李四 ¥50,000.00", say="L2023002 还款5万 现金"),
        Step("lead", "待确认还款 1 笔", say="待确认"),
        Step("lead", "已确认：L2023002", choose=1),
        Step("lead", "城关信用社 清收进度", say="进度"),
    ],
    "unsure, asked, then chosen by the officer": [
        Step("officer_1", "没有找到贷款编号或借款人", say="还了一万 现金"),
        Step("officer_1", "已报告还款：L2023001 张三 ¥10,000.00", choose=1),
        Step("officer_1", "已撤销 L2023001 的还款 ¥10,000.00", say="撤销"),
    ],
    "my cases, then one case's card": [
        Step("officer_1", "未结清案件 1 笔", say="我的案件"),
        Step("officer_1", "【L2023001】张三\n单位：城关信用社 · 责任人：李明", choose=1),
    ],
    "a lawsuit from filing to enforcement, with the money the court recovered": [
        Step("officer_1", "该案件尚无诉讼记录，不能记录“判决”。", say="诉讼 L2023001 判决"),
        Step(
            "officer_1",
            "已记录诉讼阶段：L2023001 张三，立案（2026-11-02）\n法院：—；案号：（2026）晋0702民初123号",
            say="诉讼 L2023001 立案 2026-11-02 （2026）晋0702民初123号",
        ),
        Step(
            "officer_1",
            "【L2023001】张三\n单位：城关信用社 · 责任人：李明 · 状态：诉讼中",
            say="案件 L2023001",
            shows=(
                "诉讼时效剩余 1069 天（2026-11-02 起诉立案 → 2029-11-02）",
                "· 立案 2026-11-02（27 天） （2026）晋0702民初123号",
            ),
        ),
        Step("officer_1", "已记录诉讼阶段：L2023001 张三，判决（2026-11-20）", say="L2023001 11月20日判决了"),
        Step(
            "officer_1",
            "【L2023001】张三\n单位：城关信用社 · 责任人：李明 · 状态：诉讼中",
            say="案件 L2023001",
            shows=(
                "· 立案 2026-11-02（18 天）",
                "· 判决 2026-11-20（9 天）",
                "申请强制执行期限：2028-11-20（还剩 722 天）",
            ),
        ),
        Step(
            "officer_1", "已记录诉讼阶段：L2023001 张三，申请执行（2026-11-29）", say="L2023001 申请强制执行"
        ),
        Step("officer_1", "已报告还款：L2023001 张三 ¥10,000.00（法院执行", say="L2023001 执行回款1万"),
        Step("lead", "待确认还款 1 笔", say="待确认"),
        Step("lead", "已确认：L2023001", choose=1),
        Step(
            "officer_1",
            "【L2023001】张三\n单位：城关信用社 · 责任人：李明 · 状态：诉讼中",
            say="案件 L2023001",
            shows=("已收回 ¥10,000.00", "· 判决 2026-11-20（9 天）", "· 申请执行 2026-11-29（0 天）"),
        ),
        Step(
            "lead",
            "城关信用社 清收进度",
            say="进度",
            shows=(
                "已确认收回 1.00万元",
                "诉讼（按当前阶段）：申请执行 1 件",
                "立案至判决（调解）中位 18 天",
            ),
        ),
        Step(
            "officer_1", "已记录诉讼阶段：L2023001 张三，执行完毕（2026-11-29）", say="诉讼 L2023001 执行完毕"
        ),
        Step(
            "officer_1",
            "【L2023001】张三\n单位：城关信用社 · 责任人：李明 · 状态：清收中",
            say="案件 L2023001",
            shows=("已收回 ¥10,000.00", "· 执行完毕 2026-11-29（0 天）"),
        ),
    ],
    "a written lawsuit stage: by the borrower's name, or asked which case": [
        Step("officer_1", "已记录诉讼阶段：L2023001 张三，立案（2026-11-29）", say="张三 今天已起诉"),
        Step("officer_1", "已撤销 L2023001 的诉讼阶段：立案（2026-11-29）。", say="撤销"),
        Step("officer_1", "没有找到贷款编号或借款人", say="今天已立案"),
        Step("officer_1", "已记录诉讼阶段：L2023001 张三，立案（2026-11-29）", choose=1),
    ],
    "a lawsuit suspended for want of property, then resumed": [
        Step(
            "officer_2",
            "已记录诉讼阶段：L2023002 李四，立案（2026-03-02）",
            say="诉讼 L2023002 立案 2026-03-02",
        ),
        Step(
            "officer_2",
            "已记录诉讼阶段：L2023002 李四，判决（2026-05-10）",
            say="诉讼 L2023002 判决 2026-05-10",
        ),
        Step(
            "officer_2",
            "已记录诉讼阶段：L2023002 李四，申请执行（2026-06-01）",
            say="诉讼 L2023002 申请执行 6月1日",
        ),
        Step(
            "officer_2",
            "已记录诉讼阶段：L2023002 李四，终本（2026-09-15）",
            say="诉讼 L2023002 终本 2026-09-15",
        ),
        Step(
            "officer_2",
            "【L2023002】李四\n单位：城关信用社 · 责任人：周强 · 状态：清收中",
            say="案件 L2023002",
            shows=("· 申请执行 2026-06-01（106 天）", "· 终本 2026-09-15（75 天）"),
        ),
        Step(
            "officer_2",
            "已记录诉讼阶段：L2023002 李四，恢复执行（2026-11-29）",
            say="L2023002 恢复执行 查封车辆",
        ),
        Step(
            "officer_2",
            "【L2023002】李四\n单位：城关信用社 · 责任人：周强 · 状态：诉讼中",
            say="案件 L2023002",
            shows=(
                "· 恢复执行 2026-11-29（0 天）",
                "动产查封到期：2028-11-29（还剩 731 天），到期前须申请续行",
            ),
        ),
    ],
    "a house taken for debt, appraised, listed, unsold, listed lower and auctioned": [
        Step(
            "officer_1",
            "已登记抵债资产 ZC2026-0001：城关镇某小区住宅（不动产），抵偿 L2023001 张三 ¥50,000.00。",
            say="抵债 L2023001 5万 城关镇某小区住宅",
            shows=("等待 王建国 确认后计入收回", "处置期限：2028-11-29（还剩 731 天）"),
        ),
        Step(
            "officer_1",
            "【L2023001】张三\n单位：城关信用社 · 责任人：李明 · 状态：以资抵债中",
            say="案件 L2023001",
            shows=(
                "抵债资产：\n· ZC2026-0001 城关镇某小区住宅（已接收）抵债 ¥50,000.00，处置期限 2028-11-29（还剩 731 天）",
            ),
        ),
        # Someone else's case or asset: refused, nothing written.
        Step("officer_2", "L2023001 不是您负责的案件", say="抵债 L2023001 1万 轿车"),
        Step("officer_2", "资产 ZC2026-0001 不在您的管理范围内。", say="资产 ZC2026-0001 评估 1万"),
        Step("lead", "待确认还款 1 笔", say="待确认", shows=("以资抵债",)),
        Step("lead", "已确认：L2023001", choose=1),
        Step(
            "officer_1",
            "【L2023001】张三\n单位：城关信用社 · 责任人：李明 · 状态：未处置",
            say="案件 L2023001",
            shows=("已收回 ¥50,000.00",),
        ),
        Step(
            "officer_1",
            "已记录评估：ZC2026-0001 评估价值 ¥60,000.00（晋中某评估公司）。",
            say="资产 ZC2026-0001 评估 6万 晋中某评估公司",
        ),
        Step("officer_1", "已记录挂牌：ZC2026-0001 底价 ¥60,000.00。", say="资产 ZC2026-0001 挂牌 6万"),
        Step("officer_1", "已记录流拍：ZC2026-0001 新底价 ¥48,000.00。", say="资产 ZC2026-0001 流拍"),
        Step("lead", "已记录挂牌：ZC2026-0001 底价 ¥50,000.00。", say="资产 ZC2026-0001 挂牌 5万"),
        Step("officer_1", "资产处置须由单位负责人或专班联络员提出。", say="资产 ZC2026-0001 处置 5.2万 拍卖"),
        Step(
            "lead",
            "已记录处置：ZC2026-0001 拍卖，所得 ¥52,000.00。",
            say="资产 ZC2026-0001 处置 5.2万 拍卖 王某",
        ),
        Step(
            "officer_1",
            "【ZC2026-0001】城关镇某小区住宅（不动产）",
            say="资产 ZC2026-0001",
            shows=(
                "抵偿：L2023001 张三 · 抵债金额 ¥50,000.00（已确认）",
                "状态：已处置 · 最近评估：¥60,000.00 · 底价：¥50,000.00",
                "处置所得 ¥52,000.00，较抵债金额 +¥2,000.00（收回只按抵债金额计一次）",
                "2026-11-29 李明 流拍，新底价 ¥48,000.00",
                "2026-11-29 王建国 处置 拍卖 ¥52,000.00（王某）",
            ),
        ),
        # Counted once: the unit's recovery is the offset, not the offset and the proceeds.
        Step(
            "lead",
            "城关信用社 清收进度",
            say="进度",
            shows=(
                "已确认收回 5.00万元",
                "抵债资产：已处置 1 项；抵债金额合计 ¥50,000.00，处置所得合计 ¥52,000.00",
            ),
        ),
    ],
    "an agreement sale waits for a leader's or admin's confirmation": [
        Step(
            "officer_2",
            "已登记抵债资产 ZC2026-0001：挖掘机一台（动产），抵偿 L2023002 李四 ¥30,000.00。",
            say="抵债 L2023002 3万 挖掘机一台 动产",
        ),
        Step(
            "officer_2", "已记录评估：ZC2026-0001 评估价值 ¥40,000.00（—）。", say="资产 ZC2026-0001 评估 4万"
        ),
        Step(
            "lead",
            "已提交处置：ZC2026-0001 协议转让 ¥40,000.00，因协议转让，须经专班领导或联络员确认后生效（已通知：陈专班）。",
            say="资产 ZC2026-0001 处置 4万 协议转让 某公司",
        ),
        Step("lead", "资产 ZC2026-0001 的处置须由专班领导或联络员确认。", say="资产 ZC2026-0001 确认"),
        Step(
            "officer_2", "【ZC2026-0001】挖掘机一台（动产）", say="资产 ZC2026-0001", shows=("状态：已评估",)
        ),
        Step(
            "admin",
            "陈专班 已确认资产 ZC2026-0001（挖掘机一台）的处置。",
            say="资产 ZC2026-0001 确认 经专班会议研究同意",
        ),
        Step(
            "officer_2", "【ZC2026-0001】挖掘机一台（动产）", say="资产 ZC2026-0001", shows=("状态：已处置",)
        ),
    ],
    "a contact with a promise": [
        Step("officer_1", "已记录：L2023001 张三，上门·承诺还款", say="L2023001 上门 承诺12月10日前还3万"),
        Step("officer_1", "未来 7 天没有到期案件，也没有到期的承诺。", say="到期"),
    ],
}


class Conversation(Protocol):
    async def say(self, who: str, text: str) -> str: ...

    async def say_all(self, who: str, text: str) -> str:
        """Every part of the answer, where the platform cut a long one into several messages."""
        ...

    async def choose(self, who: str, number: int) -> str: ...


class OnTelegram:
    def __init__(self, chat: Chat, users: dict[str, int]) -> None:
        self.chat, self.users = chat, users

    async def say(self, who: str, text: str) -> str:
        await settled(self.chat.tg)  # what the last step pushed to others has arrived
        return (await self.chat.say(self.users[who], text))[0]

    async def say_all(self, who: str, text: str) -> str:
        await settled(self.chat.tg)
        return "\n".join(await self.chat.say(self.users[who], text))

    async def choose(self, who: str, number: int) -> str:
        await settled(self.chat.tg)
        user = self.users[who]
        return (await self.chat.press(user, self.chat.buttons(user)[number - 1]))[0]


class OnWeCom:
    def __init__(self, chat: WeComChat, users: dict[str, str]) -> None:
        self.chat, self.users = chat, users

    async def say(self, who: str, text: str) -> str:
        await self.chat.settled()  # what the last step pushed to others has arrived
        return (await self.chat.say(self.users[who], text))[0]

    async def say_all(self, who: str, text: str) -> str:
        await self.chat.settled()
        user = self.users[who]
        before = len(self.chat.wecom.texts(user))
        await self.chat.say(user, text)
        await self.chat.settled()  # the later parts of a long answer have arrived too
        return "\n".join(self.chat.wecom.texts(user)[before:])

    async def choose(self, who: str, number: int) -> str:
        return await self.say(who, str(number))


class InTheTerminal:
    def __init__(self, app: App, people: dict[str, str]) -> None:
        self.channels = {
            who: ConsoleChannel(app.router(), app.store, employee_no, io.StringIO())
            for who, employee_no in people.items()
        }

    async def say(self, who: str, text: str) -> str:
        channel = self.channels[who]
        assert isinstance(channel.output, io.StringIO)
        start = channel.output.tell()
        channel.run([text])
        written = channel.output.getvalue()[start:]
        return written.split("\n", 1)[1]  # after the echo of what was typed

    async def say_all(self, who: str, text: str) -> str:
        return await self.say(who, text)

    async def choose(self, who: str, number: int) -> str:
        return await self.say(who, str(number))


@contextlib.asynccontextmanager
async def talking(kind: str, app: App, people: dict[str, str]) -> AsyncIterator[Conversation]:
    """A conversation on one channel with these people (who -> employee number), each bound as on it."""
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    if kind == "terminal":
        yield InTheTerminal(app, people)
        return
    if kind == "telegram":
        async with FakeTelegram() as tg:
            channel = TelegramChannel(app.router(), app.store, tg.token, tg.base_url)
            stop = asyncio.Event()
            polling = asyncio.create_task(channel.serve(stop))
            chat = Chat(tg, app)
            users = {who: 1000 + n for n, who in enumerate(people)}
            try:
                for who, employee_no in people.items():
                    assert (await chat.say(users[who], f"/bind {codes[employee_no]}"))[0].startswith(
                        "绑定成功"
                    )
                yield OnTelegram(chat, users)
            finally:
                stop.set()
                await asyncio.wait_for(polling, 10)
                await channel.close()
        return
    async with FakeWeCom() as wecom:
        channel = wecom_channel(app, wecom, robot=False)
        web = build_web_app(lambda: {"database": True}, wecom=channel)
        async with running(web) as base, httpx.AsyncClient(trust_env=False) as client:
            chat = WeComChat(app, wecom, f"{base}/wecom/callback", client)
            users = {who: f"user-{who}" for who in people}
            for who, employee_no in people.items():
                assert (await chat.say(users[who], f"绑定 {codes[employee_no]}"))[0].startswith("绑定成功")
            yield OnWeCom(chat, users)
        await channel.close()


@pytest.fixture(params=["telegram", "wecom", "terminal"])
async def conversation(request: pytest.FixtureRequest, app: App) -> AsyncIterator[Conversation]:
    seed(app)
    async with talking(request.param, app, PEOPLE) as talk:
        yield talk


@pytest.mark.parametrize("name", list(DIALOGUES))
async def test_dialogue(conversation: Conversation, name: str) -> None:
    for step in DIALOGUES[name]:
        if step.choose:
            answer = await conversation.choose(step.who, step.choose)
        else:
            answer = await conversation.say(step.who, step.say)
        assert answer.startswith(step.answer), (step, answer)
        for line in step.shows:
            assert line in answer, (step, answer)
