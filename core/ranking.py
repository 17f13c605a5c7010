"""The daily ranking of units (每日排名) and who lags behind it: pure rules over the ledger's figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """What the ledger holds for one unit at the end of a ranking day, and at the end of the one before."""

    unit_id: int
    unit: str
    leader_name: str
    target: Decimal
    recovered: Decimal  # confirmed by the end of the day, net of reversals
    recovered_before: Decimal  # the same, by the end of the previous ranking day
    cases: int
    settled: int


@dataclass(frozen=True, slots=True)
class UnitStanding:
    """A unit's place in the day's ranking."""

    unit_id: int
    unit: str
    leader_name: str
    target: Decimal
    recovered: Decimal
    recovered_today: Decimal  # since the previous ranking day
    cases: int
    settled: int
    rate: Decimal  # recovered ÷ target
    rank: int
    previous_rank: int

    @property
    def rank_change(self) -> int:
        """Places gained since the previous ranking day (negative: places lost)."""
        return self.previous_rank - self.rank

    def gap(self, expected: Decimal) -> Decimal:
        """How far the completion rate is below the expected-progress line (0 when at or above it)."""
        return max(expected - self.rate, ZERO)

    def gap_amount(self, expected: Decimal) -> Decimal:
        """The yuan still to recover to reach the expected-progress line."""
        return gap_amount(self.target, self.recovered, expected)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Every unit, best completion rate first, with the expected-progress line of the day."""

    day: date
    expected: Decimal
    units: tuple[UnitStanding, ...]

    def lagging(self) -> list[UnitStanding]:
        """Units below the expected-progress line (SPEC §4), in rank order; a unit on or above it never lags."""
        return [u for u in self.units if u.rate < self.expected]


def gap_amount(target: Decimal, recovered: Decimal, expected: Decimal) -> Decimal:
    """The yuan still to recover to reach the expected-progress line on `target` (0 when on or above it)."""
    return max((target * expected).quantize(Decimal("0.01")) - recovered, ZERO)


def completion_rate(recovered: Decimal, target: Decimal) -> Decimal:
    """Recovered ÷ target, to four decimals; a unit with no target has no rate."""
    if target <= 0:
        return ZERO
    return (recovered / target).quantize(Decimal("0.0001"))


# Rates are shown to one decimal of a percent (12.3%); units whose shown rates are equal share a rank.
_SHOWN_RATE = Decimal("0.001")


def ranking_key(rate: Decimal, recovered: Decimal, name: str) -> tuple[Decimal, Decimal, str]:
    """The ranking's order, of units and of officers: best rate as shown first; equal shown rates by the
    larger amount recovered, then by name (or employee number), so the order is stable."""
    return (-rate.quantize(_SHOWN_RATE, ROUND_HALF_UP), -recovered, name)


def shared_ranks(rates: list[Decimal]) -> list[int]:
    """Ranks for rates in ranking order: equal shown rates share a rank, the next one skips (1, 1, 3)."""
    ranks: list[int] = []
    for position, rate in enumerate(rates, start=1):
        shown = rate.quantize(_SHOWN_RATE, ROUND_HALF_UP)
        tied = position > 1 and shown == rates[position - 2].quantize(_SHOWN_RATE, ROUND_HALF_UP)
        ranks.append(ranks[-1] if tied else position)
    return ranks


def rank_units(figures: list[UnitFigures], day: date, expected: Decimal) -> Ranking:
    """Rank the units by completion rate, today and as they stood at the end of the previous ranking day."""
    before = sorted(
        figures,
        key=lambda f: ranking_key(completion_rate(f.recovered_before, f.target), f.recovered_before, f.unit),
    )
    before_ranks = shared_ranks([completion_rate(f.recovered_before, f.target) for f in before])
    previous_rank = {f.unit_id: rank for f, rank in zip(before, before_ranks, strict=True)}
    now = sorted(
        figures, key=lambda f: ranking_key(completion_rate(f.recovered, f.target), f.recovered, f.unit)
    )
    ranks = shared_ranks([completion_rate(f.recovered, f.target) for f in now])
    units = tuple(
        UnitStanding(
            unit_id=f.unit_id,
            unit=f.unit,
            leader_name=f.leader_name,
            target=f.target,
            recovered=f.recovered,
            recovered_today=f.recovered - f.recovered_before,
            cases=f.cases,
            settled=f.settled,
            rate=completion_rate(f.recovered, f.target),
            rank=rank,
            previous_rank=previous_rank[f.unit_id],
        )
        for rank, f in zip(ranks, now, strict=True)
    )
    return Ranking(day, expected, units)


