"""Watching the new loans (在贷, SPEC §10): the loans with a balance, the early warnings each was given (once per
loan and reason), and the loans that joined the campaign as cases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from core.early_warning import LoanFigures, days_overdue
from core.litigation import STATUTE_YEARS, years_after
from core.money import from_fen
from core.records import CaseRecord
from store.base import StoreBase
from store.imports import new_case, refresh_default_targets
from store.models import Case, Loan, LoanWarning, Person
from store.sql import chunks, fen, insert_new, record_once

# A joining case's difficulty until its unit lead says otherwise (as an import without one gives).
JOINED_DIFFICULTY = "中"

_loans = Loan.__table__
_warnings = LoanWarning.__table__
_cases = Case.__table__
_WATCHED = (
    select(
        Loan.id,
        Loan.loan_no,
        Loan.borrower,
        Loan.id_number,
        Loan.unit_id,
        Loan.officer_id,
        Person.name,
        fen(Loan.amount),
        fen(Loan.balance),
        Loan.disbursed_on,
        Loan.matures_on,
        Loan.days_overdue,
        Loan.classification,
        Loan.as_of,
        Loan.case_id,
        Loan.joined_on,
    )
    .join(Person, Person.id == Loan.officer_id)
    .where(fen(Loan.balance) > 0)
)


@dataclass(frozen=True, slots=True)
class WatchedLoan:
    """A new loan with a balance left: who answers for it, its figures as last imported, and its case once it
    joined the campaign."""

    id: int
    loan_no: str
    borrower: str
    id_number: str
    unit_id: int
    officer_id: int
    officer: str
    figures: LoanFigures
    case_id: int | None
    joined_on: date | None


class LoanWatchStore(StoreBase):
    """The loans watched, the warnings given and the loans that joined the campaign."""

    def watched_loans(self, unit_id: int | None = None) -> list[WatchedLoan]:
        """Every new loan with a balance left (of one unit, or all), by loan number."""
        query = _WATCHED if unit_id is None else _WATCHED.where(Loan.unit_id == unit_id)
        loans = []
        with self._read() as connection:
            for row in connection.execute(query).all():
                (id_, loan_no, borrower, id_number, unit, officer_id, officer, amount, balance) = row[:9]
                disbursed_on, matures_on, days_overdue, classification, as_of, case_id, joined_on = row[9:]
                figures = LoanFigures(
                    loan_no,
                    from_fen(int(amount)),
                    from_fen(int(balance)),
                    disbursed_on,
                    matures_on,
                    days_overdue,
                    classification,
                    as_of,
                )
                loans.append(
                    WatchedLoan(
                        id_,
                        loan_no,
                        borrower,
                        id_number,
                        unit,
                        officer_id,
                        officer,
                        figures,
                        case_id,
                        joined_on,
                    )
                )
        loans.sort(key=lambda loan: loan.loan_no)
        return loans

    def record_loan_warnings(self, day: date, due: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
        """Of these (loan, reason) warnings due, record those never given, and return the ones to give on `day`:
        new, or given earlier the same day (a job run again gives the same ones)."""
        due = set(due)
        if not due:
            return set()
        with self._write() as connection:
            return record_once(connection, _warnings, ("loan_id", "reason"), due, day)

    def join_campaign(self, day: date, loans: Sequence[WatchedLoan]) -> set[int]:
        """Make each of these loans (over 90 days overdue, not yet joined) a case of the campaign: same loan
        number, same responsible person, its balance owed, its deadline the campaign's end; a case of that
        number already in the ledger is linked instead. Each joins once, whoever runs this (two processes at
        the same moment make one case). The ids of the loans that joined on `day`."""
        waiting = [loan for loan in loans if loan.case_id is None]
        if waiting:
            with self._write() as connection:
                self._open_cases(connection, day, waiting)
                joined = []
                for chunk in chunks([loan.id for loan in waiting]):
                    joined.extend(
                        connection.execute(
                            update(_loans)
                            .where(_loans.c.id.in_(chunk), _loans.c.case_id.is_(None))
                            .values(
                                case_id=select(_cases.c.id)
                                .where(_cases.c.loan_no == _loans.c.loan_no)
                                .scalar_subquery(),
                                joined_on=day,
                            )
                            .returning(_loans.c.id)
                        ).scalars()
                    )
                now_joined = set(joined)
                self._audit_many(
                    connection,
                    "schedule",
                    "loan.joined",
                    (
                        (
                            "case",
                            loan.loan_no,
                            {
                                "balance": loan.figures.balance,
                                "classification": loan.figures.classification,
                                "days_overdue": days_overdue(loan.figures, day),
                            },
                        )
                        for loan in waiting
                        if loan.id in now_joined
                    ),
                )
        with self._read() as connection:
            return set(connection.execute(select(_loans.c.id).where(_loans.c.joined_on == day)).scalars())

    def _open_cases(self, connection: Any, day: date, loans: Sequence[WatchedLoan]) -> None:
        """The cases of these loans (in the loan's unit and with its person, by id), those whose
        loan number has none yet; a unit whose target follows its cases' principal aims at theirs too."""
        now, end = self.now(), self.campaign.end
        rows = []
        for loan in loans:
            figures = loan.figures
            matured = figures.matures_on < day
            record = CaseRecord(
                loan_no=loan.loan_no,
                borrower=loan.borrower,
                unit="",
                officer_no="",
                principal=figures.balance,
                interest=Decimal(0),
                classification=figures.classification,
                difficulty=JOINED_DIFFICULTY,
                deadline=end,
                id_number=loan.id_number,
                statute_date=years_after(figures.matures_on, STATUTE_YEARS) if matured else None,
            )
            rows.append(new_case(record, loan.unit_id, loan.officer_id, now, day))
        insert_new(connection, _cases, rows, ("loan_no",))
        refresh_default_targets(connection)
