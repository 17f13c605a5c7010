"""A realistic, made-up campaign for `qingshou demo`: units, people, cases and the campaign's activity so far.

On whatever day it is made it looks like a city mid-campaign: every unit has a target, and a few units are
ahead of the expected-progress line, most are near it, a few are far behind. Everything is drawn from one
`random.Random(seed)`, so a seed, a day and a moment always give the same campaign. Nothing here touches
the database: the CLI hands the records to the import and the activity rows to `Store.load_campaign`, whose
dict keys the rows follow.
"""

from __future__ import annotations

import itertools
import math
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from core.campaign import Campaign
from core.promises import promise_outcome
from core.records import CaseRecord, LoanRecord, PersonRecord, UnitRecord
from core.repayment_rules import reportable, split_principal_first
from core.vocabulary import (
    CLASSIFICATIONS,
    CONTACT_APPROACHES,
    CONTACT_OUTCOMES,
    DIFFICULTIES,
    REPAYMENT_METHODS,
)

_Value = TypeVar("_Value")


def _weighted(values: Sequence[_Value], weights: Sequence[int]) -> tuple[_Value, ...]:
    """A lookup table holding each value `weight` times: one `random()` and an index draw from it.

    Drawing this way is several times cheaper than `rng.choices` one row at a time, which matters with
    half a million cases.
    """
    return tuple(value for value, weight in zip(values, weights, strict=True) for _ in range(weight))


# -- sizes ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scale:
    """How big a made-up campaign is (SPEC §9)."""

    units: int
    staff_per_unit: int  # the unit lead and the officers of an average unit
    cases: int
    leaders: int
    admins: int
    counties: int
    # A province has a 城关信用社 in every county, so its unit names carry the county to stay unique.
    county_in_unit_name: bool


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        units=5, staff_per_unit=6, cases=300, leaders=1, admins=1, counties=2, county_in_unit_name=False
    ),
    "city": Scale(
        units=50, staff_per_unit=20, cases=50_000, leaders=3, admins=2, counties=8, county_in_unit_name=False
    ),
    "province": Scale(
        units=1_000,
        staff_per_unit=20,
        cases=500_000,
        leaders=12,
        admins=6,
        counties=80,
        county_in_unit_name=True,
    ),
}

# -- names ---------------------------------------------------------------------------------------------

# The most common surnames first: names are drawn with weights that fall with the rank, as in real life.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_TABLE = _weighted(_SURNAMES, [round(1000 / (rank + 8)) for rank in range(len(_SURNAMES))])
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文玉兰志红俊海鹏辉林斌宇浩凯健婷雪琳晨欣峰波宁飞云亮"
    "成春梅荣新金德福家庆永兵东生龙祥卫民光红燕萍玲翠凤琴德贵富有才宝山水清长根发"
)

_ICONIC_PLACES = (
    "城关",
    "东风",
    "红旗",
    "新华",
    "向阳",
    "胜利",
    "前进",
    "和平",
    "光明",
    "解放",
    "人民",
    "建设",
    "城南",
    "城北",
    "城东",
    "城西",
    "河西",
    "河东",
    "开发区",
    "工业园",
)
_PLACE_FIRST = "青白金石柳桃梅杨马龙凤黄清长高大小新东西南北上下双三五万安平太永福兴和宝花竹松桂枫"
_PLACE_SECOND = "山河湖桥口坪塘湾镇集店庄岭溪坝沟岗铺寨洲渡原林田阳泉峰港堡圩"
_COUNTY_FIRST = "临青安永宁丰乐信泰兴宜通崇定德恒华嘉建江"
_COUNTY_SECOND = "江山平丰阳源川城化安宁乡溪水兴州"
# A rural credit cooperative (信用社) most of all, then branches (支行) and sub-branches (分理处).
_UNIT_KINDS = ("信用社",) * 6 + ("支行",) * 3 + ("分理处",)

_COMPANY_BRANDS = (
    "宏达",
    "鑫源",
    "恒泰",
    "金穗",
    "华丰",
    "兴旺",
    "瑞祥",
    "永盛",
    "天成",
    "富民",
    "嘉禾",
    "顺发",
    "通达",
    "隆鑫",
    "绿源",
    "利民",
)
_COMPANY_TRADES = (
    "商贸",
    "建材",
    "农业开发",
    "养殖",
    "食品",
    "物流",
    "建筑工程",
    "木业",
    "纺织",
    "农机",
    "置业",
    "酒业",
    "茶业",
)

# -- cases ---------------------------------------------------------------------------------------------

# Non-performing loans are mostly 次级/可疑/损失; a few 关注/正常 ones are in the campaign for being overdue.
_CLASSIFICATION_TABLE = _weighted(CLASSIFICATIONS, (1, 5, 34, 35, 25))
# Worse loans are harder to recover: 易/中/难 weights per classification.
_DIFFICULTY_TABLE = {
    "正常": _weighted(DIFFICULTIES, (60, 30, 10)),
    "关注": _weighted(DIFFICULTIES, (55, 35, 10)),
    "次级": _weighted(DIFFICULTIES, (40, 40, 20)),
    "可疑": _weighted(DIFFICULTIES, (25, 50, 25)),
    "损失": _weighted(DIFFICULTIES, (10, 40, 50)),
}
_PLAN_STEPS = {
    "易": (
        "上门催收，督促借款人按期筹款归还",
        "电话催收，约定分期还款计划",
        "约谈借款人，签订还款承诺书",
        "借助村委会做思想工作，督促还款",
    ),
    "中": (
        "联系担保人代偿",
        "分期还款，每月归还部分本息",
        "发送催收函，约谈借款人及担保人",
        "借助村委会调解，约谈借款人",
        "核实借款人收入来源，制定分期计划",
    ),
    "难": (
        "依法起诉，申请强制执行",
        "协商以资抵债",
        "核实财产线索，申请财产保全",
        "发送律师函，启动诉讼程序",
        "追加担保人为被告，一并起诉",
    ),
}
# Plans are one step or two joined; built once so half a million cases share a few dozen strings.
_PLANS = {
    difficulty: tuple(steps) + tuple(f"{a}；{b}" for a in steps for b in steps if a != b)
    for difficulty, steps in _PLAN_STEPS.items()
}