@dataclass(frozen=True, slots=True)
class OutstandingCase:
    """One of a unit's largest unsettled cases, as a notice lists it."""

    loan_no: str
    borrower: str
    officer: str
    outstanding: Decimal
    deadline: date
    status: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A supervision notice (督办函) to a lagging unit: everything its document says."""

    standing: UnitStanding
    total_units: int
    expected: Decimal
    overdue_cases: int
    largest: tuple[OutstandingCase, ...]
    issued: date
    reply_by: date
    number: str  # the notice's reference, running through the year: 清收督〔2026〕12号
    rung: str = "notice"  # its rung on the escalation ladder (RUNGS): each rung's letter reads differently
    # The notices the unit got earlier in this stretch below the line, oldest first: (day, number).
    earlier: tuple[tuple[date, str], ...] = ()
    issuer: str = "不良贷款清收工作专班"  # the issuing body's full name (CAMPAIGN_NAME)
    contact: str = ""  # the task force's contact person for the notice
    phone: str = ""  # and their telephone


def notice_window(grace_days: int, every_days: int) -> int:
    """How many working days of standings `notice_due` needs to decide, today included."""
    return max(grace_days, every_days + 1)


def below_streak(below: Sequence[bool]) -> int:
    """The working days in a row, up to today, that a unit ended below the line (as far as `below` reaches)."""
    streak = 0
    for is_below in reversed(below):
        if not is_below:
            break
        streak += 1
    return streak


def in_stretch(below: Sequence[bool], last_notice_ago: int | None) -> bool:
    """Whether the unit's latest earlier notice was issued in the stretch below the line it is in today, so
    that today's notice climbs a rung (a unit back above the line in between starts from the bottom)."""
    return last_notice_ago is not None and 0 < last_notice_ago < below_streak(below)


def notice_due(below: Sequence[bool], last_notice_ago: int | None, grace_days: int, every_days: int) -> bool:
    """Whether a unit below the line gets a notice today: after `grace_days` working days below it, then every
    `every_days` working days while it stays below; a unit back above the line starts again (SPEC §10).

    `below` is the unit's standing against the expected-progress line at the end of each of the last working
    days (`notice_window` of them), oldest first and today last. `last_notice_ago` counts the working days
    since its latest notice: 0 today, None never (or longer ago than `below` reaches).
    """
    if last_notice_ago == 0:
        return True  # today's notice stands: a job run again sends the same one
    streak = below_streak(below)
    if streak < grace_days:
        return False
    if last_notice_ago is None or last_notice_ago >= streak:
        return True  # no notice yet in this stretch below the line
    return last_notice_ago >= every_days


# The escalation ladder (SPEC §10): what a lagging unit's notices become, one rung a notice, while it stays below
# the line: 督办函, 再次督办, 约谈通知 (its main leader summoned), 问责建议 (to the leaders); then 问责建议 again.
RUNGS = ("notice", "second", "summons", "accountability")


def rung_of(earlier_in_stretch: int) -> str:
    """The rung of a notice due today, given how many the unit got earlier in this stretch below the line (a
    unit back above the line starts again from the bottom)."""
    return RUNGS[min(earlier_in_stretch, len(RUNGS) - 1)]


def notice_number(year: int, number: int) -> str:
    """A notice's reference (文号): its number runs through the year."""
    return f"清收督〔{year}〕{number}号"
