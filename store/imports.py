"""Imports: the ledger as records to compare a workbook against, and an import plan written in one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Connection, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from core.lifecycle import SETTLED, first_status
from core.priority import priority
from core.records import CaseRecord, ImportPlan, LedgerSnapshot, PersonRecord, UnitRecord
from store.models import Case, Person, Unit
from store.people import PeopleStore
from store.sql import ROWS_PER_STATEMENT, chunks, fen, fen_sum

ZERO = Decimal(0)

# A case record's fields as the cases table's columns: the record names its unit and officer, the table
# holds their ids. Written and read by name, never by position.
CASE_RECORD_COLUMNS = (
    "loan_no",
    "borrower",
    "id_number",
    "phone",
    "unit_id",
    "officer_id",
    "principal",
    "interest",
    "classification",
    "difficulty",
    "deadline",
    "plan",
    "statute_date",
)
_cases = Case.__table__
_SNAPSHOT_CASES = select(
    *(_cases.c[name] for name in CASE_RECORD_COLUMNS),
    _cases.c.principal_remaining,
    _cases.c.interest_remaining,
    _cases.c.status,
)


def _case_columns(record: CaseRecord, unit_id: int, officer_id: int) -> dict[str, Any]:
    """A case record as the values of `CASE_RECORD_COLUMNS`."""
    return {
        "loan_no": record.loan_no,
        "borrower": record.borrower,
        "id_number": record.id_number,
        "phone": record.phone,
        "unit_id": unit_id,
        "officer_id": officer_id,
        "principal": record.principal,
        "interest": record.interest,
        "classification": record.classification,
        "difficulty": record.difficulty,
        "deadline": record.deadline,
        "plan": record.plan,
        "statute_date": record.statute_date,
    }


def _case_record(row: Any, unit_names: dict[int, str], employee_nos: dict[int, str]) -> CaseRecord:
    """A row of `_SNAPSHOT_CASES` as the record an import compares."""
    values = {name: getattr(row, name) for name in CASE_RECORD_COLUMNS}
    unit = unit_names[values.pop("unit_id")]
    officer_no = employee_nos[values.pop("officer_id")]
    return CaseRecord(unit=unit, officer_no=officer_no, **values)


def new_case(record: CaseRecord, unit_id: int, officer_id: int, now: datetime, today: date) -> dict[str, Any]:
    """A new case's row: nothing recovered yet, its first status and today's priority."""
    owed = record.principal + record.interest
    return {
        **_case_columns(record, unit_id, officer_id),
        "principal_remaining": record.principal,
        "interest_remaining": record.interest,
        "status": first_status(owed),
        "status_reason": "",
        "priority": priority(owed, record.difficulty, record.deadline, record.statute_date, today).score,
        "created_at": now,
        "updated_at": now,
    }


def refresh_default_targets(connection: Session | Connection) -> None:
    """A unit imported with no target aims at the sum of its cases' principal (after cases were added)."""
    units = Unit.__table__
    sums = select(fen_sum(fen(Case.principal))).where(Case.unit_id == units.c.id).scalar_subquery()
    connection.execute(
        update(units).where(units.c.target_is_default.is_(True)).values(target=type_coerce(sums, BigInteger))
    )


