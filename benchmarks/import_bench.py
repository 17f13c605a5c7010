"""Import benchmark: `qingshou import` of a 100,000-case workbook against a bare openpyxl read of the same file;
and of 200,000 new loans (在贷) against a bare calamine read of theirs, then the warnings job on them.

Run: .venv/bin/python benchmarks/import_bench.py [--part all|cases|loans] [--cases 100000] [--loans 200000]
     [--runs 3]
PostgreSQL is measured too when BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
Targets: the cases' import within 3x the bare read and under 60 s, peak memory under 500 MB; the loans' import
within 3x a bare calamine read, under 500 MB; the warnings job on them under 10 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.loans_part import measure_loans  # noqa: E402
from benchmarks.scratch import drop_schema, fresh_schema, postgres_url  # noqa: E402
from core.columns import CASE_COLUMNS, PERSON_COLUMNS, UNIT_COLUMNS  # noqa: E402

SYLLABLES = "城关东风南湖北山西岭青石白沙红旗新华长安河口柳林桃园金台平安永兴太和"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红"


def make_workbook(path: Path, cases: int, seed: int = 7) -> None:
    """A province-like workbook: 1 unit per 500 cases, 1 officer per 25 cases, skewed balances."""
    rng = random.Random(seed)
    units = max(1, cases // 500)
    officers_per_unit = 20
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("单位")
    ws.append([c.header for c in UNIT_COLUMNS])
    unit_names = []
    for u in range(units):
        name = (
            f"{SYLLABLES[u % len(SYLLABLES)]}{SYLLABLES[(u // len(SYLLABLES)) % len(SYLLABLES)]}{u:04d}信用社"
        )
        unit_names.append(name)
        ws.append([name, rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), None])
    ws = workbook.create_sheet("人员")
    ws.append([c.header for c in PERSON_COLUMNS])
    for u, name in enumerate(unit_names):
        ws.append([rng.choice(SURNAMES) + rng.choice(GIVEN), f"U{u:05d}", name, "单位负责人", f"139{u:08d}"])
        for o in range(officers_per_unit):
            ws.append(
                [
                    rng.choice(SURNAMES) + rng.choice(GIVEN),
                    f"E{u:05d}{o:02d}",
                    name,
                    "清收责任人",
                    f"138{u:05d}{o:03d}",
                ]
            )
    ws = workbook.create_sheet("案件")
    ws.append([c.header for c in CASE_COLUMNS])
    for i in range(cases):
        u = i % units
        principal_fen = int(rng.lognormvariate(11.5, 1.0) * 100)
        # Mostly numbers and date cells, as Excel keeps them; some text the way clerks type it.
        principal: object = round(principal_fen / 100, 2)
        if i % 10 == 0:
            principal = f"{principal_fen / 1_000_000:.2f}万"
        elif i % 10 == 1:
            principal = f"{principal_fen / 100:,.2f}"
        deadline: object = datetime(2026, 12, rng.randint(1, 31))
        if i % 7 == 0:
            deadline = f"2026/12/{rng.randint(1, 31)}"
        ws.append(
            [
                f"L{i:09d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                f"3301{rng.randint(10**13, 10**14 - 1)}",
                f"13{rng.randint(10**8, 10**9 - 1)}",
                unit_names[u],
                f"E{u:05d}{rng.randrange(officers_per_unit):02d}",
                principal,
                round(rng.randint(0, principal_fen // 10) / 100, 2),
                rng.choice(("次级", "可疑", "损失", "关注")),
                rng.choice(("易", "中", "难")),
                deadline,
                "上门催收，协商分期",
                datetime(2027, rng.randint(1, 12), 1) if i % 3 == 0 else None,
            ]
        )
    workbook.save(path)


def bare_read(path: Path) -> float:
    """Seconds for openpyxl read-only to pass over every row of every sheet."""
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = 0
    for ws in workbook.worksheets:
        for _ in ws.iter_rows(values_only=True):
            rows += 1
    workbook.close()
    return time.perf_counter() - started


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run a qingshou command; return (seconds, peak resident memory in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"qingshou {' '.join(args)} failed:\n{output}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "cases", "loans"), default="all")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--loans", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    if options.part in ("all", "cases"):
        measure_cases(options.cases, options.runs)
    if options.part in ("all", "loans"):
        measure_loans(options.loans, options.runs, run_cli)


def measure_cases(cases: int, runs: int) -> None:
    """The cases' import against a bare openpyxl read, on each database."""
    pg_url = postgres_url()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = folder / "bench.xlsx"
        started = time.perf_counter()
        make_workbook(workbook, cases)
        print(
            f"workbook: {cases:,} cases, {workbook.stat().st_size / 1e6:.1f} MB, "
            f"made in {time.perf_counter() - started:.1f} s"
        )

        backends = [("sqlite", None)] + ([("postgresql", pg_url)] if pg_url else [])
        results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name, _ in backends}
        for run in range(runs):
            for name, url in backends:
                read_seconds = bare_read(workbook)
                env = {**os.environ, "NO_COLOR": "1"}
                schema = None
                if url is None:
                    database = folder / f"run{run}.db"
                    env["DATABASE_URL"] = f"sqlite:///{database}"
                else:
                    env["DATABASE_URL"], schema = fresh_schema(url)
                run_cli(["init"], env, folder)
                seconds, peak = run_cli(["import", str(workbook)], env, folder)
                again, _ = run_cli(["import", str(workbook)], env, folder)
                if schema is not None:
                    drop_schema(url, schema)  # type: ignore[arg-type]
                results[name].append((read_seconds, seconds, peak, again))
                print(
                    f"run {run + 1} {name:10s} bare read {read_seconds:6.2f} s | import {seconds:6.2f} s "
                    f"({seconds / read_seconds:.2f}x) | peak {peak:6.0f} MB | re-import {again:6.2f} s"
                )

        print()
        print(
            f"{'database':10s} {'bare read':>10s} {'import':>9s} {'ratio':>7s} {'peak MB':>8s} {'re-import':>10s}"
        )
        verdicts = []
        for name, rows in results.items():
            read = statistics.median(r[0] for r in rows)
            seconds = statistics.median(r[1] for r in rows)
            ratio = statistics.median(r[1] / r[0] for r in rows)
            peak = max(r[2] for r in rows)
            again = statistics.median(r[3] for r in rows)
            print(f"{name:10s} {read:9.2f}s {seconds:8.2f}s {ratio:6.2f}x {peak:8.0f} {again:9.2f}s")
            verdicts.append(
                f"{name}: ratio {'ok' if ratio <= 3 else 'OVER'} (<=3x), "
                f"time {'ok' if seconds < 60 else 'OVER'} (<60 s), "
                f"memory {'ok' if peak < 500 else 'OVER'} (<500 MB)"
            )
        print("medians over", runs, "runs; peak is the largest of the runs")
        for verdict in verdicts:
            print(verdict)
        if not pg_url:
            print("postgresql: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
