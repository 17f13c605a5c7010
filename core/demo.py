"""A realistic, made-up campaign for `qingshou demo`: units, people, cases and some weeks of activity.

Everything is drawn from one `random.Random(seed)`, so a seed always gives the same campaign. Nothing here
touches the database: the CLI hands the records to the import and the activity rows to
`Store.load_campaign`, whose dict keys the rows follow.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from core.campaign import Campaign
from core.records import CaseRecord, PersonRecord, UnitRecord
from core.vocabulary import CLASSIFICATIONS, CONTACT_CHANNELS, DIFFICULTIES, REPAYMENT_METHODS

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

# Activity covers at most this many weeks before today: enough for rankings, reminders and histories.
ACTIVITY_WEEKS = 6

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

# Field work is mostly visits and calls; letters and the court come later in a case's life.
_CHANNEL_TABLE = _weighted(CONTACT_CHANNELS, (35, 33, 15, 5, 9, 3))
# Outcomes a contact may have before anything is paid; `paid` follows a repayment.
_OPEN_OUTCOME_TABLE = _weighted(
    ("reached", "promise", "refused", "unreachable", "dispute", "hardship"), (30, 16, 12, 14, 5, 14)
)
_METHOD_TABLE = _weighted(REPAYMENT_METHODS, (35, 45, 4, 6, 7, 3))
_CONTACT_COUNT_TABLE = _weighted((1, 2, 3, 4), (4, 3, 2, 1))
_NOTES = {
    "reached": ("已与借款人本人取得联系，告知欠款情况", "联系到借款人家属，转告还款要求", "送达催收通知书"),
    "promise": ("借款人承诺近期筹款归还", "借款人同意分期归还，已签承诺书", "借款人表示外出务工回来后归还"),
    "refused": ("借款人拒绝还款，态度强硬", "借款人称无力偿还，拒绝签收催收通知"),
    "unreachable": ("电话无人接听", "上门未见到借款人，家中无人", "号码已停机", "借款人外出务工，去向不明"),
    "dispute": ("借款人对利息金额有异议", "借款人称担保人应承担部分责任"),
    "hardship": ("借款人因病致贫，家庭困难", "养殖亏损，暂无还款来源", "借款人年事已高，无劳动能力"),
    "paid": ("借款人已到柜台还款", "借款人已转账还款"),
}
_NOTE_SHARE = 0.75  # the rest of the contacts are logged without a note, as officers do

# Contacts are logged within working hours (08:00–17:59); on today itself only in the morning, so that a
# demo loaded during the day rarely shows entries later than the clock.
_WORK_MINUTES = tuple(timedelta(minutes=m) for m in range(8 * 60, 18 * 60))
_MORNING_MINUTES = tuple(timedelta(minutes=m) for m in range(8 * 60, 12 * 60))

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


def generate_campaign(scale: str, campaign: Campaign, today: date, seed: int = 2026) -> DemoCampaign:
    """Make up a whole campaign of the given scale ("tiny", "city" or "province"), the same for a seed."""
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
    activity = _ActivityMaker(rng, campaign, today)
    cases_maker = _CaseMaker(rng, campaign, today, names, counties)
    for unit_index, unit in enumerate(unit_names):
        lead_no = leads[unit_index].employee_no
        made = cases_maker.cases(unit, unit_county[unit_index], officers[unit_index], case_counts[unit_index])
        for case, principal, interest in made:
            cases.append(case)
            activity.add(case.loan_no, case.officer_no, lead_no, principal, interest)

    units: list[UnitRecord] = []
    owed_by_unit = cases_maker.owed_by_unit
    for unit_index, unit in enumerate(unit_names):
        target = None
        # Most units keep the default target (their balances); some were given a round figure in 万元.
        if rng.random() < 0.25:
            share = owed_by_unit[unit] * (25 + int(rng.random() * 36)) // 100
            target = Decimal(max(1, -(-share // 1_000_000)) * 10_000)
        units.append(UnitRecord(unit, leads[unit_index].name, target))

    return DemoCampaign(units, people, cases, activity.contacts, activity.promises, activity.repayments)


# -- the pieces ----------------------------------------------------------------------------------------


def _yuan(fen: int) -> Decimal:
    """Integer fen as Decimal yuan with exactly two places."""
    return Decimal(fen).scaleb(-2)


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


class _ActivityMaker:
    """Contacts, promises and repayments of the last weeks, consistent with each other per case.

    A promise whose date has passed is decided by the confirmed repayments paid from the day it was made
    through its date: all of it `kept`, some `partial`, none `broken`.
    """

    def __init__(self, rng: random.Random, campaign: Campaign, today: date) -> None:
        self.rng = rng
        self.today = today
        self.contacts: list[dict[str, Any]] = []
        self.promises: list[dict[str, Any]] = []
        self.repayments: list[dict[str, Any]] = []
        first = max(campaign.start, today - timedelta(weeks=ACTIVITY_WEEKS))
        last = min(today, campaign.end)
        self.days = tuple(first + timedelta(days=d) for d in range((last - first).days + 1))
        self.starts = tuple(datetime(d.year, d.month, d.day, tzinfo=campaign.zone) for d in self.days)
        # Fewer contacts at weekends, but campaigns do work on Saturdays.
        self.day_table = _weighted(range(len(self.days)), [1 if d.weekday() >= 5 else 4 for d in self.days])
        self.reported_from = today - timedelta(days=_REPORTED_WITHIN_DAYS)

    def _at(self, day: int) -> datetime:
        """A working-hours moment of the window's `day`."""
        minutes = _MORNING_MINUTES if self.days[day] == self.today else _WORK_MINUTES
        return self.starts[day] + minutes[int(self.rng.random() * len(minutes))]

    def add(self, loan_no: str, officer_no: str, lead_no: str, principal: int, interest: int) -> None:
        """Make up the activity of one case: ~60% contacted, a third of those with repayments."""
        rng = self.rng
        random_ = rng.random
        if not self.days or random_() >= 0.6:
            return
        last_day = len(self.days) - 1
        day_table = self.day_table
        count = _CONTACT_COUNT_TABLE[int(random_() * len(_CONTACT_COUNT_TABLE))]
        contact_days = sorted(day_table[int(random_() * len(day_table))] for _ in range(count))
        owed = principal + interest

        # Repayments first, so the contacts and promises can follow them.
        paid: list[tuple[int, int]] = []  # (day, fen), in day order
        if random_() < 1 / 3:
            total = owed if random_() < 0.3 else _round_down(owed * (5 + int(random_() * 60)) // 100)
            total = min(max(total, 1), owed)
            days = sorted(contact_days[0] + int(random_() * (last_day - contact_days[0] + 1)) for _ in "ab")
            if total >= 20_000 and random_() < 0.3:
                first_part = min(max(_round_down(total * (3 + int(random_() * 5)) // 10), 100), total - 100)
                paid = [(days[0], first_part), (days[1], total - first_part)]
            else:
                paid = [(days[1], total)]
        statuses = ["confirmed"] * len(paid)
        if paid and self.days[paid[-1][0]] >= self.reported_from and random_() < 0.4:
            statuses[-1] = "reported"

        # Most repayments follow a promise made at the last contact before them.
        promise_at = -1
        if paid and random_() < 0.6:
            promise_at = max(j for j, day in enumerate(contact_days) if day <= paid[0][0])

        for j, day in enumerate(contact_days):
            left = owed - sum(fen for paid_day, fen in paid if paid_day < day) if paid else owed
            # After a repayment the officer often logs the visit or call that collected it.
            if left <= 0 or (paid and any(paid_day == day for paid_day, _ in paid) and random_() < 0.5):
                outcome = "paid"
            elif j == promise_at:
                outcome = "promise"
            else:
                outcome = _OPEN_OUTCOME_TABLE[int(random_() * len(_OPEN_OUTCOME_TABLE))]
            if outcome == "promise":
                if j == promise_at:
                    # The promise the first repayment answers: kept, or partly when it promised more.
                    amount = paid[0][1] if random_() < 0.6 else _round_down(paid[0][1] * 3 // 2)
                    due = self.days[paid[0][0]] + timedelta(days=int(random_() * 8))
                    if statuses[0] == "reported":
                        # Its repayment awaits the unit lead: the promise stays open rather than broken.
                        due = max(due, self.today)
                    elif self.days[paid[0][0]] < self.today:
                        # A promise already answered by a confirmed repayment is shown decided.
                        due = min(due, self.today - timedelta(days=1))
                else:
                    amount = _round_down(left * (10 + int(random_() * 50)) // 100)
                    due = self.days[day] + timedelta(days=3 + int(random_() * 28))
                amount = min(max(amount, 1), left)
                self.promises.append(
                    {
                        "loan_no": loan_no,
                        "contact_index": len(self.contacts),
                        "amount": _yuan(amount),
                        "due_on": due,
                        "status": self._promise_status(day, due, amount, paid, statuses),
                    }
                )
            notes = _NOTES[outcome]
            self.contacts.append(
                {
                    "loan_no": loan_no,
                    "employee_no": officer_no,
                    "at": self._at(day),
                    "channel": _CHANNEL_TABLE[int(random_() * len(_CHANNEL_TABLE))],
                    "outcome": outcome,
                    "note": notes[int(random_() * len(notes))] if random_() < _NOTE_SHARE else "",
                }
            )

        principal_left = principal
        for (day, fen), status in zip(paid, statuses, strict=True):
            # Principal first (SPEC §2), then interest.
            principal_part = min(fen, principal_left)
            principal_left -= principal_part
            created_at = self._at(day)
            decided_at = None
            if status == "confirmed":
                if day < last_day and random_() < 0.4:
                    decided_at = self._at(day + 1)  # the unit lead confirmed it the next day
                else:
                    decided_at = created_at + timedelta(minutes=10 + int(random_() * 110))
            self.repayments.append(
                {
                    "loan_no": loan_no,
                    "employee_no": officer_no,
                    "principal_part": _yuan(principal_part),
                    "interest_part": _yuan(fen - principal_part),
                    "paid_on": self.days[day],
                    "method": _METHOD_TABLE[int(random_() * len(_METHOD_TABLE))],
                    "status": status,
                    "decided_by": lead_no if decided_at else None,
                    "decided_at": decided_at,
                    "created_at": created_at,
                }
            )

    def _promise_status(
        self, made: int, due: date, amount: int, paid: list[tuple[int, int]], statuses: list[str]
    ) -> str:
        """Open until its date; then decided by the confirmed repayments made for it."""
        if due >= self.today:
            return "open"
        kept = sum(
            fen
            for (day, fen), status in zip(paid, statuses, strict=True)
            if status == "confirmed" and made <= day and self.days[day] <= due
        )
        if kept >= amount:
            return "kept"
        return "partial" if kept else "broken"


def _round_down(fen: int) -> int:
    """An amount as people agree on it: whole hundreds of yuan when it is that large."""
    return fen - fen % 10_000 if fen >= 10_000 else fen
