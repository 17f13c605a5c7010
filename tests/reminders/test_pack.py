"""The half-monthly dispatch pack on a small made-up campaign: it opens in Word and Excel, its figures are the
ledger's (three of them worked out here independently, from the repayments and notices themselves), and two
processes sending it on a dispatch day send it once."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import docx
import openpyxl
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.demo import load_demo
from core.campaign import format_rate
from core.money import format_wan
from core.pack import dispatch_due, period_start
from reminders.config import ScheduleConfig
from reminders.notices import build_notices
from reminders.pack import build_dispatch, dispatch_pack
from store.models import Case, NoticeIssued, Repayment
from tests.conftest import SHANGHAI, Clock
from tests.fake_telegram import FakeTelegram
from tests.reminders.test_crash import job_env, start_job

DAY = date(2026, 12, 1)  # a dispatch day: the pack counts 2026-11-16 to 2026-11-30
CONFIG = ScheduleConfig()


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def campaign(app: App, clock: Clock) -> App:
    """The tiny demo as of the pack's morning, with the evenings' notices of the half month issued and a
    special report and an accountability record made in it."""
    clock.now = at(DAY, 8)
    load_demo(app.store, "tiny")
    day = date(2026, 11, 16)
    while day < DAY:
        if day.weekday() < 5:
            clock.now = at(day, 18)
            build_notices(app.store, day, CONFIG)
        day += timedelta(days=1)
    clock.now = at(DAY, 8)
    return app


def test_the_pack_counts_the_period_from_the_previous_dispatch_day() -> None:
    assert period_start(date(2026, 12, 1), (1, 16)) == date(2026, 11, 16)
    assert period_start(date(2026, 12, 16), (1, 16)) == date(2026, 12, 1)
    # Sent late after a holiday, it still serves its own dispatch day.
    assert period_start(date(2026, 10, 8), (1, 16)) == date(2026, 9, 16)
    assert period_start(date(2026, 3, 1), (1, 31)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (date(2026, 12, 1), True),  # a Tuesday, a dispatch day
        (date(2026, 12, 2), False),
        (date(2026, 11, 16), True),  # a Monday
        (date(2026, 8, 16), False),  # a Sunday: the pack waits for the Monday
        (date(2026, 8, 17), True),
        (date(2026, 10, 1), False),  # National Day: the first working day after the holiday
        (date(2026, 10, 8), True),
        (date(2026, 10, 9), False),
    ],
)
def test_the_pack_goes_out_on_a_dispatch_day_or_the_first_working_day_after(day: date, due: bool) -> None:
    assert dispatch_due(day, (1, 16)) is due


def test_the_packs_figures_are_the_ledgers(campaign: App) -> None:
    app = campaign
    pack = dispatch_pack(app.store, DAY, CONFIG)
    assert (pack.period_start, pack.period_end) == (date(2026, 11, 16), date(2026, 11, 30))
    start = at(date(2026, 11, 16), 0)
    end = at(DAY, 0)
    with app.store.engine.connect() as connection:
        confirmed = (
            select(Case.unit_id, func.sum(Repayment.amount))
            .join(Case, Case.id == Repayment.case_id)
            .where(Repayment.status == "confirmed")
            .group_by(Case.unit_id)
        )
        # 1. Each unit's cumulative recovery: every confirmed repayment decided by the end of the period.
        cumulative = dict(connection.execute(confirmed.where(Repayment.decided_at < end)).all())
        # 2. What the period added: those decided within it.
        in_period = dict(
            connection.execute(
                confirmed.where(Repayment.decided_at >= start, Repayment.decided_at < end)
            ).all()
        )
        # 3. The notices the evenings of the period issued.
        notices = connection.scalar(
            select(func.count()).where(NoticeIssued.day >= date(2026, 11, 16), NoticeIssued.day < DAY)
        )
    assert pack.units
    for unit in pack.units:
        assert unit.recovered == cumulative.get(unit.unit_id, Decimal(0))
        assert unit.recovered_in_period == in_period.get(unit.unit_id, Decimal(0))
    assert sum(in_period.values()) > 0  # the demo's half month saw repayments confirmed
    assert notices > 0 and len(pack.notices) == notices

    replies = build_dispatch(app.store, DAY, CONFIG)[0].replies
    summary, word, excel = replies
    assert word.filename == "清收调度材料-2026-11-16至2026-11-30.docx"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.document)).paragraphs)
    assert format_wan(pack.recovered) in text and format_rate(pack.rate) in text
    assert format_wan(pack.recovered_in_period) in summary.text
    workbook = openpyxl.load_workbook(io.BytesIO(excel.document))
    units_sheet = next(ws for ws in workbook.worksheets if "任务完成" in ws.title)
    header = [cell.value for cell in units_sheet[1]]
    names = [row[header.index("单位")] for row in units_sheet.iter_rows(min_row=2, values_only=True)]
    assert names == [u.unit for u in pack.units]
    notices_sheet = next(ws for ws in workbook.worksheets if "督办" in ws.title)
    assert notices_sheet.max_row - 1 == notices


async def test_two_processes_on_a_dispatch_day_send_the_pack_once(campaign: App, database_url: str) -> None:
    app = campaign
    readers = [line.employee_no for line in app.store.bind_codes() if line.role in ("leader", "admin")]
    assert readers
    codes = {line.employee_no: line.code for line in app.store.bind_codes()}
    users = {no: 5000 + index for index, no in enumerate(readers)}
    for no, user in users.items():
        app.store.bind("telegram", str(user), codes[no])
    async with FakeTelegram() as tg:
        env = job_env(tg, database_url)
        processes = [await start_job("dispatch", DAY, env) for _ in range(2)]
        outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in processes)), 180)
        assert [p.returncode for p in processes] == [0, 0], outputs
        for user in users.values():
            assert len(tg.sent(user, "sendMessage")) == 1
            names = sorted(call.params["document_name"] for call in tg.sent(user, "sendDocument"))
            assert names == [
                "清收调度材料-2026-11-16至2026-11-30.docx",
                "清收调度材料-2026-11-16至2026-11-30.xlsx",
            ]


def test_the_packs_lawsuits_show_the_days_each_stage_took(app: App, clock: Clock) -> None:
    from tests.ledger_data import seed

    clock.now = at(date(2026, 2, 1), 9)
    seed(app)
    for stage, day in (
        ("filed", date(2026, 3, 2)),
        ("judged", date(2026, 6, 1)),
        ("enforcement", date(2026, 7, 1)),
        ("enforced", date(2026, 11, 20)),
    ):
        clock.now = at(day, 10)
        app.store.record_stage("L2023001", "E001", stage, day)
    clock.now = at(date(2026, 11, 18), 10)
    app.store.record_stage("L2023003", "E003", "filed", date(2026, 11, 18))
    clock.now = at(DAY, 8)
    lawsuits = {s.loan_no: s for s in dispatch_pack(app.store, DAY, CONFIG).lawsuits}
    ended = lawsuits["L2023001"]  # ended in the period: still in this pack
    assert (ended.stage, ended.stage_day, ended.filed) == ("enforced", date(2026, 11, 20), date(2026, 3, 2))
    assert (ended.days_filed_to_judgment, ended.days_judgment_to_enforced) == (91, 172)
    assert ended.missed_deadline == ""
    filed = lawsuits["L2023003"]
    assert (filed.stage, filed.days_filed_to_judgment) == ("filed", None)
    # The pack of the period after it: the lawsuit that ended before it is no longer listed.
    clock.now = at(date(2026, 12, 16), 8)
    later = dispatch_pack(app.store, date(2026, 12, 16), CONFIG)
    assert [s.loan_no for s in later.lawsuits] == ["L2023003"]
