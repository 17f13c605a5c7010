"""Honest figures and lawful collection in the ledger (SPEC §10): each flag is kept on the entry it was recorded
with, at its threshold and not below it; a flag never refuses the entry; a flagged repayment confirmed anyway
counts as recovered and stays flagged in the export."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.app import App
from core.import_plan import plan_import
from core.records import CaseRecord, PersonRecord, UnitRecord
from spreadsheets.exporter import write_export
from store.models import Contact, Repayment
from tests.conftest import SHANGHAI, TODAY, Clock

# 张三 owes on two loans (one borrower, the same identity number); 李四 on one.
UNITS = [UnitRecord("城关信用社", "王建国", Decimal("1000000.00"))]
PEOPLE = [
    PersonRecord("李明", "E001", "城关信用社", "officer", "13800001111"),
    PersonRecord("周强", "E002", "城关信用社", "officer", "13800002222"),
    PersonRecord("王建国", "U001", "城关信用社", "unit_lead", "13800003333"),
]
ZHANG = "330102198001011234"


def _case(loan_no: str, borrower: str, officer: str, principal: str, id_number: str = "") -> CaseRecord:
    return CaseRecord(
        loan_no,
        borrower,
        "城关信用社",
        officer,
        Decimal(principal),
        Decimal("0.00"),
        "可疑",
        "中",
        date(2026, 12, 31),
        id_number,
    )


CASES = [
    _case("L1", "张三", "E001", "200000.00", ZHANG),
    _case("L2", "张三", "E002", "50000.00", ZHANG),
    _case("L3", "李四", "E001", "90000.00", "330102198202022222"),
]


@pytest.fixture
def ledger(app: App) -> App:
    plan, problems = plan_import(app.store.import_snapshot(), UNITS, PEOPLE, CASES)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="seed")
    return app


def stored_flags(app: App, model: type[Repayment] | type[Contact], entry_id: int) -> str:
    with app.engine.connect() as connection:
        return str(connection.execute(select(model.flags).where(model.id == entry_id)).scalar_one())


@pytest.mark.parametrize(
    ("days_before", "flags"), [(0, ()), (3, ()), (4, ("backdated",)), (330, ("backdated",))]
)
def test_a_repayment_dated_more_than_three_days_back_is_flagged_and_recorded(
    ledger: App, days_before: int, flags: tuple[str, ...]
) -> None:
    entry = ledger.store.record_repayment(
        "L1", "E001", Decimal("1000"), TODAY - timedelta(days=days_before), "transfer"
    )
    assert entry.flags == flags
    assert entry.status == "reported"  # recorded whatever the flag
    assert stored_flags(ledger, Repayment, entry.id) == ",".join(flags)


def test_the_same_amount_on_one_case_within_seven_days_is_flagged_but_not_on_another_case(
    ledger: App,
) -> None:
    first = ledger.store.record_repayment("L1", "E001", Decimal("1000"), TODAY, "cash")
    again = ledger.store.record_repayment("L1", "E001", Decimal("1000"), TODAY - timedelta(days=3), "cash")
    other_amount = ledger.store.record_repayment("L1", "E001", Decimal("1000.01"), TODAY, "cash")
    other_case = ledger.store.record_repayment("L3", "E001", Decimal("1000"), TODAY, "cash")
    assert first.flags == ()
    assert again.flags == ("duplicate",)
    assert other_amount.flags == ()
    assert other_case.flags == ()
    # Once the first two are undone, the same amount again is no duplicate: nothing of it stands any more.
    ledger.store.reverse_repayment(first.id, "E001")
    ledger.store.reverse_repayment(again.id, "E001")
    assert ledger.store.record_repayment("L1", "E001", Decimal("1000"), TODAY, "cash").flags == ()


def test_a_duplicate_eight_days_apart_is_not_flagged(ledger: App, clock: Clock) -> None:
    ledger.store.record_repayment("L1", "E001", Decimal("1000"), TODAY - timedelta(days=8), "cash")
    clock.now += timedelta(days=1)
    # Paid eight days after the first: no duplicate (and reported on its day: not back-dated).
    later = ledger.store.record_repayment("L1", "E001", Decimal("1000"), TODAY, "cash")
    assert later.flags == ()


@pytest.mark.parametrize(
    ("amount", "evidence", "flags"),
    [
        ("50000.00", None, ()),
        ("50000.01", None, ("cash_without_photo",)),
        ("50000.01", "telegram:photo-1", ()),
    ],
)
def test_cash_over_fifty_thousand_without_a_photo_is_flagged(
    ledger: App, amount: str, evidence: str | None, flags: tuple[str, ...]
) -> None:
    entry = ledger.store.record_repayment("L1", "E001", Decimal(amount), TODAY, "cash", evidence=evidence)
    assert entry.flags == flags


def test_a_flagged_repayment_confirmed_counts_as_recovered_and_stays_flagged_in_the_export(
    ledger: App, tmp_path: Path
) -> None:
    entry = ledger.store.record_repayment("L1", "E001", Decimal("1000"), date(2026, 1, 5), "cash")
    assert entry.flags == ("backdated",)
    decided = ledger.store.decide_repayment(entry.id, "U001", confirm=True)
    assert decided.status == "confirmed"
    assert decided.flags == ("backdated",)
    assert ledger.store.balance("L1").principal == Decimal("199000.00")
    unit = next(u for u in ledger.store.unit_progress() if u.unit == "城关信用社")
    assert unit.recovered == Decimal("1000.00")
    write_export(ledger.store, tmp_path / "export.xlsx")
    sheet = load_workbook(tmp_path / "export.xlsx", read_only=True)["还款"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "标记"
    assert rows[1][0] == "L1" and rows[1][4] == "已确认"
    assert rows[1][-1] == "倒签（还款日早于报告日 3 天以上）"


def test_a_repayments_flags_cannot_be_changed_afterwards(ledger: App) -> None:
    entry = ledger.store.record_repayment("L1", "E001", Decimal("1000"), date(2026, 1, 5), "cash")
    with pytest.raises(DBAPIError), ledger.engine.begin() as connection:
        connection.execute(text("UPDATE repayments SET flags = '' WHERE id = :id"), {"id": entry.id})
    assert stored_flags(ledger, Repayment, entry.id) == "backdated"


@pytest.mark.parametrize(
    ("moment", "flags"),
    [
        ((7, 59), ("outside_hours",)),
        ((8, 0), ()),
        ((22, 0), ()),
        ((22, 1), ("outside_hours",)),
        ((22, 30), ("outside_hours",)),
    ],
)
def test_a_contact_outside_eight_to_ten_is_recorded_and_flagged(
    ledger: App, clock: Clock, moment: tuple[int, int], flags: tuple[str, ...]
) -> None:
    clock.now = datetime(2026, 11, 30, *moment, tzinfo=SHANGHAI)
    entry = ledger.store.record_contact("L1", "E001", "phone", "reached")
    assert entry.flags == flags
    assert stored_flags(ledger, Contact, entry.id) == ",".join(flags)


def test_the_fourth_contact_with_one_borrower_in_a_day_is_flagged_over_all_their_loans(
    ledger: App, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 29, 21, 0, tzinfo=SHANGHAI)
    assert ledger.store.record_contact("L1", "E001", "phone", "no_answer").flags == ()  # the day before
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    undone = ledger.store.record_contact("L1", "E001", "phone", "no_answer")
    ledger.store.reverse_contact(undone.id, "E001")  # undone: it does not count
    flags = []
    for loan_no, officer in (("L1", "E001"), ("L2", "E002"), ("L1", "E001"), ("L2", "E002"), ("L3", "E001")):
        clock.now += timedelta(minutes=30)
        flags.append(ledger.store.record_contact(loan_no, officer, "phone", "no_answer").flags)
    # Two officers on 张三's two loans: the 4th contact with him that day breaks the rule; 李四's first does not.
    assert flags == [(), (), (), ("too_many",), ()]
    clock.now = datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI)
    assert ledger.store.record_contact("L2", "E002", "visit", "absent").flags == ("outside_hours", "too_many")


def test_compliance_figures_for_digest_and_pack(ledger: App, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 30, 22, 30, tzinfo=SHANGHAI)
    ledger.store.record_contact("L1", "E001", "visit", "reached", photo="telegram:p1")
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    ledger.store.record_contact("L3", "E001", "visit", "reached", location=(37.1, 112.5))
    ledger.store.record_contact("L3", "E001", "visit", "absent")
    ledger.store.record_contact("L2", "E002", "phone", "reached")
    ledger.store.record_repayment("L3", "E001", Decimal("2000"), date(2026, 11, 1), "transfer")
    start = datetime(2026, 11, 30, tzinfo=SHANGHAI)
    end = datetime(2026, 12, 1, tzinfo=SHANGHAI)
    breaches = ledger.store.contact_breaches(start, end)
    assert [(b.officer, b.total, b.counts) for b in breaches] == [("李明", 1, {"outside_hours": 1})]
    shares = {(s.officer, s.visits, s.evidenced) for s in ledger.store.evidence_shares(start, end)}
    assert shares == {("李明", 3, 2)}  # a phone call is no visit
    pending = ledger.store.flagged_pending()
    assert [(p.loan_no, p.amount, p.officer, p.flags) for p in pending] == [
        ("L3", Decimal("2000.00"), "李明", ("backdated",))
    ]
    assert ledger.store.contact_breaches(end, end + timedelta(days=1)) == []


def test_an_undone_flagged_repayment_is_no_longer_listed(ledger: App) -> None:
    entry = ledger.store.record_repayment("L1", "E001", Decimal("1000"), date(2026, 1, 5), "cash")
    kept = ledger.store.record_repayment("L3", "E001", Decimal("500"), date(2026, 1, 5), "cash")
    ledger.store.decide_repayment(kept.id, "U001", confirm=True)
    ledger.store.reverse_repayment(entry.id, "E001")
    start, end = datetime(2026, 11, 1, tzinfo=SHANGHAI), datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert [(f.loan_no, f.status) for f in ledger.store.flagged_between(start, end)] == [("L3", "confirmed")]
    assert ledger.store.flagged_pending() == []


def test_complaints_and_hand_overs_are_exported_and_described_in_the_audit(
    ledger: App, tmp_path: Path
) -> None:
    lead = ledger.store.person_by_employee_no("U001")
    assert lead is not None
    ledger.store.record_complaint("L1", "U001", '=HYPERLINK("x") 夜间催收', "c-1")
    ledger.store.close_complaints("L1", lead, "已核实", "c-2")
    ledger.store.assign_case("L1", "E002", lead, "a-1")
    write_export(ledger.store, tmp_path / "export.xlsx")
    workbook = load_workbook(tmp_path / "export.xlsx")
    complaints = list(workbook["投诉"].iter_rows(values_only=True))
    assert complaints[0] == (
        "编号",
        "贷款编号",
        "时间",
        "投诉内容",
        "记录人工号",
        "办结时间",
        "办结人工号",
        "办结说明",
    )
    assert complaints[1][:2] == (1, "L1") and complaints[1][4:] == (
        "U001",
        complaints[1][5],
        "U001",
        "已核实",
    )
    assert complaints[1][3] == '=HYPERLINK("x") 夜间催收'
    assert workbook["投诉"]["D2"].data_type == "s"  # text, never a formula
    handovers = list(workbook["转办"].iter_rows(values_only=True))
    assert handovers[1][0] == "L1" and handovers[1][2:] == ("E001", "E002", "U001", "转办")
    audit = [row[2:6] for row in workbook["审计"].iter_rows(values_only=True)]
    assert ("转办", "案件", "L1", "原责任人 E001，新责任人 E002，理由 转办") in audit
    assert ("投诉办结", "案件", "L1", "投诉编号 #1，备注 已核实") in audit
