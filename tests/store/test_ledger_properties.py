"""Property: a case's balance is always its start balance less confirmed repayments plus their reversals."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from core.errors import UserError
from core.import_plan import plan_import
from core.money import from_fen
from core.records import CaseRecord
from tests.conftest import TODAY
from tests.ledger_data import seed

PRINCIPAL = Decimal("10000.00")
INTEREST = Decimal("500.00")
loan_numbers = itertools.count(1)

operation = st.one_of(
    st.tuples(st.just("report"), st.integers(min_value=-100, max_value=1_200_000)),
    st.tuples(st.sampled_from(["confirm", "reject", "reverse"]), st.integers(min_value=0, max_value=20)),
)


@dataclass
class Entry:
    id: int
    amount: Decimal
    status: str = "reported"
    reversed: bool = False


def _new_case(app: App) -> str:
    loan_no = f"P{next(loan_numbers):06d}"
    record = CaseRecord(
        loan_no, "测试", "城关信用社", "E001", PRINCIPAL, INTEREST, "可疑", "中", date(2026, 12, 31)
    )
    plan, problems = plan_import(app.store.import_snapshot(), [], [], [record])
    assert problems == []
    app.store.apply_import(plan, actor="test", source="property")
    return loan_no


def test_balance_equals_start_less_confirmed_plus_reversals(app: App) -> None:
    seed(app)
    examples = 60 if app.engine.dialect.name == "sqlite" else 25

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(operation, max_size=12))
    def run(operations: list[tuple[str, int]]) -> None:
        store = app.store
        loan_no = _new_case(app)
        entries: list[Entry] = []
        for kind, value in operations:
            if kind == "report":
                amount = from_fen(value)
                pending = sum(
                    (e.amount for e in entries if e.status == "reported" and not e.reversed), Decimal(0)
                )
                confirmed = sum(
                    (e.amount for e in entries if e.status == "confirmed" and not e.reversed), Decimal(0)
                )
                room = PRINCIPAL + INTEREST - confirmed - pending
                try:
                    entry = store.record_repayment(loan_no, "E001", amount, TODAY)
                except UserError:
                    assert amount <= 0 or amount > room
                    continue
                assert 0 < amount <= room
                entries.append(Entry(entry.id, amount))
            elif entries:
                target = entries[value % len(entries)]
                try:
                    if kind == "reverse":
                        store.reverse_repayment(target.id, "U001")
                    else:
                        store.decide_repayment(target.id, "U001", confirm=kind == "confirm")
                except UserError:
                    assert (
                        target.reversed
                        or (kind != "reverse" and target.status != "reported")
                        or (kind == "reverse" and target.status == "rejected")
                    )
                    continue
                assert not target.reversed
                if kind == "reverse":
                    target.reversed = True
                else:
                    target.status = "confirmed" if kind == "confirm" else "rejected"

            confirmed_net = sum((e.amount for e in entries if e.status == "confirmed"), Decimal(0)) - sum(
                (e.amount for e in entries if e.status == "confirmed" and e.reversed), Decimal(0)
            )
            balance = store.balance(loan_no)
            assert balance.total == PRINCIPAL + INTEREST - confirmed_net
            assert balance.principal >= 0 and balance.interest >= 0
            # The ledger's own rows tell the same story: start less the signed sum of confirmed entries.
            rows = store.repayments(loan_no)
            assert balance.total == PRINCIPAL + INTEREST - sum(
                (r.amount for r in rows if r.status == "confirmed"), Decimal(0)
            )

    run()
