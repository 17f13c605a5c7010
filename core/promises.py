"""Promises to pay (承诺还款): how one is decided once its date has passed (SPEC §2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


def promise_outcome(amount: Decimal, confirmed: Decimal, pending: Decimal) -> str | None:
    """`kept`, `partial` or `broken` from what was repaid between the promise and its date.

    `confirmed` counts confirmed repayments in that window, `pending` those still awaiting the unit lead.
    While a repayment that could change the outcome awaits its decision, the promise stays open (None).
    """
    if confirmed >= amount:
        return "kept"
    if pending > 0:
        return None
    return "partial" if confirmed > 0 else "broken"


@dataclass(frozen=True, slots=True)
class PromiseDecision:
    """A promise whose date passed, and what the repayments made of it."""

    promise_id: int
    loan_no: str
    officer_id: int
    amount: Decimal
    due_on: date
    status: str
