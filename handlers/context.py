"""What every handler gets: the store, the settings it needs, the message and who sent it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from core.campaign import Campaign
from core.early_warning import LARGE_LOAN_AMOUNT
from core.errors import UserError
from core.messages import Incoming
from core.permissions import can_read_case, can_write_case
from core.texts import render
from core.views import CaseView, PersonView
from store.ledger import Store


@dataclass(frozen=True, slots=True)
class BotConfig:
    """The settings handlers read."""

    language: str = "zh"
    reminder_days: int = 7
    # A new loan lent above this many yuan is large (its overdue count on /status).
    large_loan_amount: Decimal = LARGE_LOAN_AMOUNT


@dataclass(slots=True)
class Context:
    """One message being handled."""

    store: Store
    config: BotConfig
    incoming: Incoming
    person: PersonView | None
    # The commands /help lists to each role (None: an unbound identity), as the features declare them.
    commands_by_role: Mapping[str | None, tuple[str, ...]] = field(default_factory=dict)

    @property
    def campaign(self) -> Campaign:
        """The campaign's calendar."""
        return self.store.campaign

    @property
    def me(self) -> PersonView:
        """The bound sender (handlers behind the binding check only)."""
        assert self.person is not None
        return self.person

    def today(self) -> date:
        """Today in the campaign's time zone."""
        return self.store.today()

    def t(self, key: str, **params: Any) -> str:
        """A text in the configured language."""
        return render(key, self.config.language, **params)

    def case(self, loan_no: str, write: bool = False) -> CaseView:
        """A case the sender may see (or work, with `write`), else the refusal the user sees."""
        return self._allowed(loan_no, self.store.case_view, write)

    def case_to_record(self, loan_no: str, source_key: str) -> CaseView:
        """A case the sender may work, about to get an entry of `source_key`: read once, for the entry too."""
        return self._allowed(loan_no, lambda no: self.store.case_to_record(no, source_key), write=True)

    def _allowed(self, loan_no: str, read: Callable[[str], CaseView | None], write: bool) -> CaseView:
        found = read(loan_no.strip().upper()) or read(loan_no.strip())
        if found is None:
            raise UserError("ledger.unknown_case", loan_no=loan_no)
        allowed = can_write_case(self.me, found) if write else can_read_case(self.me, found)
        if not allowed:
            raise UserError("case.not_yours", loan_no=found.loan_no)
        return found
