"""Plain cells read a column at a time (spreadsheets/plain.py) give the records the row-by-row reader gives: the
same loans, row numbers, skipped rows and problems, whatever mix of plain and hand-typed cells a sheet holds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from core.columns import EXAMPLE_ROWS, LOAN_COLUMNS, LOANS_SHEET
from core.money import to_fen, to_fen_all
from spreadsheets import plain, reader
from spreadsheets.reader import ImportInput, read_import

TODAY = date(2026, 11, 30)
DEADLINE = date(2026, 12, 31)
KINDS = {column.field: column for column in LOAN_COLUMNS}
INDEX = {column.field: place for place, column in enumerate(LOAN_COLUMNS)}
EXAMPLE_LOAN = EXAMPLE_ROWS[LOANS_SHEET][0]


def plain_row(number: int) -> list[Any]:
    """A loan as Excel keeps a sheet typed in the usual way: text, numbers and dates."""
    disbursed = date(2025, 1, 1) + timedelta(days=number % 300)
    return [
        f"X{number:09d}",
        "王伟" if number % 2 else "李娜娜",
        f"33010219800101{number % 10000:04d}",
        "城关信用社" if number % 3 else "东风信用社",
        f"E{number % 20:03d}",
        100000.0 + number,
        50000.25 + number % 1000,
        disbursed,
        disbursed + timedelta(days=365),
        float(number % 120),
        "正常" if number % 5 else "关注",
    ]


# Cells a clerk types by hand, each in place of the plain cell of its column, fine or not.
ODD_CELLS = [
    ("amount", "50万"),
    ("amount", "1,000.00"),
    ("amount", 1000.123),
    ("amount", 0.1 + 0.2),  # 0.30000000000000004: not a float Excel keeps for an amount in fen
    ("amount", 1e-05),
    ("amount", 2e12),
    ("amount", 0.0),
    ("amount", -5.0),
    ("balance", 0.0),
    ("balance", 0.01),
    ("balance", 999999999.0),  # above the amount
    ("balance", float("nan")),
    ("days_overdue", "5"),
    ("days_overdue", ""),
    ("days_overdue", 2.5),
    ("days_overdue", -1.0),
    ("disbursed_on", "2025/3/1"),
    ("disbursed_on", datetime(2025, 3, 1, 9, 30)),
    ("disbursed_on", date(2027, 1, 1)),  # in the future
    ("matures_on", date(2024, 1, 1)),  # before the disbursement
    ("loan_no", "  X0000000 "),
    ("loan_no", "X" * 41),
    ("loan_no", 12345.0),
    ("loan_no", EXAMPLE_LOAN),
    ("loan_no", ""),
    ("borrower", "王\u200b伟"),
    ("id_number", 330102198001011234.0),
    ("id_number", "3.30102E+17"),
    ("id_number", "33010219800101123x"),
    ("id_number", ""),
    ("officer_no", 7.0),
    ("classification", "正常类"),
    ("classification", ""),
    ("unit", ""),
]
# Of those, the ones still plain: read a column at a time too.
PLAIN_TOO = [
    ("balance", 0.01),
    ("days_overdue", ""),  # 0
    ("disbursed_on", datetime(2025, 3, 1, 9, 30)),  # its date
    ("loan_no", "  X0000000 "),  # stripped
    ("id_number", "33010219800101123x"),  # in capitals
    ("id_number", ""),  # optional
]


def sheet(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    loans = book.active
    loans.title = LOANS_SHEET
    loans.append([column.header for column in LOAN_COLUMNS])
    for row in rows:
        loans.append(row)
    book.save(path)
    return path


def read_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ImportInput, ImportInput]:
    """The file read as the import reads it, and read row by row only."""
    fast = read_import(path, TODAY, DEADLINE)
    with monkeypatch.context() as patch:
        patch.setattr(reader, "_PLAIN", {})
        slow = read_import(path, TODAY, DEADLINE)
    return fast, slow


def problems(read: ImportInput) -> list[str]:
    return [problem.render("zh") for problem in read.problems.first()]


def test_a_sheet_of_plain_rows_is_read_a_column_at_a_time_into_the_same_loans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sheet(tmp_path / "plain.xlsx", [plain_row(n) for n in range(2500)])
    fast, slow = read_both(path, monkeypatch)
    assert len(fast.loans) == 2500 and fast.problems.count == 0
    assert fast.loans == slow.loans
    assert fast.loans[0].amount == Decimal("100000.00") and fast.loans[0].balance == Decimal("50000.25")
    assert fast.loans[2499].row == 2501
    assert fast.loans[7].days_overdue == 7 and fast.loans[5].classification == "关注"


@pytest.mark.parametrize(("field", "value"), ODD_CELLS)
def test_a_hand_typed_cell_reads_as_it_does_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, value: Any
) -> None:
    rows = [plain_row(n) for n in range(1500)]
    rows[1200][INDEX[field]] = value  # in the second chunk, which the first's plain reading must not affect
    if field == "loan_no" and value == EXAMPLE_LOAN:
        rows[1200] = list(EXAMPLE_ROWS[LOANS_SHEET])  # the template's example row, left in
    fast, slow = read_both(sheet(tmp_path / "odd.xlsx", rows), monkeypatch)
    assert fast.loans == slow.loans
    assert (fast.rows, fast.examples) == (slow.rows, slow.examples)
    assert problems(fast) == problems(slow)


def test_blank_rows_between_loans_are_skipped_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [plain_row(n) for n in range(1200)]
    rows[3] = [None] * len(LOAN_COLUMNS)
    rows[1100] = ["  "] + [None] * (len(LOAN_COLUMNS) - 1)
    fast, slow = read_both(sheet(tmp_path / "blank.xlsx", rows), monkeypatch)
    assert len(fast.loans) == 1198 and fast.loans == slow.loans and fast.rows == slow.rows


def test_a_chunk_of_plain_cells_is_read_whole_and_any_other_is_left_to_the_rows() -> None:
    chunk = [plain_row(n) for n in range(1000)]
    records = plain.loans(chunk, INDEX, KINDS, 2, TODAY, EXAMPLE_LOAN)
    assert records is not None and [record.row for record in records[:2]] == [2, 3]
    assert records[1].id_number == "330102198001010001"
    # A unit, person or class repeated down the sheet is held once in memory, whichever row names it.
    assert records[1].unit is records[998].unit and records[1].classification is records[2].classification
    for field, value in ODD_CELLS:
        odd = [list(row) for row in chunk]
        odd[500][INDEX[field]] = value
        read = plain.loans(odd, INDEX, KINDS, 2, TODAY, EXAMPLE_LOAN)
        assert (read is not None) == ((field, value) in PLAIN_TOO), (field, value)


def test_plain_cells_that_are_not_as_excel_keeps_them_read_as_row_by_row() -> None:
    chunk = [plain_row(n) for n in range(10)]
    chunk[4][INDEX["days_overdue"]] = ""
    chunk[4][INDEX["disbursed_on"]] = datetime(2025, 3, 1, 9, 30)
    chunk[4][INDEX["id_number"]] = "33010219800101123x"
    chunk[4][INDEX["loan_no"]] = " X0000000 "
    records = plain.loans(chunk, INDEX, KINDS, 2, TODAY, EXAMPLE_LOAN)
    assert records is not None
    assert (records[4].days_overdue, records[4].disbursed_on) == (0, date(2025, 3, 1))
    assert (records[4].id_number, records[4].loan_no) == ("33010219800101123X", "X0000000")
    assert records[5].days_overdue == 5


def test_a_sheet_without_its_optional_column_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = [column for column in LOAN_COLUMNS if column.field != "id_number"]
    book = Workbook()
    loans = book.active
    loans.title = LOANS_SHEET
    loans.append([column.header for column in without])
    for n in range(1100):
        row = plain_row(n)
        loans.append([row[INDEX[column.field]] for column in without])
    book.save(tmp_path / "narrow.xlsx")
    fast, slow = read_both(tmp_path / "narrow.xlsx", monkeypatch)
    assert fast.loans == slow.loans and {loan.id_number for loan in fast.loans} == {""}


def test_amounts_are_turned_into_fen_a_column_at_a_time_as_one_by_one() -> None:
    amounts = [Decimal("0.01"), Decimal("12.5"), Decimal("100000000.99"), Decimal("3")]
    assert to_fen_all(amounts) == [to_fen(amount) for amount in amounts] == [1, 1250, 10000000099, 300]
    assert to_fen_all([Decimal("1.00"), None]) == [100, None]
    with pytest.raises(ValueError, match="whole number of fen"):
        to_fen_all([Decimal("1.00"), Decimal("0.001")])
    with pytest.raises(TypeError):
        to_fen_all([Decimal("1.00"), 1.5])  # type: ignore[list-item]
