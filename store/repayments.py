"""Repayments: reported by officers, decided by unit leads, reversed when wrong; the balance they leave and the
list of those awaiting a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select
from sqlalchemy.orm import Session, aliased

from core.compliance import flag_names, repayment_flags
from core.errors import UserError
from core.money import format_yuan, from_fen
from core.repayment_rules import Balance, check_confirmable, split_report
from core.views import PendingRepayment, PersonView
from store.base import StoreBase
from store.models import Case, Person, Repayment
from store.sql import awaiting_confirmation, fen, fen_sum, unreversed


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
    flags: tuple[str, ...] = ()


# Built once: the reporting path runs on every repayment message.
_PENDING = select(fen_sum(fen(Repayment.principal_part)), fen_sum(fen(Repayment.interest_part))).where(
    Repayment.case_id == bindparam("case_id"), awaiting_confirmation()
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
        Repayment.flags,
    )
    .join(Case, Case.id == Repayment.case_id)
    .where(Repayment.id == bindparam("id"))
)
# The payment days of the case's standing reports of the same amount (reported or confirmed, not undone): a
# second report of them is flagged as a possible duplicate.
_SAME_AMOUNT_PAID_ON = select(Repayment.paid_on).where(
    Repayment.case_id == bindparam("case_id"),
    Repayment.amount == bindparam("amount"),
    Repayment.status.in_(("reported", "confirmed")),
    unreversed(Repayment),
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

_reporter = aliased(Person)
_PENDING_REPAYMENTS = (
    select(
        Repayment.id,
        Case.loan_no,
        Case.borrower,
        Case.unit_id,
        Repayment.amount,
        Repayment.paid_on,
        Repayment.method,
        _reporter.id,
        _reporter.name,
        Repayment.evidence,
        Repayment.note,
        _reporter.employee_no,
        Repayment.flags,
    )
    .join(Case, Case.id == Repayment.case_id)
    .join(_reporter, _reporter.id == Repayment.person_id)
)
_PENDING_BY_UNIT = (
    select(Case.unit_id, func.count())
    .select_from(Repayment)
    .join(Case, Case.id == Repayment.case_id)
    .where(awaiting_confirmation())
    .group_by(Case.unit_id)
)


class RepaymentStore(StoreBase):
    """Repayments and what they leave owed."""

    def _pending(self, connection: Session | Connection, case_id: int) -> Balance:
        """Principal and interest reported on a case and still awaiting confirmation."""
        principal, interest = connection.execute(_PENDING, {"case_id": case_id}).one()
        return Balance(from_fen(int(principal)), from_fen(int(interest)))

    def available(self, loan_no: str) -> Balance:
        """What may still be reported on a case: the balance less repayments awaiting confirmation."""
        with self._session() as session:
            case_row = session.execute(select(Case).where(Case.loan_no == loan_no)).scalar_one_or_none()
            if case_row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            pending = self._pending(session, case_row.id)
            return Balance(
                case_row.principal_remaining - pending.principal,
                case_row.interest_remaining - pending.interest,
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

    def _check_report(self, amount: Decimal, paid_on: date) -> None:
        """Refuse what no case could take: nothing or less paid, a day not yet come or before the campaign."""
        if amount <= 0:
            raise UserError("amount.zero" if amount == 0 else "amount.negative", text=format_yuan(amount))
        if paid_on > self.today():
            raise UserError("ledger.date_future", day=paid_on.isoformat())
        if paid_on < self.campaign.start:
            raise UserError("ledger.date_before_start", day=paid_on.isoformat(), start=self.campaign.start)

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
        self._check_report(amount, paid_on)
        with self._write() as connection:
            locked = self._locked_case(connection, loan_no, source_key)
            if locked is not None:
                case = locked.case
                case_id, existing = case.id, locked.repayment_id
                principal_left, interest_left = case.principal_remaining, case.interest_remaining
            else:
                row = connection.execute(_CASE_FOR_REPAYMENT, {"loan_no": loan_no, "key": source_key}).first()
                if row is None:
                    raise UserError("ledger.unknown_case", loan_no=loan_no)
                case_id, principal_left, interest_left, existing = row
            if existing is not None:
                return _row_entry(connection.execute(_REPAYMENT_BY_ID, {"id": existing}).one())
            pending = self._pending(connection, case_id)
            person_id, person_name = self._person_id(connection, employee_no)
            principal, interest = split_report(
                amount, Balance(principal_left, interest_left), pending, principal_part
            )
            # Flagged, never refused: the unit lead decides, and the flags stay on the entry.
            flags = repayment_flags(
                amount,
                paid_on,
                self.today(),
                method,
                evidence is not None,
                connection.scalars(_SAME_AMOUNT_PAID_ON, {"case_id": case_id, "amount": amount}).all(),
            )
            repayment_id = connection.execute(
                _INSERT_REPAYMENT,
                {
                    "case_id": case_id,
                    "person_id": person_id,
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
                    "flags": ",".join(flags),
                },
            ).scalar_one()
            self._audit(
                connection,
                person_name,
                "repayment.report",
                "case",
                loan_no,
                {"repayment": repayment_id, "amount": amount, "method": method, "paid_on": paid_on}
                | ({"flags": list(flags)} if flags else {}),
                actor_id=person_id,
                source=source_key or "",
            )
            return RepaymentEntry(
                repayment_id, loan_no, amount, principal, interest, paid_on, method, "reported", None, flags
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
                owed = Balance(case_row.principal_remaining, case_row.interest_remaining)
                check_confirmable(entry.principal_part, entry.interest_part, owed)
                case_row.principal_remaining -= entry.principal_part
                case_row.interest_remaining -= entry.interest_part
                self._balance_changed(session, case_row, person.id, "repayment")
            if entry.method == "asset":
                # An asset's offset decided: the case is no longer 以资抵债中 (settled, if it paid it off).
                self._follow_asset(session, case_row, False, person.id, f"repayment:{entry.id}")
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

    def _reversal_of(self, session: Session, repayment_id: int) -> Repayment:
        """The repayment to reverse, locked, or the refusal the user sees."""
        original = session.get(Repayment, repayment_id, with_for_update=True)
        if original is None or original.reverses_id is not None:
            raise UserError("ledger.unknown_case", loan_no=f"#{repayment_id}")
        if session.scalar(select(Repayment.id).where(Repayment.reverses_id == original.id)) is not None:
            raise UserError("ledger.already_reversed")
        if original.status == "rejected":
            raise UserError("ledger.reverse_rejected")
        return original

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
            original = self._reversal_of(session, repayment_id)
            person = self._person(session, employee_no)
            case_row = session.get_one(Case, original.case_id, with_for_update=True)
            confirmed = original.status == "confirmed"
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
                decided_by_id=person.id if confirmed else None,
                decided_at=self.now() if confirmed else None,
                reverses_id=original.id,
                created_at=self.now(),
                source_key=source_key,
            )
            session.add(reversal)
            if confirmed:
                case_row.principal_remaining += original.principal_part
                case_row.interest_remaining += original.interest_part
                self._balance_changed(session, case_row, person.id, "reversal")
            if original.method == "asset":
                # The asset's offset undone: the asset no longer counts, nor keeps the case 以资抵债中.
                self._follow_asset(session, case_row, False, person.id, f"undo:{original.id}")
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

    # -- awaiting a decision --------------------------------------------------------------------------

    def pending_repayments(
        self,
        person: PersonView,
        limit: int = 20,
        offset: int = 0,
        *,
        reporter_id: int | None = None,
        loan_no: str | None = None,
        up_to_id: int | None = None,
    ) -> tuple[list[PendingRepayment], int]:
        """Reported repayments the person may decide (their unit's but not their own, or all for an admin),
        oldest first, a page of them and how many in all; optionally one reporter's, one loan's, or only
        those up to an id (the ones a list showed)."""
        query = _PENDING_REPAYMENTS.where(awaiting_confirmation())
        if person.role == "unit_lead":
            query = query.where(Case.unit_id == person.unit_id, Repayment.person_id != person.id)
        elif person.role == "admin":
            query = query.where(Repayment.person_id != person.id)
        elif person.role != "leader":
            return [], 0
        if reporter_id is not None:
            query = query.where(Repayment.person_id == reporter_id)
        if loan_no is not None:
            query = query.where(Case.loan_no == loan_no)
        if up_to_id is not None:
            query = query.where(Repayment.id <= up_to_id)
        counted = select(func.count()).select_from(query.subquery())
        with self._read() as connection:
            total = int(connection.scalar(counted) or 0)
            rows = connection.execute(
                query.order_by(Repayment.created_at, Repayment.id).limit(limit).offset(offset)
            )
            return [_pending_item(row) for row in rows], total

    def pending_repayment(self, repayment_id: int) -> PendingRepayment | None:
        """One reported repayment still awaiting a decision."""
        query = _PENDING_REPAYMENTS.where(Repayment.id == repayment_id, Repayment.reverses_id.is_(None))
        with self._read() as connection:
            row = connection.execute(query).first()
            return _pending_item(row) if row else None

    def pending_by_unit(self) -> dict[int, int]:
        """How many reported repayments await confirmation, per unit."""
        with self._read() as connection:
            return {unit_id: int(count) for unit_id, count in connection.execute(_PENDING_BY_UNIT)}


def _row_entry(row: Any) -> RepaymentEntry:
    *fields, flags = row
    return RepaymentEntry(*fields, flag_names(flags))


def _pending_item(row: Any) -> PendingRepayment:
    *fields, flags = row
    return PendingRepayment(*fields, flags=flag_names(flags))


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
        flags=flag_names(r.flags),
    )
