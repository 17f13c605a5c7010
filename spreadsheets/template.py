"""The empty import workbook (`qingshou template`): instructions, headers, one example row, drop-down lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.assets import KIND_NAMES
from core.assets import STATE_NAMES as ASSET_STATE_NAMES
from core.columns import (
    ASSET_COLUMNS,
    ASSETS_SHEET,
    CASE_COLUMNS,
    CASES_SHEET,
    DATE_FIELDS,
    EXAMPLE_DEADLINE_FIELD,
    EXAMPLE_ROWS,
    GUIDE_HEADERS,
    GUIDE_NOTES,
    GUIDE_SHEET,
    GUIDE_SHEET_TITLE,
    GUIDE_TITLE,
    LAWSUIT_COLUMNS,
    LAWSUITS_SHEET,
    LOAN_COLUMNS,
    LOANS_SHEET,
    PEOPLE_SHEET,
    PERSON_COLUMNS,
    READ_SHEETS,
    REQUIRED_MARK,
    ROLE_NAMES,
    Column,
)
from core.errors import UserError
from core.files import private_file
from core.litigation import STAGE_NAMES
from core.vocabulary import CLASSIFICATIONS, DIFFICULTIES

MAX_ROWS = 200_000
# Rows formatted as text cell by cell below the header, beside the whole column's own format: a program that
# ignores a column's format (or a clerk who clears it) still keeps an ID typed here as text.
TEXT_ROWS = 2_000
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
GUIDE_WIDTHS = (18, 8, 100)  # 列名, 必填, 填写要求
# Excel runs a cell typed as =…, +…, -… or @… as a formula, and a leading tab or CR hides such a start from
# the eye (OWASP's rule for CSV injection). A text from the ledger that starts so is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_template(path: Path, deadline: date, overwrite: bool = False) -> None:
    """Write the import workbook for clerks to fill in; an empty 收回时限 means `deadline`, the campaign's end."""
    check_destination(path, overwrite=overwrite)
    workbook = Workbook()
    guide = workbook.active
    guide.title = GUIDE_SHEET
    for sheet, columns in READ_SHEETS.items():
        _data_sheet(workbook.create_sheet(sheet), sheet, columns, deadline)
    _dropdown(workbook[PEOPLE_SHEET], PERSON_COLUMNS, "role", tuple(ROLE_NAMES))
    _dropdown(workbook[CASES_SHEET], CASE_COLUMNS, "classification", CLASSIFICATIONS)
    _dropdown(workbook[CASES_SHEET], CASE_COLUMNS, "difficulty", DIFFICULTIES)
    _dropdown(workbook[LAWSUITS_SHEET], LAWSUIT_COLUMNS, "stage", STAGE_NAMES)
    _dropdown(workbook[ASSETS_SHEET], ASSET_COLUMNS, "kind", KIND_NAMES)
    _dropdown(workbook[ASSETS_SHEET], ASSET_COLUMNS, "state", ASSET_STATE_NAMES)
    _dropdown(workbook[LOANS_SHEET], LOAN_COLUMNS, "classification", CLASSIFICATIONS)
    _guide(guide, deadline)
    save_workbook(workbook, path)


def check_destination(path: Path, overwrite: bool = True) -> None:
    """Refuse, before any work, a workbook that cannot be written where asked (one line for the clerk)."""
    if path.suffix.lower() != ".xlsx":
        raise UserError("workbook.not_xlsx", path=str(path))
    if path.is_dir():
        raise UserError("file.is_folder", path=str(path))
    if not path.parent.is_dir():
        raise UserError("file.no_folder", folder=str(path.parent), path=str(path))
    if not overwrite and path.exists():
        raise UserError("template.exists", path=str(path))


def save_workbook(workbook: Workbook, path: Path, private: bool = False) -> None:
    """Save a workbook; a file Excel holds open (or any other refusal of the system) is one line for the clerk.

    `private`: the workbook holds ID numbers, phones or bind codes, so only its owner may read it (0600).
    """
    try:
        if private:
            private_file(path)
        workbook.save(path)
    except OSError as exc:
        raise UserError(
            "workbook.unwritable", path=str(path), reason=exc.strerror or type(exc).__name__
        ) from exc


