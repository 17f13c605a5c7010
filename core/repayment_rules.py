"""How a repayment meets a case's balance (SPEC §2): principal first, and never more than is owed.

The rules work on yuan (Decimal) as the ledger keeps them and on fen (int) as the demo makes them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from core.errors import UserError
from core.money import format_yuan

Amount = TypeVar("Amount", int, Decimal)


def split_principal_first(amount: Amount, principal_owed: Amount) -> tuple[Amount, Amount]:
    """An amount as (principal, interest): principal first, never below zero; the rest goes to interest."""
    principal = max(min(amount, principal_owed), amount - amount)
    return principal, amount - principal


def reportable(owed: Amount, pending: Amount) -> Amount:
    """What may still be reported on a case: what is owed less what already awaits confirmation."""
    return owed - pending


@dataclass(frozen=True, slots=True)
class Balance:
    """A case's principal and interest: what is still owed on it, or what awaits confirmation."""

    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        """Principal plus interest."""
        return self.principal + self.interest


def split_report(
    amount: Decimal, owed: Balance, pending: Balance, principal_part: Decimal | None = None
) -> tuple[Decimal, Decimal]:
    """A reported repayment as (principal, interest), or the refusal the user sees when it asks for more
    than is owed less what is pending (split principal first unless `principal_part` says otherwise)."""
    principal_open = reportable(owed.principal, pending.principal)
    interest_open = reportable(owed.interest, pending.interest)
    if amount > principal_open + interest_open:
        if pending.total > 0:
            # The card shows what is owed; reports still awaiting the lead count against it too.
            raise UserError(
                "ledger.amount_exceeds_pending",
                amount=format_yuan(amount),
                available=format_yuan(principal_open + interest_open),
                owed=format_yuan(owed.total),
                pending=format_yuan(pending.total),
            )
        raise UserError(
            "ledger.amount_exceeds",
            amount=format_yuan(amount),
            owed=format_yuan(principal_open + interest_open),
        )
    principal = split_principal_first(amount, principal_open)[0] if principal_part is None else principal_part
    if principal < 0 or principal > principal_open or amount - principal > interest_open:
        raise UserError(
            "ledger.amount_exceeds", amount=format_yuan(principal), owed=format_yuan(principal_open)
        )
    return principal, amount - principal


def check_confirmable(principal: Decimal, interest: Decimal, owed: Balance) -> None:
    """Refuse to confirm a repayment whose parts exceed what is still owed, principal and interest each."""
    if principal > owed.principal or interest > owed.interest:
        raise UserError(
            "ledger.amount_exceeds", amount=format_yuan(principal + interest), owed=format_yuan(owed.total)
        )


def check_promise(amount: Decimal, owed: Decimal) -> None:
    """Refuse a promise to pay more than is owed."""
    if amount > owed:
        raise UserError("ledger.amount_exceeds", amount=format_yuan(amount), owed=format_yuan(owed))
