"""Read-only views of the ledger that handlers show to people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person of the task force as the bot sees them."""

    id: int
    name: str
    employee_no: str
    role: str
    unit_id: int | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class CaseView:
    """One loan with what is still owed on it."""

    id: int
    loan_no: str
    borrower: str
    id_number: str
    phone: str
    unit_id: int
    unit: str
    officer_id: int
    officer_name: str
    officer_no: str
    principal: Decimal
    interest: Decimal
    principal_remaining: Decimal
    interest_remaining: Decimal
    classification: str
    difficulty: str
    deadline: date
    plan: str
    statute_date: date | None
    status: str
    status_reason: str
    priority: int
    last_contact_at: datetime | None

    @property
    def outstanding(self) -> Decimal:
        """Principal plus interest still owed."""
        return self.principal_remaining + self.interest_remaining

    @property
    def recovered(self) -> Decimal:
        """What confirmed repayments have brought back."""
        return self.principal + self.interest - self.outstanding


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One line of a case's history: a contact, a repayment, a lawsuit stage (its stage in `outcome`, its
    day in `day`), a status change or a special report."""

    at: datetime
    kind: str  # "contact" | "repayment" | "lawsuit" | "status" | "report"
    person: str
    channel: str = ""
    outcome: str = ""
    amount: Decimal | None = None
    day: date | None = None
    status: str = ""
    note: str = ""
    reversed: bool = False  # this entry is the reversal of an earlier one
    undone: bool = False  # a later entry reversed this one
    flags: tuple[str, ...] = ()  # a contact's or repayment's flags (core.compliance)


@dataclass(frozen=True, slots=True)
class ContactEntry:
    """A contact as recorded, with its promise if one was made."""

    id: int
    loan_no: str
    channel: str
    outcome: str
    at: datetime
    promise_amount: Decimal | None
    promise_date: date | None
    reverses_id: int | None = None
    flags: tuple[str, ...] = ()  # the contact rules it broke (core.compliance.CONTACT_FLAGS)


@dataclass(frozen=True, slots=True)
class PendingRepayment:
    """A reported repayment waiting for its unit lead."""

    id: int
    loan_no: str
    borrower: str
    unit_id: int
    amount: Decimal
    paid_on: date
    method: str
    reporter_id: int
    reporter: str
    evidence: str | None
    note: str
    reporter_no: str = ""
    flags: tuple[str, ...] = ()  # what the lead should look at (core.compliance.REPAYMENT_FLAGS)


@dataclass(frozen=True, slots=True)
class PromiseDue:
    """An open promise to pay and when it falls due."""

    loan_no: str
    borrower: str
    amount: Decimal
    due_on: date


@dataclass(frozen=True, slots=True)
class OfficerProgress:
    """An officer's cases and what they recovered."""

    employee_no: str
    name: str
    cases: int
    settled: int
    start_balance: Decimal
    recovered: Decimal
    # The officer's own target (SPEC §10); None where no unit target reaches them.
    target: Decimal | None = None

    @property
    def aim(self) -> Decimal:
        """What the officer's rate is reckoned against: their own target, or the balances they started with
        when they have none."""
        return self.start_balance if self.target is None else self.target

    @property
    def rate(self) -> Decimal:
        """Recovered ÷ the officer's aim."""
        return Decimal(0) if self.aim <= 0 else (self.recovered / self.aim).quantize(Decimal("0.0001"))


@dataclass(frozen=True, slots=True)
class RecordedStage:
    """A lawsuit stage as recorded on a case (or the undoing of one, `reverses_id` set)."""

    id: int
    loan_no: str
    stage: str
    reached_on: date
    court: str = ""
    case_number: str = ""
    proceeding: str | None = None
    claimed: Decimal | None = None
    costs: Decimal | None = None
    note: str = ""
    reverses_id: int | None = None


@dataclass(frozen=True, slots=True)
class AssetView:
    """A foreclosed asset as it stands: what it is and settled, who keeps it, its state and figures, and a
    disposal waiting for a leader's confirmation (its step's id and why it waits) if any."""

    id: int
    number: str
    loan_no: str
    borrower: str
    unit_id: int
    kind: str
    name: str
    title_no: str
    offset_amount: Decimal
    received_on: date
    custodian: str
    custodian_no: str
    custodian_id: int
    state: str
    reserve: Decimal | None
    appraisal: Decimal | None
    proceeds: Decimal | None
    registered_by_id: int
    repayment_status: str | None  # of its offset's repayment: reported, confirmed, rejected; None if imported
    void: bool = False  # its offset was rejected or undone: the registration no longer counts
    waiting_disposal: int | None = None
    waits_for: str | None = None


@dataclass(frozen=True, slots=True)
class AssetStepView:
    """One step of an asset's history, as the card lists it."""

    id: int
    action: str
    on: date
    amount: Decimal | None
    party: str
    method: str | None
    until: date | None
    waits_for: str | None
    decides_id: int | None
    note: str
    person: str
    at: datetime
    person_id: int = 0
