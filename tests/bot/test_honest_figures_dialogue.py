"""Honest figures and lawful collection as officers, unit leads, a leader and an admin meet them on Telegram, on
WeCom and in the terminal (SPEC §10): the contact rules named in the reply, complaints forwarded at once and
closed by the right people only, cases handed over with their promise and reminders — and the ledger after each
step, refusals changing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from core.messages import Incoming
from reminders.config import ScheduleConfig
from reminders.morning import build_reminders
from store.models import Case, CaseAssignment, Complaint, Contact, Person, Promise
from tests.bot.test_dialogues import Conversation, InTheTerminal, OnTelegram, OnWeCom, talking
from tests.bot.test_leadership_dialogue import PEOPLE, seed
from tests.conftest import SHANGHAI, Clock

CHANNELS = ["telegram", "wecom", "terminal"]
RULE = "催收纪律：合情、合理、合法，坚决不能出现非法暴力催收；联系时间为 08:00—22:00，同一借款人每天联系不超过 3 次。"


@pytest.fixture(params=CHANNELS)
async def talk(request: pytest.FixtureRequest, app: App) -> AsyncIterator[Conversation]:
    seed(app)
    async with talking(request.param, app, PEOPLE) as conversation:
        yield conversation


async def lines(talk: Conversation, who: str, message: str) -> list[str]:
    """What `who` reads in answer to `message`, line by line."""
    return (await talk.say(who, message)).strip().splitlines()


async def received(talk: Conversation, who: str) -> list[str] | None:
    """What `who` was sent by the bot on Telegram or WeCom (None in the terminal, which pushes to nobody)."""
    if isinstance(talk, OnTelegram):
        await talk.say(who, "帮助")  # anything pushed before has arrived
        return talk.chat.tg.texts(talk.users[who])
    if isinstance(talk, OnWeCom):
        await talk.say(who, "帮助")
        return talk.chat.wecom.texts(talk.users[who])
    assert isinstance(talk, InTheTerminal)
    return None


def rows(app: App, query: Any) -> list[tuple[Any, ...]]:
    with app.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def complaints(app: App) -> list[tuple[Any, ...]]:
    return rows(
        app,
        select(Complaint.id, Complaint.text, Complaint.close_note, Complaint.closed_by_id).order_by(
            Complaint.id
        ),
    )


def holders(app: App) -> dict[str, str]:
    """Each case's officer, by employee number."""
    return dict(
        rows(app, select(Case.loan_no, Person.employee_no).join(Person, Person.id == Case.officer_id))
    )


# -- the contact rules -----------------------------------------------------------------------------------


async def test_help_and_binding_state_the_rule(app: App, talk: Conversation) -> None:
    assert RULE in await lines(talk, "li", "帮助")
    assert RULE in await lines(talk, "leader", "帮助")


async def test_a_contact_at_half_past_ten_and_a_fourth_call_are_recorded_flagged_and_the_rule_named(
    app: App, talk: Conversation, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 30, 22, 30, tzinfo=SHANGHAI)
    assert await lines(talk, "li", "联系 L0001 电话 已联系") == [
        "已记录：L0001 张三，电话·已联系",
        "⚠ 已记为合规异常：在 08:00—22:00 之外联系，单位负责人将在日报中看到。",
        RULE,
        "如有错误，发送“撤销”。",
    ]
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    for _ in range(3):
        answer = await lines(talk, "li", "联系 L0001 电话 未接通")
        assert answer[0] == "已记录：L0001 张三，电话·未接通" and RULE not in answer
    assert await lines(talk, "li", "L0001 打电话没人接") == [
        "已记录：L0001 张三，电话·未接通",
        "⚠ 已记为合规异常：当日联系同一借款人超过 3 次，单位负责人将在日报中看到。",
        RULE,
        "如有错误，发送“撤销”。",
    ]
    flags = rows(app, select(Contact.flags).order_by(Contact.id))
    assert flags == [("outside_hours",), ("",), ("",), ("",), ("too_many",)]
    # The lead reads of both in the next working day's digest.
    digest = next(
        m.replies[0].text
        for m in build_reminders(app.store, date(2026, 12, 2), ScheduleConfig())
        if m.key.startswith("digest:")
    )
    assert "合规异常（2026-12-01 以来 1 次）：\n· 李明：当日联系同一借款人超过 3 次 1 次" in digest


# -- complaints ------------------------------------------------------------------------------------------


