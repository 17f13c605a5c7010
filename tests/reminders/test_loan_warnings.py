"""Early warnings on new loans (SPEC §10, 三), with a fixed clock: each warning on its day and once, to the
responsible person's to-do and the unit lead's digest; a loan past 90 days overdue joins the campaign as a case
exactly once, even when the job runs twice or in two processes at the same moment."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App, build
from bot.settings import load_settings
from core.early_warning import watch_figures
from core.messages import Incoming
from reminders.config import ScheduleConfig
from reminders.morning import build_reminders
from reminders.warnings import WarningNews, warning_news
from spreadsheets.importer import import_file
from store.models import Case, Loan, LoanWarning
from tests.conftest import CAMPAIGN_END, CAMPAIGN_START, Clock
from tests.ledger_data import seed
from tests.reminders.test_daily import at
from tests.spreadsheets.test_new_loans_import import workbook

CONFIG = ScheduleConfig()
IMPORTED = date(2026, 11, 2)  # a Monday


def loan(
    number: str,
    officer: str = "E001",
    *,
    amount: str = "100000",
    matures: date = date(2027, 6, 30),
    overdue: int = 0,
    classification: str = "正常",
    unit: str = "城关信用社",
    borrower: str = "借款人",
) -> list[Any]:
    return [
        number,
        borrower,
        "",
        unit,
        officer,
        amount,
        amount,
        "2026-01-15",
        matures,
        overdue,
        classification,
    ]


def imported(app: App, clock: Clock, tmp_path: Path, rows: list[list[Any]], day: date = IMPORTED) -> None:
    """The small ledger, and these loans imported on `day`."""
    clock.now = at(day)
    seed(app)
    import_file(app.store, workbook(tmp_path / "在贷.xlsx", rows))


def run(app: App, clock: Clock, day: date) -> set[tuple[str, str]]:
    """The morning's warnings on `day`: (loan number, reason) told, with `joined` for a loan that joined."""
    clock.now = at(day)
    news = warning_news(app.store, day, CONFIG)
    told = set()
    for items in news.personal.values():
        for warned in items:
            told.update((warned.loan.loan_no, reason) for reason in warned.reasons)
            if warned.joined:
                told.add((warned.loan.loan_no, "joined"))
    return told


def count(app: App, model: Any, *where: Any) -> int:
    with app.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_each_warning_fires_on_its_day_and_once(app: App, clock: Clock, tmp_path: Path) -> None:
    rows = [
        # Matures 2026-11-12: warned 7 days before (REMINDER_DAYS), overdue from the 13th.
        loan("D1", matures=date(2026, 11, 12)),
        # 25 days overdue on import: overdue at once, 30 days on 11-07, 60 on 12-07, 90 on 2027-01-06; past
        # 90 on 01-07 it breaks the 次级 rule (关注) and joins the campaign.
        loan("D2", overdue=25, classification="关注"),
        # Large (6,000,000 > 5,000,000) and overdue: warned as large on the same day it falls overdue.
        loan("D3", "E003", amount="6000000", matures=date(2026, 11, 20), unit="东风信用社"),
    ]
    imported(app, clock, tmp_path, rows)
    events: dict[tuple[str, str], list[date]] = {}
    day = IMPORTED
    while day <= date(2027, 1, 10):
        for item in run(app, clock, day):
            events.setdefault(item, []).append(day)
        day += timedelta(days=1)
    assert events == {
        ("D1", "maturity"): [date(2026, 11, 5)],
        ("D1", "overdue"): [date(2026, 11, 13)],
        ("D1", "overdue_30"): [date(2026, 12, 12)],
        ("D2", "overdue"): [IMPORTED],
        ("D2", "overdue_30"): [date(2026, 11, 7)],
        ("D2", "overdue_60"): [date(2026, 12, 7)],
        ("D2", "overdue_90"): [date(2027, 1, 6)],
        ("D2", "class_90"): [date(2027, 1, 7)],
        ("D2", "joined"): [date(2027, 1, 7)],
        ("D3", "maturity"): [date(2026, 11, 13)],
        ("D3", "overdue"): [date(2026, 11, 21)],
        ("D3", "large_overdue"): [date(2026, 11, 21)],
        ("D3", "overdue_30"): [date(2026, 12, 20)],
    }
    assert count(app, LoanWarning) == 12


