"""The store: the ledger's operations in the domain's words. The only code that speaks SQL."""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session, aliased

from core.errors import UserError
from core.lifecycle import after_activity, after_balance, first_status
from core.money import format_yuan, from_fen
from core.priority import priority
from core.ranking import completion_rate, ranking_key
from core.records import (
    CaseRecord,
    Change,
    ImportPlan,
    LedgerSnapshot,
    PersonRecord,
    UnitRecord,
)
from core.repayment_rules import Owed, check_confirmable, split_report
from store.base import _fen, _fen_sum, _original
from store.cases import CaseStore
from store.chat import ChatStore
from store.inbox import InboxStore
from store.models import (
    AuditEntry,
    BindCode,
    Case,
    CaseStatusChange,
    ChatIdentity,
    Contact,
    Person,
    Promise,
    Repayment,
    Unit,
)
from store.schedule import ScheduleStore

ZERO = Decimal(0)
BULK_CHUNK = 5_000
BIND_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read aloud and retyped
BIND_CODE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Balance:
    """What is still owed on a case."""

    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        """Principal plus interest."""
        return self.principal + self.interest


@dataclass(frozen=True, slots=True)
class RepaymentEntry:
    """A repayment or reversal as recorded."""

    id: int
    loan_no: str
    amount: Decimal
    principal_part: Decimal
    interest_part: Decimal
    paid_on: date
    method: str
    status: str
    reverses_id: int | None


@dataclass(frozen=True, slots=True)
class UnitProgress:
    """One line of the ranking: a unit's target, what it recovered and its cases."""

    unit: str
    target: Decimal
    recovered: Decimal
    cases: int
    settled: int

    @property
    def rate(self) -> Decimal:
        """Completion rate: confirmed recovered ÷ target, as the daily ranking reckons it."""
        return completion_rate(self.recovered, self.target)


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """Totals of the whole campaign and the units in ranking order."""

    units: int
    people: int
    cases: int
    settled: int
    target: Decimal
    recovered: Decimal
    pending: Decimal
    ranking: list[UnitProgress]


@dataclass(frozen=True, slots=True)
class BindCodeLine:
    """A person waiting to bind a chat identity, and their code."""

    employee_no: str
    name: str
    unit: str
    role: str
    code: str
    expires_on: date  # the last day the code works, in the campaign's time zone


@dataclass(frozen=True, slots=True)
class CaseProblem:
    """A case whose figures do not add up (`qingshou check`): what the ledger holds against what it should."""

    loan_no: str
    borrower: str
    kind: str  # principal | interest | pending_principal | pending_interest | negative_part | status
    held: Decimal | str
    expected: Decimal | str


@dataclass(frozen=True, slots=True)
class ExportTable:
    """One table of the ledger as rows of plain values, for the export."""

    name: str
    columns: tuple[str, ...]
    rows: Iterator[tuple[Any, ...]]


_reversal = aliased(Repayment)


def _awaiting(case_id: Any) -> tuple[Any, ...]:
    """The repayments of a case that are reported, not undone, and await confirmation."""
    return (
        Repayment.case_id == case_id,
        Repayment.status == "reported",
        _original(Repayment),
        ~select(_reversal.id).where(_reversal.reverses_id == Repayment.id).exists(),
    )


# Built once: the reporting path runs on every repayment message.
_PENDING = select(_fen_sum(_fen(Repayment.principal_part)), _fen_sum(_fen(Repayment.interest_part))).where(
    *_awaiting(bindparam("case_id"))
)
_REPAYMENT_BY_ID = (
    select(
        Repayment.id,
        Case.loan_no,
        Repayment.amount,
        Repayment.principal_part,
        Repayment.interest_part,
        Repayment.paid_on,
        Repayment.method,
        Repayment.status,
        Repayment.reverses_id,
    )
    .join(Case, Case.id == Repayment.case_id)
    .where(Repayment.id == bindparam("id"))
)
# The case, locked, and the repayment the same message already recorded (if any). What is reported on the case
# and awaits confirmation is read by a statement of its own once the lock is held: on PostgreSQL a statement
# that waited for the lock still reads its subqueries as they were when it began, and would miss a report
# committed meanwhile (two people reporting on one case at once could then report more than is owed).
_CASE_FOR_REPAYMENT = (
    select(
        Case.id,
        Case.principal_remaining,
        Case.interest_remaining,
        select(Repayment.id).where(Repayment.source_key == bindparam("key")).scalar_subquery(),
    )
    .where(Case.loan_no == bindparam("loan_no"))
    .with_for_update(of=Case)
)
_INSERT_REPAYMENT = insert(Repayment.__table__).returning(Repayment.__table__.c.id)


