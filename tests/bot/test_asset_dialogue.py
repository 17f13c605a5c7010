"""A foreclosed house on WeCom and in the terminal, as the officer, the unit lead and an admin go through it
(SPEC §10): the case's balance and status, the unit's recovery (counted once), the asset's card and the audit log at
each step, and the refusals that change nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from bot.app import App
from tests.bot.test_dialogues import talking
from tests.bot.test_lawsuit_dialogue import say
from tests.conftest import SHANGHAI, Clock
from tests.ledger_data import seed


def audit(app: App) -> list[tuple[str, str]]:
    """The audit log's asset and repayment entries: (action, what it is about)."""
    return [
        (action, ref)
        for action, _, ref, _ in app.store.audit_entries()
        if action.startswith(("asset.", "repayment."))
    ]


def recovered(app: App) -> Decimal:
    return next(u.recovered for u in app.store.unit_progress() if u.unit == "东风信用社")


def card(app: App, who: str = "E003") -> str:
    """The asset's card, as `who` sees it in the terminal."""
    return say(app, who, "资产 ZC2026-0001")


@pytest.mark.parametrize("kind", ["wecom", "terminal"])
async def test_a_house_from_the_agreement_to_the_money(app: App, kind: str) -> None:
    seed(app)  # L2023003 王五 owes ¥81,500.75: officer 孙芳 E003, lead 赵东升 U002
    async with talking(kind, app, {"officer": "E003", "lead": "U002"}) as talk:
        printed = await talk.say("officer", "抵债 L2023003 8万 榆次区某小区住宅 不动产")
        assert (
            "已登记抵债资产 ZC2026-0001：榆次区某小区住宅（不动产），抵偿 L2023003 王五 ¥80,000.00。"
            in printed
        )
        assert "等待 赵东升 确认后计入收回" in printed
        assert "状态：以资抵债中" in await talk.say("officer", "案件 L2023003")
        assert app.store.balance("L2023003").total == Decimal("81500.75")  # not until the lead confirms
        assert recovered(app) == Decimal("0.00")
        assert audit(app) == [("repayment.report", "L2023003"), ("asset.register", "L2023003")]

        assert "已确认：L2023003" in await talk.say("lead", "确认 L2023003")
        assert app.store.balance("L2023003").total == Decimal("1500.75")
        assert recovered(app) == Decimal("80000.00")
        shown = await talk.say("officer", "案件 L2023003")
        assert "状态：未处置" in shown
        assert "· ZC2026-0001 榆次区某小区住宅（已接收）抵债 ¥80,000.00" in shown
        assert audit(app)[-1] == ("repayment.confirm", "L2023003")

        steps = [
            (
                "officer",
                "资产 ZC2026-0001 评估 10万 晋中某评估公司",
                "已记录评估：ZC2026-0001 评估价值 ¥100,000.00",
                "asset.appraise",
            ),
            (
                "officer",
                "资产 ZC2026-0001 挂牌 10万",
                "已记录挂牌：ZC2026-0001 底价 ¥100,000.00",
                "asset.list",
            ),
            ("officer", "资产 ZC2026-0001 流拍", "已记录流拍：ZC2026-0001 新底价 ¥80,000.00", "asset.unsold"),
            ("lead", "资产 ZC2026-0001 挂牌 7.8万", "已记录挂牌：ZC2026-0001 底价 ¥78,000.00", "asset.list"),
            (
                "lead",
                "资产 ZC2026-0001 处置 8.5万 拍卖 李某",
                "已记录处置：ZC2026-0001 拍卖，所得 ¥85,000.00",
                "asset.dispose",
            ),
        ]
        cards = [
            "状态：已评估 · 最近评估：¥100,000.00 · 底价：—",
            "状态：挂牌中 · 最近评估：¥100,000.00 · 底价：¥100,000.00",
            "状态：挂牌中 · 最近评估：¥100,000.00 · 底价：¥80,000.00",
            "状态：挂牌中 · 最近评估：¥100,000.00 · 底价：¥78,000.00",
            "状态：已处置 · 最近评估：¥100,000.00 · 底价：¥78,000.00",
        ]
        for (who, message, answer, action), state in zip(steps, cards, strict=True):
            assert answer in await talk.say(who, message)
            assert audit(app)[-1] == (action, "ZC2026-0001")
            assert state in await talk.say("officer", "资产 ZC2026-0001")
            # Counted once: neither the balance nor the unit's recovery moves with the asset.
            assert app.store.balance("L2023003").total == Decimal("1500.75")
            assert recovered(app) == Decimal("80000.00")
        assert "处置所得 ¥85,000.00，较抵债金额 +¥5,000.00" in await talk.say("officer", "资产 ZC2026-0001")