async def test_a_leads_complaint_reaches_the_leaders_the_officer_cannot_close_it_a_leader_does(
    app: App, talk: Conversation
) -> None:
    answer = await lines(talk, "lead", "投诉 L0001 借款人反映李明晚上十一点打电话催收")
    assert answer[0] == "投诉已记录（第 1 号）：L0001 张三，已转给：刘志远"
    forwarded = "【投诉】第 1 号：L0001 张三（城关信用社，责任人 李明）\n借款人反映李明晚上十一点打电话催收\n—— 王建国 记录。办结请发送：投诉 关闭 L0001 办结说明"
    seen = await received(talk, "leader")
    if seen is not None:
        assert forwarded in seen
    assert complaints(app) == [(1, "借款人反映李明晚上十一点打电话催收", "", None)]

    # The officer sees it listed and on the card, but cannot close it; nothing changes.
    listed = await lines(talk, "li", "投诉")
    assert listed[:2] == [
        "未办结的投诉（1 件）：",
        "第 1 号 2026-11-29 L0001 张三（责任人 李明）：借款人反映李明晚上十一点打电话催收（王建国 记录）",
    ]
    assert "· 第 1 号 2026-11-29（王建国 记录，未办结）：借款人反映李明晚上十一点打电话催收" in await lines(
        talk, "li", "案件 L0001"
    )
    audit_before = app.store.audit_entries()
    assert await lines(talk, "li", "投诉 关闭 L0001 已向借款人道歉") == [
        "L0001 是您负责的案件，针对本案的投诉须由单位负责人或专班领导办结，未作改动。"
    ]
    assert await lines(talk, "other_lead", "投诉 关闭 L0001 已核实") == [
        "L0001 不是您负责的案件，不能查看或记录。"
    ]
    assert await lines(talk, "leader", "投诉 关闭 L0001") == ["请发送：投诉 关闭 贷款编号 办结说明"]
    assert complaints(app) == [(1, "借款人反映李明晚上十一点打电话催收", "", None)]
    assert app.store.audit_entries() == audit_before

    closed = "投诉已办结（第 1 号）：L0001 张三。刘志远 说明：已核实，约谈李明并向借款人致歉"
    assert (await lines(talk, "leader", "投诉 关闭 L0001 已核实，约谈李明并向借款人致歉"))[0] == closed
    seen = await received(talk, "li")
    if seen is not None:
        assert closed in seen
    leader_id = rows(app, select(Person.id).where(Person.employee_no == "L0001"))[0][0]
    assert complaints(app) == [
        (1, "借款人反映李明晚上十一点打电话催收", "已核实，约谈李明并向借款人致歉", leader_id)
    ]
    assert await lines(talk, "leader", "投诉") == ["目前没有未办结的投诉。"]
    assert (
        "· 第 1 号 2026-11-29（王建国 记录）：借款人反映李明晚上十一点打电话催收；2026-11-29 由 刘志远 办结：已核实，约谈李明并向借款人致歉"
        in await lines(talk, "lead", "案件 L0001")
    )
    assert [ref for _, _, ref, _ in app.store.audit_entries("complaint.make")] == ["L0001"]
    assert [detail["note"] for _, _, _, detail in app.store.audit_entries("complaint.close")] == [
        "已核实，约谈李明并向借款人致歉"
    ]
    assert await lines(talk, "lead", "投诉 关闭 L0001 再次办结") == ["L0001 没有未办结的投诉，未作改动。"]


async def test_complaint_usage_and_scope(app: App, talk: Conversation) -> None:
    assert await lines(talk, "li", "投诉 L0001") == [
        "请发送：投诉 贷款编号 投诉内容。“投诉”查看未办结的投诉；“投诉 关闭 贷款编号 办结说明”办结投诉。"
    ]
    assert await lines(talk, "li", "投诉 L0002 催收员态度恶劣") == [
        "L0002 不是您负责的案件，不能查看或记录。"
    ]
    assert complaints(app) == []
    assert (await lines(talk, "li", "投诉 L0001 借款人称催收员态度恶劣"))[0].startswith(
        "投诉已记录（第 1 号）"
    )
    assert await lines(talk, "other_lead", "投诉") == ["目前没有未办结的投诉。"]  # another unit's


# -- hand-overs ------------------------------------------------------------------------------------------


