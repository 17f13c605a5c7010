"""Targets to every officer (目标) and accountability (问责), as officers, unit leads, a leader and an admin go
through them on Telegram, on WeCom and in the terminal (SPEC §10): what each reads, and what the ledger holds
after each step — the officers' targets, the audit log and the accountability records — including after the
refusals, which change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import App
from core.import_plan import plan_import
from core.records import CaseRecord, PersonRecord, UnitRecord
from store.targets import UnitTargets
from tests.bot.test_dialogues import Conversation, Step, talking
from tests.bot.test_lawsuit_dialogue import say
from tests.conftest import SHANGHAI, Clock

CHANNELS = ["telegram", "wecom", "terminal"]

# 城关信用社: a target of ¥1,000,000.00 over officers holding ¥600,000 / ¥300,000 / ¥100,000 of principal, so
# that the default split is 600,000 / 300,000 / 100,000. 东风信用社: ¥500,000.00 and a single officer.
UNITS = [
    UnitRecord("城关信用社", "王建国", Decimal("1000000.00")),
    UnitRecord("东风信用社", "赵东升", Decimal("500000.00")),
]
STAFF = [
    PersonRecord("李明", "E0001", "城关信用社", "officer", "13800001111"),
    PersonRecord("周强", "E0002", "城关信用社", "officer", "13800002222"),
    PersonRecord("吴敏", "E0003", "城关信用社", "officer", "13800003333"),
    PersonRecord("王建国", "U0001", "城关信用社", "unit_lead", "13800004444"),
    PersonRecord("孙芳", "E0004", "东风信用社", "officer", "13800005555"),
    PersonRecord("赵东升", "U0002", "东风信用社", "unit_lead", "13800006666"),
    PersonRecord("刘志远", "L0001", None, "leader", "13800007777"),
    PersonRecord("陈静", "A0001", None, "admin", "13800008888"),
]


def _case(loan_no: str, borrower: str, unit: str, officer_no: str, principal: str) -> CaseRecord:
    return CaseRecord(
        loan_no,
        borrower,
        unit,
        officer_no,
        Decimal(principal),
        Decimal("0.00"),
        "可疑",
        "中",
        date(2026, 12, 31),
    )


CASES = [
    _case("L0001", "张三", "城关信用社", "E0001", "600000.00"),
    _case("L0002", "李四", "城关信用社", "E0002", "300000.00"),
    _case("L0003", "王五", "城关信用社", "E0003", "100000.00"),
    _case("L0004", "赵六", "东风信用社", "E0004", "400000.00"),
]
PEOPLE = {
    "li": "E0001",
    "zhou": "E0002",
    "wu": "E0003",
    "lead": "U0001",
    "sun": "E0004",
    "other_lead": "U0002",
    "leader": "L0001",
    "admin": "A0001",
}
DEFAULT = {
    "E0001": Decimal("600000.00"),
    "E0002": Decimal("300000.00"),
    "E0003": Decimal("100000.00"),
    "E0004": Decimal("500000.00"),
}
DEFAULT_SPLIT = [
    "【城关信用社清收目标】单位目标 100.00万元：",
    "· 李明（E0001）60.00万元（按名下贷款余额分配）",
    "· 周强（E0002）30.00万元（按名下贷款余额分配）",
    "· 吴敏（E0003）10.00万元（按名下贷款余额分配）",
    "尚未分配：0.00万元",
]
HOW_TO_SET = "设定某人目标：目标 工号 金额；恢复按余额分配：目标 工号 默认"
LEADERS_ONLY = "问责记录仅限专班领导和专班联络员填写。"
TARGET_HELP = "· 目标 [单位名称] —— 清收目标和完成情况；单位负责人、专班联络员：目标 工号 金额 —— 设定责任人目标（/target）"
ACCOUNTABILITY_HELP = (
    "· 问责 单位名称或工号 原因 措施 [说明] —— 记录问责；问责 —— 最近的问责记录（/accountability）"
)
RECORDED_FOOTER = "问责记录不可修改或删除；如需更正，请另行记录：问责 更正 记录编号 ……"


def seed(app: App) -> None:
    """Write the two units, their people and cases into an empty database, as an import would."""
    plan, problems = plan_import(app.store.import_snapshot(), UNITS, STAFF, CASES)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="seed")


def targets(app: App) -> dict[str, Decimal]:
    """Every officer's target, by employee number."""
    return {no: amount for unit in app.store.unit_targets().values() for no, amount in unit.officers.items()}


