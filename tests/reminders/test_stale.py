"""Cases not contacted for STALE_DAYS: a case never contacted counts from the day it joined the campaign (its
import, or the campaign's start), not from the beginning of time."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.app import App
from core.import_plan import plan_import
from core.records import CaseRecord
from reminders.config import ScheduleConfig
from reminders.morning import build_reminders
from tests.conftest import CAMPAIGN_END, Clock
from tests.ledger_data import PEOPLE, UNITS
from tests.reminders.test_daily import at

IMPORTED = date(2026, 11, 26)  # a Thursday


def import_one_case(app: App, clock: Clock) -> None:
    clock.now = at(IMPORTED)
    case = CaseRecord(
        "L9001", "郑九", "城关信用社", "E001", Decimal("80000"), Decimal(0), "次级", "中", CAMPAIGN_END
    )
    plan, problems = plan_import(app.store.import_snapshot(), UNITS, PEOPLE, [case])
    assert problems == []
    app.store.apply_import(plan, actor="test", source="test")


def to_do_lines(app: App, clock: Clock, day: date) -> list[str]:
    clock.now = at(day, 8)
    messages = build_reminders(app.store, day, ScheduleConfig())
    return [line for m in messages if m.key.startswith("todo:") for line in m.replies[0].text.splitlines()]


def test_a_case_imported_days_ago_is_not_stale_until_stale_days_have_passed(app: App, clock: Clock) -> None:
    import_one_case(app, clock)
    # Four days after the import: nothing to do yet (its deadline is the campaign's end).
    assert to_do_lines(app, clock, IMPORTED + timedelta(days=4)) == []
    # Eight days after: not contacted for more than STALE_DAYS (7).
    lines = to_do_lines(app, clock, IMPORTED + timedelta(days=8))
    assert "1. L9001 郑九 未收回 ¥80,000.00：尚未联系" in lines


def test_contacting_a_case_takes_it_off_the_list(app: App, clock: Clock) -> None:
    import_one_case(app, clock)
    clock.now = at(IMPORTED + timedelta(days=6))
    app.store.record_contact("L9001", "E001", "phone", "reached")
    assert to_do_lines(app, clock, IMPORTED + timedelta(days=8)) == []
    lines = to_do_lines(app, clock, IMPORTED + timedelta(days=14))
    assert "1. L9001 郑九 未收回 ¥80,000.00：8 天未联系" in lines
