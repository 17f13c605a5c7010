"""The new loans' part of the import benchmark: `qingshou import` of a workbook of 200,000 loans (在贷) against
a bare calamine read of the same file, and the warnings job on them (its first run of a day, a run again the
same day, and the next day's run)."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import drop_schema, fresh_schema, postgres_url  # noqa: E402
from bot.app import build  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from core.columns import LOAN_COLUMNS, PERSON_COLUMNS, UNIT_COLUMNS  # noqa: E402
from reminders.daily import build_job  # noqa: E402

LOANS_PER_UNIT = 500
OFFICERS_PER_UNIT = 20
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红"
CLASSES = ("正常", "关注", "次级", "可疑", "损失")

RunCli = Callable[[list[str], dict[str, str], Path], tuple[float, float]]


def make_loans_workbook(path: Path, loans: int, today: date, seed: int = 11) -> None:
    """A province's new loans: 1 unit per 500 loans with 20 officers, most loans current, some near maturity,
    some overdue (a few beyond 90 days, some of those classified better than they should be), 1% large."""
    rng = random.Random(seed)
    units = max(1, loans // LOANS_PER_UNIT)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("单位")
    sheet.append([c.header for c in UNIT_COLUMNS])
    names = [f"新贷{u:04d}信用社" for u in range(units)]
    for name in names:
        sheet.append([name, rng.choice(SURNAMES) + rng.choice(GIVEN), None])
    sheet = workbook.create_sheet("人员")
    sheet.append([c.header for c in PERSON_COLUMNS])
    for u, name in enumerate(names):
        sheet.append([rng.choice(SURNAMES) + rng.choice(GIVEN), f"U{u:05d}", name, "单位负责人", ""])
        for o in range(OFFICERS_PER_UNIT):
            sheet.append(
                [rng.choice(SURNAMES) + rng.choice(GIVEN), f"E{u:05d}{o:02d}", name, "清收责任人", ""]
            )
    sheet = workbook.create_sheet("在贷")
    sheet.append([c.header for c in LOAN_COLUMNS])
    for i in range(loans):
        u = i % units
        amount = 6_000_000 if i % 100 == 0 else round(rng.lognormvariate(12.2, 0.8), -2) + 1000
        balance = round(amount * rng.uniform(0.3, 1.0), 2)
        draw = rng.random()
        if draw < 0.80:  # current, maturing within the next three years (some within the reminder days)
            overdue, matures = 0, today + timedelta(days=rng.randint(0, 1000))
        elif draw < 0.93:  # overdue up to 90 days
            overdue, matures = rng.randint(1, 90), today + timedelta(days=rng.randint(-90, 400))
        else:  # beyond 90 days: joins the campaign
            overdue, matures = rng.randint(91, 500), today - timedelta(days=rng.randint(91, 500))
        disbursed = matures - timedelta(days=rng.choice((365, 730, 1095)))
        disbursed = min(disbursed, today - timedelta(days=1))
        least = 4 if overdue > 360 else 3 if overdue > 270 else 2 if overdue > 90 else 0
        # One in five overdue beyond 90 days is classified better than its days allow.
        classification = CLASSES[max(0, least - 1)] if least and rng.random() < 0.2 else CLASSES[least]
        sheet.append(
            [
                f"X{i:09d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                f"3301{rng.randint(10**13, 10**14 - 1)}",
                names[u],
                f"E{u:05d}{rng.randrange(OFFICERS_PER_UNIT):02d}",
                amount,
                balance,
                disbursed,
                max(matures, disbursed),
                overdue,
                classification,
            ]
        )
    workbook.save(path)


def bare_calamine(path: Path) -> float:
    """Seconds for calamine to read every sheet of the workbook into Python values."""
    started = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    rows = sum(len(workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names)
    assert rows > 0
    return time.perf_counter() - started


def warnings_job(url: str, day: date) -> tuple[float, float, float, int, float]:
    """The warnings job in a process of its own (its memory its own): seconds of its first run of `day`, of a
    run again that day and of the next day's run; how many messages the first built; the peak memory in MB."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loans_part", url, day.isoformat()],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the warnings job failed:\n{output}")
    first, again, next_day, messages = output.split()[-4:]
    return float(first), float(again), float(next_day), int(messages), usage.ru_maxrss / 1024