class Store(ChatStore, CaseStore, ScheduleStore, InboxStore):
    """The ledger on SQLite or PostgreSQL."""

    def is_empty(self) -> bool:
        """Whether the ledger has no unit, person or case yet."""
        with self._session() as session:
            return all(session.scalar(select(func.count()).select_from(t)) == 0 for t in (Unit, Person, Case))

    # -- checks ---------------------------------------------------------------------------------------

    def ledger_problems(self) -> tuple[int, list[CaseProblem]]:
        """Every case whose figures do not add up, and how many cases were checked; nothing is changed.

        A case's remaining balances must equal its starting ones less its confirmed repayments (reversals
        included); what is reported and awaits confirmation must fit in what remains, principal and interest
        each; no repayment's part may be negative; a case is settled exactly when nothing remains.
        """
        confirmed = (
            select(
                Repayment.case_id.label("case_id"),
                _fen_sum(_fen(Repayment.principal_part)).label("principal"),
                _fen_sum(_fen(Repayment.interest_part)).label("interest"),
            )
            .where(Repayment.status == "confirmed")
            .group_by(Repayment.case_id)
            .subquery()
        )
        reversal = aliased(Repayment)
        awaiting = (
            select(
                Repayment.case_id.label("case_id"),
                _fen_sum(_fen(Repayment.principal_part)).label("principal"),
                _fen_sum(_fen(Repayment.interest_part)).label("interest"),
            )
            .where(
                Repayment.status == "reported",
                _original(Repayment),
                ~select(reversal.id).where(reversal.reverses_id == Repayment.id).exists(),
            )
            .group_by(Repayment.case_id)
            .subquery()
        )
        negative = (
            select(Repayment.case_id.label("case_id"), func.count().label("parts"))
            .where(
                _original(Repayment),
                (_fen(Repayment.principal_part) < 0) | (_fen(Repayment.interest_part) < 0),
            )
            .group_by(Repayment.case_id)
            .subquery()
        )
        zero = literal_column("0")
        query = (
            select(
                Case.loan_no,
                Case.borrower,
                _fen(Case.principal),
                _fen(Case.interest),
                _fen(Case.principal_remaining),
                _fen(Case.interest_remaining),
                Case.status,
                func.coalesce(confirmed.c.principal, zero),
                func.coalesce(confirmed.c.interest, zero),
                func.coalesce(awaiting.c.principal, zero),
                func.coalesce(awaiting.c.interest, zero),
                func.coalesce(negative.c.parts, zero),
            )
            .outerjoin(confirmed, confirmed.c.case_id == Case.id)
            .outerjoin(awaiting, awaiting.c.case_id == Case.id)
            .outerjoin(negative, negative.c.case_id == Case.id)
            .order_by(Case.loan_no)
        )
        problems: list[CaseProblem] = []
        checked = 0
        with self._session() as session:
            for row in session.execute(query.execution_options(yield_per=BULK_CHUNK)):
                checked += 1
                loan_no, borrower = row[0], row[1]
                principal, interest, principal_left, interest_left = (int(v) for v in row[2:6])
                status = row[6]
                paid_principal, paid_interest, waiting_principal, waiting_interest, negatives = (
                    int(v) for v in row[7:12]
                )
                for kind, held, expected in (
                    ("principal", principal_left, principal - paid_principal),
                    ("interest", interest_left, interest - paid_interest),
                ):
                    if held != expected:
                        problems.append(
                            CaseProblem(loan_no, borrower, kind, from_fen(held), from_fen(expected))
                        )
                for kind, waiting, left in (
                    ("pending_principal", waiting_principal, principal_left),
                    ("pending_interest", waiting_interest, interest_left),
                ):
                    if waiting > left:
                        problems.append(
                            CaseProblem(loan_no, borrower, kind, from_fen(waiting), from_fen(left))
                        )
                if negatives:
                    problems.append(CaseProblem(loan_no, borrower, "negative_part", str(negatives), "0"))
                settled = principal_left + interest_left == 0
                if settled != (status == "settled"):
                    expected_status = "settled" if settled else "open"
                    problems.append(CaseProblem(loan_no, borrower, "status", status, expected_status))
        return checked, problems

    # -- import ---------------------------------------------------------------------------------------

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
            for pid, name, no, unit_id, role, mobile, active in session.execute(
                select(
                    Person.id,
                    Person.name,
                    Person.employee_no,
                    Person.unit_id,
                    Person.role,
                    Person.mobile,
                    Person.active,
                )
            ):
                employee_nos[pid] = no
                people[no] = PersonRecord(
                    name, no, unit_names.get(unit_id) if unit_id else None, role, mobile
                )
                if not active:
                    inactive.add(no)
            open_cases: dict[str, set[str]] = defaultdict(set)
            cases: dict[str, CaseRecord] = {}
            recovered: dict[str, tuple[Decimal, Decimal]] = {}
            rows = session.execute(
                select(
                    Case.loan_no,
                    Case.borrower,
                    Case.unit_id,
                    Case.officer_id,
                    Case.principal,
                    Case.interest,
                    Case.classification,
                    Case.difficulty,
                    Case.deadline,
                    Case.id_number,
                    Case.phone,
                    Case.plan,
                    Case.statute_date,
                    Case.principal_remaining,
                    Case.interest_remaining,
                    Case.status,
                ).execution_options(yield_per=BULK_CHUNK)
            )
            for row in rows:
                loan_no = row[0]
                cases[loan_no] = CaseRecord(
                    loan_no=loan_no,
                    borrower=row[1],
                    unit=unit_names[row[2]],
                    officer_no=employee_nos[row[3]],
                    principal=row[4],
                    interest=row[5],
                    classification=row[6],
                    difficulty=row[7],
                    deadline=row[8],
                    id_number=row[9],
                    phone=row[10],
                    plan=row[11],
                    statute_date=row[12],
                )
                if row[13] != row[4] or row[14] != row[5]:
                    recovered[loan_no] = (row[4] - row[13], row[5] - row[14])
                if row[15] != "settled":
                    open_cases[employee_nos[row[3]]].add(loan_no)
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
                    )
                )
            tick(
                len(plan.new_units)
                + len(plan.changed_units)
                + len(plan.new_people)
                + len(plan.changed_people)
            )

            for start in range(0, len(plan.new_cases), BULK_CHUNK):
                chunk = plan.new_cases[start : start + BULK_CHUNK]
                session.execute(
                    insert(Case.__table__), [_case_row(c, unit_ids, person_ids, now, today) for c in chunk]
                )
                tick(len(chunk))
            for record, change in plan.changed_cases:
                self._update_case(session, record, change, unit_ids, person_ids, now, today)
            tick(len(plan.changed_cases))

            self._refresh_default_targets(session)
            self._audit(
                session,
                actor,
                "import",
                "ledger",
                source,
                {"created": plan.created, "updated": len(plan.changes), "unchanged": plan.unchanged},
                source=source,
            )
            for change in plan.changes:
                self._audit(
                    session,
                    actor,
                    "import.update",
                    change.entity,
                    change.ref,
                    {name: [old, new] for name, (old, new) in change.fields.items()},
                    source=source,
                )
        self.forget_people()
        self.refresh_statistics()

    def _update_case(
        self,
        session: Session,
        record: CaseRecord,
        change: Change,
        unit_ids: dict[str, int],
        person_ids: dict[str, int],
        now: datetime,
        today: date,
    ) -> None:
        current = session.execute(select(Case).where(Case.loan_no == record.loan_no)).scalar_one()
        # What was recovered stays recovered: a new start balance moves the remaining balance by the same step.
        current.principal_remaining = record.principal - (current.principal - current.principal_remaining)
        current.interest_remaining = record.interest - (current.interest - current.interest_remaining)
        current.borrower = record.borrower
        current.id_number = record.id_number
        current.phone = record.phone
        current.unit_id = unit_ids[record.unit]
        current.officer_id = person_ids[record.officer_no]
        current.principal = record.principal
        current.interest = record.interest
        current.classification = record.classification
        current.difficulty = record.difficulty
        current.deadline = record.deadline
        current.plan = record.plan
        current.statute_date = record.statute_date
        current.updated_at = now
        self._settle_or_reopen(session, current, None, "import")
        current.priority = _priority_of(current, today)

    def _refresh_default_targets(self, session: Session) -> None:
        sums = select(_fen_sum(_fen(Case.principal))).where(Case.unit_id == Unit.id).scalar_subquery()
        session.execute(
            update(Unit).where(Unit.target_is_default.is_(True)).values(target=type_coerce(sums, BigInteger)),
            execution_options={"synchronize_session": False},
        )

    # -- repayments -----------------------------------------------------------------------------------

    def _pending(self, connection: Session | Connection, case_id: int) -> tuple[Decimal, Decimal]:
        """Principal and interest reported on a case and still awaiting confirmation."""
        principal, interest = connection.execute(_PENDING, {"case_id": case_id}).one()
        return from_fen(int(principal)), from_fen(int(interest))

    def available(self, loan_no: str) -> Balance:
        """What may still be reported on a case: the balance less repayments awaiting confirmation."""
        with self._session() as session:
            case_row = session.execute(select(Case).where(Case.loan_no == loan_no)).scalar_one_or_none()
            if case_row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            pending_principal, pending_interest = self._pending(session, case_row.id)
            return Balance(
                case_row.principal_remaining - pending_principal,
                case_row.interest_remaining - pending_interest,
            )

    def balance(self, loan_no: str) -> Balance:
        """What is still owed on a case after confirmed repayments."""
        with self._session() as session:
            row = session.execute(
                select(Case.principal_remaining, Case.interest_remaining).where(Case.loan_no == loan_no)
            ).one_or_none()
            if row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            return Balance(row[0], row[1])

    def record_repayment(
        self,
        loan_no: str,
        employee_no: str,
        amount: Decimal,
        paid_on: date,
        method: str = "other",
        note: str = "",
        principal_part: Decimal | None = None,
        evidence: str | None = None,
        source_key: str | None = None,
    ) -> RepaymentEntry:
        """Record a reported repayment, split principal first unless `principal_part` says otherwise."""
        if amount <= 0:
            raise UserError("amount.zero" if amount == 0 else "amount.negative", text=format_yuan(amount))
        today = self.today()
        if paid_on > today:
            raise UserError("ledger.date_future", day=paid_on.isoformat())
        if paid_on < self.campaign.start:
            raise UserError("ledger.date_before_start", day=paid_on.isoformat(), start=self.campaign.start)
        with self._write() as connection:
            row = connection.execute(_CASE_FOR_REPAYMENT, {"loan_no": loan_no, "key": source_key}).first()
            if row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            case_id, principal_left, interest_left, existing = row
            if existing is not None:
                return RepaymentEntry(*connection.execute(_REPAYMENT_BY_ID, {"id": existing}).one())
            pending_principal, pending_interest = connection.execute(_PENDING, {"case_id": case_id}).one()
            person = self._person_id(connection, employee_no)
            principal, interest = split_report(
                amount,
                Owed(principal_left, interest_left),
                Owed(from_fen(int(pending_principal)), from_fen(int(pending_interest))),
                principal_part,
            )
            repayment_id = connection.execute(
                _INSERT_REPAYMENT,
                {
                    "case_id": case_id,
                    "person_id": person[0],
                    "amount": amount,
                    "principal_part": principal,
                    "interest_part": interest,
                    "paid_on": paid_on,
                    "method": method,
                    "note": note,
                    "evidence": evidence,
                    "status": "reported",
                    "created_at": self.now(),
                    "source_key": source_key,
                },
            ).scalar_one()
            self._audit(
                connection,
                person[1],
                "repayment.report",
                "case",
                loan_no,
                {"repayment": repayment_id, "amount": amount, "method": method, "paid_on": paid_on},
                actor_id=person[0],
                source=source_key or "",
            )
            return RepaymentEntry(
                repayment_id,
                loan_no,
                amount,
                principal,
                interest,
                paid_on,
                method,
                "reported",
                None,
            )

    def decide_repayment(
        self, repayment_id: int, employee_no: str, confirm: bool, source: str = "", note: str = ""
    ) -> RepaymentEntry:
        """Confirm a reported repayment (it then counts as recovered) or reject it, with the reason told to
        the reporter in `note`."""
        with self._transaction() as session:
            entry = session.get(Repayment, repayment_id, with_for_update=True)
            if entry is None or entry.reverses_id is not None:
                raise UserError("ledger.unknown_case", loan_no=f"#{repayment_id}")
            if entry.status != "reported":
                raise UserError("ledger.already_decided", status=entry.status)
            if session.scalar(select(Repayment.id).where(Repayment.reverses_id == entry.id)) is not None:
                raise UserError("ledger.already_reversed")
            person = self._person(session, employee_no)
            case_row = session.get_one(Case, entry.case_id, with_for_update=True)
            if confirm:
                check_confirmable(
                    entry.principal_part,
                    entry.interest_part,
                    Owed(case_row.principal_remaining, case_row.interest_remaining),
                )
                case_row.principal_remaining -= entry.principal_part
                case_row.interest_remaining -= entry.interest_part
                case_row.updated_at = self.now()
                self._settle_or_reopen(session, case_row, person.id, "repayment")
                case_row.priority = _priority_of(case_row, self.today())
            entry.status = "confirmed" if confirm else "rejected"
            entry.decided_by_id = person.id
            entry.decided_at = self.now()
            entry.decision_note = note
            detail: dict[str, Any] = {"repayment": entry.id, "amount": entry.amount}
            if note:
                detail["note"] = note
            self._audit(
                session,
                person.name,
                "repayment.confirm" if confirm else "repayment.reject",
                "case",
                case_row.loan_no,
                detail,
                actor_id=person.id,
                source=source,
            )
            return _entry(entry, case_row.loan_no)

    def reverse_repayment(
        self, repayment_id: int, employee_no: str, note: str = "", source_key: str | None = None
    ) -> RepaymentEntry:
        """Add the reversal of a repayment; a confirmed one gives its amount back to the balance."""
        with self._transaction() as session:
            if source_key is not None:
                existing = session.execute(
                    select(Repayment, Case.loan_no).join(Case).where(Repayment.source_key == source_key)
                ).first()
                if existing is not None:
                    return _entry(existing[0], existing[1])
            original = session.get(Repayment, repayment_id, with_for_update=True)
            if original is None or original.reverses_id is not None:
                raise UserError("ledger.unknown_case", loan_no=f"#{repayment_id}")
            if session.scalar(select(Repayment.id).where(Repayment.reverses_id == original.id)) is not None:
                raise UserError("ledger.already_reversed")
            if original.status == "rejected":
                raise UserError("ledger.reverse_rejected")
            person = self._person(session, employee_no)
            case_row = session.get_one(Case, original.case_id, with_for_update=True)
            # A reversal carries its original's status: confirmed ones count against it, reported ones cancel.
            reversal = Repayment(
                case_id=original.case_id,
                person_id=person.id,
                amount=-original.amount,
                principal_part=-original.principal_part,
                interest_part=-original.interest_part,
                paid_on=original.paid_on,
                method=original.method,
                note=note,
                status=original.status,
                decided_by_id=person.id if original.status == "confirmed" else None,
                decided_at=self.now() if original.status == "confirmed" else None,
                reverses_id=original.id,
                created_at=self.now(),
                source_key=source_key,
            )
            session.add(reversal)
            if original.status == "confirmed":
                case_row.principal_remaining += original.principal_part
                case_row.interest_remaining += original.interest_part
                case_row.updated_at = self.now()
                self._settle_or_reopen(session, case_row, person.id, "reversal")
                case_row.priority = _priority_of(case_row, self.today())
            session.flush()
            self._audit(
                session,
                person.name,
                "repayment.reverse",
                "case",
                case_row.loan_no,
                {"repayment": original.id, "reversal": reversal.id, "amount": original.amount},
                actor_id=person.id,
                source=source_key or "",
            )
            return _entry(reversal, case_row.loan_no)

    def repayments(self, loan_no: str) -> list[RepaymentEntry]:
        """Every repayment and reversal of a case, oldest first."""
        with self._session() as session:
            rows = session.execute(
                select(Repayment).join(Case).where(Case.loan_no == loan_no).order_by(Repayment.id)
            ).scalars()
            return [_entry(r, loan_no) for r in rows]

    def _settle_or_reopen(self, session: Session, case_row: Case, person_id: int | None, reason: str) -> None:
        status = after_balance(case_row.status, case_row.principal_remaining + case_row.interest_remaining)
        if status != case_row.status:
            self._change_status(session, case_row, status, person_id, reason)

    def status_history(self, loan_no: str) -> list[tuple[str | None, str, str]]:
        """A case's status changes, oldest first, as (from, to, reason)."""
        with self._session() as session:
            return list(
                session.execute(
                    select(CaseStatusChange.from_status, CaseStatusChange.to_status, CaseStatusChange.reason)
                    .join(Case)
                    .where(Case.loan_no == loan_no)
                    .order_by(CaseStatusChange.id)
                )
            )

    # -- progress -------------------------------------------------------------------------------------

    def unit_progress(self) -> list[UnitProgress]:
        """Every unit's target, confirmed recovery and cases, best completion rate first."""
        recovered = _fen_sum(
            _fen(Case.principal)
            - _fen(Case.principal_remaining)
            + _fen(Case.interest)
            - _fen(Case.interest_remaining)
        )
        settled = _fen_sum(case((Case.status == "settled", 1), else_=0))
        per_unit = (
            select(
                Case.unit_id.label("unit_id"),
                recovered.label("recovered"),
                func.count().label("cases"),
                settled.label("settled"),
            )
            .group_by(Case.unit_id)
            .subquery()
        )
        with self._session() as session:
            rows = session.execute(
                select(
                    Unit.name,
                    Unit.target,
                    func.coalesce(per_unit.c.recovered, literal_column("0")),
                    func.coalesce(per_unit.c.cases, literal_column("0")),
                    func.coalesce(per_unit.c.settled, literal_column("0")),
                ).outerjoin(per_unit, per_unit.c.unit_id == Unit.id)
            )
            progress = [
                UnitProgress(name, target, from_fen(int(fen)), int(cases), int(settled_count))
                for name, target, fen, cases, settled_count in rows
            ]
        progress.sort(key=lambda p: ranking_key(p.rate, p.recovered, p.unit))
        return progress

    def campaign_summary(self) -> CampaignSummary:
        """The whole campaign in figures, for `qingshou run` and the leaders."""
        ranking = self.unit_progress()
        with self._session() as session:
            people = session.scalar(select(func.count()).select_from(Person)) or 0
            reversal = aliased(Repayment)
            pending = session.scalar(
                select(_fen_sum(_fen(Repayment.amount))).where(
                    Repayment.status == "reported",
                    _original(Repayment),
                    ~select(reversal.id).where(reversal.reverses_id == Repayment.id).exists(),
                )
            )
        return CampaignSummary(
            units=len(ranking),
            people=people,
            cases=sum(p.cases for p in ranking),
            settled=sum(p.settled for p in ranking),
            target=sum((p.target for p in ranking), ZERO),
            recovered=sum((p.recovered for p in ranking), ZERO),
            pending=from_fen(int(pending or 0)),
            ranking=ranking,
        )

    def refresh_priorities(self) -> int:
        """Recompute every open case's priority for today; returns how many changed."""
        today = self.today()
        changed = 0
        with self._transaction() as session:
            rows = session.execute(
                select(
                    Case.id,
                    Case.principal_remaining,
                    Case.interest_remaining,
                    Case.difficulty,
                    Case.deadline,
                    Case.statute_date,
                    Case.priority,
                ).where(Case.status != "settled")
            ).all()
            updates = []
            for cid, principal, interest, difficulty, deadline, statute, old in rows:
                score = priority(principal + interest, difficulty, deadline, statute, today).score
                if score != old:
                    updates.append({"cid": cid, "score": score})
            if updates:
                session.execute(
                    update(Case.__table__)
                    .where(Case.__table__.c.id == bindparam("cid"))
                    .values(priority=bindparam("score")),
                    updates,
                )
                changed = len(updates)
        return changed

    # -- binding codes --------------------------------------------------------------------------------

    def bind_codes(self, unit: str | None = None, valid_days: int = 7) -> list[BindCodeLine]:
        """A valid bind code for everyone (of a unit) not yet bound, issuing new codes where needed."""
        now = self.now()
        with self._transaction() as session:
            query = (
                select(Person, Unit.name)
                .outerjoin(Unit, Unit.id == Person.unit_id)
                .where(
                    Person.active.is_(True),
                    ~select(ChatIdentity.id).where(ChatIdentity.person_id == Person.id).exists(),
                )
                .order_by(Unit.name, Person.employee_no)
            )
            if unit is not None:
                if session.scalar(select(Unit.id).where(Unit.name == unit)) is None:
                    raise UserError("ledger.unknown_unit", unit=unit)
                query = query.where(Unit.name == unit)
            people = session.execute(query).all()
            valid = {
                person_id: (code, expires_at)
                for person_id, code, expires_at in session.execute(
                    select(BindCode.person_id, BindCode.code, BindCode.expires_at).where(
                        BindCode.used_at.is_(None), BindCode.expires_at > now
                    )
                )
            }
            lines = []
            for person, unit_name in people:
                code, expires_at = valid.get(person.id, (None, None))
                if code is None or expires_at is None:
                    code = _new_code()
                    # A code works through the whole of its last day, as the codes workbook says.
                    last = self.campaign.today(now) + timedelta(days=valid_days)
                    expires_at = datetime.combine(last + timedelta(days=1), time(0), self.campaign.zone)
                    session.add(
                        BindCode(person_id=person.id, code=code, created_at=now, expires_at=expires_at)
                    )
                    self._audit(session, "cli", "bind_code.issue", "person", person.employee_no)
                last_day = self.campaign.today(expires_at - timedelta(microseconds=1))
                lines.append(
                    BindCodeLine(
                        person.employee_no, person.name, unit_name or "", person.role, code, last_day
                    )
                )
            return lines

    # -- demo and export ------------------------------------------------------------------------------

    def refresh_statistics(self) -> None:
        """Let the query planner know the tables as they are now, after a bulk write.

        Without it PostgreSQL plans from what autovacuum saw before the import (a date index scanned for
        tens of thousands of rows to count one officer's dozen due cases). SQLite is left without statistics:
        with them it drove the source-key lookup of every report from the cases table (7 ms instead of 30 µs),
        and its rule-based plans suit these indexes.
        """
        if self.engine.dialect.name == "sqlite":
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()

    def load_campaign(
        self,
        contacts: Sequence[dict[str, Any]],
        promises: Sequence[dict[str, Any]],
        repayments: Sequence[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Bulk-load made-up activity (the demo); rows name cases by loan number and people by employee number.

        Repayments here are already confirmed; the cases' balances, statuses and priorities follow.
        """
        tick = progress or (lambda _n: None)
        now = self.now()
        today = self.today()
        with self._transaction() as session:
            case_ids = dict(session.execute(select(Case.loan_no, Case.id)).all())
            person_ids = dict(session.execute(select(Person.employee_no, Person.id)).all())
            contact_ids: list[int] = []
            for start in range(0, len(contacts), BULK_CHUNK):
                chunk = contacts[start : start + BULK_CHUNK]
                rows = [
                    {
                        "case_id": case_ids[c["loan_no"]],
                        "person_id": person_ids[c["employee_no"]],
                        "at": c["at"],
                        "channel": c["channel"],
                        "outcome": c["outcome"],
                        "approach": c.get("approach"),
                        "participants": c.get("participants", ""),
                        "note": c.get("note", ""),
                    }
                    for c in chunk
                ]
                contact_ids.extend(
                    session.scalars(
                        insert(Contact.__table__).returning(
                            Contact.__table__.c.id, sort_by_parameter_order=True
                        ),
                        rows,
                    )
                )
                tick(len(chunk))
            if promises:
                session.execute(
                    insert(Promise.__table__),
                    [
                        {
                            "case_id": case_ids[p["loan_no"]],
                            "contact_id": contact_ids[p["contact_index"]],
                            "amount": p["amount"],
                            "due_on": p["due_on"],
                            "status": p["status"],
                        }
                        for p in promises
                    ],
                )
            for start in range(0, len(repayments), BULK_CHUNK):
                chunk = repayments[start : start + BULK_CHUNK]
                session.execute(
                    insert(Repayment.__table__),
                    [
                        {
                            "case_id": case_ids[r["loan_no"]],
                            "person_id": person_ids[r["employee_no"]],
                            "amount": r["principal_part"] + r["interest_part"],
                            "principal_part": r["principal_part"],
                            "interest_part": r["interest_part"],
                            "paid_on": r["paid_on"],
                            "method": r["method"],
                            "status": r["status"],
                            "decided_by_id": person_ids[r["decided_by"]] if r.get("decided_by") else None,
                            "decided_at": r.get("decided_at"),
                            "created_at": r["created_at"],
                        }
                        for r in chunk
                    ],
                )
                tick(len(chunk))
            self._apply_loaded_activity(session, now, today)
            self._audit(
                session,
                "demo",
                "demo.load",
                "ledger",
                "",
                {"contacts": len(contacts), "promises": len(promises), "repayments": len(repayments)},
            )
        self.refresh_statistics()

    def _apply_loaded_activity(self, session: Session, now: datetime, today: date) -> None:
        paid = (
            select(
                Repayment.case_id.label("case_id"),
                func.sum(_fen(Repayment.principal_part)).label("principal"),
                func.sum(_fen(Repayment.interest_part)).label("interest"),
            )
            .where(Repayment.status == "confirmed")
            .group_by(Repayment.case_id)
            .subquery()
        )
        last_contact = (
            select(Contact.case_id.label("case_id"), func.max(Contact.at).label("at"))
            .group_by(Contact.case_id)
            .subquery()
        )
        table = Case.__table__
        # UPDATE … FROM a grouped subquery: the database joins once. Correlated subqueries per case let
        # PostgreSQL's planner, with no statistics yet on the freshly loaded rows, rescan them for every case.
        session.execute(
            update(table)
            .where(table.c.id == paid.c.case_id)
            .values(
                principal_remaining=_fen(table.c.principal) - paid.c.principal,
                interest_remaining=_fen(table.c.interest) - paid.c.interest,
            )
        )
        session.execute(
            update(table)
            .where(table.c.id == last_contact.c.case_id)
            .values(last_contact_at=last_contact.c.at)
        )
        open_promise = (
            select(Promise.id).where(Promise.case_id == table.c.id, Promise.status == "open").exists()
        )
        rows = session.execute(
            select(
                table.c.id,
                table.c.status,
                _fen(table.c.principal_remaining) + _fen(table.c.interest_remaining),
                table.c.last_contact_at.is_not(None),
                open_promise,
            )
        )
        self._change_statuses(
            session,
            [
                (case_id, status, after_activity(status, int(owed), bool(contacted), bool(promised)))
                for case_id, status, owed, contacted, promised in rows
            ],
            "demo",
        )

    def export_tables(self) -> list[ExportTable]:
        """The whole ledger as tables of plain values, streamed from the database."""
        unit_name = aliased(Unit)
        officer = aliased(Person)
        decider = aliased(Person)
        original = aliased(Repayment)
        tables = [
            (
                "units",
                ("name", "leader_name", "target", "target_is_default", "chat"),
                select(Unit.name, Unit.leader_name, Unit.target, Unit.target_is_default, Unit.chat).order_by(
                    Unit.id
                ),
            ),
            (
                "people",
                ("name", "employee_no", "unit", "role", "mobile"),
                select(Person.name, Person.employee_no, unit_name.name, Person.role, Person.mobile)
                .outerjoin(unit_name, unit_name.id == Person.unit_id)
                .order_by(Person.id),
            ),
            (
                "cases",
                (
                    "loan_no",
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
                    "status",
                    "remaining",
                ),
                select(
                    Case.loan_no,
                    Case.borrower,
                    Case.id_number,
                    Case.phone,
                    unit_name.name,
                    officer.employee_no,
                    Case.principal,
                    Case.interest,
                    Case.classification,
                    Case.difficulty,
                    Case.deadline,
                    Case.plan,
                    Case.statute_date,
                    Case.status,
                    Case.principal_remaining,
                    Case.interest_remaining,
                )
                .join(unit_name, unit_name.id == Case.unit_id)
                .join(officer, officer.id == Case.officer_id)
                .order_by(Case.id),
            ),
            (
                "contacts",
                (
                    "loan_no",
                    "at",
                    "channel",
                    "outcome",
                    "promise_amount",
                    "promise_due",
                    "note",
                    "employee_no",
                ),
                select(
                    Case.loan_no,
                    Contact.at,
                    Contact.channel,
                    Contact.outcome,
                    Promise.amount,
                    Promise.due_on,
                    Contact.note,
                    officer.employee_no,
                )
                .join(Case, Case.id == Contact.case_id)
                .join(officer, officer.id == Contact.person_id)
                .outerjoin(Promise, Promise.contact_id == Contact.id)
                .order_by(Contact.id),
            ),
            (
                "repayments",
                (
                    "loan_no",
                    "amount",
                    "paid_on",
                    "method",
                    "status",
                    "principal_part",
                    "interest_part",
                    "reverses",
                    "employee_no",
                    "decided_by",
                ),
                select(
                    Case.loan_no,
                    Repayment.amount,
                    Repayment.paid_on,
                    Repayment.method,
                    Repayment.status,
                    Repayment.principal_part,
                    Repayment.interest_part,
                    original.id,
                    officer.employee_no,
                    decider.employee_no,
                )
                .join(Case, Case.id == Repayment.case_id)
                .join(officer, officer.id == Repayment.person_id)
                .outerjoin(decider, decider.id == Repayment.decided_by_id)
                .outerjoin(original, original.id == Repayment.reverses_id)
                .order_by(Repayment.id),
            ),
            (
                "audit",
                ("at", "actor", "action", "entity", "ref", "detail", "source"),
                select(
                    AuditEntry.at,
                    AuditEntry.actor,
                    AuditEntry.action,
                    AuditEntry.entity,
                    AuditEntry.ref,
                    AuditEntry.detail,
                    AuditEntry.source,
                ).order_by(AuditEntry.id),
            ),
        ]
        return [ExportTable(name, columns, self._stream(query, name)) for name, columns, query in tables]

    def _stream(self, query: Any, name: str) -> Iterator[tuple[Any, ...]]:
        with self._session() as session:
            for row in session.execute(query.execution_options(yield_per=BULK_CHUNK)):
                if name == "cases":
                    # principal_remaining + interest_remaining -> one remaining balance column
                    yield (*row[:14], row[14] + row[15])
                else:
                    yield tuple(row)

    def audit_entries(self, action: str | None = None) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The audit log, oldest first, as (action, entity, ref, detail)."""
        with self._session() as session:
            query = select(AuditEntry.action, AuditEntry.entity, AuditEntry.ref, AuditEntry.detail).order_by(
                AuditEntry.id
            )
            if action is not None:
                query = query.where(AuditEntry.action == action)
            return [(a, e, r, json.loads(d or "{}")) for a, e, r, d in session.execute(query)]


def _new_code() -> str:
    return "".join(secrets.choice(BIND_CODE_ALPHABET) for _ in range(BIND_CODE_LENGTH))


def _case_row(
    c: CaseRecord, unit_ids: dict[str, int], person_ids: dict[str, int], now: datetime, today: date
) -> dict[str, Any]:
    return {
        "loan_no": c.loan_no,
        "borrower": c.borrower,
        "id_number": c.id_number,
        "phone": c.phone,
        "unit_id": unit_ids[c.unit],
        "officer_id": person_ids[c.officer_no],
        "principal": c.principal,
        "interest": c.interest,
        "principal_remaining": c.principal,
        "interest_remaining": c.interest,
        "classification": c.classification,
        "difficulty": c.difficulty,
        "deadline": c.deadline,
        "plan": c.plan,
        "statute_date": c.statute_date,
        "status": first_status(c.principal + c.interest),
        "status_reason": "",
        "priority": priority(c.principal + c.interest, c.difficulty, c.deadline, c.statute_date, today).score,
        "created_at": now,
        "updated_at": now,
    }


def _priority_of(case_row: Case, today: date) -> int:
    if case_row.status == "settled":
        return 0
    return priority(
        case_row.principal_remaining + case_row.interest_remaining,
        case_row.difficulty,
        case_row.deadline,
        case_row.statute_date,
        today,
    ).score


def _entry(r: Repayment, loan_no: str) -> RepaymentEntry:
    return RepaymentEntry(
        id=r.id,
        loan_no=loan_no,
        amount=r.amount,
        principal_part=r.principal_part,
        interest_part=r.interest_part,
        paid_on=r.paid_on,
        method=r.method,
        status=r.status,
        reverses_id=r.reverses_id,
    )