def _data_sheet(ws: Worksheet, sheet: str, columns: tuple[Column, ...], deadline: date) -> None:
    ws.append([c.header for c in columns])
    example: list[Any] = list(EXAMPLE_ROWS[sheet])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = ws.cell(row=1, column=index)
        header.fill = HEADER_FILL
        # The header text must stay the import's header, so "required" is its colour and its comment.
        header.font = REQUIRED_FONT if column.required else Font(bold=True)
        comment = f"{REQUIRED_MARK}。{_note(column)}" if column.required else _note(column)
        header.comment = Comment(comment, "清收专班", width=260, height=110)
        dimension = ws.column_dimensions[letter]
        dimension.width = max(
            12, display_width(column.header) + 4, display_width(str(example[index - 1] or "")) + 4
        )
        if column.field == EXAMPLE_DEADLINE_FIELD:
            example[index - 1] = deadline
        if column.as_text:
            dimension.number_format = TEXT_FORMAT
            for row in range(2, TEXT_ROWS + 2):
                ws.cell(row=row, column=index).number_format = TEXT_FORMAT
        elif column.field in DATE_FIELDS:
            dimension.number_format = DATE_FORMAT
            ws.cell(row=2, column=index).number_format = DATE_FORMAT
    for index, value in enumerate(example, start=1):
        keep_as_text(ws.cell(row=2, column=index, value=value))
    ws.freeze_panes = "A2"


def _guide(ws: Worksheet, deadline: date) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(GUIDE_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append([GUIDE_TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    for note in GUIDE_NOTES:
        line = note.format(deadline=deadline.isoformat())
        ws.append([line])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
        ws.cell(row=ws.max_row, column=1).alignment = wrap
        _fit_height(ws, line, sum(GUIDE_WIDTHS))
    for sheet, columns in READ_SHEETS.items():
        ws.append([])
        ws.append([GUIDE_SHEET_TITLE.format(sheet=sheet)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
        ws.append(list(GUIDE_HEADERS))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        for column in columns:
            ws.append([column.header, REQUIRED_MARK if column.required else "", _note(column)])
            row = ws[ws.max_row]
            row[0].font = REQUIRED_FONT if column.required else Font()
            row[1].font = REQUIRED_FONT
            row[2].alignment = wrap
            _fit_height(ws, _note(column), GUIDE_WIDTHS[2])


def keep_as_text(cell: Cell | WriteOnlyCell) -> Cell | WriteOnlyCell:
    """Make a cell whose text Excel could run as a formula hold it as text, also once edited in Excel."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl took a text starting with = for a formula when it was set
        # Excel's leading apostrophe: editing the cell and pressing Enter keeps it text.
        cell.quotePrefix = True
    return cell


def as_text_if_formula(ws: Any, value: Any) -> Any:
    """What to append to a write-only sheet for `value`: a cell holding it as text if Excel could run it.

    Numbers stay numbers (a negative amount is a number, not text that starts with -).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return keep_as_text(WriteOnlyCell(ws, value=value))
    return value


def display_width(text: str) -> int:
    """How many column-width units a text takes in Excel: a Chinese character takes about two."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def _fit_height(ws: Worksheet, text: str, width: int) -> None:
    # Excel sizes no row to wrapped text on opening (and never a merged one): give each row its lines' height.
    lines = max(1, -(-display_width(text) // width))
    ws.row_dimensions[ws.max_row].height = 16 * lines


def _note(column: Column) -> str:
    """How to fill a column in, with the most characters it takes when there is a most."""
    if column.max_length is None:
        return column.note
    return f"{column.note}；最多 {column.max_length} 个字符"


def _index(columns: tuple[Column, ...], field: str) -> int:
    return next(i for i, c in enumerate(columns) if c.field == field)


def _letter(columns: tuple[Column, ...], field: str) -> str:
    return get_column_letter(_index(columns, field) + 1)


def _dropdown(ws: Worksheet, columns: tuple[Column, ...], field: str, choices: tuple[str, ...]) -> None:
    letter = _letter(columns, field)
    validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    validation.error = "请从下拉列表中选择"
    validation.errorTitle = "无效的值"
    validation.showErrorMessage = True
    ws.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{MAX_ROWS}")
