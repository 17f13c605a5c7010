"""What officers log on a case: contacts and their promises to pay, shared locations, special situations,
undoing a contact; and each morning, deciding the promises whose date has passed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from core.compliance import contact_flags, flag_names
from core.errors import UserError
from core.lifecycle import after_contact, after_promise_decided, after_undo
from core.promises import PromiseDecision, promise_outcome
from core.repayment_rules import check_promise
from core.views import ContactEntry, PersonView, PromiseDue
from store.base import StoreBase
from store.models import Case, CaseStatusChange, Contact, Promise, Repayment, SpecialReport
from store.sql import ROWS_PER_STATEMENT, chunks, scope_clause, scope_params, unreversed

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
        Contact.flags,
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


# The borrower's contacts (on any of their cases, by anyone, not undone) made since a moment: a 4th in a day
# breaks the contact rules.
_borrower_case = aliased(Case)
_BORROWERS_CASES = select(Case.id).where(
    or_(
        Case.id == bindparam("case_id"),
        and_(
            Case.id_number != "",
            Case.id_number
            == select(_borrower_case.id_number)
            .where(_borrower_case.id == bindparam("case_id"))
            .scalar_subquery(),
        ),
    )
)
_CONTACTS_WITH_BORROWER = select(func.count(Contact.id)).where(
    Contact.case_id.in_(_BORROWERS_CASES), Contact.at >= bindparam("since"), unreversed(Contact)
)

PROMISE_OUTCOMES = ("kept", "partial", "broken")
_PROMISES_PASSED = (
    select(
        Promise.id,
        Promise.case_id,
        Promise.amount,
        Promise.due_on,
        Contact.at,
        Case.loan_no,
        Case.officer_id,
    )
    .join(Contact, Contact.id == Promise.contact_id)
    .join(Case, Case.id == Promise.case_id)
    .where(Promise.status == "open", Promise.due_on < bindparam("day"), unreversed(Contact))
    .order_by(Promise.id)
)
# Whether a case (of the outer statement) still has an open promise that was not undone.
_STILL_PROMISED = (
    select(Promise.id)
    .join(Contact, Contact.id == Promise.contact_id)
    .where(Promise.case_id == Case.__table__.c.id, Promise.status == "open", unreversed(Contact))
    .exists()
)


class ContactStore(StoreBase):
    """Contacts, promises and reports on cases."""

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
            locked = self._locked_case(connection, loan_no, source_key)
            if locked is not None:
                case = locked.case
                case_id, status, existing = case.id, case.status, locked.contact_id
                principal_remaining, interest_remaining = case.principal_remaining, case.interest_remaining
            else:
                row = connection.execute(_CASE_FOR_CONTACT, {"loan_no": loan_no, "key": source_key}).first()
                if row is None:
                    raise UserError("ledger.unknown_case", loan_no=loan_no)
                case_id, status, principal_remaining, interest_remaining, existing = row
            if existing is not None:
                return _contact_entry(connection.execute(_CONTACT_BY_ID, {"id": existing}).one())
            person_id, person_name = self._person_id(connection, employee_no)
            if promise_amount is not None:
                check_promise(promise_amount, principal_remaining + interest_remaining)
            now = self.now()
            local = now.astimezone(self.campaign.zone)
            earlier_today = connection.scalar(
                _CONTACTS_WITH_BORROWER,
                {"case_id": case_id, "since": datetime.combine(local.date(), time(0), self.campaign.zone)},
            )
            # Recorded, never refused: a breach of the rules is flagged for the unit lead.
            flags = contact_flags(local, int(earlier_today or 0))
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
                    "flags": ",".join(flags),
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
            self._case_after_contact(
                connection, case_id, status, (contact_id, now), person_id, promise_amount is not None, outcome
            )
            self._audit(
                connection,
                person_name,
                "contact.log",
                "case",
                loan_no,
                {"contact": contact_id, "channel": channel, "outcome": outcome, "promise": promise_amount}
                | ({"flags": list(flags)} if flags else {}),
                actor_id=person_id,
                source=source_key or "",
            )
            return ContactEntry(
                contact_id, loan_no, channel, outcome, now, promise_amount, promise_date, flags=flags
            )

    def _case_after_contact(
        self,
        connection: Any,
        case_id: int,
        status: str,
        contact: tuple[int, datetime],
        person_id: int,
        promised: bool,
        outcome: str,
    ) -> None:
        """The case a contact (its id and time) was logged on: touched, its status following the lifecycle, and
        its priority anew when a signature started the statute of limitations again."""
        contact_id, now = contact
        new_status = after_contact(status, promised=promised)
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
        if outcome == "acknowledged":
            with Session(bind=connection) as session:
                self._rescore(session, session.get_one(Case, case_id))
                session.flush()

    def attach_location(
        self, person_id: int, location: tuple[float, float], within: timedelta = timedelta(hours=2)
    ) -> str | None:
        """Put a shared location on the person's latest contact made within `within`; its loan number, or None."""
        with self._transaction() as session:
            row = session.execute(
                select(Contact, Case.loan_no)
                .join(Case, Case.id == Contact.case_id)
                .where(Contact.person_id == person_id, Contact.at >= self.now() - within, unreversed(Contact))
                .order_by(Contact.at.desc(), Contact.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            contact, loan_no = row
            contact.latitude = f"{location[0]:.6f}"
            contact.longitude = f"{location[1]:.6f}"
            return str(loan_no)

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
                select(func.max(Contact.at)).where(Contact.case_id == case_row.id, unreversed(Contact))
            ).scalar()
            open_promise = session.scalar(
                select(Promise.id)
                .join(Contact, Contact.id == Promise.contact_id)
                .where(Promise.case_id == case_row.id, Promise.status == "open", unreversed(Contact))
                .limit(1)
            )
            case_row.last_contact_at = still_contacted
            status = after_undo(
                case_row.status, contacted=still_contacted is not None, promised=open_promise is not None
            )
            if status != case_row.status:
                self._change_status(session, case_row, status, person.id, f"undo:{original.id}")
            if original.outcome == "acknowledged":
                self._rescore(session, case_row)
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

    def record_report(self, employee_no: str, text: str, source_key: str, loan_no: str | None = None) -> None:
        """Keep a special-situation report, on the case it names (if any), and in the audit log."""
        with self._transaction() as session:
            person = self._person(session, employee_no)
            case_id = (
                session.scalar(select(Case.id).where(Case.loan_no == loan_no))
                if loan_no is not None
                else None
            )
            session.add(
                SpecialReport(
                    person_id=person.id, case_id=case_id, text=text, at=self.now(), source_key=source_key
                )
            )
            detail: dict[str, Any] = {"text": text}
            if loan_no is not None:
                detail["loan_no"] = loan_no
            self._audit(session, person.name, "report", "person", employee_no, detail, person.id, source_key)

    def promises_due(self, person: PersonView, until: date) -> list[PromiseDue]:
        """Open promises (not undone) falling due by `until`, in the person's scope."""
        query = (
            select(Case.loan_no, Case.borrower, Promise.amount, Promise.due_on)
            .join(Case, Case.id == Promise.case_id)
            .join(Contact, Contact.id == Promise.contact_id)
            .where(
                Promise.status == "open",
                Promise.due_on <= until,
                unreversed(Contact),
                scope_clause(person.role),
            )
            .order_by(Promise.due_on)
            .limit(50)
        )
        with self._read() as connection:
            return [PromiseDue(*row) for row in connection.execute(query, scope_params(person))]

    # -- deciding promises ----------------------------------------------------------------------------

    def decide_promises(self, day: date) -> list[PromiseDecision]:
        """Decide every open promise whose date is before `day` from the repayments made for it.

        A promise counts the case's repayments paid from the day it was made through its date. One whose
        repayment still awaits the unit lead stays open. A promised case with no open promise left goes back
        to being worked (清收中).
        """
        with self._write() as connection:
            promises = connection.execute(_PROMISES_PASSED, {"day": day}).all()
            if not promises:
                return []
            paid = self._paid_on_cases(connection, sorted({row.case_id for row in promises}))
            zone = self.campaign.zone
            decisions: list[PromiseDecision] = []
            for promise_id, case_id, amount, due_on, made_at, loan_no, officer_id in promises:
                made = made_at.astimezone(zone).date()
                window = [
                    (status, value) for paid_on, status, value in paid[case_id] if made <= paid_on <= due_on
                ]
                outcome = promise_outcome(
                    amount,
                    sum((value for status, value in window if status == "confirmed"), Decimal(0)),
                    sum((value for status, value in window if status == "reported"), Decimal(0)),
                )
                if outcome is not None:
                    decisions.append(
                        PromiseDecision(promise_id, loan_no, officer_id, amount, due_on, outcome)
                    )
            decisions = self._mark_decided(connection, decisions, day)
            if not decisions:
                return []
            cases = {row.id: row.case_id for row in promises}
            self._release_promised_cases(connection, sorted({cases[d.promise_id] for d in decisions}))
            self._audit(
                connection,
                "schedule",
                "promise.decide",
                "ledger",
                day.isoformat(),
                {status: sum(1 for d in decisions if d.status == status) for status in PROMISE_OUTCOMES},
            )
        return decisions

    @staticmethod
    def _paid_on_cases(connection: Any, case_ids: list[int]) -> dict[int, list[tuple[date, str, Decimal]]]:
        """The confirmed and reported repayments of these cases, as (paid on, status, amount), per case."""
        paid: dict[int, list[tuple[date, str, Decimal]]] = defaultdict(list)
        for chunk in chunks(case_ids, ROWS_PER_STATEMENT):
            for case_id, paid_on, status, amount in connection.execute(
                select(Repayment.case_id, Repayment.paid_on, Repayment.status, Repayment.amount).where(
                    Repayment.case_id.in_(chunk), Repayment.status.in_(("confirmed", "reported"))
                )
            ):
                paid[case_id].append((paid_on, status, amount))
        return paid

    @staticmethod
    def _mark_decided(connection: Any, decisions: list[PromiseDecision], day: date) -> list[PromiseDecision]:
        """Write the decisions of promises still open; those this process decided.

        Only promises still open are decided: another process deciding the same morning (two bots started
        together) holds their rows until it commits, and then they are no longer open.
        """
        table = Promise.__table__
        decided: set[int] = set()
        for outcome in PROMISE_OUTCOMES:
            ids = [d.promise_id for d in decisions if d.status == outcome]
            for chunk in chunks(ids, ROWS_PER_STATEMENT):
                decided.update(
                    connection.scalars(
                        update(table)
                        .where(table.c.id.in_(chunk), table.c.status == "open")
                        .values(status=outcome, decided_on=day)
                        .returning(table.c.id)
                    )
                )
        return [d for d in decisions if d.promise_id in decided]

    def _release_promised_cases(self, connection: Any, case_ids: list[int]) -> None:
        """Cases whose promises were decided follow the lifecycle: promised ones with none open left are
        worked again."""
        table = Case.__table__
        for chunk in chunks(case_ids, ROWS_PER_STATEMENT):
            rows = connection.execute(
                select(table.c.id, table.c.status, _STILL_PROMISED).where(table.c.id.in_(chunk))
            )
            self._change_statuses(
                connection,
                [
                    (case_id, status, after_promise_decided(status, bool(promised)))
                    for case_id, status, promised in rows
                ],
                "promise",
            )


def _contact_entry(row: Any) -> ContactEntry:
    *fields, flags = row
    return ContactEntry(*fields, flags=flag_names(flags))
