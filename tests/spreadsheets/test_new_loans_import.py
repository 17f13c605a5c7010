"""The 在贷 sheet (SPEC §10, 三): every new loan with a responsible person of its unit; imported all or nothing,
the same file twice changing nothing, a monthly re-import updating what changed with each change in the audit
log; exported again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.app import App
from core.audit import describe_change
from core.columns import LOAN_COLUMNS
from spreadsheets.exporter import write_export
from spreadsheets.importer import ImportRefused, import_file
from store.models import Loan
from tests.ledger_data import seed

HEADERS = [column.header for column in LOAN_COLUMNS]
GOOD = [
    [
        "D2026001",
        "赵六",
        "330102198505051234",
        "城关信用社",
        "E001",
        "50万",
        "45万",
        "2026-03-15",
        "2027-03-14",
        0,
        "正常",
    ],
    # Typed by hand: the amount a number, the days as text, the dates as Excel dates.
    [
        "D2026002",
        "钱七",
        "",
        "东风信用社",
        "E003",
        800000,
        800000,
        date(2025, 12, 1),
        date(2026, 12, 1),
        "0",
        "关注",
    ],
]


@pytest.fixture
def ledger(app: App) -> App:
    seed(app)
    return app


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "在贷"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def loans(app: App) -> dict[str, tuple[Any, ...]]:
    with app.engine.connect() as connection:
        return {
            row[0]: tuple(row[1:])
            for row in connection.execute(
                select(Loan.loan_no, Loan.balance, Loan.days_overdue, Loan.classification, Loan.as_of)
            )
        }


def test_a_good_sheet_is_imported_and_the_same_file_again_changes_nothing(
    ledger: App, tmp_path: Path
) -> None:
    report = import_file(ledger.store, workbook(tmp_path / "在贷.xlsx", GOOD))
    assert report.loans is not None
    assert (len(report.loans.new), len(report.loans.changed), report.loans.unchanged) == (2, 0, 0)
    assert loans(ledger) == {
        "D2026001": (Decimal("450000.00"), 0, "正常", date(2026, 11, 29)),
        "D2026002": (Decimal("800000.00"), 0, "关注", date(2026, 11, 29)),
    }
    assert [detail for _, _, _, detail in ledger.store.audit_entries("import.loans")] == [
        {"created": 2, "updated": 0, "unchanged": 0}
    ]
    again = import_file(ledger.store, workbook(tmp_path / "again.xlsx", GOOD))
    assert again.loans is not None and (len(again.loans.new), len(again.loans.changed)) == (0, 0)
    assert again.loans.unchanged == 2
    assert ledger.store.audit_entries("import.update") == []


def test_a_monthly_re_import_updates_what_changed_each_change_in_the_audit_log(
    ledger: App, tmp_path: Path
) -> None:
    import_file(ledger.store, workbook(tmp_path / "11月.xlsx", GOOD))
    december = [list(row) for row in GOOD]
    december[0][6] = "44万"
    december[0][9] = 35
    december[0][10] = "关注"
    report = import_file(ledger.store, workbook(tmp_path / "12月.xlsx", december))
    assert report.loans is not None
    assert (len(report.loans.changed), report.loans.unchanged) == (1, 1)
    assert [describe_change(change, "zh") for _, change in report.loans.changed] == [
        "在贷 D2026001：贷款余额(元) ¥450,000.00 → ¥440,000.00，逾期天数 0 → 35，五级分类 正常 → 关注"
    ]
    assert loans(ledger)["D2026001"][:3] == (Decimal("440000.00"), 35, "关注")
    updates = ledger.store.audit_entries("import.update")
    assert [(entity, ref) for _, entity, ref, _ in updates] == [("loan", "D2026001")]
    assert set(updates[0][3]) == {"balance", "days_overdue", "classification"}


def test_a_bad_sheet_writes_nothing_and_names_each_row(ledger: App, tmp_path: Path) -> None:
    import_file(ledger.store, workbook(tmp_path / "good.xlsx", GOOD[:1]))
    before = (loans(ledger), ledger.store.audit_entries())
    bad = [
        ["D2026101", "孙一", "", "城关信用社", "E999", "10万", "10万", "2026-05-01", "2027-05-01", 0, "正常"],
        ["D2026102", "孙二", "", "城关信用社", "E003", "10万", "10万", "2026-05-01", "2027-05-01", 0, "正常"],
        ["D2026103", "孙三", "", "城关信用社", "E001", "10万", "-5", "2026-05-01", "2027-05-01", 0, "正常"],
        ["D2026104", "孙四", "", "城关信用社", "E002", "10万", "10万", "2026-05-01", "2026-04-01", 0, "正常"],
        ["D2026001", "赵六", "", "城关信用社", "E001", "50万", "40万", "2026-03-15", "2027-03-14", 0, "正常"],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_file(ledger.store, workbook(tmp_path / "bad.xlsx", bad))
    assert refused.value.lines() == [
        "导入失败，共 4 处问题，未写入任何数据：",
        "  工作表“在贷”第 2 行“责任人工号”列：责任人工号 E999 不是在岗人员（每笔新发放贷款须落实责任人）",
        "  工作表“在贷”第 3 行“责任人工号”列：责任人 E003 属于东风信用社，不属于贷款所属单位城关信用社",
        "  工作表“在贷”第 4 行“贷款余额(元)”列：金额不能为负数：-5",
        "  工作表“在贷”第 5 行“到期日期”列：到期日期 2026-04-01 早于发放日期 2026-05-01",
    ]
    assert (loans(ledger), ledger.store.audit_entries()) == before


def test_the_template_and_the_export_carry_the_sheet(ledger: App, tmp_path: Path) -> None:
    import_file(ledger.store, workbook(tmp_path / "在贷.xlsx", GOOD))
    write_export(ledger.store, tmp_path / "export.xlsx")
    exported = list(
        load_workbook(tmp_path / "export.xlsx", read_only=True)["在贷"].iter_rows(values_only=True)
    )
    assert list(exported[0]) == HEADERS
    assert exported[1][:2] == ("D2026001", "赵六") and exported[1][4:7] == ("E001", 500000, 450000)
    # The export imports again and changes nothing.
    report = import_file(ledger.store, tmp_path / "export.xlsx")
    assert report.loans is not None and report.loans.unchanged == 2 and not report.loans.changed


def test_a_large_load_keeps_the_loans_keys_and_indexes(
    ledger: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From BULK_LOAD loans on, a load into a table holding fewer builds its indexes after it, and on PostgreSQL
    # drops its foreign keys and adds them again (checking every loan at once), within the import's
    # transaction: the loans are written, and the keys and indexes are as they were.
    monkeypatch.setattr("store.sql.BULK_LOAD", 2)
    before = foreign_keys(ledger), indexes(ledger)
    import_file(ledger.store, workbook(tmp_path / "在贷.xlsx", GOOD))
    assert set(loans(ledger)) == {"D2026001", "D2026002"}
    after = foreign_keys(ledger), indexes(ledger)
    assert [key[1:] for key in after[0]] == [key[1:] for key in before[0]]
    assert after[1] == before[1]
    assert {("ix_loans_officer_id", ("officer_id",)), ("ix_loans_unit_id", ("unit_id",))} <= set(after[1])
    if ledger.engine.dialect.name == "postgresql":
        assert len(before[0]) == 3  # its unit, its person, and its case once it joins the campaign
        assert {key[0] for key in after[0]}.isdisjoint(key[0] for key in before[0])  # added again
        with ledger.engine.connect() as connection, pytest.raises(IntegrityError):
            connection.execute(update(Loan).values(officer_id=999_999))


def indexes(app: App) -> list[tuple[str, tuple[str, ...]]]:
    """The loans table's indexes as the database holds them, with their columns."""
    found = inspect(app.engine).get_indexes("loans")
    return sorted((str(index["name"]), tuple(map(str, index["column_names"]))) for index in found)


def foreign_keys(app: App) -> list[tuple[int, str, str]]:
    """The loans table's foreign keys as the database holds them, each with its object id (PostgreSQL; none are
    read on SQLite)."""
    if app.engine.dialect.name != "postgresql":
        return []
    query = text(
        "SELECT oid, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'loans'::regclass AND contype = 'f' ORDER BY conname"
    )
    with app.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]
