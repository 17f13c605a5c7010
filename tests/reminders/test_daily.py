"""The daily jobs end to end: the real store, the real python-telegram-bot, a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.app import App
from bot.channels.telegram import TelegramChannel
from core.import_plan import plan_import
from core.messages import GROUP_CHAT, Outgoing, Reply, Undeliverable
from core.records import CaseRecord, PersonRecord, UnitRecord
from reminders.config import ScheduleConfig
from reminders.daily import run_job
from reminders.dispatch import IN_FLIGHT, RECHECK_SECONDS, Dispatcher, claimant_gone, worker_name
from store.ledger import Store
from store.models import AuditEntry, Case, CaseStatusChange, Dispatch, Person, Promise
from tests.conftest import CAMPAIGN_END, CAMPAIGN_START, SHANGHAI, Clock
from tests.fake_telegram import FakeTelegram
from tests.ledger_data import PEOPLE

DAY = date(2026, 11, 30)  # a Monday
RANK_DAY = date(2026, 12, 1)  # the Tuesday after: its previous ranking day is DAY
GROUP = -100777
CONFIG = ScheduleConfig()
ROOT = Path(__file__).resolve().parents[2]

# Telegram user ids of the people bound in these tests.
OFFICER_1, OFFICER_2, OFFICER_3, LEAD_1, LEAD_2, ADMIN = 1001, 1002, 1003, 2001, 2002, 3001


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def build_ledger(app: App, clock: Clock, day: date) -> None:
    """Two units and the people of the small ledger; 李明 (E001) has four cases needing him on `day`,
    周强 (E002) has nothing to do."""
    clock.now = at(day - timedelta(days=10))
    units = [
        UnitRecord("城关信用社", "王建国", Decimal("5000000.00")),
        UnitRecord("东风信用社", "赵东升", Decimal("1000000.00")),
    ]

    def loan(no: str, borrower: str, unit: str, officer: str, amount: str, deadline: date) -> CaseRecord:
        return CaseRecord(
            no, borrower, unit, officer, Decimal(amount), Decimal("0.00"), "可疑", "中", deadline
        )

    cases = [
        loan("L001", "张三", "城关信用社", "E001", "3000000.00", day - timedelta(days=2)),  # overdue
        loan("L002", "李四", "城关信用社", "E001", "1000000.00", CAMPAIGN_END),  # its promise was broken
        loan("L003", "王五", "城关信用社", "E001", "200000.00", CAMPAIGN_END),  # promised for tomorrow
        loan("L004", "赵六", "城关信用社", "E001", "20000.00", day + timedelta(days=3)),  # due in 3 days
        loan("L005", "钱七", "城关信用社", "E002", "100000.00", CAMPAIGN_END),
        loan("L006", "孙八", "东风信用社", "E003", "50000.00", CAMPAIGN_END),
    ]
    plan, problems = plan_import(app.store.import_snapshot(), units, PEOPLE, cases)
    assert problems == []
    app.store.apply_import(plan, actor="test", source="test")
    clock.now = at(day - timedelta(days=5))
    app.store.record_contact(
        "L002", "E001", "visit", "promise", "", Decimal("300000"), day - timedelta(days=2)
    )
    clock.now = at(day - timedelta(days=1))
    app.store.record_contact(
        "L003", "E001", "phone", "promise", "", Decimal("50000"), day + timedelta(days=1)
    )
    app.store.record_contact("L005", "E002", "visit", "reached")
    app.store.record_contact("L006", "E003", "visit", "reached")
    clock.now = at(day, 8)


def bind(app: App, *pairs: tuple[int, str]) -> None:
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    for user, employee_no in pairs:
        app.store.bind("telegram", str(user), codes[employee_no])


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def channel_for(app: App, tg: FakeTelegram) -> TelegramChannel:
    return TelegramChannel(app.router(), app.store, tg.token, tg.base_url, group_chat=str(GROUP))


async def run(app: App, tg: FakeTelegram, job: str, day: date = DAY, config: ScheduleConfig = CONFIG) -> None:
    channel = channel_for(app, tg)
    async with channel.opened():
        await run_job(app.store, job, day, config, [channel])


TODO_LI_MING = """【每日待办】2026-11-30 李明
需要跟进 4 件：已逾期 1 件，7 天内到期 1 件，承诺今明两天到期 1 件，承诺未兑现 1 件，超过 7 天未联系 2 件。
按优先级：
1. L001 张三 未收回 ¥3,000,000.00：逾期 2 天，尚未联系
2. L002 李四 未收回 ¥1,000,000.00：承诺 2026-11-28 前还 ¥300,000.00 未兑现
3. L003 王五 未收回 ¥200,000.00：承诺明天还 ¥50,000.00
4. L004 赵六 未收回 ¥20,000.00：2026-12-03 到期，尚未联系
联系后直接回复，例如：L001 上门 承诺12月10日前还3万"""


async def test_an_officer_gets_one_to_do_in_priority_order_and_one_with_nothing_due_gets_none(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    build_ledger(app, clock, DAY)
    bind(app, (OFFICER_1, "E001"), (OFFICER_2, "E002"), (LEAD_1, "U001"))
    await run(app, tg, "reminders")
    assert tg.texts(OFFICER_1) == [TODO_LI_MING]
    assert tg.texts(OFFICER_2) == []  # 周强 contacted his one case yesterday and nothing falls due
    digest = tg.texts(LEAD_1)
    assert len(digest) == 1
    assert digest[0].splitlines()[:3] == [
        "【单位待办汇总】2026-11-30 城关信用社",
        "需跟进案件 4 件：已逾期 1 件，7 天内到期 1 件，承诺今明两天到期 1 件，承诺未兑现 1 件，超过 7 天未联系 2 件。",
        "责任人：",
    ]
    # The promise whose date passed with nothing repaid is broken, and its case is worked again.
    with app.engine.connect() as connection:
        statuses = dict(connection.execute(select(Case.loan_no, Case.status)).all())
        promises = dict(connection.execute(select(Promise.due_on, Promise.status)).all())
    assert promises == {DAY - timedelta(days=2): "broken", DAY + timedelta(days=1): "open"}
    assert statuses["L002"] == "in_progress" and statuses["L003"] == "promised"


async def test_a_promise_repaid_in_full_is_kept_and_leaves_the_to_do(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    build_ledger(app, clock, DAY)
    clock.now = at(DAY - timedelta(days=3))
    entry = app.store.record_repayment("L002", "E001", Decimal("300000"), DAY - timedelta(days=3))
    app.store.decide_repayment(entry.id, "U001", confirm=True)
    clock.now = at(DAY, 8)
    bind(app, (OFFICER_1, "E001"))
    await run(app, tg, "reminders")
    with app.engine.connect() as connection:
        assert (
            connection.scalar(select(Promise.status).where(Promise.due_on == DAY - timedelta(days=2)))
            == "kept"
        )
    (todo,) = tg.texts(OFFICER_1)
    assert "L002" not in todo and "承诺未兑现" not in todo


async def test_no_to_do_on_a_public_holiday_and_one_on_a_make_up_workday(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    make_up_day = date(2026, 10, 10)  # a Saturday worked in exchange for the National Day holiday
    build_ledger(app, clock, make_up_day)
    bind(app, (OFFICER_1, "E001"), (LEAD_1, "U001"))
    await run(app, tg, "reminders", date(2026, 10, 1))  # National Day
    await run(app, tg, "reminders", date(2026, 10, 4))  # an ordinary Sunday
    assert tg.sent(method="sendMessage") == []
    await run(app, tg, "reminders", make_up_day)
    assert [text.splitlines()[0] for text in tg.texts(OFFICER_1)] == ["【每日待办】2026-10-10 李明"]


def ranked_ledger(app: App, clock: Clock) -> None:
    """The small ledger with repayments confirmed yesterday and today, for figures worked out by hand."""
    build_ledger(app, clock, DAY)
    clock.now = at(DAY, 10)
    first = app.store.record_repayment("L004", "E001", Decimal("20000"), DAY)  # settles L004
    app.store.decide_repayment(first.id, "U001", confirm=True)
    clock.now = at(RANK_DAY, 10)
    second = app.store.record_repayment("L005", "E002", Decimal("30000"), RANK_DAY)
    app.store.decide_repayment(second.id, "U001", confirm=True)
    third = app.store.record_repayment("L006", "E003", Decimal("40000.00"), RANK_DAY)
    app.store.decide_repayment(third.id, "U002", confirm=False)  # rejected: does not count
    fourth = app.store.record_repayment("L006", "E003", Decimal("45000.00"), RANK_DAY)
    app.store.decide_repayment(fourth.id, "U002", confirm=True)
    app.store.record_repayment("L006", "E003", Decimal("1000.00"), RANK_DAY)  # reported only: does not count
    clock.now = at(RANK_DAY, 18)


async def test_the_ranking_equals_the_figures_worked_out_by_hand(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    ranked_ledger(app, clock)
    bind(app, (LEAD_1, "U001"), (LEAD_2, "U002"))
    await run(app, tg, "ranking", RANK_DAY)
    # By hand. 城关: target 5,000,000; confirmed 20,000 yesterday + 30,000 today = 50,000 -> 1.0%,
    # yesterday 0.4% and first. 东风: target 1,000,000; 45,000 confirmed today -> 4.5%, yesterday 0% and
    # second. Expected progress on 2026-12-01: 335 of 365 days = 91.8%.
    text, picture, mention = tg.sent(GROUP)
    assert text.text == (
        "【每日排名】2026-12-01 各单位清收完成率（时间进度 91.8%）\n"
        "1. 东风信用社 4.5% ↑1 今日4.50万元 结清0/1 ⚠\n"
        "2. 城关信用社 1.0% ↓1 今日3.00万元 结清1/5 ⚠\n"
        "⚠ 低于时间进度的单位 2 个。合计已确认收回 9.50万元 / 目标 600.00万元，完成率 1.6%。"
    )
    assert picture.method == "sendPhoto" and picture.text == "2026-12-01 各单位清收完成率"
    assert mention.text == "请以下单位负责人关注本单位进度：东风信用社（赵东升）、城关信用社（王建国）"
    png = picture.files["photo"].data
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size[0] >= 800
    (own,) = tg.texts(LEAD_1)
    assert own.splitlines()[0] == (
        "【本单位排名】2026-12-01 城关信用社：第 2/2 名（较上一工作日下降 1 位），完成率 1.0%（时间进度 91.8%），今日收回 3.00万元。"
    )
    # Each officer against their own target: the unit's 5,000,000 split by the principal each holds
    # (周强 100,000 and 李明 4,220,000 of 4,320,000): 115,740.74 and 4,884,259.26.
    assert own.splitlines()[2:] == [
        "1. 周强 25.9%（收回 3.00万元 / 目标 11.57万元，结清 0/1 笔）",
        "2. 李明 0.4%（收回 2.00万元 / 目标 488.43万元，结清 1/4 笔）",
    ]


async def test_a_notice_opens_with_python_docx_and_holds_its_units_figures(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    ranked_ledger(app, clock)
    app.store.set_unit_chat("城关信用社", f"telegram:{GROUP}")
    bind(app, (LEAD_1, "U001"), (LEAD_2, "U002"), (ADMIN, "A001"))
    await run(app, tg, "notices", RANK_DAY)
    # Both units are below the 91.8% line: each gets a notice, 城关 in its own chat too.
    (for_lead,) = tg.sent(LEAD_1)
    (for_chat,) = tg.sent(GROUP)
    assert for_lead.method == for_chat.method == "sendDocument"
    assert for_lead.files["document"].data == for_chat.files["document"].data
    document = docx.Document(io.BytesIO(for_lead.files["document"].data))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "关于城关信用社不良贷款清收进度滞后的督办函" in body
    assert "王建国同志" in body
    for figure in ("500.00万元", "5.00万元", "1.0%", "第2名", "91.8%"):
        assert figure in body, figure
    (table,) = document.tables
    loans = [row.cells[0].text for row in table.rows[1:]]
    assert loans == ["L001", "L002", "L003", "L005"]  # the largest unsettled cases first
    assert "城关信用社" in for_lead.text and "1.0%" in for_lead.text
    (listing,) = tg.texts(ADMIN)
    # Both have been below the line since the import ten days before: the year's first two notices.
    assert listing.splitlines() == [
        "【督办通报】2026-12-01 发出督办文书 2 份（督办函 2 份）：",
        "1. 东风信用社 完成率 4.5%，落后时间进度 87.3 个百分点（督办函，清收督〔2026〕1号）",
        "2. 城关信用社 完成率 1.0%，落后时间进度 90.8 个百分点（督办函，清收督〔2026〕2号）",
    ]


async def test_a_dry_run_shows_the_messages_and_sends_and_records_nothing(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    build_ledger(app, clock, DAY)
    bind(app, (OFFICER_1, "E001"))
    channel = channel_for(app, tg)
    run_ = await run_job(app.store, "reminders", DAY, CONFIG, [channel], dry_run=True)
    assert [d.message.replies[0].text for d in run_.planned] == [TODO_LI_MING]
    assert tg.calls == []
    with app.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Dispatch)) == 0
        # The promise decision was rehearsed, not kept.
        assert set(connection.scalars(select(Promise.status))) == {"open"}


def many_officers(app: App, clock: Clock, count: int) -> list[int]:
    """A unit of `count` officers with one never-contacted case each, every one bound; their user ids."""
    clock.now = at(DAY - timedelta(days=10))
    people = [PersonRecord(f"员工{i:02d}", f"P{i:02d}", "城关信用社", "officer", "") for i in range(count)]
    cases = [
        CaseRecord(
            f"M{i:03d}",
            f"借款人{i}",
            "城关信用社",
            f"P{i:02d}",
            Decimal("10000.00"),
            Decimal(0),
            "可疑",
            "中",
            CAMPAIGN_END,
        )
        for i in range(count)
    ]
    plan, problems = plan_import(
        app.store.import_snapshot(), [UnitRecord("城关信用社", "王建国", None)], people, cases
    )
    assert problems == []
    app.store.apply_import(plan, actor="test", source="test")
    users = [5000 + i for i in range(count)]
    bind(app, *[(user, f"P{i:02d}") for i, user in enumerate(users)])
    clock.now = at(
        DAY,
        8,
    )
    return users


async def test_a_job_stopped_half_way_sends_only_the_other_half_when_run_again(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    users = many_officers(app, clock, 20)
    tg.stall_after = 10  # the network goes away after ten messages
    channel = channel_for(app, tg)
    async with channel.opened():
        job = asyncio.create_task(run_job(app.store, "reminders", DAY, CONFIG, [channel]))
        await tg.wait_for(lambda: tg.stalled > 0, timeout=20)
        job.cancel()  # the bot is stopped
        with pytest.raises(asyncio.CancelledError):
            await job
    first = {call.chat_id for call in tg.sent(method="sendMessage")}
    assert len(first) == 10
    tg.stall_after = None
    await run(app, tg, "reminders")
    per_chat = [len(tg.sent(user, "sendMessage")) for user in users]
    assert per_chat == [1] * 20
    with app.engine.connect() as connection:
        assert set(connection.scalars(select(Dispatch.status))) == {"sent"}


async def test_claims_of_a_sender_that_died_are_taken_over_after_their_lease(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    users = many_officers(app, clock, 4)
    # A process claimed two to-dos ten minutes ago and died before sending them.
    clock.now = at(DAY, 8) - timedelta(minutes=10)
    dead = [f"todo:person:{pid}>telegram:{user}" for pid, user in zip(people_ids(app), users, strict=True)][
        :2
    ]
    assert app.store.claim("reminders", DAY, dead, "dead-process") == dead
    clock.now = at(DAY, 8)
    await run(app, tg, "reminders")
    assert [len(tg.sent(user, "sendMessage")) for user in users] == [1, 1, 1, 1]


def people_ids(app: App) -> list[int]:
    with app.engine.connect() as connection:
        return list(
            connection.scalars(select(Person.id).where(Person.role == "officer").order_by(Person.employee_no))
        )


async def test_two_processes_started_together_send_each_message_once(
    app: App, clock: Clock, tg: FakeTelegram, database_url: str
) -> None:
    users = many_officers(app, clock, 30)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CAMPAIGN_START": CAMPAIGN_START.isoformat(),
        "CAMPAIGN_END": CAMPAIGN_END.isoformat(),
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    command = [sys.executable, "-m", "bot", "jobs", "run", "reminders", "--date", DAY.isoformat()]
    processes = [
        await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in processes)), 120)
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert [len(tg.sent(user, "sendMessage")) for user in users] == [1] * 30
    assert len(tg.sent(method="sendMessage")) == 30


async def test_fan_out_stays_within_the_platforms_rate(app: App) -> None:
    # A Bot API that answers 429 past 30 messages in any one second: the bot is never refused, and nothing
    # is sent twice or lost.
    async with FakeTelegram(rate_per_second=30, group_rate_per_minute=20) as limited:
        channel = channel_for(app, limited)
        messages = [
            Outgoing(f"fan:{i}", (Reply(f"第 {i} 条"),), chat=f"telegram:{8000 + i}") for i in range(75)
        ]
        async with channel.opened():
            report = await Dispatcher(app.store, [channel]).send("fan-out", DAY, messages)
        assert limited.too_many == 0
        assert sorted(call.chat_id for call in limited.sent(method="sendMessage")) == list(range(8000, 8075))
        assert report.sent == 75


def test_two_processes_deciding_the_same_morning_decide_each_promise_once(app: App, clock: Clock) -> None:
    build_ledger(app, clock, DAY)
    barrier = threading.Barrier(2)
    results: list[list[str]] = []

    def decide() -> None:
        barrier.wait()
        results.append([d.loan_no for d in app.store.decide_promises(DAY)])

    threads = [threading.Thread(target=decide) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [[], ["L002"]]
    with app.engine.connect() as connection:
        history = connection.execute(
            select(CaseStatusChange.to_status)
            .join(Case, Case.id == CaseStatusChange.case_id)
            .where(Case.loan_no == "L002", CaseStatusChange.reason == "promise")
        ).all()
        decided = connection.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "promise.decide")
        )
    assert history == [("in_progress",)]
    assert decided == 1


def test_a_past_days_figures_are_read_again_as_they_stood(app: App, clock: Clock) -> None:
    ranked_ledger(app, clock)
    # The 20,000 confirmed on DAY is reversed the day after: DAY still counts it, RANK_DAY no longer does.
    (confirmed,) = app.store.repayments("L004")
    clock.now = at(RANK_DAY, 12)
    app.store.reverse_repayment(confirmed.id, "U001", note="录错了")
    figures = {f.unit: f for f in app.store.unit_figures(DAY, DAY - timedelta(days=3))}
    assert (figures["城关信用社"].recovered, figures["城关信用社"].recovered_before) == (
        Decimal(20000),
        Decimal(0),
    )
    assert figures["东风信用社"].recovered == Decimal(0)
    figures = {f.unit: f for f in app.store.unit_figures(RANK_DAY, DAY)}
    assert (figures["城关信用社"].recovered, figures["城关信用社"].recovered_before) == (
        Decimal(30000),
        Decimal(20000),
    )
    assert (figures["东风信用社"].recovered, figures["东风信用社"].recovered_before) == (
        Decimal(45000),
        Decimal(0),
    )


async def test_a_chat_that_blocked_the_bot_is_marked_failed_and_not_tried_again(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    users = many_officers(app, clock, 3)
    tg.blocked.add(users[1])
    await run(app, tg, "reminders")
    await run(app, tg, "reminders")
    assert [len(tg.sent(user, "sendMessage")) for user in users] == [1, 0, 1]
    refused = [c for c in tg.calls if c.chat_id == users[1] and c.method == "sendMessage"]
    assert [c.error_code for c in refused] == [403]  # the second run did not try again
    with app.engine.connect() as connection:
        statuses = sorted(connection.scalars(select(Dispatch.status)))
    assert statuses == ["failed", "sent", "sent"]


class FlakyNetwork:
    """A platform whose connection drops on the first try for each chat (a fake of the network, not of us)."""

    name = "telegram"
    group_chat = None

    def __init__(self) -> None:
        self.tries: dict[str, int] = {}
        self.delivered: list[str] = []

    async def post(self, chat_id: str, reply: Reply) -> None:
        self.tries[chat_id] = self.tries.get(chat_id, 0) + 1
        if self.tries[chat_id] == 1:
            raise ConnectionResetError("connection reset by peer")
        self.delivered.append(chat_id)


async def test_deliveries_that_failed_for_a_moment_are_tried_again(app: App) -> None:
    network = FlakyNetwork()
    messages = [Outgoing(f"m:{i}", (Reply("今日待办"),), chat=f"telegram:{9000 + i}") for i in range(5)]
    report = await Dispatcher(app.store, [network], retry_after=0.01).send("retry", DAY, messages)
    assert sorted(network.delivered) == [str(9000 + i) for i in range(5)]
    assert (report.sent, report.failed) == (5, 0)


class CountingPlatform:
    """A platform that answers after a moment, and notes at each send how many of the messages it took before
    the dispatch log does not hold as sent yet."""

    name = "telegram"
    group_chat = "-100555"

    def __init__(self, store: Store, job: str) -> None:
        self.store = store
        self.job = job
        self.taken: list[tuple[str, Reply]] = []
        self.unmarked: list[int] = []
        self.fail_once: set[str] = set()  # texts whose first send fails as a dropped connection would
        self.refuse: set[str] = set()  # texts the platform refuses for good

    async def post(self, chat_id: str, reply: Reply) -> None:
        marked = len(self.store.dispatched(self.job, DAY))
        self.unmarked.append(len(self.taken) - marked)
        await asyncio.sleep(0.001 * (int(chat_id) % 3))
        if reply.text in self.fail_once:
            self.fail_once.discard(reply.text)
            raise ConnectionResetError("connection reset by peer")
        if reply.text in self.refuse:
            raise Undeliverable("Forbidden: bot was kicked from the group chat")
        self.taken.append((chat_id, reply))


async def test_each_send_is_marked_before_its_slot_takes_another(app: App) -> None:
    platform = CountingPlatform(app.store, "marks")
    messages = [Outgoing(f"m:{i}", (Reply(f"第 {i} 条"),), chat=f"telegram:{9000 + i}") for i in range(120)]
    report = await Dispatcher(app.store, [platform]).send("marks", DAY, messages)
    assert report.sent == 120 and len(platform.taken) == 120
    # Whenever a message goes out, those taken before it and not marked yet are in the other slots: a kill
    # at that moment sends at most IN_FLIGHT messages twice.
    assert max(platform.unmarked) <= IN_FLIGHT - 1


def group_post() -> Outgoing:
    return Outgoing(
        "ranking:group",
        (Reply("排名"), Reply("图", picture=b"\x89PNG"), Reply("请关注", mentions=("13800004444",))),
        chat=GROUP_CHAT,
    )


async def test_a_post_of_several_parts_sends_again_only_the_parts_not_taken(app: App) -> None:
    platform = CountingPlatform(app.store, "parts")
    platform.fail_once.add("图")  # the chart's upload is cut off once
    dispatcher = Dispatcher(app.store, [platform], retry_after=0.01)
    report = await dispatcher.send("parts", DAY, [group_post()])
    assert [reply.text for _, reply in platform.taken] == ["排名", "图", "请关注"]
    assert (report.sent, report.failed) == (1, 0)
    # Each part has its entry, and the post's own key is marked with its last part.
    assert app.store.dispatched("parts", DAY) == {
        "ranking:group>telegram:-100555#1",
        "ranking:group>telegram:-100555#2",
        "ranking:group>telegram:-100555#3",
        "ranking:group>telegram:-100555",
    }
    again = await dispatcher.send("parts", DAY, [group_post()])
    assert (again.done_before, len(platform.taken)) == (1, 3)


async def test_a_part_refused_for_good_leaves_the_rest_of_the_post_unsent(app: App) -> None:
    platform = CountingPlatform(app.store, "refused")
    platform.refuse.add("图")
    dispatcher = Dispatcher(app.store, [platform], retry_after=0.01)
    report = await dispatcher.send("refused", DAY, [group_post()])
    assert [reply.text for _, reply in platform.taken] == ["排名"]
    assert (report.sent, report.failed) == (0, 1)
    await dispatcher.send("refused", DAY, [group_post()])
    assert len(platform.taken) == 1


async def test_a_post_marked_whole_before_it_had_parts_is_not_sent_again(app: App) -> None:
    # A log written when a post was one entry: its key says the whole post went.
    key = "ranking:group>telegram:-100555"
    app.store.claim("whole", DAY, [key], "earlier")
    app.store.finish("whole", DAY, [key], "earlier")
    platform = CountingPlatform(app.store, "whole")
    report = await Dispatcher(app.store, [platform]).send("whole", DAY, [group_post()])
    assert (report.done_before, platform.taken) == (1, [])


def ended_worker() -> tuple[str, int]:
    """The dispatch log's name of a process that ran on this host and has ended, and its pid."""
    child = subprocess.run(
        [sys.executable, "-c", "from reminders.dispatch import worker_name; print(worker_name())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    name = child.stdout.strip()
    return name, int(name.split(":")[1])


async def test_claims_of_a_process_on_this_host_that_ended_are_taken_over_at_once(
    app: App, clock: Clock, tg: FakeTelegram
) -> None:
    users = many_officers(app, clock, 4)
    dead, _ = ended_worker()
    # It claimed two to-dos a moment ago and was killed before sending them: no lease to wait out.
    keys = [f"todo:person:{pid}>telegram:{user}" for pid, user in zip(people_ids(app), users, strict=True)]
    assert app.store.claim("reminders", DAY, keys[:2], dead) == keys[:2]
    started = time.monotonic()
    await run(app, tg, "reminders")
    assert time.monotonic() - started < RECHECK_SECONDS
    assert [len(tg.sent(user, "sendMessage")) for user in users] == [1, 1, 1, 1]


def test_a_claimant_is_known_gone_only_when_it_ran_here_and_its_process_ended() -> None:
    alive = worker_name()
    host, pid, nonce, started, space = alive.split(":")
    assert not claimant_gone(alive)
    assert not claimant_gone(f"{host}:{pid}:other1:{started}:{space}")  # another sender of this process
    dead, dead_pid = ended_worker()
    assert claimant_gone(dead)
    # The same pid on another host, or in another container's pid namespace: nothing is known.
    assert not claimant_gone(dead.replace(host, "elsewhere", 1))
    assert not claimant_gone(":".join([*dead.split(":")[:4], "1"]))
    assert not claimant_gone("dead-process") and not claimant_gone(f"{host}:{dead_pid}:abcdef")
    # This process's pid, but started at another time: the pid was given to a later process.
    assert claimant_gone(f"{host}:{pid}:{nonce}:{int(started) - 1}:{space}")
    # A killed process its parent has not reaped yet.
    zombie = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        os.kill(zombie.pid, 9)
        time.sleep(0.2)
        assert claimant_gone(f"{host}:{zombie.pid}:abcdef::{space}")
    finally:
        zombie.wait()
