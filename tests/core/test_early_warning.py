"""New loans' early warnings (SPEC §10): each reason at its threshold and not below it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.early_warning import LoanFigures, days_overdue, joins_campaign, misclassified, warnings_due

IMPORTED = date(2026, 11, 1)


def loan(
    days: int = 0,
    classification: str = "正常",
    matures_on: date = date(2027, 6, 30),
    amount: str = "1000000",
    balance: str = "800000",
) -> LoanFigures:
    return LoanFigures(
        "N1", Decimal(amount), Decimal(balance), date(2025, 6, 30), matures_on, days, classification, IMPORTED
    )


def test_days_overdue_run_on_from_the_import_and_from_maturity() -> None:
    assert days_overdue(loan(10), IMPORTED) == 10
    assert days_overdue(loan(10), IMPORTED + timedelta(days=5)) == 15
    assert days_overdue(loan(0), IMPORTED + timedelta(days=5)) == 0  # current at the import: stays current
    matured = loan(0, matures_on=date(2026, 11, 20))
    assert days_overdue(matured, date(2026, 11, 20)) == 0
    assert days_overdue(matured, date(2026, 11, 21)) == 1
    assert days_overdue(loan(10, balance="0"), IMPORTED) == 0  # paid off


@pytest.mark.parametrize(("days_to_maturity", "warned"), [(-1, False), (0, True), (7, True), (8, False)])
def test_maturity_within_the_reminder_days(days_to_maturity: int, warned: bool) -> None:
    day = date(2026, 11, 10)
    figures = loan(0, matures_on=day + timedelta(days=days_to_maturity))
    assert ("maturity" in warnings_due(figures, day, 7)) is warned


@pytest.mark.parametrize(
    ("days", "reasons"),
    [
        (0, ()),
        (1, ("overdue",)),
        (29, ("overdue",)),
        (30, ("overdue", "overdue_30")),
        (59, ("overdue", "overdue_30")),
        (60, ("overdue", "overdue_30", "overdue_60")),
        (90, ("overdue", "overdue_30", "overdue_60", "overdue_90")),
    ],
)
def test_overdue_steps(days: int, reasons: tuple[str, ...]) -> None:
    assert warnings_due(loan(days, "次级"), IMPORTED, 7) == reasons


@pytest.mark.parametrize(
    ("classification", "days", "broken"),
    [
        ("关注", 90, None),
        ("关注", 91, (90, "次级")),
        ("关注", 120, (90, "次级")),
        ("次级", 120, None),
        ("次级", 270, None),
        ("次级", 271, (270, "可疑")),
        ("可疑", 360, None),
        ("可疑", 361, (360, "损失")),
        ("损失", 400, None),
        ("正常", 400, (360, "损失")),
    ],
)
def test_classification_better_than_days_overdue_allow(
    classification: str, days: int, broken: tuple[int, str] | None
) -> None:
    assert misclassified(classification, days) == broken


def test_a_concern_loan_120_days_overdue_is_a_mismatch_and_a_case() -> None:
    figures = loan(120, "关注")
    assert warnings_due(figures, IMPORTED, 7) == (
        "overdue",
        "overdue_30",
        "overdue_60",
        "overdue_90",
        "class_90",
    )
    assert joins_campaign(figures, IMPORTED)


def test_a_loan_left_concern_past_270_days_breaks_both_rules() -> None:
    assert warnings_due(loan(280, "关注"), IMPORTED, 7)[-2:] == ("class_90", "class_270")


@pytest.mark.parametrize(("amount", "warned"), [("5000000", False), ("5000000.01", True)])
def test_a_large_loan_overdue_at_all(amount: str, warned: bool) -> None:
    assert ("large_overdue" in warnings_due(loan(1, amount=amount), IMPORTED, 7)) is warned
    assert "large_overdue" not in warnings_due(loan(0, amount=amount), IMPORTED, 7)


@pytest.mark.parametrize(("days", "joins"), [(90, False), (91, True)])
def test_joins_the_campaign_beyond_ninety_days(days: int, joins: bool) -> None:
    assert joins_campaign(loan(days, "次级"), IMPORTED) is joins


def test_a_paid_off_loan_is_warned_of_nothing() -> None:
    assert warnings_due(loan(200, "关注", balance="0"), IMPORTED, 7) == ()
