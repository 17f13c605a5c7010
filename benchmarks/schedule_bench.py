"""Schedule benchmark: the daily jobs on `qingshou demo --scale province`, and fan-out within Telegram's limits.

Run: .venv/bin/python benchmarks/schedule_bench.py [--scale province] [--runs 3] [--sqlite PATH]
PostgreSQL is measured too when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (`--no-postgres` skips it).

It measures, on each database:
* the time to build every officer's to-do and every unit lead's digest (promise decisions included, rehearsed
  and rolled back so that every run sees the same ledger), and the time to build the ranking (figures, text,
  chart and each unit lead's officers) — targets: under 10 s on PostgreSQL, under 20 s on SQLite;
* the time to build the half-monthly dispatch pack (its figures and lists, the Word document, the Excel annex
  and the chart) — target: under 30 s on each database;
* the ranking's query against one hand-written GROUP BY over the same tables, in the same run — target:
  within 2x;
and, once, fan-out through the real python-telegram-bot and the dispatch log to a fake Bot API that enforces
a rate and answers 429 with retry_after past it: 1,000 messages at 30/s and 10,000 at 300/s — targets: at least
90% of the limit, zero 429s, zero duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from benchmarks.scratch import drop_schema, fresh_schema, postgres_url  # noqa: E402
from bot.app import App, build  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.demo import load_demo  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from core.messages import Outgoing, Reply  # noqa: E402
from core.workdays import is_workday  # noqa: E402
from reminders.dispatch import Dispatcher  # noqa: E402
from reminders.evening import build_ranking, day_ranking  # noqa: E402
from reminders.morning import build_reminders  # noqa: E402
from reminders.notices import build_notices  # noqa: E402
from reminders.pack import build_dispatch  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

# One hand-written GROUP BY giving what the ranking ranks on: per unit, cases, settled cases and what
# confirmed repayments brought back (from the cases' balances, which those repayments keep).
HAND_GROUP_BY = """
SELECT u.id, u.name, u.target, COUNT(c.id),
       SUM(CASE WHEN c.status = 'settled' THEN 1 ELSE 0 END),
       SUM(c.principal - c.principal_remaining + c.interest - c.interest_remaining)
