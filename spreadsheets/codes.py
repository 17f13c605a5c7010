"""The bind codes as a workbook (`qingshou codes --out 绑定码.xlsx`): one person a row, the line to send them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from core.texts import render
from spreadsheets.template import (
    DATE_FORMAT,
    TEXT_FORMAT,
    check_destination,
    display_width,
    keep_as_text,
    save_workbook,
)

if TYPE_CHECKING:
    from store.people import BindCodeLine

# (header text, least column width, number format): codes and employee numbers stay text, the expiry a date.
COLUMNS = (
    ("codes.header.employee_no", 12, TEXT_FORMAT),
    ("codes.header.name", 12, None),
    ("codes.header.unit", 24, None),
    ("codes.header.role", 14, None),
    ("codes.header.code", 14, TEXT_FORMAT),
    ("codes.header.expires_on", 14, DATE_FORMAT),
    ("codes.header.send", 22, TEXT_FORMAT),
)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CODE_FONT = Font(name="Consolas", bold=True)  # 8 and B, 5 and S read apart in a fixed-width face


def write_codes(path: Path, lines: Sequence[BindCodeLine], language: str = "zh") -> None:
    """Write one row per person waiting to bind: who, their code, its last valid day and the line to send.

    The file is overwritten: codes are issued again and again, and the newest list is the one that counts.
    """
    check_destination(path)
    workbook = Workbook()
    ws = workbook.active
    ws.title = render("codes.sheet", language)
    ws.append([render(key, language) for key, _width, _format in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for line in lines:
        ws.append(
            [
                line.employee_no,
                line.name,
                line.unit,
                render(f"role.{line.role}", language),
                line.code,
                line.expires_on,
                render("codes.send_line", language, code=line.code),
            ]
        )
        for cell in ws[ws.max_row]:
            keep_as_text(cell)  # names and units come from the ledger: none may reach Excel as a formula
        ws.cell(row=ws.max_row, column=5).font = CODE_FONT
    for index, (_key, width, number_format) in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        dimension = ws.column_dimensions[letter]
        dimension.width = max(width, *(display_width(str(c.value or "")) + 2 for c in ws[letter]))
        if number_format is not None:
            dimension.number_format = number_format
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=index).number_format = number_format
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    save_workbook(workbook, path, private=True)
