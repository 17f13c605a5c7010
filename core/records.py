"""Plain records of the ledger as the import, the export and the demo hand them to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.columns import CASES_SHEET, PEOPLE_SHEET, UNITS_SHEET
from core.errors import UserError

# Problems listed for one import: a clerk fixes a file from the first few hundred, and a file of garbage rows
# (one run had 785,072) must not fill the memory or the screen. The rest are counted.
PROBLEMS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """A member unit (信用社/支行/部门). `target` None means: the sum of its cases' balances."""

    name: str
    leader_name: str = ""
    target: Decimal | None = None
    row: int = 0
    # Fields whose cells could not be read: the other checks still run on the rest of the row.
    bad: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person of the task force; leaders and admins may have no unit."""

    name: str
    employee_no: str
    unit: str | None
    role: str
    mobile: str = ""
    # The officer's own target; None: a share of the unit's (core.targets).
    target: Decimal | None = None
    row: int = 0
    # Fields whose cells could not be read: the other checks still run on the rest of the row.
    bad: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """One loan as imported: balances at the campaign start."""

    loan_no: str
    borrower: str
    unit: str
    officer_no: str
    principal: Decimal
    interest: Decimal
    classification: str
    difficulty: str
    deadline: date
    id_number: str = ""
    phone: str = ""
    plan: str = ""
    statute_date: date | None = None
    row: int = 0
    # Fields whose cells could not be read: the other checks still run on the rest of the row.
    bad: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LawsuitRecord:
    """One lawsuit stage as imported (the 诉讼 sheet): a stage a case's litigation reached before the campaign."""

    loan_no: str
    stage: str
    reached_on: date | None
    court: str = ""
    case_number: str = ""
    note: str = ""
    row: int = 0
    bad: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """One foreclosed asset as imported (the 抵债资产 sheet): taken for a case's debt before the campaign, its
    offset already out of the imported balance."""

    number: str
    loan_no: str
    kind: str
    name: str
    offset: Decimal
    received_on: date | None
    state: str
    title_no: str = ""
    appraisal: Decimal | None = None
    appraiser: str = ""
    appraised_on: date | None = None
    custodian_no: str = ""
    row: int = 0
    bad: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LoanRecord:
    """One new loan as imported (the 在贷 sheet, SPEC §10): who answers for it, what was lent and is owed, and
    how it stands as of the import (days overdue, classification)."""

    loan_no: str
    borrower: str
    unit: str
    officer_no: str
    amount: Decimal
    balance: Decimal
    disbursed_on: date | None
    matures_on: date | None
    days_overdue: int
    classification: str
    id_number: str = ""
    row: int = 0
    bad: frozenset[str] = frozenset()


# Which fields of each record an import compares and may change (`row` is where it came from, not data).
UNIT_FIELDS = ("leader_name", "target")
PERSON_FIELDS = ("name", "unit", "role", "mobile", "target")
# A new loan's: a monthly re-import updates what changed, each change in the audit log.
LOAN_FIELDS = (
    "borrower",
    "id_number",
    "unit",
    "officer_no",
    "amount",
    "balance",
    "disbursed_on",
    "matures_on",
    "days_overdue",
    "classification",
)
CASE_FIELDS = (
    "borrower",
    "id_number",
    "phone",
    "unit",
    "officer_no",
    "principal",
    "interest",
    "classification",
    "difficulty",
    "deadline",
    "plan",
    "statute_date",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad cell of an import: where it is and what is wrong with it."""

    sheet: str
    row: int
    column: str
    error: UserError

    def render(self, language: str = "zh") -> str:
        """The line shown to the clerk (a problem of the sheet as a whole has no row)."""
        from core.texts import render

        if self.row == 0:
            return render(
                "import.sheet_problem", language, sheet=self.sheet, message=self.error.render(language)
            )
        return render(
            "import.problem",
            language,
            sheet=self.sheet,
            row=self.row,
            column=self.column,
            message=self.error.render(language),
        )


_SHEET_ORDER = {UNITS_SHEET: 0, PEOPLE_SHEET: 1, CASES_SHEET: 2}


def problem_order(problem: Problem) -> tuple[int, int, str]:
    """Problems are listed sheet by sheet (units, people, cases), then by row and column."""
    return (_SHEET_ORDER.get(problem.sheet, 9), problem.row, problem.column)


class ProblemLog:
    """The problems of one import: the first `shown` (by sheet, row and column) are kept, all are counted."""

    def __init__(self, shown: int = PROBLEMS_SHOWN) -> None:
        self.shown = shown
        self.count = 0
        self._kept: list[Problem] = []

    def add(self, problem: Problem) -> None:
        """Count a problem; keep it while it may be among the first `shown`."""
        self.count += 1
        self._kept.append(problem)
        # Sorting once per `shown` additions keeps both the memory and the work bounded, whatever the order
        # problems arrive in.
        if len(self._kept) >= 2 * self.shown:
            self._trim()

    def first(self) -> list[Problem]:
        """The problems to list, in order."""
        self._trim()
        return list(self._kept)

    @property
    def unlisted(self) -> int:
        """How many problems there are beyond those listed."""
        return self.count - min(self.count, self.shown)

    def _trim(self) -> None:
        self._kept.sort(key=problem_order)
        del self._kept[self.shown :]


@dataclass(frozen=True, slots=True)
class Change:
    """One field-level change an import makes to an existing unit, person or case."""

    entity: str  # "unit" | "person" | "case"
    ref: str  # unit name, employee number or loan number
    fields: dict[str, tuple[object, object]]  # name -> (old, new)


@dataclass(slots=True)
class ImportPlan:
    """What an import will write: new records, changed ones, and how many rows matched the ledger."""

    new_units: list[UnitRecord] = field(default_factory=list)
    new_people: list[PersonRecord] = field(default_factory=list)
    new_cases: list[CaseRecord] = field(default_factory=list)
    changed_units: list[tuple[UnitRecord, Change]] = field(default_factory=list)
    changed_people: list[tuple[PersonRecord, Change]] = field(default_factory=list)
    changed_cases: list[tuple[CaseRecord, Change]] = field(default_factory=list)
    unchanged: int = 0
    # People of the ledger left out of a 人员 sheet: deactivated (never deleted) and unbound; and people
    # deactivated before who are in the sheet again.
    deactivated: list[PersonRecord] = field(default_factory=list)
    reactivated: list[PersonRecord] = field(default_factory=list)

    @property
    def created(self) -> int:
        """How many records the import adds."""
        return len(self.new_units) + len(self.new_people) + len(self.new_cases)

    @property
    def changes(self) -> list[Change]:
        """Every field-level change, units first."""
        return [c for _, c in self.changed_units + self.changed_people + self.changed_cases]


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """What an import compares against: the ledger's current units, people and cases."""

    units: dict[str, UnitRecord]
    people: dict[str, PersonRecord]
    cases: dict[str, CaseRecord]
    # Principal and interest already recovered (confirmed) per loan: a new balance may not go below them.
    recovered: dict[str, tuple[Decimal, Decimal]]
    # Employee numbers of people deactivated before, and each person's open cases (loan numbers).
    inactive: frozenset[str] = frozenset()
    open_cases: dict[str, frozenset[str]] = field(default_factory=dict)
