"""The `qingshou` command line as a clerk uses it, run as a real process."""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

ROOT = Path(__file__).resolve().parents[2]


def qingshou(
    folder: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in `folder` with its own SQLite database, typing `stdin` if given."""
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
        **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command prints: exit code 1, nothing else on standard error, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    assert qingshou(tmp_path, "init").returncode == 0
    return tmp_path


def write_ledger(path: Path) -> None:
    """A workbook as a clerk fills it in: one unit, one officer, one loan."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in (
        ("单位", [["单位名称", "主要领导", "清收目标(元)"], ["城关信用社", "王建国", 5_000_000]]),
        (
            "人员",
            [
                ["姓名", "工号", "所属单位", "角色", "手机号"],
                ["李明", "E0001", "城关信用社", "清收责任人", "13800001234"],
            ],
        ),
        (
            "案件",
            [
                ["贷款编号", "借款人", "证件号码", "联系电话", "所属单位", "责任人工号", "贷款余额(元)"],
                ["L2023000001", "张三", "330102198001011234", "13912345678", "城关信用社", "E0001", "12万"],
            ],
        ),
    ):
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    cases = workbook["案件"]
    for header, value in (("欠息(元)", "3,456.78"), ("五级分类", "可疑"), ("难易程度", "中")):
        cases.cell(row=1, column=cases.max_column + 1, value=header)
        cases.cell(row=2, column=cases.max_column, value=value)
    workbook.save(path)


def imported(folder: Path) -> Path:
    """The folder, its ledger holding the workbook of `write_ledger`."""
    write_ledger(folder / "台账.xlsx")
    result = qingshou(folder, "import", "台账.xlsx")
    assert result.returncode == 0, result.stderr
    return folder


def test_template_import_codes_export_backup(folder: Path) -> None:
    assert qingshou(folder, "template", "模板.xlsx").returncode == 0
    write_ledger(folder / "台账.xlsx")
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
        "诉讼",
        "抵债资产",
        "在贷",
        "催收记录",
        "还款",
        "投诉",
        "转办",
        "审计",
    ]

    assert qingshou(folder, "backup", "副本.db").returncode == 0
    with sqlite3.connect(folder / "副本.db") as copy:
        assert copy.execute("SELECT loan_no FROM cases").fetchall() == [("L2023000001",)]


