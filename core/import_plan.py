"""Comparing an import with the ledger: what to create, what changed, and every problem (SPEC §7)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from core.columns import (
    CASE_COLUMNS,
    CASES_SHEET,
    PEOPLE_SHEET,
    PERSON_COLUMNS,
    UNIT_COLUMNS,
    UNITS_SHEET,
    Column,
    header_of,
)
from core.errors import UserError
from core.money import format_yuan
from core.records import (
    CASE_FIELDS,
    PERSON_FIELDS,
    UNIT_FIELDS,
    CaseRecord,
    Change,
    ImportPlan,
    LedgerSnapshot,
    PersonRecord,
    Problem,
    ProblemLog,
    UnitRecord,
)

UNIT_BOUND_ROLES = ("officer", "unit_lead")
R = TypeVar("R", UnitRecord, PersonRecord, CaseRecord)


def plan_import(
    snapshot: LedgerSnapshot,
    units: Sequence[UnitRecord],
    people: Sequence[PersonRecord],
    cases: Sequence[CaseRecord],
    log: ProblemLog | None = None,
    people_sheet: bool = False,
    people_targets: bool = True,
) -> tuple[ImportPlan, list[Problem]]:
    """Check the records against each other and the ledger; return the plan and the first problems found.

    The problems go into `log` (a new one if none is given) beside any it holds already, such as those of
    reading the file; what is returned is the log's first problems, so nothing returned means none at all.
    With `people_sheet` the file gave the whole 人员 sheet: people of the ledger missing from it are to be
    deactivated, unless they still hold open cases the import does not hand to someone else. Without
    `people_targets` the file's 人员 sheet had no target column: the officers' targets stay as they are.
    """
    problems = ProblemLog() if log is None else log
    units = _unique(units, "name", UNITS_SHEET, UNIT_COLUMNS, problems)
    people = _unique(people, "employee_no", PEOPLE_SHEET, PERSON_COLUMNS, problems)
    cases = _unique(cases, "loan_no", CASES_SHEET, CASE_COLUMNS, problems)

    unit_names = set(snapshot.units) | {u.name for u in units}
    listed = {p.employee_no for p in people}
    # Who may be responsible for a case: with the whole people sheet, only those it lists.
    unit_of_person = {
        no: p.unit
        for no, p in snapshot.people.items()
        if (no in listed if people_sheet else no not in snapshot.inactive)
    }
    unit_of_person.update({p.employee_no: p.unit for p in people})
    if not people_targets:
        # A 人员 sheet without the target column leaves the officers' targets as they are.
        people = [
            replace(p, target=snapshot.people[p.employee_no].target)
            if p.employee_no in snapshot.people
            else p
            for p in people
        ]
    for person in people:
        _check_person(person, unit_names, problems)
    _check_officer_targets(snapshot, units, people, problems)
    for case in cases:
        _check_case(case, unit_names, unit_of_person, snapshot, problems)

    plan = ImportPlan()
    if people_sheet:
        _plan_departures(snapshot, listed, cases, plan, problems)
        plan.reactivated = [p for p in people if p.employee_no in snapshot.inactive]
    _compare(units, snapshot.units, "name", UNIT_FIELDS, "unit", plan.new_units, plan.changed_units, plan)
    _compare(
        people,
        snapshot.people,
        "employee_no",
        PERSON_FIELDS,
        "person",
        plan.new_people,
        plan.changed_people,
        plan,
    )
    _compare(cases, snapshot.cases, "loan_no", CASE_FIELDS, "case", plan.new_cases, plan.changed_cases, plan)
    return plan, problems.first()


def _problem(
    problems: ProblemLog,
    sheet: str,
    columns: tuple[Column, ...],
    row: int,
    field: str,
    key: str,
    **params: object,
) -> None:
    problems.add(Problem(sheet, row, header_of(columns, field), UserError(key, **params)))


def _check_person(person: PersonRecord, unit_names: set[str], problems: ProblemLog) -> None:
    """A person's unit: known, and given to those whose role belongs to one; a target for officers only."""
    if "unit" in person.bad or "role" in person.bad:
        return
    if person.target is not None and person.role != "officer":
        _problem(problems, PEOPLE_SHEET, PERSON_COLUMNS, person.row, "target", "import.target_not_officer")
    if person.unit is None:
        if person.role in UNIT_BOUND_ROLES:
            _problem(
                problems, PEOPLE_SHEET, PERSON_COLUMNS, person.row, "unit", "import.unit_required_for_role"
            )
    elif person.unit not in unit_names:
        _problem(
            problems,
            PEOPLE_SHEET,
            PERSON_COLUMNS,
            person.row,
            "unit",
            "import.unknown_unit",
            value=person.unit,
        )


