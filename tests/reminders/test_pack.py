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


def test_the_pack_shows_the_periods_flags_breaches_evidence_and_complaints(app: App, clock: Clock) -> None:
    from tests.ledger_data import seed

    store = app.store
    clock.now = at(date(2026, 11, 2), 9)
    seed(app)
    # Before the period: a complaint made and closed, one made and still open, a back-dated repayment, a
    # contact at night and a visit with a photo. Only the open complaint is in the pack.
    clock.now = at(date(2026, 11, 3), 10)
    store.record_complaint("L2023002", "A001", "催收电话过于频繁", "c-old-closed")
    clock.now = at(date(2026, 11, 5), 10)
    still_open = store.record_complaint("L2023001", "A001", "夜间上门催收", "c-old-open")
    clock.now = at(date(2026, 11, 10), 10)
    store.close_complaints("L2023002", store.person_by_employee_no("U001"), "已核实处理", "c-close-old")
    store.record_repayment("L2023002", "E002", Decimal("500"), date(2026, 11, 1), "transfer")
    store.record_contact("L2023001", "E001", "visit", "reached", photo="x")
    clock.now = datetime(2026, 11, 10, 22, 30, tzinfo=SHANGHAI)
    store.record_contact("L2023001", "E001", "phone", "no_answer")
    # In the period.
    clock.now = at(date(2026, 11, 18), 10)
    closed = store.record_complaint("L2023003", "A001", "上门催收时言语威胁", "c-new")
    clock.now = at(date(2026, 11, 20), 10)
    backdated = store.record_repayment("L2023001", "E001", Decimal("3000"), date(2026, 11, 12), "transfer")
    store.decide_repayment(backdated.id, "U001", True)
    store.record_repayment("L2023002", "E002", Decimal("2000"), date(2026, 11, 20), "transfer")  # no flag
    clock.now = datetime(2026, 11, 20, 22, 30, tzinfo=SHANGHAI)
    store.record_contact("L2023003", "E003", "phone", "no_answer")  # outside 08:00–22:00
    clock.now = at(date(2026, 11, 21), 10)
    for _ in range(4):  # the fourth in a day with one borrower
        store.record_contact("L2023003", "E003", "phone", "no_answer")
    clock.now = at(date(2026, 11, 23), 10)
    store.record_contact("L2023001", "E001", "visit", "reached", photo="x")
    store.record_contact("L2023001", "E001", "visit", "absent")
    store.record_contact("L2023002", "E002", "visit", "reached", location=(37.1, 112.5))
    store.record_contact("L2023003", "E003", "visit", "absent")
    clock.now = at(date(2026, 11, 25), 15)
    store.close_complaints("L2023003", store.person_by_employee_no("U002"), "已约谈责任人", "c-close-new")
    # After the period: the pack's own morning.
    clock.now = at(DAY, 7)
    store.record_complaint("L2023002", "A001", "今晨又来电", "c-after")
    clock.now = at(DAY, 8)

    pack = dispatch_pack(store, DAY, CONFIG)
    assert [(f.loan_no, f.amount, f.paid_on, f.officer, f.status, f.flags) for f in pack.flagged] == [
        ("L2023001", Decimal("3000.00"), date(2026, 11, 12), "李明", "confirmed", ("backdated",))
    ]
    assert [
        (b.unit, b.officer, b.total, b.count("outside_hours"), b.count("too_many")) for b in pack.breaches
    ] == [("东风信用社", "孙芳", 2, 1, 1)]
    assert {(e.unit, e.officer, e.visits, e.evidenced) for e in pack.evidence} == {
        ("城关信用社", "李明", 2, 1),
        ("城关信用社", "周强", 1, 1),
        ("东风信用社", "孙芳", 1, 0),
    }
    assert [(u.unit, u.visits, u.evidenced) for u in pack.unit_evidence] == [
        ("东风信用社", 1, 0),
        ("城关信用社", 3, 2),
    ]
    assert [
        (c.number, c.loan_no, c.text, c.made_by, c.open, c.closed_by, c.close_note) for c in pack.complaints
    ] == [
        (still_open.id, "L2023001", "夜间上门催收", "陈专班", True, "", ""),
        (closed.id, "L2023003", "上门催收时言语威胁", "陈专班", False, "赵东升", "已约谈责任人"),
    ]
    assert pack.complaints[1].closed_at == at(date(2026, 11, 25), 15)

    _, word, excel = build_dispatch(store, DAY, CONFIG)[0].replies
    document = docx.Document(io.BytesIO(word.document))
    paragraphs = [p.text for p in document.paragraphs]
    assert "（一）有标记的还款" in paragraphs
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    flagged = [
        "城关信用社",
        "L2023001",
        "张三",
        "0.30",
        "2026-11-12",
        "李明",
        "已确认",
        "倒签（还款日早于报告日 3 天以上）",
    ]
    assert flagged in rows
    assert ["东风信用社", "孙芳", "1", "1", "2"] in rows
    assert ["东风信用社", "1", "0", "0.0%"] in rows
    workbook = openpyxl.load_workbook(io.BytesIO(excel.document))
    complaints = list(workbook["八、投诉及办理情况"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[8], r[9]) for r in complaints] == [
        (still_open.id, "L2023001", "未办结", None),
        (closed.id, "L2023003", "已办结", datetime(2026, 11, 25, 15, 0)),
    ]
    breaches = list(workbook["十（二）联系合规异常"].iter_rows(min_row=2, values_only=True))
    assert breaches == [("东风信用社", "孙芳", 1, 1, 2)]
