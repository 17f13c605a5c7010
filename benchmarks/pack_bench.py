"""Dispatch pack benchmark: the Word document, the Excel annex and the chart for a province-sized pack.

Run: .venv/bin/python benchmarks/pack_bench.py [--units 1000] [--officers 20000] [--out FOLDER]

A province has about 1,000 units and 20,000 officers; the pack is built once a fortnight, but on the scheduler's
thread, so it should take a few seconds at most. `--out` keeps the three files for a look.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.pack import (  # noqa: E402
    DispatchPack,
    PackAccountability,
    PackAsset,
    PackBreaches,
    PackComplaint,
    PackEvidence,
    PackFlagged,
    PackInactive,
    PackLawsuit,
    PackNotice,
    PackOfficer,
    PackReport,
    PackStatute,
    PackUnit,
)
from core.ranking import RUNGS  # noqa: E402
from reminders.pack_annex import pack_annex  # noqa: E402
from reminders.pack_chart import pack_chart  # noqa: E402
from reminders.pack_document import pack_document  # noqa: E402

DAY = date(2026, 12, 1)
START = date(2026, 11, 16)
EXPECTED = Decimal("0.9096")


def province_pack(unit_count: int, officer_count: int) -> DispatchPack:
    """A pack with every list long: units spread over 0–120%, every officer below the line."""
    units = []
    for number in range(1, unit_count + 1):
        target = Decimal(3_000_000 + 7919 * number % 50_000_000)
        share = Decimal((number * 7919) % unit_count) / Decimal(unit_count) * Decimal("1.2")
        recovered = (target * share).quantize(Decimal("0.01"))
        before = (recovered * Decimal("0.93")).quantize(Decimal("0.01"))
        units.append((f"第{number}农村信用社营业部", target, before, recovered))
    units.sort(key=lambda unit: unit[3] / unit[1], reverse=True)
    before_order = sorted(range(unit_count), key=lambda i: units[i][2] / units[i][1], reverse=True)
    rank_before = {index: place for place, index in enumerate(before_order, start=1)}
    pack_units = tuple(
        PackUnit(i + 1, name, "张主任", target, before, recovered, 60, 20, i + 1, rank_before[i])
        for i, (name, target, before, recovered) in enumerate(units)
    )
    per_unit = max(officer_count // max(unit_count, 1), 1)
    officers = tuple(
        PackOfficer(
            unit.unit,
            f"E{unit.unit_id:04d}{n:02d}",
            f"责任人{n}",
            Decimal("300000.00"),
            Decimal(10_000 * n).quantize(Decimal("0.01")),
            5,
        )
        for unit in pack_units
        for n in range(per_unit)
    )[:officer_count]
    moment = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    return DispatchPack(
        day=DAY,
        period_start=START,
        expected=EXPECTED,
        expected_before=Decimal("0.8685"),
        units=pack_units,
        lagging_officers=officers,
        notices=tuple(
            PackNotice(START + timedelta(days=n % 14), u.unit, f"清收督〔2026〕{n}号", RUNGS[n % 4])
            for n, u in enumerate(pack_units[unit_count // 2 :], start=1)
        ),
        reports=tuple(
            PackReport(moment, u.unit, "刘洋", "HX2023001", "借款人外出务工，已联系其家属")
            for u in pack_units
        ),
        inactive=tuple(PackInactive(u.unit, "E0001", "郑涛", date(2026, 11, 17), 9) for u in pack_units),
        accountability=tuple(
            PackAccountability(moment, u.unit, u.unit, "poor_results", "criticism", "", "王主任")
            for u in pack_units[-50:]
        ),
        lawsuits=tuple(
            PackLawsuit(
                u.unit, f"L{n:08d}", "张三", "judged", date(2026, 11, 20), date(2026, 5, 6), 198, None, ""
            )
            for n, u in enumerate(pack_units * 2)
        ),
        assets=tuple(
            PackAsset(
                f"ZC2025-{n:04d}",
                u.unit,
                "住宅",
                "real_estate",
                "listed",
                Decimal("1200000.00"),
                None,
                None,
                date(2026, 12, 21),
                20,
            )
            for n, u in enumerate(pack_units[:500])
        ),
        statutes=tuple(
            PackStatute(
                u.unit, f"S{n:08d}", "李四", "刘洋", Decimal("356000.50"), date(2027, 1, 1), 31 - n % 60
            )
            for n, u in enumerate(pack_units * 3)
        ),
        complaints=tuple(
            PackComplaint(n, moment, u.unit, f"L{n:08d}", "张三", "刘洋", "夜间多次电话催收", "王主任")
            for n, u in enumerate(pack_units[:300])
        ),
        flagged=tuple(
            PackFlagged(
                u.unit,
                f"F{n:08d}",
                "钱七",
                Decimal("60000.00"),
                START,
                "刘洋",
                "reported",
                ("backdated",),
                moment,
            )
            for n, u in enumerate(pack_units * 2)
        ),
        breaches=tuple(
            PackBreaches(o.unit, o.name, 2, (("outside_hours", 1), ("too_many", 1))) for o in officers[::10]
        ),
        evidence=tuple(PackEvidence(o.unit, o.name, 12, 12 - len(o.name) % 12) for o in officers),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--officers", type=int, default=20_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    pack = province_pack(args.units, args.officers)
    print(f"{len(pack.units)} units, {len(pack.lagging_officers)} lagging officers")
    files: dict[str, bytes] = {}
    # The first run loads the chart's font and warms matplotlib; the scheduler's later runs are like the second.
    for run in ("first run", "second run"):
        started = time.perf_counter()
        files["png"] = pack_chart(pack)
        drawn = time.perf_counter()
        files["docx"] = pack_document(pack, chart=files["png"])
        written = time.perf_counter()
        files["xlsx"] = pack_annex(pack)
        done = time.perf_counter()
        print(
            f"{run}: chart {drawn - started:.2f} s, document {written - drawn:.2f} s, "
            f"annex {done - written:.2f} s, all three {done - started:.2f} s"
        )
    for name, content in files.items():
        print(f"{name}: {len(content) / 1024:.0f} KiB")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (args.out / f"pack.{name}").write_bytes(content)


if __name__ == "__main__":
    main()
