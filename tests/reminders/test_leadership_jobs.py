"""The leader's half in the scheduled jobs (SPEC §10): a target reached is announced once, and an officer's
silence is told to them, their unit lead and the leaders once each, holidays not counted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.app import App
from core.import_plan import plan_import
from core.records import CaseRecord, PersonRecord, UnitRecord
from core.workdays import is_workday
from reminders.config import ScheduleConfig
from reminders.evening import build_ranking
from reminders.morning import build_reminders
from tests.conftest import CAMPAIGN_END, Clock
from tests.reminders.test_daily import at

CONFIG = ScheduleConfig()


def small_ledger(app: App, clock: Clock, day: date) -> None:
    """城关 aims at 100,000 with two officers holding 150,000 and 50,000 (targets 75,000 and 25,000)."""
    clock.now = at(day)
    units = [UnitRecord("城关信用社", "王建国", Decimal("100000.00"))]
    people = [
        PersonRecord("李明", "E001", "城关信用社", "officer"),
        PersonRecord("周强", "E002", "城关信用社", "officer"),
        PersonRecord("王建国", "U001", "城关信用社", "unit_lead"),
        PersonRecord("刘志远", "L001", None, "leader"),
    ]
    cases = [
        CaseRecord(
            "L1", "张三", "城关信用社", "E001", Decimal("150000"), Decimal(0), "可疑", "中", CAMPAIGN_END
        ),
        CaseRecord(
            "L2", "李四", "城关信用社", "E002", Decimal("50000"), Decimal(0), "可疑", "中", CAMPAIGN_END
        ),
    ]
    plan, problems = plan_import(app.store.import_snapshot(), units, people, cases)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="test")


def confirm(app: App, loan: str, officer: str, amount: str, day: date) -> None:
    entry = app.store.record_repayment(loan, officer, Decimal(amount), day)
    app.store.decide_repayment(entry.id, "U001", confirm=True)


def announcements(app: App, clock: Clock, day: date) -> tuple[list[str], list[str]]:
    """The evening's lines of targets reached: in the group's post, and at the head of the unit lead's."""
    clock.now = at(day, 18)
    messages = {m.key: m for m in build_ranking(app.store, day, CONFIG)}
    group = [line for r in messages["ranking:group"].replies for line in r.text.splitlines()]
    lead = next(m for key, m in messages.items() if key.startswith("ranking:person:"))
    return (
        [line for line in group if line.startswith("【目标完成】")],
        [line for line in lead.replies[0].text.splitlines() if line.startswith("【目标完成】")],
    )


def test_a_target_reached_is_announced_once_to_the_group_and_the_lead(app: App, clock: Clock) -> None:
    small_ledger(app, clock, date(2026, 11, 2))
    clock.now = at(date(2026, 11, 30), 10)
    confirm(app, "L2", "E002", "25000", date(2026, 11, 30))
    officer = (
        "【目标完成】城关信用社周强已完成本人清收目标（目标 2.50万元，已确认收回 2.50万元，完成率 100.0%）。"
    )
    assert announcements(app, clock, date(2026, 11, 30)) == ([officer], [officer])
    # The evening built again (a restart) announces the same; the next evening nothing.
    assert announcements(app, clock, date(2026, 11, 30)) == ([officer], [officer])
    assert announcements(app, clock, date(2026, 12, 1)) == ([], [])
    # The unit reaches its own target two days later: announced once, and 周强 not again.
    clock.now = at(date(2026, 12, 3), 10)
    confirm(app, "L1", "E001", "75000", date(2026, 12, 3))
    unit = (
        "【目标完成】城关信用社已完成本单位清收任务（目标 10.00万元，已确认收回 10.00万元，完成率 100.0%）。"
    )
    li_ming = (
        "【目标完成】城关信用社李明已完成本人清收目标（目标 7.50万元，已确认收回 7.50万元，完成率 100.0%）。"
    )
    assert announcements(app, clock, date(2026, 12, 3)) == ([unit, li_ming], [unit, li_ming])
    assert announcements(app, clock, date(2026, 12, 4)) == ([], [])


def test_a_silence_is_told_to_the_officer_the_lead_and_the_leaders_once_each(app: App, clock: Clock) -> None:
    small_ledger(app, clock, date(2026, 9, 1))
    # Both officers record something on 29 September; then 周强 keeps at it, 李明 goes quiet over the
    # National Day holiday (1–7 October) and after it.
    clock.now = at(date(2026, 9, 29), 10)
    app.store.record_contact("L1", "E001", "visit", "reached")
    told: dict[str, list[date]] = {"nudge": [], "lead": [], "leaders": []}
    day = date(2026, 9, 30)
    while day <= date(2026, 10, 23):
        if is_workday(day):
            clock.now = at(day, 8)
            if day != date(2026, 10, 21):
                app.store.record_contact("L2", "E002", "phone", "reached")
            clock.now = at(day, 9)
            for message in build_reminders(app.store, day, CONFIG):
                text = "\n".join(r.text for r in message.replies)
                if message.label == "李明" and "未录入清收记录" in text:
                    told["nudge"].append(day)
                    assert "周强" not in text
                if message.key.startswith("digest:") and "李明（E001）" in text:
                    told["lead"].append(day)
                    assert "· 李明（E001）已 5 个工作日未录入，最后记录 2026-09-29" in text
                if message.key.startswith("inactive:leaders:"):
                    told["leaders"].append(day)
                    assert message.label == "刘志远"
                    assert "· 城关信用社 李明（E001）已 10 个工作日未录入，最后记录 2026-09-29" in text
        day += timedelta(days=1)
    # Working days without an entry: 30 September, 8, 9, 10 (a make-up Saturday), 12 … 16, 19 October. The
    # holiday's seven days count for nothing.
    assert told == {
        "nudge": [date(2026, 10, 10)],
        "lead": [date(2026, 10, 13)],
        "leaders": [date(2026, 10, 20)],
    }


def test_a_new_entry_starts_a_new_stretch(app: App, clock: Clock) -> None:
    small_ledger(app, clock, date(2026, 11, 2))
    clock.now = at(date(2026, 11, 16), 10)
    app.store.record_contact("L1", "E001", "visit", "reached")
    app.store.record_contact("L2", "E002", "visit", "reached")

    def nudged(day: date) -> list[str]:
        clock.now = at(day, 9)
        return sorted(
            m.label or ""
            for m in build_reminders(app.store, day, CONFIG)
            if m.key.startswith("todo:") and "未录入清收记录" in m.replies[0].text
        )

    # Entries on Monday the 16th: by Friday three working days (17, 18, 19) have passed without one.
    assert nudged(date(2026, 11, 19)) == []
    assert nudged(date(2026, 11, 20)) == ["周强", "李明"]
    assert nudged(date(2026, 11, 20)) == ["周强", "李明"]  # the same morning built again
    assert nudged(date(2026, 11, 23)) == []  # told once in the stretch
    clock.now = at(date(2026, 11, 23), 15)
    app.store.record_contact("L1", "E001", "phone", "reached")
    assert nudged(date(2026, 11, 26)) == []
    assert nudged(date(2026, 11, 27)) == ["李明"]  # a new stretch from the 23rd: 24, 25, 26
