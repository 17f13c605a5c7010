"""Import changes and audit entries in words, as the clerk and the auditor read them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.audit import describe_actor, describe_change, describe_entry, detail_of
from core.records import Change
from core.texts import en


@pytest.mark.parametrize(
    ("change", "zh", "en"),
    [
        (
            Change(
                "case",
                "L2023001",
                {"officer_no": ("E1", "E2"), "principal": (Decimal("100000.00"), Decimal("90000.00"))},
            ),
            "案件 L2023001：责任人工号 E1 → E2，贷款余额(元) ¥100,000.00 → ¥90,000.00",
            "case L2023001: officer_no E1 → E2, principal ¥100,000.00 → ¥90,000.00",
        ),
        (
            Change(
                "case",
                "L7",
                {
                    "deadline": (date(2026, 12, 31), date(2026, 12, 20)),
                    "statute_date": (None, date(2027, 3, 1)),
                },
            ),
            "案件 L7：收回时限 2026-12-31 → 2026-12-20，诉讼时效到期日 空 → 2027-03-01",
            "case L7: deadline 2026-12-31 → 2026-12-20, statute_date empty → 2027-03-01",
        ),
        (
            Change(
                "person",
                "E001",
                {"role": ("officer", "unit_lead"), "unit": ("城关信用社", None), "mobile": ("", "139")},
            ),
            "人员 E001：角色 清收责任人 → 单位负责人，所属单位 城关信用社 → 空，手机号 空 → 139",
            "person E001: role officer → unit lead, unit 城关信用社 → empty, mobile empty → 139",
        ),
        (
            Change(
                "unit", "城关信用社", {"target": (None, Decimal("5000000.00")), "leader_name": ("王", "李")}
            ),
            "单位 城关信用社：清收目标(元) 空（按贷款余额合计） → ¥5,000,000.00，主要领导 王 → 李",
            "unit 城关信用社: target empty (the sum of balances) → ¥5,000,000.00, leader_name 王 → 李",
        ),
    ],
)
def test_import_changes_read_as_headers_and_values(change: Change, zh: str, en: str) -> None:
    assert describe_change(change, "zh") == zh
    assert describe_change(change, "en") == en


# Every action the store writes today, with the detail it writes (store/*.py `_audit(`).
ENTRIES: list[tuple[str, str, dict[str, Any], tuple[str, str, str]]] = [
    (
        "import",
        "ledger",
        {"created": 12, "updated": 1, "unchanged": 3},
        ("导入", "台账", "新增 12 条，更新 1 条，未变 3 条"),
    ),
    (
        "import.update",
        "case",
        {
            "principal": ["35000.00", "40000.00"],
            "officer_no": ["E1", "E2"],
            "statute_date": [None, "2027-03-01"],
        },
        (
            "导入修改",
            "案件",
            "贷款余额(元) ¥35,000.00 → ¥40,000.00，责任人工号 E1 → E2，诉讼时效到期日 空 → 2027-03-01",
        ),
    ),
    (
        "import.update",
        "person",
        {"role": ["officer", "leader"]},
        ("导入修改", "人员", "角色 清收责任人 → 专班领导"),
    ),
    (
        "repayment.report",
        "case",
        {"repayment": 7, "amount": "5000.00", "method": "cash", "paid_on": "2026-11-29"},
        ("报告还款", "案件", "还款 #7，金额 ¥5,000.00，方式 现金，日期 2026-11-29"),
    ),
    (
        "repayment.confirm",
        "case",
        {"repayment": 7, "amount": "5000.00"},
        ("确认还款", "案件", "还款 #7，金额 ¥5,000.00"),
    ),
    (
        "repayment.reject",
        "case",
        {"repayment": 7, "amount": "5000.00"},
        ("驳回还款", "案件", "还款 #7，金额 ¥5,000.00"),
    ),
    (
        "repayment.reverse",
        "case",
        {"repayment": 7, "reversal": 9, "amount": "5000.00"},
        ("冲正", "案件", "还款 #7，冲正记录 #9，金额 ¥5,000.00"),
    ),
    (
        "contact.log",
        "case",
        {"contact": 3, "channel": "visit", "outcome": "absent", "promise": None},
        ("记录催收", "案件", "催收记录 #3，渠道 上门，结果 未见到本人，承诺金额 空"),
    ),
    (
        "contact.reverse",
        "case",
        {"contact": 3, "reversal": 4},
        ("撤销催收", "案件", "催收记录 #3，冲正记录 #4"),
    ),
    ("bind", "person", {"channel": "telegram"}, ("绑定", "人员", "渠道 Telegram")),
    ("bind_code.issue", "person", {}, ("发放绑定码", "人员", "")),
    (
        "report",
        "person",
        {"text": "借款人去世，家属愿意协商"},
        ("特殊情况报告", "人员", "内容 借款人去世，家属愿意协商"),
    ),
    (
        "promise.decide",
        "ledger",
        {"kept": 3, "partial": 1, "broken": 2},
        ("承诺判定", "台账", "兑现 3 条，部分兑现 1 条，未兑现 2 条"),
    ),
    (
        "demo.load",
        "ledger",
        {"contacts": 100, "promises": 20, "repayments": 50},
        ("演示数据", "台账", "催收记录 100 条，承诺 20 条，还款 50 条"),
    ),
]


@pytest.mark.parametrize(("action", "entity", "detail", "expected"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_every_action_of_the_store_reads_in_chinese(
    action: str, entity: str, detail: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    assert describe_entry(action, entity, "REF", detail, "zh") == expected
    # The English catalogue names them too: nothing there falls back to a code.
    assert {f"audit.action.{action}", f"audit.entity.{entity}"} <= set(en.TEXTS)
    assert all(f"audit.key.{key}" in en.TEXTS for key in detail if action != "import.update")


def test_new_actions_and_keys_still_show_every_detail() -> None:
    detail = {"amount": "12.5", "notice_no": "清收督〔2026〕3号", "units": ["东风", "城关"], "urgent": True}
    what, kind, words = describe_entry("notice.send", "unit", "东风", detail, "zh")
    assert (what, kind) == ("notice.send", "单位")
    assert words == '金额 ¥12.50，notice_no：清收督〔2026〕3号，units：["东风", "城关"]，urgent：是'
    assert describe_entry("x.y", "lawsuit", "", {}, "zh") == ("x.y", "lawsuit", "")


def test_system_actors_and_stored_details() -> None:
    assert [describe_actor(a, "zh") for a in ("cli", "schedule", "demo", "李明")] == [
        "命令行",
        "定时任务",
        "演示数据",
        "李明",
    ]
    assert detail_of('{"amount": "5.00"}') == {"amount": "5.00"}
    assert detail_of("") == {}
    assert detail_of("not json") == {"detail": "not json"}
    assert detail_of("[1, 2]") == {"detail": [1, 2]}
