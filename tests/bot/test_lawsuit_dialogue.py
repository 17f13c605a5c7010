"""A lawsuit through the terminal, as an officer and the unit lead would go through it (SPEC §10)."""

from __future__ import annotations

import io
from datetime import date, datetime

from bot.app import App
from bot.channels.console import ConsoleChannel
from tests.conftest import SHANGHAI, Clock
from tests.ledger_data import seed


def say(app: App, employee_no: str, *lines: str) -> str:
    output = io.StringIO()
    ConsoleChannel(app.router(), app.store, employee_no, output).run(list(lines))
    return output.getvalue()


def card(app: App, employee_no: str = "E003") -> str:
    return say(app, employee_no, "案件 L2023003")


def test_filed_judged_enforced_with_the_money_the_court_recovered(app: App, clock: Clock) -> None:
    seed(app)
    clock.now = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)
    printed = say(
        app, "E003", "诉讼 L2023003 立案 晋中市榆次区人民法院 （2026）晋0702民初123号 标的8万 诉讼费1500"
    )
    assert "已记录诉讼阶段：L2023003 王五，立案（2026-06-01）" in printed
    assert "法院：晋中市榆次区人民法院；案号：（2026）晋0702民初123号" in printed
    assert "诉讼标的：¥80,000.00；费用：¥1,500.00" in printed
    shown = card(app)
    assert "状态：诉讼中" in shown
    assert (
        "· 立案 2026-06-01（0 天） 晋中市榆次区人民法院 （2026）晋0702民初123号 标的 ¥80,000.00 费用 ¥1,500.00"
        in shown
    )
    assert "诉讼时效剩余 1096 天（2026-06-01 起诉立案 → 2029-06-01）" in shown

    clock.now = datetime(2026, 9, 10, 10, 0, tzinfo=SHANGHAI)
    assert "判决（2026-09-01）" in say(app, "E003", "L2023003 9月1日判决了")
    shown = card(app)
    assert "· 立案 2026-06-01（92 天）" in shown
    assert "· 判决 2026-09-01（9 天）" in shown
    assert "申请强制执行期限：2028-09-01（还剩 722 天）" in shown

    clock.now = datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)
    assert "申请执行（2026-10-08）" in say(app, "E003", "L2023003 申请强制执行 （2026）晋0702执88号")
    # What enforcement recovered is a repayment of method `court`, confirmed by the unit lead.
    reported = say(app, "E003", "还款 L2023003 20000 法院执行")
    assert "已报告还款：L2023003 王五 ¥20,000.00" in reported
    (pending,) = [r for r in app.store.repayments("L2023003") if r.status == "reported"]
    assert pending.method == "court"
    app.store.decide_repayment(pending.id, "U002", confirm=True)
    shown = card(app)
    assert "已收回 ¥20,000.00" in shown
    assert "状态：诉讼中" in shown
    assert "申请强制执行期限" not in shown  # applied for

    clock.now = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
    assert "执行完毕（2026-11-20）" in say(app, "E003", "诉讼 L2023003 执行完毕")
    shown = card(app)
    # Enforced without the case paid off: back to being worked, the stages kept on the card.
    assert "状态：清收中" in shown
    assert "· 申请执行 2026-10-08（43 天） （2026）晋0702执88号" in shown
    assert "· 执行完毕 2026-11-20（0 天）" in shown


def test_filed_judged_suspended_then_resumed(app: App, clock: Clock) -> None:
    seed(app)
    clock.now = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)
    printed = say(
        app,
        "E003",
        "诉讼 L2023003 立案 2026-03-02",
        "诉讼 L2023003 判决 2026-05-10",
        "诉讼 L2023003 申请执行 2026-06-01",
        "诉讼 L2023003 终本 2026-09-15 查无可供执行财产",
    )
    assert printed.count("已记录诉讼阶段") == 4
    assert "状态：清收中" in card(app)  # 终本 ends the enforcement for now
    printed = say(app, "E003", "诉讼 L2023003 恢复执行 发现其名下车辆 已查封")
    assert "已记录诉讼阶段：L2023003 王五，恢复执行（2026-11-29）" in printed
    shown = card(app)
    assert "状态：诉讼中" in shown
    assert "· 终本 2026-09-15（75 天）" in shown


def test_bad_lawsuit_messages_are_refused_and_change_nothing(app: App, clock: Clock) -> None:
    seed(app)
    printed = say(
        app,
        "E003",
        "诉讼 L2023003 判决",
        "诉讼 L2023003 结案",
        "诉讼 L2023003 立案 2026-12-25",
        "诉讼 L2023003 立案 2025-12-01",
        "诉讼 L2023001 立案",
        "诉讼 L2023003",
    )
    assert "该案件尚无诉讼记录，不能记录“判决”。请先记录：立案" in printed
    assert "未能识别诉讼阶段“结案”" in printed
    assert "日期 2026-12-25 晚于今天，未记录。" in printed
    assert "日期 2025-12-01 早于专项行动开始日（2026-01-01），未记录。" in printed
    assert "L2023001" in printed and "已记录诉讼阶段" not in printed  # someone else's case
    assert "请发送：诉讼 贷款编号 阶段 [日期] [备注]" in printed
    assert app.store.lawsuit_stages("L2023003") == []
    assert "状态：未处置" in card(app)


def test_undo_takes_back_a_stage(app: App) -> None:
    seed(app)
    printed = say(app, "E003", "L2023003 已起诉", "撤销", "撤销")
    assert "已记录诉讼阶段：L2023003 王五，立案（2026-11-29）" in printed
    assert "已撤销 L2023003 的诉讼阶段：立案（2026-11-29）。" in printed
    assert app.store.lawsuit_stages("L2023003") == []
    shown = card(app)
    assert "状态：未处置" in shown
    # The card's history keeps both: the stage (marked undone) and its undoing.
    assert "孙芳 撤销了诉讼阶段（立案，2026-11-29）" in shown
    assert "孙芳 诉讼·立案（2026-11-29）（已撤销）：已起诉" in shown


def test_progress_cards_show_the_lawsuits_by_stage_their_timings_and_the_slow_ones(app: App) -> None:
    seed(app)
    assert "诉讼" not in say(app, "U002", "进度")  # no lawsuit yet: no lines for them
    app.store.record_stage("L2023003", "E003", "filed", date(2026, 1, 5))
    app.store.record_stage("L2023003", "E003", "judged", date(2026, 4, 15))  # 100 days
    app.store.record_stage("L2023001", "E001", "filed", date(2026, 3, 1))  # slow: 273 days by 11-29
    unit = say(app, "U002", "进度")
    assert "诉讼（按当前阶段）：判决 1 件" in unit
    assert "立案至判决（调解）中位 100 天，判决至执行完毕暂无数据" in unit
    assert "L2023001" not in unit  # another unit's
    campaign = say(app, "A001", "进度")
    assert "诉讼（按当前阶段）：立案 1 件、判决 1 件" in campaign
    assert "超过 6 个月未结 1 件：L2023001（立案，273 天）" in campaign
