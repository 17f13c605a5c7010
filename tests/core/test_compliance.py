"""Each flag of SPEC §10 fires exactly at its threshold and not below it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.compliance import contact_flags, repayment_flags

REPORTED = date(2026, 11, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("days_before", "flagged"),
    [(0, False), (3, False), (4, True), (30, True)],
)
def test_a_repayment_dated_more_than_three_days_before_its_report_is_flagged(
    days_before: int, flagged: bool
) -> None:
    flags = repayment_flags(
        Decimal("1000"), REPORTED - timedelta(days=days_before), REPORTED, "transfer", False
    )
    assert ("backdated" in flags) is flagged


@pytest.mark.parametrize(
    ("others", "flagged"),
    [
        ((), False),
        ((date(2026, 11, 22),), False),  # eight days apart
        ((date(2026, 11, 23),), True),  # seven days apart
        ((date(2026, 11, 30),), True),  # the same day: reported twice
        ((date(2026, 12, 7),), True),  # an earlier report dated later (it may be)
        ((date(2026, 12, 8),), False),
    ],
)
def test_the_same_amount_on_the_same_case_within_seven_days_is_flagged(
    others: tuple[date, ...], flagged: bool
) -> None:
    flags = repayment_flags(Decimal("1000"), REPORTED, REPORTED, "cash", False, others)
    assert ("duplicate" in flags) is flagged


@pytest.mark.parametrize(
    ("amount", "method", "photo", "flagged"),
    [
        ("50000", "cash", False, False),  # at the threshold: not over it
        ("50000.01", "cash", False, True),
        ("50000.01", "cash", True, False),  # the receipt's photo came with it
        ("80000", "transfer", False, False),  # a transfer leaves its own trace
    ],
)
def test_cash_over_fifty_thousand_without_a_photo_is_flagged(
    amount: str, method: str, photo: bool, flagged: bool
) -> None:
    flags = repayment_flags(Decimal(amount), REPORTED, REPORTED, method, photo)
    assert ("cash_without_photo" in flags) is flagged


def test_a_repayment_may_carry_several_flags_in_their_order() -> None:
    flags = repayment_flags(Decimal("60000"), date(2026, 11, 1), REPORTED, "cash", False, [date(2026, 11, 3)])
    assert flags == ("backdated", "duplicate", "cash_without_photo")


@pytest.mark.parametrize(
    ("hour", "minute", "second", "flagged"),
    [
        (7, 59, 59, True),
        (8, 0, 0, False),
        (21, 59, 0, False),
        (22, 0, 0, False),
        (22, 0, 1, True),
        (22, 30, 0, True),
        (2, 0, 0, True),
    ],
)
def test_a_contact_outside_eight_to_ten_is_flagged(
    hour: int, minute: int, second: int, flagged: bool
) -> None:
    at = datetime(2026, 11, 30, hour, minute, second, tzinfo=SHANGHAI)
    assert ("outside_hours" in contact_flags(at, 0)) is flagged


@pytest.mark.parametrize(("earlier", "flagged"), [(0, False), (2, False), (3, True), (5, True)])
def test_the_fourth_contact_with_one_borrower_in_a_day_is_flagged(earlier: int, flagged: bool) -> None:
    at = datetime(2026, 11, 30, 10, tzinfo=SHANGHAI)
    assert ("too_many" in contact_flags(at, earlier)) is flagged
