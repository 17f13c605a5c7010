"""Money under concurrency: people reporting and confirming on one case at the same instant never report more
than is owed, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bot.app import App
from core.errors import UserError
from core.import_plan import plan_import
from core.records import CaseRecord
from store.ledger import Store
from store.models import Case, Repayment
from tests.conftest import TODAY
from tests.ledger_data import PEOPLE, UNITS

PRINCIPAL, INTEREST = Decimal("500.00"), Decimal("100.00")
HALF_OWED = 300  # yuan: the reports made before the clerk must have confirmed one


def one_small_case(app: App) -> None:
    case = CaseRecord(
        "L7001", "吴一", "城关信用社", "E001", PRINCIPAL, INTEREST, "可疑", "中", date(2026, 12, 31)
    )
    plan, problems = plan_import(app.store.import_snapshot(), UNITS, PEOPLE, [case])
    assert problems == []
    app.store.apply_import(plan, actor="test", source="test")


def report(
    store: Store,
    employee_no: str,
    accepted: dict[str, int],
    failures: list[BaseException],
    start: threading.Barrier,
    first_confirmed: threading.Event,
) -> None:
    """Report ¥1 at a time until a report is refused for going over what is owed; past half of it, only once
    the clerk has confirmed something (on a busy machine the reports could otherwise all be in before the
    clerk's first turn, and the confirmations would not race them)."""
    try:
        start.wait(30)
        while True:
            if accepted["E001"] and sum(accepted.values()) >= HALF_OWED:
                first_confirmed.wait(60)
            try:
                store.record_repayment("L7001", employee_no, Decimal("1"), TODAY, "cash")
            except UserError as refused:
                assert refused.key in ("ledger.amount_exceeds", "ledger.amount_exceeds_pending"), refused.key
                return
            accepted[employee_no] += 1
            # A moment between two messages: SQLite's busy handler polls a locked database every few
            # milliseconds, and a writer that locks again at once could otherwise keep the other out to the end.
            time.sleep(0.001)
    except BaseException as error:  # surfaced in the main thread
        failures.append(error)


def confirm(
    store: Store, stop: threading.Event, failures: list[BaseException], first_confirmed: threading.Event
) -> None:
    """The clerk confirms the officer's reports as they come, until `stop`."""
    clerk = store.person_by_employee_no("A001")
    assert clerk is not None
    try:
        while not stop.is_set():
            waiting, _total = store.pending_repayments(
                clerk, limit=1000
            )  # the officer's may not be the oldest
            for item in waiting:
                if item.reporter_no == "E001":
                    store.decide_repayment(item.id, "A001", confirm=True)
                    first_confirmed.set()
    except BaseException as error:
        failures.append(error)


def test_two_reporting_at_once_never_report_more_than_is_owed(app: App) -> None:
    """An officer and his lead report ¥1 at a time on one ¥600 case while the clerk confirms the officer's
    reports: the accepted reports stop exactly at what is owed."""
    one_small_case(app)
    store = app.store
    accepted: dict[str, int] = {"E001": 0, "U001": 0}
    stop = threading.Event()
    failures: list[BaseException] = []
    start = threading.Barrier(len(accepted))  # both report from the same moment
    first_confirmed = threading.Event()
    reporters = [
        threading.Thread(target=report, args=(store, no, accepted, failures, start, first_confirmed))
        for no in accepted
    ]
    confirmer = threading.Thread(target=confirm, args=(store, stop, failures, first_confirmed))
    for thread in [*reporters, confirmer]:
        thread.start()
    for thread in reporters:
        thread.join(120)
    stop.set()
    confirmer.join(120)
    assert failures == []

    assert sum(accepted.values()) == 600  # every yuan owed reported once, not one more
    assert min(accepted.values()) > 0
    with app.engine.connect() as connection:
        parts = connection.execute(
            select(Repayment.status, Repayment.principal_part, Repayment.interest_part).where(
                Repayment.reverses_id.is_(None)
            )
        ).all()
        left = connection.execute(select(Case.principal_remaining, Case.interest_remaining)).one()
    assert all(principal >= 0 and interest >= 0 for _, principal, interest in parts)
    confirmed = [(p, i) for status, p, i in parts if status == "confirmed"]
    reported = [(p, i) for status, p, i in parts if status == "reported"]
    assert sum(p for p, _ in confirmed + reported) == PRINCIPAL
    assert sum(i for _, i in confirmed + reported) == INTEREST
    assert left == (
        PRINCIPAL - sum((p for p, _ in confirmed), Decimal(0)),
        INTEREST - sum((i for _, i in confirmed), Decimal(0)),
    )
    assert len(confirmed) > 0
