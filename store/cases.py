"""Cases as officers and leads work them: listings, the case card, contacts, pending repayments, undo."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import aliased

from core.errors import UserError
from core.lifecycle import after_contact, after_undo
from core.money import from_fen
from core.ranking import ranking_key
from core.repayment_rules import check_promise
from core.views import (
    CaseEvent,
    CaseView,
    ContactEntry,
    OfficerProgress,
    PendingRepayment,
    PersonView,
    PromiseDue,
)
from core.vocabulary import CASE_STATUSES
from store.base import StoreBase, _fen, _fen_sum, _original
from store.models import (
    Case,
    CaseStatusChange,
    Contact,
    Person,
    Promise,
    Repayment,
    SpecialReport,
    Unit,
)

OPEN_STATUSES = ("open", "in_progress", "promised", "litigation", "asset_swap", "paused")
assert set(OPEN_STATUSES) == set(CASE_STATUSES) - {"settled"}
# Every status but settled is open. Written as one comparison: an IN list is re-rendered on every run.
_IS_OPEN = Case.status != literal_column("'settled'")


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
_OPEN_COUNT = select(func.count()).select_from(Case).where(_IS_OPEN)


def _scope_clause(role: str) -> Any:
    """What part of the ledger a role works: an officer's own cases, a unit lead's unit, or everything."""
    if role == "officer":
        return Case.officer_id == bindparam("scope_id")
    if role == "unit_lead":
        return Case.unit_id == bindparam("scope_id")
    return literal(True)


def _scope_params(person: PersonView) -> dict[str, Any]:
    return {"scope_id": person.id if person.role == "officer" else person.unit_id}


# Statements are built once per role and run with parameters: rebuilding them on every message cost more
# (in SQLAlchemy's result adaptation) than running them.
@cache
def _open_list(role: str) -> Select[Any]:
    return (
        _CASE_QUERY.where(_IS_OPEN, _scope_clause(role))
        .order_by(Case.priority.desc(), Case.deadline, Case.loan_no)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _open_count(role: str) -> Select[Any]:
    return _OPEN_COUNT.where(_scope_clause(role))


@cache
def _due_list(role: str) -> Select[Any]:
    return (
        _CASE_QUERY.where(_IS_OPEN, Case.deadline <= bindparam("until"), _scope_clause(role))
        .order_by(Case.priority.desc(), Case.deadline)
        .limit(50)
    )


_CONTACT_BY_ID = (
    select(
        Contact.id,
        Case.loan_no,
        Contact.channel,
        Contact.outcome,
        Contact.at,
        Promise.amount,
        Promise.due_on,
        Contact.reverses_id,
    )
    .join(Case, Case.id == Contact.case_id)
    .outerjoin(Promise, Promise.contact_id == Contact.id)
    .where(Contact.id == bindparam("id"))
)
# The case, locked, and the contact the same message already recorded (if any): one round trip.
_CASE_FOR_CONTACT = (
    select(
        Case.id,
        Case.status,
        Case.principal_remaining,
        Case.interest_remaining,
        select(Contact.id).where(Contact.source_key == bindparam("key")).scalar_subquery(),
    )
    .where(Case.loan_no == bindparam("loan_no"))
    .with_for_update(of=Case)
)
_INSERT_CONTACT = insert(Contact.__table__).returning(Contact.__table__.c.id)
_INSERT_PROMISE = insert(Promise.__table__)
_REPLACE_PROMISES = (
    update(Promise.__table__)
    .where(
        Promise.__table__.c.case_id == bindparam("replaced_case"),
        Promise.__table__.c.status == "open",
        Promise.__table__.c.contact_id != bindparam("new_contact"),
    )
    .values(status="replaced", decided_on=bindparam("replaced_on"))
)
_INSERT_STATUS = insert(CaseStatusChange.__table__)
_TOUCH_CASE = (
    update(Case.__table__)
    .where(Case.__table__.c.id == bindparam("case_key"))
    .values(
        last_contact_at=bindparam("touched"), updated_at=bindparam("touched"), status=bindparam("new_status")
    )
)

# An officer's figures: cases, settled, the balances started with, what confirmed repayments brought back.
_OFFICER_FIGURES = (
    func.count(Case.id),
    _fen_sum(case((Case.status == "settled", 1), else_=0)),
    _fen_sum(_fen(Case.principal) + _fen(Case.interest)),
    _fen_sum(
        _fen(Case.principal)
        - _fen(Case.principal_remaining)
        + _fen(Case.interest)
        - _fen(Case.interest_remaining)
    ),
)
_OFFICER_PROGRESS = (
    select(Person.employee_no, Person.name, *_OFFICER_FIGURES)
    .outerjoin(Case, Case.officer_id == Person.id)
    .where(Person.unit_id == bindparam("unit_id"), Person.role == "officer")
    .group_by(Person.id, Person.employee_no, Person.name)
)
# One officer's own card: the figures and the open cases falling due, from the officer's cases alone.
_OWN_PROGRESS = select(
    *_OFFICER_FIGURES,
    _fen_sum(case((and_(_IS_OPEN, Case.deadline <= bindparam("until")), 1), else_=0)),
).where(Case.officer_id == bindparam("officer_id"))

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
    )
    .join(Case, Case.id == Repayment.case_id)
    .join(_reporter, _reporter.id == Repayment.person_id)
)

_event_person = aliased(Person)


# The columns every kind of case event is read as, in UNION order.
_EVENT_COLUMNS = (
    "at",
    "rank",
    "id",
    "kind",
    "person",
    "how",
    "what",
    "note",
    "reverses",
    "undone",
    "amount",
    "day",
)


def _undone(model: Any) -> Any:
    """1 when a later entry reversed this one, else 0."""
    reversal = aliased(model)
    return case((select(reversal.id).where(reversal.reverses_id == model.id).exists(), 1), else_=0)


def _latest_events(model: Any, at: Any, *columns: Any) -> Select[Any]:
    """One kind of a case's events as `_EVENT_COLUMNS` (`at`, then the rest), newest first, at most `limit`."""
    labelled = (c.label(name) for c, name in zip((at, *columns), _EVENT_COLUMNS, strict=True))
    return (
        select(*labelled)
        .where(model.case_id == bindparam("case_id"))
        .order_by(at.desc(), model.id.desc())
        .limit(bindparam("limit"))
    )


