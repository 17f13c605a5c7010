"""Who is writing and what a message already got, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.app import App
from core.errors import UserError
from core.import_plan import plan_import
from store.conversation import REDELIVERY_WINDOW
from store.models import HandledMessage, Repayment
from tests.conftest import NOW, TODAY, Clock
from tests.ledger_data import CASES, PEOPLE, UNITS, seed


@pytest.fixture
def ledger(app: App) -> App:
    seed(app)
    return app


def _bind(app: App, employee_no: str, external_id: str) -> None:
    code = next(line.code for line in app.store.bind_codes() if line.employee_no == employee_no)
    app.store.bind("telegram", external_id, code)


def test_a_reimported_role_is_seen_at_the_next_message(ledger: App) -> None:
    store = ledger.store
    _bind(ledger, "E002", "700")
    before = store.person_by_identity("telegram", "700")
    assert before is not None and before.role == "officer"

    people = [replace(p, role="unit_lead") if p.employee_no == "E002" else p for p in PEOPLE]
    plan, problems = plan_import(store.import_snapshot(), UNITS, people, CASES)
    assert problems == []
    store.apply_import(plan, actor="test", source="promotion")

    after = store.person_by_identity("telegram", "700")
    assert after is not None and after.role == "unit_lead"


def test_a_new_binding_is_seen_at_once(ledger: App) -> None:
    store = ledger.store
    assert store.person_by_identity("telegram", "701") is None
    _bind(ledger, "E001", "701")
    found = store.person_by_identity("telegram", "701")
    assert found is not None and found.employee_no == "E001"


def test_a_refused_write_keeps_nothing_of_the_message(ledger: App) -> None:
    """Entries and the kept answer of one message commit together: a refusal half-way leaves neither."""
    store = ledger.store
    with pytest.raises(UserError), store.message_scope(), store.atomic():
        store.record_repayment("L2023001", "E001", Decimal("1000"), TODAY, source_key="m:1")
        store.remember_answer("m:1", [{"text": "ok"}])
        store.record_repayment("L2023001", "E001", Decimal("999999"), TODAY, source_key="m:2")
    with ledger.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Repayment)) == 0
        assert connection.scalar(select(func.count()).select_from(HandledMessage)) == 0
    assert store.answered("m:1") is None

    with store.message_scope(), store.atomic():
        store.record_repayment("L2023001", "E001", Decimal("1000"), TODAY, source_key="m:1")
        store.remember_answer("m:1", [{"text": "ok"}])
    assert store.answered("m:1") == [{"text": "ok"}]
    assert store.available("L2023001").total == Decimal("51000.00")


def test_reads_in_a_message_see_its_own_writes(ledger: App) -> None:
    store = ledger.store
    with store.message_scope(), store.atomic():
        store.record_repayment("L2023001", "E001", Decimal("2000"), TODAY, source_key="m:3")
        # The same transaction: the pending report already lowers what may still be reported.
        assert store.available("L2023001").total == Decimal("50000.00")
        assert [p.amount for p in store.pending_repayments(store.person_by_employee_no("U001"))[0]] == [
            Decimal("2000.00")
        ]


def test_sqlite_commits_are_flushed_to_disk(ledger: App) -> None:
    if ledger.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with ledger.engine.connect() as connection:
        # 2 = FULL: an acknowledged repayment survives a power cut, not only a crash of the bot.
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2


def test_a_connection_lost_while_idle_is_replaced(ledger: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server dropped a pooled connection (a restart, an idle timeout): the next message still works."""
    if ledger.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server closes connections")
    pool = ledger.engine.pool
    held = [ledger.engine.connect() for _ in range(max(1, pool.checkedin()))]  # type: ignore[attr-defined]
    pids = [connection.execute(text("SELECT pg_backend_pid()")).scalar_one() for connection in held]
    for connection in held:
        connection.close()
    outsider = create_engine(ledger.engine.url)
    with outsider.begin() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    outsider.dispose()
    monkeypatch.setattr("store.engine.PING_AFTER_IDLE_SECONDS", 0.0)
    found = ledger.store.case_view("L2023001")
    assert found is not None and found.borrower == "张三"


def test_a_kept_answer_lasts_as_long_as_a_re_delivery_can_come(ledger: App, clock: Clock) -> None:
    """Telegram and WeCom re-deliver within hours: after the window a key is a new message's, not a replay."""
    store = ledger.store
    assert store.remember_answer("telegram:9:msg:1", [{"text": "第一次"}])
    clock.now = NOW + timedelta(hours=30)
    assert store.answered("telegram:9:msg:1") == [{"text": "第一次"}]
    assert not store.remember_answer("telegram:9:msg:1", [{"text": "第二次"}])

    clock.now = NOW + REDELIVERY_WINDOW + timedelta(minutes=1)
    assert store.answered("telegram:9:msg:1") is None
    assert store.remember_answer("telegram:9:msg:1", [{"text": "新消息"}])
    assert store.answered("telegram:9:msg:1") == [{"text": "新消息"}]


