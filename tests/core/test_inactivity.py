"""An officer's silence in working days (holidays not counted) and whom it reaches: the officer after 3, the unit
lead after 5, the leaders after 10, each once per stretch."""

from __future__ import annotations

from datetime import date

import pytest

from core.inactivity import rungs_reached, silent_working_days


@pytest.mark.parametrize(
    ("last_entry", "today", "silent"),
    [
        (date(2026, 11, 23), date(2026, 11, 24), 0),  # Monday's entry, Tuesday morning: nothing missed yet
        (date(2026, 11, 23), date(2026, 11, 27), 3),  # Tuesday to Thursday, on Friday morning
        (
            date(2026, 11, 27),
            date(2026, 11, 30),
            0,
        ),  # Friday's entry, Monday morning: a weekend is no silence
        (date(2026, 11, 23), date(2026, 11, 30), 4),
        # National Day 2026: 1–7 October off, Saturday the 10th worked in their place.
        (date(2026, 9, 29), date(2026, 10, 8), 1),  # the 30th only
        (date(2026, 9, 29), date(2026, 10, 9), 2),  # the 30th and the 8th
        (date(2026, 9, 29), date(2026, 10, 12), 4),  # the 30th, the 8th, the 9th and the 10th (a make-up day)
    ],
)
def test_silence_counts_working_days_only(last_entry: date, today: date, silent: int) -> None:
    assert silent_working_days(last_entry, today) == silent


@pytest.mark.parametrize(
    ("silent", "reached"),
    [
        (2, ()),
        (3, ("nudge",)),
        (4, ("nudge",)),
        (5, ("nudge", "lead")),
        (9, ("nudge", "lead")),
        (10, ("nudge", "lead", "leaders")),
        (30, ("nudge", "lead", "leaders")),
    ],
)
def test_whom_a_silence_reaches(silent: int, reached: tuple[str, ...]) -> None:
    assert rungs_reached(silent, inactive_days=3) == reached


def test_a_longer_grace_than_the_leads_is_not_skipped() -> None:
    # INACTIVE_DAYS set to 7: the officer first, the lead no earlier than the officer.
    assert rungs_reached(5, inactive_days=7) == ()
    assert rungs_reached(7, inactive_days=7) == ("nudge", "lead")
