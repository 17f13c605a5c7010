"""What `qingshou assign --rebalance` prints when the cases allow no spread within 10%: the closest plan, and
why (a case larger than the tolerance, or too few cases)."""

from __future__ import annotations

from bot.rebalancing import spread_lines
from core.rebalance import CaseLoad, rebalance

NAMES = {"E1": "李明", "E2": "周强", "E3": "吴敏"}


def test_one_case_larger_than_the_tolerance_gives_the_closest_plan_and_names_it() -> None:
    cases = [
        CaseLoad("L-BIG", "E1", 900_000_00, "难"),
        *(CaseLoad(f"L{n:02}", "E1", 10_000_00, "中") for n in range(10)),
    ]
    plan = rebalance(cases, ["E1", "E2", "E3"])
    printed = spread_lines("城关信用社", cases, plan, NAMES, "zh")
    assert (
        printed[0]
        == "城关信用社：3 名责任人，11 笔未结清案件，尚欠合计 ¥1,000,000.00。难易负荷：易 1、中 2、难 3 分。"
    )
    assert "  李明（E1）：尚欠 ¥1,000,000.00（+200.0%），难易负荷 23（+200.0%）" in printed
    after = printed[printed.index("调整后：") :]
    # The small cases even out the loads; whoever holds the large case stays far above the mean amount.
    assert "  周强（E2）：尚欠 ¥920,000.00（+176.0%），难易负荷 7（-8.7%）" in after
    assert printed[-1] == (
        "现有案件无法使每名责任人都在均值 ±10% 以内，以上为最接近的方案（最大偏离均值：尚欠 176.0%，难易负荷 8.7%）。"
        "原因：单笔案件 L-BIG 尚欠 ¥900,000.00，超过人均尚欠的 110%（¥366,666.66），案件不可拆分，持有人必然超出"
    )


def test_too_few_cases_are_named_as_the_reason() -> None:
    cases = [CaseLoad("L1", "E1", 10_000_00, "中"), CaseLoad("L2", "E1", 10_000_00, "中")]
    plan = rebalance(cases, ["E1", "E2", "E3"])
    assert spread_lines("城关信用社", cases, plan, NAMES, "zh")[-1].endswith(
        "原因：只有 2 笔案件，少于 3 名责任人"
    )


def test_cases_too_coarse_to_even_out_are_named_as_the_reason() -> None:
    cases = [
        CaseLoad("L1", "E1", 30_000_00, "中"),
        CaseLoad("L2", "E1", 30_000_00, "中"),
        CaseLoad("L3", "E1", 20_000_00, "中"),
        CaseLoad("L4", "E1", 10_000_00, "中"),
    ]
    plan = rebalance(cases, ["E1", "E2", "E3"])
    assert not plan.balanced
    assert spread_lines("城关信用社", cases, plan, NAMES, "zh")[-1].endswith(
        "原因：各笔案件金额或难易程度相差较大，无法再细分"
    )


def test_one_officer_is_nothing_to_spread() -> None:
    cases = [CaseLoad("L1", "E1", 10_000_00, "中")]
    assert spread_lines("城关信用社", cases, rebalance(cases, ["E1"]), NAMES, "zh") == [
        "城关信用社：1 名责任人、1 笔未结清案件，无需调整。"
    ]