# -- activity ------------------------------------------------------------------------------------------

# Units against the expected-progress line, as in a real city mid-campaign: a few ahead of it, most within a
# few points either side, a few far behind. A unit's pace multiplies the line: its confirmed recovery by
# today is its target × the line × its pace.
_AHEAD_SHARE = 0.12
_BEHIND_SHARE = 0.12
_AHEAD_PACE = (1.05, 1.4)
_NEAR_PACE = (0.94, 1.07)
_BEHIND_PACE = (0.3, 0.7)
# Some units started slowly and are catching up, others are fading: the tilt of their repayments over time.
_TILT = 0.3
# Real campaigns set each unit a target well below its balances (a share in percent), in round figures.
_TARGET_SHARE = (20, 35)

# About 60% of the cases have been contacted once the campaign is under way; fewer in its first six weeks.
_CONTACTED_SHARE = 0.6
_RAMP_DAYS = 42
# Contacts are denser in the last weeks, so the ledger looks worked on; repayments spread over the campaign.
_RECENT_DAYS = 42
_RECENT_WEIGHT = 6
_CONTACT_COUNT_TABLE = _weighted((1, 2, 3, 4), (4, 3, 2, 1))
# A repaid case often settles in full; otherwise it pays part of what it owes, sometimes in two instalments.
_SETTLED_SHARE = 0.4
_TWO_PARTS_SHARE = 0.3
# How much more often a larger loan is repaid: its chance grows with its balance to this power.
_LARGE_LOAN_BIAS = 0.7
_LEAST_PAYMENT = 10_000  # fen: a unit's recovery stops short of its budget by less than ¥100
_DECEASED_SHARE = 0.012  # of the contacted cases with nothing repaid: the borrower turns out to have died
_METHOD_TABLE = _weighted(REPAYMENT_METHODS, (35, 45, 4, 6, 7, 3))

# Outcomes a contact may have before anything is paid; `paid` follows a repayment, `deceased` ends a case's
# contacts.
_OPEN_OUTCOMES = tuple(outcome for outcome in CONTACT_OUTCOMES if outcome not in ("paid", "deceased"))
# reached, promise, refused, no_answer, absent, unreachable, dispute, hardship, acknowledged
_OPEN_OUTCOME_TABLE = _weighted(_OPEN_OUTCOMES, (24, 13, 10, 15, 9, 7, 5, 11, 6))
# Each outcome with the channels it happens on (visit, phone, message, mediation, letter, court) and the notes
# an officer writes: an unanswered call is a phone call, a borrower not at home a visit.
_CONTACT_KINDS: dict[str, dict[str, tuple[int, tuple[str, ...]]]] = {
    "reached": {
        "visit": (
            40,
            ("上门见到借款人本人，告知欠款情况", "上门联系到借款人家属，转告还款要求", "上门送达催收通知书"),
        ),
        "phone": (38, ("电话联系上借款人本人，告知欠款情况", "电话联系到借款人家属，转告还款要求")),
        "message": (14, ("微信联系上借款人，发送欠款明细", "短信告知欠款金额，借款人已回复")),
        "mediation": (2, ("向借款人说明欠款情况，借款人表示会考虑",)),
        "letter": (4, ("寄送催收函，邮件已妥投",)),
        "court": (2, ("法院已向借款人送达诉讼材料",)),
    },
    "promise": {
        "visit": (
            45,
            ("借款人承诺近期筹款归还", "借款人同意分期归还，已签承诺书", "借款人表示外出务工回来后归还"),
        ),
        "phone": (33, ("电话中借款人承诺近期筹款归还", "借款人表示卖粮后归还")),
        "message": (8, ("借款人微信回复承诺按期还款",)),
        "mediation": (10, ("借款人同意分期归还，已签还款协议",)),
        "court": (4, ("诉前调解达成还款协议",)),
    },
    "refused": {
        "visit": (45, ("借款人拒绝还款，态度强硬", "借款人称无力偿还，拒绝签收催收通知")),
        "phone": (35, ("借款人接电话后拒绝还款并挂断", "借款人称无钱可还，拒绝协商")),
        "message": (5, ("借款人收到催收信息后拒绝还款",)),
        "mediation": (5, ("借款人仍拒绝还款，调解未果",)),
        "letter": (5, ("借款人拒收催收函",)),
        "court": (5, ("法院送达后借款人仍拒绝履行",)),
    },
    "no_answer": {
        "phone": (1, ("电话无人接听", "连续三次拨打未接通", "电话接通后被挂断", "电话关机，次日再拨")),
    },
    "absent": {
        "visit": (
            1,
            (
                "上门未见到借款人，家中无人",
                "借款人外出务工，已向家属留下催收通知",
                "大门紧锁，邻居称借款人近期不在家",
            ),
        ),
    },
    "unreachable": {
        "visit": (35, ("借款人外出务工，去向不明", "户籍地、居住地均查无此人")),
        "phone": (45, ("号码已停机", "号码为空号，无其他联系方式")),
        "message": (10, ("短信、微信均无回复，联系方式失效",)),
        "letter": (10, ("催收函被退回，地址查无此人",)),
    },
    "dispute": {
        "visit": (30, ("借款人对利息金额有异议", "借款人称担保人应承担部分责任")),
        "phone": (25, ("借款人对欠款金额有异议，要求核对",)),
        "mediation": (20, ("双方对还款金额分歧较大，未能达成一致",)),
        "letter": (5, ("借款人回函对欠款金额提出异议",)),
        "court": (20, ("借款人在诉讼中对借款事实提出异议",)),
    },
    "hardship": {
        "visit": (65, ("借款人因病致贫，家庭困难", "养殖亏损，暂无还款来源", "借款人年事已高，无劳动能力")),
        "phone": (30, ("借款人称生意失败，暂时无力归还",)),
        "mediation": (5, ("经核实借款人家庭确实困难",)),
    },
    "acknowledged": {
        "visit": (55, ("借款人在催收通知书上签字确认", "借款人签字确认欠款金额", "担保人签字确认担保责任")),
        "mediation": (10, ("借款人当场签字确认欠款",)),
        "letter": (25, ("借款人签收逾期贷款催收函", "借款人在催收函回执上签字确认欠款")),
        "court": (10, ("借款人在法院调解笔录上签字确认欠款",)),
    },
    "deceased": {
        "visit": (70, ("借款人已去世，已联系继承人", "经村委核实借款人已病故，需向继承人主张")),
        "phone": (30, ("家属告知借款人已去世，拟申报核销",)),
    },
    "paid": {
        "visit": (45, ("借款人已到柜台还款", "上门收取还款并开具收据")),
        "phone": (35, ("借款人电话告知已转账还款",)),
        "message": (20, ("借款人微信发来转账凭证",)),
    },
}
_CHANNEL_TABLES = {
    outcome: _weighted(tuple(kinds), tuple(weight for weight, _ in kinds.values()))
    for outcome, kinds in _CONTACT_KINDS.items()
}
_NOTE_SHARE = 0.75  # the rest of the contacts are logged without a note, as officers do

