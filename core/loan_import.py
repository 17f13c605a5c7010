"""The 在贷 sheet's loans checked against the ledger and the file (SPEC §10, 三): every new loan has a responsible
person of its own unit; new loans are added, changed ones updated field by field (each change in the audit log),
the same file twice changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import attrgetter

from core.columns import LOAN_COLUMNS, LOANS_SHEET, header_of
from core.errors import UserError
from core.records import LOAN_FIELDS, Change, LoanRecord, Problem, ProblemLog

# Who may answer for a loan: the unit's officers and its leads.
RESPONSIBLE_ROLES = ("officer", "unit_lead")
_COMPARED = attrgetter(*LOAN_FIELDS)
_NUMBER, _PERSON, _UNIT, _BAD = (attrgetter(name) for name in ("loan_no", "officer_no", "unit", "bad"))


@dataclass(frozen=True, slots=True)
class Holder:
    """A person as a loan's responsible person must be: of the loan's unit, in a role that holds loans, active."""

    unit: str | None
    role: str
    active: bool = True


@dataclass(slots=True)
class LoanPlan:
    """What the 在贷 sheet will write."""

    new: list[LoanRecord] = field(default_factory=list)
    changed: list[tuple[LoanRecord, Change]] = field(default_factory=list)
    unchanged: int = 0


def plan_loans(
    records: list[LoanRecord],
    existing: Mapping[str, LoanRecord],
    units: set[str],
    people: Mapping[str, Holder],
    problems: ProblemLog,
) -> LoanPlan:
    """Check each loan (rows with a bad cell were reported when read) and sort them into new, changed and
    unchanged; `units` and `people` are the ledger's as this import leaves them."""
    plan = LoanPlan()
    seen: set[str] = set()
    # Who may answer for a loan of which unit: the pairs of a responsible person's number and their unit.
    answerable = {
        (number, holder.unit)
        for number, holder in people.items()
        if holder.active and holder.role in RESPONSIBLE_ROLES and holder.unit in units
    }
    numbers = list(map(_NUMBER, records))
    if (
        not any(map(_BAD, records))
        and len(set(numbers)) == len(numbers)
        and answerable.issuperset(zip(map(_PERSON, records), map(_UNIT, records), strict=True))
        and existing.keys().isdisjoint(numbers)
    ):
        plan.new = list(records)  # good loans, all new (a first import): checked a column at a time
        return plan
    for record in records:
        if record.bad:
            continue
        if record.loan_no in seen or (record.officer_no, record.unit) not in answerable:
            for problem in _problems(record, seen, units, people):
                problems.add(problem)
            seen.add(record.loan_no)
            continue
        seen.add(record.loan_no)
        old = existing.get(record.loan_no)
        if old is None:
            plan.new.append(record)
            continue
        if _COMPARED(old) == _COMPARED(record):
            plan.unchanged += 1
            continue
        diff = {
            name: (getattr(old, name), getattr(record, name))
            for name in LOAN_FIELDS
            if getattr(old, name) != getattr(record, name)
        }
        plan.changed.append((record, Change("loan", record.loan_no, diff)))
    return plan


def _problems(
    record: LoanRecord, seen: set[str], units: set[str], people: Mapping[str, Holder]
) -> list[Problem]:
    def problem(column: str, key: str, **params: object) -> Problem:
        return Problem(LOANS_SHEET, record.row, header_of(LOAN_COLUMNS, column), UserError(key, **params))

    if record.loan_no in seen:
        return [problem("loan_no", "import.duplicate_loan", loan_no=record.loan_no)]
    if record.unit not in units:
        return [problem("unit", "import.unknown_unit", value=record.unit)]
    holder = people.get(record.officer_no)
    if holder is None or not holder.active:
        return [problem("officer_no", "import.loan_no_person", employee_no=record.officer_no)]
    if holder.role not in RESPONSIBLE_ROLES:
        return [problem("officer_no", "import.loan_person_not_officer", employee_no=record.officer_no)]
    if holder.unit != record.unit:
        return [
            problem(
                "officer_no",
                "import.loan_person_other_unit",
                employee_no=record.officer_no,
                unit=holder.unit or "—",
                loan_unit=record.unit,
            )
        ]
    return []
