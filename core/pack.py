"""The half-monthly dispatch pack (每半月调度会, SPEC §10): what the meeting is shown, for the period since the last
pack and cumulative, as plain figures the Word document, the Excel annex and the chart are drawn from.

The period runs from the previous dispatch day (included) to the pack's day (excluded): the pack goes out in
the morning and counts what was confirmed up to the end of the day before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from core.compliance import evidence_share
from core.early_warning import WatchFigures, combined
from core.ranking import completion_rate
from core.workdays import is_workday, previous_workday


@dataclass(frozen=True, slots=True)
class PackUnit:
    """One unit against its target: cumulative, before the period, in the period; its rank now and then."""

    unit_id: int
    unit: str
    leader_name: str
    target: Decimal
    recovered_before: Decimal  # confirmed by the start of the period
    recovered: Decimal  # confirmed by the end of the period (cumulative)
    cases: int
    settled: int
    rank: int  # at the end of the period
    rank_before: int  # at the start of the period

    @property
    def recovered_in_period(self) -> Decimal:
        """What the period added (negative when reversals took back more than was confirmed)."""
        return self.recovered - self.recovered_before

    @property
    def rate(self) -> Decimal:
        """Completion rate at the end of the period."""
        return completion_rate(self.recovered, self.target)

    @property
    def rate_before(self) -> Decimal:
        """Completion rate at the start of the period."""
        return completion_rate(self.recovered_before, self.target)

    @property
    def rank_change(self) -> int:
        """Places gained over the period (negative: places lost)."""
        return self.rank_before - self.rank


@dataclass(frozen=True, slots=True)
class PackOfficer:
    """An officer below the expected-progress line on their own target."""

    unit: str
    employee_no: str
    name: str
    target: Decimal
    recovered: Decimal
    cases: int

    @property
    def rate(self) -> Decimal:
        return completion_rate(self.recovered, self.target)


@dataclass(frozen=True, slots=True)
class PackNotice:
    """A notice of the period: its day, unit, reference and rung (core.ranking.RUNGS)."""

    day: date
    unit: str
    number: str
    rung: str


@dataclass(frozen=True, slots=True)
class PackReport:
    """A special report (报告) made in the period."""

    at: datetime
    unit: str
    officer: str
    loan_no: str  # "" when it names no case
    text: str


@dataclass(frozen=True, slots=True)
class PackInactive:
    """An officer with open cases who has recorded nothing for a while."""

    unit: str
    employee_no: str
    name: str
    last_entry: date | None  # None: nothing recorded in the campaign yet
    silent_days: int  # working days


@dataclass(frozen=True, slots=True)
class PackAccountability:
    """An accountability record (问责) of the period."""

    at: datetime
    unit: str
    subject: str  # the unit's name, or the person's name and employee number
    reason: str  # one of core.accountability.REASONS
    action: str  # one of core.accountability.ACTIONS
    note: str
    recorded_by: str


@dataclass(frozen=True, slots=True)
class PackLawsuit:
    """A lawsuit under way or ended in the period: its latest stage and how long each stage took."""

    unit: str
    loan_no: str
    borrower: str
    stage: str  # core.litigation.STAGES
    stage_day: date
    filed: date | None
    days_filed_to_judgment: int | None
    days_judgment_to_enforced: int | None
    missed_deadline: str  # "" or the kind of deadline missed: enforcement_due, seizure_lapses
    missed_on: date | None = None  # the day it passed
    missed_detail: str = ""  # what was seized


@dataclass(frozen=True, slots=True)
class PackAsset:
    """A foreclosed asset near (or past) its disposal deadline."""

    number: str
    unit: str
    name: str
    kind: str  # core.assets.KINDS
    state: str  # core.assets.STATES
    offset: Decimal
    appraisal: Decimal | None
    proceeds: Decimal | None
    deadline: date
    days_left: int  # negative: past it


@dataclass(frozen=True, slots=True)
class PackStatute:
    """An open case whose statute of limitations runs out soon (or has)."""

    unit: str
    loan_no: str
    borrower: str
    officer: str
    outstanding: Decimal
    expires: date
    days_left: int  # negative: expired


@dataclass(frozen=True, slots=True)
class PackComplaint:
    """A complaint about how a case is collected (投诉): made in the period, or still open, or closed in it."""

    number: int
    at: datetime
    unit: str
    loan_no: str
    borrower: str
    officer: str  # who holds the case
    text: str
    made_by: str
    closed_at: datetime | None = None  # None: still open
    closed_by: str = ""
    close_note: str = ""

    @property
    def open(self) -> bool:
        """Whether it still waits to be closed."""
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class PackFlagged:
    """A repayment reported in the period with flags (core.compliance.REPAYMENT_FLAGS), whatever became of it."""

    unit: str
    loan_no: str
    borrower: str
    amount: Decimal
    paid_on: date
    officer: str  # who reported it
    status: str  # reported, confirmed, rejected
    flags: tuple[str, ...]
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class PackBreaches:
    """An officer's contacts of the period that broke the contact rules: in all, and per flag
    (core.compliance.CONTACT_FLAGS; a contact breaking two rules counts once in all, once under each)."""

    unit: str
    officer: str
    total: int
    counts: tuple[tuple[str, int], ...]  # (flag, contacts)

    def count(self, flag: str) -> int:
        """The contacts that broke the rule `flag`."""
        return dict(self.counts).get(flag, 0)


@dataclass(frozen=True, slots=True)
class PackEvidence:
    """Visits of the period and how many carry a photo or a shared location: an officer's, or a unit's."""

    unit: str
    officer: str  # "" for a unit's officers together
    visits: int
    evidenced: int

    @property
    def share(self) -> Decimal:
        """Evidenced visits ÷ visits (走访留痕率), unrounded: 12 of 22 prints as 54.5%, not 54.6%."""
        return evidence_share(self.evidenced, self.visits)


@dataclass(frozen=True, slots=True)
class PackLoans:
    """A unit's new loans watched (在贷, SPEC §10 三) on the period's last day, as /status counts them."""

    unit: str
    figures: WatchFigures

    @property
    def flagged(self) -> bool:
        """Whether a loan is classified better than its days overdue allow, or a large one is overdue."""
        return self.figures.mismatched > 0 or self.figures.large_overdue > 0


@dataclass(frozen=True, slots=True)
class DispatchPack:
    """Everything one pack shows. Lists are in the order they are printed."""

    day: date  # the pack's day (a DISPATCH_DAYS day)
    period_start: date  # the previous pack's day
    expected: Decimal  # the expected-progress line at the end of the period (时间进度)
    expected_before: Decimal  # and at its start
    units: tuple[PackUnit, ...]  # ranked at the end of the period
    lagging_officers: tuple[PackOfficer, ...] = ()  # by unit in rank order, furthest behind first
    notices: tuple[PackNotice, ...] = ()
    reports: tuple[PackReport, ...] = ()
    inactive: tuple[PackInactive, ...] = ()
    accountability: tuple[PackAccountability, ...] = ()
    lawsuits: tuple[PackLawsuit, ...] = ()
    assets: tuple[PackAsset, ...] = ()
    statutes: tuple[PackStatute, ...] = ()
    complaints: tuple[PackComplaint, ...] = ()  # oldest first
    flagged: tuple[PackFlagged, ...] = ()  # oldest first
    breaches: tuple[PackBreaches, ...] = ()  # the most first
    evidence: tuple[PackEvidence, ...] = ()  # per officer, by unit and name
    # Units with new loans watched: the most over 90 days overdue first, then the most overdue, then by name.
    loans: tuple[PackLoans, ...] = ()
    issuer: str = "不良贷款清收工作专班"

    @property
    def period_end(self) -> date:
        """The last day the period counts."""
        return self.day - timedelta(days=1)

    @property
    def target(self) -> Decimal:
        return sum((u.target for u in self.units), Decimal(0))

    @property
    def recovered(self) -> Decimal:
        return sum((u.recovered for u in self.units), Decimal(0))

    @property
    def recovered_in_period(self) -> Decimal:
        return sum((u.recovered_in_period for u in self.units), Decimal(0))

    @property
    def rate(self) -> Decimal:
        return completion_rate(self.recovered, self.target)

    @property
    def unit_evidence(self) -> list[PackEvidence]:
        """Each unit's visits and evidenced visits, its officers' together: the lowest share first, then the
        most visits."""
        visits: dict[str, list[int]] = {}
        for officer in self.evidence:
            figures = visits.setdefault(officer.unit, [0, 0])
            figures[0] += officer.visits
            figures[1] += officer.evidenced
        units = [PackEvidence(unit, "", shown, evidenced) for unit, (shown, evidenced) in visits.items()]
        return sorted(units, key=lambda u: (u.share, -u.visits, u.unit))

    @property
    def loan_totals(self) -> WatchFigures:
        """The new loans of every unit together."""
        return combined(unit.figures for unit in self.loans)


def previous_dispatch_day(day: date, dispatch_days: Sequence[int]) -> date:
    """The dispatch day before `day` (DISPATCH_DAYS are days of the month, 1 and 16 by default)."""
    days = sorted(set(dispatch_days))
    earlier = [d for d in days if d < day.day]
    if earlier:
        return day.replace(day=earlier[-1])
    last_month = day.replace(day=1) - timedelta(days=1)
    # A day of the month past the month's end (31 in November) means its last day.
    return last_month.replace(day=min(days[-1], last_month.day))


def is_dispatch_day(day: date, dispatch_days: Sequence[int]) -> bool:
    """Whether the pack goes out on `day`."""
    return day.day in set(dispatch_days)


def period_start(day: date, dispatch_days: Sequence[int]) -> date:
    """The first day a pack on `day` counts: the dispatch day before the one `day` serves (the pack of a
    dispatch day serves it; one sent later, after a holiday, serves the latest before it)."""
    served = day if is_dispatch_day(day, dispatch_days) else previous_dispatch_day(day, dispatch_days)
    return previous_dispatch_day(served, dispatch_days)


def dispatch_due(day: date, dispatch_days: Sequence[int], skip_holidays: bool = True) -> bool:
    """Whether the pack goes out on `day`: a dispatch day, or the first working day after one that fell on a
    weekend or holiday (the meeting is held on a working day)."""
    if skip_holidays and not is_workday(day):
        return False
    before = previous_workday(day, skip_holidays)
    served = day if is_dispatch_day(day, dispatch_days) else previous_dispatch_day(day, dispatch_days)
    return before < served <= day