def test_a_loan_crossing_90_days_becomes_a_case_once_even_when_the_job_runs_twice(
    app: App, clock: Clock, tmp_path: Path
) -> None:
    imported(
        app, clock, tmp_path, [loan("D7", overdue=89, amount="300000", borrower="钱七")], date(2026, 11, 27)
    )
    cases_before = count(app, Case)
    assert ("D7", "joined") not in run(app, clock, date(2026, 11, 27))  # 89 days
    assert ("D7", "joined") not in run(app, clock, date(2026, 11, 28))  # 90: not beyond 90 yet
    assert ("D7", "joined") in run(app, clock, date(2026, 11, 29))  # 91
    assert ("D7", "joined") in run(app, clock, date(2026, 11, 29))  # the same day again tells it again
    assert ("D7", "joined") not in run(app, clock, date(2026, 11, 30))
    assert count(app, Case) == cases_before + 1
    case = app.store.case_view("D7")
    assert (case.borrower, case.officer_no, case.unit) == ("钱七", "E001", "城关信用社")
    assert (case.deadline, case.principal, case.outstanding) == (
        CAMPAIGN_END,
        Decimal("300000.00"),
        Decimal("300000.00"),
    )
    with app.engine.connect() as connection:
        joined = connection.execute(select(Loan.case_id, Loan.joined_on).where(Loan.loan_no == "D7")).one()
    assert joined == (case.id, date(2026, 11, 29))
    entries = app.store.audit_entries("loan.joined")
    assert [(entity, ref) for _, entity, ref, _ in entries] == [("case", "D7")]
    assert entries[0][3]["days_overdue"] == 91


def test_two_processes_running_the_job_at_once_make_one_case(
    app: App, clock: Clock, tmp_path: Path, database_url: str
) -> None:
    imported(app, clock, tmp_path, [loan(f"D8{n:02}", overdue=95) for n in range(30)], date(2026, 11, 30))
    cases_before = count(app, Case)
    news = in_two_processes(database_url, clock, date(2026, 11, 30))
    told = [{w.loan.loan_no for items in n.personal.values() for w in items if w.joined} for n in news]
    assert count(app, Case) == cases_before + 30
    assert len(app.store.audit_entries("loan.joined")) == 30
    assert count(app, LoanWarning) == 30 * 5  # overdue, 30, 60, 90 days, and the 次级 rule (正常 past 90)
    # Each process tells of every loan that joined today, whichever of them made its case.
    assert told == [{f"D8{n:02}" for n in range(30)}] * 2


def test_a_loan_classified_better_than_its_days_overdue_allow_is_flagged_naming_the_rule(
    app: App, clock: Clock, tmp_path: Path
) -> None:
    imported(app, clock, tmp_path, [loan("D9", overdue=120, classification="关注", borrower="孙九")])
    figures = watch_figures(
        ((w.figures, w.joined_on is not None) for w in app.store.watched_loans()),
        IMPORTED,
        Decimal(5_000_000),
    )
    assert (figures.loans, figures.buckets, figures.mismatched) == (1, (0, 0, 0, 1), 1)
    messages = {m.key: m.replies[0].text for m in build_reminders(app.store, IMPORTED, CONFIG)}
    todo = messages[f"todo:person:{person_id(app, 'E001')}"]
    assert (
        "· D9 孙九，余额 ¥100,000.00：逾期 120 天（超过 90 天），已转入清收台账，收回时限 2026-12-31；"
        "五级分类为关注，不符合分类规则：逾期 90 天以上应至少为次级（现逾期 120 天）"
    ) in todo.splitlines()
    digest = messages[f"digest:person:{person_id(app, 'U001')}"]
    assert "本单位新发放贷款预警（1 笔）：" in digest.splitlines()
    assert any(
        line.startswith("· D9 孙九（责任人 李明），余额 ¥100,000.00：") for line in digest.splitlines()
    )


def test_a_loan_left_关注_past_270_days_is_warned_of_the_strictest_rule_it_breaks(
    app: App, clock: Clock, tmp_path: Path
) -> None:
    imported(app, clock, tmp_path, [loan("D10", overdue=300, classification="关注", borrower="周十")])
    assert {reason for number, reason in run(app, clock, IMPORTED) if reason.startswith("class")} == {
        "class_90",
        "class_270",
    }
    assert count(app, LoanWarning, LoanWarning.reason.in_(("class_90", "class_270"))) == 2
    # Told again the same morning (the to-do's run), the line names the strictest rule only.
    messages = {m.key: m.replies[0].text for m in build_reminders(app.store, IMPORTED, CONFIG)}
    line = next(
        line
        for line in messages[f"todo:person:{person_id(app, 'E001')}"].splitlines()
        if line.startswith("· D10")
    )
    assert "五级分类为关注，不符合分类规则：逾期 270 天以上应至少为可疑（现逾期 300 天）" in line
    assert "应至少为次级" not in line