def unit_targets(app: App, name: str = "城关信用社") -> UnitTargets:
    """One unit's targets, by its name."""
    return next(unit for unit in app.store.unit_targets().values() if unit.unit == name)


def set_by_hand(app: App) -> set[str]:
    """The officers whose target a unit lead or admin set by hand."""
    return {no for unit in app.store.unit_targets().values() for no in unit.set_by_hand}


def audit(app: App, action: str) -> list[tuple[str, dict[str, Any]]]:
    """The audit log's entries of one action: (what it is about, detail)."""
    return [(ref, detail) for _, _, ref, detail in app.store.audit_entries(action)]


def records(app: App) -> list[tuple[Any, ...]]:
    """The accountability records, latest first: number, subject, reason, action, note, corrected, recorder."""
    return [
        (r.id, r.subject, r.reason, r.action, r.note, r.corrects_id, r.recorded_by)
        for r in app.store.accountability_of(limit=100)
    ]


def ledger(app: App) -> tuple[Any, ...]:
    """What a refusal must leave as it was."""
    return (
        targets(app),
        set_by_hand(app),
        records(app),
        app.store.audit_entries(),
    )


async def lines(talk: Conversation, who: str, message: str) -> list[str]:
    """What `who` reads in answer to `message`, line by line."""
    return (await talk.say(who, message)).strip().splitlines()


@pytest.fixture(params=CHANNELS)
async def talk(request: pytest.FixtureRequest, app: App) -> AsyncIterator[Conversation]:
    seed(app)
    async with talking(request.param, app, PEOPLE) as conversation:
        yield conversation


# -- targets ---------------------------------------------------------------------------------------------


async def test_the_default_split_adds_up_to_the_units_target(app: App, talk: Conversation) -> None:
    assert targets(app) == DEFAULT
    unit = unit_targets(app)
    assert sum(unit.officers.values(), Decimal(0)) == unit.target == Decimal("1000000.00")
    assert unit.unassigned == Decimal("0.00")
    assert set_by_hand(app) == set()

    assert await lines(talk, "lead", "目标") == [*DEFAULT_SPLIT, HOW_TO_SET]
    # A leader reads any unit's split (by a part of its name too), without the lead's how-to line.
    assert await lines(talk, "leader", "目标 城关信用社") == DEFAULT_SPLIT
    assert await lines(talk, "leader", "目标 城关") == DEFAULT_SPLIT
    assert await lines(talk, "leader", "目标") == ["请注明单位：目标 单位名称"]
    assert await lines(talk, "leader", "目标 西山信用社") == ["未找到单位“西山信用社”"]
    assert await lines(talk, "li", "目标") == [
        "【清收目标】李明（城关信用社），2026-11-29",
        "本人清收目标 60.00万元（按名下贷款余额分配）",
        "已确认收回 0.00万元，完成率 0.0%（时间进度 91.2%）",
        "落后于时间进度，差额 54.74万元。",
    ]
    assert "本人清收目标 50.00万元（按名下贷款余额分配）" in await lines(talk, "sun", "目标")
    assert await lines(talk, "other_lead", "目标") == [
        "【东风信用社清收目标】单位目标 50.00万元：",
        "· 孙芳（E0004）50.00万元（按名下贷款余额分配）",
        "尚未分配：0.00万元",
        HOW_TO_SET,
    ]
    assert targets(app) == DEFAULT  # reading writes nothing
    assert audit(app, "target.set") == []