class ImportStore(PeopleStore):
    """Imports of units, people and cases."""

    def import_snapshot(self) -> LedgerSnapshot:
        """The ledger's units, people and cases as records, to compare an import against."""
        with self._session() as session:
            unit_names = dict(session.execute(select(Unit.id, Unit.name)).all())
            units = {
                name: UnitRecord(name, leader, None if is_default else target)
                for name, leader, target, is_default in session.execute(
                    select(Unit.name, Unit.leader_name, Unit.target, Unit.target_is_default)
                )
            }
            people: dict[str, PersonRecord] = {}
            employee_nos: dict[int, str] = {}
            inactive: set[str] = set()
            for pid, name, no, unit_id, role, mobile, active, target in session.execute(
                select(
                    Person.id,
                    Person.name,
                    Person.employee_no,
                    Person.unit_id,
                    Person.role,
                    Person.mobile,
                    Person.active,
                    Person.target,
                )
            ):
                employee_nos[pid] = no
                people[no] = PersonRecord(
                    name, no, unit_names.get(unit_id) if unit_id else None, role, mobile, target
                )
                if not active:
                    inactive.add(no)
            open_cases: dict[str, set[str]] = defaultdict(set)
            cases: dict[str, CaseRecord] = {}
            recovered: dict[str, tuple[Decimal, Decimal]] = {}
            for row in session.execute(_SNAPSHOT_CASES.execution_options(yield_per=ROWS_PER_STATEMENT)):
                record = _case_record(row, unit_names, employee_nos)
                cases[record.loan_no] = record
                if row.principal_remaining != row.principal or row.interest_remaining != row.interest:
                    recovered[record.loan_no] = (
                        row.principal - row.principal_remaining,
                        row.interest - row.interest_remaining,
                    )
                if row.status != SETTLED:
                    open_cases[record.officer_no].add(record.loan_no)
        return LedgerSnapshot(
            units,
            people,
            cases,
            recovered,
            frozenset(inactive),
            {no: frozenset(loans) for no, loans in open_cases.items()},
        )

    def apply_import(
        self,
        plan: ImportPlan,
        actor: str,
        source: str,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Write an import plan in one transaction, with its changes in the audit log."""
        now = self.now()
        today = self.today()
        tick = progress or (lambda _n: None)
        with self._transaction() as session:
            unit_ids = self._write_units(session, plan, now)
            person_ids = self._write_people(session, plan, unit_ids, now, actor, source)
            tick(
                len(plan.new_units)
                + len(plan.changed_units)
                + len(plan.new_people)
                + len(plan.changed_people)
            )
            for chunk in chunks(plan.new_cases, ROWS_PER_STATEMENT):
                session.execute(
                    insert(_cases),
                    [new_case(c, unit_ids[c.unit], person_ids[c.officer_no], now, today) for c in chunk],
                )
                tick(len(chunk))
            for record, _change in plan.changed_cases:
                self._update_case(session, record, unit_ids, person_ids)
            tick(len(plan.changed_cases))
            refresh_default_targets(session)
            self._audit(
                session,
                actor,
                "import",
                "ledger",
                source,
                {"created": plan.created, "updated": len(plan.changes), "unchanged": plan.unchanged},
                source=source,
            )
            self._audit_changes(session, actor, plan.changes, source)
        self.forget_people()
        self.refresh_statistics()

    @staticmethod
    def _write_units(session: Session, plan: ImportPlan, now: datetime) -> dict[str, int]:
        """Add and change the plan's units; every unit's id by name."""
        if plan.new_units:
            session.execute(
                insert(Unit.__table__),
                [
                    {
                        "name": u.name,
                        "leader_name": u.leader_name,
                        "target": u.target if u.target is not None else ZERO,
                        "target_is_default": u.target is None,
                        "created_at": now,
                    }
                    for u in plan.new_units
                ],
            )
        unit_ids = dict(session.execute(select(Unit.name, Unit.id)).all())
        for record, _change in plan.changed_units:
            session.execute(
                update(Unit)
                .where(Unit.id == unit_ids[record.name])
                .values(
                    leader_name=record.leader_name,
                    target=record.target if record.target is not None else ZERO,
                    target_is_default=record.target is None,
                )
            )
        return unit_ids

    def _write_people(
        self,
        session: Session,
        plan: ImportPlan,
        unit_ids: dict[str, int],
        now: datetime,
        actor: str,
        source: str,
    ) -> dict[str, int]:
        """Add, reactivate, deactivate and change the plan's people; every person's id by employee number."""
        if plan.new_people:
            session.execute(
                insert(Person.__table__),
                [
                    {
                        "name": p.name,
                        "employee_no": p.employee_no,
                        "unit_id": unit_ids[p.unit] if p.unit else None,
                        "role": p.role,
                        "mobile": p.mobile,
                        "target": p.target,
                        "created_at": now,
                    }
                    for p in plan.new_people
                ],
            )
        person_ids = dict(session.execute(select(Person.employee_no, Person.id)).all())
        for person in plan.reactivated:
            session.execute(
                update(Person).where(Person.id == person_ids[person.employee_no]).values(active=True)
            )
        for person in plan.deactivated:
            # Kept, with their history; no chat of theirs reaches the bot any more.
            person_id = person_ids[person.employee_no]
            session.execute(update(Person).where(Person.id == person_id).values(active=False))
            channels = self._drop_identities(session, person_id)
            self._audit(
                session,
                actor,
                "person.deactivate",
                "person",
                person.employee_no,
                {"channels": channels},
                source=source,
            )
        for person, _change in plan.changed_people:
            session.execute(
                update(Person)
                .where(Person.id == person_ids[person.employee_no])
                .values(
                    name=person.name,
                    unit_id=unit_ids[person.unit] if person.unit else None,
                    role=person.role,
                    mobile=person.mobile,
                    target=person.target,
                )
            )
        return person_ids

    def _update_case(
        self, session: Session, record: CaseRecord, unit_ids: dict[str, int], person_ids: dict[str, int]
    ) -> None:
        """Give a case its imported record; what was recovered on it stays recovered."""
        current = session.execute(select(Case).where(Case.loan_no == record.loan_no)).scalar_one()
        # What was recovered stays recovered: a new start balance moves the remaining balance by the same step.
        current.principal_remaining = record.principal - (current.principal - current.principal_remaining)
        current.interest_remaining = record.interest - (current.interest - current.interest_remaining)
        for name, value in _case_columns(
            record, unit_ids[record.unit], person_ids[record.officer_no]
        ).items():
            setattr(current, name, value)
        self._balance_changed(session, current, None, "import")