async def test_assign_by_another_units_lead_is_refused_and_the_right_lead_moves_case_promise_and_reminders(
    app: App, talk: Conversation, clock: Clock
) -> None:
    promised = await lines(talk, "li", "L0001 上门 承诺12月10日前还3万")
    assert promised[0] == "已记录：L0001 张三，上门·承诺还款，承诺 2026-12-10 前还 ¥30,000.00"
    before = (holders(app), app.store.audit_entries())
    assert await lines(talk, "other_lead", "转办 L0001 E0002") == ["L0001 不是您负责的案件，不能查看或记录。"]
    assert await lines(talk, "li", "转办 L0001 E0002") == ["转办由单位负责人（本单位案件）或专班联络员办理。"]
    assert await lines(talk, "lead", "转办 L0001 E0004") == [
        "孙芳（E0004）不是本案所属单位的责任人，不能转办给他，未作改动。"
    ]
    assert await lines(talk, "lead", "转办 L0001 E0001") == ["李明 已是 L0001 的责任人，未作改动。"]
    assert await lines(talk, "lead", "转办 L0001") == ["请发送：转办 贷款编号 新责任人工号"]
    assert (holders(app), app.store.audit_entries()) == before
    assert rows(app, select(CaseAssignment.id)) == []

    assert (await lines(talk, "lead", "转办 L0001 E0002"))[0] == (
        "已转办：L0001 张三，由 李明 转给 周强。未兑现的承诺随案转移：2026-12-10 前还 ¥30,000.00。"
    )
    seen = await received(talk, "zhou")
    if seen is not None:
        assert (
            "【转办】L0001 张三 已由 王建国 转给您负责（原责任人 李明），尚欠 ¥600,000.00。"
            "未兑现的承诺随案转移：2026-12-10 前还 ¥30,000.00。"
        ) in seen
    assert holders(app)["L0001"] == "E0002"
    assert [ref for _, _, ref, _ in app.store.audit_entries("case.assign")] == ["L0001"]
    card = await lines(talk, "zhou", "案件 L0001")
    assert "单位：城关信用社 · 责任人：周强 · 状态：已承诺" in card
    assert card[card.index("转办记录：") + 1] == "· 2026-11-29 李明 → 周强（王建国）"
    assert await lines(talk, "li", "案件 L0001") == ["L0001 不是您负责的案件，不能查看或记录。"]
    # The promise stays open on the case, and its reminder goes to the new officer on the eve of its day.
    assert rows(app, select(Promise.status, Promise.due_on)) == [("open", date(2026, 12, 10))]
    todos = {
        m.key: m.replies[0].text
        for m in build_reminders(app.store, date(2026, 12, 9), ScheduleConfig())
        if m.key.startswith("todo:")
    }
    zhou, li = (
        rows(app, select(Person.id).where(Person.employee_no == no))[0][0] for no in ("E0002", "E0001")
    )
    assert "L0001" in todos[f"todo:person:{zhou}"]
    assert "承诺明天还 ¥30,000.00" in todos[f"todo:person:{zhou}"]
    assert "L0001" not in todos.get(f"todo:person:{li}", "")


async def test_an_admin_assigns_in_any_unit(app: App, talk: Conversation) -> None:
    assert (await lines(talk, "admin", "/assign L0004 U0002"))[
        0
    ] == "已转办：L0004 赵六，由 孙芳 转给 赵东升。"
    assert holders(app)["L0004"] == "U0002"


def test_the_first_message_after_binding_states_the_rule(app: App) -> None:
    seed(app)
    code = next(line.code for line in app.store.bind_codes() if line.employee_no == "E0001")
    response = app.router().handle(Incoming("telegram", "501", "501", "1", f"/bind {code}"))
    assert response.replies[0].text.splitlines() == [
        "绑定成功：李明，清收责任人，城关信用社。发送“帮助”查看可用功能。",
        RULE,
    ]


async def test_a_flagged_repayment_is_reported_listed_with_its_reason_and_confirmed_anyway(
    app: App, talk: Conversation, clock: Clock
) -> None:
    answer = await lines(talk, "li", "还款 L0001 1000 现金 2026-11-01")
    assert answer[0].startswith("已报告还款：L0001 张三 ¥1,000.00")
    assert (
        "⚠ 本笔已标记：倒签（还款日早于报告日 3 天以上）。标记不影响报告，由单位负责人核实后决定。" in answer
    )
    seen = await received(talk, "lead")
    if seen is not None:
        assert any("⚠ 已标记：倒签（还款日早于报告日 3 天以上）" in text for text in seen)
    pending = await lines(talk, "lead", "待确认")
    assert any(
        line.startswith("1. L0001 张三 ¥1,000.00") and line.endswith("⚠ 倒签（还款日早于报告日 3 天以上）")
        for line in pending
    ), pending
    digest = next(
        m.replies[0].text
        for m in build_reminders(app.store, date(2026, 11, 30), ScheduleConfig())
        if m.key.startswith("digest:")
    )
    assert (
        "待确认还款中有标记的 1 笔（请核实后再确认）：\n· L0001 张三 ¥1,000.00（李明）：倒签（还款日早于报告日 3 天以上）"
        in digest
    )
    assert (await lines(talk, "lead", "确认 L0001"))[
        0
    ] == "已确认：L0001 张三 还款 ¥1,000.00（王建国 确认），计入收回。"
    assert app.store.balance("L0001").principal == Decimal("599000.00")
    assert "⚠ 倒签（还款日早于报告日 3 天以上）" in "\n".join(await lines(talk, "lead", "案件 L0001"))
