"""The empty import workbook (`qingshou template`): headers, one example row, drop-down lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.columns import (
    CASE_COLUMNS,
    CASES_SHEET,
    PEOPLE_SHEET,
    PERSON_COLUMNS,
    ROLE_NAMES,
    SHEETS,
    UNITS_SHEET,
    Column,
)
from core.vocabulary import CLASSIFICATIONS, DIFFICULTIES

EXAMPLE_ROWS = {
    UNITS_SHEET: ["城关信用社", "王建国", 5_000_000],
    PEOPLE_SHEET: ["李明", "E0001", "城关信用社", "清收责任人", "13800001234"],
    CASES_SHEET: [
        "L2023000001",
        "张三",
        "330102198001011234",
        "13912345678",
        "城关信用社",
        "E0001",
        "12万",
        "3,456.78",
        "可疑",
        "中",
        None,  # the campaign end, filled in by write_template
        "上门催收，协商分期还款",
        None,
    ],
}
MAX_ROWS = 200_000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")


def write_template(path: Path, deadline: date) -> None:
    """Write the import workbook for clerks to fill in; the example case is due on `deadline`."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet, columns in SHEETS.items():
        ws = workbook.create_sheet(sheet)
        ws.append([c.header for c in columns])
        example = list(EXAMPLE_ROWS[sheet])
        if sheet == CASES_SHEET:
            example[_index(CASE_COLUMNS, "deadline")] = deadline
        ws.append(example)
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=index)
            cell.fill = HEADER_FILL
            cell.font = REQUIRED_FONT if column.required else Font(bold=True)
            ws.column_dimensions[get_column_letter(index)].width = max(12, len(column.header) * 2 + 4)
        ws.freeze_panes = "A2"
    _dropdown(workbook[PEOPLE_SHEET], PERSON_COLUMNS, "role", tuple(ROLE_NAMES))
    _dropdown(workbook[CASES_SHEET], CASE_COLUMNS, "classification", CLASSIFICATIONS)
    _dropdown(workbook[CASES_SHEET], CASE_COLUMNS, "difficulty", DIFFICULTIES)
    for field in ("deadline", "statute_date"):
        letter = _letter(CASE_COLUMNS, field)
        workbook[CASES_SHEET][f"{letter}2"].number_format = "yyyy-mm-dd"
    workbook.save(path)


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
