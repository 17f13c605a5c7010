"""`qingshou check`: the cases whose figures do not add up, found without changing anything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.lifecycle import SETTLED, first_status
from core.money import from_fen
from store.base import StoreBase
from store.models import Case, Repayment
from store.sql import ROWS_PER_STATEMENT, ZERO, awaiting_confirmation, fen, fen_sum, original


@dataclass(frozen=True, slots=True)
class CaseProblem:
    """A case whose figures do not add up (`qingshou check`): what the ledger holds against what it should."""

    loan_no: str
    borrower: str
    kind: str  # principal | interest | pending_principal | pending_interest | negative_part | status
    held: Decimal | str
    expected: Decimal | str


def _parts_by_case(*conditions: Any) -> Any:
    """Principal and interest parts summed per case, over the repayments meeting the conditions."""
    return (
        select(
            Repayment.case_id.label("case_id"),
            fen_sum(fen(Repayment.principal_part)).label("principal"),
            fen_sum(fen(Repayment.interest_part)).label("interest"),
        )
        .where(*conditions)
        .group_by(Repayment.case_id)
        .subquery()
    )


def _build_check() -> Any:
    confirmed = _parts_by_case(Repayment.status == "confirmed")
    awaiting = _parts_by_case(awaiting_confirmation())
    negative = (
        select(Repayment.case_id.label("case_id"), func.count().label("parts"))
        .where(original(Repayment), (fen(Repayment.principal_part) < 0) | (fen(Repayment.interest_part) < 0))
        .group_by(Repayment.case_id)
        .subquery()
    )
    return (
        select(
            Case.loan_no,
            Case.borrower,
            fen(Case.principal).label("principal"),
            fen(Case.interest).label("interest"),
            fen(Case.principal_remaining).label("principal_left"),
            fen(Case.interest_remaining).label("interest_left"),
            Case.status,
            func.coalesce(confirmed.c.principal, ZERO).label("paid_principal"),
            func.coalesce(confirmed.c.interest, ZERO).label("paid_interest"),
            func.coalesce(awaiting.c.principal, ZERO).label("waiting_principal"),
            func.coalesce(awaiting.c.interest, ZERO).label("waiting_interest"),
            func.coalesce(negative.c.parts, ZERO).label("negatives"),
        )
        .outerjoin(confirmed, confirmed.c.case_id == Case.id)
        .outerjoin(awaiting, awaiting.c.case_id == Case.id)
        .outerjoin(negative, negative.c.case_id == Case.id)
        .order_by(Case.loan_no)
    )


_CHECK = _build_check()


def _problems(row: Any) -> Iterator[CaseProblem]:
    """What does not add up on one case, from its row of `_CHECK` (figures in fen)."""
    loan_no, borrower = row.loan_no, row.borrower
    principal_left, interest_left = int(row.principal_left), int(row.interest_left)
    for kind, held, expected in (
        ("principal", principal_left, int(row.principal) - int(row.paid_principal)),
        ("interest", interest_left, int(row.interest) - int(row.paid_interest)),
    ):
        if held != expected:
            yield CaseProblem(loan_no, borrower, kind, from_fen(held), from_fen(expected))
    for kind, waiting, left in (
        ("pending_principal", int(row.waiting_principal), principal_left),
        ("pending_interest", int(row.waiting_interest), interest_left),
    ):
        if waiting > left:
            yield CaseProblem(loan_no, borrower, kind, from_fen(waiting), from_fen(left))
    if int(row.negatives):
        yield CaseProblem(loan_no, borrower, "negative_part", str(int(row.negatives)), "0")
    # Settled exactly when nothing remains; any other status is left to the people working the case.
    expected_status = first_status(principal_left + interest_left)
    if (row.status == SETTLED) != (expected_status == SETTLED):
        yield CaseProblem(loan_no, borrower, "status", row.status, expected_status)


class CheckStore(StoreBase):
    """The ledger's consistency check."""

    def ledger_problems(self) -> tuple[int, list[CaseProblem]]:
        """Every case whose figures do not add up, and how many cases were checked; nothing is changed.

        A case's remaining balances must equal its starting ones less its confirmed repayments (reversals
        included); what is reported and awaits confirmation must fit in what remains, principal and interest
        each; no repayment's part may be negative; a case is settled exactly when nothing remains.
        """
        problems: list[CaseProblem] = []
        checked = 0
        with self._session() as session:
            for row in session.execute(_CHECK.execution_options(yield_per=ROWS_PER_STATEMENT)):
                checked += 1
                problems.extend(_problems(row))
        return checked, problems