async def test_a_lead_sets_a_target_within_the_units_and_gives_it_back(app: App, talk: Conversation) -> None:
    assert await lines(talk, "lead", "目标 E0002 40万") == [
        "已将周强（E0002）的清收目标由 30.00万元 调整为 40.00万元。",
        "【城关信用社清收目标】单位目标 100.00万元：",
        "· 李明（E0001）51.43万元（按名下贷款余额分配）",
        "· 周强（E0002）40.00万元（单独设定）",
        "· 吴敏（E0003）8.57万元（按名下贷款余额分配）",
        "尚未分配：0.00万元",
        HOW_TO_SET,
    ]
    # The others' shares shrink, 6 : 1 over the ¥600,000.00 left, to the fen; the unit's total is unchanged.
    unit = unit_targets(app)
    assert unit.officers == {
        "E0001": Decimal("514285.71"),
        "E0002": Decimal("400000.00"),
        "E0003": Decimal("85714.29"),
    }
    assert sum(unit.officers.values(), Decimal(0)) == Decimal("1000000.00")
    assert unit.unassigned == Decimal("0.00")
    assert set_by_hand(app) == {"E0002"}
    assert targets(app)["E0004"] == Decimal("500000.00")  # the other unit is untouched
    assert audit(app, "target.set") == [("E0002", {"before": "300000.00", "after": "400000.00"})]
    assert "本人清收目标 40.00万元（单独设定）" in await lines(talk, "zhou", "目标")
    assert "本人清收目标 51.43万元（按名下贷款余额分配）" in await lines(talk, "li", "目标")

    # Back to a share by balance: everyone's default again, and nothing set by hand.
    assert await lines(talk, "lead", "目标 E0002 默认") == [
        "周强（E0002）的清收目标已恢复按名下贷款余额分配：40.00万元 → 30.00万元。",
        *DEFAULT_SPLIT,
        HOW_TO_SET,
    ]
    assert targets(app) == DEFAULT
    assert set_by_hand(app) == set()
    assert audit(app, "target.set")[-1] == ("E0002", {"before": "400000.00", "after": ""})
    assert "本人清收目标 30.00万元（按名下贷款余额分配）" in await lines(talk, "zhou", "目标")


async def test_a_target_set_below_the_units_leaves_a_remainder(app: App, talk: Conversation) -> None:
    # An admin may set a target in any unit; with one officer, the rest of the unit's target is left over.
    answer = await lines(talk, "admin", "/target E0004 10万")
    assert answer[0].startswith("已将孙芳（E0004）的清收目标由 50.00万元 调整为 10.00万元")
    assert answer[1:] == [
        "【东风信用社清收目标】单位目标 50.00万元：",
        "· 孙芳（E0004）10.00万元（单独设定）",
        "尚未分配：40.00万元",
        HOW_TO_SET,
    ]
    assert targets(app)["E0004"] == Decimal("100000.00")
    assert unit_targets(app, "东风信用社").unassigned == Decimal("400000.00")
    assert unit_targets(app).officers == {no: DEFAULT[no] for no in ("E0001", "E0002", "E0003")}
    assert "本人清收目标 10.00万元（单独设定）" in await lines(talk, "sun", "目标")
    assert "尚未分配：40.00万元" in await lines(talk, "leader", "目标 东风信用社")
    assert (await lines(talk, "other_lead", "目标 E0004 默认"))[0] == (
        "孙芳（E0004）的清收目标已恢复按名下贷款余额分配：10.00万元 → 50.00万元。"
    )
    assert targets(app) == DEFAULT
    assert [ref for ref, _ in audit(app, "target.set")] == ["E0004", "E0004"]


