"""The export as an auditor reads it: the 审计 sheet in words, on SQLite and PostgreSQL (SPEC §7)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.channels.console import ConsoleChannel
from core.errors import UserError
from spreadsheets.exporter import write_export
from spreadsheets.importer import import_file
from tests.conftest import TODAY
from tests.spreadsheets.test_import import CASE_ROWS, PEOPLE_ROWS, UNIT_ROWS, cases_of, fill_template


def audit_sheet(app: App, path: Path) -> list[tuple[str, ...]]:
    write_export(app.store, path)
    workbook = load_workbook(path, read_only=True)
    rows = [
        tuple("" if v is None else str(v) for v in row)
        for row in workbook["审计"].iter_rows(values_only=True)
    ]
    workbook.close()
    return rows


def test_audit_sheet_reads_in_chinese(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS))
    reported = app.store.record_repayment("L002", "E001", Decimal("5000"), TODAY, "cash")
    app.store.decide_repayment(reported.id, "U001", confirm=True)
    rejected = app.store.record_repayment("L001", "E001", Decimal("1000"), TODAY, "transfer")
    app.store.decide_repayment(rejected.id, "U001", confirm=False)
    reversal = app.store.reverse_repayment(reported.id, "E001")
    app.store.record_contact(
        "L003", "E001", "phone", "promise", promise_amount=Decimal("20000"), promise_date=date(2026, 12, 10)
    )
    code = next(line.code for line in app.store.bind_codes() if line.employee_no == "E001")
    app.store.bind("wecom", "wx-e001", code)
    changed = [list(r) for r in CASE_ROWS]
    changed[2][6] = "4万"  # L003's balance, from 3.5万
    import_file(app.store, fill_template(tmp_path / "台账2.xlsx", UNIT_ROWS, PEOPLE_ROWS, changed))

    rows = audit_sheet(app, tmp_path / "导出.xlsx")
    assert rows[0] == ("时间", "操作人", "操作", "对象", "编号", "内容", "来源")
    entries = {(r[2], r[4]): r for r in rows[1:]}
    assert entries[("导入", "台账.xlsx")][1:4] == ("命令行", "导入", "台账")
    assert entries[("导入", "台账.xlsx")][5] == "新增 12 条，更新 0 条，未变 0 条"
    assert entries[("报告还款", "L002")][3] == "案件"
    assert entries[("报告还款", "L002")][5] == (
        f"还款 #{reported.id}，金额 ¥5,000.00，方式 现金，日期 {TODAY.isoformat()}"
    )
    assert entries[("确认还款", "L002")][5] == f"还款 #{reported.id}，金额 ¥5,000.00"
    assert entries[("驳回还款", "L001")][5] == f"还款 #{rejected.id}，金额 ¥1,000.00"
    assert entries[("冲正", "L002")][5] == f"还款 #{reported.id}，冲正记录 #{reversal.id}，金额 ¥5,000.00"
    contact = entries[("记录催收", "L003")][5]
    assert "渠道 电话" in contact and "结果 承诺还款" in contact and "承诺金额 ¥20,000.00" in contact
    assert entries[("发放绑定码", "E001")][1:4] == ("命令行", "发放绑定码", "人员")
    assert entries[("绑定", "E001")][1:6] == ("李明", "绑定", "人员", "E001", "渠道 企业微信")
    assert entries[("导入修改", "L003")][5] == "贷款余额(元) ¥35,000.00 → ¥40,000.00"
    for row in rows[1:]:
        # No raw action codes, entity codes or JSON left for the auditor to decode.
        assert "." not in row[2] and "_" not in row[2], row
        assert row[3] in {"台账", "单位", "人员", "案件"}, row
        assert "{" not in row[5] and '"' not in row[5], row


def test_other_sheets_still_import_after_the_audit_sheet_changed(app: App, tmp_path: Path) -> None:
    import_file(app.store, fill_template(tmp_path / "台账.xlsx", UNIT_ROWS, PEOPLE_ROWS, CASE_ROWS))
    exported = tmp_path / "导出.xlsx"
    write_export(app.store, exported)
    report = import_file(app.store, exported)
    assert (report.created, report.updated, report.unchanged, report.examples_skipped) == (0, 0, 12, 0)


def test_export_into_a_missing_folder_or_as_csv_is_one_line(app: App, tmp_path: Path) -> None:
    missing = tmp_path / "没有" / "导出.xlsx"
    with pytest.raises(UserError) as refused:
        write_export(app.store, missing)
    assert refused.value.render("zh") == f"文件夹 {missing.parent} 不存在，无法写入 {missing}"
    with pytest.raises(UserError) as as_csv:
        write_export(app.store, tmp_path / "导出.csv")
    assert as_csv.value.key == "workbook.not_xlsx"
    assert not (tmp_path / "导出.csv").exists()


# Texts Excel would run as formulas (OWASP's CSV-injection list): the probe found 11 live in an export.
FORMULA_TEXTS = [
    '=HYPERLINK("http://x.example","点我")',
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(A1)",
]


def formula_elements(path: Path) -> dict[str, int]:
    """How many cells each sheet of a workbook holds as formulas (<f> elements in the sheet's XML)."""
    with zipfile.ZipFile(path) as archive:
        return {
            name: len(re.findall(rb"<(?:\w+:)?f[\s>/]", archive.read(name)))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        }


def texts_excel_would_run(path: Path) -> list[tuple[str, str, object]]:
    """Every cell whose text starts like a formula and would turn into one when edited in Excel."""
    workbook = load_workbook(path)
    found = [
        (ws.title, cell.coordinate, cell.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
        and cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
        and not (cell.data_type == "s" and cell.quotePrefix)
    ]
    workbook.close()
    return found


def formula_ledger(app: App, tmp_path: Path) -> None:
    """A ledger whose borrowers, officer and contact notes start like formulas, typed as text by the clerk."""
    cases = [
        [f"L10{n}", "借款人", None, None, "城关信用社", "E001", 10000, None, "可疑", "中", None, None, None]
        for n in range(len(FORMULA_TEXTS))
    ]
    path = fill_template(
        tmp_path / "台账.xlsx", UNIT_ROWS, [*PEOPLE_ROWS, ["占位", "E009", None, "专班联络员", None]], cases
    )
    workbook = load_workbook(path)
    for row, text in enumerate(FORMULA_TEXTS, start=2):
        cell = workbook["案件"].cell(row=row, column=2, value=text)
        cell.data_type = "s"  # as a clerk types '=1+1 in Excel: text, not a formula
    name = workbook["人员"].cell(row=len(PEOPLE_ROWS) + 2, column=1, value="@SUM(A1)")
    name.data_type = "s"
    workbook.save(path)
    import_file(app.store, path)
    # A note sent from a chat, as the probe did, and notes the store keeps as they came (a tab, a line break).
    output = io.StringIO()
    ConsoleChannel(app.router(), app.store, "E001", output).run(
        ['/log L100 visit reached =HYPERLINK("http://x.example","点我")']
    )
    app.store.record_contact("L101", "E001", "phone", "reached", note="\t=1+1")
    app.store.record_contact("L102", "E001", "phone", "reached", note="\r=1+1")
    # A reversal: a negative amount in the 还款 sheet, which must stay a number.
    paid = app.store.record_repayment("L103", "E001", Decimal("1000"), TODAY, "cash")
    app.store.decide_repayment(paid.id, "U001", confirm=True)
    app.store.reverse_repayment(paid.id, "E001")


def test_text_that_looks_like_a_formula_is_exported_as_text(app: App, tmp_path: Path) -> None:
    formula_ledger(app, tmp_path)
    exported = tmp_path / "导出.xlsx"
    write_export(app.store, exported)

    assert set(formula_elements(exported).values()) == {0}
    assert texts_excel_would_run(exported) == []
    workbook = load_workbook(exported, read_only=True)
    borrowers = [row[1] for row in workbook["案件"].iter_rows(min_row=2, values_only=True)]
    assert borrowers == FORMULA_TEXTS
    notes = {row[6] for row in workbook["催收记录"].iter_rows(min_row=2, values_only=True)}
    assert {'=HYPERLINK("http://x.example","点我")', "\t=1+1", "\r=1+1"} <= notes
    people = [row[0] for row in workbook["人员"].iter_rows(min_row=2, values_only=True)]
    assert "@SUM(A1)" in people
    amounts = sorted(row[1] for row in workbook["还款"].iter_rows(min_row=2, values_only=True))
    assert amounts == [-1000, 1000]  # numbers, the reversal's negative one too
    workbook.close()


def test_text_that_looks_like_a_formula_imports_again_as_typed(app: App, tmp_path: Path) -> None:
    formula_ledger(app, tmp_path)
    exported = tmp_path / "导出.xlsx"
    write_export(app.store, exported)
    before = cases_of(app)

    again = import_file(app.store, exported)
    assert (again.created, again.updated) == (0, 0)

    from bot.app import build
    from bot.settings import load_settings

    second = build(
        load_settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp_path / 'second.db'}",
            campaign_start=date(2026, 1, 1),
        )
    )
    second.init_database()
    import_file(second.store, exported)
    assert [row[1] for row in cases_of(second).values()] == FORMULA_TEXTS
    # What was imported comes back, field by field (status and remaining balance follow the chats).
    assert {no: row[:13] for no, row in cases_of(second).items()} == {
        no: row[:13] for no, row in before.items()
    }
    assert second.store.person_by_employee_no("E009").name == "@SUM(A1)"
    second.close()
