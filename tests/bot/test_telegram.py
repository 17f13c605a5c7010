"""Whole conversations on the real python-telegram-bot Application against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from bot.app import App
from bot.channels.telegram import TelegramChannel
from store.models import ChatIdentity, Contact, Promise, Repayment
from tests.fake_telegram import FakeTelegram
from tests.ledger_data import seed

OFFICER_1, OFFICER_2, LEAD, OTHER_LEAD, STRANGER = 1001, 1002, 2001, 2002, 9999
GROUP = -100777


class Chat:
    """The fake Telegram and the bot polling it: say something as a user, read what the bot answered."""

    def __init__(self, tg: FakeTelegram, app: App) -> None:
        self.tg = tg
        self.app = app

    async def say(self, user: int, text: str | None = None, *, expect: int = 1, **kwargs: Any) -> list[str]:
        """Send a message and return the texts the bot sent back to that chat (waiting for `expect` of them)."""
        chat_id = kwargs.get("chat_id", user)
        before = len(self.tg.texts(chat_id))
        update = self.tg.message(user, text, **kwargs)
        await self._processed(update)
        await self.tg.wait_for(lambda: len(self.tg.texts(chat_id)) >= before + expect, timeout=15)
        await settled(self.tg)
        return self.tg.texts(chat_id)[before:]

    async def press(self, user: int, data: str, chat_id: int | None = None) -> list[str]:
        """Press a button the bot offered and return what it answered."""
        target = user if chat_id is None else chat_id
        before = len(self.tg.texts(target))
        update = self.tg.callback(user, data, chat_id=chat_id)
        await self._processed(update)
        await self.tg.wait_for(lambda: len(self.tg.texts(target)) > before, timeout=15)
        await settled(self.tg)
        return self.tg.texts(target)[before:]

    async def redeliver(self, update: dict[str, Any]) -> None:
        """Telegram delivering the same update again."""
        self.tg.queue(update)
        await self._processed(update)

    async def _processed(self, update: dict[str, Any]) -> None:
        # The bot confirmed the update (next getUpdates offset) and finished sending what it had to.
        await self.tg.wait_for(lambda: update not in self.tg.pending, timeout=15)
        await settled(self.tg)

    def buttons(self, chat_id: int) -> list[str]:
        """The callback data of the buttons under the last message that had any."""
        for call in reversed(self.tg.sent(chat_id)):
            if call.callback_data:
                return call.callback_data
        return []

    def code(self, employee_no: str) -> str:
        return next(line.code for line in self.app.store.bind_codes() if line.employee_no == employee_no)

    def count(self, model: Any) -> int:
        with self.app.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


async def settled(tg: FakeTelegram) -> None:
    """Wait until no new call has reached the fake for a short while."""
    seen = -1
    while seen != len(tg.calls):
        seen = len(tg.calls)
        await asyncio.sleep(0.1)


@pytest.fixture
async def chat(app: App) -> AsyncIterator[Chat]:
    seed(app)
    async with FakeTelegram() as tg:
        channel = TelegramChannel(app.router(), app.store, tg.token, tg.base_url)
        stop = asyncio.Event()
        polling = asyncio.create_task(channel.serve(stop))
        await tg.wait_for(
            lambda: tg.sent(method="getUpdates") or [c for c in tg.calls if c.method == "getUpdates"]
        )
        try:
            yield Chat(tg, app)
        finally:
            stop.set()
            await asyncio.wait_for(polling, 10)
            await channel.close()


async def bind_all(chat: Chat) -> None:
    for user, employee_no in ((OFFICER_1, "E001"), (OFFICER_2, "E002"), (LEAD, "U001"), (OTHER_LEAD, "U002")):
        answer = await chat.say(user, f"/bind {chat.code(employee_no)}")
        assert answer and answer[0].startswith("绑定成功"), answer


async def test_a_whole_day_of_work(chat: Chat) -> None:
    # Binding with the code the clerk handed out (command and keyword).
    assert (await chat.say(OFFICER_2, f"/bind {chat.code('E002')}"))[0].startswith(
        "绑定成功：周强，清收责任人，城关信用社"
    )
    assert (await chat.say(LEAD, f"绑定 {chat.code('U001')}"))[0].startswith("绑定成功：王建国，单位负责人")

    listing = await chat.say(OFFICER_2, "/cases")
    assert "未结清案件 1 笔" in listing[0] and "L2023002 李四 欠¥120,000.00" in listing[0]
    assert chat.buttons(OFFICER_2) == ["case:L2023002"]
    card = await chat.press(OFFICER_2, "case:L2023002")
    assert card[0].startswith("【L2023002】李四") and "优先级" in card[0]

    logged = await chat.say(OFFICER_2, "/log L2023002 visit promise 30000 2026-12-10 见到本人")
    assert logged[0].startswith("已记录：L2023002 李四，上门·承诺还款，承诺 2026-12-10 前还 ¥30,000.00")

    reported = await chat.say(OFFICER_2, "/repay L2023002 20000 cash")
    assert reported[0].startswith("已报告还款：L2023002 李四 ¥20,000.00（现金，2026-11-29")
    free = await chat.say(OFFICER_2, "L2023002 还款5万 现金")
    assert free[0].startswith("已报告还款：L2023002 李四 ¥50,000.00（现金")
    promise = await chat.say(OFFICER_2, "L2023002 上门 承诺12月10日前还3万")
    assert "承诺 2026-12-10 前还 ¥30,000.00" in promise[0]
    undone = await chat.say(OFFICER_2, "撤销")
    assert undone[0].startswith("已撤销 L2023002 的催收记录")
    # The unit lead was told of each report as it came in.
    assert sum("报告还款：L2023002" in t for t in chat.tg.texts(LEAD)) == 2

    pending = await chat.say(LEAD, "/pending")
    assert pending[0].splitlines()[:3] == [
        "待确认还款 2 笔（第 1–2 笔）：",
        "1. L2023002 李四 ¥20,000.00（现金，2026-11-29），周强 报告",
        "2. L2023002 李四 ¥50,000.00（现金，2026-11-29），周强 报告",
    ]
    # One button pair per repayment, and one for all of 周强's at once.
    assert len(chat.buttons(LEAD)) == 5 and chat.buttons(LEAD)[-1].startswith("okall:")
    confirmed = await chat.press(LEAD, chat.buttons(LEAD)[2])
    assert confirmed[0].startswith("已确认：L2023002 李四 还款 ¥50,000.00（王建国 确认）")
    assert chat.tg.texts(OFFICER_2)[-1].startswith("已确认：L2023002")
    assert chat.app.store.balance("L2023002").total == Decimal("70000.00")

    status = await chat.say(LEAD, "/status")
    assert status[0].startswith("城关信用社 清收进度")
    assert "已确认收回 5.00万元" in status[0]
    own = await chat.say(OFFICER_2, "/status")
    assert own[0].split("\n")[1:] == [
        # 周强's share of the unit's 1,000,000 by the principal he holds (120,000 of 170,000): 705,882.35.
        "已确认收回 5.00万元 / 清收目标 70.59万元 · 完成率 7.1%（名下贷款 12.00万元）",
        "案件 1 笔：已结清 0 笔，未结清 1 笔",
        "7 天内到期或已逾期：0 笔（发送“到期”查看）",
    ]
    ranking = await chat.say(OFFICER_2, "排名")
    assert "▶1. 城关信用社 5.0%（5.00万元/100.00万元）" in ranking[0]
    assert "1. 周强 7.1%（收回 5.00万元 / 目标 70.59万元，结清 0/1 笔）" in ranking[0]


async def test_same_update_twice_records_one_repayment(chat: Chat) -> None:
    await bind_all(chat)
    update = chat.tg.message(OFFICER_2, "L2023002 还款5万 现金")

    def answers() -> list[str]:
        return [t for t in chat.tg.texts(OFFICER_2) if t.startswith("已报告还款")]

    await chat._processed(update)
    await chat.tg.wait_for(lambda: len(answers()) == 1, timeout=15)
    await chat.redeliver(update)
    await chat.tg.wait_for(lambda: len(answers()) == 2, timeout=15)
    assert chat.count(Repayment) == 1
    assert answers()[0] == answers()[1]


async def test_a_question_delivered_twice_is_asked_once(chat: Chat) -> None:
    await bind_all(chat)
    update = chat.tg.message(OFFICER_1, "还了一万 现金")
    await chat._processed(update)
    await chat.tg.wait_for(lambda: len(chat.tg.sent(OFFICER_1)) >= 2, timeout=15)
    first = chat.buttons(OFFICER_1)
    await chat.redeliver(update)
    await chat.tg.wait_for(lambda: len(chat.tg.sent(OFFICER_1)) >= 3, timeout=15)
    # The same buttons again, pointing at the one draft kept: pressing one records the repayment once.
    assert chat.buttons(OFFICER_1) == first
    with chat.app.engine.connect() as connection:
        assert connection.execute(sql("SELECT count(*) FROM drafts")).scalar_one() == 1
    recorded = await chat.press(OFFICER_1, first[0])
    assert recorded[0].startswith("已报告还款：L2023001 张三 ¥10,000.00")
    assert chat.count(Repayment) == 1


async def test_free_text_without_loan_number_asks_then_records(chat: Chat) -> None:
    await bind_all(chat)
    asked = await chat.say(OFFICER_1, "张三还了两万五")
    assert asked and "已报告还款" in asked[0]  # one case of this officer names 张三
    assert chat.app.store.available("L2023001").total == Decimal("27000.00")
    unsure = await chat.say(OFFICER_1, "还了一万 现金")
    assert unsure[0].startswith("没有找到贷款编号或借款人")
    assert chat.count(Repayment) == 1  # nothing recorded until answered
    pick = chat.buttons(OFFICER_1)[0]
    recorded = await chat.press(OFFICER_1, pick)
    assert recorded[0].startswith("已报告还款：L2023001 张三 ¥10,000.00")
    assert chat.count(Repayment) == 2
    again = await chat.press(OFFICER_1, pick)
    assert again[0] == "这个选项已失效，请重新发送。"
    assert chat.count(Repayment) == 2


async def test_unbound_user_is_refused_and_nothing_changes(chat: Chat) -> None:
    before = chat.count(Repayment)
    for text in ("/cases", "/repay L2023001 100 cash", "L2023001 还款5万 现金", "/status"):
        answer = await chat.say(STRANGER, text)
        assert answer == ["请先绑定身份：发送“绑定 绑定码”。绑定码由专班联络员提供。"]
    assert (await chat.say(STRANGER, "/help"))[0].startswith("清收助手")
    assert chat.count(Repayment) == before


async def test_officer_cannot_touch_another_officers_case(chat: Chat) -> None:
    await bind_all(chat)
    for text in (
        "/repay L2023002 100 cash",
        "/case L2023002",
        "L2023002 还款5万 现金",
        "/log L2023002 phone reached",
    ):
        answer = await chat.say(OFFICER_1, text)
        assert answer == ["L2023002 不是您负责的案件，不能查看或记录。"], text
    assert chat.count(Repayment) == 0 and chat.count(Contact) == 0


async def test_officer_cannot_see_another_units_status(chat: Chat) -> None:
    await bind_all(chat)
    assert await chat.say(OFFICER_1, "/status 东风信用社") == ["清收责任人只能查看自己的进度。"]
    assert await chat.say(LEAD, "进度 东风信用社") == ["您不能查看“东风信用社”的进度。"]
    own = await chat.say(OFFICER_1, "/status")
    assert own[0].startswith("李明（城关信用社）清收进度")


async def test_five_wrong_codes_lock_the_identity_for_an_hour(chat: Chat) -> None:
    for _ in range(5):
        assert await chat.say(STRANGER, "/bind WRONG123") == ["绑定码不正确，请核对后重试。"]
    right = chat.code("E001")
    assert await chat.say(STRANGER, f"/bind {right}") == [
        "绑定码错误次数过多，请一小时后再试，或联系专班联络员。"
    ]
    assert chat.count(ChatIdentity) == 0
    assert chat.app.store.person_by_identity("telegram", str(STRANGER)) is None


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/repay L999 100 cash", "未找到贷款编号 L999"),
        ("/repay L2023002 0 cash", "金额不能为零"),
        ("/repay L2023002 -5 cash", "金额不能为负数：-5"),
        ("/repay L2023002 200000 cash", "金额 ¥200,000.00 超过该笔贷款尚欠的 ¥120,000.00"),
        ("/repay L2023002 五万多 cash", "无法识别的金额“五万多”"),
        ("/repay L2023002 100 cash 2026-12-25", "日期 2026-12-25 晚于今天"),
        ("/repay L2023002 100 cash 2025-12-01", "日期 2025-12-01 早于清收开始日 2026-01-01"),
        ("L2023002 还款50万 现金", "金额 ¥500,000.00 超过该笔贷款尚欠的 ¥120,000.00"),
        (
            "/log L2023002 visit promise 30000 2026-11-01",
            "承诺日期 2026-11-01 已经过去，请写今天或以后的日期。",
        ),
        ("/log L2023002 飞鸽 reached", "未能识别联系方式“飞鸽”"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(chat: Chat, text: str, answer: str) -> None:
    await chat.say(OFFICER_2, f"/bind {chat.code('E002')}")
    replies = await chat.say(OFFICER_2, text)
    assert replies and replies[0].startswith(answer), replies
    assert chat.count(Repayment) == 0 and chat.count(Contact) == 0 and chat.count(Promise) == 0


async def test_a_message_with_no_text(chat: Chat) -> None:
    await chat.say(OFFICER_2, f"/bind {chat.code('E002')}")
    assert (await chat.say(OFFICER_2, None))[0].startswith("消息是空的")


async def test_photo_with_repay_caption_is_kept_as_evidence(chat: Chat) -> None:
    await chat.say(OFFICER_2, f"/bind {chat.code('E002')}")
    answer = await chat.say(OFFICER_2, photo=True, caption="/repay L2023002 1000 transfer")
    assert "照片已作为凭证保存" in answer[0]
    with chat.app.engine.connect() as connection:
        evidence = connection.execute(select(Repayment.evidence)).scalar_one()
    assert evidence is not None and evidence.startswith("telegram:")


async def test_group_answers_rank_and_status_only_and_hides_personal_data(chat: Chat) -> None:
    await bind_all(chat)
    chatter = await chat.say(LEAD, "大家辛苦了", expect=0, chat_id=GROUP, chat_type="group")
    assert chatter == []
    assert await chat.say(LEAD, "/cases", expect=0, chat_id=GROUP, chat_type="group") == []
    ranking = await chat.say(LEAD, "/rank", chat_id=GROUP, chat_type="group")
    assert ranking and ranking[0].startswith("各单位清收排名")
    status = await chat.say(LEAD, "/status", chat_id=GROUP, chat_type="group")
    assert status[0].startswith("城关信用社 清收进度")
    for text in chat.tg.texts(GROUP):
        assert "330102" not in text and "1391234" not in text


async def test_report_goes_to_unit_lead_and_leaders(chat: Chat) -> None:
    await bind_all(chat)
    answer = await chat.say(OFFICER_1, "报告 借款人张三已去世，家属愿意协商")
    assert answer == ["已转给：王建国"]
    assert chat.tg.texts(LEAD)[-1] == "【特殊情况】李明（城关信用社）报告：借款人张三已去世，家属愿意协商"


async def test_unit_lead_cannot_confirm_own_report(chat: Chat) -> None:
    await bind_all(chat)
    await chat.say(LEAD, "/repay L2023001 1000 cash")
    listing = await chat.say(LEAD, "/pending")
    assert listing == ["没有待确认的还款。"]
    entry = chat.app.store.repayments("L2023001")[0]
    # No confirm button was offered to the lead for his own report: a forged press is refused.
    refused = await chat.press(LEAD, f"ok:{entry.id}")
    assert refused == ["这个选项已失效，请重新发送。"]
    assert chat.app.store.balance("L2023001").total == Decimal("52000.00")


async def test_an_unexpected_failure_apologises_and_leaves_the_ledger_untouched(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.say(OFFICER_2, f"/bind {chat.code('E002')}")
    # A real database fault half-way through: the contact is written, then the promise table is missing.
    with chat.app.engine.begin() as connection:
        connection.execute(sql("ALTER TABLE promises RENAME TO promises_away"))
    try:
        answer = await chat.say(OFFICER_2, "/log L2023002 visit promise 30000 2026-12-10")
    finally:
        with chat.app.engine.begin() as connection:
            connection.execute(sql("ALTER TABLE promises_away RENAME TO promises"))
    assert answer == ["抱歉，处理时发生错误，已记录，台账未作改动。请稍后再试。"]
    assert "failed to handle telegram:1002" in caplog.text and "Traceback" in caplog.text
    assert chat.count(Contact) == 0
    assert chat.app.store.case_view("L2023002").status == "open"  # type: ignore[union-attr]


async def test_a_shared_location_is_kept_on_the_latest_contact(chat: Chat) -> None:
    await chat.say(OFFICER_2, f"/bind {chat.code('E002')}")
    assert (await chat.say(OFFICER_2, location=(30.25, 120.16)))[0].startswith("收到位置。请先记录这次催收")
    await chat.say(OFFICER_2, "L2023002 上门 已联系")
    kept = await chat.say(OFFICER_2, location=(30.25, 120.16))
    assert kept == ["位置已记入 L2023002 的最近一次催收记录。"]
    with chat.app.engine.connect() as connection:
        assert connection.execute(select(Contact.latitude, Contact.longitude)).one() == (
            "30.250000",
            "120.160000",
        )


async def test_a_rejected_repayment_does_not_count(chat: Chat) -> None:
    await bind_all(chat)
    await chat.say(OFFICER_2, "/repay L2023002 8000 transfer")
    await chat.say(LEAD, "/pending")
    asked = await chat.press(LEAD, chat.buttons(LEAD)[1])
    assert asked[0] == "驳回 L2023002 的还款 ¥8,000.00：请选择原因（选择后才驳回）："
    assert chat.app.store.pending_repayments(chat.app.store.person_by_employee_no("U001"))[1] == 1
    rejected = await chat.press(LEAD, chat.buttons(LEAD)[1])
    assert rejected[0].startswith("已驳回：L2023002 李四 还款 ¥8,000.00（王建国 驳回，原因：款项未到账）")
    assert chat.tg.texts(OFFICER_2)[-1] == rejected[0]
    assert chat.app.store.balance("L2023002").total == Decimal("120000.00")
    assert await chat.say(LEAD, "/pending") == ["没有待确认的还款。"]


def test_service_messages_are_not_answered() -> None:
    from telegram import Update

    from bot.channels.telegram import to_incoming

    user = {"id": 5, "is_bot": False, "first_name": "新人"}
    joined = {
        "update_id": 1,
        "message": {
            "message_id": 3,
            "date": 0,
            "chat": {"id": GROUP, "type": "group", "title": "专班"},
            "from": user,
            "new_chat_members": [user],
        },
    }
    assert to_incoming(Update.de_json(joined, None)) is None
    sticker_like = {
        "update_id": 2,
        "message": {"message_id": 4, "date": 0, "chat": {"id": 5, "type": "private"}, "from": user},
    }
    incoming = to_incoming(Update.de_json(sticker_like, None))
    assert incoming is not None and incoming.text == "" and incoming.key == "telegram:5:msg:4@0"


async def test_due_lists_promises_falling_due(chat: Chat) -> None:
    await bind_all(chat)
    assert await chat.say(OFFICER_2, "/due") == ["未来 7 天没有到期案件，也没有到期的承诺。"]
    await chat.say(OFFICER_2, "/log L2023002 phone promise 1000 2026-11-30")
    due = await chat.say(OFFICER_2, "到期")
    assert due[0] == "承诺今明两天到期 1 笔：\nL2023002 李四 承诺 2026-11-30 前还 ¥1,000.00"
    # Another officer's promise is not on this officer's list.
    assert await chat.say(OFFICER_1, "/due") == ["未来 7 天没有到期案件，也没有到期的承诺。"]


async def test_forged_button_data_is_refused(chat: Chat) -> None:
    """A client can send any callback data: only what was offered in that chat is answered."""
    await bind_all(chat)
    await chat.say(OFFICER_2, "/repay L2023002 8000 transfer")
    repayment_id = chat.app.store.pending_repayments(chat.app.store.person_by_employee_no("U001"))[0][0].id
    # The lead never listed it: a forged confirm is refused and nothing is confirmed.
    assert await chat.press(LEAD, f"ok:{repayment_id}") == ["这个选项已失效，请重新发送。"]
    assert chat.app.store.balance("L2023002").total == Decimal("120000.00")
    # An outcome the one-tap menu never offers.
    await chat.say(OFFICER_2, "/case L2023002")
    await chat.press(OFFICER_2, "logmenu:L2023002")
    assert "quick:L2023002:visit:paid" not in chat.buttons(OFFICER_2)
    assert await chat.press(OFFICER_2, "quick:L2023002:visit:paid") == ["这个选项已失效，请重新发送。"]
    assert chat.count(Contact) == 0
    # What was offered still works.
    offered = await chat.press(OFFICER_2, chat.buttons(OFFICER_2)[0])
    assert offered[0].startswith("已记录：L2023002 李四，上门·已联系")


async def test_a_slash_alone_and_a_huge_page_are_answered_plainly(chat: Chat) -> None:
    await bind_all(chat)
    assert await chat.say(OFFICER_2, "/") == ["请在“/”后写上命令，例如 /help；也可以直接发送“帮助”。"]
    listing = await chat.say(OFFICER_2, "/cases 99999999999999999999")
    assert listing[0].startswith("未结清案件 1 笔")


async def test_a_slow_answer_on_telegram_does_not_hold_up_the_service(app: App) -> None:
    # The router blocks (a slow disk, a lock held by an import): Telegram waits for it on its own loop,
    # while the service's loop (the web server, WeCom, the schedule) goes on.
    seed(app)
    router = app.router()

    class Slow:
        def handle(self, incoming: Any) -> Any:
            time.sleep(1.0)
            return router.handle(incoming)

    async with FakeTelegram() as tg:
        channel = TelegramChannel(Slow(), app.store, tg.token, tg.base_url)
        stop = asyncio.Event()
        serving = asyncio.create_task(channel.serve(stop))
        ticks: list[float] = []

        async def tick() -> None:
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.05)

        ticker = asyncio.create_task(tick())
        try:
            chat = Chat(tg, app)
            assert (await chat.say(OFFICER_2, f"/bind {chat.code('E002')}"))[0].startswith("绑定成功")
        finally:
            ticker.cancel()
            stop.set()
            await asyncio.wait_for(serving, 10)
            await channel.close()
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.5
