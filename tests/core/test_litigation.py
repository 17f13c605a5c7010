"""Lawsuit stages, case numbers, legal deadlines and the statute of limitations, as tables."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.litigation import (
    STAGES,
    LegalDeadline,
    StageEntry,
    StatuteStart,
    days_per_stage,
    expected_after,
    find_case_number,
    find_claims,
    find_court,
    lawsuit_figures,
    legal_deadlines,
    may_follow,
    months_after,
    read_stage,
    seizure_kind,
    slow_since,
    stage_in_text,
    statute,
    years_after,
)


@pytest.mark.parametrize(
    ("word", "stage"),
    [
        ("立案", "filed"),
        ("已起诉", "filed"),
        ("开庭", "hearing"),
        ("判决", "judged"),
        ("调解", "mediated"),
        ("申请执行", "enforcement"),
        ("申请强制执行", "enforcement"),
        ("终本", "suspended"),
        ("恢复执行", "resumed"),
        ("执行完毕", "enforced"),
        ("和解", "settled"),
        ("撤诉", "withdrawn"),
        ("Filed", "filed"),
        ("enforced", "enforced"),
        ("结案", None),
        ("还款", None),
    ],
)
def test_stage_words(word: str, stage: str | None) -> None:
    assert read_stage(word) == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("L2023001 已起诉", "filed"),
        ("L2023001 今天立案 （2026）晋0102民初123号", "filed"),
        ("L2023001 判决了", "judged"),
        ("L2023001 申请强制执行", "enforcement"),
        ("L2023001 恢复执行了", "resumed"),  # not 执行 of 申请执行: the longest word
        ("L2023001 执行完毕", "enforced"),
        ("L2023001 上门 见到本人", None),
        ("L2023001 上门 告知将起诉", None),  # a threat, not a filing
        ("L2023001 调解 村委参与", None),  # a mediation visit
        ("L2023001 尚未立案", None),
        ("L2023001 拟申请执行", None),
        ("L2023001 法院调解结案", "mediated"),
    ],
)
def test_stage_in_text(text: str, stage: str | None) -> None:
    assert stage_in_text(text) == stage


# (stages so far, stage recorded next, allowed)
ORDER = [
    ([], "filed", True),
    ([], "judged", False),  # 判决 before 立案
    ([], "enforcement", False),
    (["filed"], "hearing", True),
    (["filed"], "judged", True),
    (["filed"], "enforcement", False),  # judged first
    (["filed", "hearing"], "hearing", True),  # a second hearing
    (["filed", "hearing", "judged"], "enforcement", True),
    (["filed", "judged"], "filed", True),  # an appeal
    (["filed", "mediated"], "enforcement", True),
    (["filed", "judged", "enforcement"], "suspended", True),
    (["filed", "judged", "enforcement"], "enforced", True),
    (["filed", "judged", "enforcement", "suspended"], "resumed", True),
    (["filed", "judged", "enforcement", "suspended"], "enforced", False),  # resumed first
    (["filed", "judged", "enforcement", "suspended", "resumed"], "enforced", True),
    (["filed", "judged", "enforcement", "enforced"], "resumed", False),
    (["filed", "withdrawn"], "filed", True),
    (["filed", "withdrawn"], "judged", False),
    (["filed", "judged", "settled"], "enforcement", True),  # a settlement not kept
]


@pytest.mark.parametrize(("before", "stage", "allowed"), ORDER)
def test_stage_order(before: list[str], stage: str, allowed: bool) -> None:
    assert may_follow(before[-1] if before else None, stage) is allowed
    assert (stage in expected_after(before[-1] if before else None)) is allowed


def test_every_stage_can_be_reached() -> None:
    reached: set[str] = set()
    frontier: list[str | None] = [None]
    while frontier:
        latest = frontier.pop()
        for stage in expected_after(latest):
            if stage not in reached:
                reached.add(stage)
                frontier.append(stage)
    assert reached == set(STAGES)


@pytest.mark.parametrize(
    ("text", "number", "court_code", "proceeding"),
    [
        ("今天立案 （2026）晋0102民初123号", "（2026）晋0102民初123号", "晋0102", "first_instance"),
        ("(2025)晋07民终45号", "(2025)晋07民终45号", "晋07", "appeal"),
        ("（2026）晋0702执1189号 申请执行", "（2026）晋0702执1189号", "晋0702", "enforcement"),
        ("（2026）晋0702执恢12号", "（2026）晋0702执恢12号", "晋0702", "resumed_enforcement"),
        ("（2026）晋0702执保3号 冻结存款", "（2026）晋0702执保3号", "晋0702", "preservation"),
    ],
)
def test_case_numbers(text: str, number: str, court_code: str, proceeding: str) -> None:
    found = find_case_number(text)
    assert found is not None
    assert (found.text, found.court_code, found.proceeding) == (number, court_code, proceeding)


def test_no_case_number_and_courts() -> None:
    assert find_case_number("L2023001 已起诉 金额12万") is None
    assert find_court("立案 晋中市榆次区人民法院 （2026）晋0702民初1号") == "晋中市榆次区人民法院"
    assert find_court("已起诉") is None


@pytest.mark.parametrize(
    ("text", "court"),
    [
        ("今天立案晋中市榆次区人民法院", "晋中市榆次区人民法院"),
        ("已向榆次区法院起诉", "榆次区法院"),
        ("12月1日榆次区法院开庭", "榆次区法院"),
        ("申请执行太原市中级人民法院", "太原市中级人民法院"),
        # Names that hold a word which elsewhere comes before a court.
        ("日照市中级人民法院判决", "日照市中级人民法院"),
        ("已向向阳区人民法院起诉", "向阳区人民法院"),
        ("于都县人民法院已立案", "于都县人民法院"),
        ("在法院立案", None),
    ],
)
def test_the_court_is_read_without_the_words_written_before_it(text: str, court: str | None) -> None:
    assert find_court(text) == court


@pytest.mark.parametrize(
    ("note", "claimed", "costs"),
    [
        ("标的12万，诉讼费3000元", Decimal("120000.00"), Decimal("3000.00")),
        ("诉讼请求：本息合计壹拾贰万元整；受理费1,350元", Decimal("120000.00"), Decimal("1350.00")),
        ("律师费8000 标的 85,000.50", Decimal("85000.50"), Decimal("8000.00")),
        ("已立案，标的待定", None, None),
        ("（2026）晋0702民初123号", None, None),
    ],
)
def test_claims_and_costs_are_read_from_the_note(
    note: str, claimed: Decimal | None, costs: Decimal | None
) -> None:
    assert find_claims(note) == (claimed, costs)


@pytest.mark.parametrize(
    ("day", "after"),
    [
        (date(2026, 3, 2), date(2029, 3, 2)),
        (date(2024, 2, 29), date(2027, 2, 28)),  # no 29 February: the month's last day
        (date(2026, 12, 31), date(2029, 12, 31)),
    ],
)
def test_three_years_after(day: date, after: date) -> None:
    assert years_after(day, 3) == after


def test_months_after_the_month_end() -> None:
    assert months_after(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert months_after(date(2026, 1, 15), 6) == date(2026, 7, 15)
    assert months_after(date(2026, 7, 31), 6) == date(2027, 1, 31)


def test_statute_runs_from_the_latest_interruption() -> None:
    imported = date(2027, 5, 1)
    assert statute(None, []) is None
    only_imported = statute(imported, [])
    assert only_imported is not None
    assert (only_imported.expires_on, only_imported.start) == (imported, None)
    acknowledged = StatuteStart(date(2026, 3, 2), "acknowledged")
    repaid = StatuteStart(date(2025, 11, 1), "repayment")
    started = statute(imported, [repaid, acknowledged])
    assert started is not None
    assert (started.expires_on, started.start) == (date(2029, 3, 2), acknowledged)
    # An interruption older than the imported expiry's start leaves the imported date standing.
    older = statute(date(2029, 6, 1), [repaid])
    assert older is not None
    assert (older.expires_on, older.start) == (date(2029, 6, 1), None)


@pytest.mark.parametrize(
    ("days_left", "warning"),
    [(181, None), (180, 180), (179, None), (91, None), (90, 90), (31, None), (30, 30), (29, None), (0, None)],
)
def test_statute_warnings_fall_on_their_days(days_left: int, warning: int | None) -> None:
    today = date(2026, 12, 1)
    found = statute(today + timedelta(days=days_left), [])
    assert found is not None
    assert found.warning(today) == warning
    assert not found.expired(today)


def test_an_expired_statute() -> None:
    found = statute(date(2026, 11, 30), [])
    assert found is not None
    assert found.expired(date(2026, 12, 1))
    assert found.days_left(date(2026, 12, 1)) == -1


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("查封房产一套", "real_estate"),
        ("冻结银行存款 5万", "deposit"),
        ("冻结其名下账户", "deposit"),
        ("查封车辆一台", "movable"),
        ("扣押挖掘机", "movable"),
        ("开庭 被告未到庭", None),
    ],
)
def test_what_was_seized(note: str, kind: str | None) -> None:
    assert seizure_kind(note) == kind


def test_enforcement_must_be_applied_for_within_two_years_of_the_judgment() -> None:
    judged = [StageEntry("filed", date(2026, 1, 5)), StageEntry("judged", date(2026, 6, 10))]
    assert legal_deadlines(judged) == [LegalDeadline("enforcement_due", date(2028, 6, 10), date(2026, 6, 10))]
    applied = [*judged, StageEntry("enforcement", date(2026, 7, 1))]
    assert legal_deadlines(applied) == []
    (deadline,) = legal_deadlines(judged)
    assert not deadline.warn(date(2028, 5, 10))
    assert deadline.warn(date(2028, 5, 11))  # 30 days before


@pytest.mark.parametrize(
    ("note", "performed"),
    [
        ("判决被告于判决生效后十日内偿还，履行期限至2026年7月10日", date(2026, 7, 10)),
        ("履行期届满日：2026-07-10", date(2026, 7, 10)),
        ("调解协议约定履行至7月31日", date(2026, 7, 31)),
        # No performance date written: the judgment's own day, which only brings the deadline earlier.
        ("胜诉", date(2026, 6, 10)),
        # A date before the judgment is no performance date.
        ("履行期限至2026年1月1日", date(2026, 6, 10)),
    ],
)
def test_the_enforcement_window_runs_from_the_performance_date(note: str, performed: date) -> None:
    judged = [StageEntry("filed", date(2026, 1, 5)), StageEntry("judged", date(2026, 6, 10), note)]
    assert legal_deadlines(judged) == [
        LegalDeadline("enforcement_due", years_after(performed, 2), performed),
    ]


def test_a_renewal_runs_from_its_own_day_and_a_release_or_the_end_stops_the_clock() -> None:
    frozen = [
        StageEntry("filed", date(2025, 9, 1), "诉前保全 冻结存款"),
        StageEntry("judged", date(2025, 12, 10)),
    ]
    assert legal_deadlines(frozen)[0] == LegalDeadline(
        "seizure_lapses", date(2026, 9, 1), date(2025, 9, 1), "deposit"
    )
    renewed = [*frozen, StageEntry("enforcement", date(2026, 8, 20), "申请执行，续冻存款")]
    assert legal_deadlines(renewed) == [
        LegalDeadline("seizure_lapses", date(2027, 8, 20), date(2026, 8, 20), "deposit")
    ]
    released = [*frozen, StageEntry("enforcement", date(2026, 8, 20), "被执行人提供担保，已解冻")]
    assert legal_deadlines(released) == []
    enforced = [*renewed, StageEntry("enforced", date(2026, 11, 2))]
    assert legal_deadlines(enforced) == []


def test_a_seizure_lapses() -> None:
    stages = [
        StageEntry("filed", date(2026, 1, 5), "诉前保全 冻结存款"),
        StageEntry("enforcement", date(2026, 8, 1), "查封房产"),
    ]
    assert [(d.kind, d.due_on, d.detail) for d in legal_deadlines(stages)] == [
        ("seizure_lapses", date(2027, 1, 5), "deposit"),
        ("seizure_lapses", date(2029, 8, 1), "real_estate"),
    ]


def test_slow_lawsuits() -> None:
    filed = StageEntry("filed", date(2026, 1, 5))
    assert slow_since([filed], date(2026, 7, 5)) is None
    assert slow_since([filed], date(2026, 7, 6)) == filed
    heard = [filed, StageEntry("hearing", date(2026, 3, 1))]
    assert slow_since(heard, date(2026, 7, 6)) == filed
    judged = [*heard, StageEntry("judged", date(2026, 5, 1))]
    assert slow_since(judged, date(2027, 1, 1)) is None
    enforcing = [*judged, StageEntry("enforcement", date(2026, 6, 1))]
    assert slow_since(enforcing, date(2026, 12, 1)) is None
    assert slow_since(enforcing, date(2026, 12, 2)) == enforcing[-1]
    assert slow_since([*enforcing, StageEntry("suspended", date(2026, 9, 1))], date(2027, 6, 1)) is None


def test_days_per_stage() -> None:
    assert days_per_stage([date(2026, 1, 5), date(2026, 4, 5)], date(2026, 4, 15)) == [90, 10]


def test_lawsuit_figures() -> None:
    today = date(2026, 12, 1)
    figures = lawsuit_figures(
        {
            "L1": [StageEntry("filed", date(2026, 1, 1)), StageEntry("judged", date(2026, 3, 2))],  # 60 days
            "L2": [
                StageEntry("filed", date(2026, 2, 1)),
                StageEntry("mediated", date(2026, 5, 2)),  # 90 days
                StageEntry("enforcement", date(2026, 5, 20)),
                StageEntry("enforced", date(2026, 7, 1)),  # 60 days after the mediation
            ],
            "L3": [StageEntry("filed", date(2026, 4, 1))],  # slow: 244 days
            "L4": [
                StageEntry("filed", date(2026, 1, 5)),
                StageEntry("judged", date(2026, 5, 15)),
            ],  # 130 days
        },
        today,
    )
    assert figures.at_stage == {"filed": 1, "judged": 2, "enforced": 1}
    assert (figures.filed_to_judged, figures.judged_to_enforced) == (90, 60)
    assert [(loan, entry.stage, days) for loan, entry, days in figures.slow] == [("L3", "filed", 244)]
    empty = lawsuit_figures({}, today)
    assert (empty.at_stage, empty.filed_to_judged, empty.slow) == ({}, None, [])
