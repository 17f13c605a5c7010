"""`qingshou check`: every case whose figures do not add up is listed, and nothing is changed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select, update

from bot.app import App
from store.models import Case, Repayment
from tests.conftest import NOW, TODAY
from tests.ledger_data import seed


def test_a_sound_ledger_has_nothing_to_report(app: App) -> None:
    seed(app)
    entry = app.store.record_repayment("L2023001", "E001", Decimal("51000"), TODAY)
    app.store.decide_repayment(entry.id, "U001", confirm=True)
    app.store.record_repayment("L2023001", "E001", Decimal("1000"), TODAY)
    checked, problems = app.store.ledger_problems()
    assert (checked, problems) == (3, [])


def test_broken_figures_are_listed_and_left_as_they_are(app: App) -> None:
    seed(app)
    entry = app.store.record_repayment("L2023002", "E002", Decimal("20000"), TODAY)
    app.store.decide_repayment(entry.id, "U001", confirm=True)
    with app.engine.begin() as connection:
        # What a race could leave behind: a balance that forgot a confirmation, and reports beyond what is owed.
        connection.execute(
            update(Case).where(Case.loan_no == "L2023002").values(principal_remaining=Decimal("110000"))
        )
        case_id = connection.scalar(select(Case.id).where(Case.loan_no == "L2023003"))
        person_id = connection.scalar(select(Case.officer_id).where(Case.loan_no == "L2023003"))
        connection.execute(
            insert(Repayment).values(
                case_id=case_id,
                person_id=person_id,
                amount=Decimal("80010.50"),
                principal_part=Decimal("80010.50"),
                interest_part=Decimal("0"),
                paid_on=TODAY,
                method="cash",
                status="reported",
                created_at=NOW,
            )
        )
    checked, problems = app.store.ledger_problems()
    assert checked == 3
    assert [(p.loan_no, p.kind, p.held, p.expected) for p in problems] == [
        ("L2023002", "principal", Decimal("110000.00"), Decimal("100000.00")),
        ("L2023003", "pending_principal", Decimal("80010.50"), Decimal("80000.50")),
    ]
    with app.engine.connect() as connection:
        assert connection.scalar(
            select(Case.principal_remaining).where(Case.loan_no == "L2023002")
        ) == Decimal("110000.00")