async def test_target_refusals_change_nothing(app: App, talk: Conversation) -> None:
    before = ledger(app)
    refusals = [
        ("lead", "目标 E0002 200万", "各责任人目标合计 ¥2,000,000.00 超过本单位目标 ¥1,000,000.00，未修改。"),
        ("lead", "目标 E0004 10万", "孙芳不属于本单位，不能设定其清收目标。"),
        ("lead", "目标 U0001 10万", "王建国不是清收责任人，无需设定清收目标。"),
        ("lead", "目标 E9999 10万", "未找到工号为 E9999 的在岗人员，未修改。"),
        ("lead", "目标 E0002 0", "金额不能为零"),
        ("lead", "目标 E0002 三成", "无法识别的金额“三成”"),
        (
            "lead",
            "目标 E0002",
            "用法：目标 工号 金额（如：目标 E0001 120万）；目标 工号 默认 —— 恢复按名下贷款余额分配。",
        ),
        ("lead", "目标 东风信用社", "您只能查看本单位的清收目标，不能查看“东风信用社”的。"),
        ("other_lead", "目标 E0002 10万", "周强不属于本单位，不能设定其清收目标。"),
        ("zhou", "目标 E0002 50万", "清收目标由单位负责人设定；发送“目标”查看本人目标和完成情况。"),
        ("li", "目标 城关信用社", "清收目标由单位负责人设定；发送“目标”查看本人目标和完成情况。"),
    ]
    for who, message, refusal in refusals:
        assert await lines(talk, who, message) == [refusal], (who, message)
        assert ledger(app) == before, (who, message)
    # A leader reads but does not set. (The reply, 未找到单位“E0002 10万”, is reported as reading badly.)
    await talk.say("leader", "目标 E0002 10万")
    assert ledger(app) == before

    # With two targets set by hand covering the whole unit, one more fen is refused and nothing moves.
    await talk.say("lead", "目标 E0001 60万")
    await talk.say("lead", "目标 E0002 40万")
    assert unit_targets(app).officers == {
        "E0001": Decimal("600000.00"),
        "E0002": Decimal("400000.00"),
        "E0003": Decimal("0.00"),
    }
    before = ledger(app)
    assert await lines(talk, "lead", "目标 E0003 0.01") == [
        "各责任人目标合计 ¥1,000,000.01 超过本单位目标 ¥1,000,000.00，未修改。"
    ]
    assert ledger(app) == before


async def test_rank_and_progress_rate_an_officer_against_their_own_target(
    app: App, talk: Conversation
) -> None:
    await talk.say("lead", "目标 E0002 40万")
    assert "已报告还款：L0002 李四 ¥100,000.00" in await talk.say("zhou", "还款 L0002 10万 现金")
    assert "已确认：L0002 李四 还款 ¥100,000.00" in await talk.say("lead", "确认 L0002")

    # 25.0% of the ¥400,000.00 set for him, not 33.3% of the ¥300,000.00 he holds.
    assert await lines(talk, "zhou", "进度") == [
        "周强（城关信用社）清收进度（2026-11-29）",
        "已确认收回 10.00万元 / 清收目标 40.00万元 · 完成率 25.0%（名下贷款 30.00万元）",
        "案件 1 笔：已结清 0 笔，未结清 1 笔",
        "7 天内到期或已逾期：0 笔（发送“到期”查看）",
    ]
    assert await lines(talk, "zhou", "目标") == [
        "【清收目标】周强（城关信用社），2026-11-29",
        "本人清收目标 40.00万元（单独设定）",
        "已确认收回 10.00万元，完成率 25.0%（时间进度 91.2%）",
        "落后于时间进度，差额 26.49万元。",
    ]
    officers = [
        "城关信用社 责任人排名：",
        "1. 周强 25.0%（收回 10.00万元 / 目标 40.00万元，结清 0/1 笔）",
        "2. 李明 0.0%（收回 0.00万元 / 目标 51.43万元，结清 0/1 笔）",
        "3. 吴敏 0.0%（收回 0.00万元 / 目标 8.57万元，结清 0/1 笔）",
    ]
    for who in ("zhou", "lead"):
        ranking = await lines(talk, who, "排名")
        assert ranking[:3] == [
            "各单位清收排名（2026-11-29，时间进度 91.2%）：",
            "▶1. 城关信用社 10.0%（10.00万元/100.00万元）",
            "⚠2. 东风信用社 0.0%（0.00万元/50.00万元）",
        ]
        assert ranking[3:] == officers
    assert officers[1:] == (await lines(talk, "lead", "进度"))[6:9]

    # Reaching the whole of one's own target.
    assert "已报告还款：L0003 王五 ¥100,000.00" in await talk.say("wu", "还款 L0003 10万 现金")
    await talk.say("lead", "确认 L0003")
    assert (await lines(talk, "wu", "目标"))[1:] == [
        "本人清收目标 8.57万元（按名下贷款余额分配）",
        "已确认收回 10.00万元，完成率 116.7%（时间进度 91.2%）",
        "已完成全部清收目标。",
    ]
    assert "1. 吴敏 116.7%（收回 10.00万元 / 目标 8.57万元，结清 1/1 笔）" in await lines(
        talk, "lead", "排名"
    )