def test_refusals_change_nothing(app: App) -> None:
    seed(app)
    say(app, "E003", "抵债 L2023003 8万 榆次区某小区住宅")
    say(app, "U002", "确认 L2023003")
    before = (audit(app), card(app))
    printed = say(
        app,
        "E003",
        "资产 ZC2026-0001 挂牌 10万",  # before any appraisal
        "抵债 L2023003 2万 轿车",  # more than the ¥1,500.75 still owed
        "抵债 L2023001 1万 轿车",  # someone else's case
    )
    assert "资产 ZC2026-0001 尚未评估：须先评估，才能挂牌或处置。" in printed
    assert "抵债金额 ¥20,000.00 超过该案件尚欠金额 ¥1,500.75（已扣除待确认还款），未登记。" in printed
    assert "L2023001 不是您负责的案件" in printed
    assert "资产 ZC2026-0001 不在您的管理范围内。" in say(app, "E001", "资产 ZC2026-0001 评估 1万")
    assert (audit(app), card(app)) == before
    assert len(app.store.repayments("L2023003")) == 1
    say(app, "E003", "资产 ZC2026-0001 评估 10万")
    # 25% below the appraisal: waits for a leader or admin; the lead who proposed it may not confirm it.
    printed = say(app, "U002", "资产 ZC2026-0001 处置 7.5万 拍卖")
    assert "因价格低于最近评估价值 20% 以上，须经专班领导或联络员确认后生效（已通知：陈专班）" in printed
    assert "资产 ZC2026-0001 的处置须由专班领导或联络员确认。" in say(app, "U002", "资产 ZC2026-0001 确认")
    assert "状态：已评估" in card(app)
    assert "陈专班 已确认资产 ZC2026-0001（榆次区某小区住宅）的处置。" in say(
        app, "A001", "资产 ZC2026-0001 确认"
    )
    assert "状态：已处置" in card(app)


def test_progress_cards_count_the_assets_and_name_the_overdue(app: App, clock: Clock) -> None:
    seed(app)
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    say(app, "E003", "抵债 L2023003 1万 轿车 动产", "抵债 L2023003 5万 商铺 不动产")
    clock.now = datetime(2027, 3, 5, 10, 0, tzinfo=SHANGHAI)
    unit = say(app, "U002", "进度")
    assert "抵债资产：已接收 2 项；抵债金额合计 ¥60,000.00，处置所得合计 ¥0.00" in unit
    assert "超过处置期限未处置 1 项：ZC2026-0001" in unit  # the movable, a year on; the house has two
    assert "超过处置期限未处置 1 项：ZC2026-0001" in say(app, "A001", "进度")  # the campaign's card too


def test_undo_takes_back_a_registration_but_not_a_step(app: App, clock: Clock) -> None:
    seed(app)
    printed = say(app, "E003", "抵债 L2023003 8万 榆次区某小区住宅", "撤销", "资产")
    assert "已撤销 L2023003 的以资抵债还款 ¥80,000.00，该抵债资产登记不再有效。" in printed
    assert printed.endswith("没有您管理的抵债资产。\n")
    assert "状态：未处置" in say(app, "E003", "案件 L2023003")
    say(app, "E003", "抵债 L2023003 8万 榆次区某小区住宅")
    say(app, "U002", "确认 L2023003")
    clock.now = datetime(2026, 11, 29, 11, 0, tzinfo=SHANGHAI)  # an hour after registering it
    printed = say(app, "E003", "资产 ZC2026-0002 评估 10万", "撤销")
    assert printed.endswith("资产操作不能撤销；如有错误，请再记录一次正确的操作（以最近一次为准）。\n")
    # Neither the appraisal nor the registration behind it was taken back.
    assert "状态：已评估 · 最近评估：¥100,000.00" in say(app, "E003", "资产 ZC2026-0002")
    assert app.store.balance("L2023003").total == Decimal("1500.75")
