"""Handing cases from one officer to another (转办, SPEC §10): by a unit lead within the unit, an admin
anywhere, or the clerk's rebalancing of a unit; the case's open promise and its reminders follow the case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from core.errors import UserError
from core.rebalance import CaseLoad, Move
from core.views import PersonView
from store.base import StoreBase
from store.models import Case, CaseAssignment, Contact, Person, Promise, Unit
from store.sql import IS_OPEN, OUTSTANDING, unreversed

# Who may hold a case handed over: the unit's officers and its leads.
HOLDERS = ("officer", "unit_lead")


@dataclass(frozen=True, slots=True)
class Handover:
    """A case handed over: from whom to whom, by whom (empty: the clerk's rebalancing), when, and the open
    promise that went with it."""

    loan_no: str
    borrower: str
    unit_id: int
    from_id: int
    from_name: str
    to_id: int
    to_name: str
    by: str
    at: datetime
    reason: str
    outstanding: Decimal = Decimal(0)
    promise_amount: Decimal | None = None
    promise_due: date | None = None


_from = aliased(Person)
_to = aliased(Person)
_by = aliased(Person)
_HANDOVERS = (
    select(
        Case.loan_no,
        Case.borrower,
        Case.unit_id,
        CaseAssignment.from_id,
        _from.name,
        CaseAssignment.to_id,
        _to.name,
        func.coalesce(_by.name, ""),
        CaseAssignment.at,
        CaseAssignment.reason,
    )
    .join(Case, Case.id == CaseAssignment.case_id)
    .join(_from, _from.id == CaseAssignment.from_id)
    .join(_to, _to.id == CaseAssignment.to_id)
    .outerjoin(_by, _by.id == CaseAssignment.by_id)
)

# Built once: the card reads them on every /case.
_CASE_HANDOVERS = (
    _HANDOVERS.where(Case.loan_no == bindparam("loan"))
    .order_by(CaseAssignment.at.desc(), CaseAssignment.id.desc())
    .limit(bindparam("limit"))
)


class AssignmentStore(StoreBase):
    """Cases changing hands."""

    def assign_case(self, loan_no: str, to_employee_no: str, by: PersonView, source_key: str) -> Handover:
        """Hand a case to another officer of its unit: a unit lead within the unit, an admin anywhere."""
        with self._transaction() as session:
            done = session.execute(_HANDOVERS.where(CaseAssignment.source_key == source_key)).first()
            if done is not None:
                return Handover(*done)
            case_row = session.execute(
                select(Case).where(Case.loan_no == loan_no).with_for_update()
            ).scalar_one_or_none()
            if case_row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            if by.role not in ("unit_lead", "admin"):
                raise UserError("assign.not_allowed")
            if by.role == "unit_lead" and case_row.unit_id != by.unit_id:
                raise UserError("case.not_yours", loan_no=loan_no)
            if case_row.status == "settled":
                raise UserError("assign.settled", loan_no=loan_no)
            target = session.execute(
                select(Person).where(Person.employee_no == to_employee_no)
            ).scalar_one_or_none()
            if target is None or not target.active:
                raise UserError("ledger.unknown_person", employee_no=to_employee_no)
            if target.unit_id != case_row.unit_id or target.role not in HOLDERS:
                raise UserError("assign.not_in_unit", name=target.name, employee_no=target.employee_no)
            if target.id == case_row.officer_id:
                raise UserError("assign.same_officer", name=target.name, loan_no=loan_no)
            actor = self._person(session, by.employee_no)
            return self._hand_over(session, case_row, target, actor, "assign", source_key)

    def _hand_over(
        self,
        session: Session,
        case_row: Case,
        target: Person,
        actor: Person | None,
        reason: str,
        source_key: str | None,
    ) -> Handover:
        """Move the case to `target`, with its history row and audit entry."""
        previous = session.get_one(Person, case_row.officer_id)
        now = self.now()
        case_row.officer_id = target.id
        case_row.updated_at = now
        session.add(
            CaseAssignment(
                case_id=case_row.id,
                from_id=previous.id,
                to_id=target.id,
                by_id=actor.id if actor is not None else None,
                reason=reason,
                at=now,
                source_key=source_key,
            )
        )
        promise = session.execute(
            select(Promise.amount, Promise.due_on)
            .join(Contact, Contact.id == Promise.contact_id)
            .where(Promise.case_id == case_row.id, Promise.status == "open", unreversed(Contact))
            .order_by(Promise.due_on)
            .limit(1)
        ).first()
        self._audit(
            session,
            actor.name if actor is not None else "cli",
            "case.assign",
            "case",
            case_row.loan_no,
            {"from": previous.employee_no, "to": target.employee_no, "reason": reason},
            actor_id=actor.id if actor is not None else None,
            source=source_key or "",
        )
        return Handover(
            case_row.loan_no,
            case_row.borrower,
            case_row.unit_id,
            previous.id,
            previous.name,
            target.id,
            target.name,
            actor.name if actor is not None else "",
            now,
            reason,
            case_row.principal_remaining + case_row.interest_remaining,
            promise[0] if promise else None,
            promise[1] if promise else None,
        )

    def handovers_of_case(self, loan_no: str, limit: int = 5) -> list[Handover]:
        """A case's hand-overs, newest first."""
        with self._read() as connection:
            return [
                Handover(*row)
                for row in connection.execute(_CASE_HANDOVERS, {"loan": loan_no, "limit": limit})
            ]

    # -- rebalancing a unit ----------------------------------------------------------------------------

    def unit_case_loads(self, unit: str) -> tuple[list[CaseLoad], list[str]]:
        """A unit's open cases held by its officers, and its officers' employee numbers (those holding none
        too), for the rebalancing."""
        with self._read() as connection:
            unit_id = connection.scalar(select(Unit.id).where(Unit.name == unit))
            if unit_id is None:
                raise UserError("ledger.unknown_unit", unit=unit)
            officers = list(
                connection.scalars(
                    select(Person.employee_no)
                    .where(Person.unit_id == unit_id, Person.role == "officer", Person.active.is_(True))
                    .order_by(Person.employee_no)
                )
            )
            rows = connection.execute(
                select(Case.loan_no, Person.employee_no, OUTSTANDING, Case.difficulty)
                .join(Person, Person.id == Case.officer_id)
                .where(Case.unit_id == unit_id, IS_OPEN, Person.employee_no.in_(officers))
                .order_by(Case.loan_no)
            )
            return [
                CaseLoad(loan_no, officer, int(fen), difficulty) for loan_no, officer, fen, difficulty in rows
            ], officers

    def apply_moves(self, moves: Sequence[Move]) -> list[Handover]:
        """Carry out a rebalancing's moves at once (all or none); a case no longer held as planned refuses them
        all."""
        handed: list[Handover] = []
        with self._transaction() as session:
            people = {
                person.employee_no: person
                for person in session.scalars(
                    select(Person).where(
                        Person.employee_no.in_(
                            {m.from_officer for m in moves} | {m.to_officer for m in moves}
                        )
                    )
                )
            }
            for move in moves:
                case_row = session.execute(
                    select(Case).where(Case.loan_no == move.loan_no).with_for_update()
                ).scalar_one()
                if case_row.officer_id != people[move.from_officer].id:
                    raise UserError("assign.plan_stale", loan_no=move.loan_no)
                handed.append(
                    self._hand_over(session, case_row, people[move.to_officer], None, "rebalance", None)
                )
        return handed