def test_what_no_one_can_use_any_more_is_dropped(ledger: App, clock: Clock) -> None:
    store = ledger.store
    person = store.person_by_employee_no("E001")
    assert person is not None
    store.remember_answer("wecom:u:msg:1", [{"text": "ok"}])
    token = store.save_draft(person.id, {"intent": {}})
    store.offer_choices("wecom", "u", ["case:L2023001"])
    assert store.forget_expired() == 0

    clock.now = NOW + REDELIVERY_WINDOW + timedelta(minutes=1)
    assert store.forget_expired() == 3
    assert store.take_draft(token, person.id) is None
    with ledger.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(HandledMessage)) == 0


def test_a_lead_demoted_in_another_process_can_confirm_nothing_at_once(
    ledger: App, database_url: str
) -> None:
    """Two workers: one re-imports the people with the lead demoted; the other sees it at the next message."""
    from bot.app import build
    from bot.settings import load_settings

    other = build(load_settings(_env_file=None, database_url=database_url), clock=ledger.store._clock)
    try:
        _bind(ledger, "U001", "800")
        assert (other.store.person_by_identity("telegram", "800") or _nobody()).role == "unit_lead"
        people = [replace(p, role="officer") if p.employee_no == "U001" else p for p in PEOPLE]
        plan, problems = plan_import(ledger.store.import_snapshot(), UNITS, people, CASES)
        assert problems == []
        ledger.store.apply_import(plan, actor="test", source="demotion")
        assert (other.store.person_by_identity("telegram", "800") or _nobody()).role == "officer"
        assert [p.name for p in other.store.escalation_people(1) if p.role == "unit_lead"] == []
    finally:
        other.close()


def test_unbind_drops_every_chat_of_a_person_and_a_new_code_binds_again(ledger: App) -> None:
    store = ledger.store
    _bind(ledger, "E001", "900")
    assert store.unbind("E001") == ("李明", ["telegram"])
    assert store.person_by_identity("telegram", "900") is None
    assert store.identities(store.person_by_employee_no("E001").id, "telegram") == []  # type: ignore[union-attr]
    # Not bound any more: the clerk can hand out a new code, and the phone binds again with it.
    _bind(ledger, "E001", "901")
    assert (store.person_by_identity("telegram", "901") or _nobody()).employee_no == "E001"
    assert [action for action, *_ in store.audit_entries("unbind")] == ["unbind"]


def _nobody() -> Any:
    raise AssertionError("no one is bound to that chat")


def test_a_person_left_out_of_the_people_sheet_is_deactivated_not_deleted(ledger: App) -> None:
    from core.import_plan import plan_import

    store = ledger.store
    _bind(ledger, "U002", "950")
    people = [p for p in PEOPLE if p.employee_no != "U002"]
    plan, problems = plan_import(store.import_snapshot(), UNITS, people, CASES, people_sheet=True)
    assert problems == []
    assert [p.employee_no for p in plan.deactivated] == ["U002"]
    store.apply_import(plan, actor="test", source="people.xlsx")
    # Gone from the bot at once, kept in the ledger with its history.
    assert store.person_by_identity("telegram", "950") is None
    assert store.person_by_employee_no("U002") is None
    assert "U002" in store.import_snapshot().people
    assert [(a, r) for a, _e, r, _d in store.audit_entries("person.deactivate")] == [
        ("person.deactivate", "U002")
    ]
    assert "U002" not in {line.employee_no for line in store.bind_codes()}

    # Listed again: active again, with a new code to bind.
    plan, problems = plan_import(store.import_snapshot(), UNITS, PEOPLE, CASES, people_sheet=True)
    assert problems == [] and [p.employee_no for p in plan.reactivated] == ["U002"]
    store.apply_import(plan, actor="test", source="people.xlsx")
    assert store.person_by_employee_no("U002") is not None
    assert "U002" in {line.employee_no for line in store.bind_codes()}


def test_a_person_still_responsible_for_open_cases_is_not_deactivated(ledger: App) -> None:
    from core.import_plan import plan_import

    store = ledger.store
    people = [p for p in PEOPLE if p.employee_no != "E003"]
    plan, problems = plan_import(store.import_snapshot(), UNITS, people, [], people_sheet=True)
    assert [p.render("zh") for p in problems] == [
        "工作表“人员”：工号 E003（孙芳）不在表中，但仍负责 1 笔未结清案件（L2023003）；"
        "请在“案件”表中为这些案件改填责任人工号，或在“人员”表中保留此人"
    ]
    # Handed to another officer of the unit in the same import: E003 can go.
    cases = [replace(c, officer_no="U002") if c.loan_no == "L2023003" else c for c in CASES]
    plan, problems = plan_import(store.import_snapshot(), UNITS, people, cases, people_sheet=True)
    assert problems == [] and [p.employee_no for p in plan.deactivated] == ["E003"]
