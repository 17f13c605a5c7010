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


# -- jobs run -------------------------------------------------------------------------------------------

DRY_RUN_NOTE = "。未发送，也未记录任何内容。"
UNBOUND = "[未绑定聊天，不会送达]"


@pytest.fixture
def no_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    """No chat channel configured, whatever the environment running the tests holds."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


@pytest.fixture
def demo_folder(folder: Path, no_channel: None) -> Path:
    """A folder whose database holds the tiny demo campaign (its activity dated before the machine's today)."""
    loaded = qingshou(folder, "demo", "--scale", "tiny")
    assert loaded.returncode == 0, loaded.stderr
    assert "已生成演示数据：5 个单位" in loaded.stdout
    return folder


def ledger_state(folder: Path) -> tuple[list[tuple[str, int]], int]:
    """The promises counted by status, and the number of rows in the dispatch log."""
    with sqlite3.connect(folder / "cli.db") as db:
        promises = db.execute(
            "SELECT status, count(*) FROM promises GROUP BY status ORDER BY status"
        ).fetchall()
        (dispatched,) = db.execute("SELECT count(*) FROM dispatch_log").fetchone()
    return promises, dispatched


def first_workday_after_an_open_promise(folder: Path) -> str:
    """A working day on which the morning job would decide at least one promise still open in the ledger."""
    from datetime import date, timedelta

    from core.workdays import is_workday

    with sqlite3.connect(folder / "cli.db") as db:
        (earliest,) = db.execute("SELECT min(due_on) FROM promises WHERE status = 'open'").fetchone()
    assert earliest is not None, "the demo should leave some promises open"
    day = date.fromisoformat(earliest) + timedelta(days=1)
    while not is_workday(day):
        day += timedelta(days=1)
    return day.isoformat()


def dry_run_lines(folder: Path, job: str, day: str) -> list[str]:
    result = qingshou(folder, "jobs", "run", job, "--date", day, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


def test_jobs_dry_run_prints_the_to_dos_and_sends_and_records_nothing(demo_folder: Path) -> None:
    before = ledger_state(demo_folder)
    assert before[1] == 0
    lines = dry_run_lines(demo_folder, "reminders", "2026-11-30")
    to_dos = [line for line in lines if line.strip().startswith("【每日待办】2026-11-30 ")]
    assert to_dos, lines[:20]
    assert any(line.strip().startswith("1. L") for line in lines)  # the cases, in order of priority
    # Nobody has bound a chat yet: every message is shown as going nowhere.
    unbound = [line for line in lines if line.startswith("→ ") and line.endswith(UNBOUND)]
    assert len(unbound) >= len(to_dos)
    summary = lines[-1]
    assert summary == (
        f"演练 reminders 2026-11-30：将发送 0 条，已发过 0 条，未绑定聊天 {len(unbound)} 人{DRY_RUN_NOTE}"
    )
    assert ledger_state(demo_folder) == before

    # On a later day the morning job decides the promises that fell due: the rehearsal keeps none of it.
    later = first_workday_after_an_open_promise(demo_folder)
    lines = dry_run_lines(demo_folder, "reminders", later)
    assert any(line.strip().startswith(f"【每日待办】{later} ") for line in lines)
    assert lines[-1].startswith(f"演练 reminders {later}：将发送 0 条") and lines[-1].endswith(DRY_RUN_NOTE)
    assert ledger_state(demo_folder) == before


def test_jobs_on_a_public_holiday_say_it_is_not_a_working_day(demo_folder: Path) -> None:
    lines = dry_run_lines(demo_folder, "ranking", "2026-10-01")
    assert len(lines) == 1, lines
    assert lines[0] == "2026-10-01 不是工作日（国庆节），按 SKIP_HOLIDAYS 设置不发送。"
    assert lines[0].endswith("按 SKIP_HOLIDAYS 设置不发送。")
    assert ledger_state(demo_folder)[1] == 0


def test_jobs_run_refuses_an_unknown_job(folder: Path, no_channel: None) -> None:
    result = qingshou(folder, "jobs", "run", "bogus", "--dry-run")
    assert result.returncode == 1
    assert result.stderr.strip() == "没有这个任务：bogus（可选：reminders、ranking、notices）"
    assert result.stdout == ""


def test_jobs_run_refuses_an_unknown_job_before_looking_for_a_channel(folder: Path, no_channel: None) -> None:
    result = qingshou(folder, "jobs", "run", "bogus")
    assert result.returncode == 1
    assert result.stderr.strip() == "没有这个任务：bogus（可选：reminders、ranking、notices）"


def test_jobs_run_refuses_a_date_it_cannot_read(folder: Path, no_channel: None) -> None:
    result = qingshou(folder, "jobs", "run", "reminders", "--date", "2026-13-01", "--dry-run")
    assert result.returncode == 1
    assert result.stderr.strip() == "日期“2026-13-01”看不懂，请写成 2026-12-10。"
    assert result.stdout == ""


def test_jobs_run_without_a_channel_refuses_to_send_and_suggests_a_dry_run(
    demo_folder: Path,
) -> None:
    before = ledger_state(demo_folder)
    result = qingshou(demo_folder, "jobs", "run", "reminders", "--date", "2026-11-30")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "没有配置任何聊天渠道（如 TELEGRAM_BOT_TOKEN），无法发送；加 --dry-run 可查看将发送的内容。"
    )
    assert result.stdout == ""
    assert ledger_state(demo_folder) == before
