"""Terminal sessions one after the other, as an officer and a unit lead use `qingshou chat`: every session's
messages are new messages, whatever was typed in an earlier session."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.bot.test_cli import qingshou


def write_ledger(path: Path) -> None:
    """A hand-made workbook: one unit, an officer and a lead, two loans."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in (
        ("单位", [["单位名称", "主要领导", "清收目标(元)"], ["城关信用社", "王建国", 100000]]),
        (
            "人员",
            [
                ["姓名", "工号", "所属单位", "角色", "手机号"],
                ["李明", "E001", "城关信用社", "清收责任人", "13800001111"],
                ["王建国", "U001", "城关信用社", "单位负责人", "13800003333"],
            ],
        ),
        (
            "案件",
            [
                ["贷款编号", "借款人", "所属单位", "责任人工号", "贷款余额(元)", "五级分类"],
                ["L2023001", "张三", "城关信用社", "E001", 50000, "可疑"],
                ["L2023002", "李四", "城关信用社", "E001", 80000, "次级"],
            ],
        ),
    ):
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    assert qingshou(tmp_path, "init").returncode == 0
    write_ledger(tmp_path / "台账.xlsx")
    imported = qingshou(tmp_path, "import", "台账.xlsx")
    assert imported.returncode == 0, imported.stderr
    return tmp_path


def chat(folder: Path, employee_no: str, *lines: str) -> str:
    """One `qingshou chat` session fed these lines; what it printed."""
    session = qingshou(folder, "chat", "--as", employee_no, stdin="".join(f"{line}\n" for line in lines))
    assert session.returncode == 0, session.stderr
    return session.stdout


def repayments(folder: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(folder / "cli.db") as db:
        return db.execute(
            "SELECT c.loan_no, r.amount, r.status FROM repayments r JOIN cases c ON c.id = r.case_id"
            " ORDER BY r.id"
        ).fetchall()


def test_two_sessions_record_both_sessions_repayments(ledger: Path) -> None:
    first = chat(ledger, "E001", "L2023001 还款1000 现金")
    second = chat(ledger, "E001", "L2023002 还款2000 现金")
    assert "已报告还款：L2023001 张三 ¥1,000.00" in first
    assert "已报告还款：L2023002 李四 ¥2,000.00" in second
    assert repayments(ledger) == [("L2023001", 100_000, "reported"), ("L2023002", 200_000, "reported")]


def test_a_leads_confirmations_in_separate_sessions_all_take_effect(ledger: Path) -> None:
    chat(ledger, "E001", "L2023001 还款1000 现金", "L2023002 还款2000 现金")
    # Each session lists what waits and confirms the first one: `1` means that session's first button.
    for _ in range(2):
        chat(ledger, "U001", "待确认", "1")
    assert [status for _, _, status in repayments(ledger)] == ["confirmed", "confirmed"]


def test_a_session_starts_while_another_holds_the_write_lock(ledger: Path) -> None:
    """Another session (or an import) writing: a new chat still starts and answers what it reads."""
    holder = sqlite3.connect(ledger / "cli.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        session = qingshou(ledger, "chat", "--as", "E001", stdin="我的案件\n")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert session.returncode == 0, session.stderr
    assert "未结清案件 2 笔" in session.stdout
    assert "Traceback" not in session.stderr
