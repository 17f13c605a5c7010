"""Cases as officers and leads look for them: lists by priority, by borrower and by loan number, cases falling
due, their status history and priorities."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, String, bindparam, case, func, literal, select, update
from sqlalchemy.orm import aliased

from core.priority import priority
from core.views import CaseView, PersonView
from store.base import LockedCase, StoreBase
from store.models import Case, CaseStatusChange, Contact, Person, Repayment, Unit
from store.sql import IS_OPEN, scope_clause, scope_params
from store.statutes import expiry, statute_starts


def _build_case_query() -> Select[Any]:
    unit = aliased(Unit)
    officer = aliased(Person)
    return (
        select(
            Case.id,
            Case.loan_no,
            Case.borrower,
            Case.id_number,
            Case.phone,
            Case.unit_id,
            unit.name,
            Case.officer_id,
            officer.name,
            officer.employee_no,
            Case.principal,
            Case.interest,
            Case.principal_remaining,
            Case.interest_remaining,
            Case.classification,
            Case.difficulty,
            Case.deadline,
            Case.plan,
            Case.statute_date,
            Case.status,
            Case.status_reason,
            Case.priority,
            Case.last_contact_at,
        )
        .join(unit, unit.id == Case.unit_id)
        .join(officer, officer.id == Case.officer_id)
    )


# Built once: constructing aliased selects costs more than running them.
_CASE_QUERY = _build_case_query()
_CASE_BY_LOAN = _CASE_QUERY.where(Case.loan_no == bindparam("loan_no"))
# A case about to get an entry, locked (reports on a case wait for each other), with what the entry's source
# key already recorded (a message recorded before is answered with its first entry).
_CASE_TO_RECORD = _CASE_BY_LOAN.add_columns(
    select(Contact.id).where(Contact.source_key == bindparam("key")).scalar_subquery(),
    select(Repayment.id).where(Repayment.source_key == bindparam("key")).scalar_subquery(),
).with_for_update(of=Case)
_OPEN_COUNT = select(func.count()).select_from(Case).where(IS_OPEN)


# Statements are built once per role and run with parameters: rebuilding them on every message cost more
# (in SQLAlchemy's result adaptation) than running them.
@cache
def _open_list(role: str) -> Select[Any]:
    return (
        _CASE_QUERY.where(IS_OPEN, scope_clause(role))
        .order_by(Case.priority.desc(), Case.deadline, Case.loan_no)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _open_count(role: str) -> Select[Any]:
    return _OPEN_COUNT.where(scope_clause(role))


@cache
def _due_list(role: str) -> Select[Any]:
    return (
        _CASE_QUERY.where(IS_OPEN, Case.deadline <= bindparam("until"), scope_clause(role))
        .order_by(Case.priority.desc(), Case.deadline)
        .limit(50)
    )


def _containing(text: str) -> str:
    """A LIKE pattern for values containing `text` as typed (its % and _ are not wildcards)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CaseStore(StoreBase):
    """The cases of the campaign as people look for them."""

    def case_view(self, loan_no: str) -> CaseView | None:
        """One case by loan number."""
        with self._read() as connection:
            row = connection.execute(_CASE_BY_LOAN, {"loan_no": loan_no}).first()
            return CaseView(*row) if row else None

    def case_to_record(self, loan_no: str, source_key: str | None) -> CaseView | None:
        """One case by loan number, about to get an entry of `source_key` (a contact or a repayment).

        Inside the message's write it is read locked, with what the source key already recorded, so that
        recording the entry does not read the case again (one statement, not two).
        """
        with self._read() as connection:
            if not self._writing(connection):
                row = connection.execute(_CASE_BY_LOAN, {"loan_no": loan_no}).first()
                return CaseView(*row) if row else None
            row = connection.execute(_CASE_TO_RECORD, {"loan_no": loan_no, "key": source_key}).first()
            if row is None:
                return None
            view = CaseView(*row[:-2])
            transaction = connection.get_transaction()
            assert transaction is not None
            self._note_locked_case(LockedCase(transaction, view, source_key, row[-2], row[-1]))
            return view

    def open_cases(self, person: PersonView, limit: int = 20, offset: int = 0) -> tuple[list[CaseView], int]:
        """The open cases a person works (own, unit's, or all), highest priority first, and how many in all."""
        params = scope_params(person)
        with self._read() as connection:
            total = connection.scalar(_open_count(person.role), params) or 0
            rows = connection.execute(_open_list(person.role), {**params, "limit": limit, "offset": offset})
            return [CaseView(*row) for row in rows], total

    def cases_of_borrower(self, person: PersonView, name: str, limit: int = 10) -> list[CaseView]:
        """Cases (open first, then settled) in the person's scope whose borrower is named `name`, or whose
        name contains it when none is named exactly."""
        scoped = _CASE_QUERY.where(scope_clause(person.role)).params(**scope_params(person))
        order = (case((IS_OPEN, 0), else_=1), Case.priority.desc(), Case.loan_no)
        with self._session() as session:
            exact = session.execute(scoped.where(Case.borrower == name).order_by(*order).limit(limit)).all()
            if exact:
                return [CaseView(*row) for row in exact]
            rows = session.execute(
                scoped.where(Case.borrower.like(_containing(name), escape="\\")).order_by(*order).limit(limit)
            )
            return [CaseView(*row) for row in rows]

    def units_named(self, part: str) -> list[str]:
        """Units whose name is `part`, or else contains it, by name."""
        with self._session() as session:
            if session.scalar(select(Unit.name).where(Unit.name == part)) is not None:
                return [part]
            return list(
                session.scalars(
                    select(Unit.name)
                    .where(Unit.name.like(_containing(part), escape="\\"))
                    .order_by(Unit.name)
                    .limit(20)
                )
            )

    def existing_loan_numbers(self, numbers: list[str]) -> set[str]:
        """Which of these are loan numbers of the ledger (a message's all-digit numbers, checked)."""
        if not numbers:
            return set()
        with self._read() as connection:
            return set(connection.scalars(select(Case.loan_no).where(Case.loan_no.in_(numbers[:50]))))

    def cases_naming(self, person: PersonView, text: str, limit: int = 5) -> list[CaseView]:
        """Open cases (in the person's scope) whose borrower's name appears in `text`."""
        query = _CASE_QUERY.where(IS_OPEN, scope_clause(person.role)).params(**scope_params(person))
        query = query.where(
            func.length(Case.borrower) >= 2, literal(text, String).like("%" + Case.borrower + "%")
        )
        with self._session() as session:
            rows = session.execute(query.order_by(Case.priority.desc()).limit(limit))
            return [CaseView(*row) for row in rows]

    def cases_due(self, person: PersonView, within_days: int, today: date) -> list[CaseView]:
        """Open cases due within `within_days` or overdue, in the person's scope, highest priority first."""
        params = {**scope_params(person), "until": today + timedelta(days=within_days)}
        with self._read() as connection:
            return [CaseView(*row) for row in connection.execute(_due_list(person.role), params)]

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
                ).where(IS_OPEN)
            ).all()
            # The statute as it stands: started again by a payment, an acknowledgment or a filing since.
            starts = statute_starts(session, self.campaign.zone)
            updates = []
            for cid, principal, interest, difficulty, deadline, statute, old in rows:
                expires = expiry(statute, starts.get(cid, []))
                score = priority(principal + interest, difficulty, deadline, expires, today).score
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

    def unit_id(self, name: str) -> int | None:
        """A unit's id by its name."""
        with self._session() as session:
            return session.scalar(select(Unit.id).where(Unit.name == name))

    def unit_names(self) -> list[str]:
        """Every unit's name."""
        with self._session() as session:
            return list(session.scalars(select(Unit.name).order_by(Unit.name)))
