"""Watching the new loans (在贷, SPEC §10): the loans with a balance, the early warnings each was given (once per
loan and reason), and the loans that joined the campaign as cases."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, insert, select, type_coerce, update

from core.early_warning import LoanFigures, days_overdue
from core.lifecycle import first_status
from core.litigation import STATUTE_YEARS, years_after
from core.money import from_fen
from core.priority import priority
from store.base import StoreBase
from store.models import AuditEntry, Case, Loan, LoanWarning, Person, Unit
from store.sql import chunks, fen, fen_sum, insert_new

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
        loans = sorted({loan_id for loan_id, _reason in due})
        given: dict[tuple[int, str], date] = {}
        with self._write() as connection:
            for chunk in chunks(loans):
                given.update(
                    ((loan_id, reason), when)
                    for loan_id, reason, when in connection.execute(
                        select(_warnings.c.loan_id, _warnings.c.reason, _warnings.c.day).where(
                            _warnings.c.loan_id.in_(chunk)
                        )
                    )
                )
            new = sorted(item for item in due if item not in given)
            if new:
                insert_new(
                    connection,
                    _warnings,
                    [{"loan_id": loan_id, "reason": reason, "day": day} for loan_id, reason in new],
                    ("loan_id", "reason"),
                )
        return {item for item in due if item not in given or given[item] == day}

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
                self._audit_joined(connection, day, [loan for loan in waiting if loan.id in now_joined])
        with self._read() as connection:
            return set(connection.execute(select(_loans.c.id).where(_loans.c.joined_on == day)).scalars())

    def _open_cases(self, connection: Any, day: date, loans: Sequence[WatchedLoan]) -> None:
        """The cases of these loans, those whose loan number has none yet; a unit whose target follows its
        cases' principal aims at theirs too."""
        now, end = self.now(), self.campaign.end
        rows = []
        for loan in loans:
            figures = loan.figures
            matured = figures.matures_on < day
            statute = years_after(figures.matures_on, STATUTE_YEARS) if matured else None
            owed = figures.balance
            rows.append(
                {
                    "loan_no": loan.loan_no,
                    "borrower": loan.borrower,
                    "id_number": loan.id_number,
                    "phone": "",
                    "unit_id": loan.unit_id,
                    "officer_id": loan.officer_id,
                    "principal": owed,
                    "interest": Decimal(0),
                    "principal_remaining": owed,
                    "interest_remaining": Decimal(0),
                    "classification": figures.classification,
                    "difficulty": JOINED_DIFFICULTY,
                    "deadline": end,
                    "plan": "",
                    "statute_date": statute,
                    "status": first_status(owed),
                    "status_reason": "",
                    "priority": priority(owed, JOINED_DIFFICULTY, end, statute, day).score,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        insert_new(connection, _cases, rows, ("loan_no",))
        principal = select(fen_sum(fen(Case.principal))).where(Case.unit_id == Unit.id).scalar_subquery()
        connection.execute(
            update(Unit)
            .where(Unit.target_is_default.is_(True), Unit.id.in_(sorted({loan.unit_id for loan in loans})))
            .values(target=type_coerce(principal, BigInteger))
        )

    def _audit_joined(self, connection: Any, day: date, loans: Sequence[WatchedLoan]) -> None:
        """One audit entry for each loan that joined: the case it became, with the figures it joined on."""
        now = self.now()
        rows = [
            {
                "at": now,
                "actor_id": None,
                "actor": "schedule",
                "action": "loan.joined",
                "entity": "case",
                "ref": loan.loan_no,
                "detail": _detail(loan, day),
                "source": "",
            }
            for loan in loans
        ]
        for chunk in chunks(rows):
            connection.execute(insert(AuditEntry.__table__), list(chunk))


def _detail(loan: WatchedLoan, day: date) -> str:
    """What the audit log keeps of a loan that joined: its balance, classification and days overdue that day."""
    figures = loan.figures
    return json.dumps(
        {
            "balance": str(figures.balance),
            "classification": figures.classification,
            "days_overdue": days_overdue(figures, day),
        },
        ensure_ascii=False,
    )
