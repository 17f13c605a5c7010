"""Working days by China's official calendar (法定节假日与调休), for the daily schedule."""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)

# Statutory holidays on fixed dates. Beyond the years the official calendar is published for, these are
# the only ones known in advance: the lunar holidays and the make-up workdays are announced each winter.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})
_warned_years: set[int] = set()


@functools.lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """Whether `day` is a working day: weekdays except public holidays, plus make-up workdays (调休).
    Remembered: the morning asks it for every officer's days of silence."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # chinese-calendar raises for years after its last release; the bot must keep working through them.
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "the official holiday calendar for %s is not known yet: weekdays count as working days, "
                "except fixed-date holidays; upgrade chinese-calendar once it is published",
                day.year,
            )
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def holiday_name(day: date) -> str | None:
    """Which public holiday `day` falls in, as a key of the text catalogues ("national_day"), if known."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if not on_holiday or not name:
        return None
    return str(chinese_calendar.Holiday(name).name)


def previous_workday(day: date, skip_holidays: bool = True) -> date:
    """The last working day before `day` (simply the day before when holidays are not skipped)."""
    previous = day - timedelta(days=1)
    if not skip_holidays:
        return previous
    for _ in range(40):  # the longest run of days off (Spring Festival with weekends) is far shorter
        if is_workday(previous):
            return previous
        previous -= timedelta(days=1)
    return previous


def add_workdays(day: date, count: int) -> date:
    """The working day `count` working days after `day` (a notice's report-back date)."""
    current = day
    left = count
    while left > 0:
        current += timedelta(days=1)
        if is_workday(current):
            left -= 1
    return current