def _build_case_events() -> Any:
    """A case's latest contacts, repayments and status changes in one statement, newest first.

    At the same instant a contact (rank 0) comes before the status change (rank 2) it caused.
    """
    empty = literal_column("''")
    contacts = (
        _latest_events(
            Contact,
            Contact.at,
            literal_column("0"),
            Contact.id,
            literal_column("'contact'"),
            _event_person.name,
            Contact.channel,
            Contact.outcome,
            Contact.note,
            Contact.reverses_id,
            _undone(Contact),
            Promise.amount,
            Promise.due_on,
        )
        .join(_event_person, _event_person.id == Contact.person_id)
        .outerjoin(Promise, Promise.contact_id == Contact.id)
    )
    repayments = _latest_events(
        Repayment,
        Repayment.created_at,
        literal_column("1"),
        Repayment.id,
        literal_column("'repayment'"),
        _event_person.name,
        Repayment.method,
        Repayment.status,
        Repayment.decision_note,
        Repayment.reverses_id,
        _undone(Repayment),
        Repayment.amount,
        Repayment.paid_on,
    ).join(_event_person, _event_person.id == Repayment.person_id)
    reports = _latest_events(
        SpecialReport,
        SpecialReport.at,
        literal_column("3"),
        SpecialReport.id,
        literal_column("'report'"),
        _event_person.name,
        empty,
        empty,
        SpecialReport.text,
        cast(null(), Integer),
        literal_column("0"),
        cast(null(), BigInteger),
        cast(null(), Date),
    ).join(_event_person, _event_person.id == SpecialReport.person_id)
    statuses = _latest_events(
        CaseStatusChange,
        CaseStatusChange.at,
        literal_column("2"),
        CaseStatusChange.id,
        literal_column("'status'"),
        empty,
        empty,
        CaseStatusChange.to_status,
        CaseStatusChange.reason,
        # Typed: PostgreSQL reads an untyped NULL in a subquery as text.
        cast(null(), Integer),
        literal_column("0"),
        cast(null(), BigInteger),
        cast(null(), Date),
    )
    branches = [select(*kind.subquery().c) for kind in (contacts, repayments, statuses, reports)]
    everything = union_all(*branches).subquery()
    return (
        select(*everything.c)
        .order_by(everything.c.at.desc(), everything.c.rank, everything.c.id.desc())
        .limit(bindparam("limit"))
    )


