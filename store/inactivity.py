"""Inactivity (消极应付, SPEC §10): officers with open cases and the day of their last entry, and who has been
told of each stretch of silence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select, union_all

from core.money import from_fen
from store.base import StoreBase
from store.models import (
    AssetStep,
    Case,
    Contact,
    InactivityAlert,
    LawsuitStage,
    Person,
    Repayment,
    SpecialReport,
)
from store.sql import IS_OPEN, OUTSTANDING, record_once

PEOPLE_PER_STATEMENT = 1000


@dataclass(frozen=True, slots=True)
class Silence:
    """An officer with open cases, the day of their last entry (or of their first day in the campaign), and
    the first of their open cases by priority, to point them at."""

    person_id: int
    employee_no: str
    name: str
    unit_id: int
    since: date
    loan_no: str
    borrower: str
    outstanding: Decimal


# Every entry a person writes, with when: contacts, repayments reported, lawsuit stages, asset steps, reports.
_ENTRIES = union_all(
    select(Contact.person_id.label("person_id"), Contact.at.label("at")),
    select(Repayment.person_id, Repayment.created_at),
    select(LawsuitStage.person_id, LawsuitStage.at),
    select(AssetStep.person_id, AssetStep.at),
    select(SpecialReport.person_id, SpecialReport.at),
).subquery()
_LAST_ENTRY = select(_ENTRIES.c.person_id, func.max(_ENTRIES.c.at)).group_by(_ENTRIES.c.person_id)
# Each active officer's first open case by priority (the top of their to-do).
_ranked = (
    select(
        Case.officer_id,
        Case.loan_no,
        Case.borrower,
        OUTSTANDING.label("outstanding"),
        func.row_number()
        .over(partition_by=Case.officer_id, order_by=(Case.priority.desc(), Case.loan_no))
        .label("position"),
    )
    .where(IS_OPEN)
    .subquery()
)
_OFFICERS_WITH_OPEN_CASES = (
    select(
        Person.id,
        Person.employee_no,
        Person.name,
        Person.unit_id,
        Person.created_at,
        _ranked.c.loan_no,
        _ranked.c.borrower,
        _ranked.c.outstanding,
    )
    .join(_ranked, _ranked.c.officer_id == Person.id)
    .where(
        _ranked.c.position == 1,
        Person.role == "officer",
        Person.active.is_(True),
        Person.unit_id.is_not(None),
    )
)


class InactivityStore(StoreBase):
    """Who has gone quiet, and who was told."""

    def silences(self) -> list[Silence]:
        """Every active officer with open cases, with the day of their last entry (their first day in the
        campaign when they have none), by employee number."""
        zone = self.campaign.zone
        with self._read() as connection:
            last = {person_id: at for person_id, at in connection.execute(_LAST_ENTRY) if at is not None}
            rows = connection.execute(_OFFICERS_WITH_OPEN_CASES).all()
        silences = []
        for person_id, number, name, unit_id, created_at, loan_no, borrower, outstanding in rows:
            entered: datetime | None = last.get(person_id)
            if entered is not None:
                since = entered.astimezone(zone).date()
            else:
                since = max(self.campaign.start, created_at.astimezone(zone).date())
            silences.append(
                Silence(
                    person_id, number, name, unit_id, since, loan_no, borrower, from_fen(int(outstanding))
                )
            )
        silences.sort(key=lambda s: s.employee_no)
        return silences

    def tell_of_silences(self, day: date, due: Iterable[tuple[int, str, date]]) -> set[tuple[int, str, date]]:
        """Of these (person, rung, stretch) due to be told, record those not told before, and return the ones
        to tell on `day`: new, or told earlier the same day (a job run again tells the same ones)."""
        due = set(due)
        if not due:
            return set()
        with self.message_scope(), self.atomic(), self._write() as connection:
            return record_once(
                connection,
                InactivityAlert.__table__,
                ("person_id", "rung", "since"),
                due,
                day,
                PEOPLE_PER_STATEMENT,
            )
