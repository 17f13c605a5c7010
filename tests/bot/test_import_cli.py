"""`qingshou import` as a clerk reads it: the template's examples are not imported, changes are said in
Chinese, and a workbook typed by hand with numbers where text was meant is refused cell by cell."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.columns import LOAN_COLUMNS
from tests.bot.test_chat_sessions import qingshou, write_ledger


def test_the_bare_template_imports_nothing(tmp_path: Path) -> None:
    assert qingshou(tmp_path, "template", "台账.xlsx").returncode == 0
    imported = qingshou(tmp_path, "import", "台账.xlsx")
    assert imported.returncode == 0, imported.stderr
    assert "已跳过模板示例行 6 行" in imported.stdout
    assert "在贷" not in imported.stdout
    assert "导入完成：没有变化" in imported.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_a_changed_workbook_says_each_change_in_chinese(tmp_path: Path) -> None:
    write_ledger(tmp_path / "台账.xlsx")
    assert qingshou(tmp_path, "import", "台账.xlsx").returncode == 0
    workbook = load_workbook(tmp_path / "台账.xlsx")
    cases = workbook["案件"]
    cases["D2"] = "U001"  # 责任人工号 of L2023001
    cases["D3"] = "U001"
    cases["E3"] = 90000  # 贷款余额(元) of L2023002
    workbook.save(tmp_path / "台账.xlsx")
    changed = qingshou(tmp_path, "import", "台账.xlsx")
    assert changed.returncode == 0, changed.stderr
    lines = changed.stdout.splitlines()
    assert "案件 L2023001：责任人工号 E001 → U001" in lines
    assert "案件 L2023002：责任人工号 E001 → U001，贷款余额(元) ¥80,000.00 → ¥90,000.00" in lines
    assert "officer_no" not in changed.stdout


def test_an_id_number_typed_as_a_number_is_refused(tmp_path: Path) -> None:
    write_ledger(tmp_path / "台账.xlsx")
    workbook = load_workbook(tmp_path / "台账.xlsx")
    cases = workbook["案件"]
    cases["G1"] = "证件号码"
    cases["G2"] = 360102198001011234  # Excel keeps 15 digits: this reads back as 360102198001011328
    workbook.save(tmp_path / "台账.xlsx")
    refused = qingshou(tmp_path, "import", "台账.xlsx")
    assert refused.returncode == 1
    assert "工作表“案件”第 2 行“证件号码”列：该单元格为数字，Excel 只保留 15 位有效数字" in refused.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_a_person_left_out_of_a_reimport_is_deactivated_and_said(tmp_path: Path) -> None:
    write_ledger(tmp_path / "台账.xlsx")
    assert qingshou(tmp_path, "import", "台账.xlsx").returncode == 0
    workbook = load_workbook(tmp_path / "台账.xlsx")
    workbook["人员"].delete_rows(3)  # 王建国 (U001) has left
    workbook.save(tmp_path / "台账.xlsx")
    again = qingshou(tmp_path, "import", "台账.xlsx")
    assert again.returncode == 0, again.stderr
    assert "停用 1 人（不在“人员”表中，历史记录保留，绑定已解除）：U001 王建国" in again.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT name, active FROM people ORDER BY employee_no").fetchall() == [
            ("李明", 1),
            ("王建国", 0),
        ]
    refused = qingshou(tmp_path, "chat", "--as", "U001", stdin="帮助\n")
    assert refused.returncode == 1


def with_loans(path: Path, overdue: int, classification: str) -> tuple[Workbook, Worksheet]:
    """The workbook at `path` with a 在贷 sheet of one loan of 李明's (E001), saved; the book and the sheet."""
    workbook = load_workbook(path)
    loans = workbook.create_sheet("在贷")
    loans.append([c.header for c in LOAN_COLUMNS if c.field != "id_number"])
    loans.append(
        [
            "D0001",
            "赵六",
            "城关信用社",
            "E001",
            "50万",
            "45万",
            "2026-03-15",
            "2027-03-14",
            overdue,
            classification,
        ]
    )
    workbook.save(path)
    return workbook, loans


def test_the_new_loans_sheet_says_what_it_added_and_changed(tmp_path: Path) -> None:
    write_ledger(tmp_path / "台账.xlsx")
    assert qingshou(tmp_path, "import", "台账.xlsx").returncode == 0
    workbook, loans = with_loans(tmp_path / "台账.xlsx", 0, "正常")
    first = qingshou(tmp_path, "import", "台账.xlsx")
    assert first.returncode == 0, first.stderr
    assert "在贷：新增 1 笔，更新 0 笔，未变 0 笔" in first.stdout
    loans["I2"] = 12
    workbook.save(tmp_path / "台账.xlsx")
    second = qingshou(tmp_path, "import", "台账.xlsx")
    assert "在贷：新增 0 笔，更新 1 笔，未变 0 笔\n在贷 D0001：逾期天数 0 → 12" in second.stdout
    assert "导入完成" not in second.stdout
    # The same file again: the loan and everything else as the ledger holds them, each said.
    third = qingshou(tmp_path, "import", "台账.xlsx")
    assert "在贷：新增 0 笔，更新 0 笔，未变 1 笔\n导入完成：没有变化（" in third.stdout


def test_jobs_run_warnings_rehearses_the_days_warnings_and_records_nothing(tmp_path: Path) -> None:
    """A clerk after the monthly import: `jobs run warnings --dry-run` shows what each person and unit lead
    would be told, and the ledger is as it was (no warning given, no case made)."""
    write_ledger(tmp_path / "台账.xlsx")
    with_loans(tmp_path / "台账.xlsx", 95, "关注")
    assert qingshou(tmp_path, "import", "台账.xlsx").returncode == 0
    result = qingshou(tmp_path, "jobs", "run", "warnings", "--date", "2026-12-01", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  【贷款预警】2026-12-01 李明" in lines
    assert any(
        line.startswith("  · D0001 赵六，余额 ¥450,000.00：逾期 ") and "已转入清收台账" in line
        for line in lines
    )
    assert any("五级分类为关注，不符合分类规则：逾期 90 天以上应至少为次级" in line for line in lines)
    assert "  【贷款预警】2026-12-01 城关信用社" in lines
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT count(*) FROM loan_warnings").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM cases WHERE loan_no = 'D0001'").fetchone() == (0,)
        assert db.execute("SELECT case_id FROM loans").fetchall() == [(None,)]
