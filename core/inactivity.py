"""Inactivity (消极应付, SPEC §10): how long an officer with open cases has recorded nothing, in working days, and
whom that is told: the officer after INACTIVE_DAYS, the unit lead after 5, the leaders after 10.

Each is told once per stretch of silence: a stretch is named by the day of the officer's last entry (or the day
they joined the campaign), and the store records who was told of which (store/inactivity.py), so a job that runs
again, or misses a day, neither repeats nor loses a line.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.workdays import is_workday

LEAD_AFTER = 5
LEADERS_AFTER = 10
# Whom each rung tells, in order.
RUNGS = ("nudge", "lead", "leaders")


def silent_working_days(last_entry: date, today: date) -> int:
    """The whole working days since the officer's last entry (or since their cases came in), before today:
    weekends and public holidays don't count, nor does today (it is not over)."""
    day = last_entry + timedelta(days=1)
    count = 0
    while day < today:
        if is_workday(day):
            count += 1
        day += timedelta(days=1)
    return count


def rungs_reached(silent: int, inactive_days: int) -> tuple[str, ...]:
    """Whom a silence of `silent` working days has reached: the officer (after `inactive_days`), the unit lead
    (after 5) and the leaders (after 10), as far as it goes."""
    thresholds = (inactive_days, max(LEAD_AFTER, inactive_days), max(LEADERS_AFTER, inactive_days))
    return tuple(rung for rung, after in zip(RUNGS, thresholds, strict=True) if silent >= after)