# The campaign's four methods, used where the borrower was met: how often, and which (rapport, accounting,
# debt_help, mediation). A contact on the mediation channel is always a mediation.
_APPROACH_CHANCE = {
    "reached": 0.15,
    "promise": 0.35,
    "refused": 0.1,
    "dispute": 0.35,
    "hardship": 0.25,
    "acknowledged": 0.3,
    "paid": 0.3,
}
_APPROACH_TABLES = {
    outcome: _weighted(CONTACT_APPROACHES, weights)
    for outcome, weights in {
        "reached": (5, 3, 1, 1),
        "promise": (3, 3, 2, 2),
        "refused": (3, 1, 0, 6),
        "dispute": (0, 5, 0, 5),
        "hardship": (4, 1, 5, 0),
        "acknowledged": (2, 4, 0, 4),
        "paid": (3, 3, 3, 1),
    }.items()
}
# A note written after one of the methods says how it went: these open it.
_APPROACH_OPENINGS = {
    "rapport": ("拉家常做思想工作，", "多次走访以情动人，"),
    "accounting": ("帮借款人算清本息账，", "协助核算家庭收支，"),
    "debt_help": ("协助借款人追讨其应收款，", "帮借款人催收他人欠款，"),
}
_MEDIATORS = ("村委", "担保人", "亲友", "民警", "司法所", "人民调解员")
# Who took part in a mediation: one to three of them, one more often than three.
_PARTICIPANT_TABLE = _weighted(
    tuple("、".join(group) for size in (1, 2, 3) for group in itertools.combinations(_MEDIATORS, size)),
    tuple(
        weight for size, weight in ((1, 10), (2, 4), (3, 1)) for _ in itertools.combinations(_MEDIATORS, size)
    ),
)

# Contacts are logged within working hours (08:00–17:59), never after the moment the demo is loaded.
_WORK_MINUTES = tuple(timedelta(minutes=m) for m in range(8 * 60, 18 * 60))

# A reported repayment is one the unit lead has not confirmed yet, so only recent ones are left reported.
_REPORTED_WITHIN_DAYS = 3

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_MOBILE_PREFIXES = tuple("138 139 137 136 135 158 159 150 151 187 188 186 133 177".split())


@dataclass
class DemoCampaign:
    """A made-up campaign: records for the import, and activity rows for `Store.load_campaign`."""

    units: list[UnitRecord]
    people: list[PersonRecord]
    cases: list[CaseRecord]
    contacts: list[dict[str, Any]]
    promises: list[dict[str, Any]]
    repayments: list[dict[str, Any]]
    loans: list[LoanRecord] = field(default_factory=list)  # the new loans (在贷) each unit granted this year


