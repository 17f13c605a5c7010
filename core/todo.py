"""An officer's morning to-do (每日待办) and a unit lead's digest: what the store finds, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from core.views import AssetView


@dataclass(frozen=True, slots=True)
class TodoCase:
    """One open case on an officer's to-do, with every reason it is there."""

    loan_no: str
    borrower: str
    outstanding: Decimal
    deadline: date
    priority: int
    last_contact_at: datetime | None
    overdue: bool
    due_soon: bool
    stale: bool
    promise_due_on: date | None = None  # an open promise falling due today or tomorrow
    promise_amount: Decimal | None = None
    broken_due_on: date | None = None  # a promise found broken this morning
    broken_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TodoCounts:
    """How many of an officer's (or a unit's) open cases need what."""

    cases: int = 0
    overdue: int = 0
    due_soon: int = 0
    promises_due: int = 0
    broken: int = 0
    stale: int = 0

    def __add__(self, other: TodoCounts) -> TodoCounts:
        return TodoCounts(
            self.cases + other.cases,
            self.overdue + other.overdue,
            self.due_soon + other.due_soon,
            self.promises_due + other.promises_due,
            self.broken + other.broken,
            self.stale + other.stale,
        )


@dataclass(slots=True)
class OfficerTodo:
    """An officer's to-do: the counts, and the highest-priority cases first."""

    person_id: int
    name: str
    unit_id: int | None
    counts: TodoCounts
    cases: list[TodoCase] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LegalItem:
    """A legal matter on a case that needs doing today: the statute of limitations at a warning day or run
    out, enforcement to be applied for, a seizure about to lapse, a lawsuit stuck too long."""

    officer_id: int
    officer: str
    unit_id: int | None
    loan_no: str
    borrower: str
    kind: str  # statute_warning, statute_expired, enforcement_due, seizure_lapses, slow
    day: date  # the deadline (or, for a slow lawsuit, the day its stage began)
    days: int  # days left until `day` (negative: missed); for a slow lawsuit, days since
    detail: str = ""  # what was seized; the stage a lawsuit is stuck at

    def urgency(self) -> tuple[bool, int, str]:
        """The order in which the matters are read: deadlines missed or closest first (a run-out statute
        among them), then lawsuits stuck longest."""
        slow = self.kind == "slow"
        return slow, -self.days if slow else self.days, self.loan_no


@dataclass(frozen=True, slots=True)
class AssetItem:
    """A foreclosed asset whose disposal deadline needs telling today: 90 or 30 days before it, or past it."""

    asset: AssetView
    due_on: date
    days: int  # days left until `due_on` (negative: overdue)
