"""Working days by China's official calendar, and the fallback for years it does not know yet."""

from __future__ import annotations

import logging
from datetime import date

import chinese_calendar
import pytest

from core import workdays
from core.workdays import add_workdays, holiday_name, is_workday, previous_workday

# The first year chinese-calendar 1.11 has no official calendar for.
UNKNOWN_YEAR = 2027


@pytest.fixture
def unknown_year() -> int:
    """2027, as long as the installed chinese-calendar does not know it (its fallback is what is tested)."""
    try:
        chinese_calendar.is_workday(date(UNKNOWN_YEAR, 1, 4))
    except NotImplementedError:
        return UNKNOWN_YEAR
    pytest.skip(f"chinese-calendar now publishes {UNKNOWN_YEAR}: its fallback is covered by the far-off year")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # the last day of the National Day holiday, a Wednesday
        (date(2026, 10, 8), True),  # the Thursday after it
        (date(2026, 10, 10), True),  # a Saturday worked in exchange (调休)
        (date(2026, 10, 11), False),  # the Sunday after it
        (date(2026, 11, 29), False),  # an ordinary Sunday
        (date(2026, 11, 30), True),  # an ordinary Monday
    ],
)
def test_the_official_2026_calendar_decides_working_days(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


def test_holiday_name_gives_the_calendars_name_and_none_on_a_working_day() -> None:
    assert holiday_name(date(2026, 10, 1)) == "national_day"
    assert holiday_name(date(2026, 10, 10)) is None  # the make-up Saturday is a working day
    assert holiday_name(date(2026, 11, 30)) is None


def test_previous_workday_skips_weekends_and_the_national_day_holiday() -> None:
    assert previous_workday(date(2026, 11, 30)) == date(2026, 11, 27)  # Monday -> Friday
    assert previous_workday(date(2026, 10, 9)) == date(2026, 10, 8)
    # From the Thursday after the holiday back over all seven days off to the Wednesday before it.
    assert previous_workday(date(2026, 10, 8)) == date(2026, 9, 30)
    # The Monday after the make-up Saturday: the Saturday counts, the Sunday does not.
    assert previous_workday(date(2026, 10, 12)) == date(2026, 10, 10)


def test_previous_workday_without_skipping_holidays_is_the_day_before() -> None:
    assert previous_workday(date(2026, 11, 30), skip_holidays=False) == date(2026, 11, 29)
    assert previous_workday(date(2026, 10, 8), skip_holidays=False) == date(2026, 10, 7)


def test_add_workdays_counts_only_working_days() -> None:
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)  # over the National Day holiday
    assert add_workdays(date(2026, 10, 8), 2) == date(2026, 10, 10)  # the make-up Saturday counts
    assert add_workdays(date(2026, 11, 27), 3) == date(2026, 12, 2)  # Friday + 3 over a weekend


@pytest.mark.parametrize(
    ("month", "day", "expected"),
    [
        (1, 1, False),  # New Year's Day, a Friday: a fixed-date holiday
        (1, 2, False),  # Saturday
        (1, 4, True),  # Monday
        (10, 1, False),  # National Day, a Friday
        (10, 2, False),  # Saturday, and a fixed-date holiday
        (10, 3, False),  # Sunday, and a fixed-date holiday
        (10, 4, True),  # Monday: the rest of the holiday is announced only in the winter before
    ],
)
def test_a_year_the_calendar_does_not_know_falls_back_to_weekdays_and_fixed_holidays(
    unknown_year: int, month: int, day: int, expected: bool
) -> None:
    assert is_workday(date(unknown_year, month, day)) is expected


def test_holiday_name_is_none_in_a_year_the_calendar_does_not_know(unknown_year: int) -> None:
    assert holiday_name(date(unknown_year, 1, 1)) is None
    assert holiday_name(date(unknown_year, 10, 1)) is None


def test_previous_and_next_workdays_work_across_into_a_year_the_calendar_does_not_know(
    unknown_year: int,
) -> None:
    assert previous_workday(date(unknown_year, 1, 4)) == date(unknown_year - 1, 12, 31)
    assert add_workdays(date(unknown_year - 1, 12, 31), 1) == date(unknown_year, 1, 4)


def test_the_fallback_warns_once_per_year(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Years warned about earlier in the session would hide the warning: start from none.
    monkeypatch.setattr(workdays, "_warned_years", set())
    caplog.set_level(logging.WARNING, logger="core.workdays")
    # New Year's Day (a Thursday), a Friday, a Saturday, National Day (a Thursday), the Monday after it.
    far_off = [date(2099, 1, 1), date(2099, 1, 2), date(2099, 1, 3), date(2099, 10, 1), date(2099, 10, 5)]
    assert [is_workday(day) for day in far_off] == [False, True, False, False, True]
    assert [is_workday(day) for day in (date(2098, 1, 1), date(2098, 1, 2))] == [False, True]
    warnings = [r for r in caplog.records if r.name == "core.workdays" and r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        f"the official holiday calendar for {year} is not known yet: weekdays count as working days, "
        "except fixed-date holidays; upgrade chinese-calendar once it is published"
        for year in (2099, 2098)
    ]
    # A year the calendar knows never warns.
    caplog.clear()
    assert is_workday(date(2026, 11, 30))
    assert caplog.records == []