def test_codes_out_writes_the_workbook_to_send_from(folder: Path) -> None:
    imported(folder)
    printed = list(csv.reader(io.StringIO(qingshou(folder, "codes", "--csv").stdout)))
    result = qingshou(folder, "codes", "--out", "绑定码.xlsx")
    assert (result.returncode, result.stdout.strip()) == (0, "已把 1 人的绑定码写入 绑定码.xlsx"), (
        result.stderr
    )
    rows = list(load_workbook(folder / "绑定码.xlsx", read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("工号", "姓名", "所属单位", "角色", "绑定码")
    code = printed[1][4]
    assert rows[1][:5] == ("E0001", "李明", "城关信用社", "清收责任人", code)
    assert code in str(rows[1][-1])  # the line to send the bot
    refused = qingshou(folder, "codes", "--out", "codes.csv")
    assert "xlsx" in one_line(refused)
    assert not (folder / "codes.csv").exists()


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


def test_bad_setting_stops_with_one_line_in_the_users_language(tmp_path: Path) -> None:
    result = qingshou(tmp_path, "init", env={"STALE_DAYS": "soon"})
    assert one_line(result) == "配置项 STALE_DAYS 无效：应为整数（当前为“soon”）"
    english = qingshou(tmp_path, "init", env={"STALE_DAYS": "soon", "LANGUAGE": "en"})
    assert one_line(english) == 'Setting STALE_DAYS is invalid: should be a whole number (it is "soon")'
    # A LANGUAGE we do not speak is itself said in Chinese.
    french = qingshou(tmp_path, "init", env={"LANGUAGE": "fr"})
    assert one_line(french) == "配置项 LANGUAGE 无效：应为 zh / en 之一（当前为“fr”）"


# -- one line, never a traceback ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "verb",
    [
        ("init",),
        ("template", "t.xlsx"),
        ("import", "t.xlsx"),
        ("export", "e.xlsx"),
        ("codes",),
        ("demo", "--scale", "tiny"),
        ("backup", "b.db"),
        ("chat", "--as", "E0001"),
        ("jobs", "run", "ranking", "--dry-run"),
        ("run",),
    ],
    ids=lambda verb: " ".join(verb),
)
def test_a_database_in_a_missing_folder_is_one_line_for_every_verb(
    tmp_path: Path, verb: tuple[str, ...]
) -> None:
    result = qingshou(tmp_path, *verb, env={"DATABASE_URL": "sqlite:///no/such/dir/q.db"})
    assert one_line(result) == "配置项 DATABASE_URL 无效：文件夹 no/such/dir 不存在，请先创建它"
    assert not (tmp_path / "no").exists()


def test_files_into_a_missing_folder_are_one_line(folder: Path) -> None:
    for verb in ("template", "export"):
        result = qingshou(folder, verb, "缺/文件夹/台账.xlsx")
        assert one_line(result) == "文件夹 缺/文件夹 不存在，无法写入 缺/文件夹/台账.xlsx"
    result = qingshou(folder, "backup", "缺/文件夹/副本.db")
    assert one_line(result) == "文件夹 缺/文件夹 不存在，无法写入 缺/文件夹/副本.db"
    english = qingshou(folder, "backup", "missing/copy.db", env={"LANGUAGE": "en"})
    assert one_line(english) == "The folder missing does not exist; cannot write missing/copy.db"
    assert not (folder / "缺").exists()


def test_export_writes_xlsx_only(folder: Path) -> None:
    result = qingshou(folder, "export", "out.csv")
    assert "xlsx" in one_line(result)
    assert not (folder / "out.csv").exists()


def test_template_keeps_an_existing_file_unless_forced(folder: Path) -> None:
    (folder / "台账.xlsx").write_bytes(b"the clerk's own workbook")
    refused = qingshou(folder, "template", "台账.xlsx")
    assert "--force" in one_line(refused)
    assert (folder / "台账.xlsx").read_bytes() == b"the clerk's own workbook"
    forced = qingshou(folder, "template", "台账.xlsx", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "案件" in load_workbook(folder / "台账.xlsx", read_only=True).sheetnames


def test_backup_refuses_a_file_that_is_not_a_backup_and_replaces_an_earlier_backup(folder: Path) -> None:
    imported(folder)
    notes = folder / "notes.txt"
    notes.write_text("会议纪要\n", encoding="utf-8")
    refused = qingshou(folder, "backup", "notes.txt")
    assert one_line(refused) == "notes.txt 已存在且不是数据库备份，不会覆盖它；请换一个文件名"
    assert notes.read_text(encoding="utf-8") == "会议纪要\n"

    first = qingshou(folder, "backup", "副本.db")
    assert (first.returncode, first.stdout.strip()) == (0, "已备份到 副本.db")
    second = qingshou(folder, "backup", "副本.db")
    assert (second.returncode, second.stdout.strip()) == (0, "已备份到 副本.db（替换了原有的备份）")
    with sqlite3.connect(folder / "副本.db") as copy:
        assert copy.execute("SELECT loan_no FROM cases").fetchall() == [("L2023000001",)]
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(("副本", ".副本"))) == ["副本.db"]

    itself = qingshou(folder, "backup", "cli.db")
    assert one_line(itself) == "cli.db 就是数据库本身，请把备份写到另一个文件"


def test_verbs_on_a_database_never_initialised(tmp_path: Path, no_channel: None) -> None:
    # A backup copies the database as it is: with nothing there, it says so and creates nothing.
    refused = qingshou(tmp_path, "backup", "副本.db")
    assert (
        one_line(refused) == "数据库尚未初始化，没有可备份的内容（先运行 qingshou init 或 qingshou import）"
    )
    assert not (tmp_path / "cli.db").exists() and not (tmp_path / "副本.db").exists()
    # Every verb that reads or writes the ledger creates it first, as import and chat do.
    codes = qingshou(tmp_path, "codes")
    assert (codes.returncode, codes.stdout.strip(), codes.stderr) == (0, "没有待绑定的人员", "")
    (tmp_path / "cli.db").unlink()
    jobs = qingshou(tmp_path, "jobs", "run", "ranking", "--date", "2026-11-30", "--dry-run")
    assert jobs.returncode == 0, jobs.stderr
    assert jobs.stdout.startswith("演练 ranking 2026-11-30：将发送 0 条")
    (tmp_path / "cli.db").unlink()
    exported = qingshou(tmp_path, "export", "全量.xlsx")
    assert exported.returncode == 0, exported.stderr
    assert "案件" in load_workbook(tmp_path / "全量.xlsx", read_only=True).sheetnames


# -- the campaign window --------------------------------------------------------------------------------


def test_import_says_which_campaign_window_is_in_force(folder: Path) -> None:
    write_ledger(folder / "台账.xlsx")
    result = qingshou(folder, "import", "台账.xlsx")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "清收期间：2026-01-01 至 2026-12-31"
    assert result.stderr == ""


def test_a_default_campaign_window_is_warned_about(folder: Path) -> None:
    from datetime import date

    write_ledger(folder / "台账.xlsx")
    result = qingshou(folder, "import", "台账.xlsx", env={"CAMPAIGN_START": "", "CAMPAIGN_END": ""})
    assert result.returncode == 0, result.stderr
    year = date.today().year
    assert result.stdout.splitlines()[0] == f"清收期间：{year}-01-01 至 {year}-12-31"
    assert result.stderr.startswith("注意：CAMPAIGN_START 或 CAMPAIGN_END 未设置，清收期间默认为自然年。")
    assert "在 .env 中" in result.stderr


def test_run_in_the_terminal_says_the_campaign_window(folder: Path, no_channel: None) -> None:
    imported(folder)
    result = qingshou(folder, "run", env={"CAMPAIGN_END": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "清收期间：2026-01-01 至 2026-12-31"
    assert result.stderr.startswith("注意：CAMPAIGN_START 或 CAMPAIGN_END 未设置")


def test_demo_fills_only_an_empty_database(folder: Path) -> None:
    imported(folder)
    refused = qingshou(folder, "demo")
    assert refused.returncode == 1
    assert "demo 只能填充空库" in refused.stderr


def test_python_dash_m_bot_and_help(folder: Path) -> None:
    result = qingshou(folder, "--help")
    assert result.returncode == 0
    for verb in ("init", "template", "import", "export", "codes", "demo", "run", "backup"):
        assert verb in result.stdout


def test_chat_in_the_terminal_prints_cases_and_card(folder: Path) -> None:
    imported(folder)
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


def test_piped_chat_echoes_each_line_once(folder: Path) -> None:
    imported(folder)
    result = qingshou_typing(folder, "/cases\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("/cases") == 1
    assert result.stdout.startswith("> /cases\n未结清案件 1 笔")


def qingshou_typing(folder: Path, typed: str) -> subprocess.CompletedProcess[str]:
    """`qingshou chat --as E0001` with `typed` piped into it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "E0001"],
        cwd=folder,
        input=typed,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'cli.db'}", "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_chat_at_a_terminal_prompts_and_shows_each_line_once(folder: Path) -> None:
    imported(folder)
    screen = Terminal(folder, "chat", "--as", "E0001")
    try:
        screen.wait_for(b"> ")
        screen.type(b"/cases\n")
        screen.wait_for(b"\xe7\xac\x94")  # 笔, the end of the answer's first line
        screen.wait_for(b"> ", count=2)
        screen.type(b"\x04")  # Ctrl-D
        assert screen.finish() == 0
    finally:
        screen.close()
    assert screen.output.count(b"/cases") == 1, screen.output
    assert b"> /cases" in screen.output  # typed after the prompt, shown once by the terminal
    assert "未结清案件 1 笔".encode() in screen.output
    assert "以 李明（清收责任人）身份对话".encode() in screen.output


class Terminal:
    """`python -m bot ARGS` on a pseudo-terminal, as a person at a keyboard runs it."""

    def __init__(self, folder: Path, *args: str) -> None:
        main, side = os.openpty()
        self.main = main
        self.output = b""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=folder,
            stdin=side,
            stdout=side,
            stderr=subprocess.PIPE,
            env={
                **os.environ,
                "DATABASE_URL": f"sqlite:///{folder / 'cli.db'}",
                "PYTHONPATH": str(ROOT),
                "TERM": "dumb",
            },
        )
        os.close(side)

    def wait_for(self, text: bytes, count: int = 1, timeout: float = 60) -> None:
        import select
        import time

        deadline = time.monotonic() + timeout
        while self.output.count(text) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"waited for {text!r}: {self.output!r}"
            ready, _, _ = select.select([self.main], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.main, 4096)
                except OSError:  # the other side is closed
                    chunk = b""
                assert chunk, f"the program ended before {text!r}: {self.output!r}"
                self.output += chunk

    def type(self, keys: bytes) -> None:
        os.write(self.main, keys)

    def finish(self) -> int:
        returncode = self.process.wait(timeout=60)
        assert self.process.stderr is not None
        assert b"Traceback" not in self.process.stderr.read()
        return returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.main)


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
    assert (
        result.stderr.strip()
        == "没有这个任务：bogus（可选：reminders、ranking、notices、dispatch、warnings）"
    )
    assert result.stdout == ""


def test_jobs_run_refuses_an_unknown_job_before_looking_for_a_channel(folder: Path, no_channel: None) -> None:
    result = qingshou(folder, "jobs", "run", "bogus")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "没有这个任务：bogus（可选：reminders、ranking、notices、dispatch、warnings）"
    )


def test_jobs_run_refuses_a_date_it_cannot_read(folder: Path, no_channel: None) -> None:
    result = qingshou(folder, "jobs", "run", "reminders", "--date", "2026-13-01", "--dry-run")
    assert result.returncode == 1
    assert result.stderr.strip() == "未能识别日期“2026-13-01”，请写成 2026-12-10。"
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


def test_jobs_out_writes_the_chart_without_any_channel(folder: Path, no_channel: None) -> None:
    imported(folder)
    before = ledger_state(folder)
    result = qingshou(folder, "jobs", "run", "ranking", "--date", "2026-11-30", "--out", "打印/11月30日")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "没有配置聊天渠道：按演练生成并写出图片和文件，不发送，也不记录任何内容。"
    written = sorted((folder / "打印" / "11月30日").iterdir())
    assert [path.suffix for path in written] == [".png"]
    assert written[0].read_bytes().startswith(b"\x89PNG")
    assert lines[-1] == f"已写出 打印/11月30日/{written[0].name}"
    assert ledger_state(folder) == before  # nothing sent, nothing recorded

    # A second run writes the same file again; a file where the folder should be is one line.
    again = qingshou(folder, "jobs", "run", "ranking", "--date", "2026-11-30", "--out", "打印/11月30日")
    assert again.stdout.splitlines()[-1] == f"已写出 打印/11月30日/{written[0].name}"
    (folder / "chart").write_text("not a folder", encoding="utf-8")
    refused = qingshou(folder, "jobs", "run", "ranking", "--date", "2026-11-30", "--out", "chart")
    assert one_line(refused) == "chart 已存在且不是文件夹"


def test_the_dispatch_pack_is_written_as_a_document_and_its_annex(demo_folder: Path) -> None:
    before = ledger_state(demo_folder)
    result = qingshou(demo_folder, "jobs", "run", "dispatch", "--date", "2026-12-01", "--out", "调度会")
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (demo_folder / "调度会").iterdir())
    assert written == ["清收调度材料-2026-11-16至2026-11-30.docx", "清收调度材料-2026-11-16至2026-11-30.xlsx"]
    assert [line for line in result.stdout.splitlines() if line.startswith("已写出")] == [
        f"已写出 调度会/{name}" for name in written
    ]
    assert ledger_state(demo_folder) == before


def test_jobs_out_names_each_file_once_and_apart(tmp_path: Path) -> None:
    from datetime import date

    from bot.jobs import write_attachments
    from core.messages import Outgoing, Reply
    from reminders.daily import JobRun

    notice = Reply("督办函", document=b"notice of A", filename="督办函-城关/东区-2026-11-30.docx")
    run = JobRun(
        "notices",
        date(2026, 11, 30),
        messages=[
            # One unit's notice goes to its group and to its lead: one file.
            Outgoing("notice:unit:1", (notice,), chat="group", label="城关/东区"),
            Outgoing("notice:unit:1:person:7", (notice,), person_id=7, label="王建国（城关/东区）"),
            # Two different documents under one name: the second is told apart by its recipient.
            Outgoing("chart:a", (Reply(picture=b"chart A", filename="chart.png"),), chat="group", label="甲"),
            Outgoing("chart:b", (Reply(picture=b"chart B", filename="chart.png"),), chat="group", label="乙"),
            Outgoing("chart:c", (Reply(picture=b"chart C", filename="chart.png"),), chat="group", label="乙"),
            Outgoing("todo:person:3", (Reply(document=b"list"),), person_id=3, label="李明"),
        ],
    )
    written = write_attachments(run, tmp_path)
    assert [path.name for path in written] == [
        "督办函-城关_东区-2026-11-30.docx",
        "chart.png",
        "chart-乙.png",
        "chart-乙-2.png",
        "todo_person_3.docx",
    ]
    assert (tmp_path / "chart-乙-2.png").read_bytes() == b"chart C"
    assert sorted(tmp_path.iterdir()) == sorted(written)


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notadb.db").write_text("这不是数据库", encoding="utf-8")
    damaged = qingshou(tmp_path, "export", "全量.xlsx", env={"DATABASE_URL": "sqlite:///notadb.db"})
    assert damaged.returncode == 1
    assert damaged.stderr.strip() == (
        "无法打开数据库 sqlite:///notadb.db：该文件不是 SQLite 数据库或已损坏，请检查 DATABASE_URL"
    )
    down = qingshou(tmp_path, "codes", env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/test"})
    assert down.returncode == 1
    assert down.stderr.strip().startswith("无法连接数据库 postgresql://postgres@127.0.0.1:9/test：")
    assert "Traceback" not in damaged.stderr + down.stderr


def test_check_lists_cases_that_do_not_add_up_and_changes_nothing(folder: Path) -> None:
    imported(folder)
    sound = qingshou(folder, "check")
    assert (sound.returncode, sound.stdout.strip()) == (0, "台账核对：1 笔案件，各项数字全部相符。")
    with sqlite3.connect(folder / "cli.db") as db:
        db.execute("UPDATE cases SET principal_remaining = 10000000 WHERE loan_no = 'L2023000001'")
    broken = qingshou(folder, "check")
    assert broken.returncode == 1
    assert broken.stdout.splitlines()[-2:] == [
        "台账核对：1 笔案件中有 1 笔数字不符（未作任何修改）：",
        "L2023000001 张三：剩余本金 ¥100,000.00，按已确认的还款应为 ¥120,000.00",
    ]
    with sqlite3.connect(folder / "cli.db") as db:
        assert db.execute("SELECT principal_remaining FROM cases").fetchone() == (10000000,)


def test_unbind_frees_a_lost_phone_for_a_new_code(folder: Path) -> None:
    imported(folder)
    code = list(csv.reader(io.StringIO(qingshou(folder, "codes", "--csv").stdout)))[1][4]
    assert qingshou(folder, "chat", "--as", "E0001", stdin="帮助\n").returncode == 0
    with sqlite3.connect(folder / "cli.db") as db:
        db.execute(
            "INSERT INTO chat_identities (person_id, channel, external_id, bound_at) "
            "SELECT id, 'wecom', 'liming-phone', '2026-11-29 02:00:00' FROM people WHERE employee_no = 'E0001'"
        )
        db.execute("UPDATE bind_codes SET used_at = '2026-11-29 02:00:00' WHERE code = ?", (code,))
    unbound = qingshou(folder, "unbind", "E0001")
    assert unbound.returncode == 0, unbound.stderr
    assert (
        unbound.stdout.strip()
        == "已解除 E0001（李明）的 1 个绑定：企业微信。可用 qingshou codes 为其重新发放绑定码。"
    )
    again = list(csv.reader(io.StringIO(qingshou(folder, "codes", "--csv").stdout)))
    assert again[1][0] == "E0001" and again[1][4] != code
    assert "没有绑定任何聊天账号" in qingshou(folder, "unbind", "E0001").stdout
    assert qingshou(folder, "unbind", "E9999").returncode == 1


def _within_ten_percent(block: list[str]) -> list[bool]:
    """For each officer's line of a spread, whether both distances from the mean are within 10%."""
    found = []
    for line in block:
        shares = re.findall(r"（([+-][0-9.]+)%）", line)
        if len(shares) == 2:
            found.append(all(abs(Decimal(share)) <= 10 for share in shares))
    return found


def test_rebalance_on_the_city_demo_prints_the_spread_and_changes_nothing_until_asked(
    folder: Path, no_channel: None
) -> None:
    assert qingshou(folder, "demo").returncode == 0
    before = holders(folder)
    dry = qingshou(folder, "assign", "--rebalance", "城关信用社", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    printed = dry.stdout.splitlines()
    assert printed[0].startswith("城关信用社：11 名责任人，")
    first, after = printed.index("调整前："), printed.index("调整后：")
    assert not all(_within_ten_percent(printed[first:after]))  # the demo's unit starts uneven
    moves = [line for line in printed[after - 200 : after] if "→" in line]
    assert moves and printed[after - len(moves) - 1].startswith("转办 ")
    spread_after = _within_ten_percent(printed[after:])
    assert len(spread_after) == 11 and all(spread_after)
    assert printed[-2].startswith("调整后每名责任人的尚欠金额和难易负荷均在均值 ±10% 以内")
    assert printed[-1] == "演练：未作任何改动。去掉 --dry-run 即按以上方案转办。"
    assert holders(folder) == before

    done = qingshou(folder, "assign", "--rebalance", "城关信用社")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"已按以上方案转办 {len(moves)} 笔（城关信用社）")
    moved = {loan for loan, officer in holders(folder).items() if before[loan] != officer}
    assert moved == {line.split()[0] for line in moves}
    with sqlite3.connect(folder / "cli.db") as db:
        (kept,) = db.execute("SELECT count(*) FROM case_assignments WHERE reason = 'rebalance'").fetchone()
        (audited,) = db.execute("SELECT count(*) FROM audit_log WHERE action = 'case.assign'").fetchone()
    assert kept == audited == len(moves)
    again = qingshou(folder, "assign", "--rebalance", "城关信用社", "--dry-run")
    assert again.stdout.splitlines()[-1] == "无需转办，未作改动。"
    assert one_line(qingshou(folder, "assign", "--rebalance", "西山信用社")) == "未找到单位“西山信用社”"
    assert (
        one_line(qingshou(folder, "assign")) == "请指定单位：qingshou assign --rebalance 单位名称 [--dry-run]"
    )


def holders(folder: Path) -> dict[str, str]:
    """Each case's officer, by employee number."""
    with sqlite3.connect(folder / "cli.db") as db:
        return dict(
            db.execute("SELECT loan_no, employee_no FROM cases JOIN people ON people.id = cases.officer_id")
        )