def _check_officer_targets(
    snapshot: LedgerSnapshot,
    units: Sequence[UnitRecord],
    people: Sequence[PersonRecord],
    problems: ProblemLog,
) -> None:
    """The officers' own targets of a unit with a target of its own add up to no more than it."""
    unit_targets = {name: unit.target for name, unit in snapshot.units.items()}
    unit_targets.update({unit.name: unit.target for unit in units})
    everyone = dict(snapshot.people)
    everyone.update({person.employee_no: person for person in people})
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for person in everyone.values():
        if person.target is not None and person.role == "officer" and person.unit is not None:
            totals[person.unit] += person.target
    for unit, total in sorted(totals.items()):
        unit_target = unit_targets.get(unit)
        if unit_target is None or total <= unit_target:
            continue
        rows = [p.row for p in people if p.unit == unit and p.target is not None]
        _problem(
            problems,
            PEOPLE_SHEET,
            PERSON_COLUMNS,
            max(rows, default=0),
            "target",
            "import.officer_targets_above_unit",
            unit=unit,
            total=format_yuan(total),
            target=format_yuan(unit_target),
        )


def _check_case(
    case: CaseRecord,
    unit_names: set[str],
    unit_of_person: dict[str, str | None],
    snapshot: LedgerSnapshot,
    problems: ProblemLog,
) -> None:
    """A case's unit and officer are known and agree; its balances are not below what was recovered."""
    problem = functools.partial(_problem, problems, CASES_SHEET, CASE_COLUMNS, case.row)
    if "unit" not in case.bad and case.unit not in unit_names:
        problem("unit", "import.unknown_unit", value=case.unit)
    if "officer_no" in case.bad:
        pass
    elif case.officer_no not in unit_of_person:
        problem("officer_no", "import.unknown_officer", value=case.officer_no)
    elif unit_of_person[case.officer_no] != case.unit and case.unit in unit_names:
        unit = unit_of_person[case.officer_no] or "—"
        problem("officer_no", "import.officer_other_unit", value=case.officer_no, unit=unit)
    principal_paid, interest_paid = snapshot.recovered.get(case.loan_no, (Decimal(0), Decimal(0)))
    for field, balance, paid in (
        ("principal", case.principal, principal_paid),
        ("interest", case.interest, interest_paid),
    ):
        if field not in case.bad and balance < paid:
            problem(field, "import.balance_below_paid", balance=format_yuan(balance), paid=format_yuan(paid))


def _plan_departures(
    snapshot: LedgerSnapshot,
    listed: set[str],
    cases: Sequence[CaseRecord],
    plan: ImportPlan,
    problems: ProblemLog,
) -> None:
    """People of the ledger missing from the whole 人员 sheet: deactivated, unless they keep open cases."""
    handed_on = {c.loan_no: c.officer_no for c in cases}
    for no, person in sorted(snapshot.people.items()):
        if no in listed or no in snapshot.inactive:
            continue
        kept = sorted(
            loan for loan in snapshot.open_cases.get(no, frozenset()) if handed_on.get(loan, no) == no
        )
        if not kept:
            plan.deactivated.append(person)
            continue
        problems.add(
            Problem(
                PEOPLE_SHEET,
                0,
                "",
                UserError(
                    "import.missing_person_has_cases",
                    employee_no=no,
                    name=person.name,
                    count=len(kept),
                    loans="、".join(kept[:5]) + ("…" if len(kept) > 5 else ""),
                ),
            )
        )


def _unique(
    records: Iterable[R], key: str, sheet: str, columns: tuple[Column, ...], problems: ProblemLog
) -> list[R]:
    first_row: dict[str, int] = {}
    kept: list[R] = []
    for record in records:
        value = getattr(record, key)
        if key in record.bad:
            kept.append(record)
            continue
        if value in first_row:
            problems.add(
                Problem(
                    sheet,
                    record.row,
                    header_of(columns, key),
                    UserError("import.duplicate", first=first_row[value], value=value),
                )
            )
            continue
        first_row[value] = record.row
        kept.append(record)
    return kept


def _compare(
    records: list[R],
    existing: dict[str, R],
    key: str,
    compared: tuple[str, ...],
    entity: str,
    new: list[R],
    changed: list[tuple[R, Change]],
    plan: ImportPlan,
) -> None:
    for record in records:
        ref = getattr(record, key)
        old = existing.get(ref)
        if old is None:
            new.append(record)
            continue
        diff = {
            name: (getattr(old, name), getattr(record, name))
            for name in compared
            if getattr(old, name) != getattr(record, name)
        }
        if diff:
            changed.append((record, Change(entity, ref, diff)))
        else:
            plan.unchanged += 1
