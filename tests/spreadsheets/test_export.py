"""The export as an auditor reads it: the 审计 sheet in words, on SQLite and PostgreSQL (SPEC §7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from core.errors import UserError
from spreadsheets.exporter import write_export
from spreadsheets.importer import import_file
from tests.conftest import TODAY
from tests.spreadsheets.test_import import CASE_ROWS, PEOPLE_ROWS, UNIT_ROWS, fill_template


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
