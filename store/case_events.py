"""A case's card: its latest contacts, repayments, lawsuit stages, status changes and special reports, newest
first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Select,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from core.compliance import flag_names
from core.views import CaseEvent
from store.base import StoreBase
from store.models import CaseStatusChange, Contact, LawsuitStage, Person, Promise, Repayment, SpecialReport
from store.sql import flag, is_undone

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
    "flags",
)


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
            flag(is_undone(Contact)),
            Promise.amount,
            Promise.due_on,
            Contact.flags,
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
        flag(is_undone(Repayment)),
        Repayment.amount,
        Repayment.paid_on,
        Repayment.flags,
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
        empty,
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
        empty,
    )
    stages = _latest_events(
        LawsuitStage,
        LawsuitStage.at,
        literal_column("1"),
        LawsuitStage.id,
        literal_column("'lawsuit'"),
        _event_person.name,
        LawsuitStage.stage,
        empty,
        LawsuitStage.note,
        LawsuitStage.reverses_id,
        flag(is_undone(LawsuitStage)),
        cast(null(), BigInteger),
        LawsuitStage.reached_on,
        empty,
    ).join(_event_person, _event_person.id == LawsuitStage.person_id)
    branches = [select(*kind.subquery().c) for kind in (contacts, repayments, statuses, reports, stages)]
    everything = union_all(*branches).subquery()
    return (
        select(*everything.c)
        .order_by(everything.c.at.desc(), everything.c.rank, everything.c.id.desc())
        .limit(bindparam("limit"))
    )


_CASE_EVENTS = _build_case_events()


class CaseEventStore(StoreBase):
    """The case card's history."""

    def case_events(self, case_id: int, limit: int = 5) -> list[CaseEvent]:
        """The latest contacts, repayments, lawsuit stages, status changes and reports of a case, newest first."""
        with self._read() as connection:
            rows = connection.execute(_CASE_EVENTS, {"case_id": case_id, "limit": limit}).all()
        events = []
        for at, _rank, _id, kind, person, how, what, note, reverses, undone, amount, day, flags in rows:
            if kind in ("contact", "repayment"):
                # A contact's `what` is its outcome, a repayment's its status; both may be undone or reversals.
                event = CaseEvent(
                    at,
                    kind,
                    person,
                    channel=how,
                    outcome=what if kind == "contact" else "",
                    status=what if kind == "repayment" else "",
                    note=note,
                    amount=amount,
                    day=day,
                    reversed=reverses is not None,
                    undone=bool(undone),
                    flags=flag_names(flags),
                )
            elif kind == "report":
                event = CaseEvent(at, kind, person, note=note)
            elif kind == "lawsuit":
                event = CaseEvent(
                    at,
                    kind,
                    person,
                    outcome=how,
                    day=day,
                    note="" if reverses is not None else note,
                    reversed=reverses is not None,
                    undone=bool(undone),
                )
            else:
                event = CaseEvent(at, kind, "", status=what, note=note)
            events.append(event)
        return events
