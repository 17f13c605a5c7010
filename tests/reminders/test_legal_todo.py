"""Legal matters in the morning's to-do and the unit lead's digest, on their days and not before: the statute
of limitations at 180, 90 and 30 days and once run out, enforcement to be applied for within two years of a
judgment, a seizure about to lapse, a lawsuit stuck over six months."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.app import App
from reminders.config import ScheduleConfig
from reminders.morning import build_reminders
from tests.conftest import Clock
from tests.ledger_data import seed
from tests.reminders.test_daily import at

STATUTE = date(2027, 3, 1)  # L2023003's imported expiry (孙芳 E003, 东风信用社, lead 赵东升 U002)


def lines_for(app: App, clock: Clock, day: date, key: str) -> list[str]:
    """The lines of the morning's messages whose key starts with `key` (todo:, digest:)."""
    clock.now = at(day, 8)
    messages = build_reminders(app.store, day, ScheduleConfig())
    return [line for m in messages if m.key.startswith(key) for line in m.replies[0].text.splitlines()]


@pytest.mark.parametrize("days", [180, 90, 30])
def test_the_statute_is_warned_of_on_its_days_and_not_between(app: App, clock: Clock, days: int) -> None:
    seed(app)
    day = STATUTE - timedelta(days=days)
    warning = f"· L2023003 王五：诉讼时效还剩 {days} 天（2027-03-01 到期），请及时取得还款、签字确认或起诉"
    assert warning in lines_for(app, clock, day, "todo:")
    assert f"{warning}（孙芳）" in lines_for(app, clock, day, "digest:")
    for other in (day - timedelta(days=1), day + timedelta(days=1)):
        assert not any("诉讼时效" in line for line in lines_for(app, clock, other, "todo:"))


def test_a_statute_run_out_is_in_the_digest(app: App, clock: Clock) -> None:
    seed(app)
    expired = "· L2023003 王五：诉讼时效已过（2027-03-01 到期），需法律审查（孙芳）"
    assert expired not in lines_for(app, clock, STATUTE, "digest:")
    assert expired in lines_for(app, clock, STATUTE + timedelta(days=1), "digest:")


def test_a_confirmed_repayment_moves_the_warnings(app: App, clock: Clock) -> None:
    seed(app)
    repaid = app.store.record_repayment("L2023003", "E003", Decimal("100"), paid_on=date(2026, 11, 20))
    app.store.decide_repayment(repaid.id, "U002", confirm=True)
    # Three years from 2026-11-20: the imported date's warnings no longer come.
    assert not any(
        "诉讼时效" in line for line in lines_for(app, clock, STATUTE - timedelta(days=90), "todo:")
    )
    assert any(
        "诉讼时效还剩 90 天（2029-11-20 到期）" in line
        for line in lines_for(app, clock, date(2029, 11, 20) - timedelta(days=90), "todo:")
    )


def test_enforcement_is_to_be_applied_for_within_two_years_of_the_judgment(app: App, clock: Clock) -> None:
    seed(app)
    app.store.record_stage("L2023001", "E001", "filed", date(2026, 1, 5))
    app.store.record_stage("L2023001", "E001", "judged", date(2026, 2, 1))
    due = "· L2023001 张三：申请强制执行的期限为 2028-02-01（还剩 30 天）"
    assert not any("申请强制执行" in line for line in lines_for(app, clock, date(2028, 1, 1), "todo:"))
    assert due in lines_for(app, clock, date(2028, 1, 2), "todo:")
    missed = "· L2023001 张三：已过申请强制执行的期限 2028-02-01（逾期 1 天），需法律审查"
    assert missed in lines_for(app, clock, date(2028, 2, 2), "todo:")
    # Applied for: the deadline is met and no longer shown.
    clock.now = at(date(2026, 11, 29), 10)
    app.store.record_stage("L2023001", "E001", "enforcement", date(2026, 3, 1))
    assert not any("申请强制执行" in line for line in lines_for(app, clock, date(2028, 1, 2), "todo:"))


def test_a_freeze_of_deposits_lapses_after_a_year(app: App, clock: Clock) -> None:
    seed(app)
    app.store.record_stage("L2023001", "E001", "filed", date(2026, 1, 5), note="诉前保全 冻结其银行存款")
    lapse = "· L2023001 张三：存款冻结将于 2027-01-05 到期（还剩 30 天），请及时申请续行"
    assert not any("冻结" in line for line in lines_for(app, clock, date(2026, 12, 5), "todo:"))
    assert lapse in lines_for(app, clock, date(2026, 12, 6), "todo:")
    # Lapsed: told of for a month, to check that it was renewed; then left to the case card.
    lapsed = "· L2023001 张三：存款冻结已于 2027-01-05 到期（逾期 30 天），请核实是否已续行"
    assert lapsed in lines_for(app, clock, date(2027, 2, 4), "todo:")
    assert not any("冻结" in line for line in lines_for(app, clock, date(2027, 2, 5), "todo:"))


def test_a_first_instance_past_six_months_is_slow_in_the_digest(app: App, clock: Clock) -> None:
    seed(app)
    app.store.record_stage("L2023001", "E001", "filed", date(2026, 5, 20))
    slow = "· L2023001 张三：立案已 194 天未结（自 2026-05-20）（李明）"
    assert not any("未结" in line for line in lines_for(app, clock, date(2026, 11, 20), "digest:"))
    assert slow in lines_for(app, clock, date(2026, 11, 30), "digest:")
    # Slowness is the lead's to chase: not in the officer's own to-do.
    assert not any("未结" in line for line in lines_for(app, clock, date(2026, 11, 30), "todo:"))


def test_the_digest_lists_the_most_urgent_matters_first(app: App, clock: Clock) -> None:
    seed(app)
    app.store.record_stage("L2023001", "E001", "filed", date(2026, 5, 20))
    app.store.record_stage("L2023002", "E002", "filed", date(2026, 1, 5), note="诉前保全 冻结其银行存款")
    legal = [line for line in lines_for(app, clock, date(2026, 12, 6), "digest:") if "L20230" in line]
    # A deadline before slowness, whoever's case it is; then the lawsuit stuck longest.
    assert legal == [
        "· L2023002 李四：存款冻结将于 2027-01-05 到期（还剩 30 天），请及时申请续行（周强）",
        "· L2023002 李四：立案已 335 天未结（自 2026-01-05）（周强）",
        "· L2023001 张三：立案已 200 天未结（自 2026-05-20）（李明）",
    ]
