"""Lawsuit stages in the ledger: recorded in order, refused out of order with nothing written, undone by a
reversal, moving the case in and out of litigation, and restarting the statute of limitations."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from bot.app import App
from core.errors import UserError
from store.models import AuditEntry, LawsuitStage
from tests.conftest import SHANGHAI, TODAY, Clock
from tests.ledger_data import seed


def stage_rows(app: App) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(LawsuitStage)).scalar_one())


def status_of(app: App, loan_no: str) -> str:
    case = app.store.case_view(loan_no)
    assert case is not None
    return case.status


def test_a_lawsuit_from_filing_to_enforcement(app: App) -> None:
    seed(app)
    filed = app.store.record_stage(
        "L2023003",
        "E003",
        "filed",
        date(2026, 6, 1),
        note="晋中市榆次区人民法院 （2026）晋0702民初123号 标的8万",
        claims=(Decimal("80000"), Decimal("1500")),
        source_key="m1",
    )
    assert (filed.court, filed.case_number, filed.proceeding) == (
        "晋中市榆次区人民法院",
        "（2026）晋0702民初123号",
        "first_instance",
    )
    assert (filed.claimed, filed.costs) == (Decimal("80000.00"), Decimal("1500.00"))
    assert status_of(app, "L2023003") == "litigation"
    for stage, day in (("hearing", date(2026, 8, 1)), ("judged", date(2026, 9, 1))):
        app.store.record_stage("L2023003", "E003", stage, day)
    assert status_of(app, "L2023003") == "litigation"
    app.store.record_stage("L2023003", "E003", "enforcement", date(2026, 10, 1))
    app.store.record_stage("L2023003", "E003", "enforced", date(2026, 11, 20))
    assert [s.stage for s in app.store.lawsuit_stages("L2023003")] == [
        "filed",
        "hearing",
        "judged",
        "enforcement",
        "enforced",
    ]
    # Ended without the case settled: back to being worked.
    assert status_of(app, "L2023003") == "in_progress"
    with app.engine.connect() as connection:
        actions = connection.execute(
            select(AuditEntry.action).where(AuditEntry.action.like("lawsuit.%"))
        ).scalars()
        assert list(actions) == ["lawsuit.stage"] * 5


def test_the_same_message_records_a_stage_once(app: App) -> None:
    seed(app)
    first = app.store.record_stage("L2023003", "E003", "filed", date(2026, 6, 1), source_key="m1")
    again = app.store.record_stage("L2023003", "E003", "filed", date(2026, 6, 1), source_key="m1")
    assert first.id == again.id
    assert stage_rows(app) == 1


@pytest.mark.parametrize(
    ("before", "stage", "day", "key"),
    [
        ([], "judged", date(2026, 6, 1), "lawsuit.not_filed"),  # 判决 before 立案
        (["filed"], "enforcement", date(2026, 7, 1), "lawsuit.out_of_order"),
        (["filed"], "judged", date(2026, 5, 1), "lawsuit.before_latest"),
        ([], "filed", TODAY + timedelta(days=1), "lawsuit.future_date"),
        ([], "filed", date(2025, 12, 31), "lawsuit.before_campaign"),
    ],
)
def test_a_bad_stage_changes_nothing(app: App, before: list[str], stage: str, day: date, key: str) -> None:
    seed(app)
    for earlier in before:
        app.store.record_stage("L2023003", "E003", earlier, date(2026, 6, 1))
    status = status_of(app, "L2023003")
    rows = stage_rows(app)
    with pytest.raises(UserError) as refused:
        app.store.record_stage("L2023003", "E003", stage, day)
    assert refused.value.key == key
    assert (stage_rows(app), status_of(app, "L2023003")) == (rows, status)


def test_refusals_name_the_stages_in_the_readers_language(app: App) -> None:
    seed(app)
    with pytest.raises(UserError) as refused:
        app.store.record_stage("L2023003", "E003", "judged", date(2026, 6, 1))
    assert refused.value.render("zh") == "该案件尚无诉讼记录，不能记录“判决”。请先记录：立案"
    app.store.record_stage("L2023003", "E003", "filed", date(2026, 6, 1))
    with pytest.raises(UserError) as refused:
        app.store.record_stage("L2023003", "E003", "enforced", date(2026, 6, 2))
    assert refused.value.render("zh") == (
        "诉讼阶段顺序不符：当前阶段为“立案”，不能记录“执行完毕”。可记录：开庭、判决、调解、和解、撤诉"
    )


def test_stages_cannot_be_edited_or_deleted(app: App) -> None:
    seed(app)
    app.store.record_stage("L2023003", "E003", "filed", date(2026, 6, 1))
    for statement in ("UPDATE lawsuit_stages SET note = 'x'", "DELETE FROM lawsuit_stages"):
        with pytest.raises(Exception, match="append-only"), app.engine.begin() as connection:
            connection.execute(text(statement))
    assert stage_rows(app) == 1


def test_undo_takes_back_the_latest_stage_and_the_status_follows(app: App) -> None:
    seed(app)
    filed = app.store.record_stage("L2023003", "E003", "filed", date(2026, 6, 1))
    assert app.store.last_entry(filed_person(app), timedelta(hours=24)) == ("lawsuit", filed.id)
    reversal = app.store.reverse_stage(filed.id, "E003", source_key="undo1")
    assert (reversal.reverses_id, reversal.stage) == (filed.id, "filed")
    assert app.store.lawsuit_stages("L2023003") == []
    # No contact on the case: it is open again, and the filing can be made anew.
    assert status_of(app, "L2023003") == "open"
    assert app.store.reversal_by_message("undo1") == ("lawsuit", "L2023003")
    with pytest.raises(UserError):
        app.store.reverse_stage(filed.id, "E003")
    app.store.record_stage("L2023003", "E003", "filed", date(2026, 6, 2))
    assert status_of(app, "L2023003") == "litigation"


def filed_person(app: App) -> int:
    person = app.store.person_by_employee_no("E003")
    assert person is not None
    return person.id


def test_the_statute_restarts_from_payments_acknowledgments_and_filings(app: App, clock: Clock) -> None:
    seed(app)
    # Imported: runs out 2027-03-01.
    before = app.store.statute_of("L2023003")
    assert before is not None
    assert (before.expires_on, before.start) == (date(2027, 3, 1), None)
    # A rejected repayment does not restart it; a confirmed one does, from the day it was paid.
    rejected = app.store.record_repayment("L2023003", "E003", Decimal("100"), paid_on=date(2026, 11, 2))
    app.store.decide_repayment(rejected.id, "U002", confirm=False, note="未到账")
    unchanged = app.store.statute_of("L2023003")
    assert unchanged is not None
    assert unchanged.expires_on == date(2027, 3, 1)
    repaid = app.store.record_repayment("L2023003", "E003", Decimal("100"), paid_on=date(2026, 11, 3))
    app.store.decide_repayment(repaid.id, "U002", confirm=True)
    after_payment = app.store.statute_of("L2023003")
    assert after_payment is not None
    assert (after_payment.expires_on, after_payment.start.reason if after_payment.start else None) == (
        date(2029, 11, 3),
        "repayment",
    )
    # A signed acknowledgment the next day, recorded at 23:30 Shanghai (15:30 UTC): its local day counts.
    clock.now = datetime(2026, 11, 4, 23, 30, tzinfo=SHANGHAI)
    app.store.record_contact("L2023003", "E003", "visit", "acknowledged")
    acknowledged = app.store.statute_of("L2023003")
    assert acknowledged is not None
    assert acknowledged.expires_on == date(2029, 11, 4)
    clock.now = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)
    app.store.record_stage("L2023003", "E003", "filed", date(2026, 11, 20))
    filed = app.store.statute_of("L2023003")
    assert filed is not None
    assert (filed.expires_on, filed.start.reason if filed.start else None) == (date(2029, 11, 20), "filed")


def test_the_days_priorities_follow_the_statute_as_it_stands(app: App, clock: Clock) -> None:
    seed(app)
    # 14 days before L2023003's imported expiry (2027-03-01): urgent.
    clock.now = datetime(2027, 2, 15, 8, 0, tzinfo=SHANGHAI)
    app.store.refresh_priorities()
    before = app.store.case_view("L2023003")
    assert before is not None and before.priority >= 200
    # A filing last November started it again (to 2029-11-20): only its passed deadline hurries it now.
    clock.now = datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)
    app.store.record_stage("L2023003", "E003", "filed", date(2026, 11, 20))
    clock.now = datetime(2027, 2, 15, 8, 0, tzinfo=SHANGHAI)
    app.store.refresh_priorities()
    after = app.store.case_view("L2023003")
    assert after is not None and 100 <= after.priority < 200


def test_a_filing_or_a_signature_takes_a_run_out_statutes_urgency_away_at_once(
    app: App, clock: Clock
) -> None:
    seed(app)
    # L2023003's imported statute ran out on 2027-03-01: urgent after the morning's refresh.
    clock.now = datetime(2027, 3, 5, 8, 0, tzinfo=SHANGHAI)
    app.store.refresh_priorities()

    def priority() -> int:
        case = app.store.case_view("L2023003")
        assert case is not None
        return case.priority

    assert priority() >= 200
    # A signed acknowledgment starts it again: no longer urgent, without waiting for the next morning.
    clock.now = datetime(2027, 3, 5, 10, 0, tzinfo=SHANGHAI)
    signed = app.store.record_contact("L2023003", "E003", "visit", "acknowledged")
    assert 100 <= priority() < 200
    # Taken back: urgent again at once.
    app.store.reverse_contact(signed.id, "E003")
    assert priority() >= 200
    # A lawsuit filed the same: it starts the statute again.
    filed = app.store.record_stage("L2023003", "E003", "filed", date(2027, 3, 5))
    assert 100 <= priority() < 200
    app.store.reverse_stage(filed.id, "E003")
    assert priority() >= 200