_CASE_EVENTS = _build_case_events()


def _containing(text: str) -> str:
    """A LIKE pattern for values containing `text` as typed (its % and _ are not wildcards)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _unreversed(model: Any) -> Any:
    reversal = aliased(model)
    return and_(_original(model), ~select(reversal.id).where(reversal.reverses_id == model.id).exists())


class CaseStore(StoreBase):
    """The cases of the campaign as people work them."""

    def case_view(self, loan_no: str) -> CaseView | None:
        """One case by loan number."""
        with self._read() as connection:
            row = connection.execute(_CASE_BY_LOAN, {"loan_no": loan_no}).first()
            return CaseView(*row) if row else None

    def open_cases(self, person: PersonView, limit: int = 20, offset: int = 0) -> tuple[list[CaseView], int]:
        """The open cases a person works (own, unit's, or all), highest priority first, and how many in all."""
        params = _scope_params(person)
        with self._read() as connection:
            total = connection.scalar(_open_count(person.role), params) or 0
            rows = connection.execute(_open_list(person.role), {**params, "limit": limit, "offset": offset})
            return [CaseView(*row) for row in rows], total

    def cases_of_borrower(self, person: PersonView, name: str, limit: int = 10) -> list[CaseView]:
        """Cases (open first, then settled) in the person's scope whose borrower is named `name`, or whose
        name contains it when none is named exactly."""
        scoped = _CASE_QUERY.where(_scope_clause(person.role)).params(**_scope_params(person))
        order = (case((_IS_OPEN, 0), else_=1), Case.priority.desc(), Case.loan_no)
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
        query = _CASE_QUERY.where(_IS_OPEN, _scope_clause(person.role)).params(**_scope_params(person))
        query = query.where(
            func.length(Case.borrower) >= 2, literal(text, String).like("%" + Case.borrower + "%")
        )
        with self._session() as session:
            rows = session.execute(query.order_by(Case.priority.desc()).limit(limit))
            return [CaseView(*row) for row in rows]

    def case_events(self, case_id: int, limit: int = 5) -> list[CaseEvent]:
        """The latest contacts, repayments and status changes of a case, newest first."""
        with self._read() as connection:
            rows = connection.execute(_CASE_EVENTS, {"case_id": case_id, "limit": limit}).all()
        events = []
        for at, _rank, _id, kind, person, how, what, note, reverses, undone, amount, day in rows:
            if kind == "contact":
                event = CaseEvent(
                    at,
                    kind,
                    person,
                    channel=how,
                    outcome=what,
                    note=note,
                    amount=amount,
                    day=day,
                    reversed=reverses is not None,
                    undone=bool(undone),
                )
            elif kind == "repayment":
                event = CaseEvent(
                    at,
                    kind,
                    person,
                    amount=amount,
                    day=day,
                    status=what,
                    channel=how,
                    note=note,
                    reversed=reverses is not None,
                    undone=bool(undone),
                )
            elif kind == "report":
                event = CaseEvent(at, kind, person, note=note)
            else:
                event = CaseEvent(at, kind, "", status=what, note=note)
            events.append(event)
        return events

    # -- contacts -------------------------------------------------------------------------------------

    def record_contact(
        self,
        loan_no: str,
        employee_no: str,
        channel: str,
        outcome: str,
        note: str = "",
        promise_amount: Decimal | None = None,
        promise_date: date | None = None,
        photo: str | None = None,
        location: tuple[float, float] | None = None,
        source_key: str | None = None,
        approach: str | None = None,
        participants: str = "",
    ) -> ContactEntry:
        """Record a contact (and its promise to pay, which replaces the case's open one); recording the same
        message twice returns the first."""
        today = self.today()
        if (promise_amount is None) != (promise_date is None):
            raise UserError("contact.promise_needs_both")
        if promise_date is not None and promise_date < today:
            raise UserError("contact.promise_past", day=promise_date.isoformat())
        if promise_amount is not None and promise_amount <= 0:
            raise UserError("amount.zero")
        with self._write() as connection:
            row = connection.execute(_CASE_FOR_CONTACT, {"loan_no": loan_no, "key": source_key}).first()
            if row is None:
                raise UserError("ledger.unknown_case", loan_no=loan_no)
            case_id, status, principal_remaining, interest_remaining, existing = row
            if existing is not None:
                return ContactEntry(*connection.execute(_CONTACT_BY_ID, {"id": existing}).one())
            person_id, person_name = self._person_id(connection, employee_no)
            if promise_amount is not None:
                check_promise(promise_amount, principal_remaining + interest_remaining)
            now = self.now()
            contact_id = connection.execute(
                _INSERT_CONTACT,
                {
                    "case_id": case_id,
                    "person_id": person_id,
                    "at": now,
                    "channel": channel,
                    "outcome": outcome,
                    "approach": approach,
                    "participants": participants,
                    "note": note,
                    "photo": photo,
                    "latitude": None if location is None else f"{location[0]:.6f}",
                    "longitude": None if location is None else f"{location[1]:.6f}",
                    "source_key": source_key,
                },
            ).scalar_one()
            if promise_amount is not None and promise_date is not None:
                # The borrower's newest word stands: an open promise of the case gives way to this one.
                connection.execute(
                    _REPLACE_PROMISES,
                    {"replaced_case": case_id, "replaced_on": today, "new_contact": contact_id},
                )
                connection.execute(
                    _INSERT_PROMISE,
                    {
                        "case_id": case_id,
                        "contact_id": contact_id,
                        "amount": promise_amount,
                        "due_on": promise_date,
                        "status": "open",
                    },
                )
            new_status = after_contact(status, promised=promise_amount is not None)
            connection.execute(_TOUCH_CASE, {"case_key": case_id, "touched": now, "new_status": new_status})
            if new_status != status:
                connection.execute(
                    _INSERT_STATUS,
                    {
                        "case_id": case_id,
                        "from_status": status,
                        "to_status": new_status,
                        "reason": f"contact:{contact_id}",
                        "person_id": person_id,
                        "at": now,
                    },
                )
            self._audit(
                connection,
                person_name,
                "contact.log",
                "case",
                loan_no,
                {"contact": contact_id, "channel": channel, "outcome": outcome, "promise": promise_amount},
                actor_id=person_id,
                source=source_key or "",
            )
            return ContactEntry(contact_id, loan_no, channel, outcome, now, promise_amount, promise_date)

    def attach_location(
        self, person_id: int, location: tuple[float, float], within: timedelta = timedelta(hours=2)
    ) -> str | None:
        """Put a shared location on the person's latest contact made within `within`; its loan number, or None."""
        with self._transaction() as session:
            row = session.execute(
                select(Contact, Case.loan_no)
                .join(Case, Case.id == Contact.case_id)
                .where(
                    Contact.person_id == person_id, Contact.at >= self.now() - within, _unreversed(Contact)
                )
                .order_by(Contact.at.desc(), Contact.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            contact, loan_no = row
            contact.latitude = f"{location[0]:.6f}"
            contact.longitude = f"{location[1]:.6f}"
            return str(loan_no)

    # -- undo -----------------------------------------------------------------------------------------

    def last_entry(self, person_id: int, within: timedelta) -> tuple[str, int] | None:
        """The person's latest unreversed contact or repayment made within `within`: ("contact"|"repayment", id)."""
        since = self.now() - within
        contacts = select(
            literal_column("'contact'").label("kind"), Contact.id.label("id"), Contact.at.label("at")
        ).where(Contact.person_id == person_id, Contact.at >= since, _unreversed(Contact))
        repayments = select(
            literal_column("'repayment'").label("kind"),
            Repayment.id.label("id"),
            Repayment.created_at.label("at"),
        ).where(
            Repayment.person_id == person_id,
            Repayment.created_at >= since,
            Repayment.status != "rejected",
            _unreversed(Repayment),
        )
        both = union_all(contacts, repayments).subquery()
        with self._session() as session:
            row = session.execute(
                select(both.c.kind, both.c.id).order_by(both.c.at.desc(), both.c.id.desc()).limit(1)
            ).first()
            return (str(row[0]), int(row[1])) if row else None

    def reversal_by_message(self, source_key: str) -> tuple[str, str] | None:
        """The reversal a message already made, as (kind, loan number): a re-delivered undo undoes no more."""
        with self._session() as session:
            for model in (Repayment, Contact):
                loan_no = session.scalar(
                    select(Case.loan_no)
                    .join(model, model.case_id == Case.id)
                    .where(model.source_key == source_key, model.reverses_id.is_not(None))
                )
                if loan_no is not None:
                    return ("repayment" if model is Repayment else "contact", str(loan_no))
        return None

    def reverse_contact(
        self, contact_id: int, employee_no: str, source_key: str | None = None
    ) -> ContactEntry:
        """Add the reversal of a contact; its promise no longer counts and the case's status follows."""
        with self._transaction() as session:
            original = session.get(Contact, contact_id, with_for_update=True)
            if original is None or original.reverses_id is not None:
                raise UserError("ledger.unknown_entry")
            if session.scalar(select(Contact.id).where(Contact.reverses_id == original.id)) is not None:
                raise UserError("ledger.already_reversed")
            person = self._person(session, employee_no)
            case_row = session.get_one(Case, original.case_id, with_for_update=True)
            reversal = Contact(
                case_id=original.case_id,
                person_id=person.id,
                at=self.now(),
                channel=original.channel,
                outcome=original.outcome,
                note="撤销",
                reverses_id=original.id,
                source_key=source_key,
            )
            session.add(reversal)
            session.flush()
            still_contacted = session.execute(
                select(func.max(Contact.at)).where(Contact.case_id == case_row.id, _unreversed(Contact))
            ).scalar()
            open_promise = session.scalar(
                select(Promise.id)
                .join(Contact, Contact.id == Promise.contact_id)
                .where(Promise.case_id == case_row.id, Promise.status == "open", _unreversed(Contact))
                .limit(1)
            )
            case_row.last_contact_at = still_contacted
            status = after_undo(
                case_row.status, contacted=still_contacted is not None, promised=open_promise is not None
            )
            if status != case_row.status:
                self._change_status(session, case_row, status, person.id, f"undo:{original.id}")
            self._audit(
                session,
                person.name,
                "contact.reverse",
                "case",
                case_row.loan_no,
                {"contact": original.id, "reversal": reversal.id},
                actor_id=person.id,
                source=source_key or "",
            )
            return ContactEntry(
                reversal.id,
                case_row.loan_no,
                original.channel,
                original.outcome,
                reversal.at,
                None,
                None,
                original.id,
            )

    # -- pending and due ------------------------------------------------------------------------------

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
        query = _PENDING_REPAYMENTS.where(Repayment.status == "reported", _unreversed(Repayment))
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
            return [PendingRepayment(*row) for row in rows], total

    def pending_repayment(self, repayment_id: int) -> PendingRepayment | None:
        """One reported repayment still awaiting a decision."""
        query = _PENDING_REPAYMENTS.where(Repayment.id == repayment_id, Repayment.reverses_id.is_(None))
        with self._read() as connection:
            row = connection.execute(query).first()
            return PendingRepayment(*row) if row else None

    def cases_due(self, person: PersonView, within_days: int, today: date) -> list[CaseView]:
        """Open cases due within `within_days` or overdue, in the person's scope, highest priority first."""
        params = {**_scope_params(person), "until": today + timedelta(days=within_days)}
        with self._read() as connection:
            return [CaseView(*row) for row in connection.execute(_due_list(person.role), params)]

    def own_progress(self, officer: PersonView, within_days: int, today: date) -> tuple[OfficerProgress, int]:
        """An officer's own figures, and how many of their open cases fall due within `within_days` or are
        overdue (one query, for the officer's progress card)."""
        params = {"officer_id": officer.id, "until": today + timedelta(days=within_days)}
        with self._read() as connection:
            cases, settled, start, got, due = connection.execute(_OWN_PROGRESS, params).one()
        figures = OfficerProgress(
            officer.employee_no,
            officer.name,
            int(cases),
            int(settled),
            from_fen(int(start)),
            from_fen(int(got)),
        )
        return figures, int(due)

    def promises_due(self, person: PersonView, until: date) -> list[PromiseDue]:
        """Open promises (not undone) falling due by `until`, in the person's scope."""
        query = (
            select(Case.loan_no, Case.borrower, Promise.amount, Promise.due_on)
            .join(Case, Case.id == Promise.case_id)
            .join(Contact, Contact.id == Promise.contact_id)
            .where(
                Promise.status == "open",
                Promise.due_on <= until,
                _unreversed(Contact),
                _scope_clause(person.role),
            )
            .order_by(Promise.due_on)
            .limit(50)
        )
        with self._read() as connection:
            return [PromiseDue(*row) for row in connection.execute(query, _scope_params(person))]

    # -- progress -------------------------------------------------------------------------------------

    def officer_progress(self, unit_id: int) -> list[OfficerProgress]:
        """Every officer of a unit with their cases and confirmed recovery, best rate first."""
        with self._read() as connection:
            rows = connection.execute(_OFFICER_PROGRESS, {"unit_id": unit_id}).all()
        progress = [
            OfficerProgress(no, name, int(cases), int(settled), from_fen(int(start)), from_fen(int(got)))
            for no, name, cases, settled, start, got in rows
        ]
        progress.sort(key=lambda p: ranking_key(p.rate, p.recovered, p.employee_no))
        return progress

    def unit_id(self, name: str) -> int | None:
        """A unit's id by its name."""
        with self._session() as session:
            return session.scalar(select(Unit.id).where(Unit.name == name))

    def unit_names(self) -> list[str]:
        """Every unit's name."""
        with self._session() as session:
            return list(session.scalars(select(Unit.name).order_by(Unit.name)))

    def recovered_on(self, day_start: datetime, day_end: datetime) -> dict[str, Decimal]:
        """Per unit name, what was confirmed between two instants (net of reversals)."""
        with self._session() as session:
            rows = session.execute(
                select(Unit.name, _fen_sum(_fen(Repayment.amount)))
                .join(Case, Case.id == Repayment.case_id)
                .join(Unit, Unit.id == Case.unit_id)
                .where(
                    Repayment.status == "confirmed",
                    Repayment.decided_at >= day_start,
                    Repayment.decided_at < day_end,
                )
                .group_by(Unit.name)
            ).all()
            return {name: from_fen(int(fen)) for name, fen in rows}