FROM units u JOIN cases c ON c.unit_id = u.id
GROUP BY u.id, u.name, u.target
"""


def next_workday(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def prepare(url: str, scale: str, fresh: bool) -> App:
    app = build(load_settings(_env_file=None, database_url=url))
    app.init_database()
    if fresh or app.store.is_empty():
        started = time.perf_counter()
        load_demo(app.store, scale)
        print(f"  demo --scale {scale} loaded in {time.perf_counter() - started:.1f} s")
    return app


def timed(function: object, *args: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)  # type: ignore[operator]
    return time.perf_counter() - started, result


def measure_builds(app: App, day: date, runs: int) -> dict[str, float]:
    config = app.schedule_config()
    store = app.store
    todo_times, ranking_times, notice_times, query_times, hand_times, pack_times = [], [], [], [], [], []
    counts: dict[str, int] = {}
    for _ in range(runs):

        def reminders() -> int:
            # The morning job as it runs: promises decided, priorities scored for the day, then the to-dos.
            with store.rehearsal():
                decided = store.decide_promises(day)
                store.refresh_priorities()
                messages = build_reminders(store, day, config)
            counts["decided"] = len(decided)
            return len(messages)

        seconds, built = timed(reminders)
        todo_times.append(seconds)
        counts["reminders"] = int(built)  # type: ignore[call-overload]

        def ranking() -> int:
            return len(build_ranking(store, day, config))

        seconds, built = timed(ranking)
        ranking_times.append(seconds)
        counts["ranking"] = int(built)  # type: ignore[call-overload]

        def notices() -> int:
            # Who is due a notice reads the standings of the last working days too.
            with store.rehearsal():
                return len(build_notices(store, day, config))

        seconds, built = timed(notices)
        notice_times.append(seconds)
        counts["notices"] = int(built)  # type: ignore[call-overload]

        def pack() -> int:
            # The half-monthly pack: the period's figures and lists, the Word document, the annex, the chart.
            messages = build_dispatch(store, day, config)
            replies = messages[0].replies if messages else ()
            counts["pack_bytes"] = sum(len(r.document or b"") for r in replies)
            return len(messages)

        seconds, built = timed(pack)
        pack_times.append(seconds)
        counts["pack"] = int(built)  # type: ignore[call-overload]

        # The ranking's query and the hand-written GROUP BY, back to back, a few times each.
        for _ in range(3):
            seconds, _ = timed(day_ranking, store, day, config)
            query_times.append(seconds)
            with app.engine.connect() as connection:
                seconds, _ = timed(lambda: connection.execute(text(HAND_GROUP_BY)).all())
            hand_times.append(seconds)
    figures = {
        "to-dos": statistics.median(todo_times),
        "ranking": statistics.median(ranking_times),
        "notices": statistics.median(notice_times),
        "pack": statistics.median(pack_times),
        "query": statistics.median(query_times),
        "hand": statistics.median(hand_times),
    }
    print(
        f"  to-dos and digests: {counts['reminders']:,} messages ({counts['decided']:,} promises decided), "
        f"median {figures['to-dos']:.2f} s (runs: {', '.join(f'{t:.2f}' for t in todo_times)})"
    )
    print(
        f"  ranking (figures, text, chart, {counts['ranking'] - 1:,} unit leads): median {figures['ranking']:.2f} s"
        f" (runs: {', '.join(f'{t:.2f}' for t in ranking_times)})"
    )
    print(
        f"  notices ({counts['notices']:,} messages): median {figures['notices']:.2f} s"
        f" (runs: {', '.join(f'{t:.2f}' for t in notice_times)})"
    )
    print(
        f"  dispatch pack ({counts['pack']:,} readers, document and annex {counts['pack_bytes'] / 1e6:.1f} MB): "
        f"median {figures['pack']:.2f} s (runs: {', '.join(f'{t:.2f}' for t in pack_times)}) — target under 30 s"
    )
    total = figures["to-dos"] + figures["ranking"]
    print(f"  every to-do and the ranking: {total:.2f} s")
    print(
        f"  ranking query {figures['query'] * 1000:.0f} ms against hand GROUP BY {figures['hand'] * 1000:.0f} ms: "
        f"{figures['query'] / figures['hand']:.2f}x (medians of {len(query_times)})"
    )
    return figures


def serve_fake_telegram(rate: float, pipe: Connection) -> None:
    """The fake Bot API in a process of its own, as Telegram is: it reports what it received when told to stop."""

    async def serve() -> None:
        async with FakeTelegram(rate_per_second=rate, group_rate_per_minute=20) as tg:
            pipe.send((tg.token, tg.base_url))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, pipe.recv)
            sent = [call.chat_id for call in tg.sent(method="sendMessage")]
            pipe.send((sent, tg.too_many))

    asyncio.run(serve())


async def fan_out(app: App, rate: float, count: int) -> dict[str, float]:
    """Send `count` messages through the dispatch log to a fake Bot API enforcing `rate` per second."""
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve_fake_telegram, args=(rate, theirs))
    server.start()
    try:
        token, base_url = ours.recv()
        channel = TelegramChannel(app.router(), app.store, token, base_url, messages_per_second=rate)
        messages = [
            Outgoing(f"bench:{i}", (Reply(f"第 {i} 条：今日待办"),), chat=f"telegram:{700_000 + i}")
            for i in range(count)
        ]
        job = f"bench-{uuid.uuid4().hex[:8]}"
        async with channel.opened():
            started = time.perf_counter()
            report = await Dispatcher(app.store, [channel]).send(job, app.store.today(), messages)
            elapsed = time.perf_counter() - started
        ours.send("stop")
        sent, too_many = ours.recv()
    finally:
        server.join(10)
    per_chat = Counter(sent)
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    missing = count - len(per_chat)
    achieved = len(sent) / elapsed
    print(
        f"  {count:,} messages at {rate:g}/s: {elapsed:.1f} s, {achieved:.1f} messages/s "
        f"({achieved / rate:.1%} of the limit), 429s: {too_many}, duplicates: {duplicates}, "
        f"missing: {missing}, dispatch log sent: {report.sent:,}"
    )
    return {"rate": achieved / rate, "429": too_many, "duplicates": duplicates, "missing": missing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--date", help="the day to build for (default: the first working day after today)")
    parser.add_argument("--sqlite", help="a SQLite file holding the demo already (kept; made if missing)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-fan-out", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="schedule-bench-"))
    databases: list[tuple[str, str, str | None]] = []
    sqlite_path = Path(args.sqlite) if args.sqlite else folder / "schedule.db"
    databases.append(("SQLite", f"sqlite:///{sqlite_path}", None))
    pg = postgres_url()
    if pg and not args.no_postgres:
        url, schema = fresh_schema(pg, "schedbench")
        databases.append(("PostgreSQL", url, schema))
    sqlite_app: App | None = None
    try:
        for name, url, schema in databases:
            print(f"{name}:")
            app = prepare(url, args.scale, fresh=schema is not None)
            # After today: the promises falling due today are then decided too, as on a real morning.
            day = (
                date.fromisoformat(args.date)
                if args.date
                else next_workday(app.store.today() + timedelta(days=1))
            )
            print(f"  building for {day}")
            measure_builds(app, day, args.runs)
            if sqlite_app is None and name == "SQLite":
                sqlite_app = app
            else:
                app.close()
        if sqlite_app is not None and not args.no_fan_out:
            print("Fan-out (SQLite dispatch log, real PTB, fake Bot API enforcing the rate):")
            asyncio.run(fan_out(sqlite_app, 30, 1_000))
            asyncio.run(fan_out(sqlite_app, 300, 10_000))
    finally:
        if sqlite_app is not None:
            sqlite_app.close()
        for _, url, schema in databases:
            if schema is not None:
                drop_schema(pg or url, schema)


if __name__ == "__main__":
    main()