def generate_campaign(
    scale: str, campaign: Campaign, today: date, seed: int = 2026, *, now: datetime | None = None
) -> DemoCampaign:
    """Make up a whole campaign of the given scale ("tiny", "city" or "province"), the same for a seed.

    Its activity runs from the campaign start to `today` (to the campaign end once it is over) and nothing
    in it is later than `now`, the moment it is loaded (by default the end of `today`).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown demo scale {scale!r}; one of {', '.join(SCALES)}")
    size = SCALES[scale]
    rng = random.Random(seed)
    names = _NameMaker(rng)

    counties = _counties(rng, size.counties)
    unit_names, unit_county = _unit_names(rng, size, counties)
    # Units differ in size; a unit's staff follow its share of the cases.
    weights = [0.6 + 0.8 * rng.random() for _ in unit_names]
    case_counts = _share(size.cases, weights)
    mean_weight = sum(weights) / len(weights)

    people: list[PersonRecord] = []
    mobiles: set[str] = set()
    for number in range(1, size.leaders + 1):
        people.append(PersonRecord(names.staff(), f"D{number:04d}", None, "leader", _mobile(rng, mobiles)))
    for number in range(1, size.admins + 1):
        people.append(PersonRecord(names.staff(), f"A{number:04d}", None, "admin", _mobile(rng, mobiles)))
    leads: list[PersonRecord] = []
    officers: list[tuple[str, ...]] = []
    serial = 0
    for unit, weight in zip(unit_names, weights, strict=True):
        staff = max(3, round(size.staff_per_unit * weight / mean_weight))
        unit_people = []
        for index in range(staff):
            serial += 1
            role = "unit_lead" if index == 0 else "officer"
            unit_people.append(
                PersonRecord(names.staff(), f"E{serial:06d}", unit, role, _mobile(rng, mobiles))
            )
        people.extend(unit_people)
        leads.append(unit_people[0])
        officers.append(tuple(p.employee_no for p in unit_people[1:]))

    cases: list[CaseRecord] = []
    units: list[UnitRecord] = []
    activity = _ActivityMaker(rng, campaign, today, now)
    cases_maker = _CaseMaker(rng, campaign, today, names, counties)
    progress = float(campaign.expected_progress(min(today, campaign.end)))
    paces = _unit_paces(rng, len(unit_names))
    for unit_index, unit in enumerate(unit_names):
        made = cases_maker.cases(unit, unit_county[unit_index], officers[unit_index], case_counts[unit_index])
        cases.extend(case for case, _, _ in made)
        low, high = _TARGET_SHARE
        share = low + int(rng.random() * (high - low + 1))
        target = _round_target(cases_maker.owed_by_unit[unit] * share // 100)
        units.append(UnitRecord(unit, leads[unit_index].name, _yuan(target)))
        # Money stays in whole fen: the rate is taken in hundredths of a percent.
        recovered = target * round(_unit_rate(progress, paces[unit_index]) * 10_000) // 10_000
        tilt = _TILT * (2 * rng.random() - 1)
        activity.add_unit(made, leads[unit_index].employee_no, recovered, tilt)

    loans = _new_loans(random.Random(seed + 1), unit_names, officers, size.cases // 10, today)
    return DemoCampaign(
        units, people, cases, activity.contacts, activity.promises, activity.repayments, loans
    )


def _new_loans(
    rng: random.Random, units: list[str], officers: list[tuple[str, ...]], count: int, today: date
) -> list[LoanRecord]:
    """New loans (在贷) granted since the start of last year, each with one of its unit's officers: most paid as
    agreed, some maturing within days, some overdue (a few past 90 days, a few of those classified better than
    their days allow), one in a hundred large. Their own random numbers: the campaign stays as it was."""
    loans = []
    for number in range(count):
        unit = number % len(units)
        large = rng.random() < 0.01
        amount = rng.randint(51, 120) * 100_000 if large else round(rng.lognormvariate(12.2, 0.8), -2) + 1_000
        draw = rng.random()
        if draw < 0.85:
            overdue, matures = 0, today + timedelta(days=rng.randint(0, 700))
        elif draw < 0.95:
            overdue, matures = rng.randint(1, 90), today + timedelta(days=rng.randint(-90, 300))
        else:
            overdue = rng.randint(91, 400)
            matures = today - timedelta(days=overdue)
        disbursed = max(date(today.year - 1, 1, 1), matures - timedelta(days=365))
        disbursed = min(disbursed, today - timedelta(days=30), matures)
        least = 4 if overdue > 360 else 3 if overdue > 270 else 2 if overdue > 90 else 0
        lenient = least and rng.random() < 0.25
        loans.append(
            LoanRecord(
                loan_no=f"XD{today.year}{number + 1:06d}",
                borrower=rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
                unit=units[unit],
                officer_no=rng.choice(officers[unit]),
                amount=Decimal(int(amount)),
                balance=Decimal(int(amount * rng.uniform(0.2, 1.0))),
                disbursed_on=disbursed,
                matures_on=matures,
                days_overdue=overdue,
                classification=CLASSIFICATIONS[least - 1 if lenient else least],
            )
        )
    return loans


# -- the pieces ----------------------------------------------------------------------------------------


def _yuan(fen: int) -> Decimal:
    """Integer fen as Decimal yuan with exactly two places."""
    return Decimal(fen).scaleb(-2)


def _round_target(fen: int) -> int:
    """A target as a task force sets it: whole 万元, whole 10万 from 1000万, whole 100万 from 1亿 (in fen)."""
    step = 1_000_000 if fen < 10**9 else 10_000_000 if fen < 10**10 else 100_000_000
    return max(step, (fen + step // 2) // step * step)


def _unit_paces(rng: random.Random, count: int) -> list[float]:
    """Each unit's pace against the expected-progress line: a few ahead, most near it, a few far behind."""
    ahead = max(1, round(count * _AHEAD_SHARE))
    behind = max(1, round(count * _BEHIND_SHARE))
    ranges = [_AHEAD_PACE] * ahead + [_BEHIND_PACE] * behind + [_NEAR_PACE] * (count - ahead - behind)
    rng.shuffle(ranges)
    return [low + (high - low) * rng.random() for low, high in ranges]


def _unit_rate(progress: float, pace: float) -> float:
    """The share of its target a unit has recovered by a day: the line times its pace.

    Ahead of the line a unit gains less and less as the line nears 100%, so that only the campaign's last
    weeks find units past their targets, and its end a few of them well past.
    """
    if pace <= 1:
        return progress * pace
    # The room above the line: what is left to 100%, and up to 15 points more in the campaign's last weeks.
    room = 1 - progress + 0.15 * progress**40
    return progress + room * (1 - math.exp(-progress * (pace - 1) / room))