def in_two_processes(database_url: str, clock: Clock, day: date) -> list[WarningNews]:
    """The morning's warnings run at the same moment by two bot processes on the ledger (each its own
    connections and transactions); what each would tell."""
    others = [
        build(
            load_settings(
                _env_file=None,
                database_url=database_url,
                campaign_start=CAMPAIGN_START,
                campaign_end=CAMPAIGN_END,
            ),
            clock=clock,
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    news: list[WarningNews] = []
    failures: list[BaseException] = []

    def job(other: App) -> None:
        try:
            start.wait(30)
            news.append(warning_news(other.store, day, CONFIG))
        except BaseException as error:  # surfaced in the test
            failures.append(error)

    threads = [threading.Thread(target=job, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for other in others:
        other.close()
    assert failures == []
    return news


def person_id(app: App, employee_no: str) -> int:
    person = app.store.person_by_employee_no(employee_no)
    assert person is not None
    return person.id


def test_progress_cards_count_the_new_loans_of_the_unit_and_of_the_campaign(
    app: App, clock: Clock, tmp_path: Path
) -> None:
    rows = [
        loan("D21", overdue=10),  # 1–30
        loan("D22", overdue=45, amount="6000000"),  # 31–60, large
        loan("D23", overdue=120, classification="关注"),  # over 90, mismatched
        loan("D24"),  # current
        loan("D25", "E003", overdue=70, unit="东风信用社"),  # 61–90, the other unit
    ]
    imported(app, clock, tmp_path, rows)
    run(app, clock, IMPORTED)  # D23 joins the campaign
    router = app.router()

    def said(sender: str, text: str) -> list[str]:
        incoming = Incoming("console", sender, sender, f"{sender}-{text}", text)
        return router.handle(incoming).replies[0].text.splitlines()

    assert said("U001", "进度")[-3:] == [
        "新发放贷款：监测 4 笔，余额 630.00万元；逾期 3 笔，余额 620.00万元",
        "逾期分布：1–30天 1 笔，31–60天 1 笔，61–90天 0 笔，90天以上 1 笔",
        "五级分类偏离 1 笔，大额贷款逾期 1 笔，已转入清收 1 笔",
    ]
    assert said("A001", "进度")[-3:] == [
        "新发放贷款：监测 5 笔，余额 640.00万元；逾期 4 笔，余额 630.00万元",
        "逾期分布：1–30天 1 笔，31–60天 1 笔，61–90天 1 笔，90天以上 1 笔",
        "五级分类偏离 1 笔，大额贷款逾期 1 笔，已转入清收 1 笔",
    ]


def test_a_lower_large_loan_amount_makes_a_smaller_overdue_loan_large(
    app: App, clock: Clock, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported(app, clock, tmp_path, [loan("D31", overdue=3, amount="2000000")])
    monkeypatch.setenv("LARGE_LOAN_AMOUNT", "1000000")
    lowered = build(load_settings(_env_file=None, database_url=database_url), clock=clock)
    try:
        config = lowered.schedule_config()
        assert config.large_loan_amount == Decimal("1000000")
        news = warning_news(lowered.store, IMPORTED, config)
    finally:
        lowered.close()
    (warned,) = [w for items in news.personal.values() for w in items]
    assert warned.reasons == ("overdue", "large_overdue")


def test_a_large_import_is_warned_of_in_bulk_once_even_in_two_processes(
    app: App, clock: Clock, tmp_path: Path, database_url: str
) -> None:
    """1,200 loans overdue 40 days: 2,400 warnings (newly overdue, 30 days) written in bulk by two processes at
    once, each warning once; the next day there is nothing new."""
    rows = [loan(f"B{n:05}", "E001" if n % 2 else "E002", overdue=40) for n in range(1200)]
    imported(app, clock, tmp_path, rows, date(2026, 11, 30))
    news = in_two_processes(database_url, clock, date(2026, 11, 30))
    told = [sum(len(w.reasons) for items in n.personal.values() for w in items) for n in news]
    assert count(app, LoanWarning) == 2400
    assert told == [2400, 2400]
    assert run(app, clock, date(2026, 12, 1)) == set()
