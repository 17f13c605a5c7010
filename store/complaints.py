"""Complaints about how a case is collected (投诉, SPEC §10): kept on the case, open until a unit lead, leader or
admin who is not the case's officer closes them with a note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from core.errors import UserError
from core.views import PersonView
from store.base import StoreBase
from store.models import Case, Complaint, Person, Unit
from store.sql import scope_clause, scope_params

# Who may close a complaint (the case's officer never may).
CLOSERS = ("unit_lead", "leader", "admin")


@dataclass(frozen=True, slots=True)
class ComplaintView:
    """A complaint as shown: on which case, whose, what was said, by whom, and how it was closed."""

    id: int
    loan_no: str
    borrower: str
    unit_id: int
    unit: str
    officer_id: int
    officer: str
    text: str
    by: str
    at: datetime
    closed_by: str = ""
    closed_at: datetime | None = None
    close_note: str = ""
    by_id: int = 0

    @property
    def open(self) -> bool:
        """Whether it still waits to be closed."""
        return self.closed_at is None


_officer = aliased(Person)
_maker = aliased(Person)
_closer = aliased(Person)
_COMPLAINTS = (
    select(
        Complaint.id,
        Case.loan_no,
        Case.borrower,
        Case.unit_id,
        Unit.name,
        Case.officer_id,
        _officer.name,
        Complaint.text,
        _maker.name,
        Complaint.at,
        func.coalesce(_closer.name, ""),
        Complaint.closed_at,
        Complaint.close_note,
        Complaint.person_id,
    )
    .join(Case, Case.id == Complaint.case_id)
    .join(Unit, Unit.id == Case.unit_id)
    .join(_officer, _officer.id == Case.officer_id)
    .join(_maker, _maker.id == Complaint.person_id)
    .outerjoin(_closer, _closer.id == Complaint.closed_by_id)
)


# Built once: the card reads them on every /case.
_CASE_COMPLAINTS = (
    _COMPLAINTS.where(Complaint.case_id == bindparam("case"))
    .order_by(Complaint.closed_at.is_not(None), Complaint.at.desc(), Complaint.id.desc())
    .limit(bindparam("limit"))
)


class ComplaintStore(StoreBase):
    """Complaints and their closing."""

    def record_complaint(self, loan_no: str, employee_no: str, text: str, source_key: str) -> ComplaintView:
        """Keep a complaint on a case (the same message twice is kept once)."""
        with self._transaction() as session:
            existing = session.scalar(select(Complaint.id).where(Complaint.source_key == source_key))
            if existing is None:
                case_row = session.execute(select(Case).where(Case.loan_no == loan_no)).scalar_one_or_none()
                if case_row is None:
                    raise UserError("ledger.unknown_case", loan_no=loan_no)
                person = self._person(session, employee_no)
                complaint = Complaint(
                    case_id=case_row.id,
                    person_id=person.id,
                    text=text,
                    at=self.now(),
                    close_note="",
                    source_key=source_key,
                )
                session.add(complaint)
                session.flush()
                existing = complaint.id
                self._audit(
                    session,
                    person.name,
                    "complaint.make",
                    "case",
                    loan_no,
                    {"complaint": complaint.id, "text": text},
                    actor_id=person.id,
                    source=source_key,
                )
            return ComplaintView(*session.execute(_COMPLAINTS.where(Complaint.id == existing)).one())

    def close_complaints(
        self, loan_no: str, person: PersonView, note: str, source_key: str
    ) -> list[ComplaintView]:
        """Close the case's open complaints with a note: a unit lead of its unit, a leader or an admin, never the
        officer who holds the case."""
        with self._transaction() as session:
            case_row = session.execute(
                select(Case).where(Case.loan_no == loan_no).with_for_update()
            ).scalar_one_or_none()
            if case_row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            if case_row.officer_id == person.id:
                raise UserError("complaint.own_case", loan_no=loan_no)
            if person.role not in CLOSERS:
                raise UserError("complaint.not_closer")
            if person.role == "unit_lead" and case_row.unit_id != person.unit_id:
                raise UserError("case.not_yours", loan_no=loan_no)
            open_ones = session.scalars(
                select(Complaint)
                .where(Complaint.case_id == case_row.id, Complaint.closed_at.is_(None))
                .order_by(Complaint.id)
            ).all()
            if not open_ones:
                raise UserError("complaint.none_open_on", loan_no=loan_no)
            now = self.now()
            for complaint in open_ones:
                complaint.closed_by_id = person.id
                complaint.closed_at = now
                complaint.close_note = note
            session.flush()
            ids = [complaint.id for complaint in open_ones]
            self._audit(
                session,
                person.name,
                "complaint.close",
                "case",
                loan_no,
                {"complaints": ids, "note": note},
                actor_id=person.id,
                source=source_key,
            )
            rows = session.execute(_COMPLAINTS.where(Complaint.id.in_(ids)).order_by(Complaint.id))
            return [ComplaintView(*row) for row in rows]

    def open_complaints(self, person: PersonView, limit: int = 20) -> tuple[list[ComplaintView], int]:
        """The open complaints the person sees, oldest first, and how many in all."""
        query = _COMPLAINTS.where(Complaint.closed_at.is_(None), scope_clause(person.role))
        params = scope_params(person)
        with self._read() as connection:
            total = connection.scalar(select(func.count()).select_from(query.subquery()), params)
            rows = connection.execute(query.order_by(Complaint.at, Complaint.id).limit(limit), params)
            return [ComplaintView(*row) for row in rows], int(total or 0)

    def complaints_of_case(self, case_id: int, limit: int = 5) -> list[ComplaintView]:
        """A case's complaints, the open ones first, then the newest."""
        with self._read() as connection:
            rows = connection.execute(_CASE_COMPLAINTS, {"case": case_id, "limit": limit})
            return [ComplaintView(*row) for row in rows]

    def open_complaints_by_unit(self) -> dict[int, int]:
        """How many complaints are open, per unit."""
        query = (
            select(Case.unit_id, func.count())
            .select_from(Complaint)
            .join(Case, Case.id == Complaint.case_id)
            .where(Complaint.closed_at.is_(None))
            .group_by(Case.unit_id)
        )
        with self._read() as connection:
            return {unit_id: int(count) for unit_id, count in connection.execute(query)}

    def complaints_between(self, start: datetime, end: datetime) -> list[ComplaintView]:
        """Complaints made in [start, end), and those made before and still open or closed within it: what a
        dispatch pack reports, oldest first."""
        query = _COMPLAINTS.where(
            Complaint.at < end,
            (Complaint.at >= start) | Complaint.closed_at.is_(None) | (Complaint.closed_at >= start),
        ).order_by(Complaint.at, Complaint.id)
        with self._read() as connection:
            return [ComplaintView(*row) for row in connection.execute(query)]