def _share(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, adding up exactly."""
    whole = sum(weights)
    counts = [int(total * w / whole) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % len(counts)] += 1
    return counts


def _counties(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """County names (临江县) with a made-up 6-digit region code each, for ID numbers."""
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(chosen) < count:
        name = rng.choice(_COUNTY_FIRST) + rng.choice(_COUNTY_SECOND) + "县"
        if name in seen or name[0] == name[1]:
            continue
        seen.add(name)
        index = len(chosen)
        # Ten counties to a prefecture; county codes 21.. as on real ID cards.
        chosen.append((name, f"36{index // 10 + 1:02d}{21 + index % 10:02d}"))
    return chosen


def _unit_names(
    rng: random.Random, size: Scale, counties: list[tuple[str, str]]
) -> tuple[list[str], list[int]]:
    """Unique unit names, and the county each unit is in."""
    names: list[str] = []
    county_of: list[int] = []
    # Without the county in the name a place may serve once in the whole campaign, with it once a county.
    places_by_county: list[set[str]] = [set() for _ in counties]
    shared: set[str] = set()
    while len(names) < size.units:
        county = len(names) % len(counties)
        places = places_by_county[county] if size.county_in_unit_name else shared
        # Every county seat has its 城关 unit; after that a mix of old names and village names.
        if "城关" not in places:
            place = "城关"
        elif rng.random() < 0.25:
            place = rng.choice(_ICONIC_PLACES)
        else:
            place = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND)
        if place in places:
            continue
        name = place + rng.choice(_UNIT_KINDS)
        if size.county_in_unit_name:
            name = counties[county][0] + name
        places.add(place)
        names.append(name)
        county_of.append(county)
    return names, county_of


def _mobile(rng: random.Random, taken: set[str]) -> str:
    """A mobile number no one else of the task force has."""
    while True:
        number = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if number not in taken:
            taken.add(number)
            return number


def _id_part(digits: str, weights: Sequence[int]) -> tuple[str, int]:
    """A stretch of an ID number with its share of the weighted sum behind the check character."""
    return digits, sum(int(d) * w for d, w in zip(digits, weights, strict=True))


class _IdNumbers:
    """Resident ID numbers (18 characters) with a correct check character, born in a range of years.

    Region, birth date and sequence are each precomputed with their share of the check sum, so a number
    costs a few lookups rather than seventeen multiplications.
    """

    def __init__(
        self, rng: random.Random, regions: Sequence[str], first_birth: date, last_birth: date
    ) -> None:
        self.rng = rng
        self.regions = {region: _id_part(region, _ID_WEIGHTS[:6]) for region in regions}
        self.births = tuple(
            _id_part(f"{d.year:04d}{d.month:02d}{d.day:02d}", _ID_WEIGHTS[6:14])
            for d in (date.fromordinal(o) for o in range(first_birth.toordinal(), last_birth.toordinal() + 1))
        )
        self.sequences = tuple(_id_part(f"{n:03d}", _ID_WEIGHTS[14:]) for n in range(1000))

    def make(self, region: str) -> str:
        """One number of a person registered in `region`."""
        random_ = self.rng.random
        region_digits, region_sum = self.regions[region]
        birth, birth_sum = self.births[int(random_() * len(self.births))]
        sequence, sequence_sum = self.sequences[int(random_() * 1000)]
        check = _ID_CHECK[(region_sum + birth_sum + sequence_sum) % 11]
        return f"{region_digits}{birth}{sequence}{check}"


def _credit_code(region: str, rng: random.Random) -> str:
    """A company's unified social credit code (统一社会信用代码, 18 characters) with a correct check character."""
    # 9: registered by market regulation, 1: a company; then the region and a 9-character organisation code.
    body = "91" + region + "".join(_USCC_CHARS[int(rng.random() * 31)] for _ in range(9))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


class _NameMaker:
    """Chinese personal names; staff names are kept unique so a unit never has two 王伟."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.staff_taken: set[str] = set()

    def person(self) -> str:
        """A name of two or three characters, common surnames more often."""
        random_ = self.rng.random
        surname = _SURNAME_TABLE[int(random_() * len(_SURNAME_TABLE))]
        given = _GIVEN[int(random_() * len(_GIVEN))]
        if random_() < 0.7:
            given += _GIVEN[int(random_() * len(_GIVEN))]
        return surname + given

    def staff(self) -> str:
        """A name no one else of the task force has."""
        while True:
            name = self.person()
            if name not in self.staff_taken:
                self.staff_taken.add(name)
                return name


class _CaseMaker:
    """The loans of each unit, with balances at the campaign start."""

    def __init__(
        self,
        rng: random.Random,
        campaign: Campaign,
        today: date,
        names: _NameMaker,
        counties: list[tuple[str, str]],
    ) -> None:
        self.rng = rng
        self.names = names
        self.counties = counties
        self.serial = 0
        self.owed_by_unit: dict[str, int] = {}
        # Deadlines run from a month overdue to the campaign end; the end itself is the default deadline.
        self.end = campaign.end
        first = min(today - timedelta(days=30), campaign.end)
        self.deadlines = tuple(first + timedelta(days=d) for d in range((campaign.end - first).days + 1))
        self.statute_dates = tuple(today + timedelta(days=d) for d in range(-60, 731))
        # Borrowers are 25 to 70 years old.
        self.id_numbers = _IdNumbers(
            rng,
            [region for _, region in counties],
            date(today.year - 70, 1, 1),
            date(today.year - 25, 12, 31),
        )

    def cases(
        self, unit: str, county: int, officers: tuple[str, ...], count: int
    ) -> list[tuple[CaseRecord, int, int]]:
        """`count` loans of one unit, each with one of its officers responsible, and its balances in fen."""
        rng = self.rng
        random_ = rng.random
        county_name, region = self.counties[county]
        made: list[tuple[CaseRecord, int, int]] = []
        owed = 0
        for _ in range(count):
            self.serial += 1
            company = random_() < 0.06
            if company:
                borrower = (
                    county_name
                    + _COMPANY_BRANDS[int(random_() * len(_COMPANY_BRANDS))]
                    + _COMPANY_TRADES[int(random_() * len(_COMPANY_TRADES))]
                    + "有限公司"
                )
                id_number = _credit_code(region, rng)
                # Company loans are larger: a median near 80万, some in the tens of millions.
                yuan = min(max(rng.lognormvariate(math.log(800_000), 1.0), 100_000), 30_000_000)
            else:
                borrower = self.names.person()
                # Most borrowers live where they borrowed; some moved in from elsewhere.
                home = region if random_() < 0.9 else self.counties[int(random_() * len(self.counties))][1]
                id_number = self.id_numbers.make(home)
                # Lognormal: most loans 2万–30万, a few in the millions.
                yuan = min(max(rng.lognormvariate(math.log(75_000), 0.85), 3_000), 5_000_000)
            # Loans never repaid are still at a round figure; the others carry odd balances.
            if random_() < 0.45:
                principal = max(1, round(yuan / 1000)) * 100_000
            else:
                principal = int(yuan * 100)
            interest = 0 if random_() < 0.1 else principal * int(random_() * 1501) // 10_000
            owed += principal + interest

            classification = _CLASSIFICATION_TABLE[int(random_() * len(_CLASSIFICATION_TABLE))]
            difficulties = _DIFFICULTY_TABLE[classification]
            difficulty = difficulties[int(random_() * len(difficulties))]
            plans = _PLANS[difficulty]
            deadline = self.end if random_() < 0.45 else self.deadlines[int(random_() * len(self.deadlines))]
            statute = (
                self.statute_dates[int(random_() * len(self.statute_dates))] if random_() < 0.4 else None
            )
            phone = (
                ""
                if random_() < 0.05
                else f"{_MOBILE_PREFIXES[int(random_() * len(_MOBILE_PREFIXES))]}{int(random_() * 10**8):08d}"
            )
            year = 2023 - int(random_() ** 2 * 12)  # later years more often: lending grew
            case = CaseRecord(
                loan_no=f"L{year}{self.serial:06d}",
                borrower=borrower,
                unit=unit,
                officer_no=officers[int(random_() * len(officers))],
                principal=_yuan(principal),
                interest=_yuan(interest),
                classification=classification,
                difficulty=difficulty,
                deadline=deadline,
                id_number=id_number,
                phone=phone,
                plan=plans[int(random_() * len(plans))],
                statute_date=statute,
            )
            made.append((case, principal, interest))
        self.owed_by_unit[unit] = owed
        return made


@dataclass(slots=True)
class _Payment:
    """One repayment of a case while it is made up: its day in the window, amount and moments."""

    day: int
    fen: int
    created_at: datetime
    decided_at: datetime | None  # None: reported, awaiting the unit lead


class _ActivityMaker:
    """Contacts, promises and repayments from the campaign start to today, consistent with each other per case.

    A unit's confirmed repayments add up to the recovery asked of it, spread over the campaign so far. A
    promise is decided as the ledger decides it (core.promises) by the repayments paid from the day it was
    made through its date, unless a newer promise on the case replaced it before that date.
    """

    def __init__(self, rng: random.Random, campaign: Campaign, today: date, now: datetime | None) -> None:
        self.rng = rng
        self.today = today
        self.contacts: list[dict[str, Any]] = []
        self.promises: list[dict[str, Any]] = []
        self.repayments: list[dict[str, Any]] = []
        last = min(today, campaign.end)
        # The last day's working minutes that have passed by `now`; a day with none is not in the window.
        self.last_minutes = _WORK_MINUTES
        if now is not None:
            moment = now.astimezone(campaign.zone)
            if moment.date() < last:
                last = moment.date()
            if moment.date() == last:
                passed = moment - datetime(last.year, last.month, last.day, tzinfo=campaign.zone)
                self.last_minutes = tuple(m for m in _WORK_MINUTES if m <= passed)
                if not self.last_minutes:
                    last -= timedelta(days=1)
                    self.last_minutes = _WORK_MINUTES
        first = campaign.start
        self.days = tuple(first + timedelta(days=d) for d in range((last - first).days + 1))
        self.starts = tuple(datetime(d.year, d.month, d.day, tzinfo=campaign.zone) for d in self.days)
        after = last + timedelta(days=1)
        self.now = now or datetime(after.year, after.month, after.day, tzinfo=campaign.zone)
        self.weekend = tuple(d.weekday() >= 5 for d in self.days)
        # Fewer contacts at weekends, but campaigns do work on Saturdays; more in the last weeks.
        recent = len(self.days) - _RECENT_DAYS
        self.contact_days = _weighted(
            range(len(self.days)),
            [
                (1 if weekend else 4) * (_RECENT_WEIGHT if d >= recent else 1)
                for d, weekend in enumerate(self.weekend)
            ],
        )
        self.contacted_share = _CONTACTED_SHARE * min(1.0, len(self.days) / _RAMP_DAYS)
        self.reported_from = today - timedelta(days=_REPORTED_WITHIN_DAYS)

    def _at(self, day: int) -> datetime:
        """A working-hours moment of the window's `day`, not after the load."""
        minutes = self.last_minutes if day == len(self.days) - 1 else _WORK_MINUTES
        return self.starts[day] + minutes[int(self.rng.random() * len(minutes))]

    def _repayment_day(self, tilt: float) -> int:
        """A day of the window, spread evenly over it but for the unit's tilt; weekends less often."""
        random_ = self.rng.random
        count = len(self.days)
        for _ in range(2):
            share = random_()
            if tilt:
                # The inverse of the tilted spread's distribution, tilt·x² + (1 − tilt)·x.
                share = (tilt - 1 + math.sqrt((1 - tilt) ** 2 + 4 * tilt * share)) / (2 * tilt)
            day = min(int(share * count), count - 1)
            if not self.weekend[day] or random_() < 0.4:
                break
        return day

    def add_unit(
        self, cases: Sequence[tuple[CaseRecord, int, int]], lead_no: str, recovered: int, tilt: float
    ) -> None:
        """Make up the activity of one unit's cases, its confirmed repayments adding up to `recovered` fen."""
        if not self.days:
            return
        random_ = self.rng.random
        contacted = [made for made in cases if random_() < self.contacted_share]
        # Larger loans are repaid more often, the campaign working them first, but not only they.
        keys = [
            -math.log(1.0 - random_()) / (principal + interest) ** _LARGE_LOAN_BIAS
            for _, principal, interest in contacted
        ]
        order = sorted(range(len(contacted)), key=keys.__getitem__)
        paid: dict[int, list[_Payment]] = {}
        left = recovered
        for index in order:
            if left < _LEAST_PAYMENT:
                break
            _, principal, interest = contacted[index]
            paid[index] = self._repayments(principal + interest, left, tilt)
            left -= sum(payment.fen for payment in paid[index] if payment.decided_at)
        # Rarely, what was asked outruns what its first payments brought: the repaid cases pay more.
        for index, payments in paid.items():
            if left < _LEAST_PAYMENT:
                break
            _, principal, interest = contacted[index]
            confirmed = [payment for payment in payments if payment.decided_at]
            if confirmed:
                # No more than the case owes less what awaits the unit lead (the ledger's own rule).
                owed = principal + interest - sum(payment.fen for payment in confirmed)
                pending = sum(payment.fen for payment in payments if not payment.decided_at)
                more = min(reportable(owed, pending), left)
                confirmed[-1].fen += more
                left -= more
        for index, (case, principal, interest) in enumerate(contacted):
            self._case(case.loan_no, case.officer_no, lead_no, principal, interest, paid.get(index, []))

    def _repayments(self, owed: int, left: int, tilt: float) -> list[_Payment]:
        """What one case repays, in one or two instalments, no more than `left` of the unit's recovery."""
        random_ = self.rng.random
        if random_() < _SETTLED_SHARE:
            total = owed
        else:
            total = _round_down(owed * (10 + int(random_() * 61)) // 100)
        total = min(max(total, 1), owed, _round_down(left))
        if total >= 20_000 and random_() < _TWO_PARTS_SHARE:
            first_part = min(max(_round_down(total * (3 + int(random_() * 5)) // 10), 100), total - 100)
            days = sorted((self._repayment_day(tilt), self._repayment_day(tilt)))
            parts = [(days[0], first_part), (days[1], total - first_part)]
        else:
            parts = [(self._repayment_day(tilt), total)]
        last_day = len(self.days) - 1
        payments = []
        for number, (day, fen) in enumerate(parts):
            created_at = self._at(day)
            decided_at: datetime | None = None
            # The last instalment of the last days may still await the unit lead.
            if not (number == len(parts) - 1 and self.days[day] >= self.reported_from and random_() < 0.4):
                if day < last_day and random_() < 0.4:
                    decided_at = self._at(day + 1)  # the unit lead confirmed it the next day
                else:
                    decided_at = created_at + timedelta(minutes=10 + int(random_() * 110))
                    if decided_at > self.now:
                        decided_at = None
            payments.append(_Payment(day, fen, created_at, decided_at))
        return payments

    def _case(
        self, loan_no: str, officer_no: str, lead_no: str, principal: int, interest: int, paid: list[_Payment]
    ) -> None:
        """The contacts, promises and repayments of one contacted case."""
        random_ = self.rng.random
        owed = principal + interest
        visits = self._visits(paid)
        # Most repayments follow a promise made at the last contact before them.
        promise_at = -1
        if paid and random_() < 0.6:
            promise_at = max(
                j for j, (day, collects) in enumerate(visits) if day <= paid[0].day and not collects
            )
        deceased = not paid and random_() < _DECEASED_SHARE
        promised: list[tuple[dict[str, Any], int]] = []  # each promise and the day it was made

        for j, (day, collects) in enumerate(visits):
            left = owed - sum(payment.fen for payment in paid if payment.day < day) if paid else owed
            if left <= 0:
                break  # settled: nothing more to log
            if collects:
                outcome = "paid"
            elif j == promise_at:
                outcome = "promise"
            else:
                outcome = self._open_outcome(deceased, last=j == len(visits) - 1)
            if outcome == "promise":
                amount, due = self._promised(paid[0] if j == promise_at else None, left, day)
                promise = {
                    "loan_no": loan_no,
                    "contact_index": len(self.contacts),
                    "amount": min(max(amount, 1), left),
                    "due_on": due,
                    "status": "open",
                }
                self.promises.append(promise)
                promised.append((promise, day))
            self.contacts.append(self._contact(loan_no, officer_no, day, outcome))

        for number, (promise, made) in enumerate(promised):
            promise["status"] = self._promise_status(promise, made, promised[number + 1 :], paid)
            promise["amount"] = _yuan(promise["amount"])
        self._repayment_rows(loan_no, officer_no, lead_no, principal, paid)

    def _visits(self, paid: list[_Payment]) -> list[tuple[int, bool]]:
        """The days (as indexes) an officer contacted a case, each with whether it collected a repayment."""
        random_ = self.rng.random
        count = _CONTACT_COUNT_TABLE[int(random_() * len(_CONTACT_COUNT_TABLE))]
        if not paid:
            table = self.contact_days
            return sorted((table[int(random_() * len(table))], False) for _ in range(count))
        # The officer's work began some weeks before the first repayment and went on after it; about half the
        # instalments were collected at a visit or call the officer logged.
        last_day = len(self.days) - 1
        first = max(0, paid[0].day - int(random_() * 46))
        visits = [(payment.day, True) for payment in paid if random_() < 0.5]
        visits.append((first, False))
        for _ in range(count - len(visits)):
            visits.append((first + int(random_() * (last_day - first + 1)), False))
        visits.sort()
        return visits

    def _open_outcome(self, deceased: bool, last: bool) -> str:
        """The outcome of a contact that neither collected nor made the promise a repayment answers."""
        if deceased and last:
            return "deceased"
        outcome = _OPEN_OUTCOME_TABLE[int(self.rng.random() * len(_OPEN_OUTCOME_TABLE))]
        if deceased and outcome == "promise":
            return "reached"  # no promise stands on a case whose borrower has died
        return outcome

    def _promised(self, answer: _Payment | None, left: int, day: int) -> tuple[int, date]:
        """A promise's amount (fen) and due day: the one the first repayment `answer`s, or one of its own."""
        random_ = self.rng.random
        if answer is None:
            amount = _round_down(left * (10 + int(random_() * 50)) // 100)
            return amount, self.days[day] + timedelta(days=3 + int(random_() * 28))
        # Kept, or partly when it promised more.
        amount = answer.fen if random_() < 0.6 else _round_down(answer.fen * 3 // 2)
        due = self.days[answer.day] + timedelta(days=int(random_() * 8))
        if answer.decided_at is None:
            # Its repayment awaits the unit lead: the promise stays open rather than broken.
            due = max(due, self.today)
        elif self.days[answer.day] < self.today:
            # A promise already answered by a confirmed repayment is shown decided.
            due = min(due, self.today - timedelta(days=1))
        return amount, due

    def _repayment_rows(
        self, loan_no: str, officer_no: str, lead_no: str, principal: int, paid: list[_Payment]
    ) -> None:
        """A case's repayments, split principal first, confirmed by its unit lead unless still awaiting him."""
        random_ = self.rng.random
        principal_left = principal
        for payment in paid:
            principal_part, interest_part = split_principal_first(payment.fen, principal_left)
            principal_left -= principal_part
            self.repayments.append(
                {
                    "loan_no": loan_no,
                    "employee_no": officer_no,
                    "principal_part": _yuan(principal_part),
                    "interest_part": _yuan(interest_part),
                    "paid_on": self.days[payment.day],
                    "method": _METHOD_TABLE[int(random_() * len(_METHOD_TABLE))],
                    "status": "confirmed" if payment.decided_at else "reported",
                    "decided_by": lead_no if payment.decided_at else None,
                    "decided_at": payment.decided_at,
                    "created_at": payment.created_at,
                }
            )

    def _contact(self, loan_no: str, officer_no: str, day: int, outcome: str) -> dict[str, Any]:
        """One contact row: a channel that fits the outcome, sometimes one of the four methods, a note."""
        random_ = self.rng.random
        channels = _CHANNEL_TABLES[outcome]
        channel = channels[int(random_() * len(channels))]
        approach = None
        participants = ""
        if channel == "mediation":
            approach = "mediation"
        elif outcome in _APPROACH_CHANCE and random_() < _APPROACH_CHANCE[outcome]:
            approaches = _APPROACH_TABLES[outcome]
            approach = approaches[int(random_() * len(approaches))]
        if approach == "mediation":
            participants = _PARTICIPANT_TABLE[int(random_() * len(_PARTICIPANT_TABLE))]
        note = ""
        if random_() < _NOTE_SHARE:
            notes = _CONTACT_KINDS[outcome][channel][1]
            note = notes[int(random_() * len(notes))]
            if approach == "mediation":
                note = f"{participants}参与调解，{note}"
            elif approach is not None:
                openings = _APPROACH_OPENINGS[approach]
                note = openings[int(random_() * len(openings))] + note
        row = {
            "loan_no": loan_no,
            "employee_no": officer_no,
            "at": self._at(day),
            "channel": channel,
            "outcome": outcome,
            "approach": approach,
            "participants": participants,
            "note": note,
        }
        if channel == "visit":
            row.update(_visit_location(loan_no, officer_no, day))
        return row

    def _promise_status(
        self,
        promise: dict[str, Any],
        made: int,
        later: list[tuple[dict[str, Any], int]],
        paid: list[_Payment],
    ) -> str:
        """Replaced by a newer promise made by its date; else open until its date, then decided."""
        due: date = promise["due_on"]
        if any(self.days[day] <= due for _, day in later):
            return "replaced"
        if due >= self.today:
            return "open"
        window = [payment for payment in paid if made <= payment.day and self.days[payment.day] <= due]
        confirmed = sum(payment.fen for payment in window if payment.decided_at)
        pending = sum(payment.fen for payment in window if not payment.decided_at)
        return promise_outcome(Decimal(promise["amount"]), Decimal(confirmed), Decimal(pending)) or "open"


def _round_down(fen: int) -> int:
    """An amount as people agree on it: whole hundreds of yuan when it is that large."""
    return fen - fen % 10_000 if fen >= 10_000 else fen


def _visit_location(loan_no: str, officer_no: str, day: int) -> dict[str, str]:
    """A visit's shared location (走访留痕), for some visits: each officer shares it on a share of their visits
    of their own (30–90%). Drawn from a hash, not the generator, so the rest of the demo stays the same."""
    share = 30 + zlib.crc32(officer_no.encode()) % 61
    draw = zlib.crc32(f"{loan_no}:{day}".encode())
    if draw % 100 >= share:
        return {}
    # Somewhere around the demo's city.
    return {
        "latitude": f"{37.6 + (draw >> 8) % 4000 / 10000:.6f}",
        "longitude": f"{112.5 + (draw >> 20) % 4000 / 10000:.6f}",
    }
