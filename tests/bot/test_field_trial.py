"""What the field trial found in conversations, run in the terminal, on Telegram and on WeCom: reports that were
dropped or misread, and what leads and leaders were shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.app import App
from core.import_plan import plan_import
from core.records import CaseRecord, PersonRecord
from store.models import Promise
from tests.bot.test_dialogues import Conversation, talking
from tests.conftest import CAMPAIGN_END
from tests.ledger_data import CASES, PEOPLE, UNITS, seed

TRIAL_PEOPLE = {"officer_1": "E001", "officer_2": "E002", "lead": "U001", "leader": "D001"}
DIGITS_LOAN = "820100012345678"


def seed_trial(app: App) -> None:
    """The small ledger, a leader, and a loan numbered with digits only (as many cooperatives do)."""
    seed(app)
    people = [*PEOPLE, PersonRecord("刘领导", "D001", None, "leader", "13800009999")]
    cases = [
        *CASES,
        CaseRecord(
            DIGITS_LOAN,
            "赵七",
            "城关信用社",
            "E001",
            Decimal("30000"),
            Decimal(0),
            "可疑",
            "中",
            CAMPAIGN_END,
        ),
    ]
    plan, problems = plan_import(app.store.import_snapshot(), UNITS, people, cases)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="trial")


@pytest.fixture(params=["terminal", "telegram", "wecom"])
async def talk(request: pytest.FixtureRequest, app: App) -> AsyncIterator[Conversation]:
    seed_trial(app)
    async with talking(request.param, app, TRIAL_PEOPLE) as conversation:
        yield conversation


async def test_outcomes_are_read_as_officers_mean_them(talk: Conversation) -> None:
    for said, recorded in (
        ("L2023001 电话没人接", "电话·未接通"),
        ("L2023001 上门 借款人不在家", "上门·未见到本人"),
        ("L2023001 电话 未接通", "电话·未接通"),
        ("L2023001 借款人去世", "上门·死亡"),
        ("L2023001 上门 借款人签字确认欠款", "上门·签字确认"),
    ):
        answer = await talk.say("officer_1", said)
        assert answer.startswith(f"已记录：L2023001 张三，{recorded}"), (said, answer)


async def test_promises_keep_their_amount_and_date_and_the_newest_one_stands(
    talk: Conversation, app: App
) -> None:
    # Sunday 2026-11-29: 下周 is by Friday 2026-12-04, 月底 the 30th; 张三 owes ¥52,000.00.
    answer = await talk.say("officer_1", "L2023001 今天电话联系，说下周还2万")
    assert answer.startswith("已记录：L2023001 张三，电话·承诺还款，承诺 2026-12-04 前还 ¥20,000.00")
    answer = await talk.say("officer_1", "L2023001 承诺月底前还一半")
    assert "承诺 2026-11-30 前还 ¥26,000.00" in answer
    answer = await talk.say("officer_1", "L2023001 电话 答应月底前还1.2w")
    assert "承诺 2026-11-30 前还 ¥12,000.00" in answer

    # No amount: asked, with the balance's whole and half to choose from; nothing recorded before the choice.
    asked = await talk.say("officer_1", "L2023001 上门 承诺下周还款")
    assert asked.startswith("L2023001 张三 承诺还多少？请选择（选择后才记录）")
    chosen = await talk.choose("officer_1", 2)
    assert chosen.startswith("已记录：L2023001 张三，上门·承诺还款，承诺 2026-12-04 前还 ¥26,000.00")
    # Neither: asked to write it out, or to keep the contact alone.
    asked = await talk.say("officer_1", "L2023001 上门 承诺还款")
    assert asked.startswith("L2023001 张三：承诺还款请写明金额和日期后重新发送")
    assert (await talk.choose("officer_1", 1)).startswith("已记录：L2023001 张三，上门·已联系")

    with app.engine.connect() as connection:
        statuses = [row[0] for row in connection.execute(select(Promise.status).order_by(Promise.id))]
    assert statuses == ["replaced", "replaced", "replaced", "open"]


async def test_wechat_is_a_transfer_and_all_digit_loan_numbers_are_read(talk: Conversation) -> None:
    answer = await talk.say("officer_1", "L2023001 微信还了5000")
    assert answer.startswith("已报告还款：L2023001 张三 ¥5,000.00（转账")
    answer = await talk.say("officer_1", f"{DIGITS_LOAN} 还款1000")
    assert answer.startswith(f"已报告还款：{DIGITS_LOAN} 赵七 ¥1,000.00")


async def test_pending_shows_the_true_count_pages_and_is_decided_as_typed(talk: Conversation) -> None:
    for _ in range(12):
        assert (await talk.say("officer_2", "L2023002 还款1000 现金")).startswith("已报告还款")
    listing = await talk.say("lead", "待确认")
    assert listing.startswith(
        "待确认还款 12 笔（第 1–10 笔）：\n1. L2023002 李四 ¥1,000.00（现金，2026-11-29），周强 报告"
    )
    # Ten confirm/reject pairs, all of 周强's at once, then the next page.
    rest = await talk.choose("lead", 22)
    assert rest.startswith("待确认还款 12 笔（第 11–12 笔）：\n11. L2023002")
    assert (await talk.say("lead", "确认 L2023002")).startswith("L2023002 有 12 笔待确认还款，请选择：")
    assert (await talk.say("lead", "确认 周强")).startswith("已确认 12 笔，共 ¥12,000.00：")
    assert (await talk.say("lead", "待确认")).startswith("没有待确认的还款。")

    await talk.say("officer_2", "L2023002 还款2000 现金")
    rejected = await talk.say("lead", "驳回 L2023002 金额不符")
    assert rejected.startswith(
        "已驳回：L2023002 李四 还款 ¥2,000.00（王建国 驳回，原因：金额不符），不计入收回。"
    )


async def test_confirming_all_of_one_officers_takes_only_what_was_listed(talk: Conversation) -> None:
    for amount in ("1000", "2000"):
        await talk.say("officer_2", f"L2023002 还款{amount} 现金")
    await talk.say("lead", "待确认")
    await talk.say("officer_2", "L2023002 还款3000 现金")  # after the list was shown
    confirmed = await talk.choose("lead", 5)  # 全部确认：周强 2 笔
    assert confirmed.startswith("已确认 2 笔，共 ¥3,000.00：")
    assert (await talk.say("lead", "待确认")).startswith(
        "待确认还款 1 笔（第 1–1 笔）：\n1. L2023002 李四 ¥3,000.00"
    )


async def test_an_undone_report_and_reports_still_waiting_are_said_plainly(talk: Conversation) -> None:
    await talk.say("officer_1", "L2023001 还款2万 现金")
    await talk.say("officer_1", "撤销")
    card = await talk.say("officer_1", "案件 L2023001")
    assert "撤回还款报告 ¥20,000.00" in card
    assert "报告还款 ¥20,000.00（现金，已撤回）" in card
    assert "待确认" not in card

    await talk.say("officer_1", "L2023001 还款52000 现金")
    refused = await talk.say("officer_1", "L2023001 还款100 现金")
    assert refused.startswith(
        "金额 ¥100.00 超过还可报告的 ¥0.00：该笔贷款尚欠 ¥52,000.00，其中 ¥52,000.00 已报告、待单位负责人确认"
    )


async def test_a_leads_own_report_says_who_confirms_it(talk: Conversation) -> None:
    answer = await talk.say("lead", "L2023002 还款1000 现金")
    assert "本人报告的还款需由本单位其他负责人或专班联络员确认，已通知：陈专班" in answer


async def test_a_leader_is_told_where_to_look_not_refused_as_if_writing(talk: Conversation) -> None:
    for said in ("我的案件", "到期"):
        assert (await talk.say("leader", said)).startswith("专班领导名下没有案件。可发送“进度”查看全局")
    assert (await talk.say("leader", "L2023001 还款100")).startswith("专班领导只能查看")


async def test_the_card_shows_notes_and_reports_and_cases_are_found_by_name(talk: Conversation) -> None:
    await talk.say("officer_1", "L2023001 上门 家属说借款人外出务工")
    assert (await talk.say("officer_1", "报告 L2023001 借款人住院，暂无法联系")).startswith("已转给：")
    card = await talk.say("officer_1", "案件 L2023001")
    assert "李明 上门·已联系：L2023001 上门 家属说借款人外出务工" in card
    assert "李明 报告特殊情况：L2023001 借款人住院，暂无法联系" in card

    assert (await talk.say("lead", "案件 张三")).startswith("【L2023001】张三")
    assert (await talk.say("leader", "进度 城关")).startswith("城关信用社 清收进度")
    several = await talk.say("leader", "进度 信用社")
    assert several.startswith("名称含“信用社”的单位有 2 个，请选择：")
    assert (await talk.choose("leader", 1)).startswith("东风信用社 清收进度")
