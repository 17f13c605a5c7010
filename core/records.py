"""Plain records of the ledger as the import, the export and the demo hand them to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.errors import UserError


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


# Which fields of each record an import compares and may change (`row` is where it came from, not data).
UNIT_FIELDS = ("leader_name", "target")
PERSON_FIELDS = ("name", "unit", "role", "mobile")
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
        """The line shown to the clerk."""
        from core.texts import render

        return render(
            "import.problem",
            language,
            sheet=self.sheet,
            row=self.row,
            column=self.column,
            message=self.error.render(language),
        )


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