# -- accountability --------------------------------------------------------------------------------------


async def test_accountability_recorded_listed_corrected_and_shown_on_the_cards(
    app: App, talk: Conversation
) -> None:
    assert await lines(talk, "leader", "问责") == ["暂无问责记录。"]
    assert await lines(talk, "leader", "问责 城关信用社 工作不到位 约谈 进度落后于时间进度") == [
        "已记录问责：#1 2026-11-29 城关信用社：工作不到位，约谈（刘志远记录），说明：进度落后于时间进度",
        RECORDED_FOOTER,
    ]
    assert records(app) == [(1, "城关信用社", "inadequate", "talk", "进度落后于时间进度", None, "刘志远")]
    assert audit(app, "accountability.record") == [
        (
            "1",
            {
                "subject": "城关信用社",
                "reason": "inadequate",
                "action": "talk",
                "note": "进度落后于时间进度",
                "corrects": None,
            },
        )
    ]
    # On a person, by employee number, with a shorter word for the reason.
    assert await lines(talk, "admin", "/accountability E0002 消极 通报批评") == [
        "已记录问责：#2 2026-11-29 周强（E0002，城关信用社）：消极应付，通报批评（陈静记录）",
        RECORDED_FOOTER,
    ]
    # A correction is a new record naming the one it corrects; the first stays as it was.
    assert await lines(talk, "leader", "问责 更正 1 城关 措施不得力 诫勉 经专班会议研究") == [
        "已记录问责：#3 2026-11-29 城关信用社：措施不得力，诫勉（刘志远记录），说明：经专班会议研究，"
        "系对 #1 的更正",
        RECORDED_FOOTER,
    ]
    assert records(app) == [
        (3, "城关信用社", "weak_measures", "admonition", "经专班会议研究", 1, "刘志远"),
        (2, "周强（E0002，城关信用社）", "passive", "criticism", "", None, "陈静"),
        (1, "城关信用社", "inadequate", "talk", "进度落后于时间进度", None, "刘志远"),
    ]
    assert [
        (ref, detail["subject"], detail["corrects"]) for ref, detail in audit(app, "accountability.record")
    ] == [
        ("1", "城关信用社", None),
        ("2", "E0002", None),
        ("3", "城关信用社", 1),
    ]
    listed = [
        "#3 2026-11-29 城关信用社：措施不得力，诫勉（刘志远记录），说明：经专班会议研究，系对 #1 的更正",
        "#2 2026-11-29 周强（E0002，城关信用社）：消极应付，通报批评（陈静记录）",
        # The record corrected stays as it was, marked with the one that corrects it.
        "#1 2026-11-29 城关信用社：工作不到位，约谈（刘志远记录），说明：进度落后于时间进度（已由 #3 更正）",
    ]
    assert await lines(talk, "admin", "问责") == ["最近的问责记录：", *listed]

    # On the unit's progress card (its people's records included), for its lead and for a leader.
    for who, message in (("lead", "进度"), ("leader", "进度 城关信用社")):
        card = await lines(talk, who, message)
        assert card[0] == "城关信用社 清收进度（2026-11-29）"
        assert card[-4:] == ["问责记录：", *listed], who
    # On the officer's own card when about him, and on no one else's.
    assert (await lines(talk, "zhou", "进度"))[-2:] == ["问责记录：", listed[1]]
    assert not any("问责" in line for line in await lines(talk, "li", "进度"))
    assert not any("问责" in line for line in await lines(talk, "other_lead", "进度"))
    assert not any("问责" in line for line in await lines(talk, "leader", "进度 东风信用社"))


