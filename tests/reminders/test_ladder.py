"""Who gets a supervision notice (督办函), and when: only units below the expected-progress line, after
NOTICE_GRACE_DAYS working days below it, again every NOTICE_EVERY_DAYS while they stay below; numbers run
through the year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.app import App
from core.import_plan import plan_import
from core.ranking import notice_due, rung_of
from core.records import CaseRecord, PersonRecord, UnitRecord
from reminders.config import ScheduleConfig
from reminders.notices import build_notices
from tests.conftest import CAMPAIGN_END, Clock
from tests.reminders.test_daily import at

CONFIG = ScheduleConfig()  # 3 working days of grace, then every 5


@pytest.mark.parametrize(
    ("below", "last_notice_ago", "due"),
    [
        ([False, False, False, False, False, True], None, False),  # first day below
        ([False, False, False, False, True, True], None, False),  # second day below
        ([False, False, False, True, True, True], None, True),  # third day: the first notice
        ([True, True, True, True, True, True], 0, True),  # today's notice, built again
        ([True, True, True, True, True, True], 1, False),  # yesterday's notice: not again yet
        ([True, True, True, True, True, True], 4, False),
        ([True, True, True, True, True, True], 5, True),  # five working days on, still below
        ([True, True, True, True, True, True], None, True),  # the last notice is long ago
        ([True, True, False, True, True, True], 4, True),  # back above the line since: starts again
        ([True, True, False, False, True, True], 4, False),  # again below, but only for two days
        ([True, True, True, True, True, False], None, False),  # above the line today
    ],
)
def test_the_ladders_first_rungs(below: list[bool], last_notice_ago: int | None, due: bool) -> None:
    assert notice_due(below, last_notice_ago, grace_days=3, every_days=5) is due


@pytest.mark.parametrize(
    ("earlier", "rung"),
    [(0, "notice"), (1, "second"), (2, "summons"), (3, "accountability"), (7, "accountability")],
)
def test_each_notice_of_a_stretch_below_the_line_is_the_next_rung(earlier: int, rung: str) -> None:
    assert rung_of(earlier) == rung


def three_units(app: App, clock: Clock) -> None:
    """城关 is ahead of the line all along; 东风 has been below it since the import; 河西 recovered 91% early
    on and fell below the rising line on 2026-11-30 (expected 91.5%; 90.7% on the 27th)."""
    clock.now = at(date(2026, 11, 2))
    units = [
        UnitRecord("城关信用社", "王建国", Decimal("100000.00")),
        UnitRecord("东风信用社", "赵东升", Decimal("1000000.00")),
        UnitRecord("河西信用社", "钱河西", Decimal("1000000.00")),
    ]
    people = [
        PersonRecord("李明", "E001", "城关信用社", "officer"),
        PersonRecord("王建国", "U001", "城关信用社", "unit_lead"),
        PersonRecord("孙芳", "E002", "东风信用社", "officer"),
        PersonRecord("赵东升", "U002", "东风信用社", "unit_lead"),
        PersonRecord("周河", "E003", "河西信用社", "officer"),
        PersonRecord("钱河西", "U003", "河西信用社", "unit_lead"),
        PersonRecord("陈专班", "A001", None, "admin"),
    ]
    cases = [
        CaseRecord(
            "L1", "张三", "城关信用社", "E001", Decimal("200000"), Decimal(0), "可疑", "中", CAMPAIGN_END
        ),
        CaseRecord(
            "L2", "李四", "东风信用社", "E002", Decimal("2000000"), Decimal(0), "可疑", "中", CAMPAIGN_END
        ),
        CaseRecord(
            "L3", "王五", "河西信用社", "E003", Decimal("2000000"), Decimal(0), "可疑", "中", CAMPAIGN_END
        ),
    ]
    plan, problems = plan_import(app.store.import_snapshot(), units, people, cases)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="test")
    for loan, officer, lead, amount in (("L1", "E001", "U001", "95000"), ("L3", "E003", "U003", "910000")):
        entry = app.store.record_repayment(loan, officer, Decimal(amount), clock.now.date())
        app.store.decide_repayment(entry.id, lead, confirm=True)


def notices_of(app: App, clock: Clock, day: date) -> dict[str, str]:
    """The notices built on the evening of `day`: the listing line of each unit that got one."""
    clock.now = at(day, 18)
    messages = build_notices(app.store, day, CONFIG)
    listings = [m for m in messages if m.key.startswith("notices:person:")]
    if not listings:
        assert messages == []
        return {}
    lines = listings[0].replies[0].text.splitlines()[1:]
    return {line.split()[1]: line for line in lines if line[0].isdigit()}


def test_a_unit_at_or_above_the_line_never_gets_a_notice_and_others_only_when_due(
    app: App, clock: Clock
) -> None:
    three_units(app, clock)
    # 2026-12-01: 东风 has been below for weeks; 河西 only since the 30th; 城关 is at 95.0%, above 91.8%.
    first = notices_of(app, clock, date(2026, 12, 1))
    assert first == {
        "东风信用社": "3. 东风信用社 完成率 0.0%，落后时间进度 91.8 个百分点（督办函，清收督〔2026〕1号）"
    }
    # The third working day below the line for 河西.
    assert notices_of(app, clock, date(2026, 12, 2)) == {
        "河西信用社": "2. 河西信用社 完成率 91.0%，落后时间进度 1.1 个百分点（督办函，清收督〔2026〕2号）"
    }
    for quiet in (date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7)):
        assert notices_of(app, clock, quiet) == {}
    # Five working days after its first, 东风 is still below: its next notice, numbered on through the year.
    assert list(notices_of(app, clock, date(2026, 12, 8)).values()) == [
        "3. 东风信用社 完成率 0.0%，落后时间进度 93.7 个百分点（再次督办函，清收督〔2026〕3号）"
    ]
    # The same evening built again gives the same notice and number.
    (again,) = notices_of(app, clock, date(2026, 12, 8)).values()
    assert again.endswith("（再次督办函，清收督〔2026〕3号）")


def test_the_notice_goes_to_the_units_leads_with_its_number(app: App, clock: Clock) -> None:
    three_units(app, clock)
    clock.now = at(date(2026, 12, 1), 18)
    messages = build_notices(app.store, date(2026, 12, 1), CONFIG)
    to_leads = [m for m in messages if m.key.startswith("notice:unit:")]
    assert [m.label for m in to_leads] == ["赵东升（东风信用社）"]
    (reply,) = to_leads[0].replies
    assert "清收督〔2026〕1号" in reply.text
    assert reply.filename == "督办函-东风信用社-2026-12-01.docx"


def test_the_ladder_climbs_while_a_unit_stays_below_and_starts_again_after_it_rises(
    app: App, clock: Clock
) -> None:
    three_units(app, clock)
    issued: dict[tuple[date, str], str] = {}
    day = date(2026, 12, 1)
    while day <= date(2026, 12, 31):
        if day == date(2026, 12, 3):
            # 河西 recovers 20,000 more: 93.0%, above the line (92.3%) until the line passes it on the 7th;
            # 城关 completes its target and stays out of it.
            clock.now = at(day, 10)
            for loan, officer, lead, amount in (
                ("L3", "E003", "U003", "20000"),
                ("L1", "E001", "U001", "5000"),
            ):
                entry = app.store.record_repayment(loan, officer, Decimal(amount), day)
                app.store.decide_repayment(entry.id, lead, confirm=True)
        if day.weekday() < 5:
            for unit, line in notices_of(app, clock, day).items():
                issued[(day, unit)] = line.rsplit("（", 1)[1].rstrip("）")
        day = date.fromordinal(day.toordinal() + 1)
    assert issued == {
        # 东风 is below all month: one rung a notice, five working days apart, then 问责建议 again.
        (date(2026, 12, 1), "东风信用社"): "督办函，清收督〔2026〕1号",
        (date(2026, 12, 2), "河西信用社"): "督办函，清收督〔2026〕2号",
        (date(2026, 12, 8), "东风信用社"): "再次督办函，清收督〔2026〕3号",
        # 河西 rose above the line on the 3rd and fell below it again on the 7th: its third working day
        # below brings a first-rung notice again, not a second one.
        (date(2026, 12, 9), "河西信用社"): "督办函，清收督〔2026〕4号",
        (date(2026, 12, 15), "东风信用社"): "约谈通知，清收督〔2026〕5号",
        (date(2026, 12, 16), "河西信用社"): "再次督办函，清收督〔2026〕6号",
        (date(2026, 12, 22), "东风信用社"): "问责建议，清收督〔2026〕7号",
        (date(2026, 12, 23), "河西信用社"): "约谈通知，清收督〔2026〕8号",
        (date(2026, 12, 29), "东风信用社"): "问责建议，清收督〔2026〕9号",
        (date(2026, 12, 30), "河西信用社"): "问责建议，清收督〔2026〕10号",
    }


def test_each_rung_goes_to_whom_it_is_addressed(app: App, clock: Clock) -> None:
    three_units(app, clock)
    sent = {}
    for day in (date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 22)):
        clock.now = at(day, 18)
        sent[day] = build_notices(app.store, day, CONFIG)
    # Up to the summons the unit's lead gets the letter; the summons names the main leader.
    for day, kind in (
        (date(2026, 12, 1), "督办函"),
        (date(2026, 12, 8), "再次督办函"),
        (date(2026, 12, 15), "约谈通知"),
    ):
        (to_lead,) = [m for m in sent[day] if m.label == "赵东升（东风信用社）"]
        assert to_lead.label == "赵东升（东风信用社）"
        assert to_lead.replies[0].filename == f"{kind}-东风信用社-{day.isoformat()}.docx"
    # The proposal of accountability goes to the task force, with the day's listing, not to the unit.
    assert [m for m in sent[date(2026, 12, 22)] if m.label == "赵东升（东风信用社）"] == []
    (listing,) = [m for m in sent[date(2026, 12, 22)] if m.key.startswith("notices:person:")]
    assert listing.label == "陈专班"
    head, proposal = listing.replies
    assert head.text.splitlines()[0] == (
        "【督办通报】2026-12-22 发出督办文书 3 份（督办函 1 份、约谈通知 1 份、问责建议 1 份）："
    )
    assert proposal.filename == "问责建议-东风信用社-2026-12-22.docx"
