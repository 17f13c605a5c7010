"""The ledger's rules on the real store, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.app import App
from core.errors import UserError
from core.ranking import rank_units
from core.repayment_rules import Balance
from tests.conftest import TODAY
from tests.ledger_data import seed


@pytest.fixture
def ledger(app: App) -> App:
    seed(app)
    return app


def test_seeded_ledger_holds_balances_and_default_target(ledger: App) -> None:
    assert ledger.store.balance("L2023001") == Balance(Decimal("50000.00"), Decimal("2000.00"))
    progress = {p.unit: p for p in ledger.store.unit_progress()}
    assert progress["城关信用社"].target == Decimal("1000000.00")
    # No target given: the sum of the unit's balances.
    assert progress["东风信用社"].target == Decimal("80000.50")
    assert progress["东风信用社"].cases == 1


def test_reported_repayment_counts_only_once_confirmed(ledger: App) -> None:
    store = ledger.store
    entry = store.record_repayment("L2023001", "E001", Decimal("30000"), TODAY, "cash")
    assert entry.status == "reported"
    assert (entry.principal_part, entry.interest_part) == (Decimal("30000.00"), Decimal("0.00"))
    assert store.balance("L2023001").total == Decimal("52000.00")
    assert store.available("L2023001").total == Decimal("22000.00")
    assert store.campaign_summary().pending == Decimal("30000.00")

    store.decide_repayment(entry.id, "U001", confirm=True)
    assert store.balance("L2023001") == Balance(Decimal("20000.00"), Decimal("2000.00"))
    progress = {p.unit: p for p in store.unit_progress()}
    assert progress["城关信用社"].recovered == Decimal("30000.00")
    assert store.campaign_summary().pending == Decimal("0.00")


def test_principal_first_then_interest(ledger: App) -> None:
    entry = ledger.store.record_repayment("L2023001", "E001", Decimal("51000"), TODAY)
    assert (entry.principal_part, entry.interest_part) == (Decimal("50000.00"), Decimal("1000.00"))


def test_explicit_split_is_kept(ledger: App) -> None:
    entry = ledger.store.record_repayment(
        "L2023001", "E001", Decimal("3000"), TODAY, principal_part=Decimal("1000")
    )
    assert (entry.principal_part, entry.interest_part) == (Decimal("1000.00"), Decimal("2000.00"))


def test_paying_everything_settles_and_reversal_reopens(ledger: App) -> None:
    store = ledger.store
    entry = store.record_repayment("L2023003", "E003", Decimal("81500.75"), TODAY, "transfer")
    store.decide_repayment(entry.id, "U002", confirm=True)
    assert store.balance("L2023003").total == 0
    assert store.status_history("L2023003")[-1] == ("open", "settled", "repayment")

    reversal = store.reverse_repayment(entry.id, "U002", note="录错金额")
    assert reversal.amount == Decimal("-81500.75")
    assert reversal.reverses_id == entry.id
    assert store.balance("L2023003") == Balance(Decimal("80000.50"), Decimal("1500.25"))
    assert store.status_history("L2023003")[-1] == ("settled", "in_progress", "reversal")
    assert [r.amount for r in store.repayments("L2023003")] == [Decimal("81500.75"), Decimal("-81500.75")]


def test_reversing_a_reported_repayment_withdraws_it(ledger: App) -> None:
    store = ledger.store
    entry = store.record_repayment("L2023002", "E002", Decimal("100000"), TODAY)
    store.reverse_repayment(entry.id, "E002")
    assert store.available("L2023002").total == Decimal("120000.00")
    assert store.balance("L2023002").total == Decimal("120000.00")
    with pytest.raises(UserError) as refused:
        store.decide_repayment(entry.id, "U001", confirm=True)
    assert refused.value.key == "ledger.already_reversed"
    with pytest.raises(UserError) as again:
        store.reverse_repayment(entry.id, "E002")
    assert again.value.key == "ledger.already_reversed"


def test_rejected_repayment_changes_no_balance(ledger: App) -> None:
    store = ledger.store
    entry = store.record_repayment("L2023002", "E002", Decimal("5000"), TODAY)
    store.decide_repayment(entry.id, "U001", confirm=False)
    assert store.balance("L2023002").total == Decimal("120000.00")
    with pytest.raises(UserError) as twice:
        store.decide_repayment(entry.id, "U001", confirm=True)
    assert twice.value.key == "ledger.already_decided"


@pytest.mark.parametrize(
    ("amount", "paid_on", "key"),
    [
        (Decimal("52000.01"), TODAY, "ledger.amount_exceeds"),
        (Decimal("0"), TODAY, "amount.zero"),
        (Decimal("-5"), TODAY, "amount.negative"),
        (Decimal("100"), TODAY + timedelta(days=1), "ledger.date_future"),
        (Decimal("100"), date(2025, 12, 31), "ledger.date_before_start"),
    ],
)
def test_bad_repayment_is_refused_and_changes_nothing(
    ledger: App, amount: Decimal, paid_on: date, key: str
) -> None:
    store = ledger.store
    audit_before = len(store.audit_entries())
    with pytest.raises(UserError) as refused:
        store.record_repayment("L2023001", "E001", amount, paid_on)
    assert refused.value.key == key
    assert store.repayments("L2023001") == []
    assert store.balance("L2023001").total == Decimal("52000.00")
    assert len(store.audit_entries()) == audit_before


def test_amount_over_balance_shows_what_is_owed(ledger: App) -> None:
    with pytest.raises(UserError) as refused:
        ledger.store.record_repayment("L2023001", "E001", Decimal("60000"), TODAY)
    assert "¥52,000.00" in refused.value.render("zh")


def test_pending_reports_reduce_what_may_be_reported(ledger: App) -> None:
    store = ledger.store
    store.record_repayment("L2023002", "E002", Decimal("100000"), TODAY)
    with pytest.raises(UserError) as refused:
        store.record_repayment("L2023002", "E002", Decimal("30000"), TODAY)
    # The card shows ¥120,000.00 owed: the refusal says the reported ¥100,000.00 counts against it.
    assert refused.value.render("zh") == (
        "金额 ¥30,000.00 超过还可报告的 ¥20,000.00：该笔贷款尚欠 ¥120,000.00，"
        "其中 ¥100,000.00 已报告、待单位负责人确认，也计算在内。"
    )


def test_unknown_loan_is_refused(ledger: App) -> None:
    with pytest.raises(UserError) as refused:
        ledger.store.record_repayment("L999", "E001", Decimal("1"), TODAY)
    assert refused.value.key == "ledger.unknown_case"


def test_database_refuses_editing_or_deleting_repayments(ledger: App) -> None:
    store = ledger.store
    entry = store.record_repayment("L2023001", "E001", Decimal("1000"), TODAY)
    store.decide_repayment(entry.id, "U001", confirm=True)
    for statement in (
        "UPDATE repayments SET amount = 1 WHERE id = :id",
        "UPDATE repayments SET status = 'rejected' WHERE id = :id",
        "DELETE FROM repayments WHERE id = :id",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor = 'x'",
    ):
        with pytest.raises(DBAPIError), ledger.engine.begin() as connection:
            connection.execute(text(statement), {"id": entry.id})
    assert store.repayments("L2023001")[0].amount == Decimal("1000.00")
    assert store.balance("L2023001").total == Decimal("51000.00")


def test_store_offers_no_edit_or_delete_of_repayments(ledger: App) -> None:
    names = [n for n in dir(ledger.store) if "repayment" in n]
    assert not [n for n in names if any(w in n for w in ("edit", "delete", "update", "remove", "set_"))]


def test_every_step_is_audited(ledger: App) -> None:
    store = ledger.store
    entry = store.record_repayment("L2023001", "E001", Decimal("1000"), TODAY, source_key="telegram:1:42")
    store.decide_repayment(entry.id, "U001", confirm=True)
    store.reverse_repayment(entry.id, "U001")
    actions = [(a, ref) for a, _e, ref, _d in store.audit_entries() if a.startswith("repayment")]
    assert actions == [
        ("repayment.report", "L2023001"),
        ("repayment.confirm", "L2023001"),
        ("repayment.reverse", "L2023001"),
    ]


def test_bind_codes_are_issued_once_and_kept(ledger: App) -> None:
    first = ledger.store.bind_codes()
    assert {line.employee_no for line in first} == {"E001", "E002", "U001", "U002", "E003", "A001"}
    assert all(len(line.code) == 8 for line in first)
    again = ledger.store.bind_codes()
    assert {(x.employee_no, x.code) for x in again} == {(x.employee_no, x.code) for x in first}
    unit_only = ledger.store.bind_codes("东风信用社")
    assert {line.employee_no for line in unit_only} == {"U002", "E003"}
    with pytest.raises(UserError):
        ledger.store.bind_codes("没有这个社")


def test_import_already_scores_priorities(ledger: App) -> None:
    assert ledger.store.refresh_priorities() == 0  # nothing left to rescore for today


def test_the_same_message_records_one_repayment(ledger: App) -> None:
    store = ledger.store
    first = store.record_repayment("L2023001", "E001", Decimal("1000"), TODAY, source_key="telegram:7:99")
    again = store.record_repayment("L2023001", "E001", Decimal("1000"), TODAY, source_key="telegram:7:99")
    assert again.id == first.id
    assert len(store.repayments("L2023001")) == 1
    undo = store.reverse_repayment(first.id, "E001", source_key="telegram:7:100")
    assert store.reverse_repayment(first.id, "E001", source_key="telegram:7:100").id == undo.id
    assert len(store.repayments("L2023001")) == 2


def test_an_officers_own_figures_count_what_falls_due(ledger: App) -> None:
    store = ledger.store
    officer = store.person_by_employee_no("E003")
    assert officer is not None
    entry = store.record_repayment("L2023003", "E003", Decimal("20000"), TODAY, "transfer")
    store.decide_repayment(entry.id, "U002", confirm=True)
    cash = store.record_repayment("L2023003", "E003", Decimal("500"), TODAY, "cash")  # reported, not counted
    figures, due = store.own_progress(officer, 32, TODAY)  # L2023003 falls due on 2026-12-31
    assert (figures.cases, figures.settled) == (1, 0)
    assert (figures.start_balance, figures.recovered) == (Decimal("81500.75"), Decimal("20000.00"))
    assert due == 1
    assert store.own_progress(officer, 31, TODAY)[1] == 0
    # A settled case no longer falls due.
    rest = store.record_repayment("L2023003", "E003", Decimal("61000.75"), TODAY, "transfer")
    store.decide_repayment(rest.id, "U002", confirm=True)
    store.decide_repayment(cash.id, "U002", confirm=True)
    figures, due = store.own_progress(officer, 32, TODAY)
    assert (figures.settled, due) == (1, 0)


def test_rank_and_the_evening_ranking_order_tied_units_alike(ledger: App) -> None:
    store = ledger.store
    for loan_no, officer, lead, amount in (
        ("L2023002", "E002", "U001", "120000"),
        ("L2023001", "E001", "U001", "2600"),  # 城关: 122,600 of 1,000,000 is 12.26%, shown 12.3%
        ("L2023003", "E003", "U002", "9840"),  # 东风: 9,840 of 80,000.50 is 12.2999%, shown 12.3% too
    ):
        entry = store.record_repayment(loan_no, officer, Decimal(amount), TODAY)
        store.decide_repayment(entry.id, lead, confirm=True)
    # Equal shown rates: the larger amount recovered ranks first, in /rank as in the evening's ranking.
    shown = [p.unit for p in store.unit_progress()]
    evening = rank_units(store.unit_figures(TODAY, TODAY), TODAY, Decimal("0.5"))
    assert shown == [u.unit for u in evening.units] == ["城关信用社", "东风信用社"]
    assert [p.rate for p in store.unit_progress()] == [u.rate for u in evening.units]