async def test_accountability_refusals_record_nothing(app: App, talk: Conversation) -> None:
    await talk.say("leader", "问责 东风信用社 效果不明显 通报批评")
    before = ledger(app)
    usage = [
        "用法：问责 单位名称或工号 原因 措施 [说明]",
        "原因：部署不落实、工作不到位、措施不得力、效果不明显、肆意阻挠、消极应付、弄虚作假",
        "措施：通报批评、约谈、诫勉、组织调整、纪律处分",
        "更正已有记录：问责 更正 记录编号 单位名称或工号 原因 措施 [说明]",
    ]
    refusals = [
        ("li", "问责 城关信用社 工作不到位 约谈", [LEADERS_ONLY]),
        ("li", "问责", [LEADERS_ONLY]),
        ("lead", "问责 E0001 消极应付 约谈", [LEADERS_ONLY]),
        ("lead", "问责", [LEADERS_ONLY]),
        (
            "leader",
            "问责 城关信用社 偷懒 约谈",
            [
                "未能识别问责原因“偷懒”，未记录。可选："
                "部署不落实、工作不到位、措施不得力、效果不明显、肆意阻挠、消极应付、弄虚作假"
            ],
        ),
        (
            "leader",
            "问责 城关信用社 工作不到位 罚款",
            ["未能识别问责措施“罚款”，未记录。可选：通报批评、约谈、诫勉、组织调整、纪律处分"],
        ),
        ("leader", "问责 西山信用社 工作不到位 约谈", ["未找到单位或工号“西山信用社”，未记录。"]),
        ("admin", "问责 E9999 工作不到位 约谈", ["未找到单位或工号“E9999”，未记录。"]),
        ("admin", "问责 L0001 工作不到位 约谈", ["刘志远不属于任何单位，未记录。"]),
        ("leader", "问责 更正 9 城关信用社 措施不得力 诫勉", ["未找到问责记录 #9，未记录。"]),
        ("leader", "问责 城关信用社 工作不到位", usage),
        ("leader", "问责 更正 城关信用社 措施不得力 诫勉", usage),
    ]
    for who, message, refusal in refusals:
        assert await lines(talk, who, message) == refusal, (who, message)
        assert ledger(app) == before, (who, message)
    assert len(records(app)) == 1


async def test_help_lists_targets_to_everyone_and_accountability_to_leaders(talk: Conversation) -> None:
    steps = [
        Step("li", "清收助手", say="帮助", shows=(TARGET_HELP,)),
        Step("lead", "清收助手", say="帮助", shows=(TARGET_HELP,)),
        Step("leader", "清收助手", say="帮助", shows=(TARGET_HELP, ACCOUNTABILITY_HELP)),
        Step("admin", "清收助手", say="帮助", shows=(TARGET_HELP, ACCOUNTABILITY_HELP)),
    ]
    for step in steps:
        # All of it: on WeCom a help this long comes in two messages.
        answer = await talk.say_all(step.who, step.say)
        assert answer.startswith(step.answer), (step, answer)
        for line in step.shows:
            assert line in answer.splitlines(), (step, answer)
        if step.who in ("li", "lead"):
            assert "问责" not in answer, (step, answer)


# -- the store, on both databases ------------------------------------------------------------------------


def test_a_record_is_dated_in_the_campaigns_time_zone(app: App, clock: Clock) -> None:
    seed(app)
    clock.now = datetime(2026, 11, 30, 0, 30, tzinfo=SHANGHAI)  # 2026-11-29 16:30 UTC
    assert "已记录问责：#1 2026-11-30 城关信用社：工作不到位，约谈（刘志远记录）" in say(
        app, "L0001", "问责 城关信用社 工作不到位 约谈"
    )
    assert "#1 2026-11-30 城关信用社" in say(app, "U0001", "进度")


def test_accountability_rows_cannot_be_changed_or_deleted(app: App) -> None:
    seed(app)
    say(app, "L0001", "问责 城关信用社 工作不到位 约谈", "问责 E0002 消极应付 通报批评")
    kept = records(app)
    assert len(kept) == 2
    for statement in (
        "UPDATE accountability SET action = 'criticism'",
        "UPDATE accountability SET note = '' WHERE id = 1",
        "DELETE FROM accountability",
        "DELETE FROM accountability WHERE id = 2",
    ):
        with pytest.raises(Exception, match="append-only"), app.engine.begin() as connection:
            connection.execute(text(statement))
        assert records(app) == kept, statement
