"""The `qingshou` command line as a clerk uses it, run as a real process."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]


def qingshou(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in `folder` with its own SQLite database."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'cli.db'}",
        "CAMPAIGN_START": "2026-01-01",
        "CAMPAIGN_END": "2026-12-31",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    assert qingshou(tmp_path, "init").returncode == 0
    return tmp_path


def test_template_import_codes_export_backup(folder: Path) -> None:
    assert qingshou(folder, "template", "台账.xlsx").returncode == 0
    imported = qingshou(folder, "import", "台账.xlsx")
    assert imported.returncode == 0, imported.stderr
    assert "导入完成：新增 3 条" in imported.stdout

    again = qingshou(folder, "import", "台账.xlsx")
    assert "没有变化" in again.stdout

    codes = qingshou(folder, "codes", "--csv")
    rows = list(csv.reader(io.StringIO(codes.stdout)))
    assert rows[0] == ["employee_no", "name", "unit", "role", "code"]
    assert rows[1][:4] == ["E0001", "李明", "城关信用社", "officer"]
    assert len(rows[1][4]) == 8
    # The same person keeps the same code until it is used or expires.
    assert list(csv.reader(io.StringIO(qingshou(folder, "codes", "--csv").stdout))) == rows
    assert "没有这个社" in qingshou(folder, "codes", "--unit", "没有这个社").stderr

    exported = qingshou(folder, "export", "全量.xlsx")
    assert exported.returncode == 0, exported.stderr
    assert load_workbook(folder / "全量.xlsx", read_only=True).sheetnames == [
        "单位",
        "人员",
        "案件",
        "催收记录",
        "还款",
        "审计",
    ]

    assert qingshou(folder, "backup", "副本.db").returncode == 0
    with sqlite3.connect(folder / "副本.db") as copy:
        assert copy.execute("SELECT loan_no FROM cases").fetchall() == [("L2023000001",)]


def test_bad_import_lists_problems_and_exits_nonzero(folder: Path) -> None:
    (folder / "cases.csv").write_text(
        "贷款编号,借款人,所属单位,责任人工号,贷款余额(元),五级分类\nL1,张三,无此社,E1,-5,可疑\n",
        encoding="utf-8",
    )
    result = qingshou(folder, "import", "cases.csv")
    assert result.returncode == 1
    assert "导入失败，共 3 处问题" in result.stderr
    assert "工作表“案件”第 2 行“贷款余额(元)”列：金额不能为负数：-5" in result.stderr
    assert "未知单位“无此社”" in result.stderr
    with sqlite3.connect(folder / "cli.db") as db:
        assert db.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_english_output(folder: Path) -> None:
    result = qingshou(folder, "import", "missing.xlsx", env={"LANGUAGE": "en"})
    assert result.returncode == 1
    assert result.stderr.strip() == "File not found: missing.xlsx"


def test_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    result = qingshou(tmp_path, "init", env={"STALE_DAYS": "soon"})
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "STALE_DAYS" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_fills_only_an_empty_database(folder: Path) -> None:
    assert qingshou(folder, "template", "t.xlsx").returncode == 0
    assert qingshou(folder, "import", "t.xlsx").returncode == 0
    refused = qingshou(folder, "demo")
    assert refused.returncode == 1
    assert "demo 只能填充空库" in refused.stderr


def test_python_dash_m_bot_and_help(folder: Path) -> None:
    result = qingshou(folder, "--help")
    assert result.returncode == 0
    for verb in ("init", "template", "import", "export", "codes", "demo", "run", "backup"):
        assert verb in result.stdout


def test_chat_in_the_terminal_prints_cases_and_card(folder: Path) -> None:
    assert qingshou(folder, "template", "t.xlsx").returncode == 0
    assert qingshou(folder, "import", "t.xlsx").returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "E0001"],
        cwd=folder,
        input="/cases\n/case L2023000001\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'cli.db'}", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "未结清案件 1 笔" in result.stdout
    assert "L2023000001 张三 欠¥123,456.78" in result.stdout
    assert "【L2023000001】张三" in result.stdout
    assert "证件：3301**********1234 · 电话：139****5678" in result.stdout
    assert "330102198001011234" not in result.stdout


def test_chat_as_unknown_person_is_refused(folder: Path) -> None:
    result = qingshou(folder, "chat", "--as", "NOBODY")
    assert result.returncode == 1
    assert "未找到工号 NOBODY" in result.stderr
