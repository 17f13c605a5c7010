"""Honest figures and lawful collection, as the lead's digest and the dispatch pack read them (SPEC §10):
flagged repayments, contacts that broke the rules, and each officer's share of visits with evidence."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from core.compliance import flag_names
from store.base import StoreBase
from store.models import Case, Contact, Person, Repayment, Unit
from store.sql import awaiting_confirmation, flag, unreversed


@dataclass(frozen=True, slots=True)
class FlaggedRepayment:
    """A repayment reported with flags, as a lead or the pack lists it."""

    id: int
    unit_id: int
    unit: str
    loan_no: str
    borrower: str
    amount: Decimal
    paid_on: date
    officer: str
    status: str
    flags: tuple[str, ...]
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class Breaches:
    """An officer's contacts that broke the rules in a period, counted per flag."""

    unit_id: int
    unit: str
    officer: str
    total: int  # contacts that broke a rule (a contact breaking two counts once)
    counts: dict[str, int]  # per flag


@dataclass(frozen=True, slots=True)
class EvidenceShare:
    """An officer's visits in a period, and how many carry a photo or a shared location."""

    unit_id: int
    unit: str
    officer: str
    visits: int
    evidenced: int


_FLAGGED = (
    select(
        Repayment.id,
        Case.unit_id,
        Unit.name,
        Case.loan_no,
        Case.borrower,
        Repayment.amount,
        Repayment.paid_on,
        Person.name,
        Repayment.status,
        Repayment.flags,
        Repayment.created_at,
    )
    .join(Case, Case.id == Repayment.case_id)
    .join(Unit, Unit.id == Case.unit_id)
    .join(Person, Person.id == Repayment.person_id)
    # What still stands: a report withdrawn or reversed is no figure any more.
    .where(Repayment.flags != "", unreversed(Repayment))
)


def _flagged(row: tuple) -> FlaggedRepayment:
    *fields, flags, reported_at = row
    return FlaggedRepayment(*fields, flag_names(flags), reported_at)


class ComplianceStore(StoreBase):
    """What the digest and the pack show of flags, breaches and evidence."""

    def flagged_pending(self) -> list[FlaggedRepayment]:
        """Flagged repayments still awaiting their lead's decision, oldest first."""
        query = _FLAGGED.where(awaiting_confirmation()).order_by(Repayment.created_at, Repayment.id)
        with self._read() as connection:
            return [_flagged(row) for row in connection.execute(query)]

    def flagged_between(self, start: datetime, end: datetime) -> list[FlaggedRepayment]:
        """Flagged repayments reported in [start, end) and not undone, whatever their lead decided, oldest
        first."""
        query = _FLAGGED.where(Repayment.created_at >= start, Repayment.created_at < end).order_by(
            Repayment.created_at, Repayment.id
        )
        with self._read() as connection:
            return [_flagged(row) for row in connection.execute(query)]

    def contact_breaches(self, start: datetime, end: datetime) -> list[Breaches]:
        """Each officer's contacts in [start, end) that broke the rules (not undone), counted in all and per
        flag, the most first."""
        query = (
            select(Person.unit_id, Unit.name, Person.name, Person.id, Contact.flags, func.count())
            .join(Person, Person.id == Contact.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(Contact.at >= start, Contact.at < end, Contact.flags != "", unreversed(Contact))
            .group_by(Person.unit_id, Unit.name, Person.name, Person.id, Contact.flags)
        )
        counted: dict[int, Counter[str]] = defaultdict(Counter)
        totals: Counter[int] = Counter()
        who: dict[int, tuple[int, str, str]] = {}
        with self._read() as connection:
            for unit_id, unit, name, person_id, flags, count in connection.execute(query):
                who[person_id] = (unit_id, unit, name)
                for name_of_flag in flag_names(flags):
                    counted[person_id][name_of_flag] += int(count)
                totals[person_id] += int(count)
        found = [
            Breaches(*who[person_id], totals[person_id], dict(counts))
            for person_id, counts in counted.items()
        ]
        return sorted(found, key=lambda b: (-b.total, b.unit, b.officer))

    def evidence_shares(self, start: datetime, end: datetime) -> list[EvidenceShare]:
        """Each officer's visits in [start, end) (not undone) and how many have a photo or a shared location,
        by unit and name."""
        evidenced = or_(
            Contact.photo.is_not(None), and_(Contact.latitude.is_not(None), Contact.longitude.is_not(None))
        )
        query = (
            select(Person.unit_id, Unit.name, Person.name, func.count(), func.sum(flag(evidenced)))
            .join(Person, Person.id == Contact.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(Contact.at >= start, Contact.at < end, Contact.channel == "visit", unreversed(Contact))
            .group_by(Person.unit_id, Unit.name, Person.name, Person.id)
            .order_by(Unit.name, Person.name)
        )
        with self._read() as connection:
            return [
                EvidenceShare(unit_id, unit, name, int(visits), int(shown or 0))
                for unit_id, unit, name, visits, shown in connection.execute(query)
            ]
