"""The whole ledger as a workbook (`qingshou export`); its first three sheets and 诉讼 import again."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.audit import describe_actor, describe_entry, detail_of
from core.columns import (
    ASSET_COLUMNS,
    ASSETS_SHEET,
    CASE_COLUMNS,
    CASE_EXTRA_HEADERS,
    LAWSUIT_COLUMNS,
    LAWSUITS_SHEET,
    LOAN_COLUMNS,
    LOANS_SHEET,
    PERSON_COLUMNS,
    ROLE_LABELS,
    UNIT_COLUMNS,
)
from core.compliance import flag_names, flag_words
from core.texts import render
from spreadsheets.template import as_text_if_formula, check_destination, save_workbook
from store.export import ExportTable
from store.ledger import Store

SHEET_HEADERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "units": ("单位", tuple(c.header for c in UNIT_COLUMNS)),
    "people": ("人员", tuple(c.header for c in PERSON_COLUMNS)),
    "cases": ("案件", tuple(c.header for c in CASE_COLUMNS) + CASE_EXTRA_HEADERS),
    "contacts": (
        "催收记录",
        ("贷款编号", "时间", "渠道", "结果", "承诺金额(元)", "承诺日期", "备注", "工号", "标记"),
    ),
    "repayments": (
        "还款",
        (
            "贷款编号",
            "金额(元)",
            "日期",
            "方式",
            "状态",
            "本金(元)",
            "利息(元)",
            "冲正",
            "工号",
            "确认人工号",
            "标记",
        ),
    ),
    "lawsuits": (LAWSUITS_SHEET, tuple(c.header for c in LAWSUIT_COLUMNS)),
    "assets": (ASSETS_SHEET, tuple(c.header for c in ASSET_COLUMNS)),
    "loans": (LOANS_SHEET, tuple(c.header for c in LOAN_COLUMNS)),
    "complaints": (
        "投诉",
        ("编号", "贷款编号", "时间", "投诉内容", "记录人工号", "办结时间", "办结人工号", "办结说明"),
    ),
    "handovers": ("转办", ("贷款编号", "时间", "原责任人工号", "新责任人工号", "办理人工号", "方式")),
    "audit": ("审计", ("时间", "操作人", "操作", "对象", "编号", "内容", "来源")),
}
BOLD = Font(bold=True)


def write_export(store: Store, path: Path, progress: Any = None) -> dict[str, int]:
    """Write every table of the ledger to `path` (an .xlsx in an existing folder); returns each sheet's row count."""
    check_destination(path)
    zone = store.campaign.zone
    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    for table in store.export_tables():
        title, headers = SHEET_HEADERS[table.name]
        ws = workbook.create_sheet(title)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = BOLD
            header_cells.append(cell)
        ws.append(header_cells)
        count = 0
        for row in _rows(table, zone):
            # Names, notes and audit words come from clerks and chats: none may reach Excel as a formula.
            ws.append([as_text_if_formula(ws, value) for value in row])
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(title, 1000)
        counts[title] = count
    save_workbook(workbook, path, private=True)
    return counts


def _plain(value: Any, zone: ZoneInfo) -> Any:
    # Excel keeps no time zones: datetimes go out as the campaign's local time.
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None)
    return value


def _flags(stored: str | None) -> str:
    """An entry's flags in words, for the sheet (honest figures and the contact rules, SPEC §10)."""
    return flag_words(flag_names(stored), "zh")


# Each sheet's codes in words: (column, the text keys' prefix).
_WORDS: dict[str, tuple[tuple[int, str], ...]] = {
    "cases": ((13, "status"),),
    "contacts": ((2, "channel"), (3, "outcome")),
    "repayments": ((3, "method"), (4, "repayment")),
    "lawsuits": ((1, "stage"),),
    "assets": ((2, "asset_kind"), (10, "asset_state")),
    "handovers": ((5, "audit.assigned"),),
}
# And the column of its flags, where it has any.
_FLAGS = {"contacts": 8, "repayments": 10}


def _rows(table: ExportTable, zone: ZoneInfo) -> Any:
    for raw in table.rows:
        row = [_plain(v, zone) for v in raw]
        for column, prefix in _WORDS.get(table.name, ()):
            row[column] = render(f"{prefix}.{row[column]}", "zh")
        if table.name in _FLAGS:
            row[_FLAGS[table.name]] = _flags(row[_FLAGS[table.name]])
        if table.name == "units":
            name, leader, target, is_default, _chat = row
            # An empty target keeps meaning "the sum of the unit's balances" when the file is imported again.
            yield [name, leader, None if is_default else target]
        elif table.name == "people":
            row[3] = ROLE_LABELS.get(row[3], row[3])
            yield row
        elif table.name == "repayments":
            row[7] = "" if row[7] is None else f"冲正 #{row[7]}"
            yield row
        elif table.name == "audit":
            at, actor, action, entity, ref, detail, source = row
            what, kind, words = describe_entry(action, entity, ref, detail_of(detail), "zh")
            yield [at, describe_actor(actor, "zh"), what, kind, ref, words, source]
        else:
            yield row
