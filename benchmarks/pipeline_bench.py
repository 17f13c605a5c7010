"""Pipeline benchmark: 10,000 realistic updates through the real PTB Application (process_update, no network).

Run: .venv/bin/python benchmarks/pipeline_bench.py [--updates 10000]
PostgreSQL is measured too when BENCH_DATABASE_URL or TEST_DATABASE_URL is set.
In the same run it measures the floor: a bare echo handler doing one raw SQL transaction per update
(look up a case by loan number, insert a row, commit) on the same database.
Targets (issue): at least 500 updates/s, within 2x of the floor, p99 per update under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, MessageHandler, filters  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402
from telegram.warnings import PTBUserWarning  # noqa: E402

from benchmarks.scratch import drop_schema, fresh_schema, postgres_url  # noqa: E402
from bot.app import App, build  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.demo import load_demo  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from store.models import Case, ChatIdentity, Person  # noqa: E402

TOKEN = "123456:BENCH"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "清收", "username": "QingshouBot"}


class OfflineRequest(BaseRequest):
    """Answers every Bot API call at once, as Telegram would, without a network."""

    def __init__(self) -> None:
        self.message_id = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if api == "getMe":
            result: Any = BOT_USER
        elif api in ("sendMessage", "sendPhoto", "sendDocument"):
            self.message_id += 1
            chat_id = int(params.get("chat_id", 0))
            result = {
                "message_id": self.message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


def fresh_database(kind: str, folder: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'pipeline-{uuid.uuid4().hex[:6]}.db'}", None
    url = postgres_url()
    assert url is not None
    return fresh_schema(url)


def prepare(url: str) -> tuple[App, list[tuple[int, str, list[str]]]]:
    """A city demo ledger with every officer and lead bound to a Telegram user id."""
    app = build(load_settings(_env_file=None, database_url=url))
    app.init_database()
    load_demo(app.store, "city")
    for number, line in enumerate(app.store.bind_codes(), start=1):
        app.store.bind("telegram", str(100_000 + number), line.code)
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(ChatIdentity.external_id, Person.role, Case.loan_no)
            .join(Person, Person.id == ChatIdentity.person_id)
            .join(Case, Case.officer_id == Person.id)
            .where(Person.role == "officer", Case.status != "settled")
        ).all()
    cases: dict[int, list[str]] = {}
    for external_id, _role, loan_no in rows:
        cases.setdefault(int(external_id), []).append(loan_no)
    return app, [(user, "officer", loans) for user, loans in cases.items()]


def make_updates(
    officers: list[tuple[int, str, list[str]]], count: int, seed: int = 11
) -> list[dict[str, Any]]:
    """The mix of the issue: 40% free text, 30% /cases and /case, 20% /status, 10% button presses."""
    rng = random.Random(seed)
    updates: list[dict[str, Any]] = []
    message_ids: dict[int, int] = {}
    for update_id in range(1, count + 1):
        user, _role, loans = rng.choice(officers)
        loan = rng.choice(loans)
        roll = rng.random()
        if roll < 0.10:
            data = rng.choice((f"case:{loan}", "page:1"))
            updates.append(
                {
                    "update_id": update_id,
                    "callback_query": {
                        "id": str(update_id),
                        "from": {"id": user, "is_bot": False, "first_name": "officer"},
                        "chat_instance": str(user),
                        "data": data,
                        "message": {
                            "message_id": 1,
                            "date": int(time.time()),
                            "chat": {"id": user, "type": "private"},
                            "from": BOT_USER,
                            "text": "…",
                        },
                    },
                }
            )
            continue
        if roll < 0.30:
            text_ = rng.choice(
                (
                    f"{loan} 还款{rng.randint(1, 20)}0 现金",
                    f"{loan} 电话 联系不上",
                    f"{loan} 上门 承诺12月28日前还{rng.randint(1, 9)}00",
                    f"{loan} 上门 见到本人 拒绝还款",
                )
            )
        elif roll < 0.50:
            text_ = rng.choice(
                (f"{loan} 电话 已联系", f"{loan} 短信 已联系", f"{loan} 还了{rng.randint(1, 9)}00 转账")
            )
        elif roll < 0.65:
            text_ = "/cases"
        elif roll < 0.80:
            text_ = f"/case {loan}"
        else:
            text_ = "/status"
        message_ids[user] = message_ids.get(user, 0) + 1
        updates.append(
            {
                "update_id": update_id,
                "message": {
                    "message_id": message_ids[user],
                    "date": int(time.time()),
                    "chat": {"id": user, "type": "private"},
                    "from": {"id": user, "is_bot": False, "first_name": "officer"},
                    "text": text_,
                },
            }
        )
    return updates


async def run_updates(
    application: Application[Any, Any, Any, Any, Any, Any], updates: list[dict[str, Any]]
) -> tuple[float, list[float]]:
    latencies = []
    async with application:
        started = time.perf_counter()
        for payload in updates:
            t0 = time.perf_counter()
            await application.process_update(Update.de_json(payload, application.bot))
            latencies.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
    return total, latencies


def echo_application(app: App) -> Application[Any, Any, Any, Any, Any, Any]:
    """The floor: PTB plus one raw SQL transaction per update (look up a case, insert a row, commit)."""
    key = "INTEGER PRIMARY KEY" if app.engine.dialect.name == "sqlite" else "BIGSERIAL PRIMARY KEY"
    with app.engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE IF NOT EXISTS bench_echo (id {key}, case_id INTEGER, body TEXT)")
        )
    raw = app.engine.raw_connection()
    is_sqlite = app.engine.dialect.name == "sqlite"
    placeholder = "?" if is_sqlite else "%s"

    async def echo(update: Update, context: Any) -> None:
        message = update.effective_message
        body = message.text if message is not None and message.text else ""
        loan = body.split()[0] if body else ""
        cursor = raw.cursor()
        if is_sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        cursor.execute(f"SELECT id FROM cases WHERE loan_no = {placeholder}", (loan,))
        row = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO bench_echo (case_id, body) VALUES ({placeholder}, {placeholder})",
            (row[0] if row else None, body),
        )
        raw.commit() if not is_sqlite else cursor.execute("COMMIT")
        cursor.close()
        if update.effective_chat is not None:
            # Sent the way the bot sends its replies (see TelegramChannel.send), so the floor is not slower
            # than the cheapest echo PTB allows.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=PTBUserWarning)
                await context.bot.do_api_request(
                    "sendMessage", api_kwargs={"chat_id": update.effective_chat.id, "text": body or "ok"}
                )

    application = (
        Application.builder()
        .token(TOKEN)
        .request(OfflineRequest())
        .get_updates_request(OfflineRequest())
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    from telegram.ext import CallbackQueryHandler

    application.add_handler(CallbackQueryHandler(echo))
    return application


def kind_of(payload: dict[str, Any]) -> str:
    """The part of the mix an update belongs to, for the breakdown."""
    if "callback_query" in payload:
        return "button"
    text_ = payload["message"]["text"]
    if text_.startswith("/"):
        return text_.split()[0]
    return "free-text repayment" if "还" in text_ and "承诺" not in text_ else "free-text contact"


def breakdown(updates: list[dict[str, Any]], latencies: list[float]) -> None:
    """Median time and share of the whole run, per kind of update: where the time goes."""
    by_kind: dict[str, list[float]] = {}
    for payload, latency in zip(updates, latencies, strict=True):
        by_kind.setdefault(kind_of(payload), []).append(latency)
    whole = sum(latencies)
    for kind, values in sorted(by_kind.items(), key=lambda item: -sum(item[1])):
        print(
            f"    {kind:20s} {len(values):6d} updates   p50 {statistics.median(values) * 1000:6.2f} ms"
            f"   {sum(values) / whole:4.0%} of the time"
        )


def summarize(name: str, total: float, latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    rate = len(latencies) / total
    print(f"  {name:9s} {rate:8.0f} updates/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({total:.1f} s)")
    return {"rate": rate, "p50": p50, "p99": p99}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=10_000)
    options = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if postgres_url() else [])
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            url, schema = fresh_database(kind, Path(tmp))
            started = time.perf_counter()
            app, officers = prepare(url)
            updates = make_updates(officers, options.updates)
            print(
                f"{kind}: city demo ledger with {len(officers)} bound officers ready in {time.perf_counter() - started:.1f} s"
            )
            channel = TelegramChannel(app.router(), TOKEN, rate_limit=False, request=OfflineRequest())
            total, latencies = asyncio.run(run_updates(channel.application, updates))
            bot = summarize("pipeline", total, latencies)
            breakdown(updates, latencies)
            floor_total, floor_latencies = asyncio.run(run_updates(echo_application(app), updates))
            floor = summarize("floor", floor_total, floor_latencies)
            ratio = floor["rate"] / bot["rate"]
            print(f"  ratio     {ratio:.2f}x the floor's time per update")
            verdicts.append(
                f"{kind}: rate {'ok' if bot['rate'] >= 500 else 'UNDER'} (>=500/s), "
                f"ratio {'ok' if ratio <= 2 else 'OVER'} (<=2x), p99 {'ok' if bot['p99'] < 50 else 'OVER'} (<50 ms)"
            )
            app.close()
            if schema is not None:
                drop_schema(postgres_url() or "", schema)
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    main()
