"""The campaign's calendar: start, end, time zone, and the expected-progress line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Campaign:
    """One recovery campaign (专项清收行动): the window every deadline and date is checked against."""

    start: date
    end: date
    zone: ZoneInfo

    def today(self, now: datetime | None = None) -> date:
        """The current day in the campaign's time zone."""
        return (now or datetime.now(UTC)).astimezone(self.zone).date()

    def expected_progress(self, day: date) -> Decimal:
        """The elapsed share of the campaign at the end of `day`, from 0 to 1 (the expected-progress line)."""
        total = (self.end - self.start).days + 1
        elapsed = min(max((day - self.start).days + 1, 0), total)
        return (Decimal(elapsed) / Decimal(total)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def format_rate(rate: Decimal) -> str:
    """A share as a percentage with one decimal: 0.1234 -> 12.3%."""
    return f"{(rate * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def format_points(above: Decimal, below: Decimal) -> str:
    """How many percentage points `below` is under `above`, as the difference of the two rates as shown
    (91.0% and 30.9% are 60.1 points apart), so that a reader's own subtraction agrees."""
    shown_above = (above * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    shown_below = (below * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return str(max(shown_above - shown_below, Decimal("0.0")))
