"""Foreclosed assets' disposal deadlines in the custodian's to-do and the unit lead's digest: 90 and 30 days
before, every day once past, a leased asset too, and not between."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.app import App
from tests.conftest import SHANGHAI, Clock
from tests.ledger_data import seed
from tests.reminders.test_legal_todo import lines_for


def test_a_movables_deadline_in_the_to_do_and_the_digest(app: App, clock: Clock) -> None:
    seed(app)
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    car = app.store.register_asset("L2023001", "E001", Decimal("10000"), "轿车", "movable")
    # Leased meanwhile: the clock runs on.
    app.store.lease_asset(car.number, "E001", Decimal("500"), date(2027, 12, 31), lessee="某物流公司")
    due = "· ZC2026-0001 轿车：处置期限 2027-03-02（还剩 90 天），请抓紧处置"
    assert due in lines_for(app, clock, date(2026, 12, 2), "todo:")
    assert f"{due}（李明）" in lines_for(app, clock, date(2026, 12, 2), "digest:")
    for quiet in (date(2026, 12, 1), date(2026, 12, 3), date(2027, 1, 30)):
        assert not any("ZC2026-0001" in line for line in lines_for(app, clock, quiet, "todo:")), quiet
    assert "· ZC2026-0001 轿车：处置期限 2027-03-02（还剩 30 天），请抓紧处置" in lines_for(
        app, clock, date(2027, 1, 31), "todo:"
    )
    passed = "· ZC2026-0001 轿车：已超过处置期限 2027-03-02（超期 1 天），请尽快处置"
    assert passed in lines_for(app, clock, date(2027, 3, 3), "todo:")
    # Disposed of: no more.
    clock.now = datetime(2027, 3, 3, 10, 0, tzinfo=SHANGHAI)
    app.store.appraise_asset(car.number, "E001", Decimal("9000"))
    app.store.dispose_asset(car.number, "U001", Decimal("8500"), "auction")
    assert not any("ZC2026-0001" in line for line in lines_for(app, clock, date(2027, 3, 4), "todo:"))


def test_real_estate_is_warned_before_its_second_anniversary(app: App, clock: Clock) -> None:
    seed(app)
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    app.store.register_asset("L2023003", "E003", Decimal("80000"), "住宅", "real_estate")
    assert not any("ZC2026-0001" in line for line in lines_for(app, clock, date(2026, 12, 2), "todo:"))
    assert "· ZC2026-0001 住宅：处置期限 2028-03-02（还剩 90 天），请抓紧处置" in lines_for(
        app, clock, date(2027, 12, 3), "todo:"
    )
    assert "· ZC2026-0001 住宅：处置期限 2028-03-02（还剩 30 天），请抓紧处置（孙芳）" in lines_for(
        app, clock, date(2028, 2, 1), "digest:"
    )
