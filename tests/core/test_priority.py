"""The priority score of SPEC §5: larger, easier, sooner first; and the reason shown on the case card."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.priority import explain, priority

TODAY = date(2026, 11, 29)
LATER = date(2026, 12, 31)


def score(amount: str, difficulty: str = "中", deadline: date = LATER, statute: date | None = None) -> int:
    return priority(Decimal(amount), difficulty, deadline, statute, TODAY).score


def test_larger_amounts_come_first() -> None:
    assert score("5000000") > score("500000") > score("50000") > score("5000")


def test_easier_cases_come_first() -> None:
    assert score("100000", "易") > score("100000", "中") > score("100000", "难")


def test_sooner_deadlines_come_first_and_overdue_ones_top() -> None:
    overdue = score("100000", deadline=TODAY - timedelta(days=3))
    soon = score("100000", deadline=TODAY + timedelta(days=10))
    far = score("100000", deadline=TODAY + timedelta(days=300))
    assert overdue > soon > far


def test_a_near_statute_date_raises_the_score() -> None:
    assert score("100000", statute=TODAY + timedelta(days=60)) > score("100000", statute=date(2028, 6, 1))
    assert score("100000", statute=date(2028, 6, 1)) >= score("100000")


def test_parts_add_up_and_stay_within_100_without_urgency() -> None:
    top = priority(Decimal("99999999"), "易", TODAY, TODAY + timedelta(days=31), TODAY)
    assert top.score == top.amount_points + top.difficulty_points + top.deadline_points + top.statute_points
    assert top.score <= 100
    assert priority(Decimal("0"), "易", TODAY - timedelta(days=9), TODAY, TODAY).score == 0


def test_an_overdue_case_ranks_above_every_case_not_yet_due() -> None:
    small_overdue = score("5000", "难", deadline=TODAY - timedelta(days=1))
    large_not_due = score(
        "9000000", "易", deadline=TODAY + timedelta(days=1), statute=TODAY + timedelta(days=31)
    )
    assert small_overdue > large_not_due
    # All else equal, due today ranks above due tomorrow, and overdue above due today.
    overdue, today, tomorrow = (score("100000", deadline=TODAY + timedelta(days=d)) for d in (-1, 0, 1))
    assert overdue > today > tomorrow


def test_a_statute_running_out_or_run_out_ranks_first() -> None:
    expiring_today = score("5000", "难", statute=TODAY)
    expired = score("5000", "难", statute=TODAY - timedelta(days=1))
    nothing_expired = score("5000", "难")
    overdue = score("9000000", "易", deadline=TODAY - timedelta(days=30))
    # Run out is urgent (a legal review now), not hopeless: as high as running out today.
    assert expired == expiring_today > overdue > nothing_expired
    assert score("5000", statute=TODAY) > score("5000", statute=TODAY + timedelta(days=1))


def test_the_card_says_why_an_urgent_case_comes_first() -> None:
    text = explain(
        priority(Decimal("5000"), "难", TODAY + timedelta(days=5), TODAY + timedelta(days=3), TODAY)
    )
    assert "诉讼时效即将届满，优先处理（200 分）" in text
    text = explain(priority(Decimal("5000"), "难", TODAY - timedelta(days=5), None, TODAY))
    assert "已超过收回时限，优先处理（100 分）" in text
    text = explain(
        priority(Decimal("5000"), "难", TODAY + timedelta(days=5), TODAY - timedelta(days=2), TODAY)
    )
    assert "诉讼时效已届满，需立即法律审查（200 分）" in text
    assert "诉讼时效已届满 2 天（15 分）" in text


def test_explanation_names_every_reason() -> None:
    p = priority(Decimal("120000"), "易", TODAY + timedelta(days=12), TODAY + timedelta(days=40), TODAY)
    text = explain(p, "zh")
    assert text.startswith(f"优先级 {p.score} 分：")
    assert "欠款 ¥120,000.00" in text
    assert "难易程度“易”（20 分）" in text
    assert "距收回时限 12 天" in text
    assert "距诉讼时效到期 40 天" in text
    overdue = explain(priority(Decimal("1000"), "难", TODAY - timedelta(days=5), None, TODAY), "en")
    assert "5 days past its deadline" in overdue
    assert "no statute-of-limitations date" in overdue