def _timed_runs(url: str, day: date) -> tuple[float, float, float, int]:
    """The warnings job's three runs, in this process."""
    settings = load_settings(_env_file=None, database_url=url)
    app = build(settings)
    config = app.schedule_config()
    try:
        started = time.perf_counter()
        messages = build_job(app.store, "warnings", day, config)
        first = time.perf_counter() - started
        started = time.perf_counter()
        build_job(app.store, "warnings", day, config)
        again = time.perf_counter() - started
        started = time.perf_counter()
        build_job(app.store, "warnings", day + timedelta(days=1), config)
        next_day = time.perf_counter() - started
    finally:
        app.close()
    return first, again, next_day, len(messages)


def measure_loans(loans: int, runs: int, run_cli: RunCli) -> None:
    """Import the loans on each database, then run the warnings job on them; medians of `runs` runs."""
    pg_url = postgres_url()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = folder / "loans.xlsx"
        started = time.perf_counter()
        make_loans_workbook(workbook, loans, today)
        print(
            f"\nworkbook: {loans:,} new loans, {workbook.stat().st_size / 1e6:.1f} MB, "
            f"made in {time.perf_counter() - started:.1f} s"
        )
        backends = [("sqlite", None)] + ([("postgresql", pg_url)] if pg_url else [])
        results: dict[str, list[tuple[float, ...]]] = {name: [] for name, _ in backends}
        for run in range(runs):
            for name, url in backends:
                read = bare_calamine(workbook)
                env = {**os.environ, "NO_COLOR": "1"}
                schema = None
                if url is None:
                    env["DATABASE_URL"] = f"sqlite:///{folder / f'loans{run}.db'}"
                else:
                    env["DATABASE_URL"], schema = fresh_schema(url)
                run_cli(["init"], env, folder)
                seconds, peak = run_cli(["import", str(workbook)], env, folder)
                first, again, next_day, messages, job_peak = warnings_job(env["DATABASE_URL"], today)
                if schema is not None:
                    drop_schema(url, schema)  # type: ignore[arg-type]
                results[name].append((read, seconds, peak, first, again, next_day, job_peak))
                print(
                    f"run {run + 1} {name:10s} calamine {read:5.2f} s | import {seconds:6.2f} s "
                    f"({seconds / read:.2f}x) | peak {peak:5.0f} MB | warnings {first:5.2f} s "
                    f"({messages:,} messages, peak {job_peak:4.0f} MB), again {again:5.2f} s, "
                    f"next day {next_day:5.2f} s"
                )
        print()
        print(
            f"{'database':10s} {'calamine':>9s} {'import':>8s} {'ratio':>6s} {'peak MB':>8s} {'warnings':>9s}"
        )
        verdicts = []
        for name, rows in results.items():
            ratio = statistics.median(r[1] / r[0] for r in rows)
            peak = max(r[2] for r in rows)
            job = statistics.median(r[3] for r in rows)
            print(
                f"{name:10s} {statistics.median(r[0] for r in rows):8.2f}s "
                f"{statistics.median(r[1] for r in rows):7.2f}s {ratio:5.2f}x {peak:8.0f} {job:8.2f}s"
            )
            verdicts.append(
                f"{name}: ratio {'ok' if ratio <= 3 else 'OVER'} (<=3x), "
                f"memory {'ok' if peak < 500 else 'OVER'} (<500 MB), "
                f"warnings job {'ok' if job < 10 else 'OVER'} (<10 s)"
            )
        print("medians over", runs, "runs; peak is the largest of the runs")
        for verdict in verdicts:
            print(verdict)
        if not pg_url:
            print("postgresql: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")


if __name__ == "__main__":  # the warnings job's runs, measured in a process of their own
    first, again, next_day, messages = _timed_runs(sys.argv[1], date.fromisoformat(sys.argv[2]))
    print(f"{first:.3f} {again:.3f} {next_day:.3f} {messages}")
